#ifndef SBX_CMD_WT_H
#define SBX_CMD_WT_H

/* What the subcommands of `sbx wt` (cmd/wt*.c) share. */
#include "cmd.h"
#include "gitmod.h"
#include "project.h"

struct sbx_wt {
	struct sbx_ctx *ctx;
	const struct sbx_gitmod *git;
	struct sbx_project repo;	/* of the current directory; may be a bare repository */
};

/*
 * Exit codes of `sbx wt`: 0 done; 1 refused or failed (the repository is
 * left as it was for the refused part); 2 a usage error, a bad branch name
 * or a REF that names no commit; 125 sbx itself could not work (no git
 * module). With --run, the agent's exit code.
 */
enum { SBX_WT_REFUSED = 1, SBX_WT_USAGE = 2, SBX_WT_BROKEN = 125 };

/* Loads the git module and detects the repository; 0, or the exit code after saying why. */
int sbx_wt_open(struct sbx_wt *wt, struct sbx_ctx *ctx);
void sbx_wt_release(struct sbx_wt *wt);

/* The subcommands; argv[1] is the subcommand's name. */
int sbx_wt_new(struct sbx_wt *wt, int argc, char **argv);
int sbx_wt_ls(struct sbx_wt *wt, int argc, char **argv);
int sbx_wt_diff(struct sbx_wt *wt, int argc, char **argv);
int sbx_wt_log(struct sbx_wt *wt, int argc, char **argv);
int sbx_wt_merge(struct sbx_wt *wt, int argc, char **argv);
int sbx_wt_rm(struct sbx_wt *wt, int argc, char **argv);

/* The linked worktree (index into w) whose branch is branch; -1 when none is. */
int sbx_wt_find_branch(const struct sbx_git_worktree *w, size_t nr, const char *branch);
/* A module's failure as `sbx wt`'s exit code: -2 the arguments' fault, else refused. */
int sbx_wt_fail(struct sbx_wt *wt, int ret);
/*
 * Why the worktree w cannot be removed, recorded as the error (-1), or 0: a
 * broken record always; changes, a running sandbox or a lock unless force.
 */
int sbx_wt_check_removable(const struct sbx_git_worktree *w, int running, int force);
/*
 * Removes the worktree w (its directory, then its record) and with
 * delete_branch its branch and the base sbx wt new recorded; says each on
 * stdout. 0, or the exit code after saying why.
 */
int sbx_wt_remove(struct sbx_wt *wt, const struct sbx_git_worktree *w, int delete_branch);

#endif
