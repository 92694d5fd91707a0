#ifndef SBX_GITMOD_H
#define SBX_GITMOD_H

/*
 * libgit2 lives in a module of sbx's own (sbx-git.so, built from lib/git/),
 * loaded on first use. Linking libgit2 into sbx would cost every process
 * about 1.5 ms and 3.5 MiB for its seventeen libraries, including `sbx hook`
 * and the notification server, which never read a repository.
 *
 * The module calls back into sbx's core (sbx_error, sbx_strdup, ...), which
 * the executable exports.
 */
#define SBX_GITMOD_ABI 1

/* What libgit2 says of the repository around a directory; paths without a trailing '/'. */
struct sbx_git_repo {
	char *workdir;		/* NULL when bare */
	char *gitdir;
	char *commondir;
	int bare;
	int worktree;		/* a linked worktree */
};

struct sbx_gitmod {
	int abi;
	/* libgit2's version. */
	void (*version)(int *major, int *minor, int *rev);
	/* 0 and *out filled; 1 when start is in no repository; -1 with a message. */
	int (*discover)(const char *start, struct sbx_git_repo *out);
};

/* The module, loaded once; NULL with a message when it cannot be. */
const struct sbx_gitmod *sbx_gitmod(void);
void sbx_git_repo_release(struct sbx_git_repo *r);

/* The module's one export. */
const struct sbx_gitmod *sbx_gitmod_entry(void);

#endif
