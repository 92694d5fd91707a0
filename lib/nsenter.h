#ifndef SBX_NSENTER_H
#define SBX_NSENTER_H

#include <sys/types.h>

#include "buf.h"

struct sbx_cgroup;

/*
 * Runs a program inside a running sandbox (Linux only), as `flatpak enter`
 * does: the user namespace of process pid first (its owner, the user who
 * made the sandbox, gets the capabilities to join the rest there), then its
 * mount, pid, ipc, uts, net and cgroup namespaces where they differ from
 * ours. The program runs in a child (a pid namespace applies to children),
 * in dir, with only envp, with no_new_privs set and, as its uid inside is
 * not 0, no capabilities after exec.
 *
 * It is held to what the sandbox is held to: it joins the sandbox's cgroup
 * (cgroup.h) before anything else, and its filter (seccomp.h) is installed
 * just before exec. argv[0] is an absolute path, never looked up in a PATH:
 * the sandbox can write directories on the sandbox's PATH.
 */
struct sbx_nsenter {
	pid_t pid;			/* a process of the sandbox: its first */
	char *const *argv;
	char *const *envp;
	const char *dir;
	const struct sbx_buf *filter;	/* the seccomp program; required */
	const struct sbx_cgroup *cgroup;	/* or NULL: none */
	/*
	 * -1: the program gets our stdin, stdout and stderr. Else the slave of
	 * a pty (pty.h): its terminal, in a session of its own.
	 */
	int tty;
};

/*
 * Starts it; *child is the process to wait for (its exit code is the
 * program's: 128+N when killed by signal N, 127 when it could not be run,
 * 125 when the sandbox could not be entered). Returns 0, or -1 with a message.
 */
int sbx_nsenter_start(const struct sbx_nsenter *e, pid_t *child);

/*
 * start and wait, with SIGINT and SIGQUIT ignored meanwhile as system(3)
 * does. Returns the exit code, or -1 with a message.
 */
int sbx_nsenter_run(const struct sbx_nsenter *e);

/*
 * A TCP socket listening on addr:port (IPv4) in the network namespace of
 * process pid, made by a helper that joins it (and, for a user who is not
 * root, the user namespace that owns it, which that user made) and hands the
 * socket back over SCM_RIGHTS: sbx's proxy serves a sandbox from the host
 * without a process inside. Returns the descriptor, or -1 with a message.
 */
int sbx_nsenter_listen(pid_t pid, const char *addr, int port);

#endif
