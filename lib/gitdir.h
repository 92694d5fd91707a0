#ifndef SBX_GITDIR_H
#define SBX_GITDIR_H

#include <stddef.h>

#include "project.h"
#include "spawn.h"

/*
 * The sandbox's own git directory (docs/security.md, "The git directory").
 *
 * Host git runs hooks and obeys configuration from the git directory, and
 * follows commondir, gitdir and .git files: a sandbox that could write any of
 * them could run code on the host at the user's next `git status`. So the
 * sandbox never sees the host's git directory. It sees, at the same path, a
 * private one built for the run on the host: copies of HEAD, index, config
 * (with what rewrites shared files turned off) and packed-refs (read-only),
 * the host's hooks/ and info/ read-only, and only objects/ (objects/info
 * read-only), refs/ and logs/ shared with the host, so that commits and
 * branches made inside are the host's at once. The same for a linked
 * worktree's own git directory and for submodules' git directories; a .git
 * file is bound read-only. Host git never reads anything the sandbox wrote
 * but objects and refs.
 *
 * The host's HEAD and index follow the sandbox's through sbx_gitdir_sync:
 * HEAD only when it names a branch or a commit, the index rebuilt from the
 * sandbox's entries by libgit2 (no extensions, no gitlink whose git
 * directory is not the host's), and both only when the host's still are
 * what they were when copied (compare-and-swap): a change made on the host
 * meanwhile is left alone, with a warning.
 */

/*
 * One bind of the sandbox's view, in order: dst (a path inside) shows
 * base/rel on the host. base is a directory sbx trusts (the private
 * directory, the host's git directory, the project); rel ("" for base
 * itself) may be in reach of a sandbox, so it is opened with
 * sbx_gitdir_bind_open and bound by descriptor, never by a path that a link
 * could redirect.
 */
struct sbx_gitdir_bind {
	char *base;
	char *rel;
	char *dst;
	unsigned ro : 1;
};

struct sbx_gitdir_repo;

struct sbx_gitdir {
	char *root;			/* the private directories, under the run's directory */
	char *scratch;			/* the run's directory, which the sandbox never sees */
	struct sbx_gitdir_bind *binds;
	size_t nr_binds, alloc_binds;
	struct sbx_gitdir_repo *repos;	/* the git directories whose HEAD and index follow */
	size_t nr_repos, alloc_repos;
	struct sbx_child_watch watch;	/* sbx_gitdir_watch; fd -1 when not watching */
	int watch_pending;		/* HEAD or index written since the last sync */
};

/*
 * Builds the private git directories of project p in run_dir/git (run_dir:
 * a directory of the run's own that the sandbox never sees) and the binds
 * that show them. 0 with g empty outside git; -1 with a message.
 */
int sbx_gitdir_prepare(struct sbx_gitdir *g, const struct sbx_project *p, const char *run_dir);

/*
 * Brings the host's HEADs and indexes up to the sandbox's (see above). Safe to
 * call again: each call compares against what the previous one left. quiet:
 * no warning for what it leaves (while the agent has the terminal; the last
 * call says it). Returns 0, or -1 with a message (what could be synced was).
 */
int sbx_gitdir_sync(struct sbx_gitdir *g, int quiet);

/*
 * Follows the sandbox's HEADs and indexes while it runs (Linux: inotify on
 * the private directories): a moment after the sandbox's git last wrote
 * one, the host's follow, quietly, so that `git status` on the host agrees
 * with the agent's work during the session too. Hand &g->watch to the
 * child that runs the sandbox (sbx_child.watch); its fd stays -1 where this
 * cannot be done, and the session's end syncs all the same.
 */
void sbx_gitdir_watch(struct sbx_gitdir *g);

/*
 * An O_PATH descriptor of b's source: a directory or a regular file reached
 * without following a link; -1 with a message.
 */
int sbx_gitdir_bind_open(const struct sbx_gitdir_bind *b);

/* Frees g; the directories stay until the run's directory is removed. */
void sbx_gitdir_release(struct sbx_gitdir *g);

#endif
