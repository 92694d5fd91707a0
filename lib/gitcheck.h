#ifndef SBX_GITCHECK_H
#define SBX_GITCHECK_H

#include "buf.h"
#include "project.h"

/*
 * Whether a repository's layout can be trusted, from its own files. A
 * sandbox writes its project, and before sbx bound a private git directory
 * it wrote the git directory too; a repository may also come from a tarball
 * or anything else untrusted. What git or libgit2 find there (lib/gitlayout.h
 * and lib/gitmod.h) is mounted read-write into the next sandbox, so a .git
 * file or a commondir naming another repository would hand that repository
 * to the agent, and a worktree record naming the main checkout would have
 * `sbx wt rm` delete it.
 *
 * The files sbx trusts, and nothing else (every other layout is refused
 * with one line naming the file):
 *   - DIR/.git a directory with no commondir and no gitdir file (git never
 *     writes them there): the main checkout, COMMON = DIR/.git.
 *   - DIR/.git a file naming COMMON/worktrees/NAME, whose commondir names
 *     COMMON and whose gitdir names DIR/.git back: a linked worktree
 *     (sbx_git_check_worktree).
 *   - DIR/.git a file naming a directory in the git directory of DIR's
 *     superproject, under modules/: a submodule; or inside DIR itself.
 *   - the start inside a git directory (a bare repository, or .git itself).
 * and the repository's config sets none of the extensions sbx's libgit2
 * cannot handle (worktreeConfig, refStorage, objectFormat).
 *
 * These files are read through lib/safefile.h: no link followed, no FIFO
 * blocked on, bounded.
 */
enum sbx_git_kind {
	SBX_GIT_NONE,		/* no repository on the way up */
	SBX_GIT_MAIN,		/* top/.git is the git directory */
	SBX_GIT_IN_GITDIR,	/* the start is in the git directory; top is NULL */
	SBX_GIT_LINKED,		/* top/.git names COMMON/worktrees/NAME */
	SBX_GIT_SUBMODULE,	/* top/.git names the superproject's .../modules/NAME */
	SBX_GIT_INSIDE,		/* top/.git names a directory inside top */
};

/*
 * A layout as the files say it, of a repository libgit2 would open (valid:
 * HEAD, objects, refs); paths absolute and resolved.
 */
struct sbx_git_files {
	enum sbx_git_kind kind;
	char *top;		/* where .git was found */
	char *gitdir;
	char *commondir;
	/* commondir/config as checked: what else reads it parses these bytes, not the file again */
	struct sbx_buf config;
};

/*
 * Finds and checks the repository around start (absolute, resolved) as
 * libgit2 would find it. Returns 0 with *out filled (kind SBX_GIT_NONE when
 * there is none), or -1 with a message naming the file at fault.
 * Before libgit2 is asked: it then reads only files checked here.
 */
int sbx_git_check_files(const char *start, struct sbx_git_files *out);

/*
 * Checks what was detected (from lib/gitlayout.c or libgit2, paths
 * resolved) against the files: the same git directory and common
 * directory, and for a .git file the directory holding it as the project.
 * 0, or -1 with a message.
 */
int sbx_git_check_answer(const struct sbx_git_files *files, const struct sbx_project *p);

void sbx_git_files_release(struct sbx_git_files *f);

/*
 * The linked worktree recorded in commondir/worktrees/name (commondir
 * resolved and trusted): its commondir file names commondir, its gitdir file
 * names TOP/.git, and TOP/.git is a regular file naming the record back.
 * TOP is a directory without a symbolic link on its way, neither holding
 * commondir nor inside it. When top is not NULL, TOP must be top.
 *
 * Returns 0; 1 when TOP does not exist (the worktree's directory is gone,
 * its record is otherwise sound); -1 with a message naming the file at
 * fault. *top_out (when not NULL) gets TOP whenever the record names one,
 * also on failure, or NULL.
 */
int sbx_git_check_worktree(const char *commondir, const char *name, const char *top,
			   char **top_out);

#endif
