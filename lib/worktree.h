#ifndef SBX_WORKTREE_H
#define SBX_WORKTREE_H

#include <cjson/cJSON.h>

#include "project.h"

/*
 * What `sbx wt` decides outside libgit2: where a branch's worktree goes and
 * whether a sandbox is running in one.
 */

/*
 * The directory for branch's worktree: pattern (worktree.path) with {repo}
 * (the main repository's name) and {branch} replaced. "~/" is the home; a
 * relative pattern is relative to the main checkout (to the repository itself
 * when it is bare), so the default "../{repo}.worktrees/{branch}" is a sibling
 * of the checkout. A branch's slashes stay: "feature/x" is directory x in
 * directory feature. The result is absolute, without "." or ".." parts.
 */
char *sbx_worktree_path(const char *pattern, const struct sbx_project *repo, const char *branch);

/* path made absolute against base (when relative) and without "", "." or ".." parts. */
char *sbx_path_normalize(const char *base, const char *path);

/*
 * The live sandbox sessions (sbx run, sbx shell) whose project is dir:
 * copies of their records (from sbx_owner_list) appended to out when it is
 * not NULL. Returns how many.
 */
int sbx_worktree_sandboxes(const cJSON *records, const char *dir, cJSON *out);

/*
 * Removes the linked worktree recorded in common_dir/worktrees/name: its
 * directory, then its record, each without following a link (libgit2's
 * prune would follow the record to whatever directory it names). Only when
 * the record and the directory's .git file name each other, and never the
 * main checkout, a directory whose .git is a directory or one holding
 * common_dir (sbx_git_check_worktree); when the directory is gone already,
 * the record only. 0, or -1 with a message naming the file at fault.
 */
int sbx_worktree_remove(const char *common_dir, const char *name);

/*
 * After a worktree for branch at path was removed: removes the directories
 * that only the branch's slashes made ("feature/" of "feature/x") while empty.
 */
void sbx_worktree_prune_parents(const char *path, const char *branch);

/*
 * The commit `sbx wt new` started a branch at, which `sbx wt diff` and `sbx
 * wt log` compare it with. Kept on the host in
 * $XDG_STATE_HOME/sbx/worktrees/, one file per repository (its common
 * directory) and branch, never in the repository: a sandbox writes that.
 * from is what it was started from ("HEAD", the --base REF), for people.
 */
int sbx_worktree_base_save(const char *common_dir, const char *branch, const char *commit,
			   const char *from);
/* The recorded commit (hex), or NULL when none is (no error then). */
char *sbx_worktree_base_load(const char *common_dir, const char *branch);
/* Forgets it (the branch is deleted); nothing when there is none. */
void sbx_worktree_base_forget(const char *common_dir, const char *branch);

#endif
