#ifndef SBX_BWRAP_H
#define SBX_BWRAP_H

/* What the files of the bwrap backend (lib/bwrap*.c) share; nothing else includes it. */
#include <cjson/cJSON.h>

#include "net-session.h"
#include "session.h"
#include "spawn.h"

#define SBX_BWRAP_BACKEND "bwrap"
/* Where the tools prefix (sbx_bwrap_tools_dir) appears inside. */
#define SBX_BWRAP_TOOLS_MOUNT "/opt/sbx-tools"

/* $XDG_RUNTIME_DIR/sbx/sessions/NAME: a run's private directory on the host. */
char *sbx_bwrap_session_dir(const char *name);

/*
 * lib/bwrap-net.c: the sandbox's network namespace and its proxy. prepare
 * before bwrap (run and sandbox name the run's log, or run is NULL for no
 * log); args adds bwrap's arguments and the sandbox's variables, and returns
 * the descriptor bwrap must be given (-1: none; it is the caller's now);
 * binds adds the mounts, after the sandbox's own /run;
 * command puts the relay in front of the command where one is needed; start
 * makes the proxy serve the sandbox whose first process is pid; then
 * release_sandbox lets the command run.
 */
struct sbx_bwrap_net {
	enum sbx_net_mode mode;
	int relay;			/* through a unix socket and `sbx net relay` inside */
	int block[2];			/* bwrap's --block-fd */
	int relay_fd;			/* the relay's unix socket, listening */
	char *relay_dir, *relay_path;
	char *log;
	struct sbx_net_proxy proxy;
};

void sbx_bwrap_net_init(struct sbx_bwrap_net *n);
int sbx_bwrap_net_prepare(struct sbx_bwrap_net *n, const struct sbx_session *s, const char *bwrap,
			  const char *run, const char *sandbox);
int sbx_bwrap_net_args(struct sbx_bwrap_net *n, struct sbx_strvec *args, struct sbx_strvec *env);
/* The relay's socket, bound after the sandbox's /run is made. */
void sbx_bwrap_net_binds(const struct sbx_bwrap_net *n, struct sbx_strvec *args);
void sbx_bwrap_net_command(const struct sbx_bwrap_net *n, const char *sbx, struct sbx_strvec *argv);
int sbx_bwrap_net_start(struct sbx_bwrap_net *n, const struct sbx_session *s, pid_t pid);
int sbx_bwrap_net_release_sandbox(struct sbx_bwrap_net *n);
void sbx_bwrap_net_release(struct sbx_bwrap_net *n);

/*
 * The bwrap child for session s with home bound as the sandbox home: argv,
 * environment (clean_env) and the memory files it reads (pass_fds, released
 * with sbx_bwrap_child_release). With tmux_session the command runs in tmux
 * (tmux.h) and tmux_dir is bound at SBX_TMUX_DIR. net: its network (prepared).
 */
int sbx_bwrap_child(struct sbx_session *s, const char *home, const char *tmux_dir,
		    const char *tmux_session, struct sbx_bwrap_net *net, struct sbx_child *c);
void sbx_bwrap_child_release(struct sbx_child *c);
struct sbx_cgroup;

/* One sandbox being run: bwrap, where its first process is, its network. */
struct sbx_bwrap_run {
	struct sbx_child child;
	struct sbx_bwrap_net net;
	pid_t pid;
	int code;			/* bwrap's exit code when it ended before the sandbox ran */
};

/*
 * Starts bwrap for s in cg (cgroup.h) and, once bwrap says where the
 * sandbox runs (--info-fd), its network; the command runs when this returns
 * 0. bwrap runs with SIGINT and SIGQUIT ignored: it shares the terminal's
 * foreground process group with the agent, whose Ctrl-C must not kill it
 * (the sandbox gets them back first thing). Returns 1 when bwrap ended
 * first (r->code, its message on stderr), -1 with a message. run and
 * sandbox name the run for its network log (run NULL: none). r->child
 * forwards signals; set r->child.watch before, if any.
 */
int sbx_bwrap_start(struct sbx_session *s, const char *home, const char *run, const char *sandbox,
		    const char *tmux_dir, const char *tmux_session, struct sbx_cgroup *cg,
		    struct sbx_bwrap_run *r);
/* Waits for bwrap and returns its exit code; then the proxy ends. */
int sbx_bwrap_finish(struct sbx_bwrap_run *r);
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
