/*
 * A bwrap sandbox's network (bwrap.h, net-policy.h). Every mode but "host"
 * gives the sandbox a network namespace of its own (--unshare-net: a
 * loopback, nothing else), so it never reaches the host's loopback services
 * or abstract sockets. For "open" and "allowlist" sbx's proxy serves it from
 * the host, with no process of sbx's inside: bwrap says where the sandbox
 * runs (--info-fd) and waits (--block-fd) while a helper enters its network
 * namespace and makes the listener on PROXY_ADDR:PROXY_PORT there
 * (nsenter.h), which the proxy (net-session.h) then serves.
 *
 * A setuid bwrap makes namespaces that a user cannot enter: there the proxy
 * listens on a unix socket bound into the sandbox, and `sbx net relay`
 * inside listens on PROXY_ADDR:PROXY_PORT and relays to it.
 * SBX_NET_RELAY=1 chooses that way anywhere (the tests use it).
 */
#include "bwrap.h"
#include "error.h"
#include "net-log.h"
#include "net-session.h"
#include "nsenter.h"
#include "paths.h"
#include "safefile.h"
#include "unix-socket.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define PROXY_ADDR "127.0.0.1"
#define PROXY_PORT 3128
#define RELAY_SOCKET "/run/sbx/proxy.sock"

void sbx_bwrap_net_init(struct sbx_bwrap_net *n)
{
	memset(n, 0, sizeof(*n));
	n->block[0] = n->block[1] = n->relay_fd = -1;
	n->proxy = (struct sbx_net_proxy)SBX_NET_PROXY_INIT;
}

/* Is bwrap setuid root (its namespaces then belong to root, and a user cannot join them)? */
static int bwrap_is_setuid(const char *prog)
{
	const char *path = getenv("PATH");
	char file[4096];
	struct stat st;

	if (strchr(prog, '/'))
		return !stat(prog, &st) && (st.st_mode & S_ISUID);
	while (path && *path) {
		size_t len = strcspn(path, ":");

		snprintf(file, sizeof(file), "%.*s/%s", (int)len, path, prog);
		if (!stat(file, &st))
			return (st.st_mode & S_ISUID) != 0;
		path += len + (path[len] == ':');
	}
	return 0;
}

static int relay_socket(struct sbx_bwrap_net *n)
{
	struct sockaddr_un sun;
	char *run = sbx_runtime_dir(), *tmpl;
	int fd;

	if (!run || sbx_mkdir_private(run, 0700)) {
		free(run);
		return -1;
	}
	tmpl = sbx_asprintf("%s/net-XXXXXX", run);
	free(run);
	if (!mkdtemp(tmpl)) {
		sbx_error_errno("cannot create a directory in '%s'", tmpl);
		free(tmpl);
		return -1;
	}
	n->relay_dir = tmpl;
	n->relay_path = sbx_path_join(tmpl, "proxy.sock");
	fd = sbx_unix_stream_for(n->relay_path, &sun);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 128)) {
		sbx_error_errno("cannot listen on '%s'", n->relay_path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	n->relay_fd = fd;
	return 0;
}

int sbx_bwrap_net_prepare(struct sbx_bwrap_net *n, const struct sbx_session *s, const char *bwrap,
			  const char *run, const char *sandbox)
{
	const char *force = getenv("SBX_NET_RELAY");

	n->mode = s->net.mode;
	if (!sbx_net_mode_proxied(n->mode))
		return 0;
	n->relay = (force && !strcmp(force, "1")) || bwrap_is_setuid(bwrap);
	if (n->relay) {
		if (relay_socket(n))
			return -1;
	} else if (pipe(n->block)) {
		return sbx_error_errno("cannot create a pipe");
	} else {
		fcntl(n->block[1], F_SETFD, FD_CLOEXEC);
	}
	if (run) {
		n->log = sbx_net_log_begin(run, sandbox ? sandbox : run, sbx_net_mode_name(n->mode),
					   s->project.dir);
		if (!n->log)
			return -1;
	}
	return 0;
}

int sbx_bwrap_net_args(struct sbx_bwrap_net *n, struct sbx_strvec *args, struct sbx_strvec *env)
{
	char url[64];

	if (n->mode != SBX_NET_HOST)
		sbx_strvec_push(args, "--unshare-net");
	if (!sbx_net_mode_proxied(n->mode))
		return -1;
	if (!n->relay) {
		sbx_strvec_push(args, "--block-fd");
		sbx_strvec_pushf(args, "%d", n->block[0]);
	}
	snprintf(url, sizeof(url), "http://%s:%d", PROXY_ADDR, PROXY_PORT);
	sbx_net_proxy_env(url, env);
	return n->relay ? -1 : n->block[0];
}

void sbx_bwrap_net_binds(const struct sbx_bwrap_net *n, struct sbx_strvec *args)
{
	if (sbx_net_mode_proxied(n->mode) && n->relay)
		sbx_strvec_pushv(args, (const char *[]){ "--bind", n->relay_path, RELAY_SOCKET, NULL });
}

void sbx_bwrap_net_command(const struct sbx_bwrap_net *n, const char *sbx, struct sbx_strvec *argv)
{
	char listen_on[32];

	if (!sbx_net_mode_proxied(n->mode) || !n->relay)
		return;
	snprintf(listen_on, sizeof(listen_on), "%s:%d", PROXY_ADDR, PROXY_PORT);
	sbx_strvec_pushv(argv, (const char *[]){ sbx, "net", "relay", "--listen", listen_on, "--to",
		RELAY_SOCKET, "--", NULL });
}

int sbx_bwrap_net_start(struct sbx_bwrap_net *n, const struct sbx_session *s, pid_t pid)
{
	int fd;

	if (!sbx_net_mode_proxied(n->mode))
		return 0;
	if (n->relay) {
		fd = n->relay_fd;
		n->relay_fd = -1;
	} else {
		fd = sbx_nsenter_listen(pid, PROXY_ADDR, PROXY_PORT);
		if (fd < 0)
			return -1;
	}
	if (sbx_net_proxy_start(&n->proxy, &s->net, fd, n->log))
		return -1;
	return 0;
}

int sbx_bwrap_net_release_sandbox(struct sbx_bwrap_net *n)
{
	int ret = 0;

	/* The sandbox goes on once its proxy listens. */
	if (n->block[1] >= 0) {
		if (write(n->block[1], "g", 1) != 1)
			ret = sbx_error_errno("cannot let the sandbox start");
		close(n->block[1]);
		n->block[1] = -1;
	}
	return ret;
}

void sbx_bwrap_net_release(struct sbx_bwrap_net *n)
{
	sbx_net_proxy_stop(&n->proxy);
	for (int i = 0; i < 2; i++)
		if (n->block[i] >= 0)
			close(n->block[i]);
	if (n->relay_fd >= 0)
		close(n->relay_fd);
	if (n->relay_dir && sbx_safe_remove_tree(n->relay_dir))
		sbx_clear_error();
	free(n->relay_dir);
	free(n->relay_path);
	free(n->log);
	sbx_bwrap_net_init(n);
}
