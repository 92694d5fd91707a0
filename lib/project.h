#ifndef SBX_PROJECT_H
#define SBX_PROJECT_H

/*
 * What project a directory belongs to. Inside git: the checkout's top
 * directory (a linked worktree is a project of its own) and the main
 * repository it shares. Outside git: the directory itself.
 * All paths are absolute, resolved (no symlinks) and without a trailing '/'.
 */
struct sbx_project {
	char *dir;		/* the project root: what is mounted read-write */
	char *main_dir;		/* the main checkout's root; == dir unless a linked worktree;
				   NULL when the main repository is bare */
	char *git_dir;		/* this checkout's git directory, NULL outside git */
	char *common_dir;	/* the main repository's git directory, NULL outside git */
	char *name;		/* the main repository's base name (templates are named from it) */
	unsigned in_git : 1;
	unsigned is_worktree : 1;	/* a linked worktree (git worktree add) */
	unsigned is_submodule : 1;	/* git_dir is in a superproject's .git/modules/ */
	unsigned is_bare : 1;		/* only from sbx_project_detect_repo */
};

/*
 * Detects the project of dir (the current directory when NULL). A bare
 * repository is refused, with a message that points to a worktree of it.
 * Returns 0, -1 with a message, or -2 with one when the repository's own
 * files cannot be trusted (lib/gitcheck.h: a .git file, commondir or
 * worktree record naming what is not this repository's, an extension sbx's
 * libgit2 cannot handle).
 */
int sbx_project_detect(struct sbx_project *p, const char *dir);
/*
 * The same, for commands that work on the repository rather than in a
 * checkout (sbx wt): a bare repository is accepted, with is_bare set, dir,
 * git_dir and common_dir the repository, and main_dir NULL.
 */
int sbx_project_detect_repo(struct sbx_project *p, const char *dir);

enum {
	SBX_PROJECT_BARE_OK = 1 << 0,	/* as sbx_project_detect_repo */
	/* Ask libgit2 even where the files answer (lib/gitlayout.h): tests compare both. */
	SBX_PROJECT_LIBGIT2 = 1 << 1,
};
int sbx_project_detect_flags(struct sbx_project *p, const char *dir, unsigned flags);
void sbx_project_release(struct sbx_project *p);

/*
 * The branch the checkout is on ("feat/x", from its HEAD's
 * "ref: refs/heads/feat/x"), or NULL: detached, outside git, or a HEAD that
 * is not such a line. HEAD is read without following a link and at most a
 * few hundred bytes (the host's copy follows the sandbox's, validated).
 */
char *sbx_project_branch(const struct sbx_project *p);

#endif
