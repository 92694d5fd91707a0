/* Giving the user's terminal back as it was (tty.h). */
#include "tty.h"

#include <signal.h>
#include <unistd.h>

void sbx_tty_save(struct sbx_tty *t)
{
	t->fd = -1;
	if (tcgetattr(STDIN_FILENO, &t->tio))
		return;
	t->pgrp = tcgetpgrp(STDIN_FILENO);
	t->fd = STDIN_FILENO;
}

void sbx_tty_restore(const struct sbx_tty *t)
{
	sigset_t ttou, old;

	if (t->fd < 0)
		return;
	/* A process group that is not the terminal's foreground one may not set it: hold SIGTTOU. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	if (t->pgrp > 0)
		tcsetpgrp(t->fd, t->pgrp);
	tcsetattr(t->fd, TCSAFLUSH, &t->tio);
	sigprocmask(SIG_SETMASK, &old, NULL);
}
