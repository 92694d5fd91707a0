#ifndef SBX_NOTIFY_QUEUE_H
#define SBX_NOTIFY_QUEUE_H

#include <stddef.h>
#include <sys/types.h>

#include "notify.h"
#include "strvec.h"

/*
 * The notification server's delivery (notify-server.c): events become
 * notifications, one group per session. At most one notifier runs per
 * group (and MAX_RUNNING in all); a newer event replaces the one waiting,
 * and the group's last text again within BURST_MS is dropped, both counted
 * as coalesced. notify-send's id of a group's notification is kept to
 * replace it next time. A notifier that fails, or none at all, rings the
 * terminal of the session's `sbx run`. Notifiers run without being waited
 * for: the server calls sbx_notify_queue_reap on SIGCHLD.
 */
struct sbx_notify_stats {
	unsigned long long received, filtered, coalesced, delivered, failed;
	unsigned long long malformed, oversized, rejected, dropped;
	unsigned long long opened, closed;	/* sessions' sockets */
	unsigned long long changes;	/* agents' states changed (notify-agents.c) */
};

struct notify_group;

struct sbx_notify_queue {
	enum sbx_notifier notifier;
	struct sbx_notify_stats *st;	/* the server's, counted here: coalesced, delivered, failed */
	/* Where to say what went wrong (one line, no newline). */
	void (*log)(void *data, const char *line);
	void *log_data;
	struct notify_group *groups;
	size_t nr_groups, alloc_groups, running;
	int null_fd;
	/* The notifiers' desktop variables ("NAME=value", "NAME" unset): the server's. */
	const struct sbx_strvec *env;
	/* When a delivery last worked and last failed (ms since the epoch, 0: never), and why. */
	long long ok_at, failed_at;
	char *failure;
};

int sbx_notify_queue_init(struct sbx_notify_queue *q, enum sbx_notifier notifier,
			  struct sbx_notify_stats *st, void (*log)(void *, const char *), void *data);
void sbx_notify_queue_release(struct sbx_notify_queue *q);

/* Takes an event of a chosen kind (its strings move into the queue); sound may be NULL. */
void sbx_notify_queue_add(struct sbx_notify_queue *q, struct sbx_notify_event *ev,
			  const char *sound);
/* Collects the notifiers that ended and starts what waits. */
void sbx_notify_queue_reap(struct sbx_notify_queue *q, const char *sound);
/* Kills notifiers running past their time (reaped on SIGCHLD). */
void sbx_notify_queue_timeouts(struct sbx_notify_queue *q, long long now);
/* The next of those deadlines (CLOCK_MONOTONIC ms), or -1. */
long long sbx_notify_queue_deadline(const struct sbx_notify_queue *q);
/* Nothing waits to be shown and no notifier runs. */
int sbx_notify_queue_idle(const struct sbx_notify_queue *q);
size_t sbx_notify_queue_pending(const struct sbx_notify_queue *q);

#endif
