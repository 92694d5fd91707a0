#ifndef SBX_CMD_WT_H
#define SBX_CMD_WT_H

/* What the subcommands of `sbx wt` (cmd/wt*.c) share. */
#include "cmd.h"
#include "gitmod.h"
#include "project.h"

struct sbx_wt {
	struct sbx_ctx *ctx;
	const struct sbx_gitmod *git;
	struct sbx_project repo;	/* of the current directory; may be a bare repository */
};

/*
 * Exit codes of `sbx wt`: 0 done; 1 refused or failed (the repository is
 * left as it was for the refused part); 2 a usage error, a bad branch name
 * or a REF that names no commit; 125 sbx itself could not work (no git
 * module). With --run, the agent's exit code.
 */
enum { SBX_WT_REFUSED = 1, SBX_WT_USAGE = 2, SBX_WT_BROKEN = 125 };

/* Loads the git module and detects the repository; 0, or the exit code after saying why. */
int sbx_wt_open(struct sbx_wt *wt, struct sbx_ctx *ctx);
void sbx_wt_release(struct sbx_wt *wt);

/* The subcommands; argv[1] is the subcommand's name. */
int sbx_wt_new(struct sbx_wt *wt, int argc, char **argv);
int sbx_wt_ls(struct sbx_wt *wt, int argc, char **argv);
int sbx_wt_rm(struct sbx_wt *wt, int argc, char **argv);

#endif
