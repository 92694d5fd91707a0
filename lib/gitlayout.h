#ifndef SBX_GITLAYOUT_H
#define SBX_GITLAYOUT_H

#include "gitcheck.h"
#include "gitmod.h"

/*
 * A repository's layout read from its files, without libgit2, for the common
 * cases only. Every sbx command detects its project, and loading libgit2
 * (lib/gitmod.h) costs about 2 ms, twice a whole `git rev-parse`.
 *
 * It starts from what sbx_git_check_files found and checked (lib/gitcheck.h:
 * the walk up libgit2 1.5's discovery takes with flags 0, and the .git file,
 * commondir and worktree record read safely) and answers only for a
 * checkout with a .git directory or a .git file, or a linked worktree, that
 * needs nothing more to read. Everything else is left to libgit2: a bare
 * repository or a start inside a git directory, core.worktree or core.bare,
 * configuration includes, extensions or a format version above 0, files
 * owned by another user (which libgit2 refuses unless safe.directory says
 * otherwise), anything malformed. tests/unit/t-project.c checks that both
 * give the same answer; sbx_git_check_answer checks either.
 */
#define SBX_GIT_LAYOUT_UNSURE 2

/*
 * Returns 0 with *out filled as the module's discover fills it, 1 when
 * there is no repository, or SBX_GIT_LAYOUT_UNSURE: ask libgit2.
 */
int sbx_git_layout(const struct sbx_git_files *files, struct sbx_git_repo *out);

#endif
