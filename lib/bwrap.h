#ifndef SBX_BWRAP_H
#define SBX_BWRAP_H

/* What the files of the bwrap backend (lib/bwrap*.c) share; nothing else includes it. */
#include <cjson/cJSON.h>

#include "session.h"
#include "spawn.h"

#define SBX_BWRAP_BACKEND "bwrap"

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
struct sbx_cgroup;
/*
 * Starts c (sbx_bwrap_child's) in cg (cgroup.h), with SIGINT and SIGQUIT
 * ignored: bwrap shares the terminal's foreground process group with the
 * agent, whose Ctrl-C must not kill it (the sandbox gets them back first
 * thing). Returns 0; 127 or 126 when bwrap could not be run, or -1, with a
 * message.
 */
int sbx_bwrap_start(struct sbx_cgroup *cg, struct sbx_child *c);
/* The environment a process in the sandbox starts from. */
void sbx_bwrap_env(struct sbx_strvec *env);

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
