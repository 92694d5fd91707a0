#ifndef SBX_NSENTER_H
#define SBX_NSENTER_H

#include <sys/types.h>

/*
 * Runs a program inside the namespaces of a running sandbox (Linux only), as
 * `flatpak enter` does: the user namespace of process pid first (its owner,
 * the user who made the sandbox, gets the capabilities to join the rest
 * there), then its mount, pid, ipc, uts, net and cgroup namespaces where they
 * differ from ours. The program runs in a child (a pid namespace applies to
 * children), in dir, with only envp, with no_new_privs set and, as its uid
 * inside is not 0, no capabilities after exec. stdin, stdout and stderr are
 * ours: the terminal, for `tmux attach`.
 *
 * Returns its exit code (128+N when killed by signal N; 127 when it could
 * not be run), or -1 with a message when the namespaces cannot be joined.
 * SIGINT and SIGQUIT are ignored while it runs, as system(3) does.
 */
int sbx_nsenter_run(pid_t pid, char *const *argv, char *const *envp, const char *dir);

/*
 * A TCP socket listening on addr:port (IPv4) in the network namespace of
 * process pid, made by a helper that joins it (and, for a user who is not
 * root, the user namespace that owns it, which that user made) and hands the
 * socket back over SCM_RIGHTS: sbx's proxy serves a sandbox from the host
 * without a process inside. Returns the descriptor, or -1 with a message.
 */
int sbx_nsenter_listen(pid_t pid, const char *addr, int port);

#endif
