#ifndef SBX_TMUX_H
#define SBX_TMUX_H

#include <cjson/cJSON.h>
#include <sys/types.h>

#include "strvec.h"

/*
 * The agent in tmux inside the sandbox ("tmux": true, --tmux), so that a
 * closed terminal does not end it and `sbx attach` reconnects.
 *
 * Both backends do the same: the sandbox runs a tmux server of its own, and
 * the launcher (environment, runtime scripts, agent) runs in its session,
 * named after the run. The terminal is attached by a tmux client that runs
 * inside the sandbox too: a tmux client obeys its server (detach-client -E
 * and lock-command run commands where the client is), so a client on the
 * host would hand the sandbox a way out. And sbx splits in two:
 *
 * - the keeper, forked when the session starts, in a session of its own with
 *   no terminal (stdin and stdout /dev/null, stderr the log), becomes the
 *   sandbox's owner: it holds the bwrap process (whose --die-with-parent is
 *   why a process must stay), waits for the tmux session to end, then removes
 *   what the run made, as run does without tmux, and exits with the agent's
 *   status;
 * - the foreground attaches the terminal. When the agent ends it returns the
 *   agent's exit code (the keeper's); when the client detaches (C-b d, or the
 *   terminal is gone) it returns 0 and leaves the keeper running.
 *
 * The agent's exit status is written by the pane into a status file next to
 * the server (bwrap: its socket directory; lima: ~/.cache/sbx-tmux/ in the
 * guest), and read back as an untrusted number: the agent can make it a
 * link to /dev/zero, a FIFO or a huge file. bwrap's is read on the host
 * through safefile.h, 16 bytes at most; Lima's is printed by the guest only
 * when it is a plain file (its first 8 bytes, 5 s at most), and sbx keeps
 * 16 bytes of the answer at most, ending limactl past that.
 */

/* Where a bwrap sandbox sees its tmux directory (socket "sock", "status", "ready"). */
#define SBX_TMUX_DIR "/run/sbx/tmux"
/* The tmux socket name (-L) in a Lima guest. */
#define SBX_TMUX_LIMA_SOCKET "sbx"

/*
 * The host's tmux, by a path under /usr, where a bwrap sandbox sees it
 * read-only; NULL when there is none. The sandbox's server and every client
 * sbx starts in it run this one: never a tmux found by the sandbox's PATH,
 * whose directories the sandbox may write.
 */
const char *sbx_tmux_host_program(void);

/*
 * bwrap: the command in front of the launcher's argv. It starts the server
 * and the session (the launcher in its pane), touches DIR/ready, waits for
 * the session to end and exits with the agent's status.
 */
void sbx_tmux_bwrap_argv(const char *session, struct sbx_strvec *argv);

/*
 * Lima, in the guest: start the session, detached, with the launcher's argv
 * appended; wait for it to end and print the agent's status; print
 * "running" while it runs, else the status.
 */
void sbx_tmux_lima_start_argv(const char *session, struct sbx_strvec *argv);
void sbx_tmux_lima_wait_argv(const char *session, struct sbx_strvec *argv);
void sbx_tmux_lima_state_argv(const char *session, struct sbx_strvec *argv);
/* The client: "TMUX -S SOCKET attach" (socket a path) or "TMUX -L NAME attach". */
void sbx_tmux_attach_argv(const char *tmux, const char *socket, const char *session,
			  struct sbx_strvec *argv);

/* A status the sandbox wrote ("0\n" .. "255\n"); -1 when it is anything else. */
int sbx_tmux_parse_status(const char *text);

/*
 * Forks the keeper. In the keeper returns 1, after setsid(), with stdin and
 * stdout on /dev/null and stderr appended to the log $XDG_STATE_HOME/sbx/
 * logs/NAME.log; in the foreground returns 0 with *keeper set; -1 on failure.
 */
int sbx_tmux_fork_keeper(const char *name, pid_t *keeper);
/* Waits for the keeper (EINTR retried); its exit code, 128+N for signal N. */
int sbx_tmux_wait_keeper(pid_t keeper);
/* Is the keeper still running (not yet exited)? */
int sbx_tmux_keeper_running(pid_t keeper);

/*
 * Who is attached: while a process has a session on its terminal it keeps a
 * mark ($XDG_RUNTIME_DIR/sbx/attached/NAME.PID); `sbx ls` shows a session
 * nobody is attached to as Detached. sbx_tmux_mark returns the mark's path
 * (the caller frees it with sbx_tmux_unmark), NULL when it could not be made.
 */
char *sbx_tmux_mark(const char *name);
void sbx_tmux_unmark(char *mark);
int sbx_tmux_attached(const char *name);

/*
 * A run's record names its tmux session ("tmux": {"session": NAME, ...}):
 * while its keeper lives, the listing entry gets "tmux": "attached" or
 * "detached", and status Detached when nobody is attached.
 */
void sbx_tmux_listing(cJSON *entry, const cJSON *record);

/* "sbx: detached from NAME; 'sbx attach NAME' reattaches" (not with -q). */
void sbx_tmux_say_detached(const char *name);

#endif
