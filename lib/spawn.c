#include "spawn.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

extern char **environ;

static volatile sig_atomic_t received;		/* the first signal since sbx started catching */
static volatile sig_atomic_t during_wait;	/* the last one while a child was waited for */
static volatile pid_t waiting_for = -1;

void sbx_child_init(struct sbx_child *c)
{
	struct sbx_child blank = SBX_CHILD_INIT;

	*c = blank;
}

void sbx_child_release(struct sbx_child *c)
{
	sbx_strvec_clear(&c->args);
	sbx_strvec_clear(&c->env);
}

static int env_overridden(const char *entry, const struct sbx_strvec *env)
{
	size_t klen = strcspn(entry, "=");

	for (size_t i = 0; i < env->nr; i++) {
		const char *e = env->v[i];

		if (strlen(e) >= klen && !strncmp(e, entry, klen) &&
		    (e[klen] == '=' || e[klen] == '\0'))
			return 1;
	}
	return 0;
}

static void build_env(const struct sbx_child *c, struct sbx_strvec *out)
{
	if (!c->clean_env)
		for (char **e = environ; *e; e++)
			if (!env_overridden(*e, &c->env))
				sbx_strvec_push(out, *e);
	for (size_t i = 0; i < c->env.nr; i++)
		if (strchr(c->env.v[i], '='))
			sbx_strvec_push(out, c->env.v[i]);
}

static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
#define NR_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))
static struct sigaction saved[NR_FORWARDED];
static volatile sig_atomic_t unforwarded;	/* arrived before the child's pid was known */
static volatile sig_atomic_t child_ignores;	/* the child ignores SIGINT and SIGQUIT */

/* What reaches the child for sig: SIGTERM where it would ignore sig. */
static int forwarded_as(int sig)
{
	return child_ignores && (sig == SIGINT || sig == SIGQUIT) ? SIGTERM : sig;
}

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
	int alone = sig == SIGTERM || sig == SIGHUP || !info || info->si_code == SI_USER ||
		    info->si_code == SI_QUEUE;

	(void)uctx;
	/*
	 * Ctrl-C or Ctrl-\ on the terminal, with a sandbox in the foreground, is
	 * its agent's, which may handle it and go on (an agent does): sbx ends
	 * as the sandbox does, not of it.
	 */
	if (!received && (alone || !child_ignores))
		received = sig;
	during_wait = sig;
	/* A signal from the terminal reached the child too; one sent to us alone did not. */
	if (alone) {
		if (waiting_for > 0)
			kill(waiting_for, forwarded_as(sig));
		else
			unforwarded = sig;
	}
}

/* Installed before the child exists, so that no signal falls between spawn and wait. */
static void forward_begin(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	during_wait = 0;
	unforwarded = 0;
	waiting_for = -1;
	for (size_t i = 0; i < NR_FORWARDED; i++)
		sigaction(forwarded[i], &sa, &saved[i]);
}

static void forward_started(pid_t pid)
{
	waiting_for = pid;
	if (unforwarded)
		kill(pid, forwarded_as(unforwarded));
}

static void forward_end(struct sbx_child *c)
{
	waiting_for = -1;
	for (size_t i = 0; i < NR_FORWARDED; i++)
		sigaction(forwarded[i], &saved[i], NULL);
	c->signal_received = during_wait;
}

static void ignore_tty(struct sigaction *old)
{
	struct sigaction ign;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old[0]);
	sigaction(SIGQUIT, &ign, &old[1]);
}

static void restore_tty(const struct sigaction *old)
{
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGQUIT, &old[1], NULL);
}

int sbx_child_start(struct sbx_child *c)
{
	struct sigaction old_tty[2];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	struct sbx_strvec envp = SBX_STRVEC_INIT;
	short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
	int err, std[3] = { c->in, c->out, c->err };

	if (!c->args.nr)
		return sbx_error("no program to run");
	build_env(c, &envp);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	for (int i = 0; i < 3; i++)
		if (std[i] >= 0 && std[i] != i)
			posix_spawn_file_actions_adddup2(&fa, std[i], i);
	if (c->dir)
		posix_spawn_file_actions_addchdir_np(&fa, c->dir);
#ifdef __APPLE__
	/* Everything not named by a file action is closed; pass_fds are dup'ed onto themselves. */
	flags |= POSIX_SPAWN_CLOEXEC_DEFAULT;
	for (int i = 0; i < 3; i++)
		posix_spawn_file_actions_addinherit_np(&fa, i);
	for (int i = 0; i < c->nr_pass_fds; i++)
		posix_spawn_file_actions_addinherit_np(&fa, c->pass_fds[i]);
#else
	if (!c->nr_pass_fds) {
		posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	} else {
		/* Close every descriptor above 2 but the passed ones: below the highest one by one, above it at once. */
		int maxpass = 2;

		for (int i = 0; i < c->nr_pass_fds; i++)
			if (c->pass_fds[i] > maxpass)
				maxpass = c->pass_fds[i];
		for (int fd = 3; fd < maxpass; fd++) {
			int keep = 0;

			for (int i = 0; i < c->nr_pass_fds; i++)
				keep |= c->pass_fds[i] == fd;
			if (!keep && fcntl(fd, F_GETFD) != -1)
				posix_spawn_file_actions_addclose(&fa, fd);
		}
		posix_spawn_file_actions_addclosefrom_np(&fa, maxpass + 1);
		for (int i = 0; i < c->nr_pass_fds; i++) {
			int fl = fcntl(c->pass_fds[i], F_GETFD);

			if (fl != -1)
				fcntl(c->pass_fds[i], F_SETFD, fl & ~FD_CLOEXEC);
		}
	}
#endif
	if (c->ignore_tty_signals) {
		/* Ignored here at the spawn, and left alone by it: an ignored signal survives exec. */
		sigdelset(&all, SIGINT);
		sigdelset(&all, SIGQUIT);
		posix_spawnattr_setsigdefault(&attr, &all);
	}
	if (c->new_pgroup) {
		flags |= POSIX_SPAWN_SETPGROUP;
		posix_spawnattr_setpgroup(&attr, 0);
	}
	posix_spawnattr_setflags(&attr, flags);
	if (c->forward_signals)
		forward_begin();
	child_ignores = c->ignore_tty_signals;
	if (c->ignore_tty_signals)
		ignore_tty(old_tty);
	err = posix_spawnp(&c->pid, c->args.v[0], &fa, &attr, c->args.v, envp.v);
	if (c->ignore_tty_signals)
		restore_tty(old_tty);
	if (c->forward_signals) {
		if (err)
			forward_end(c);
		else
			forward_started(c->pid);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	sbx_strvec_clear(&envp);
	c->start_errno = err;
	if (err) {
		c->pid = -1;
		errno = err;
		if (err == ENOENT)
			return sbx_error("cannot run '%s': command not found", c->args.v[0]);
		return sbx_error_errno("cannot run '%s'", c->args.v[0]);
	}
	return 0;
}

/* Follows c->watch until the child exits (or it cannot be followed: then only waits). */
static void follow_watch(const struct sbx_child *c)
{
#if defined(__linux__) && defined(SYS_pidfd_open)
	const struct sbx_child_watch *w = c->watch;
	int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	long timeout = -1;

	if (pidfd < 0)
		return;
	for (;;) {
		struct pollfd p[2] = { { pidfd, POLLIN, 0 }, { w->fd, POLLIN, 0 } };
		int n = poll(p, 2, timeout > INT_MAX ? INT_MAX : (int)timeout);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || p[0].revents)
			break;
		if (p[1].revents & (POLLERR | POLLNVAL))
			break;
		timeout = w->on_event(w->data, n > 0);
	}
	close(pidfd);
#else
	(void)c;
#endif
}

int sbx_child_wait(struct sbx_child *c)
{
	int status;
	pid_t r;

	if (c->pid <= 0)
		return -1;
	if (c->watch && c->watch->fd >= 0)
		follow_watch(c);
	do
		r = waitpid(c->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (c->forward_signals)
		forward_end(c);
	c->pid = -1;
	if (r < 0)
		return sbx_error_errno("cannot wait for '%s'", c->args.v[0]);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int sbx_spawn_error_code(int err)
{
	return err == ENOENT ? 127 : err == EACCES ? 126 : 125;
}

int sbx_child_run(struct sbx_child *c)
{
	if (sbx_child_start(c)) {
		int code = sbx_spawn_error_code(errno);

		return code == 125 ? -1 : code;
	}
	return sbx_child_wait(c);
}

static int read_some(int *fd, struct sbx_buf *b)
{
	char chunk[8192];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	if (b)
		sbx_buf_add(b, chunk, (size_t)n);
	return 0;
}

int sbx_child_capture(struct sbx_child *c, struct sbx_buf *out, struct sbx_buf *err_out)
{
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 }, devnull = -1, ret;
	int saved_in = c->in, saved_out = c->out, saved_err = c->err;

	if (pipe(op) || (err_out && pipe(ep))) {
		ret = sbx_error_errno("cannot create a pipe");
		goto fail;
	}
	fcntl(op[0], F_SETFD, FD_CLOEXEC);
	if (ep[0] >= 0)
		fcntl(ep[0], F_SETFD, FD_CLOEXEC);
	if (c->in < 0) {
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		c->in = devnull;
	}
	c->out = op[1];
	if (err_out)
		c->err = ep[1];
	ret = sbx_child_start(c);
	close(op[1]);
	op[1] = -1;
	if (ep[1] >= 0) {
		close(ep[1]);
		ep[1] = -1;
	}
	if (ret) {
		ret = sbx_spawn_error_code(errno);
		if (ret == 125)
			ret = -1;
		goto fail;
	}
	while (op[0] >= 0 || ep[0] >= 0) {
		struct pollfd pfd[2] = { { op[0], POLLIN, 0 }, { ep[0], POLLIN, 0 } };

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			read_some(&op[0], out);
		if (pfd[1].revents)
			read_some(&ep[0], err_out);
	}
	ret = sbx_child_wait(c);
fail:
	for (int i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if (devnull >= 0)
		close(devnull);
	/* The pipes are gone: leave the child reusable as it was given. */
	c->in = saved_in;
	c->out = saved_out;
	c->err = saved_err;
	return ret;
}

void sbx_reraise(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	raise(sig);
}

static void record_signal(int sig)
{
	if (!received)
		received = sig;
}

void sbx_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = record_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NR_FORWARDED; i++)
		sigaction(forwarded[i], &sa, NULL);
}

int sbx_pending_signal(void)
{
	return received;
}
