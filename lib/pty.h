#ifndef SBX_PTY_H
#define SBX_PTY_H

#include <sys/types.h>

/*
 * A pseudo-terminal between the user's terminal and a program that must not
 * have it: the tmux client of a sandbox (`--tmux`, `sbx attach`). Its server
 * is the sandbox's, and a tmux server makes its clients run commands
 * (detach-client -E, lock-command): on the user's terminal such a command
 * could type into it (TIOCSTI) or leave it in any state for the host shell.
 * On a pty of its own, in a session of its own, the client reaches nothing
 * but that pty; sbx copies bytes both ways, and the window size.
 */

/*
 * Opens a pty: *master for sbx, *slave for the program (sbx_pty_take), both
 * close-on-exec. The slave gets the window size and settings of the
 * terminal on stdin. Returns 0, or -1 with a message.
 */
int sbx_pty_open(int *master, int *slave);

/*
 * In the program's process (after fork, before exec; async-signal-safe):
 * a new session whose controlling terminal is slave, on 0, 1 and 2.
 * Returns 0, or -1 with errno set.
 */
int sbx_pty_take(int slave);

/*
 * Relays until child exits: stdin to master, master to stdout, and every
 * change of stdin's window size (SIGWINCH) to master, which passes it on to
 * the program as its own SIGWINCH. stdin is in raw mode meanwhile, and gets
 * its settings back at the end, whatever the program did to its own pty.
 * When stdin ends or hangs up (the terminal closed) the master is closed,
 * which hangs the program up. Closes master. Returns child's exit code
 * (128+N for signal N), or -1 with a message.
 */
int sbx_pty_relay(int master, pid_t child);

#endif
