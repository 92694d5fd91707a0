#ifndef SBX_SPAWN_H
#define SBX_SPAWN_H

#include <sys/types.h>

#include "buf.h"
#include "strvec.h"

/*
 * The one way sbx runs a program: an argv vector, never a shell string.
 * The child gets the parent's environment with `env` applied ("K=V" sets,
 * "K" alone unsets) or, with clean_env, only `env`; no descriptor above 2
 * except those listed in pass_fds (which keep their numbers); signal
 * dispositions reset to default.
 */
/*
 * Something to follow while a child is waited for (Linux, where the child's
 * exit can be polled with a pidfd): when fd is readable, on_event(data, 1);
 * when the time it last asked for has passed with nothing to read,
 * on_event(data, 0). It returns the milliseconds until it wants that call,
 * or -1 for none. It must not block.
 */
struct sbx_child_watch {
	int fd;
	long (*on_event)(void *data, int ready);
	void *data;
};

/* Descriptors a child can be passed (bwrap: memory files, mounts and git directory parts opened by sbx). */
#define SBX_CHILD_MAX_FDS 64

struct sbx_child {
	struct sbx_strvec args;
	struct sbx_strvec env;
	unsigned clean_env : 1;
	/*
	 * While waiting: SIGINT and SIGQUIT from the terminal reach the child
	 * directly and are ignored here (as system(3) does); SIGINT, SIGQUIT,
	 * SIGTERM and SIGHUP sent to sbx alone are forwarded to the child.
	 * Either way the signal is remembered in `signal_received` (and in
	 * sbx_pending_signal()), so the caller can clean up and then re-raise it.
	 */
	unsigned forward_signals : 1;
	/*
	 * The child starts with SIGINT and SIGQUIT ignored: a program in the
	 * terminal's foreground process group that must outlive the Ctrl-C
	 * its own children handle (bwrap, whose sandbox gets them back, see
	 * lib/bwrap.c). With forward_signals, SIGINT and SIGQUIT sent to sbx
	 * alone reach it as SIGTERM.
	 */
	unsigned ignore_tty_signals : 1;
	/*
	 * The child starts in a process group of its own: a signal to sbx's
	 * group (Ctrl-C on the terminal, timeout(1)) does not reach it. For the
	 * cleanup that must outlive further signals (deleting a sandbox).
	 */
	unsigned new_pgroup : 1;
	const char *dir;
	int in, out, err;		/* -1: inherit; else dup'ed onto 0, 1, 2 */
	int pass_fds[SBX_CHILD_MAX_FDS];
	int nr_pass_fds;
	pid_t pid;
	int signal_received;
	const struct sbx_child_watch *watch;	/* or NULL */
	/*
	 * The errno of a start that failed (ENOENT: not found, EACCES: not
	 * executable), else 0: a program that ran and exited 126 or 127 is
	 * told apart from one that never ran.
	 */
	int start_errno;
};

#define SBX_CHILD_INIT { SBX_STRVEC_INIT, SBX_STRVEC_INIT, 0, 0, 0, 0, NULL, -1, -1, -1, \
			 { 0 }, 0, -1, 0, NULL, 0 }

void sbx_child_init(struct sbx_child *c);
void sbx_child_release(struct sbx_child *c);

/*
 * Starts the child. Returns 0, or -1 with a message; errno is ENOENT when the
 * program was not found and EACCES when it could not be executed.
 */
int sbx_child_start(struct sbx_child *c);
/* Waits; returns the exit code, or 128+N when killed by signal N. */
int sbx_child_wait(struct sbx_child *c);
/*
 * start + wait. Returns the exit status, or 127 (not found) / 126 (cannot
 * execute) / -1 (other failure) with a message recorded.
 */
int sbx_child_run(struct sbx_child *c);
/*
 * Runs the child with stdout (and stderr when err_out is not NULL) captured;
 * stdin is /dev/null unless c->in is set. Returns as sbx_child_run.
 */
int sbx_child_capture(struct sbx_child *c, struct sbx_buf *out, struct sbx_buf *err_out);

/* Maps a failed start to an exit code: 127 for ENOENT, 126 for EACCES, else 125. */
int sbx_spawn_error_code(int err);

/*
 * From now on SIGINT, SIGQUIT, SIGTERM and SIGHUP do not kill sbx: the first
 * one is remembered (sbx_pending_signal) so that a session can delete what it
 * made and then die of it (sbx_reraise). Signals that arrive while a child is
 * waited for with forward_signals are remembered the same way.
 */
void sbx_catch_signals(void);
int sbx_pending_signal(void);

/* Restores the default action of sig and sends it to ourselves. */
void sbx_reraise(int sig);

#endif
