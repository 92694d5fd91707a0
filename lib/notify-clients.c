/*
 * The notification server's connections (notify-server.h): clients on the
 * user's socket and on each session's, read as lines; their limits; the
 * requests ({"stats":...}, {"session":...}); and the sessions' sockets,
 * from their registration to their end.
 *
 * A line on a session's socket is that session's: the project, sandbox and
 * agent its host registered, whatever the line names (notify-listen.h).
 * A client that sends no whole line for CLIENT_IDLE_MS is closed (a byte
 * now and then does not keep it).
 *
 * Connections are limited per socket (SESSION_CLIENTS on a session's,
 * USER_CLIENTS on the user's) and in all (MAX_CLIENTS). At a socket's limit
 * its client idle longest (no whole line for DROP_IDLE_MS) is dropped to
 * make room; at the total, a client of the socket that holds the most, when
 * that is more than this socket's; when nothing can be dropped yet, new
 * connections wait in their socket's backlog, never accepted and closed. So
 * a burst loses nothing, and a sandbox that floods fills its own socket
 * only.
 */
#include "notify-server.h"
#include "error.h"
#include "json.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 256
#define USER_CLIENTS 64
#define SESSION_CLIENTS 16
#define DROP_IDLE_MS 1000
/* At a session's end: reads of each of its clients for what it still holds. */
#define DRAIN_READS 64
#define CLIENT_IDLE_MS 30000
#define STATS_WAIT_MS 10000

/* --------------------------------------------------------------- requests */

static void reply(struct sbx_notify_server *srv, struct sbx_notify_client *c, const cJSON *answer)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_json_print(&b, answer, 0);
	sbx_buf_addch(&b, '\n');
	/* A client that does not read its answer loses it, and stalls nothing. */
	if (sbx_notify_write_all(c->fd, b.buf, b.len, sbx_notify_now_ms() + 100))
		sbx_notify_log(srv, "cannot answer a request: %s", strerror(errno));
	sbx_buf_release(&b);
}

static void reply_stats(struct sbx_notify_server *srv, struct sbx_notify_client *c, int timed_out)
{
	cJSON *out = sbx_json_new_object();

	/* A session's socket gets the counters of all, never what is the host's or a session's. */
	sbx_notify_server_stats(srv, out, c->l == srv->listeners[0]);
	if (timed_out)
		sbx_json_add_bool(out, "timeout", 1);
	reply(srv, c, out);
	cJSON_Delete(out);
}

static unsigned long long counter(const struct sbx_notify_server *srv, const char *name)
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
		{ "dropped", offsetof(struct sbx_notify_stats, dropped) },
		{ "opened", offsetof(struct sbx_notify_stats, opened) },
		{ "closed", offsetof(struct sbx_notify_stats, closed) },
		{ "changes", offsetof(struct sbx_notify_stats, changes) },
	};

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (!strcmp(name, counters[i].name))
			return *(const unsigned long long *)(const void *)
				((const char *)&srv->st + counters[i].off);
	return 0;
}

/* Answers a waiting stats request whose counters are reached, or whose time is up. */
void sbx_notify_check_wait(struct sbx_notify_server *srv, struct sbx_notify_client *c,
			   long long now)
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

/* ------------------------------------------------------------- sessions */

static struct sbx_notify_listener *find_session(struct sbx_notify_server *srv, const char *name)
{
	for (size_t i = 1; name && i < srv->nr_listeners; i++)
		if (!strcmp(srv->listeners[i]->name, name))
			return srv->listeners[i];
	return NULL;
}

/* The socket of another session in the directory name's would have. */
static struct sbx_notify_listener *same_place(struct sbx_notify_server *srv, const char *name)
{
	char *dir = name ? sbx_notify_session_dir(name) : NULL;
	struct sbx_notify_listener *found = NULL;

	for (size_t i = 1; dir && !found && i < srv->nr_listeners; i++)
		if (!strcmp(srv->listeners[i]->dir, dir))
			found = srv->listeners[i];
	if (!dir)
		sbx_clear_error();
	free(dir);
	return found;
}

struct sbx_notify_listener *sbx_notify_new_listener(void)
{
	struct sbx_notify_listener *l = sbx_calloc(1, sizeof(*l));

	l->fd = l->pidfd = -1;
	return l;
}

void sbx_notify_add_listener(struct sbx_notify_server *srv, struct sbx_notify_listener *l)
{
	SBX_ALLOC_GROW(srv->listeners, srv->nr_listeners + 1, srv->alloc_listeners);
	srv->listeners[srv->nr_listeners++] = l;
}

/*
 * Is c on the user's socket, which only the host reaches? Requests that
 * register, say an exit or watch are refused anywhere else: a sandbox
 * reaches its session's socket only.
 */
static int from_host(struct sbx_notify_server *srv, struct sbx_notify_client *c, const char *what,
		     const char *error, cJSON *out)
{
	if (c->l == srv->listeners[0])
		return 1;
	srv->st.malformed++;
	if (sbx_notify_worth_logging(srv->st.malformed))
		sbx_notify_log(srv, "refused a %s request on the socket of session %s "
			       "(%llu malformed so far)", what, c->l->name, srv->st.malformed);
	sbx_json_add_string(out, "error", error);
	return 0;
}

/* {"session": {"name", "project", "sandbox", ...}}: the host's `sbx run` asks for a socket. */
static void register_session(struct sbx_notify_server *srv, struct sbx_notify_client *c,
			     const cJSON *reg)
{
	const char *name = sbx_json_get_string(reg, "name");
	struct sbx_notify_listener *l = find_session(srv, name);
	cJSON *out = sbx_json_new_object();
	int fresh = !l;

	if (!from_host(srv, c, "session", "sessions are registered on the user's socket", out))
		goto out;
	if (fresh && (l = same_place(srv, name))) {
		/* Two names whose hashes meet: the second goes without (vanishingly rare). */
		sbx_json_add_string(out, "error", "another session's socket is in its place");
		sbx_notify_log(srv, "session %s: %s's socket is in its place", name, l->name);
		goto out;
	}
	if (fresh)
		l = sbx_notify_new_listener();
	if (sbx_notify_listen_session(l, reg)) {
		sbx_notify_log(srv, "cannot listen for a session: %s", sbx_last_error());
		sbx_json_add_string(out, "error", sbx_last_error());
		sbx_clear_error();
		if (fresh)
			free(l);
		goto out;
	}
	if (fresh) {
		sbx_notify_add_listener(srv, l);
		srv->st.opened++;
		sbx_notify_log(srv, "session %s (%s): listening on %s", l->name, l->project,
			       l->path);
	}
	sbx_notify_take_desktop(srv, l);
	sbx_notify_agent_registered(srv, l);
	sbx_json_add_string(out, "socket", l->path);
out:
	reply(srv, c, out);
	cJSON_Delete(out);
}

/* {"exit": {"name", "code"}}: the host's `sbx run` says its agent ended. */
static void session_exit(struct sbx_notify_server *srv, struct sbx_notify_client *c,
			 const cJSON *exit)
{
	const char *name = sbx_json_get_string(exit, "name");
	double code = sbx_json_get_number(exit, "code", -1);
	cJSON *out = sbx_json_new_object();

	if (from_host(srv, c, "exit", "exits are said on the user's socket", out)) {
		if (!name || sbx_notify_agent_exit(srv, name, code >= 0 && code <= 255 ? (int)code : -1))
			sbx_json_add_string(out, "error", "no such session");
		else
			sbx_json_add_bool(out, "ok", 1);
	}
	reply(srv, c, out);
	cJSON_Delete(out);
}

/* {"watch": true}: the agents' states, then their changes, for as long as c stays. */
static void watch(struct sbx_notify_server *srv, struct sbx_notify_client *c)
{
	cJSON *out = sbx_json_new_object();

	if (!from_host(srv, c, "watch", "agents are watched on the user's socket", out)) {
		reply(srv, c, out);
	} else if (sbx_notify_watch(srv, c)) {
		sbx_json_add_string(out, "error", sbx_last_error());
		sbx_clear_error();
		reply(srv, c, out);
	}
	cJSON_Delete(out);
}

static void handle_request(struct sbx_notify_server *srv, struct sbx_notify_client *c, cJSON *req)
{
	double timeout = sbx_json_get_number(req, "timeout", STATS_WAIT_MS);
	const cJSON *session = cJSON_GetObjectItemCaseSensitive(req, "session");
	const cJSON *exit = cJSON_GetObjectItemCaseSensitive(req, "exit");

	if (cJSON_IsObject(session) || cJSON_IsObject(exit) ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "watch"))) {
		if (cJSON_IsObject(session))
			register_session(srv, c, session);
		else if (cJSON_IsObject(exit))
			session_exit(srv, c, exit);
		else
			watch(srv, c);
		cJSON_Delete(req);
		return;
	}
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(req, "wait"))) {
		reply_stats(srv, c, 0);
		cJSON_Delete(req);
		return;
	}
	cJSON_Delete(c->wait);
	c->wait = req;
	c->wait_until = sbx_notify_now_ms() +
			(long long)(timeout < 0 ? 0 : timeout > 600000 ? 600000 : timeout);
	sbx_notify_check_wait(srv, c, sbx_notify_now_ms());
}

static void handle_line(struct sbx_notify_server *srv, struct sbx_notify_client *c,
			const char *line, size_t len)
{
	const struct sbx_notify_listener *l = c->l;
	struct sbx_notify_origin session = { l->project, l->sandbox, l->agent, 0, l->repo,
					       l->branch };
	struct sbx_notify_event ev;
	cJSON *req;
	int ret;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (!len)
		return;
	c->active = sbx_notify_now_ms();
	/* On a session's socket, the session is who its host registered. */
	ret = sbx_notify_parse_line(line, len, l->name ? &session : NULL, &ev, &req);
	if (ret < 0) {
		srv->st.malformed++;
		if (sbx_notify_worth_logging(srv->st.malformed)) {
			struct sbx_buf start = SBX_BUF_INIT;
			char *head = sbx_strndup(line, len < 80 ? len : 80);

			sbx_notify_clean_text(&start, head, 80);
			sbx_notify_log(srv, "skipped a malformed line (%s; %llu so far): %s",
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
	sbx_notify_server_event(srv, l, &ev);
	sbx_notify_event_release(&ev);
}

static void client_line(void *data, const char *line, size_t len)
{
	struct sbx_notify_client *c = data;

	handle_line(c->srv, c, line, len);
}

static void client_oversized(void *data)
{
	struct sbx_notify_client *c = data;
	struct sbx_notify_server *srv = c->srv;

	c->active = sbx_notify_now_ms();
	srv->st.oversized++;
	if (sbx_notify_worth_logging(srv->st.oversized))
		sbx_notify_log(srv, "skipped a line longer than %d bytes (%llu so far)",
			       SBX_NOTIFY_LINE_MAX, srv->st.oversized);
}

static const struct sbx_lines_ops client_ops = { client_line, client_oversized };

void sbx_notify_client_close(struct sbx_notify_client *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		c->l->nr_clients--;
		c->srv->open_clients--;
		if (c->watching)
			c->srv->watchers--;
	}
	c->fd = -1;
	c->watching = 0;
	sbx_buf_release(&c->out);
	sbx_lines_release(&c->in);
	cJSON_Delete(c->wait);
	c->wait = NULL;
}

/* One read: > 0 with bytes read, 0 when the client is gone (closed), -1 when nothing waits. */
ssize_t sbx_notify_client_read(struct sbx_notify_server *srv, struct sbx_notify_client *c)
{
	ssize_t n = read(c->fd, srv->chunk, SBX_NOTIFY_READ_CHUNK);

	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return -1;
	if (n > 0) {
		sbx_lines_feed(&c->in, srv->chunk, (size_t)n, &client_ops, c);
		return n;
	}
	sbx_lines_end(&c->in, &client_ops, c);
	sbx_notify_client_close(c);
	return 0;
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

static size_t cap_of(const struct sbx_notify_listener *l)
{
	return l->name ? SESSION_CLIENTS : USER_CLIENTS;
}

/* Of l's clients (everyone's when l is NULL), the one without a whole line longest. */
static struct sbx_notify_client *idlest(struct sbx_notify_server *srv,
					const struct sbx_notify_listener *l)
{
	struct sbx_notify_client *best = NULL;

	for (size_t i = 0; i < srv->nr_clients; i++) {
		struct sbx_notify_client *c = &srv->clients[i];

		/* A watcher waits for the server, not the other way round: it is never idle. */
		if (c->fd >= 0 && !c->watching && (!l || c->l == l) &&
		    (!best || c->active < best->active))
			best = c;
	}
	return best;
}

/*
 * May l take one more client now? 1 when it has room, or once *victim (when
 * set) is dropped; 0 when its connections wait in its backlog, *when then
 * saying when a client becomes idle enough to drop (-1: when one leaves).
 */
int sbx_notify_room_for(struct sbx_notify_server *srv, const struct sbx_notify_listener *l,
			long long now, struct sbx_notify_client **victim, long long *when)
{
	struct sbx_notify_client *v;

	*victim = NULL;
	*when = -1;
	if (l->nr_clients >= cap_of(l)) {
		v = idlest(srv, l);
	} else if (srv->open_clients >= MAX_CLIENTS) {
		const struct sbx_notify_listener *most = l;

		for (size_t i = 0; i < srv->nr_listeners; i++)
			if (srv->listeners[i]->nr_clients > most->nr_clients)
				most = srv->listeners[i];
		/* Shares first: a socket holding more than another's gives one up, idle or not. */
		if (most->nr_clients > l->nr_clients + 1) {
			*victim = idlest(srv, most);
			return *victim != NULL;
		}
		v = idlest(srv, NULL);
	} else {
		return 1;
	}
	if (!v)
		return 0;
	if (now - v->active >= DROP_IDLE_MS) {
		*victim = v;
		return 1;
	}
	*when = v->active + DROP_IDLE_MS;
	return 0;
}

static void drop_client(struct sbx_notify_server *srv, struct sbx_notify_client *c, long long now)
{
	srv->st.dropped++;
	if (sbx_notify_worth_logging(srv->st.dropped))
		sbx_notify_log(srv, "dropped a client of %s without a line for %lld ms, to make "
			       "room (%llu so far)", c->l->name ? c->l->name : "the user's socket",
			       now - c->active, srv->st.dropped);
	sbx_notify_client_close(c);
}

/* A client of l on fd, unless its peer is another user. */
static struct sbx_notify_client *add_client(struct sbx_notify_server *srv,
					    struct sbx_notify_listener *l, int fd)
{
	uid_t uid = (uid_t)-1;
	struct sbx_notify_client *c;

	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, O_NONBLOCK);
#ifdef SO_NOSIGPIPE
	setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &(int){ 1 }, sizeof(int));
#endif
	if (peer_uid(fd, &uid) || uid != getuid()) {
		srv->st.rejected++;
		if (sbx_notify_worth_logging(srv->st.rejected))
			sbx_notify_log(srv, "refused a client of uid %ld (%llu so far)", (long)uid,
				       srv->st.rejected);
		close(fd);
		return NULL;
	}
	srv->last_client = sbx_notify_now_ms();
	SBX_ALLOC_GROW(srv->clients, srv->nr_clients + 1, srv->alloc_clients);
	c = &srv->clients[srv->nr_clients++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->l = l;
	c->active = srv->last_client;
	c->srv = srv;
	sbx_buf_init(&c->out);
	sbx_lines_init(&c->in, SBX_NOTIFY_LINE_MAX);
	l->nr_clients++;
	srv->open_clients++;
	return c;
}

static int accept_one(struct sbx_notify_server *srv, struct sbx_notify_listener *l)
{
	for (;;) {
		int fd = accept(l->fd, NULL, NULL);

		if (fd >= 0 || (errno != EINTR && errno != ECONNABORTED)) {
			if (fd < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				sbx_notify_log(srv, "cannot accept: %s", strerror(errno));
			return fd;
		}
	}
}

/* Accepts l's waiting connections while it has room; the others stay in its backlog. */
void sbx_notify_accept(struct sbx_notify_server *srv, struct sbx_notify_listener *l)
{
	for (;;) {
		long long now = sbx_notify_now_ms(), when;
		struct sbx_notify_client *victim;
		int fd;

		if (!sbx_notify_room_for(srv, l, now, &victim, &when))
			return;
		fd = accept_one(srv, l);
		if (fd < 0)
			return;
		/* Dropped only for a connection that takes its place. */
		if (victim)
			drop_client(srv, victim, now);
		add_client(srv, l, fd);
	}
}

/* Removes closed clients, keeping the order of the others. */
void sbx_notify_compact_clients(struct sbx_notify_server *srv)
{
	size_t j = 0;

	for (size_t i = 0; i < srv->nr_clients; i++)
		if (srv->clients[i].fd >= 0)
			srv->clients[j++] = srv->clients[i];
	srv->nr_clients = j;
}

void sbx_notify_remove_listener(struct sbx_notify_server *srv, struct sbx_notify_listener *l,
				int forget)
{
	for (size_t i = 0; i < srv->nr_clients; i++)
		if (srv->clients[i].l == l)
			sbx_notify_client_close(&srv->clients[i]);
	sbx_notify_listener_close(l, forget);
	for (size_t i = 0; i < srv->nr_listeners; i++) {
		if (srv->listeners[i] == l) {
			memmove(srv->listeners + i, srv->listeners + i + 1,
				(srv->nr_listeners - i - 1) * sizeof(*srv->listeners));
			srv->nr_listeners--;
			break;
		}
	}
	free(l);
}

/*
 * A session ended: its last lines first (what waits in its socket's backlog
 * and in its clients' buffers, as a Stop hook's event may), then its socket
 * and directory go.
 */
void sbx_notify_end_session(struct sbx_notify_server *srv, struct sbx_notify_listener *l)
{
	int fd;

	for (int i = 0; i < SESSION_CLIENTS && (fd = accept_one(srv, l)) >= 0; i++)
		add_client(srv, l, fd);
	for (size_t i = 0; i < srv->nr_clients; i++) {
		struct sbx_notify_client *c = &srv->clients[i];

		for (int reads = 0; c->fd >= 0 && c->l == l && reads < DRAIN_READS; reads++)
			if (sbx_notify_client_read(srv, c) <= 0)
				break;
	}
	srv->st.closed++;
	sbx_notify_agent_ended(srv, l);
	sbx_notify_log(srv, "session %s ended: its socket is removed", l->name);
	sbx_notify_remove_listener(srv, l, 1);
}

/* Where no pidfd says when an owner ends, every SBX_NOTIFY_OWNER_CHECK_MS. */
void sbx_notify_check_owners(struct sbx_notify_server *srv, long long now)
{
	if (now - srv->owners_checked < SBX_NOTIFY_OWNER_CHECK_MS)
		return;
	srv->owners_checked = now;
	for (size_t i = srv->nr_listeners; i-- > 1;)
		if (srv->listeners[i]->pidfd < 0 && sbx_notify_listener_ended(srv->listeners[i]))
			sbx_notify_end_session(srv, srv->listeners[i]);
}

/* The sessions a previous server served, when they still live; what is left of the others goes. */
void sbx_notify_restore_sessions(struct sbx_notify_server *srv)
{
	cJSON *saved = sbx_notify_saved_sessions();

	for (const cJSON *reg = saved->child; reg; reg = reg->next) {
		const char *name = sbx_json_get_string(reg, "name");
		struct sbx_notify_listener *l;

		if (!name || find_session(srv, name))
			continue;
		l = sbx_notify_new_listener();
		if (sbx_notify_listen_session(l, reg)) {
			sbx_notify_log(srv, "not listening for session %s again: %s", name,
				       sbx_last_error());
			sbx_clear_error();
			sbx_notify_forget_session(name);
			free(l);
			continue;
		}
		sbx_notify_add_listener(srv, l);
		srv->st.opened++;
		sbx_notify_take_desktop(srv, l);
		sbx_notify_log(srv, "session %s (%s): listening on %s again", l->name, l->project,
			       l->path);
	}
	cJSON_Delete(saved);
}

void sbx_notify_client_timeouts(struct sbx_notify_server *srv, long long now)
{
	for (size_t i = 0; i < srv->nr_clients; i++) {
		struct sbx_notify_client *c = &srv->clients[i];

		if (c->wait)
			sbx_notify_check_wait(srv, c, now);
		else if (c->fd >= 0 && !c->watching && now - c->active >= CLIENT_IDLE_MS)
			sbx_notify_client_close(c);
	}
	sbx_notify_queue_timeouts(&srv->q, now);
}

long long sbx_notify_client_deadline(const struct sbx_notify_server *srv)
{
	long long next = -1;

	for (size_t i = 0; i < srv->nr_clients; i++) {
		const struct sbx_notify_client *c = &srv->clients[i];
		long long t = c->wait ? c->wait_until : c->active + CLIENT_IDLE_MS;

		if (c->fd >= 0 && (c->wait || !c->watching) && (next < 0 || t < next))
			next = t;
	}
	return next;
}
