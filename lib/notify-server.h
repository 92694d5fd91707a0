#ifndef SBX_NOTIFY_SERVER_H
#define SBX_NOTIFY_SERVER_H

#include <cjson/cJSON.h>
#include <sys/types.h>
#include <time.h>

#include "agent-status.h"
#include "buf.h"
#include "lines.h"
#include "notify-listen.h"
#include "notify-queue.h"
#include "strvec.h"

/*
 * The notification server's state, shared by its two halves:
 * notify-server.c (the loop, signals, lock, configuration, counters) and
 * notify-clients.c (the connections on every socket, their limits, the
 * requests, the sessions' sockets). Neither is used by anything else.
 */
#define SBX_NOTIFY_READ_CHUNK (16 * 1024)

struct sbx_notify_client {
	int fd;			/* -1: closed, to be removed */
	struct sbx_notify_listener *l;	/* the socket it came in on */
	struct sbx_lines in;
	struct sbx_notify_server *srv;
	long long active;	/* accepted, or its last whole line */
	cJSON *wait;		/* a stats request waiting for its counters */
	long long wait_until;
	/* A watcher (notify-agents.c): never idle, never dropped for room; what waits for it. */
	unsigned watching : 1;
	struct sbx_buf out;
};

struct sbx_notify_server {
	int lock_fd, log_fd;
	char *socket;
	/* [0] the user's socket, then the sessions'; each allocated, as clients point at them. */
	struct sbx_notify_listener **listeners;
	size_t nr_listeners, alloc_listeners;
	struct sbx_notify_client *clients;
	size_t nr_clients, alloc_clients;
	size_t open_clients;	/* of nr_clients, those not closed */
	long long owners_checked;
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
	char *chunk;		/* SBX_NOTIFY_READ_CHUNK bytes to read into */
	/* The sessions' agents (notify-agents.c) and the clients that watch them. */
	struct sbx_agent_status *agents;
	size_t nr_agents, alloc_agents;
	size_t watchers;
	/*
	 * The desktop variables notifiers get (notify-listen.h): the server's
	 * own at start, then those of the latest registration that had any.
	 */
	struct sbx_strvec desktop;
	long long desktop_at;
};

/* ---------------------------------------------------------- notify-server.c */

/* A line of the log (a newline is added). */
void sbx_notify_log(struct sbx_notify_server *srv, const char *fmt, ...) SBX_PRINTF(2, 3);
/* Whether the nth of a kind is logged: the first few, then every power of two. */
int sbx_notify_worth_logging(unsigned long long n);
/*
 * A well-formed event that came in on l: counted, moves l's agent, and is
 * queued when its kind is chosen (its strings may move).
 */
void sbx_notify_server_event(struct sbx_notify_server *srv, const struct sbx_notify_listener *l,
			     struct sbx_notify_event *ev);
/*
 * The counters and state, as the answer to {"stats":true} has them. host:
 * the user's socket asks, which also gets what only the host may read (the
 * desktop variables' names, the last failure).
 */
void sbx_notify_server_stats(struct sbx_notify_server *srv, cJSON *out, int host);
/* A session registered on the user's socket: its desktop variables are the freshest. */
void sbx_notify_take_desktop(struct sbx_notify_server *srv, const struct sbx_notify_listener *l);

/* --------------------------------------------------------- notify-clients.c */

/* One read of c: > 0 bytes read, 0 when it is gone (then closed), -1 when nothing waits. */
ssize_t sbx_notify_client_read(struct sbx_notify_server *srv, struct sbx_notify_client *c);
void sbx_notify_client_close(struct sbx_notify_client *c);
/* Removes closed clients, keeping the order of the others. */
void sbx_notify_compact_clients(struct sbx_notify_server *srv);

/*
 * May l take one more client now? 1 when it has room, or once *victim (when
 * set) is dropped; 0 when its connections wait in its backlog, *when then
 * saying when a client becomes idle enough to drop (-1: when one leaves).
 */
int sbx_notify_room_for(struct sbx_notify_server *srv, const struct sbx_notify_listener *l,
			long long now, struct sbx_notify_client **victim, long long *when);
/* Accepts l's waiting connections while it has room; the others stay in its backlog. */
void sbx_notify_accept(struct sbx_notify_server *srv, struct sbx_notify_listener *l);

/* Answers a waiting stats request whose counters are reached, or whose time is up. */
void sbx_notify_check_wait(struct sbx_notify_server *srv, struct sbx_notify_client *c,
			   long long now);
/* Closes clients idle too long and answers waits whose time is up. */
void sbx_notify_client_timeouts(struct sbx_notify_server *srv, long long now);
/* The nearest of those deadlines, or -1. */
long long sbx_notify_client_deadline(const struct sbx_notify_server *srv);

/* A listener to fill, and one added to srv's, or removed (its clients closed, l freed). */
struct sbx_notify_listener *sbx_notify_new_listener(void);
void sbx_notify_add_listener(struct sbx_notify_server *srv, struct sbx_notify_listener *l);
void sbx_notify_remove_listener(struct sbx_notify_server *srv, struct sbx_notify_listener *l,
				int forget);
/* A session ended: what it still sent is read, then its socket and directory go. */
void sbx_notify_end_session(struct sbx_notify_server *srv, struct sbx_notify_listener *l);
/* Sessions whose owner is gone, where no pidfd says so (every SBX_NOTIFY_OWNER_CHECK_MS). */
void sbx_notify_check_owners(struct sbx_notify_server *srv, long long now);
/* The sessions a previous server served, when they still live; the others' remains go. */
void sbx_notify_restore_sessions(struct sbx_notify_server *srv);

/* ---------------------------------------------------------- notify-agents.c */

/* The kept states, once the sessions are restored; a session that ended meanwhile is exited. */
void sbx_notify_agents_load(struct sbx_notify_server *srv);
void sbx_notify_agents_release(struct sbx_notify_server *srv);
/* l registered: its agent is started (a later session of its project replaces ended ones). */
void sbx_notify_agent_registered(struct sbx_notify_server *srv, const struct sbx_notify_listener *l);
/* An event on l's socket. */
void sbx_notify_agent_event(struct sbx_notify_server *srv, const struct sbx_notify_listener *l,
			    const struct sbx_notify_event *ev);
/* The host's sbx run says its agent exited with code; -1 when no such session is known. */
int sbx_notify_agent_exit(struct sbx_notify_server *srv, const char *name, int code);
/* l's session ended (its owner is gone): exited, unless it said so already. */
void sbx_notify_agent_ended(struct sbx_notify_server *srv, const struct sbx_notify_listener *l);
/* c watches from now on: every state, then every change; -1 with a message when too many do. */
int sbx_notify_watch(struct sbx_notify_server *srv, struct sbx_notify_client *c);
/* Writes what waits for c without blocking; -1 when c is gone (then closed). */
int sbx_notify_client_flush(struct sbx_notify_server *srv, struct sbx_notify_client *c);

#endif
