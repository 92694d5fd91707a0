/* sbx wt rm: remove worktrees (and with --delete-branch their branches). */
#include "wt.h"
#include "backend.h"
#include "error.h"
#include "json.h"
#include "owner.h"
#include "worktree.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct rm {
	struct sbx_wt *wt;
	struct sbx_git_worktree *w;
	size_t nr;
	const char *into;		/* --merged REF */
	cJSON *records;
	int force, delete_branch, dry_run;
	unsigned char *chosen;		/* per worktree */
};

/* A linked worktree named by its branch, or any by its path (0: the main one); -1 none. */
static int find(const struct rm *rm, const char *word)
{
	char *cwd, *path, *real;
	int found = -1;

	for (size_t i = 1; i < rm->nr; i++)
		if (rm->w[i].branch && !strcmp(rm->w[i].branch, word))
			return (int)i;
	cwd = getcwd(NULL, 0);
	path = cwd ? sbx_path_normalize(cwd, word) : NULL;
	real = path ? realpath(path, NULL) : NULL;
	for (size_t i = 0; path && i < rm->nr && found < 0; i++)
		if (!strcmp(rm->w[i].path, path) || (real && !strcmp(rm->w[i].path, real)))
			found = (int)i;
	free(real);
	free(path);
	free(cwd);
	return found;
}

static int name_targets(struct rm *rm, int argc, char **argv)
{
	struct sbx_ctx *ctx = rm->wt->ctx;
	int ret = 0;

	if (argc < 3)
		return sbx_usage_error(ctx, "name the BRANCH of each worktree to remove "
				       "(see 'sbx wt ls'), or give --merged");
	for (int a = 2; a < argc; a++) {
		int i = find(rm, argv[a]);

		if (i > 0) {
			rm->chosen[i] = 1;
			continue;
		}
		if (rm->w[0].branch && !strcmp(rm->w[0].branch, argv[a]))
			sbx_error("branch '%s' is the main checkout's ('%s'), which sbx wt rm "
				  "never removes", argv[a], rm->w[0].path);
		else if (i == 0)
			sbx_error("'%s' is the main checkout, which sbx wt rm never removes",
				  rm->w[0].path);
		else
			sbx_error("no worktree has branch '%s' (see 'sbx wt ls')", argv[a]);
		ret = sbx_fail(ctx, SBX_WT_REFUSED);
	}
	return ret;
}

static int merged_targets(struct rm *rm, int argc, char **argv)
{
	const struct sbx_gitmod *git = rm->wt->git;
	const char *dir = rm->wt->repo.common_dir;

	if (argc > 3)
		return sbx_usage_error(rm->wt->ctx, "--merged takes at most one REF, and picks the "
				       "branches itself");
	rm->into = argc == 3 ? argv[2] : rm->w[0].branch ? rm->w[0].branch : rm->w[0].head;
	if (!rm->into) {
		sbx_error("the main checkout has no commit to compare with: give --merged REF");
		return sbx_fail(rm->wt->ctx, SBX_WT_REFUSED);
	}
	if (git->resolve(dir, rm->into, NULL))
		return sbx_fail(rm->wt->ctx, SBX_WT_USAGE);
	for (size_t i = 1; i < rm->nr; i++) {
		const char *b = rm->w[i].branch;
		int m = b && strcmp(b, rm->into) ? git->merged(dir, b, rm->into) : 0;

		if (m < 0)
			return sbx_fail(rm->wt->ctx, SBX_WT_REFUSED);
		rm->chosen[i] = m == 1;
	}
	return 0;
}

int sbx_wt_check_removable(const struct sbx_git_worktree *w, int running, int force)
{
	/* Not even with --force: what its record names may be another checkout. */
	if (w->broken)
		return sbx_error("cannot remove the worktree recorded as '%s': %s", w->path,
				 w->problem);
	if (force)
		return 0;
	if (w->dirty > 0)
		return sbx_error("'%s' has changes: commit or discard them, or use --force",
				 w->path);
	if (w->dirty < 0 && !w->missing && !w->bare)
		return sbx_error("cannot tell whether '%s' has changes: look at it, then use --force",
				 w->path);
	if (running)
		return sbx_error("a sandbox is running in '%s': end it (sbx stop NAME, see "
				 "'sbx ls') or use --force", w->path);
	if (w->locked)
		return sbx_error("'%s' is locked: unlock it (git worktree unlock) or use --force",
				 w->path);
	return 0;
}

/* Why worktree i must stay (recorded as the error), or 0. */
static int refuse(const struct rm *rm, size_t i, int running)
{
	const struct sbx_git_worktree *w = &rm->w[i];

	if (sbx_wt_check_removable(w, running, rm->force))
		return -1;
	if (rm->force)
		return 0;
	/* Like git branch -d: the branch's commits must be somewhere else too. */
	if (rm->delete_branch && w->branch && !rm->into && !(w->base && w->ahead == 0))
		return sbx_error("branch '%s' is not merged into %s%s%s: keep it (drop "
				 "--delete-branch) or use --force", w->branch,
				 w->base ? "'" : "its base", w->base ? w->base : "", w->base ? "'" : "");
	return 0;
}

/* Ends the sandboxes running in a worktree about to go (--force). */
static void stop_sandboxes(const cJSON *sandboxes)
{
	for (const cJSON *r = sandboxes->child; r; r = r->next) {
		const struct sbx_backend *b = sbx_backend_find(sbx_json_get_string(r, "backend"));
		const char *name = sbx_json_get_string(r, "name");

		if (b && name && b->stop(name) == 0)
			fprintf(stderr, "sbx wt: stopped sandbox '%s'\n", name);
		else if (b && name)
			sbx_warn("%s", sbx_last_error());
	}
}

int sbx_wt_remove(struct sbx_wt *wt, const struct sbx_git_worktree *w, int delete_branch)
{
	const char *dir = wt->repo.common_dir;

	/* Checked again as it goes: the record may have changed since it was listed. */
	if (sbx_worktree_remove(dir, w->name))
		return sbx_fail(wt->ctx, SBX_WT_REFUSED);
	if (w->branch)
		sbx_worktree_prune_parents(w->path, w->branch);
	printf("removed worktree '%s'\n", w->path);
	if (delete_branch && w->branch) {
		if (wt->git->branch_delete(dir, w->branch))
			return sbx_fail(wt->ctx, SBX_WT_REFUSED);
		sbx_worktree_base_forget(dir, w->branch);
		printf("deleted branch '%s'\n", w->branch);
	}
	return 0;
}

static int remove_one(struct rm *rm, size_t i, const cJSON *sandboxes)
{
	const struct sbx_git_worktree *w = &rm->w[i];

	if (rm->dry_run) {
		printf("would remove worktree '%s'\n", w->path);
		if (rm->delete_branch && w->branch)
			printf("would delete branch '%s'\n", w->branch);
		return 0;
	}
	stop_sandboxes(sandboxes);
	return sbx_wt_remove(rm->wt, w, rm->delete_branch);
}

/*
 * Named worktrees go all together or not at all; with --merged the refused
 * ones are skipped and the others removed. Any refusal exits 1.
 */
static int run(struct rm *rm)
{
	cJSON **sandboxes = sbx_calloc(rm->nr, sizeof(*sandboxes));
	int ret = 0, refused = 0, any = 0;

	for (size_t i = 1; i < rm->nr; i++) {
		if (!rm->chosen[i])
			continue;
		sandboxes[i] = sbx_json_new_array();
		if (refuse(rm, i, sbx_worktree_sandboxes(rm->records, rm->w[i].path, sandboxes[i]))) {
			rm->chosen[i] = 0;
			refused = sbx_fail(rm->wt->ctx, SBX_WT_REFUSED);
		}
	}
	for (size_t i = 1; i < rm->nr && (rm->into || !refused); i++) {
		if (!rm->chosen[i])
			continue;
		any = 1;
		if (remove_one(rm, i, sandboxes[i]))
			ret = SBX_WT_REFUSED;
	}
	if (rm->into && !any && !refused)
		fprintf(stderr, "sbx wt: no worktree has a branch merged into '%s'\n", rm->into);
	for (size_t i = 0; i < rm->nr; i++)
		cJSON_Delete(sandboxes[i]);
	free(sandboxes);
	return refused ? refused : ret;
}

int sbx_wt_rm(struct sbx_wt *wt, int argc, char **argv)
{
	struct rm rm = { wt, NULL, 0, NULL, NULL, 0, 0, 0, NULL };
	int ret;

	rm.force = sbx_opt_count(wt->ctx, "force");
	rm.delete_branch = sbx_opt_count(wt->ctx, "delete-branch");
	rm.dry_run = sbx_opt_count(wt->ctx, "dry-run");
	if (wt->git->worktrees(wt->repo.common_dir, SBX_GIT_WT_STATUS | SBX_GIT_WT_COUNTS,
			       &rm.w, &rm.nr))
		return sbx_fail(wt->ctx, SBX_WT_REFUSED);
	if (sbx_owner_list(&rm.records))
		sbx_clear_error();
	rm.chosen = sbx_calloc(rm.nr, 1);
	if (sbx_opt_count(wt->ctx, "merged"))
		ret = merged_targets(&rm, argc, argv);
	else
		ret = name_targets(&rm, argc, argv);
	if (!ret)
		ret = run(&rm);
	free(rm.chosen);
	cJSON_Delete(rm.records);
	sbx_git_worktrees_free(rm.w, rm.nr);
	return ret;
}
