#ifndef SBX_CMD_COMPLETE_H
#define SBX_CMD_COMPLETE_H

#include "buf.h"

/*
 * Shell completion, computed from the command table (cmd/commands.h) so that
 * a new command, flag or usage form needs no second edit: the bash and zsh
 * scripts (completions/) only call `sbx completion --complete WORD...`.
 *
 * words are the command line after "sbx" up to the cursor; the last one is
 * the word being completed (possibly empty). One line is appended to out per
 * candidate that starts with it: "WORD" or "WORD<TAB>DESCRIPTION". A line
 * starting with ':' asks the shell for candidates it finds better itself:
 * ":files", ":dirs", ":refs" (git refs) or ":branches" (local branches).
 *
 * The kind of a value comes from its name in the option table or the usage
 * lines: A agents (built-in and configured), B backends, NAME sandboxes,
 * COMMAND commands, PLUGIN plugins, BRANCH branches (worktree branches for
 * `wt rm`), REF refs, DIR directories, FILE, SPEC, ARGS and CMD files.
 */
void sbx_complete(int nr, char **words, struct sbx_buf *out);

/* Between cmd/complete.c and cmd/complete-values.c. */
enum sbx_complete_kind {
	SBX_COMP_NONE, SBX_COMP_AGENTS, SBX_COMP_BACKENDS, SBX_COMP_SANDBOXES,
	SBX_COMP_COMMANDS, SBX_COMP_PLUGINS, SBX_COMP_WORKTREES,
	/* The shell finds these itself. */
	SBX_COMP_FILES, SBX_COMP_DIRS, SBX_COMP_REFS, SBX_COMP_BRANCHES,
};

struct sbx_complete_emit {
	struct sbx_buf *out;
	const char *prefix;	/* candidates start with it */
	const char *lead;	/* printed before each ("--agent=") */
};

/* Appends "WORD<TAB>DESC" when word starts with e->prefix. */
void sbx_complete_emit(const struct sbx_complete_emit *e, const char *word, const char *desc);
/* The candidates of a kind (":files" and the like for the shell's kinds). */
void sbx_complete_values(enum sbx_complete_kind k, const struct sbx_complete_emit *e);

#endif
