/*
 * sbx wt: git worktrees for parallel agents, each on its own branch in its
 * own sandbox. All git work goes through the git module (libgit2); no git
 * process is run.
 */
#include "wt.h"
#include "commands.h"
#include "config.h"
#include "error.h"
#include "worktree.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct sbx_option options[] = {
	{ "base", 0, SBX_OPT_STRING, "REF", "new: start the branch at REF (default HEAD)" },
	{ "path", 0, SBX_OPT_STRING, "DIR", "new: put the worktree at DIR (default worktree.path)" },
	{ "run", 0, SBX_OPT_FLAG, NULL, "new: then start sbx run in it, with ARGS for the agent" },
	{ "json", 0, SBX_OPT_FLAG, NULL, "ls, log: one JSON object per line" },
	{ "patch", 'p', SBX_OPT_FLAG, NULL, "diff: the whole diff, not only the files' summary" },
	{ "squash", 0, SBX_OPT_FLAG, NULL, "merge: one commit of the branch's changes" },
	{ "rm", 0, SBX_OPT_FLAG, NULL, "merge: then remove the branch's worktree" },
	{ "force", 'f', SBX_OPT_FLAG, NULL, "rm: even when dirty, locked or running" },
	{ "delete-branch", 0, SBX_OPT_FLAG, NULL, "rm, merge --rm: delete the branches too" },
	{ "merged", 0, SBX_OPT_FLAG, NULL, "rm: those whose branch is merged into REF" },
	{ "dry-run", 'n', SBX_OPT_FLAG, NULL, "rm: only say what would be removed" },
	{ NULL, 0, 0, NULL, NULL },
};

/* Which subcommands each option belongs to. */
static const struct {
	const char *option, *subs[2];
} owners[] = {
	{ "base", { "new" } }, { "path", { "new" } }, { "run", { "new" } },
	{ "json", { "ls", "log" } }, { "patch", { "diff" } }, { "squash", { "merge" } },
	{ "rm", { "merge" } }, { "force", { "rm" } }, { "delete-branch", { "rm", "merge" } },
	{ "merged", { "rm" } }, { "dry-run", { "rm" } },
};

int sbx_wt_open(struct sbx_wt *wt, struct sbx_ctx *ctx)
{
	memset(wt, 0, sizeof(*wt));
	wt->ctx = ctx;
	wt->git = sbx_gitmod();
	if (!wt->git)
		return sbx_fail(ctx, SBX_WT_BROKEN);
	if (sbx_project_detect_repo(&wt->repo, NULL))
		return sbx_fail(ctx, SBX_WT_REFUSED);
	if (!wt->repo.in_git) {
		sbx_error("'%s' is in no git repository: run sbx wt in one ('git init' makes one)",
			  wt->repo.dir);
		return sbx_fail(ctx, SBX_WT_REFUSED);
	}
	return 0;
}

void sbx_wt_release(struct sbx_wt *wt)
{
	sbx_project_release(&wt->repo);
}

int sbx_wt_find_branch(const struct sbx_git_worktree *w, size_t nr, const char *branch)
{
	for (size_t i = 1; i < nr; i++)
		if (w[i].branch && !strcmp(w[i].branch, branch))
			return (int)i;
	return -1;
}

int sbx_wt_fail(struct sbx_wt *wt, int ret)
{
	return sbx_fail(wt->ctx, ret == -2 ? SBX_WT_USAGE : SBX_WT_REFUSED);
}

/*
 * Where a new branch starts, kept on the host for sbx wt diff and log; without
 * it they compare with the merge-base, so a failure only warns.
 */
static void record_base(struct sbx_wt *wt, const char *branch, const char *from)
{
	char *ref = sbx_asprintf("refs/heads/%s", branch), *id = NULL;

	if (wt->git->resolve(wt->repo.dir, ref, &id) ||
	    sbx_worktree_base_save(wt->repo.common_dir, branch, id, from ? from : "HEAD"))
		sbx_warn("cannot record where '%s' started (sbx wt diff compares with its "
			 "merge-base instead): %s", branch, sbx_last_error());
	free(id);
	free(ref);
}

/* `sbx run -- ARGS` in the current directory, as if typed. */
static int run_agent(char **args, int nr)
{
	static char run_word[] = "run", dashes[] = "--";
	struct sbx_ctx rctx = { &sbx_cmd_run, NULL, NULL, NULL };
	char **argv = sbx_calloc((size_t)nr + 3, sizeof(*argv));
	int argc = 0, nr_args, ret;

	argv[argc++] = run_word;
	argv[argc++] = dashes;
	for (int i = 0; i < nr; i++)
		argv[argc++] = args[i];
	ret = sbx_parse_options(&rctx, argc, argv, &nr_args);
	if (!ret)
		ret = sbx_run_session(&rctx, nr_args + 1, argv, "run");
	sbx_ctx_release(&rctx);
	free(argv);
	return ret;
}

static char *worktree_dir(struct sbx_wt *wt, const char *branch)
{
	const char *given = sbx_opt_value(wt->ctx, "path");
	struct sbx_config *cfg;
	char *cwd, *path = NULL;

	if (given) {
		cwd = getcwd(NULL, 0);
		if (!cwd) {
			sbx_error_errno("cannot tell the current directory");
			return NULL;
		}
		path = sbx_path_normalize(cwd, given);
		free(cwd);
		return path;
	}
	cfg = sbx_config_load(&wt->repo);
	if (cfg)
		path = sbx_worktree_path(sbx_config_string(cfg, "worktree.path"), &wt->repo, branch);
	sbx_config_free(cfg);
	return path;
}

int sbx_wt_new(struct sbx_wt *wt, int argc, char **argv)
{
	const char *branch = argc > 2 ? argv[2] : NULL, *base = sbx_opt_value(wt->ctx, "base");
	int run = sbx_opt_count(wt->ctx, "run"), dashes = argc > 3 && !strcmp(argv[3], "--");
	int created = 0, ret;
	char *path, *real;

	if (!branch || !strcmp(branch, "--"))
		return sbx_usage_error(wt->ctx, "'new' needs a BRANCH");
	if (argc > 3 && !dashes)
		return sbx_usage_error(wt->ctx, "unexpected argument '%s'", argv[3]);
	if (dashes && !run)
		return sbx_usage_error(wt->ctx, "arguments after '--' are for the agent: add --run");
	path = worktree_dir(wt, branch);
	if (!path)
		return sbx_fail(wt->ctx, SBX_WT_USAGE);
	ret = wt->git->worktree_add(wt->repo.dir, branch, base, path, &created);
	if (ret) {
		free(path);
		return sbx_fail(wt->ctx, ret == -2 ? SBX_WT_USAGE : SBX_WT_REFUSED);
	}
	/* As git records it, and `sbx wt ls` shows it: without symbolic links. */
	real = realpath(path, NULL);
	if (real) {
		free(path);
		path = real;
	}
	if (created)
		record_base(wt, branch, base);
	fprintf(stderr, "sbx wt: %s branch '%s' checked out in '%s'\n",
		created ? "new" : "existing", branch, path);
	if (!run) {
		printf("%s\n", path);
		free(path);
		return 0;
	}
	if (chdir(path)) {
		sbx_error_errno("cannot enter '%s'", path);
		free(path);
		return sbx_fail(wt->ctx, SBX_WT_REFUSED);
	}
	free(path);
	return run_agent(argv + 4, dashes ? argc - 4 : 0);
}

/* Is the option given for a subcommand it does not belong to? Says so (2), or 0. */
static int misplaced(struct sbx_ctx *ctx, const char *sub)
{
	for (size_t k = 0; k < sizeof(owners) / sizeof(owners[0]); k++) {
		const char *const *subs = owners[k].subs;

		if (!sbx_opt_count(ctx, owners[k].option) || !strcmp(subs[0], sub) ||
		    (subs[1] && !strcmp(subs[1], sub)))
			continue;
		return sbx_usage_error(ctx, "option '--%s' is for 'sbx wt %s'%s%s%s", owners[k].option,
				       subs[0], subs[1] ? " and 'sbx wt " : "", subs[1] ? subs[1] : "",
				       subs[1] ? "'" : "");
	}
	return 0;
}

static int cmd_wt(int argc, char **argv, struct sbx_ctx *ctx)
{
	static const char *const subs[] = { "new", "ls", "diff", "log", "merge", "rm" };
	int (*const fns[])(struct sbx_wt *, int, char **) = {
		sbx_wt_new, sbx_wt_ls, sbx_wt_diff, sbx_wt_log, sbx_wt_merge, sbx_wt_rm,
	};
	const char *sub = argc > 1 ? argv[1] : NULL;
	struct sbx_wt wt;
	int ret;

	if (!sub)
		return sbx_usage_error(ctx, "name a subcommand: new, ls, diff, log, merge or rm "
				       "(see 'sbx wt --help')");
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(sub, subs[i]))
			continue;
		if ((ret = misplaced(ctx, sub)))
			return ret;
		ret = sbx_wt_open(&wt, ctx);
		if (!ret)
			ret = fns[i](&wt, argc, argv);
		sbx_wt_release(&wt);
		return ret;
	}
	return sbx_usage_error(ctx, "unknown subcommand '%s': use new, ls, diff, log, merge or rm",
			       sub);
}

const struct sbx_cmd sbx_cmd_wt = {
	.name = "wt",
	.summary = "git worktrees for parallel agents, each in its own sandbox",
	.usage = "sbx wt new BRANCH [--base REF] [--path DIR] [--run [-- ARGS...]]\n"
		 "sbx wt ls [--json]\n"
		 "sbx wt diff BRANCH [--patch]\n"
		 "sbx wt log BRANCH [--json]\n"
		 "sbx wt merge BRANCH [--squash] [--rm [--delete-branch]]\n"
		 "sbx wt rm BRANCH... [--force] [--delete-branch] [--dry-run]\n"
		 "sbx wt rm --merged [REF] [--force] [--delete-branch] [--dry-run]",
	.description =
		"new: creates BRANCH at REF (default HEAD; an existing branch is checked out as it\n"
		"is) and a worktree for it at worktree.path (default ../{repo}.worktrees/{branch}\n"
		"beside the main checkout; a branch's slashes become directories), prints its path,\n"
		"or with --run starts `sbx run -- ARGS` in it.\n"
		"ls: each worktree with its branch, dirty or clean, commits ahead/behind its base\n"
		"(the upstream, else the main checkout's branch) and whether a sandbox runs in it.\n"
		"diff: what BRANCH changed since it started (or since its merge-base with the main\n"
		"checkout's branch), its worktree's uncommitted and untracked files included, as a\n"
		"summary of the files, or with --patch the whole diff. log: its commits since then.\n"
		"merge: BRANCH into the main checkout's branch, fast-forward or merge commit (with\n"
		"--squash one commit); refused, with nothing changed, when the main checkout has\n"
		"changes, the merge conflicts or a sandbox runs in either; --rm then removes the\n"
		"worktree (and with --delete-branch the branch).\n"
		"rm: removes the worktrees of the BRANCHes (with --merged: of every branch merged\n"
		"into REF, default the main checkout's branch); refuses a dirty, locked or running\n"
		"one, and with --delete-branch an unmerged branch, unless --force.\n"
		"Exit: 0 done, 1 refused or failed, 2 usage error, 125 sbx failed; with --run the agent's.",
	.options = options,
	.exec = cmd_wt,
};
