/* sbx config: the merged configuration and where each value came from. */
#include "cmd.h"
#include "config.h"
#include "json.h"
#include "project.h"
#include "suggest.h"

#include <stdio.h>
#include <string.h>

static const struct sbx_option options[] = {
	{ "json", 0, SBX_OPT_FLAG, NULL, "print the merged configuration as JSON" },
	{ NULL, 0, 0, NULL, NULL },
};

/*
 * The stack for the project of the current directory; NULL after printing why.
 * `show` marks what an untrusted file set instead of warning about it.
 */
static struct sbx_config *load(const struct sbx_ctx *ctx, int *code, unsigned flags)
{
	struct sbx_project p;
	struct sbx_config *cfg;

	if (sbx_project_detect(&p, NULL)) {
		*code = sbx_fail(ctx, 125);
		return NULL;
	}
	cfg = sbx_config_load_flags(&p, flags);
	sbx_project_release(&p);
	if (!cfg)
		*code = sbx_fail(ctx, 2);
	return cfg;
}

static int config_show(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_buf out = SBX_BUF_INIT;
	struct sbx_config *cfg;
	int code = 0;

	(void)argv;
	if (argc > 2)
		return sbx_usage_error(ctx, "'show' takes no arguments");
	cfg = load(ctx, &code, SBX_CONFIG_QUIET_TRUST);
	if (!cfg)
		return code;
	sbx_config_show(cfg, &out, sbx_opt_count(ctx, "json") > 0);
	fwrite(out.buf, 1, out.len, stdout);
	sbx_buf_release(&out);
	sbx_config_free(cfg);
	return 0;
}

static int validate_file(const char *file, const struct sbx_ctx *ctx)
{
	const char *base = strrchr(file, '/');
	struct sbx_project_file f;
	cJSON *doc = NULL;
	int ret;

	/* A project's file is read as a layer reads it: the sandbox may have made it a FIFO. */
	if (!strcmp(base ? base + 1 : file, ".sbx.json")) {
		ret = sbx_project_file_read(&f, file);
		if (ret > 0)
			sbx_error("'%s' does not exist", file);
		sbx_project_file_release(&f);
		if (ret)
			return sbx_fail(ctx, 2);
		printf("%s: ok\n", file);
		return 0;
	}
	ret = sbx_jsonc_read_file(file, &doc);
	if (!ret)
		ret = sbx_config_validate(doc, file);
	cJSON_Delete(doc);
	if (ret)
		return sbx_fail(ctx, 2);
	printf("%s: ok\n", file);
	return 0;
}

static int config_validate(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_config *cfg;
	const char *file;
	int code = 0;

	if (sbx_opt_count(ctx, "json"))
		return sbx_usage_error(ctx, "option '--json' is for 'sbx config show'");
	if (argc > 3)
		return sbx_usage_error(ctx, "'validate' takes at most one FILE");
	if (argc == 3)
		return validate_file(argv[2], ctx);
	cfg = load(ctx, &code, 0);
	if (!cfg)
		return code;
	for (size_t i = 0; (file = sbx_config_file(cfg, i)); i++)
		printf("%s: ok\n", file);
	if (!sbx_config_file(cfg, 0))
		printf("no configuration file: built-in defaults only\n");
	sbx_config_free(cfg);
	return 0;
}

static int cmd_config(int argc, char **argv, struct sbx_ctx *ctx)
{
	static const char *const subcommands[] = { "show", "validate" };
	const char *near;

	if (argc < 2 || !strcmp(argv[1], "show"))
		return config_show(argc, argv, ctx);
	if (!strcmp(argv[1], "validate"))
		return config_validate(argc, argv, ctx);
	near = sbx_nearest(argv[1], subcommands, 2);
	if (near)
		return sbx_usage_error(ctx, "unknown subcommand '%s' (did you mean '%s'?)", argv[1],
				       near);
	return sbx_usage_error(ctx, "unknown subcommand '%s' (expected 'show' or 'validate')",
			       argv[1]);
}

const struct sbx_cmd sbx_cmd_config = {
	.name = "config",
	.summary = "the merged configuration, with where each value came from",
	.usage = "sbx config show [--json]\nsbx config validate [FILE]",
	.description = "Configuration layers, lowest first: built-in defaults, "
		       "$XDG_CONFIG_HOME/sbx/config.json,\nthe main repository's .sbx.json, "
		       "the worktree's .sbx.json, SBX_* variables,\ncommand-line flags. "
		       "Arrays accumulate, objects used as maps merge per key, and\nscalars "
		       "override. 'validate FILE' checks one file alone.",
	.options = options,
	.exec = cmd_config,
};
