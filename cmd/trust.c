/*
 * sbx trust: what a project's .sbx.json would reach outside the sandbox,
 * and the record that you allow it (lib/trust.h), as `direnv allow` does.
 */
#include "cmd.h"
#include "config.h"
#include "paths.h"
#include "project.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct sbx_option options[] = {
	{ "show", 0, SBX_OPT_FLAG, NULL, "only show what the files would be trusted with" },
	{ "revoke", 0, SBX_OPT_FLAG, NULL, "forget that the files were trusted" },
	{ NULL, 0, 0, NULL, NULL },
};

static const char *state_word(const struct sbx_project_file *f)
{
	if (!f->needs_trust)
		return "needs no trust (it sets only keys that stay inside the sandbox)";
	if (f->trust == SBX_TRUST_TRUSTED)
		return "trusted";
	if (f->trust == SBX_TRUST_CHANGED)
		return "not trusted (changed since you trusted it)";
	return "not trusted";
}

/* Shows f's keys that need trust, then records (or only states) its trust. */
static int trust_file(struct sbx_project_file *f, int show, const struct sbx_ctx *ctx)
{
	struct sbx_buf out = SBX_BUF_INIT;

	if (f->needs_trust)
		sbx_config_show_doc(f->needs_trust, f->path, &out);
	fwrite(out.buf, 1, out.len, stdout);
	sbx_buf_release(&out);
	if (!show && f->needs_trust && f->trust != SBX_TRUST_TRUSTED) {
		if (sbx_trust_record(f->path, f->hash))
			return sbx_fail(ctx, 125);
		f->trust = SBX_TRUST_TRUSTED;
	}
	printf("%s: %s\n", f->path, state_word(f));
	return 0;
}

/* --revoke: by path alone, so that a file made unreadable can still be forgotten. */
static int revoke(const char *path, const struct sbx_ctx *ctx)
{
	int ret = sbx_trust_record(path, NULL);

	if (ret < 0)
		return sbx_fail(ctx, 125);
	printf("%s: %s\n", path, ret ? "was not trusted" : "no longer trusted");
	return 0;
}

static int one_file(const char *given, int show, int forget, const struct sbx_ctx *ctx)
{
	struct sbx_project_file f;
	char *path;
	int ret;

	if (forget) {
		path = sbx_project_file_path(given);
		ret = path ? revoke(path, ctx) : sbx_fail(ctx, 2);
		free(path);
		return ret;
	}
	ret = sbx_project_file_read(&f, given);
	if (ret > 0) {
		fprintf(stderr, "sbx trust: '%s' does not exist\n", given);
		return 1;
	}
	if (ret < 0)
		return sbx_fail(ctx, 2);
	ret = trust_file(&f, show, ctx);
	sbx_project_file_release(&f);
	return ret;
}

static int project_files(int show, int forget, const struct sbx_ctx *ctx)
{
	struct sbx_project_file *files = NULL;
	struct sbx_project p;
	size_t nr = 0;
	int ret = 0;

	if (sbx_project_detect(&p, NULL))
		return sbx_fail(ctx, 125);
	if (forget) {
		const char *dirs[] = { p.main_dir, p.is_worktree ? p.dir : NULL };

		for (size_t i = 0; i < 2 && !ret; i++) {
			char *path = dirs[i] ? sbx_path_join(dirs[i], ".sbx.json") : NULL;

			if (path)
				ret = revoke(path, ctx);
			free(path);
		}
		goto out;
	}
	if (sbx_project_files_read(&p, &files, &nr)) {
		ret = sbx_fail(ctx, 2);
		goto out;
	}
	if (!nr) {
		fprintf(stderr, "sbx trust: no .sbx.json in '%s': nothing to trust\n", p.dir);
		ret = 1;
	}
	for (size_t i = 0; i < nr && !ret; i++)
		ret = trust_file(&files[i], show, ctx);
out:
	sbx_project_files_free(files, nr);
	sbx_project_release(&p);
	return ret;
}

static int cmd_trust(int argc, char **argv, struct sbx_ctx *ctx)
{
	int show = sbx_opt_count(ctx, "show"), forget = sbx_opt_count(ctx, "revoke");

	if (show && forget)
		return sbx_usage_error(ctx, "'--show' and '--revoke' cannot be used together");
	if (argc > 2)
		return sbx_usage_error(ctx, "too many arguments: give one FILE at most");
	if (argc == 2)
		return one_file(argv[1], show, forget, ctx);
	return project_files(show, forget, ctx);
}

const struct sbx_cmd sbx_cmd_trust = {
	.name = "trust",
	.summary = "let a project's .sbx.json reach outside the sandbox",
	.usage = "sbx trust [--show | --revoke] [FILE]",
	.description = "A project's .sbx.json (the main checkout's and a linked worktree's) "
		       "can be written\nby the agent in its sandbox or by whoever wrote "
		       "the repository. Until you trust\nits exact content, sbx ignores "
		       "what in it reaches outside the sandbox (mounts,\nsecrets, envPass, "
		       "the backend, ...). sbx trust shows those keys, as 'sbx config\n"
		       "show' does, and records the content's SHA-256; any change makes "
		       "the file\nuntrusted again. FILE is one .sbx.json instead of the "
		       "current project's.",
	.options = options,
	.exec = cmd_trust,
};
