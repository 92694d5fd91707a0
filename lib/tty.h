#ifndef SBX_TTY_H
#define SBX_TTY_H

#include <sys/types.h>
#include <termios.h>

/*
 * The user's terminal as it was before a sandbox had it. An agent keeps the
 * terminal as its controlling one (seccomp.h), so it can leave it in any
 * state: raw, no echo, another foreground process group, input it made the
 * terminal send (a reply to a query) waiting to be read by the host shell.
 */
struct sbx_tty {
	int fd;			/* the terminal (stdin), or -1 when stdin is none */
	struct termios tio;
	pid_t pgrp;		/* its foreground process group then */
};

/* Notes stdin's settings and foreground process group, when stdin is a terminal. */
void sbx_tty_save(struct sbx_tty *t);
/*
 * Gives them back and discards input not read yet (it was the agent's to
 * read, or the terminal's answer to something the agent sent). Works from a
 * background process group too (SIGTTOU is held meanwhile). Nothing when
 * sbx_tty_save found no terminal.
 */
void sbx_tty_restore(const struct sbx_tty *t);

#endif
