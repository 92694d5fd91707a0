/*
 * The client side of the notification socket (notify.h): connecting with a
 * deadline, writing with a deadline, and starting the server on demand.
 */
#include "notify.h"
#include "notify-listen.h"
#include "notify-queue.h"
#include "agent-status.h"
#include "backend.h"
#include "config.h"
#include "error.h"
#include "json.h"
#include "names.h"
#include "paths.h"
#include "project.h"
#include "session.h"
#include "spawn.h"
#include "unix-socket.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long `sbx run` waits for a server it started to listen. */
#define START_TIMEOUT_MS 5000

static int remaining(long long deadline)
{
	long long left = deadline - sbx_notify_now_ms();

	return left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

char *sbx_notify_socket_path(void)
{
	char *dir = sbx_runtime_dir(), *path;

	if (!dir)
		return NULL;
	path = sbx_path_join(dir, "notify.sock");
	free(dir);
	return path;
}

char *sbx_notify_session_dir(const char *name)
{
	char *dir = sbx_runtime_dir(), *hash, *path;

	if (!dir)
		return NULL;
	hash = sbx_hash_hex(name, strlen(name), 12);
	path = sbx_asprintf("%s/notify/%s", dir, hash);
	free(hash);
	free(dir);
	return path;
}

char *sbx_notify_log_path(void)
{
	char *dir = sbx_state_dir(), *path;

	if (!dir)
		return NULL;
	path = sbx_path_join(dir, "notify.log");
	free(dir);
	return path;
}

int sbx_notify_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sa;
	int fd, err = 0;
	socklen_t len = sizeof(err);

	fd = sbx_unix_stream_for(path, &sa);
	if (fd < 0)
		return -1;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		goto fail;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	/* A unix socket whose backlog is full says EAGAIN on Linux: the server is not keeping up. */
	if (errno != EINPROGRESS)
		goto fail;
	{
		struct pollfd p = { fd, POLLOUT, 0 };
		int n;

		do
			n = poll(&p, 1, timeout_ms);
		while (n < 0 && errno == EINTR);
		if (n == 0)
			errno = ETIMEDOUT;
		if (n <= 0)
			goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		errno = err ? err : errno;
		goto fail;
	}
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

int sbx_notify_write_all(int fd, const char *buf, size_t len, long long deadline_ms)
{
	while (len) {
		ssize_t n;
#ifdef MSG_NOSIGNAL
		n = send(fd, buf, len, MSG_NOSIGNAL);
#else
		n = send(fd, buf, len, 0);
#endif
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { fd, POLLOUT, 0 };
			int r = poll(&p, 1, remaining(deadline_ms));

			if (r == 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			if (r < 0 && errno != EINTR)
				return -1;
			continue;
		}
		return -1;
	}
	return 0;
}

int sbx_notify_read_line(int fd, struct sbx_buf *b, long long deadline_ms)
{
	while (!b->len || !memchr(b->buf, '\n', b->len)) {
		struct pollfd p = { fd, POLLIN, 0 };
		char chunk[4096];
		ssize_t n;
		int r;

		if (sbx_notify_now_ms() >= deadline_ms)
			return sbx_error("no answer from the server");
		r = poll(&p, 1, remaining(deadline_ms));
		if (r < 0 && errno != EINTR)
			return sbx_error_errno("poll failed");
		if (r <= 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return sbx_error("the server closed the connection");
		sbx_buf_add(b, chunk, (size_t)n);
	}
	return 0;
}

/* How long `sbx run` waits for the server to make its session's socket. */
#define REGISTER_TIMEOUT_MS 5000

int sbx_notify_ask(const cJSON *req, cJSON **answer, int timeout_ms)
{
	long long deadline = sbx_notify_now_ms() + timeout_ms;
	struct sbx_buf line = SBX_BUF_INIT, got = SBX_BUF_INIT;
	char *path = sbx_notify_socket_path();
	int fd = -1, ret = -1;

	*answer = NULL;
	sbx_json_print(&line, req, 0);
	sbx_buf_addch(&line, '\n');
	if (!path)
		goto out;
	fd = sbx_notify_connect(path, timeout_ms);
	if (fd < 0) {
		sbx_error_errno("no notification server on '%s'", path);
		goto out;
	}
	if (sbx_notify_write_all(fd, line.buf, line.len, deadline)) {
		sbx_error_errno("cannot write to '%s'", path);
		goto out;
	}
	if (sbx_notify_read_line(fd, &got, deadline))
		goto out;
	*answer = cJSON_ParseWithLength(got.buf, strcspn(got.buf, "\n"));
	if (!*answer)
		sbx_error("the notification server answered '%.80s'", got.buf);
	else
		ret = 0;
out:
	if (fd >= 0)
		close(fd);
	sbx_buf_release(&line);
	sbx_buf_release(&got);
	free(path);
	return ret;
}

static void add_if(cJSON *obj, const char *key, const char *value)
{
	if (value && *value)
		sbx_json_add_string(obj, key, value);
}

int sbx_notify_register(const struct sbx_notify_registration *r)
{
	cJSON *req = sbx_json_new_object(), *reg, *desktop, *doc = NULL;
	const char *error;
	int ret = -1;

	reg = sbx_json_add_item(req, "session", sbx_json_new_object());
	sbx_json_add_string(reg, "name", r->name);
	sbx_json_add_string(reg, "project", r->project);
	sbx_json_add_string(reg, "sandbox", r->sandbox);
	add_if(reg, "agent", r->agent);
	add_if(reg, "repo", r->repo);
	add_if(reg, "branch", r->branch);
	add_if(reg, "backend", r->backend);
	/* The desktop this run was started from: the server may have been started from none. */
	desktop = sbx_json_add_item(reg, "desktop", sbx_json_new_object());
	for (size_t i = 0; sbx_notify_desktop_vars[i]; i++)
		add_if(desktop, sbx_notify_desktop_vars[i], getenv(sbx_notify_desktop_vars[i]));
	sbx_json_add_number(reg, "registered", (double)sbx_agent_now());
	if (sbx_notify_ask(req, &doc, REGISTER_TIMEOUT_MS))
		goto out;
	error = sbx_json_get_string(doc, "error");
	if (error)
		sbx_error("the notification server refused the session: %s", error);
	else if (!sbx_json_get_string(doc, "socket"))
		sbx_error("the notification server gave no socket");
	else
		ret = 0;
out:
	cJSON_Delete(req);
	cJSON_Delete(doc);
	return ret;
}

void sbx_notify_exited(const char *name, int code)
{
	cJSON *req = sbx_json_new_object(), *exit, *doc = NULL;

	exit = sbx_json_add_item(req, "exit", sbx_json_new_object());
	sbx_json_add_string(exit, "name", name);
	sbx_json_add_number(exit, "code", code);
	/* The server sees the session end anyway; only the code would be missing. */
	if (sbx_notify_ask(req, &doc, REGISTER_TIMEOUT_MS))
		sbx_clear_error();
	cJSON_Delete(req);
	cJSON_Delete(doc);
}

static int server_alive(const char *path)
{
	int fd = sbx_notify_connect(path, 200);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Opens (creating) the server's log for appending; the directory is made private. */
static int open_log(void)
{
	char *dir = sbx_state_dir(), *path = NULL;
	int fd = -1;

	if (!dir || sbx_mkdir_private(dir, 0700))
		goto out;
	path = sbx_path_join(dir, "notify.log");
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		sbx_error_errno("cannot open '%s'", path);
out:
	free(dir);
	free(path);
	return fd;
}

/*
 * Starts `sbx notify serve --ready-fd N` with its stdio on the log; it
 * detaches itself (setsid) and writes "ready\n" on N once it listens, or
 * exits, which closes N. Reading N is the whole wait: no sleeping, no retries.
 */
static int start_server(void)
{
	struct sbx_child c = SBX_CHILD_INIT;
	char *exe = sbx_self_exe(), answer[16];
	int p[2] = { -1, -1 }, log = -1, null = -1, ret = -1;
	size_t got = 0;
	int eof = 0;
	long long deadline = sbx_notify_now_ms() + START_TIMEOUT_MS;

	if (!exe)
		return -1;
	log = open_log();
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (log < 0 || null < 0 || pipe(p)) {
		if (log >= 0)
			sbx_error_errno("cannot start the notification server");
		goto out;
	}
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	sbx_strvec_pushv(&c.args, (const char *[]){ exe, "notify", "serve", "--ready-fd", NULL });
	sbx_strvec_pushf(&c.args, "%d", p[1]);
	c.in = null;
	c.out = log;
	c.err = log;
	c.pass_fds[c.nr_pass_fds++] = p[1];
	if (sbx_child_start(&c))
		goto out;
	close(p[1]);
	p[1] = -1;
	while (got < sizeof(answer) - 1) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		ssize_t n;
		int r = poll(&pfd, 1, remaining(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n = read(p[0], answer + got, sizeof(answer) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = 1;
			break;
		}
		got += (size_t)n;
		if (memchr(answer, '\n', got))
			break;
	}
	answer[got] = '\0';
	if (!strcmp(answer, "ready\n")) {
		ret = 0;
	} else {
		char *path = sbx_notify_log_path();

		/* A server that gave up has exited (which closed the pipe): reap it. */
		if (eof)
			waitpid(c.pid, NULL, 0);
		sbx_error("the notification server did not start (see '%s')", path ? path : "notify.log");
		free(path);
	}
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	if (log >= 0)
		close(log);
	if (null >= 0)
		close(null);
	sbx_child_release(&c);
	free(exe);
	return ret;
}

int sbx_notify_ensure_server(void)
{
	char *path = sbx_notify_socket_path(), *dir = NULL, *lock_path = NULL;
	int lock = -1, ret = -1;

	if (!path)
		return -1;
	if (server_alive(path)) {
		free(path);
		return 0;
	}
	dir = sbx_runtime_dir();
	if (!dir || sbx_mkdir_private(dir, 0700))
		goto out;
	/* Two runs starting at once: the second waits for the first's server, then uses it. */
	lock_path = sbx_path_join(dir, "notify-start.lock");
	lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0) {
		sbx_error_errno("cannot open '%s'", lock_path);
		goto out;
	}
	while (flock(lock, LOCK_EX) && errno == EINTR)
		;
	ret = server_alive(path) ? 0 : start_server();
out:
	if (lock >= 0)
		close(lock);
	free(lock_path);
	free(dir);
	free(path);
	return ret;
}

void sbx_notify_session_start(struct sbx_session *s)
{
	if (!sbx_config_bool(s->cfg, "notify.enabled"))
		return;
	if (sbx_notify_ensure_server()) {
		sbx_warn("no notifications for this session: %s", sbx_last_error());
		sbx_clear_error();
		s->notify_off = 1;
	}
}

int sbx_notify_session_env(struct sbx_session *s, const char *name, const char *sandbox,
			   const char *socket)
{
	struct sbx_notify_registration r = { name, s->project.dir, sandbox, s->agent.name,
					     s->project.in_git ? s->project.name : NULL, NULL,
					     s->backend ? s->backend->name : NULL };
	char *branch;
	int failed;

	if (!sbx_config_bool(s->cfg, "notify.enabled") || s->notify_off)
		return 0;
	branch = sbx_project_branch(&s->project);
	r.branch = branch;
	failed = sbx_notify_register(&r);
	free(branch);
	if (failed) {
		sbx_warn("no notifications for this session: %s", sbx_last_error());
		sbx_clear_error();
		s->notify_off = 1;
		return 0;
	}
	free(s->notify_dir);
	s->notify_dir = sbx_notify_session_dir(name);
	if (!s->notify_dir ||
	    sbx_session_setenv_public(s, "SBX_PROJECT", s->project.dir) ||
	    sbx_session_setenv_public(s, "SBX_SANDBOX", sandbox) ||
	    sbx_session_setenv_public(s, "SBX_AGENT", s->agent.name) ||
	    sbx_session_setenv_public(s, "SBX_NOTIFY_SOCKET", socket))
		return -1;
	return 0;
}

void sbx_notify_session_exit(const struct sbx_session *s, const char *name, int code)
{
	if (s->notify_dir && code >= 0)
		sbx_notify_exited(name, code);
}

int sbx_notify_session_command(struct sbx_session *s, const char *name, const char *sandbox,
			       const char *socket)
{
	if (sbx_notify_session_env(s, name, sandbox, socket))
		return -1;
	sbx_session_wrap_public_env(s);
	return 0;
}
