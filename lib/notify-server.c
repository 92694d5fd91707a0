/*
 * `sbx notify serve` (notify.h): one server per user, one poll() loop.
 *
 * It listens on the user's socket, $(sbx_runtime_dir)/notify.sock (the
 * directory 0700, the socket 0600), which no sandbox reaches, and on one
 * socket per session, made when the host's `sbx run` registers the session
 * on the user's socket and removed when the session ends (notify-listen.h).
 * It accepts a client only when the peer runs as the same user
 * (SO_PEERCRED, getpeereid). A client writes event lines (lines.h splits
 * them); a line longer than SBX_NOTIFY_LINE_MAX is skipped up to its
 * newline, a malformed one is logged and skipped, and neither ends the
 * connection. Clients, their limits and the sessions' sockets are
 * notify-clients.c's.
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
 *   dropped    idle connections closed to make room for new ones
 *   opened, closed   sessions' sockets made and removed
 * {"stats":true,"wait":{"received":N,...},"timeout":MS} is answered once every
 * named counter has reached its value and nothing is pending or running, or
 * when MS (default 10000) have passed, with "timeout":true.
 *
 * The lock file notify.pid, holding the pid, is locked while a server
 * lives: a second server refuses to start, and a socket left by a dead one
 * is replaced; the sessions a dead one served get their sockets again. SIGHUP
 * rereads the configuration (as does a change of the file, noticed when an
 * event arrives); SIGTERM and SIGINT end the server, as does IDLE_EXIT_MS
 * without a client when its socket is gone or no sbx session lives. The log
 * is $XDG_STATE_HOME/sbx/notify.log.
 */
#include "notify-server.h"
#include "config.h"
#include "error.h"
#include "json.h"
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define TRIM_MS 1000
#define IDLE_EXIT_MS (10 * 60 * 1000)

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

void sbx_notify_log(struct sbx_notify_server *srv, const char *fmt, ...)
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
	sbx_notify_log(data, "%s", line);
}

/* So that a flood cannot fill the disk. */
int sbx_notify_worth_logging(unsigned long long n)
{
	return n <= 10 || !(n & (n - 1));
}

void sbx_notify_server_stats(struct sbx_notify_server *srv, cJSON *out, int host)
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
	sbx_json_add_number(out, "dropped", (double)srv->st.dropped);
	sbx_json_add_number(out, "opened", (double)srv->st.opened);
	sbx_json_add_number(out, "closed", (double)srv->st.closed);
	sbx_json_add_number(out, "changes", (double)srv->st.changes);
	sbx_json_add_number(out, "pending", (double)sbx_notify_queue_pending(&srv->q));
	sbx_json_add_number(out, "running", (double)srv->q.running);
	sbx_json_add_number(out, "clients", (double)srv->open_clients);
	sbx_json_add_number(out, "sessions",
			    (double)(srv->nr_listeners ? srv->nr_listeners - 1 : 0));
	sbx_json_add_number(out, "groups", (double)srv->q.nr_groups);
	sbx_json_add_string(out, "notifier", sbx_notifier_name(srv->q.notifier));
	sbx_json_add_number(out, "pid", (double)getpid());
	for (size_t i = 0; i < srv->events.nr; i++)
		sbx_json_append(events, sbx_json_new_string(srv->events.v[i]));
	sbx_json_add_item(out, "events", events);
	if (host) {
		/* The host's own business: which desktop, and what failed (sbx doctor). */
		cJSON *desktop = sbx_json_add_item(out, "desktop", sbx_json_new_array());

		for (size_t i = 0; i < srv->desktop.nr; i++) {
			const char *eq = strchr(srv->desktop.v[i], '=');

			if (eq) {
				char *name = sbx_strndup(srv->desktop.v[i],
							 (size_t)(eq - srv->desktop.v[i]));

				sbx_json_append(desktop, sbx_json_new_string(name));
				free(name);
			}
		}
		sbx_json_add_number(out, "watchers", (double)srv->watchers);
		sbx_json_add_number(out, "delivered_at", (double)srv->q.ok_at);
		sbx_json_add_number(out, "failed_at", (double)srv->q.failed_at);
		if (srv->q.failure)
			sbx_json_add_string(out, "failure", srv->q.failure);
	}
}

/* The desktop variables of this environment, each set or unset (notify-listen.h). */
static void own_desktop(struct sbx_notify_server *srv)
{
	int any = 0;

	for (size_t i = 0; sbx_notify_desktop_vars[i]; i++)
		any |= getenv(sbx_notify_desktop_vars[i]) && *getenv(sbx_notify_desktop_vars[i]);
	if (!any)
		return;
	for (size_t i = 0; sbx_notify_desktop_vars[i]; i++) {
		const char *v = getenv(sbx_notify_desktop_vars[i]);

		if (v && *v)
			sbx_strvec_pushf(&srv->desktop, "%s=%s", sbx_notify_desktop_vars[i], v);
		else
			sbx_strvec_push(&srv->desktop, sbx_notify_desktop_vars[i]);
	}
	srv->desktop_at = sbx_agent_now();
}

void sbx_notify_take_desktop(struct sbx_notify_server *srv, const struct sbx_notify_listener *l)
{
	/* A run without any (ssh, an old tmux) leaves the desktop the others found. */
	if (!l->desktop.nr || (srv->desktop.nr && l->registered < srv->desktop_at))
		return;
	sbx_strvec_clear(&srv->desktop);
	sbx_strvec_pushv(&srv->desktop, (const char *const *)l->desktop.v);
	srv->desktop_at = l->registered;
	sbx_notify_log(srv, "notifiers use the desktop of session %s", l->name);
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
static void load_config(struct sbx_notify_server *srv)
{
	struct sbx_config *cfg = sbx_config_load(NULL);
	const char *sound;

	srv->config_mtime = file_mtime(srv->config_file);
	if (!cfg) {
		sbx_notify_log(srv, "keeping the previous configuration: %s", sbx_last_error());
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
static void check_config(struct sbx_notify_server *srv)
{
	long long now = sbx_notify_now_ms();
	struct timespec m;

	if (now - srv->config_checked < 1000)
		return;
	srv->config_checked = now;
	m = file_mtime(srv->config_file);
	if (m.tv_sec != srv->config_mtime.tv_sec || m.tv_nsec != srv->config_mtime.tv_nsec) {
		sbx_notify_log(srv, "configuration changed: reading it again");
		load_config(srv);
	}
}

static int chosen(const struct sbx_notify_server *srv, const char *kind)
{
	for (size_t i = 0; i < srv->events.nr; i++)
		if (!strcmp(srv->events.v[i], kind))
			return 1;
	return 0;
}

void sbx_notify_server_event(struct sbx_notify_server *srv, const struct sbx_notify_listener *l,
			     struct sbx_notify_event *ev)
{
	srv->st.received++;
	sbx_notify_agent_event(srv, l, ev);
	check_config(srv);
	if (chosen(srv, ev->kind))
		sbx_notify_queue_add(&srv->q, ev, srv->sound);
	else
		srv->st.filtered++;
}

/* --------------------------------------------------------- socket and lock */

/* Takes the lock that says a server lives here, and writes our pid into it. */
static int take_lock(struct sbx_notify_server *srv, const char *dir)
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
static int still_wanted(struct sbx_notify_server *srv, long long now)
{
	if (srv->open_clients || srv->q.running || now - srv->last_client < srv->idle_exit)
		return 1;
	if (!sbx_notify_listener_ours(srv->listeners[0])) {
		sbx_notify_log(srv, "the socket is gone: stopping");
		return 0;
	}
	if (!sessions_alive()) {
		sbx_notify_log(srv, "no client for %lld s and no session: stopping",
			       srv->idle_exit / 1000);
		return 0;
	}
	srv->last_client = now;
	return 1;
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
static int handle_signals(struct sbx_notify_server *srv)
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
				sbx_notify_log(srv, "SIGHUP: reading the configuration again");
				load_config(srv);
			} else if (sigs[i] == SIGUSR1) {
				cJSON *st = sbx_json_new_object();
				struct sbx_buf b = SBX_BUF_INIT;

				sbx_notify_server_stats(srv, st, 1);
				sbx_json_print(&b, st, 0);
				sbx_notify_log(srv, "stats %s", b.buf);
				sbx_buf_release(&b);
				cJSON_Delete(st);
			}
		}
	}
	if (chld)
		sbx_notify_queue_reap(&srv->q, srv->sound);
	return stop;
}

/* The poll timeout: the nearest of the idle clients', waits', notifiers' and owners' deadlines; -1: none. */
static int next_timeout(const struct sbx_notify_server *srv, long long now, long long next)
{
	long long deadline = sbx_notify_client_deadline(srv);

	if (deadline >= 0 && (next < 0 || deadline < next))
		next = deadline;
	deadline = sbx_notify_queue_deadline(&srv->q);
	if (deadline >= 0 && (next < 0 || deadline < next))
		next = deadline;
	for (size_t i = 1; i < srv->nr_listeners; i++) {
		deadline = srv->owners_checked + SBX_NOTIFY_OWNER_CHECK_MS;
		if (srv->listeners[i]->pidfd < 0 && (next < 0 || deadline < next))
			next = deadline;
	}
	/* Idle: when to see whether the server is still wanted. */
	if (!srv->open_clients && !srv->q.running &&
	    (next < 0 || srv->last_client + srv->idle_exit < next))
		next = srv->last_client + srv->idle_exit;
	/* Nothing due (a watcher alone is connected): wait for the next event, never spin. */
	if (next < 0)
		return -1;
	return next <= now ? 0 : next - now > 600000 ? 600000 : (int)(next - now);
}

/* The process that owned l's session ended: the session with it, or another owns it now. */
static void owner_event(struct sbx_notify_server *srv, struct sbx_notify_listener *l)
{
	pid_t was = l->owner;

	if (sbx_notify_listener_ended(l))
		sbx_notify_end_session(srv, l);
	else if (l->owner != was)
		sbx_notify_log(srv, "session %s: now owned by pid %ld (pid %ld ended)", l->name,
			       (long)l->owner, (long)was);
}

/* What each pollfd of the loop is: the signal pipe, a socket, an owner's pidfd, a client. */
struct slot {
	enum { SLOT_SIGNALS, SLOT_LISTEN, SLOT_OWNER, SLOT_CLIENT } kind;
	struct sbx_notify_listener *l;
	size_t client;
};

static int serve_loop(struct sbx_notify_server *srv)
{
	struct pollfd *fds = NULL;
	struct slot *slots = NULL;
	size_t alloc = 0, alloc_slots = 0;

	for (;;) {
		size_t n = 0, want = 1 + 2 * srv->nr_listeners + srv->nr_clients;
		long long now = sbx_notify_now_ms(), unblock = -1;
		int r;

		SBX_ALLOC_GROW(fds, want, alloc);
		SBX_ALLOC_GROW(slots, want, alloc_slots);
		slots[n] = (struct slot){ SLOT_SIGNALS, NULL, 0 };
		fds[n++] = (struct pollfd){ signal_pipe[0], POLLIN, 0 };
		for (size_t i = 0; i < srv->nr_listeners; i++) {
			struct sbx_notify_listener *l = srv->listeners[i];
			struct sbx_notify_client *victim;
			long long when;

			/* A socket without room is not asked: they wait in its backlog. */
			if (sbx_notify_room_for(srv, l, now, &victim, &when)) {
				slots[n] = (struct slot){ SLOT_LISTEN, l, 0 };
				fds[n++] = (struct pollfd){ l->fd, POLLIN, 0 };
			} else if (when >= 0 && (unblock < 0 || when < unblock)) {
				unblock = when;
			}
			if (l->pidfd >= 0) {
				slots[n] = (struct slot){ SLOT_OWNER, l, 0 };
				fds[n++] = (struct pollfd){ l->pidfd, POLLIN, 0 };
			}
		}
		for (size_t i = 0; i < srv->nr_clients; i++) {
			short want_out = srv->clients[i].out.len ? POLLOUT : 0;

			slots[n] = (struct slot){ SLOT_CLIENT, NULL, i };
			fds[n++] = (struct pollfd){ srv->clients[i].fd, (short)(POLLIN | want_out), 0 };
		}
		r = poll(fds, (nfds_t)n, next_timeout(srv, now, unblock));
		if (r < 0 && errno != EINTR) {
			free(fds);
			free(slots);
			return sbx_error_errno("poll failed");
		}
		if (r > 0 && fds[0].revents && handle_signals(srv))
			break;
		/* Clients first, then new ones, then ended sessions (which read what is left). */
		for (size_t i = 1; r > 0 && i < n; i++) {
			struct sbx_notify_client *c;

			if (slots[i].kind != SLOT_CLIENT || !fds[i].revents)
				continue;
			c = &srv->clients[slots[i].client];
			if (c->fd < 0)
				continue;
			if ((fds[i].revents & POLLOUT) && sbx_notify_client_flush(srv, c))
				continue;
			if (fds[i].revents & ~POLLOUT)
				sbx_notify_client_read(srv, c);
		}
		for (size_t i = 1; r > 0 && i < n; i++)
			if (slots[i].kind == SLOT_LISTEN && fds[i].revents)
				sbx_notify_accept(srv, slots[i].l);
		for (size_t i = 1; r > 0 && i < n; i++)
			if (slots[i].kind == SLOT_OWNER && fds[i].revents)
				owner_event(srv, slots[i].l);
		now = sbx_notify_now_ms();
		sbx_notify_check_owners(srv, now);
		sbx_notify_client_timeouts(srv, now);
		for (size_t i = 0; i < srv->nr_clients; i++)
			sbx_notify_check_wait(srv, &srv->clients[i], now);
		sbx_notify_compact_clients(srv);
		if (!still_wanted(srv, now))
			break;
#ifdef __GLIBC__
		/* After a burst, the lines' memory goes back (at most once a second). */
		if (!srv->open_clients && !srv->q.running && now - srv->trimmed >= TRIM_MS) {
			malloc_trim(0);
			srv->trimmed = now;
		}
#endif
	}
	free(fds);
	free(slots);
	return 0;
}

static void server_release(struct sbx_notify_server *srv)
{
	for (size_t i = 0; i < srv->nr_clients; i++)
		sbx_notify_client_close(&srv->clients[i]);
	free(srv->clients);
	/* Removing the listeners below looks for their clients: there are none now. */
	srv->clients = NULL;
	srv->nr_clients = srv->alloc_clients = 0;
	sbx_notify_queue_release(&srv->q);
	sbx_notify_agents_release(srv);
	sbx_strvec_clear(&srv->desktop);
	/* Sessions keep their directories and registrations, for the next server. */
	while (srv->nr_listeners)
		sbx_notify_remove_listener(srv, srv->listeners[srv->nr_listeners - 1], 0);
	free(srv->listeners);
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

static int open_server_log(struct sbx_notify_server *srv)
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
	struct sbx_notify_server srv;
	char *dir = NULL;
	int ret = -1, replaced = 0;

	memset(&srv, 0, sizeof(srv));
	srv.lock_fd = srv.log_fd = -1;
	srv.q.null_fd = -1;
	sbx_strvec_init(&srv.events);
	sbx_strvec_init(&srv.desktop);
	own_desktop(&srv);
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
	srv.chunk = sbx_malloc(SBX_NOTIFY_READ_CHUNK);
	srv.config_file = user_config_file();
	load_config(&srv);
	if (sbx_notify_queue_init(&srv.q, sbx_notifier_detect(), &srv.st, queue_log, &srv) ||
	    sbx_mkdir_private(dir, 0700) || take_lock(&srv, dir))
		goto out;
	srv.q.env = &srv.desktop;
	sbx_notify_add_listener(&srv, sbx_notify_new_listener());
	if (sbx_notify_listen_user(srv.listeners[0], srv.socket, &replaced)) {
		free(srv.listeners[0]);
		srv.nr_listeners = 0;
		goto out;
	}
	if (replaced)
		sbx_notify_log(&srv, "replaced a stale socket");
	sbx_notify_restore_sessions(&srv);
	sbx_notify_agents_load(&srv);
	srv.last_client = srv.owners_checked = sbx_notify_now_ms();
	srv.idle_exit = getenv("SBX_NOTIFY_IDLE_EXIT_MS") ? atoll(getenv("SBX_NOTIFY_IDLE_EXIT_MS")) : 0;
	if (srv.idle_exit <= 0)
		srv.idle_exit = IDLE_EXIT_MS;
	sbx_notify_log(&srv, "listening on %s (notifier: %s)", srv.socket,
		       sbx_notifier_name(srv.q.notifier));
	if (o->ready_fd >= 0) {
		if (write(o->ready_fd, "ready\n", 6) != 6) {
			/* The starter gave up waiting: serve all the same. */
		}
		close(o->ready_fd);
	}
	ret = serve_loop(&srv);
	sbx_notify_log(&srv, "stopping after %llu events", srv.st.received);
out:
	if (ret)
		sbx_notify_log(&srv, "%s", sbx_last_error());
	server_release(&srv);
	free(dir);
	return ret;
}
