#ifndef SBX_GIT_H
#define SBX_GIT_H

/*
 * libgit2, initialised on first use: most commands never open a repository,
 * and `sbx hook` must start in well under a millisecond.
 */
void sbx_git_init(void);

#endif
