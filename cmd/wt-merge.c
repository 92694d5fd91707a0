/*
 * sbx wt merge: a branch into the main checkout's branch, all or nothing,
 * and with --rm its worktree removed after. The merge itself is the git
 * module's (lib/gitmod.h); here is what sbx knows besides: the sandboxes
 * running, and the worktree to remove.
 */
#include "wt.h"
#include "error.h"
#include "owner.h"
#include "worktree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A sandbox in the worktree keeps committing to the branch after it was
 * merged, and its git directory's HEAD and index follow into the host's at
 * each turn's end (lib/gitdir.h); one in the main checkout writes the work
 * tree the merge checks out. Either refuses the merge.
 */
static int check_running(const cJSON *records, const struct sbx_git_worktree *main_wt,
			 const struct sbx_git_worktree *w)
{
	if (w && !w->broken && sbx_worktree_sandboxes(records, w->path, NULL))
		return sbx_error("a sandbox is running in '%s': end it (sbx stop NAME, see "
				 "'sbx ls'), then merge", w->path);
	if (sbx_worktree_sandboxes(records, main_wt->path, NULL))
		return sbx_error("a sandbox is running in the main checkout '%s': end it (sbx stop "
				 "NAME, see 'sbx ls'), then merge", main_wt->path);
	return 0;
}

static void say(const struct sbx_git_merge *m)
{
	static const char *const kinds[] = {
		[SBX_GIT_MERGE_FAST_FORWARD] = "fast-forward",
		[SBX_GIT_MERGE_COMMIT] = "merge commit",
		[SBX_GIT_MERGE_SQUASH] = "squash commit",
	};

	if (m->result == SBX_GIT_MERGE_UP_TO_DATE) {
		printf("'%s' is merged into '%s' already\n", m->branch, m->into);
		return;
	}
	printf("merged '%s' into '%s': %s %.7s..%.7s (%zu commit%s)\n", m->branch, m->into,
	       kinds[m->result], m->old_head, m->new_head, m->commits, m->commits == 1 ? "" : "s");
	/* No filter ran (lib/gitmod.h): Git LFS files are their pointers until git-lfs fills them. */
	if (m->unfiltered)
		sbx_warn("%zu file%s with filter '%s' %s written as committed, not through the filter%s",
			 m->unfiltered, m->unfiltered == 1 ? "" : "s", m->filter,
			 m->unfiltered == 1 ? "was" : "were",
			 strcmp(m->filter, "lfs") ? "" : " (Git LFS: run 'git lfs checkout' in the main "
							 "checkout)");
}

int sbx_wt_merge(struct sbx_wt *wt, int argc, char **argv)
{
	struct sbx_git_merge m;
	struct sbx_git_worktree *w = NULL;
	const struct sbx_git_worktree *found;
	cJSON *records = NULL;
	size_t nr = 0;
	int rm = sbx_opt_count(wt->ctx, "rm"), delete_branch = sbx_opt_count(wt->ctx, "delete-branch");
	int i, ret;

	if (argc < 3)
		return sbx_usage_error(wt->ctx, "'merge' needs the BRANCH of a worktree (see 'sbx wt ls')");
	if (argc > 3)
		return sbx_usage_error(wt->ctx, "unexpected argument '%s'", argv[3]);
	if (delete_branch && !rm)
		return sbx_usage_error(wt->ctx, "--delete-branch goes with --rm");
	memset(&m, 0, sizeof(m));
	m.branch = argv[2];
	m.squash = sbx_opt_count(wt->ctx, "squash");
	if (wt->git->worktrees(wt->repo.dir, rm ? SBX_GIT_WT_STATUS : 0, &w, &nr))
		return sbx_fail(wt->ctx, SBX_WT_REFUSED);
	/* Unreadable records only mean no sandbox is known to run. */
	if (sbx_owner_list(&records))
		sbx_clear_error();
	i = sbx_wt_find_branch(w, nr, m.branch);
	found = i > 0 ? &w[i] : NULL;
	ret = check_running(records, &w[0], found);
	/* With --rm, whatever keeps the worktree refuses before anything changed. */
	if (!ret && rm && !found)
		ret = sbx_error("branch '%s' has no worktree to remove: drop --rm", m.branch);
	else if (!ret && rm)
		ret = sbx_wt_check_removable(found, 0, 0);
	if (ret) {
		ret = sbx_fail(wt->ctx, SBX_WT_REFUSED);
		goto out;
	}
	if ((ret = wt->git->merge(wt->repo.dir, &m))) {
		ret = sbx_wt_fail(wt, ret);
		goto out;
	}
	say(&m);
	if (rm)
		ret = sbx_wt_remove(wt, found, delete_branch);
out:
	sbx_git_merge_release(&m);
	cJSON_Delete(records);
	sbx_git_worktrees_free(w, nr);
	return ret;
}
