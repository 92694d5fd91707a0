#ifndef SBX_GITMOD_H
#define SBX_GITMOD_H

#include <stddef.h>

/*
 * libgit2 lives in a module of sbx's own (sbx-git.so, built from lib/git/),
 * loaded on first use. Linking libgit2 into sbx would cost every process
 * about 1.5 ms and 3.5 MiB for its seventeen libraries, including `sbx hook`
 * and the notification server, which never read a repository.
 *
 * The module calls back into sbx's core (sbx_error, sbx_strdup, ...), which
 * the executable exports.
 */
#define SBX_GITMOD_ABI 5

/* What libgit2 says of the repository around a directory; paths without a trailing '/'. */
struct sbx_git_repo {
	char *workdir;		/* NULL when bare */
	char *gitdir;
	char *commondir;
	int bare;
	int worktree;		/* a linked worktree */
};

/* One worktree of a repository, as `git worktree list` shows it. */
struct sbx_git_worktree {
	char *name;		/* its name under COMMONDIR/worktrees/; NULL for the main one */
	char *path;		/* its top directory (a bare main repository: the repository) */
	char *branch;		/* the branch checked out, short ("feature/x"); NULL when detached */
	char *head;		/* the commit checked out, hex; NULL when unborn or unreadable */
	char *base;		/* what ahead/behind count against: the branch's upstream, else
				   the main worktree's branch; NULL when there is none */
	int ahead, behind;	/* commits ahead of / behind base; -1 when not counted */
	int dirty;		/* 1 with changes (untracked files count), 0 clean, -1 not looked at */
	unsigned main : 1;	/* the main worktree (or the bare repository) */
	unsigned bare : 1;
	unsigned locked : 1;
	unsigned missing : 1;	/* its directory is gone: only its record is left */
	/*
	 * Its record and its directory do not name each other as git writes
	 * them (lib/gitcheck.h): path is only what the record claims, and
	 * problem says which file is at fault. Nothing is read through it.
	 */
	unsigned broken : 1;
	char *problem;
};

/*
 * One entry of the configuration git reads for a repository, as libgit2
 * merges it: the system's, the user's (XDG and global) and the
 * repository's, each file's includes inlined right after the include.path
 * (or includeIf.*.path) entry that names them.
 */
struct sbx_git_config_entry {
	const char *name;	/* "section.subsection.key": section and key lowercase */
	const char *value;	/* NULL for a key without "=" (true) */
	const char *file;	/* the file its level starts from; NULL when unknown */
	unsigned depth;		/* includes followed to reach it, 0 in file itself */
};

enum {
	SBX_GIT_WT_STATUS = 1 << 0,	/* fill dirty */
	SBX_GIT_WT_COUNTS = 1 << 1,	/* fill base, ahead and behind */
};

/*
 * What `sbx wt diff` and `sbx wt log` compare a branch with: the commit sbx wt
 * new started it at (recorded on the host, never in the repository), or the
 * merge-base with the main checkout's branch when that is later (the branch
 * was rebased onto it, or merged it) or nothing was recorded.
 */
struct sbx_git_range {
	const char *branch;	/* in: a local branch, not the main checkout's */
	const char *recorded;	/* in: the start sbx wt new recorded (hex), or NULL */
	char *tip;		/* the branch's commit, hex */
	char *base;		/* the commit compared with, hex; NULL when there is none
				   (no shared history): the whole branch */
	const char *kind;	/* "start", "merge-base" or "none"; static */
	char *into;		/* the main checkout's branch; NULL when bare or detached */
};

/* One commit of `sbx wt log`. */
struct sbx_git_commit {
	char *id;		/* hex */
	char *short_id;		/* as short as is unique (core.abbrev) */
	char *subject;		/* the message's first line */
	char *author, *email;
	long long time;		/* the author's, seconds since the epoch */
};

/* One file of `sbx wt diff`. */
struct sbx_git_diff_file {
	char *old_path, *new_path;	/* the same unless renamed */
	char status;		/* 'A', 'D', 'M', 'R' (renamed), 'T' (type changed) */
	size_t adds, dels;	/* lines; 0 for a binary file */
	int binary;
	long long old_size, new_size;
};

/*
 * `sbx wt diff`: the branch against its base, and with its worktree the
 * work tree as it is (index, changes not staged, untracked files that are
 * not ignored). The work tree is what a sandbox writes: it is read as
 * lib/safefile.h reads, never through a link (a link is diffed as a link),
 * never blocking on a FIFO, bounded; its .gitignore and .gitattributes are
 * copied aside the same way and only the copies are read; no filter but
 * libgit2's built-in end-of-line and ident ones runs, and nothing is
 * written to the repository (the snapshot's objects stay in memory).
 */
struct sbx_git_diff {
	struct sbx_git_range range;	/* in: branch, recorded; the rest out */
	const char *worktree_name;	/* its record under COMMONDIR/worktrees/, checked
					   (lib/gitcheck.h); NULL: the branch's commits only */
	const char *worktree_dir;	/* that worktree's top directory */
	/*
	 * Each line of the patch in order, origin as libgit2's: 'F' a file's
	 * header, 'H' a hunk's, ' ', '+', '-' (text without the origin), 'B'
	 * binary, '=', '>', '<' a missing newline at the end. NULL: no patch.
	 */
	void (*line)(char origin, const char *text, size_t len, void *data);
	void *data;
	struct sbx_git_diff_file *files;	/* out */
	size_t nr_files;
};

enum sbx_git_merge_result {
	SBX_GIT_MERGE_UP_TO_DATE,	/* the branch was merged already: nothing changed */
	SBX_GIT_MERGE_FAST_FORWARD,
	SBX_GIT_MERGE_COMMIT,
	SBX_GIT_MERGE_SQUASH,
};

/*
 * `sbx wt merge`: branch into the main checkout's branch, or nothing at
 * all (see sbx_gitmod.merge).
 */
struct sbx_git_merge {
	const char *branch;	/* in */
	int squash;		/* in: one commit on the main branch, with one parent */
	enum sbx_git_merge_result result;	/* out, and the rest */
	char *into;		/* the main checkout's branch */
	char *old_head, *new_head;	/* its commit before and after, hex */
	size_t commits;		/* how many commits the branch brought */
	/* Files written as committed although their attributes name a filter ("lfs"). */
	size_t unfiltered;
	char *filter;		/* the name of one such filter */
};

/* What sbx_gitmod.index_sync is asked (lib/gitdir.h). */
struct sbx_git_index_sync {
	const char *sandbox_index;	/* a host-private copy of the sandbox's index */
	const char *host_index;		/* the host's index, rewritten */
	const char *workdir;		/* its work tree, where gitlinks' .git files are; or NULL */
	const char *commondir;		/* the host's common directory: gitlinks must lead to its modules/ */
	const char *expected;		/* the host's index as sbx last saw it, or NULL when it had none */
	size_t expected_len;
	int quiet;			/* no warnings: the caller says what it left later */
};

/*
 * Every operation opens the repository around dir itself (any worktree of it
 * will do), returns a negative value after recording a message with
 * sbx_error, and allocates what it returns with sbx's allocator.
 */
struct sbx_gitmod {
	int abi;
	/* libgit2's version. */
	void (*version)(int *major, int *minor, int *rev);
	/* 0 and *out filled; 1 when start is in no repository; -1 with a message. */
	int (*discover)(const char *start, struct sbx_git_repo *out);
	/*
	 * Every worktree of the repository, the main one first (libgit2 lists
	 * only the linked ones); flags are SBX_GIT_WT_*. Free *out with
	 * sbx_git_worktrees_free.
	 */
	int (*worktrees)(const char *dir, unsigned flags, struct sbx_git_worktree **out,
			 size_t *nr);
	/*
	 * Adds a worktree at path (which must not exist) with branch checked out.
	 * A missing branch is created at base (HEAD of dir when NULL) and
	 * *created set; an existing one is checked out as it is (base must then
	 * be NULL). A branch checked out in another worktree is refused, naming
	 * where. -2 when the arguments are at fault: an invalid branch name, a
	 * base that names no commit, a base for an existing branch.
	 */
	int (*worktree_add)(const char *dir, const char *branch, const char *base,
			    const char *path, int *created);
	/* 1 when the tip of branch is reachable from rev, 0 when not. */
	int (*merged)(const char *dir, const char *branch, const char *rev);
	/* Deletes a local branch. */
	int (*branch_delete)(const char *dir, const char *branch);
	/* 0 when rev names a commit, whose id (hex) goes to *id when id is not NULL. */
	int (*resolve)(const char *dir, const char *rev, char **id);
	/* 1 when name is a valid reference name ("refs/heads/x"), 0 when not. */
	int (*ref_name_valid)(const char *name);
	/*
	 * Rewrites the host's index from the sandbox's entries: path, mode, id
	 * and stage only (stat data kept from the host's entry where that is the
	 * same, else zero, so git looks at the file again), no extensions, no
	 * path git would refuse, no gitlink whose .git file does not lead into
	 * the host's modules/ (each left out with a warning). Only when the
	 * host's index still is `expected`: 1, with a warning, when it is not.
	 */
	int (*index_sync)(const struct sbx_git_index_sync *req);
	/* Calls each with every configuration entry of dir's repository, in file order. */
	int (*config)(const char *dir, void (*each)(const struct sbx_git_config_entry *e, void *data),
		      void *data);
	/*
	 * The commits on r->branch since its base, newest first (r filled as
	 * struct sbx_git_range says). Free *out with sbx_git_commits_free.
	 * -2 when r->branch is no valid branch name; -1 (with a message) when
	 * there is no such branch, or it is the main checkout's.
	 */
	int (*log)(const char *dir, struct sbx_git_range *r, struct sbx_git_commit **out,
		   size_t *nr);
	/* The diff struct sbx_git_diff describes; free it with sbx_git_diff_release. -2 as log. */
	int (*diff)(const char *dir, struct sbx_git_diff *d);
	/*
	 * Merges m->branch into the main checkout's branch: a fast-forward when
	 * it can, else a merge commit (or with squash a commit of one parent).
	 * The main checkout's work tree and index follow through libgit2's
	 * checkout: no hook, no filter (files are written as committed), no
	 * link in the work tree followed. All or nothing: refused (-1, one
	 * line) when the main checkout has changes to tracked files, a merge or
	 * rebase in progress, or is bare or detached; when the merge conflicts,
	 * would overwrite an untracked file, or needs what libgit2 1.5 does not
	 * do (a merge driver of your configuration, a directory rename, sparse
	 * checkout, signing);
	 * no MERGE_HEAD, no conflict marker, the index and work tree as they
	 * were. -2 as log. Free m with sbx_git_merge_release.
	 */
	int (*merge)(const char *dir, struct sbx_git_merge *m);
};

/* The module, loaded once; NULL with a message when it cannot be. */
const struct sbx_gitmod *sbx_gitmod(void);
void sbx_git_repo_release(struct sbx_git_repo *r);
void sbx_git_worktrees_free(struct sbx_git_worktree *wts, size_t nr);
void sbx_git_range_release(struct sbx_git_range *r);
void sbx_git_commits_free(struct sbx_git_commit *c, size_t nr);
void sbx_git_diff_release(struct sbx_git_diff *d);
void sbx_git_merge_release(struct sbx_git_merge *m);

/* The module's one export. */
const struct sbx_gitmod *sbx_gitmod_entry(void);

#endif
