/*
 * The notification server's view of each session's agent (agent-status.h):
 * its state, moved by the hook events that arrive on the session's socket
 * and by what the host's `sbx run` says on the user's socket (the session
 * registered, the agent's exit code); kept in the store on every change;
 * pushed to the watchers.
 *
 * A watcher is a client of the user's socket that asked {"watch":true}: it
 * gets {"agents":[...every status...]} at once, then {"agent":{...}} for
 * each change, in order. Only the user's socket, which no sandbox reaches,
 * serves them: a sandbox never reads another session's messages. A
 * watcher's output waits in a buffer the server writes when the socket
 * takes it, never blocking; one that falls WATCH_BUFFER_MAX behind is
 * dropped (it can watch again).
 */
#include "notify-server.h"
#include "agent-status.h"
#include "error.h"
#include "json.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WATCH_BUFFER_MAX (1024 * 1024)
#define WATCHERS_MAX 32

static struct sbx_agent_status *find(struct sbx_notify_server *srv, const char *name)
{
	for (size_t i = 0; name && i < srv->nr_agents; i++)
		if (!strcmp(srv->agents[i].name, name))
			return &srv->agents[i];
	return NULL;
}

static void drop(struct sbx_notify_server *srv, size_t i)
{
	sbx_agent_status_forget(srv->agents[i].name);
	sbx_agent_status_release(&srv->agents[i]);
	memmove(srv->agents + i, srv->agents + i + 1, (srv->nr_agents - i - 1) * sizeof(*srv->agents));
	srv->nr_agents--;
}

/* Writes what waits for c, as much as its socket takes now; -1 when c is gone (closed). */
int sbx_notify_client_flush(struct sbx_notify_server *srv, struct sbx_notify_client *c)
{
	while (c->fd >= 0 && c->out.len) {
#ifdef MSG_NOSIGNAL
		ssize_t n = send(c->fd, c->out.buf, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
#else
		ssize_t n = send(c->fd, c->out.buf, c->out.len, MSG_DONTWAIT);
#endif
		if (n > 0) {
			memmove(c->out.buf, c->out.buf + n, c->out.len - (size_t)n);
			sbx_buf_truncate(&c->out, c->out.len - (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		sbx_notify_log(srv, "a watcher is gone: %s", strerror(errno));
		sbx_notify_client_close(c);
		return -1;
	}
	return c->fd >= 0 ? 0 : -1;
}

/* One line for c, written now or later. */
static void send_line(struct sbx_notify_server *srv, struct sbx_notify_client *c, const cJSON *o)
{
	size_t was = c->out.len;

	sbx_json_print(&c->out, o, 0);
	sbx_buf_addch(&c->out, '\n');
	if (c->out.len > WATCH_BUFFER_MAX) {
		sbx_buf_truncate(&c->out, was);
		sbx_notify_log(srv, "dropped a watcher %d KiB behind", WATCH_BUFFER_MAX / 1024);
		sbx_notify_client_close(c);
		return;
	}
	sbx_notify_client_flush(srv, c);
}

/* A change: kept in the store, pushed to every watcher. */
static void changed(struct sbx_notify_server *srv, const struct sbx_agent_status *st)
{
	cJSON *line = sbx_json_new_object();

	if (sbx_agent_status_save(st)) {
		sbx_notify_log(srv, "cannot keep the state of %s: %s", st->name, sbx_last_error());
		sbx_clear_error();
	}
	srv->st.changes++;
	sbx_json_add_item(line, "agent", sbx_agent_status_json(st));
	for (size_t i = 0; i < srv->nr_clients; i++)
		if (srv->clients[i].watching && srv->clients[i].fd >= 0)
			send_line(srv, &srv->clients[i], line);
	cJSON_Delete(line);
}

void sbx_notify_agents_load(struct sbx_notify_server *srv)
{
	long long now = sbx_agent_now();

	sbx_agent_status_list(&srv->agents, &srv->nr_agents);
	srv->alloc_agents = srv->nr_agents;
	for (size_t i = srv->nr_agents; i-- > 0;) {
		struct sbx_agent_status *st = &srv->agents[i];
		int live = 0;

		for (size_t j = 1; j < srv->nr_listeners; j++)
			live |= !strcmp(srv->listeners[j]->name, st->name);
		if (st->state == SBX_AGENT_EXITED && now - st->since > SBX_AGENT_KEEP_MS)
			drop(srv, i);
		else if (!live && sbx_agent_status_exit(st, -1, now))
			/* It ended while no server was there to see it. */
			changed(srv, st);
	}
	/* Sessions served again whose state was never kept start afresh. */
	for (size_t j = 1; j < srv->nr_listeners; j++)
		if (!find(srv, srv->listeners[j]->name))
			sbx_notify_agent_registered(srv, srv->listeners[j]);
}

void sbx_notify_agent_registered(struct sbx_notify_server *srv, const struct sbx_notify_listener *l)
{
	struct sbx_agent_status *st;
	long long now = sbx_agent_now();

	/* The worktree's earlier agents that ended: this one is its news now. */
	for (size_t i = srv->nr_agents; i-- > 0;)
		if (srv->agents[i].state == SBX_AGENT_EXITED && srv->agents[i].project &&
		    !strcmp(srv->agents[i].project, l->project) && strcmp(srv->agents[i].name, l->name))
			drop(srv, i);
	st = find(srv, l->name);
	if (!st) {
		SBX_ALLOC_GROW(srv->agents, srv->nr_agents + 1, srv->alloc_agents);
		st = &srv->agents[srv->nr_agents++];
		memset(st, 0, sizeof(*st));
	} else if (st->state != SBX_AGENT_EXITED) {
		/* A server that came back: the session is where it was. */
		return;
	}
	/* A run again under an exited one's name: nothing of the old one stays. */
	sbx_agent_status_release(st);
	st->name = sbx_strdup(l->name);
	st->sandbox = sbx_strdup(l->sandbox);
	st->project = sbx_strdup(l->project);
	st->agent = l->agent ? sbx_strdup(l->agent) : NULL;
	st->backend = l->backend ? sbx_strdup(l->backend) : NULL;
	st->repo = l->repo ? sbx_strdup(l->repo) : NULL;
	st->branch = l->branch ? sbx_strdup(l->branch) : NULL;
	st->state = SBX_AGENT_STARTED;
	st->since = now;
	changed(srv, st);
}

void sbx_notify_agent_event(struct sbx_notify_server *srv, const struct sbx_notify_listener *l,
			    const struct sbx_notify_event *ev)
{
	struct sbx_agent_status *st = l->name ? find(srv, l->name) : NULL;

	if (st && sbx_agent_status_event(st, ev->kind, ev->type, ev->message, sbx_agent_now()))
		changed(srv, st);
}

int sbx_notify_agent_exit(struct sbx_notify_server *srv, const char *name, int code)
{
	struct sbx_agent_status *st = find(srv, name);

	if (!st)
		return -1;
	if (sbx_agent_status_exit(st, code, sbx_agent_now()))
		changed(srv, st);
	return 0;
}

void sbx_notify_agent_ended(struct sbx_notify_server *srv, const struct sbx_notify_listener *l)
{
	sbx_notify_agent_exit(srv, l->name, -1);
}

int sbx_notify_watch(struct sbx_notify_server *srv, struct sbx_notify_client *c)
{
	cJSON *line, *all;

	if (!c->watching && srv->watchers >= WATCHERS_MAX)
		return sbx_error("%d clients watch already", WATCHERS_MAX);
	if (!c->watching)
		srv->watchers++;
	c->watching = 1;
	line = sbx_json_new_object();
	all = sbx_json_add_item(line, "agents", sbx_json_new_array());
	for (size_t i = 0; i < srv->nr_agents; i++)
		sbx_json_append(all, sbx_agent_status_json(&srv->agents[i]));
	send_line(srv, c, line);
	cJSON_Delete(line);
	return 0;
}

void sbx_notify_agents_release(struct sbx_notify_server *srv)
{
	sbx_agent_status_list_free(srv->agents, srv->nr_agents);
	srv->agents = NULL;
	srv->nr_agents = srv->alloc_agents = 0;
}
