#ifndef SBX_GIT_INTERNAL_H
#define SBX_GIT_INTERNAL_H

/*
 * What the files of the git module (lib/git/) share. Built with hidden
 * visibility: none of it is exported from sbx-git.so.
 */
#include "gitmod.h"
#include "error.h"

#include <git2.h>

/* libgit2 initialised once, on first use. */
void sbx_git_init(void);
/* Records "message: libgit2's last error" and returns -1. */
int sbx_git_fail(const char *fmt, ...) SBX_PRINTF(1, 2);
/* The repository around dir; GIT_DIR and GIT_WORK_TREE in the environment are ignored. */
int sbx_git_open(git_repository **repo, const char *dir);
/* A copy of path without its trailing '/'s; NULL for NULL. */
char *sbx_git_without_slash(const char *path);
/* The commit rev names, in repo. */
int sbx_git_commit_id(git_repository *repo, const char *rev, git_oid *out);

/*
 * Deletes a local branch and its branch.NAME.* configuration; refuses one
 * that is checked out. (git_branch_delete leaks in libgit2 1.5: branch.c.)
 */
int sbx_git_delete_branch(git_repository *repo, git_reference *ref, const char *branch);
/* The tip of a local branch; -1 with "there is no branch" when there is none. */
int sbx_git_branch_tip(git_repository *repo, const char *branch, git_oid *out);
/* The branch's upstream (branch.NAME.remote and .merge); -1 when it has none. */
int sbx_git_upstream(git_repository *repo, const char *branch, git_reference **out);

/* The operations of struct sbx_gitmod (lib/gitmod.h). */
int sbx_git_worktrees(const char *dir, unsigned flags, struct sbx_git_worktree **out,
		      size_t *nr);
int sbx_git_worktree_add(const char *dir, const char *branch, const char *base,
			 const char *path, int *created);
int sbx_git_merged(const char *dir, const char *branch, const char *rev);
int sbx_git_branch_delete(const char *dir, const char *branch);
int sbx_git_resolve(const char *dir, const char *rev, char **id);
int sbx_git_ref_name_valid(const char *name);
int sbx_git_index_sync(const struct sbx_git_index_sync *req);
int sbx_git_config(const char *dir, void (*each)(const struct sbx_git_config_entry *e, void *data),
		   void *data);
int sbx_git_log(const char *dir, struct sbx_git_range *r, struct sbx_git_commit **out, size_t *nr);
int sbx_git_diff(const char *dir, struct sbx_git_diff *d);
int sbx_git_merge(const char *dir, struct sbx_git_merge *m);

/*
 * review.c, for merge.c too. The main checkout's branch (NULL when
 * detached) and commit: 0, 1 when it has no commit yet, -1 with a message.
 * repo is the common directory opened by itself.
 */
int sbx_git_main_branch(git_repository *repo, char **branch, git_oid *head);
/* -2 with a message when branch is no valid branch name, else 0. */
int sbx_git_check_branch_name(const char *branch);
/* "abc1234", as short as is unique; never NULL. */
char *sbx_git_short_id(git_repository *repo, const git_oid *id);

/*
 * snapshot.c: the work tree of the linked worktree recorded as
 * COMMONDIR/worktrees/name (checked by the caller, top its directory) as a
 * tree in repo, whose object database then keeps what it writes in memory
 * and whose work tree is, from then on, a private directory holding
 * copies of the worktree's .gitignore and .gitattributes files (which
 * later attribute lookups read). repo must be the common directory opened
 * for this alone. Release with sbx_git_snapshot_done.
 */
struct sbx_git_snapshot;
int sbx_git_snapshot(git_repository *repo, const char *name, const char *top, git_oid *tree,
		     struct sbx_git_snapshot **out);
void sbx_git_snapshot_done(struct sbx_git_snapshot *s);

#endif
