/* Running a program inside a sandbox's namespaces (nsenter.h). */
#include "nsenter.h"
#include "cgroup.h"
#include "error.h"
#include "pty.h"
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __linux__
#include <arpa/inet.h>
#include <linux/nsfs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

/* The user namespace first: joining it grants what joining the others needs. */
static const struct {
	const char *name;
	int type;
} spaces[] = {
	{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID },
	{ "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET },
	{ "cgroup", CLONE_NEWCGROUP },
};
#define NR_SPACES (sizeof(spaces) / sizeof(spaces[0]))

/* Opens pid's namespaces that are not ours; -1 in fds[i] for those that are. */
static int open_spaces(pid_t pid, int *fds)
{
	for (size_t i = 0; i < NR_SPACES; i++) {
		char path[64], own[64];
		struct stat theirs, mine;

		snprintf(path, sizeof(path), "/proc/%ld/ns/%s", (long)pid, spaces[i].name);
		snprintf(own, sizeof(own), "/proc/self/ns/%s", spaces[i].name);
		fds[i] = -1;
		if (stat(path, &theirs)) {
			if (errno == ENOENT && i > 0)
				continue;	/* a namespace this kernel does not have */
			return sbx_error_errno("cannot find the sandbox's namespaces ('%s')", path);
		}
		if (!stat(own, &mine) && mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev)
			continue;
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			return sbx_error_errno("cannot open '%s'", path);
	}
	return 0;
}

static void join(int fd, int type, const char *name)
{
	if (fd >= 0 && setns(fd, type)) {
		fprintf(stderr, "sbx: cannot enter the sandbox's %s namespace: %s\n", name,
			strerror(errno));
		_exit(125);
	}
}

/*
 * Closes every descriptor above 2 but the namespaces, go and the program's
 * terminal: the pty's master above all, whose last close is the hangup that
 * ends the program when the user's terminal goes.
 */
static void close_others(const int *fds, int go, int tty)
{
	int keep[NR_SPACES + 2], n = 0, from = 3;

	for (size_t i = 0; i < NR_SPACES; i++)
		if (fds[i] >= 0)
			keep[n++] = fds[i];
	keep[n++] = go;
	if (tty >= 0)
		keep[n++] = tty;
	for (;;) {
		int next = -1;

		for (int i = 0; i < n; i++)
			if (keep[i] >= from && (next < 0 || keep[i] < next))
				next = keep[i];
		if (next < 0) {
			close_range((unsigned)from, ~0U, 0);
			return;
		}
		if (next > from)
			close_range((unsigned)from, (unsigned)next - 1, 0);
		from = next + 1;
	}
}

/* The program, in the sandbox's pid namespace: its terminal, the filter, exec. Never returns. */
static void run_program(const struct sbx_nsenter *e)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (e->tty >= 0 && sbx_pty_take(e->tty)) {
		perror("sbx: cannot give the program its terminal");
		_exit(125);
	}
	/* Nothing of ours but stdin, stdout and stderr. */
	closefrom(3);
#ifdef PR_CAP_AMBIENT
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
#endif
	if (chdir(e->dir) && chdir("/"))
		_exit(125);
	if (sbx_seccomp_install(e->filter)) {
		fprintf(stderr, "sbx: cannot install the sandbox's seccomp filter: %s\n",
			strerror(errno));
		_exit(125);
	}
	/* Never by a PATH: the sandbox can write some of its directories. */
	if (e->argv[0][0] == '/')
		execve(e->argv[0], e->argv, e->envp);
	else
		errno = ENOENT;
	fprintf(stderr, "sbx: cannot run '%s' in the sandbox: %s\n", e->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/*
 * In the forked child: wait to be in the sandbox's cgroup, join, fork again,
 * run. Never returns. bwrap's --disable-userns runs the sandbox in a user
 * namespace nested in the one that owns its other namespaces: that owner is
 * joined first (to be allowed into the rest), the sandbox's own last.
 */
static void enter(const int *fds, int go, const struct sbx_nsenter *e)
{
	int owner = fds[1] >= 0 ? ioctl(fds[1], NS_GET_USERNS) : -1, nested = 0;
	struct stat a, b;
	pid_t child;
	int status;
	ssize_t n;
	char c = 0;

	/* Nothing is joined before the parent has put this process in the cgroup. */
	while ((n = read(go, &c, 1)) < 0 && errno == EINTR)
		;
	if (n != 1 || c != 'g')
		_exit(125);
	close(go);
	if (owner >= 0 && fds[0] >= 0 && !fstat(owner, &a) && !fstat(fds[0], &b))
		nested = a.st_ino != b.st_ino || a.st_dev != b.st_dev;
	join(nested ? owner : fds[0], CLONE_NEWUSER, nested ? "owning user" : "user");
	for (size_t i = 1; i < NR_SPACES; i++)
		if (fds[i] >= 0)
			join(fds[i], spaces[i].type, spaces[i].name);
	if (nested)
		join(fds[0], CLONE_NEWUSER, "user");
	if (owner >= 0)
		close(owner);
	child = fork();
	if (child < 0) {
		perror("sbx: cannot fork");
		_exit(125);
	}
	if (!child)
		run_program(e);
	/* Only the program needs its terminal. */
	if (e->tty >= 0)
		close(e->tty);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WEXITSTATUS(status));
}

int sbx_nsenter_start(const struct sbx_nsenter *e, pid_t *child)
{
	int fds[NR_SPACES], go[2] = { -1, -1 }, ret = -1;

	for (size_t i = 0; i < NR_SPACES; i++)
		fds[i] = -1;
	if (open_spaces(e->pid, fds))
		goto out;
	if (pipe(go) || fcntl(go[0], F_SETFD, FD_CLOEXEC) || fcntl(go[1], F_SETFD, FD_CLOEXEC)) {
		sbx_error_errno("cannot create a pipe");
		goto out;
	}
	fflush(NULL);
	*child = fork();
	if (*child < 0) {
		sbx_error_errno("cannot fork");
		goto out;
	}
	if (!*child) {
		close_others(fds, go[0], e->tty);
		enter(fds, go[0], e);
	}
	/* In the sandbox's cgroup first: everything it starts is counted there too. */
	if (e->cgroup && sbx_cgroup_add(e->cgroup, *child)) {
		close(go[1]);
		go[1] = -1;
		waitpid(*child, NULL, 0);
		goto out;
	}
	if (write(go[1], "g", 1) != 1) {
		sbx_error_errno("cannot start '%s' in the sandbox", e->argv[0]);
		kill(*child, SIGKILL);
		waitpid(*child, NULL, 0);
		goto out;
	}
	ret = 0;
out:
	for (int i = 0; i < 2; i++)
		if (go[i] >= 0)
			close(go[i]);
	for (size_t i = 0; i < NR_SPACES; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

/* In the forked child: the listener, made in pid's network namespace, sent back on sock. */
static void listen_there(pid_t pid, const char *addr, int port, int sock)
{
	struct sockaddr_in sa;
	char path[64], msg[256] = "", cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { msg, 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	int net, fd, one = 1;

	snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)pid);
	net = open(path, O_RDONLY | O_CLOEXEC);
	if (net < 0) {
		snprintf(msg, sizeof(msg), "cannot open '%s': %s", path, strerror(errno));
		goto fail;
	}
	/* Root may join as it is; a user joins the namespace's owner first, which it owns. */
	if (setns(net, CLONE_NEWNET)) {
		int owner = ioctl(net, NS_GET_USERNS);

		if (owner < 0 || setns(owner, CLONE_NEWUSER) || setns(net, CLONE_NEWNET)) {
			snprintf(msg, sizeof(msg), "cannot enter the sandbox's network namespace: %s",
				 strerror(errno));
			goto fail;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	/*
	 * The sandbox's loopback may not be up yet (bwrap brings it up a moment
	 * later): bind to its address anyway. Never SO_REUSEPORT, which would let
	 * the sandbox's own processes bind the same port.
	 */
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
		snprintf(msg, sizeof(msg), "cannot listen on %s:%d in the sandbox: %s", addr, port,
			 strerror(errno));
		goto fail;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	_exit(sendmsg(sock, &mh, 0) == 1 ? 0 : 1);
fail:
	iov.iov_len = strlen(msg);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (sendmsg(sock, &mh, 0) < 0)
		_exit(2);
	_exit(1);
}

int sbx_nsenter_listen(pid_t pid, const char *addr, int port)
{
	char msg[257], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { msg, sizeof(msg) - 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	int sv[2], fd = -1, status;
	struct pollfd p;
	pid_t child;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return sbx_error_errno("cannot create a socket pair");
	child = fork();
	if (child < 0) {
		close(sv[0]);
		close(sv[1]);
		return sbx_error_errno("cannot fork");
	}
	if (!child) {
		close(sv[0]);
		listen_there(pid, addr, port, sv[1]);
	}
	close(sv[1]);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	p = (struct pollfd){ sv[0], POLLIN, 0 };
	/* The helper does a few system calls; a hung one is not waited for long. */
	n = poll(&p, 1, 10000) == 1 ? recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC) : -1;
	cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	else if (n > 0)
		sbx_error("%.*s", (int)n, msg);
	else
		sbx_error("the helper that enters the sandbox's network namespace did not answer");
	close(sv[0]);
	if (n <= 0)
		kill(child, SIGKILL);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return fd;
}

int sbx_nsenter_run(const struct sbx_nsenter *e)
{
	struct sigaction ign, old_int, old_quit;
	int status, ret = -1;
	pid_t child, r;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	if (!sbx_nsenter_start(e, &child)) {
		while ((r = waitpid(child, &status, 0)) < 0 && errno == EINTR)
			;
		if (r < 0)
			sbx_error_errno("cannot wait for '%s'", e->argv[0]);
		else
			ret = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return ret;
}
#else
int sbx_nsenter_listen(pid_t pid, const char *addr, int port)
{
	(void)pid;
	(void)addr;
	(void)port;
	return sbx_error("entering a sandbox needs Linux");
}

int sbx_nsenter_start(const struct sbx_nsenter *e, pid_t *child)
{
	(void)e;
	(void)child;
	return sbx_error("entering a sandbox needs Linux");
}

int sbx_nsenter_run(const struct sbx_nsenter *e)
{
	(void)e;
	return sbx_error("entering a sandbox needs Linux");
}
#endif
