/*
 * `sbx notify serve` (notify.h): one server per user, one poll() loop.
 *
 * It listens on $(sbx_runtime_dir)/notify.sock (the directory 0700, the
 * socket 0600) and accepts a client only when the peer runs as the same
 * user (SO_PEERCRED, getpeereid). A client writes event lines (lines.h
 * splits them); a line longer than SBX_NOTIFY_LINE_MAX is skipped up to its
 * newline, a malformed one is logged and skipped, and neither ends the
 * connection. A client idle for CLIENT_IDLE_MS is closed.
 *
 * Events whose kind is in the user's notify.events go to the delivery
 * queue (notify-queue.h), which shows them, one group per session.
 *
 * Counters, answered to a line {"stats":true} on the same connection, and
 * logged on SIGUSR1. received = filtered + coalesced + delivered + pending:
 *   received   well-formed event lines
 *   filtered   events of a kind not chosen (or notify.enabled false)
 *   coalesced  events replaced before they were shown, or repeats in a burst
 *   delivered  notifications handed to a notifier (or written to a terminal)
 *   failed     deliveries whose notifier failed (also counted as delivered)
 *   malformed, oversized   lines skipped;  rejected   connections refused
 * {"stats":true,"wait":{"received":N,...},"timeout":MS} is answered once every
 * named counter has reached its value and nothing is pending or running, or
 * when MS (default 10000) have passed, with "timeout":true.
 *
 * The lock file notify.pid, holding the pid, is locked while a server
 * lives: a second server refuses to start, and a socket left by a dead one
 * is replaced. SIGHUP rereads the configuration (as does a change of the
 * file, noticed when an event arrives); SIGTERM and SIGINT end the server,
 * as does IDLE_EXIT_MS without a client when its socket is gone or no sbx
 * session lives. The log is $XDG_STATE_HOME/sbx/notify.log.
 */
#include "notify.h"
#include "notify-queue.h"
#include "config.h"
#include "error.h"
#include "json.h"
#include "lines.h"
#include "owner.h"
#include "paths.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define MAX_CLIENTS 256
#define CLIENT_IDLE_MS 30000
#define STATS_WAIT_MS 10000
#define READ_CHUNK (16 * 1024)
#define TRIM_MS 1000
#define IDLE_EXIT_MS (10 * 60 * 1000)

struct client {
	int fd;			/* -1: closed, to be removed */
	struct sbx_lines in;
	struct server *srv;
	long long active;
	cJSON *wait;		/* a stats request waiting for its counters */
	long long wait_until;
};

struct server {
	int listen_fd, lock_fd, log_fd;
	char *socket;
	dev_t sock_dev;
	ino_t sock_ino;
	struct client *clients;
	size_t nr_clients, alloc_clients;
	struct sbx_notify_queue q;
	struct sbx_notify_stats st;
	/* From the user's configuration. */
	char *config_file;
	struct timespec config_mtime;
	long long config_checked;
	long long trimmed;
	long long last_client;
	long long idle_exit;	/* IDLE_EXIT_MS, or $SBX_NOTIFY_IDLE_EXIT_MS for tests */
	struct sbx_strvec events;
	char *sound;
	char *chunk;
};

static int signal_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (write(signal_pipe[1], &c, 1) < 0) {
		/* The pipe is full: enough wake-ups are queued already. */
	}
	errno = saved;
}

static void log_line(struct server *srv, const char *fmt, ...) SBX_PRINTF(2, 3);
static void log_line(struct server *srv, const char *fmt, ...)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	sbx_buf_addf(&b, "%s sbx notify[%ld]: ", stamp, (long)getpid());
	va_start(ap, fmt);
	sbx_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	sbx_buf_addch(&b, '\n');
	if (srv->log_fd >= 0 && write(srv->log_fd, b.buf, b.len) < 0) {
		/* Nowhere left to say it. */
	}
	if (isatty(2) && write(2, b.buf, b.len) < 0) {
		/* Likewise. */
	}
	sbx_buf_release(&b);
}

static void queue_log(void *data, const char *line)
{
	log_line(data, "%s", line);
}

/* Logs the first few of a kind, then every power of two, so a flood cannot fill the disk. */
static int worth_logging(unsigned long long n)
{
	return n <= 10 || !(n & (n - 1));
}

static void stats_json(struct server *srv, cJSON *out)
{
	cJSON *events = sbx_json_new_array();
	sbx_json_add_number(out, "received", (double)srv->st.received);
	sbx_json_add_number(out, "filtered", (double)srv->st.filtered);
	sbx_json_add_number(out, "coalesced", (double)srv->st.coalesced);
	sbx_json_add_number(out, "delivered", (double)srv->st.delivered);
	sbx_json_add_number(out, "failed", (double)srv->st.failed);
	sbx_json_add_number(out, "malformed", (double)srv->st.malformed);
	sbx_json_add_number(out, "oversized", (double)srv->st.oversized);
	sbx_json_add_number(out, "rejected", (double)srv->st.rejected);
	sbx_json_add_number(out, "pending", (double)sbx_notify_queue_pending(&srv->q));
	sbx_json_add_number(out, "running", (double)srv->q.running);
	sbx_json_add_number(out, "clients", (double)srv->nr_clients);
	sbx_json_add_number(out, "groups", (double)srv->q.nr_groups);
	sbx_json_add_string(out, "notifier", sbx_notifier_name(srv->q.notifier));
	sbx_json_add_number(out, "pid", (double)getpid());
	for (size_t i = 0; i < srv->events.nr; i++)
		sbx_json_append(events, sbx_json_new_string(srv->events.v[i]));
	sbx_json_add_item(out, "events", events);
}

/* ------------------------------------------------------------ configuration */

static char *user_config_file(void)
{
	char *dir = sbx_config_dir(), *path;

	if (!dir)
		return NULL;
	path = sbx_path_join(dir, "config.json");
	free(dir);
	return path;
}

static struct timespec file_mtime(const char *path)
{
	struct stat st;
	struct timespec none = { 0, 0 };

	if (!path || stat(path, &st))
		return none;
#ifdef __APPLE__
	return st.st_mtimespec;
#else
	return st.st_mtim;
#endif
}

/* The user's layer and SBX_* variables, never a project's: one server serves every project. */
static void load_config(struct server *srv)
{
	struct sbx_config *cfg = sbx_config_load(NULL);
	const char *sound;

	srv->config_mtime = file_mtime(srv->config_file);
	if (!cfg) {
		log_line(srv, "keeping the previous configuration: %s", sbx_last_error());
		sbx_clear_error();
		if (srv->events.nr || srv->sound)
			return;
		cfg = sbx_config_new();
	}
	sbx_strvec_clear(&srv->events);
	sbx_hook_events(cfg, &srv->events);
	sound = sbx_config_string(cfg, "notify.sound");
	free(srv->sound);
	srv->sound = sound && *sound ? sbx_strdup(sound) : NULL;
	sbx_config_free(cfg);
}

/* Rereads the configuration when its file changed; looks at most once a second. */
static void check_config(struct server *srv)
{
	long long now = sbx_notify_now_ms();
	struct timespec m;

	if (now - srv->config_checked < 1000)
		return;
	srv->config_checked = now;
	m = file_mtime(srv->config_file);
	if (m.tv_sec != srv->config_mtime.tv_sec || m.tv_nsec != srv->config_mtime.tv_nsec) {
		log_line(srv, "configuration changed: reading it again");
		load_config(srv);
	}
}

static int chosen(const struct server *srv, const char *kind)
{
	for (size_t i = 0; i < srv->events.nr; i++)
		if (!strcmp(srv->events.v[i], kind))
			return 1;
	return 0;
}

static void accept_event(struct server *srv, struct sbx_notify_event *ev)
{
	srv->st.received++;
	check_config(srv);
	if (chosen(srv, ev->kind))
		sbx_notify_queue_add(&srv->q, ev, srv->sound);
	else
		srv->st.filtered++;
}

/* ---------------------------------------------------------------- clients */

static void reply_stats(struct server *srv, struct client *c, int timed_out)
{
	cJSON *out = sbx_json_new_object();
	struct sbx_buf b = SBX_BUF_INIT;

	stats_json(srv, out);
	if (timed_out)
		sbx_json_add_bool(out, "timeout", 1);
	sbx_json_print(&b, out, 0);
	sbx_buf_addch(&b, '\n');
	/* A client that does not read its answer loses it, and stalls nothing. */
	if (sbx_notify_write_all(c->fd, b.buf, b.len, sbx_notify_now_ms() + 100))
		log_line(srv, "cannot answer a stats request: %s", strerror(errno));
	sbx_buf_release(&b);
	cJSON_Delete(out);
}

static unsigned long long counter(const struct server *srv, const char *name)
{
	static const struct { const char *name; size_t off; } counters[] = {
		{ "received", offsetof(struct sbx_notify_stats, received) },
		{ "filtered", offsetof(struct sbx_notify_stats, filtered) },
		{ "coalesced", offsetof(struct sbx_notify_stats, coalesced) },
		{ "delivered", offsetof(struct sbx_notify_stats, delivered) },
		{ "failed", offsetof(struct sbx_notify_stats, failed) },
		{ "malformed", offsetof(struct sbx_notify_stats, malformed) },
		{ "oversized", offsetof(struct sbx_notify_stats, oversized) },
		{ "rejected", offsetof(struct sbx_notify_stats, rejected) },
	};

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (!strcmp(name, counters[i].name))
			return *(const unsigned long long *)(const void *)
				((const char *)&srv->st + counters[i].off);
	return 0;
}

/* Answers a waiting stats request whose counters are reached, or whose time is up. */
static void check_wait(struct server *srv, struct client *c, long long now)
{
	const cJSON *want;
	int met;

	if (!c->wait || c->fd < 0)
		return;
	met = sbx_notify_queue_idle(&srv->q);
	want = cJSON_GetObjectItemCaseSensitive(c->wait, "wait");
	for (const cJSON *w = want ? want->child : NULL; met && w; w = w->next)
		if (cJSON_IsNumber(w) && (double)counter(srv, w->string) < w->valuedouble)
			met = 0;
	if (!met && now < c->wait_until)
		return;
	reply_stats(srv, c, !met);
	cJSON_Delete(c->wait);
	c->wait = NULL;
}

static void handle_request(struct server *srv, struct client *c, cJSON *req)
{
	double timeout = sbx_json_get_number(req, "timeout", STATS_WAIT_MS);

	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(req, "wait"))) {
		reply_stats(srv, c, 0);
		cJSON_Delete(req);
		return;
	}
	cJSON_Delete(c->wait);
	c->wait = req;
	c->wait_until = sbx_notify_now_ms() + (long long)(timeout < 0 ? 0 : timeout > 600000 ? 600000 : timeout);
	check_wait(srv, c, sbx_notify_now_ms());
}

static void handle_line(struct server *srv, struct client *c, const char *line, size_t len)
{
	struct sbx_notify_event ev;
	cJSON *req;
	int ret;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (!len)
		return;
	ret = sbx_notify_parse_line(line, len, &ev, &req);
	if (ret < 0) {
		srv->st.malformed++;
		if (worth_logging(srv->st.malformed)) {
			struct sbx_buf start = SBX_BUF_INIT;
			char *head = sbx_strndup(line, len < 80 ? len : 80);

			sbx_notify_clean_text(&start, head, 80);
			log_line(srv, "skipped a malformed line (%s; %llu so far): %s",
				 sbx_last_error(), srv->st.malformed, start.buf);
			sbx_buf_release(&start);
			free(head);
		}
		sbx_clear_error();
		return;
	}
	if (ret == 1) {
		handle_request(srv, c, req);
		return;
	}
	accept_event(srv, &ev);
	sbx_notify_event_release(&ev);
}

static void client_line(void *data, const char *line, size_t len)
{
	struct client *c = data;

	handle_line(c->srv, c, line, len);
}

static void client_oversized(void *data)
{
	struct server *srv = ((struct client *)data)->srv;

	srv->st.oversized++;
	if (worth_logging(srv->st.oversized))
		log_line(srv, "skipped a line longer than %d bytes (%llu so far)",
			 SBX_NOTIFY_LINE_MAX, srv->st.oversized);
}

static const struct sbx_lines_ops client_ops = { client_line, client_oversized };

static void close_client(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	sbx_lines_release(&c->in);
	cJSON_Delete(c->wait);
	c->wait = NULL;
}

static void read_client(struct server *srv, struct client *c)
{
	ssize_t n = read(c->fd, srv->chunk, READ_CHUNK);

	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n > 0) {
		c->active = sbx_notify_now_ms();
		sbx_lines_feed(&c->in, srv->chunk, (size_t)n, &client_ops, c);
		return;
	}
	sbx_lines_end(&c->in, &client_ops, c);
	close_client(c);
}

static int peer_uid(int fd, uid_t *uid)
{
#if defined(SO_PEERCRED) && !defined(__APPLE__)
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return -1;
	*uid = cred.uid;
	return 0;
#else
	gid_t gid;

	return getpeereid(fd, uid, &gid);
#endif
}

static void accept_clients(struct server *srv)
{
	for (;;) {
		int fd = accept(srv->listen_fd, NULL, NULL);
		uid_t uid = (uid_t)-1;
		struct client *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_line(srv, "cannot accept: %s", strerror(errno));
			return;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFL, O_NONBLOCK);
#ifdef SO_NOSIGPIPE
		setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &(int){ 1 }, sizeof(int));
#endif
		if (peer_uid(fd, &uid) || uid != getuid()) {
			srv->st.rejected++;
			if (worth_logging(srv->st.rejected))
				log_line(srv, "refused a client of uid %ld (%llu so far)", (long)uid,
					 srv->st.rejected);
			close(fd);
			continue;
		}
		if (srv->nr_clients >= MAX_CLIENTS) {
			srv->st.rejected++;
			if (worth_logging(srv->st.rejected))
				log_line(srv, "refused a client: %d are connected", MAX_CLIENTS);
			close(fd);
			continue;
		}
		srv->last_client = sbx_notify_now_ms();
		SBX_ALLOC_GROW(srv->clients, srv->nr_clients + 1, srv->alloc_clients);
		c = &srv->clients[srv->nr_clients++];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->active = sbx_notify_now_ms();
		c->srv = srv;
		sbx_lines_init(&c->in, SBX_NOTIFY_LINE_MAX);
	}
}

/* Removes closed clients, keeping the order of the others. */
static void compact_clients(struct server *srv)
{
	size_t j = 0;

	for (size_t i = 0; i < srv->nr_clients; i++)
		if (srv->clients[i].fd >= 0)
			srv->clients[j++] = srv->clients[i];
	srv->nr_clients = j;
}

/* --------------------------------------------------------- socket and lock */

/* Takes the lock that says a server lives here, and writes our pid into it. */
static int take_lock(struct server *srv, const char *dir)
{
	char *path = sbx_path_join(dir, "notify.pid"), pid[32];
	int n;

	srv->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (srv->lock_fd < 0) {
		sbx_error_errno("cannot open '%s'", path);
		free(path);
		return -1;
	}
	free(path);
	if (flock(srv->lock_fd, LOCK_EX | LOCK_NB)) {
		ssize_t got = pread(srv->lock_fd, pid, sizeof(pid) - 1, 0);

		pid[got > 0 ? got : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		return sbx_error("a notification server is already running (pid %s) on '%s'",
				 *pid ? pid : "unknown", srv->socket);
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(srv->lock_fd, 0) || pwrite(srv->lock_fd, pid, (size_t)n, 0) != n)
		return sbx_error_errno("cannot write the server's pid");
	return 0;
}

static int listen_on(struct server *srv)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(srv->socket) >= sizeof(sa.sun_path))
		return sbx_error("the socket path '%s' is too long for a unix socket", srv->socket);
	memcpy(sa.sun_path, srv->socket, strlen(srv->socket) + 1);
	if (!lstat(srv->socket, &st)) {
		int live;

		if (!S_ISSOCK(st.st_mode))
			return sbx_error("'%s' exists and is not a socket: remove it", srv->socket);
		/* We hold the lock, so no server of ours lives; refuse anything that answers all the same. */
		fd = sbx_notify_connect(srv->socket, 100);
		live = fd >= 0;
		if (live)
			close(fd);
		if (live)
			return sbx_error("something listens on '%s' already", srv->socket);
		if (unlink(srv->socket) && errno != ENOENT)
			return sbx_error_errno("cannot remove the stale socket '%s'", srv->socket);
		log_line(srv, "replaced a stale socket");
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sbx_error_errno("cannot create a socket");
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		umask(old);
		close(fd);
		return sbx_error_errno("cannot bind '%s'", srv->socket);
	}
	umask(old);
	if (chmod(srv->socket, 0600) || lstat(srv->socket, &st) || listen(fd, SOMAXCONN) ||
	    fcntl(fd, F_SETFL, O_NONBLOCK)) {
		sbx_error_errno("cannot listen on '%s'", srv->socket);
		close(fd);
		unlink(srv->socket);
		return -1;
	}
	srv->sock_dev = st.st_dev;
	srv->sock_ino = st.st_ino;
	srv->listen_fd = fd;
	return 0;
}

static int socket_ours(const struct server *srv)
{
	struct stat st;

	return !lstat(srv->socket, &st) && st.st_dev == srv->sock_dev && st.st_ino == srv->sock_ino;
}

/* Does any sbx run or shell still live (and so may send events)? */
static int sessions_alive(void)
{
	cJSON *records;
	int alive = 0;

	if (sbx_owner_list(&records)) {
		sbx_clear_error();
		cJSON_Delete(records);
		return 1;
	}
	for (const cJSON *r = records->child; r && !alive; r = r->next) {
		const char *kind = sbx_json_get_string(r, "kind");

		alive = kind && strcmp(kind, "template") && sbx_owner_alive(r);
	}
	cJSON_Delete(records);
	return alive;
}

/*
 * After idle_exit ms without a client: a server whose socket is gone (its
 * directory removed, another server's in its place) can never be reached,
 * and one that no session needs ends too; the next `sbx run` starts it.
 */
static int still_wanted(struct server *srv, long long now)
{
	if (srv->nr_clients || srv->q.running || now - srv->last_client < srv->idle_exit)
		return 1;
	if (!socket_ours(srv)) {
		log_line(srv, "the socket is gone: stopping");
		return 0;
	}
	if (!sessions_alive()) {
		log_line(srv, "no client for %lld s and no session: stopping", srv->idle_exit / 1000);
		return 0;
	}
	srv->last_client = now;
	return 1;
}

/* Removes the socket, unless another server has put its own there since. */
static void unlink_ours(struct server *srv)
{
	if (srv->listen_fd >= 0 && socket_ours(srv))
		unlink(srv->socket);
}

static int install_signals(void)
{
	static const int caught[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct sigaction sa;

	if (pipe(signal_pipe))
		return sbx_error_errno("cannot create a pipe");
	for (int i = 0; i < 2; i++) {
		fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
		fcntl(signal_pipe[i], F_SETFL, O_NONBLOCK);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaction(caught[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

static void restore_signals(void)
{
	static const int caught[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGPIPE };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaction(caught[i], &sa, NULL);
	for (int i = 0; i < 2; i++) {
		if (signal_pipe[i] >= 0)
			close(signal_pipe[i]);
		signal_pipe[i] = -1;
	}
}

/* ------------------------------------------------------------------ the loop */

/* Returns 1 when the server is to end. */
static int handle_signals(struct server *srv)
{
	unsigned char sigs[64];
	ssize_t n;
	int stop = 0, chld = 0;

	while ((n = read(signal_pipe[0], sigs, sizeof(sigs))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (sigs[i] == SIGCHLD) {
				chld = 1;
			} else if (sigs[i] == SIGTERM || sigs[i] == SIGINT) {
				stop = 1;
			} else if (sigs[i] == SIGHUP) {
				log_line(srv, "SIGHUP: reading the configuration again");
				load_config(srv);
			} else if (sigs[i] == SIGUSR1) {
				cJSON *st = sbx_json_new_object();
				struct sbx_buf b = SBX_BUF_INIT;

				stats_json(srv, st);
				sbx_json_print(&b, st, 0);
				log_line(srv, "stats %s", b.buf);
				sbx_buf_release(&b);
				cJSON_Delete(st);
			}
		}
	}
	if (chld)
		sbx_notify_queue_reap(&srv->q, srv->sound);
	return stop;
}

/* The poll timeout: the nearest of the idle clients', waits' and notifiers' deadlines. */
static int next_timeout(const struct server *srv, long long now)
{
	long long next = -1, deadline;

	for (size_t i = 0; i < srv->nr_clients; i++) {
		const struct client *c = &srv->clients[i];
		long long t = c->wait ? c->wait_until : c->active + CLIENT_IDLE_MS;

		if (next < 0 || t < next)
			next = t;
	}
	deadline = sbx_notify_queue_deadline(&srv->q);
	if (deadline >= 0 && (next < 0 || deadline < next))
		next = deadline;
	/* Idle: when to see whether the server is still wanted. */
	if (!srv->nr_clients && !srv->q.running &&
	    (next < 0 || srv->last_client + srv->idle_exit < next))
		next = srv->last_client + srv->idle_exit;
	return next <= now ? 0 : next - now > 600000 ? 600000 : (int)(next - now);
}

static void handle_timeouts(struct server *srv, long long now)
{
	for (size_t i = 0; i < srv->nr_clients; i++) {
		struct client *c = &srv->clients[i];

		if (c->wait)
			check_wait(srv, c, now);
		else if (c->fd >= 0 && now - c->active >= CLIENT_IDLE_MS)
			close_client(c);
	}
	sbx_notify_queue_timeouts(&srv->q, now);
}

static int serve_loop(struct server *srv)
{
	struct pollfd *fds = NULL;
	size_t alloc = 0;

	for (;;) {
		size_t n = 0, first_client;
		long long now;
		int r;

		SBX_ALLOC_GROW(fds, 2 + srv->nr_clients, alloc);
		fds[n++] = (struct pollfd){ signal_pipe[0], POLLIN, 0 };
		fds[n++] = (struct pollfd){ srv->listen_fd, POLLIN, 0 };
		first_client = n;
		for (size_t i = 0; i < srv->nr_clients; i++)
			fds[n++] = (struct pollfd){ srv->clients[i].fd, POLLIN, 0 };
		r = poll(fds, (nfds_t)n, next_timeout(srv, sbx_notify_now_ms()));
		if (r < 0 && errno != EINTR) {
			free(fds);
			return sbx_error_errno("poll failed");
		}
		if (r > 0 && fds[0].revents && handle_signals(srv))
			break;
		for (size_t i = 0; r > 0 && i < n - first_client; i++)
			if (fds[first_client + i].revents && srv->clients[i].fd >= 0)
				read_client(srv, &srv->clients[i]);
		if (r > 0 && fds[1].revents)
			accept_clients(srv);
		now = sbx_notify_now_ms();
		handle_timeouts(srv, now);
		for (size_t i = 0; i < srv->nr_clients; i++)
			check_wait(srv, &srv->clients[i], now);
		compact_clients(srv);
		if (!still_wanted(srv, now))
			break;
#ifdef __GLIBC__
		/* After a burst, the lines' memory goes back (at most once a second). */
		if (!srv->nr_clients && !srv->q.running && now - srv->trimmed >= TRIM_MS) {
			malloc_trim(0);
			srv->trimmed = now;
		}
#endif
	}
	free(fds);
	return 0;
}

static void server_release(struct server *srv)
{
	for (size_t i = 0; i < srv->nr_clients; i++)
		close_client(&srv->clients[i]);
	free(srv->clients);
	sbx_notify_queue_release(&srv->q);
	unlink_ours(srv);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	if (srv->lock_fd >= 0)
		close(srv->lock_fd);
	if (srv->log_fd >= 0)
		close(srv->log_fd);
	free(srv->socket);
	free(srv->config_file);
	free(srv->sound);
	free(srv->chunk);
	sbx_strvec_clear(&srv->events);
	restore_signals();
}

static int open_server_log(struct server *srv)
{
	char *path = sbx_notify_log_path(), *dir;
	int ret = -1;

	if (!path)
		return -1;
	dir = sbx_strndup(path, (size_t)(strrchr(path, '/') - path));
	if (!sbx_mkdir_private(dir, 0700)) {
		srv->log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		ret = srv->log_fd < 0 ? sbx_error_errno("cannot open '%s'", path) : 0;
	}
	free(dir);
	free(path);
	return ret;
}

int sbx_notify_serve(const struct sbx_notify_serve_opts *o)
{
	struct server srv;
	char *dir = NULL;
	int ret = -1;

	memset(&srv, 0, sizeof(srv));
	srv.listen_fd = srv.lock_fd = srv.log_fd = -1;
	srv.q.null_fd = -1;
	sbx_strvec_init(&srv.events);
	/* Detached: no terminal's signals, and no directory kept busy. */
	if (o->ready_fd >= 0)
		setsid();
	if (chdir("/")) {
		/* The root is always there. */
	}
	srv.socket = o->socket ? sbx_strdup(o->socket) : sbx_notify_socket_path();
	if (!srv.socket || open_server_log(&srv) || install_signals())
		goto out;
	dir = sbx_strndup(srv.socket, (size_t)(strrchr(srv.socket, '/') - srv.socket));
	srv.chunk = sbx_malloc(READ_CHUNK);
	srv.config_file = user_config_file();
	load_config(&srv);
	if (sbx_notify_queue_init(&srv.q, sbx_notifier_detect(), &srv.st, queue_log, &srv) ||
	    sbx_mkdir_private(dir, 0700) || take_lock(&srv, dir) || listen_on(&srv))
		goto out;
	srv.last_client = sbx_notify_now_ms();
	srv.idle_exit = getenv("SBX_NOTIFY_IDLE_EXIT_MS") ? atoll(getenv("SBX_NOTIFY_IDLE_EXIT_MS")) : 0;
	if (srv.idle_exit <= 0)
		srv.idle_exit = IDLE_EXIT_MS;
	log_line(&srv, "listening on %s (notifier: %s)", srv.socket,
		 sbx_notifier_name(srv.q.notifier));
	if (o->ready_fd >= 0) {
		if (write(o->ready_fd, "ready\n", 6) != 6) {
			/* The starter gave up waiting: serve all the same. */
		}
		close(o->ready_fd);
	}
	ret = serve_loop(&srv);
	log_line(&srv, "stopping");
out:
	if (ret)
		log_line(&srv, "%s", sbx_last_error());
	server_release(&srv);
	free(dir);
	return ret;
}
