#ifndef SBX_BWRAP_H
#define SBX_BWRAP_H

/* What the files of the bwrap backend (lib/bwrap*.c) share; nothing else includes it. */
#include <cjson/cJSON.h>

#include "session.h"
#include "spawn.h"

#define SBX_BWRAP_BACKEND "bwrap"
/* Where the tools prefix (sbx_bwrap_tools_dir) appears inside. */
#define SBX_BWRAP_TOOLS_MOUNT "/opt/sbx-tools"

/* $XDG_RUNTIME_DIR/sbx/sessions/NAME: a run's private directory on the host. */
char *sbx_bwrap_session_dir(const char *name);

/*
 * The bwrap child for session s with home bound as the sandbox home: argv,
 * environment (clean_env) and the memory files it reads (pass_fds, released
 * with sbx_bwrap_child_release). With tmux_session the command runs in tmux
 * (tmux.h) and tmux_dir is bound at SBX_TMUX_DIR.
 */
int sbx_bwrap_child(struct sbx_session *s, const char *home, const char *tmux_dir,
		    const char *tmux_session, struct sbx_child *c);
void sbx_bwrap_child_release(struct sbx_child *c);
/* The environment a process in the sandbox starts from. */
void sbx_bwrap_env(struct sbx_strvec *env);

/*
 * lib/bwrap-command.c. $XDG_DATA_HOME/sbx/bwrap/tools: agents' CLIs that
 * sbx installed with npm (--prefix), bound read-only at SBX_BWRAP_TOOLS_MOUNT.
 */
char *sbx_bwrap_tools_dir(void);
/*
 * Installs s's agent there with npm when the sandbox would not find it and
 * it has an npm package, as a progress step of its own (npm's output goes
 * to $XDG_STATE_HOME/sbx/logs/npm-install.log). 0 also when there is no npm.
 */
int sbx_bwrap_install_agent(const struct sbx_session *s);
/*
 * Can bwrap exec s->command itself, without the launcher (session.h)? Only
 * when there is no environment file and no runtime script, and sbx sees on
 * the host that the sandbox finds the program on its PATH (tools: the tools
 * prefix): bwrap's own failure to exec exits 1, which would read as the
 * agent's, while the launcher says 127 and how to install it.
 */
int sbx_bwrap_exec_direct(const struct sbx_session *s, const char *tools);

/*
 * lib/bwrap-tmux.c: runs s in tmux: the keeper holds bwrap, the foreground
 * attaches. *handed_over is set in the foreground, which must then leave the
 * run's record and directories to the keeper. sandbox is what the record
 * names as the sandbox (the persistent one, or the run itself).
 */
int sbx_bwrap_run_tmux(struct sbx_session *s, const char *home, const char *name,
		       const char *sandbox, int *handed_over);
/* `sbx attach NAME` (a run's name or its sandbox's); the exit code. */
int sbx_bwrap_attach(const char *name);

#endif
