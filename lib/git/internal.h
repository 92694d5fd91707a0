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
/* The branch's upstream (branch.NAME.remote and .merge); -1 when it has none. */
int sbx_git_upstream(git_repository *repo, const char *branch, git_reference **out);

/* The operations of struct sbx_gitmod (lib/gitmod.h). */
int sbx_git_worktrees(const char *dir, unsigned flags, struct sbx_git_worktree **out,
		      size_t *nr);
int sbx_git_worktree_add(const char *dir, const char *branch, const char *base,
			 const char *path, int *created);
int sbx_git_merged(const char *dir, const char *branch, const char *rev);
int sbx_git_branch_delete(const char *dir, const char *branch);
int sbx_git_resolve(const char *dir, const char *rev);
int sbx_git_ref_name_valid(const char *name);
int sbx_git_index_sync(const struct sbx_git_index_sync *req);
int sbx_git_config(const char *dir, void (*each)(const struct sbx_git_config_entry *e, void *data),
		   void *data);

#endif
