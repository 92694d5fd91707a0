/* The relayed terminal of a sandbox's tmux client (pty.h). */
#include "pty.h"
#include "error.h"
#include "fsutil.h"
#include "spawn.h"
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int sbx_pty_open(int *master, int *slave)
{
	struct termios tio;
	struct winsize ws;
	const char *name;

	*master = *slave = -1;
	*master = posix_openpt(O_RDWR | O_NOCTTY);
	if (*master < 0 || fcntl(*master, F_SETFD, FD_CLOEXEC) || grantpt(*master) ||
	    unlockpt(*master) || !(name = ptsname(*master))) {
		sbx_error_errno("cannot open a pseudo-terminal");
		goto fail;
	}
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		sbx_error_errno("cannot open '%s'", name);
		goto fail;
	}
	if (!tcgetattr(STDIN_FILENO, &tio))
		tcsetattr(*slave, TCSANOW, &tio);
	if (!ioctl(STDIN_FILENO, TIOCGWINSZ, &ws))
		ioctl(*slave, TIOCSWINSZ, &ws);
	return 0;
fail:
	if (*master >= 0)
		close(*master);
	*master = -1;
	return -1;
}

int sbx_pty_take(int slave)
{
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0))
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return -1;
	if (slave > 2)
		close(slave);
	return 0;
}

/* ------------------------------------------------------------------ relay */

static int wake[2] = { -1, -1 };
static volatile sig_atomic_t resized, child_changed, stop_signal;

static void on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGWINCH)
		resized = 1;
	else if (sig == SIGCHLD)
		child_changed = 1;
	else if (!stop_signal)
		stop_signal = sig;
	if (write(wake[1], "", 1) < 0) {
		/* Full: a wake-up is pending already. */
	}
	errno = saved;
}

static const int caught[] = { SIGWINCH, SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGQUIT };
#define NR_CAUGHT (sizeof(caught) / sizeof(caught[0]))

static void copy_size(int master)
{
	struct winsize ws;

	if (!ioctl(STDIN_FILENO, TIOCGWINSZ, &ws))
		ioctl(master, TIOCSWINSZ, &ws);
}

/*
 * What the program wrote and sbx has not shown yet, without waiting for more,
 * and bounded: a process of the sandbox that kept the pty could write forever.
 */
static void drain(int master)
{
	char buf[4096];
	ssize_t n;

	for (int i = 0; i < 16 && (n = read(master, buf, sizeof(buf))) > 0; i++)
		if (sbx_write_all(STDOUT_FILENO, buf, (size_t)n))
			break;
}

int sbx_pty_relay(int master, pid_t child)
{
	struct sigaction sa, old[NR_CAUGHT], ign, old_pipe;
	struct sbx_tty saved;
	struct termios raw;
	int in_open = 1, status = 0, done = 0, ret;
	char pending[4096];
	size_t npending = 0;

	if (pipe(wake) || fcntl(wake[0], F_SETFD, FD_CLOEXEC) || fcntl(wake[1], F_SETFD, FD_CLOEXEC) ||
	    fcntl(wake[0], F_SETFL, O_NONBLOCK) || fcntl(wake[1], F_SETFL, O_NONBLOCK)) {
		ret = sbx_error_errno("cannot create a pipe");
		close(master);
		kill(child, SIGHUP);
		waitpid(child, NULL, 0);
		return ret;
	}
	/* Non-blocking: a program that reads nothing never stops the other direction. */
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	resized = child_changed = stop_signal = 0;
	for (size_t i = 0; i < NR_CAUGHT; i++)
		sigaction(caught[i], &sa, &old[i]);
	/* A terminal gone is seen as a failed write. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old_pipe);
	sbx_tty_save(&saved);
	if (saved.fd >= 0) {
		/* The program's own pty does the line editing, echo and signals. */
		raw = saved.tio;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		copy_size(master);
	}
	child_changed = 1;
	while (!done) {
		struct pollfd p[3] = {
			{ wake[0], POLLIN, 0 },
			{ master, POLLIN | (npending ? POLLOUT : 0), 0 },
			{ in_open && !npending ? STDIN_FILENO : -1, POLLIN, 0 },
		};
		char buf[4096];
		ssize_t n;

		if (child_changed) {
			pid_t r;

			child_changed = 0;
			while ((r = waitpid(child, &status, WNOHANG)) < 0 && errno == EINTR)
				;
			if (r == child || (r < 0 && errno == ECHILD)) {
				done = 1;
				break;
			}
		}
		if (resized) {
			resized = 0;
			copy_size(master);
		}
		if (stop_signal && master >= 0) {
			/* sbx is asked to end: hang the program up, as a closed terminal would. */
			close(master);
			master = -1;
			in_open = 0;
		}
		p[1].fd = master;
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			while (read(wake[0], buf, sizeof(buf)) > 0)
				;
		if (master >= 0 && (p[1].revents & POLLOUT) && npending) {
			n = write(master, pending, npending);
			if (n > 0) {
				memmove(pending, pending + n, npending - (size_t)n);
				npending -= (size_t)n;
			}
		}
		if (master >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(master, buf, sizeof(buf));
			if (n > 0 && sbx_write_all(STDOUT_FILENO, buf, (size_t)n)) {
				/* The terminal is gone: hang the program up. */
				in_open = 0;
				close(master);
				master = -1;
			} else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				/* Every slave closed: the program is ending; its exit ends the loop. */
				close(master);
				master = -1;
			}
		}
		if (in_open && (p[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(STDIN_FILENO, pending, sizeof(pending));
			if (n > 0) {
				npending = (size_t)n;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				/* The terminal closed: hang the program up (tmux detaches). */
				in_open = 0;
				if (master >= 0)
					close(master);
				master = -1;
			}
		}
	}
	if (master >= 0) {
		drain(master);
		close(master);
	}
	sbx_tty_restore(&saved);
	for (size_t i = 0; i < NR_CAUGHT; i++)
		sigaction(caught[i], &old[i], NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(wake[0]);
	close(wake[1]);
	wake[0] = wake[1] = -1;
	if (!done) {
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	}
	/* Asked to end: now that the terminal is as it was, die of it. */
	if (stop_signal)
		sbx_reraise(stop_signal);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
