/* The notification server's delivery: groups, notifiers, replacing (notify-queue.h). */
#include "notify-queue.h"
#include "error.h"
#include "spawn.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_GROUPS 256
#define MAX_RUNNING 16
#define BURST_MS 2000
#define NOTIFIER_TIMEOUT_MS 10000
#define OUTPUT_MAX 1024

struct note {
	char *title;
	char *message;
	char *sandbox;
};

struct notify_group {
	char *key;
	unsigned id;		/* notify-send's id of the group's notification, or 0 */
	pid_t pid;		/* the notifier showing `running`, or 0 */
	/*
	 * Its stdout and stderr, read once it ended: a notifier says little,
	 * which the pipe holds (one that says more is killed at its timeout).
	 */
	int out;
	long long started;
	struct note running;
	struct note pending;	/* the next to show (title NULL: none) */
	char *last;		/* title and message of the last event accepted */
	long long last_at;
	long long used;
};

long long sbx_notify_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* For `sbx doctor`: when deliveries last worked and failed, by the wall clock. */
static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void worked(struct sbx_notify_queue *q)
{
	q->ok_at = wall_ms();
}

static void failed(struct sbx_notify_queue *q, const char *why)
{
	q->st->failed++;
	q->failed_at = wall_ms();
	free(q->failure);
	q->failure = sbx_strdup(why);
}

static void say(struct sbx_notify_queue *q, const char *fmt, ...) SBX_PRINTF(2, 3);
static void say(struct sbx_notify_queue *q, const char *fmt, ...)
{
	struct sbx_buf b = SBX_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbx_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	q->log(q->log_data, b.buf);
	sbx_buf_release(&b);
}

int sbx_notify_queue_init(struct sbx_notify_queue *q, enum sbx_notifier notifier,
			  struct sbx_notify_stats *st, void (*log)(void *, const char *), void *data)
{
	memset(q, 0, sizeof(*q));
	q->notifier = notifier;
	q->st = st;
	q->log = log;
	q->log_data = data;
	q->null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return q->null_fd < 0 ? sbx_error_errno("cannot open '/dev/null'") : 0;
}

static void note_release(struct note *n)
{
	free(n->title);
	free(n->message);
	free(n->sandbox);
	memset(n, 0, sizeof(*n));
}

static void group_release(struct notify_group *g)
{
	free(g->key);
	if (g->out >= 0)
		close(g->out);
	note_release(&g->running);
	note_release(&g->pending);
	free(g->last);
}

void sbx_notify_queue_release(struct sbx_notify_queue *q)
{
	for (size_t i = 0; i < q->nr_groups; i++)
		group_release(&q->groups[i]);
	free(q->groups);
	if (q->null_fd >= 0)
		close(q->null_fd);
	free(q->failure);
	memset(q, 0, sizeof(*q));
	q->null_fd = -1;
}

static void to_notification(const struct notify_group *g, const struct note *n,
			    const char *sound, struct sbx_notification *out)
{
	memset(out, 0, sizeof(*out));
	out->title = n->title;
	out->message = n->message;
	out->sound = sound;
	out->group = g->key;
}

/* The bell and OSC 9 on the terminal of the session's `sbx run`. */
static int to_terminal(struct sbx_notify_queue *q, const struct notify_group *g,
		       const struct note *n, const char *sound)
{
	struct sbx_notification msg;
	char *tty = sbx_notify_session_tty(n->sandbox);
	int ret;

	if (!tty) {
		say(q, "no terminal to notify for '%s': %s", g->key, n->title);
		return -1;
	}
	to_notification(g, n, sound, &msg);
	ret = sbx_notify_terminal_write(tty, &msg);
	if (ret) {
		say(q, "%s", sbx_last_error());
		sbx_clear_error();
	}
	free(tty);
	return ret;
}

static void start_notifier(struct sbx_notify_queue *q, struct notify_group *g, const char *sound)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_notification msg;
	int p[2];

	g->running = g->pending;
	memset(&g->pending, 0, sizeof(g->pending));
	q->st->delivered++;
	if (q->notifier == SBX_NOTIFIER_TERMINAL) {
		if (to_terminal(q, g, &g->running, sound))
			failed(q, "no terminal to ring");
		else
			worked(q);
		note_release(&g->running);
		return;
	}
	to_notification(g, &g->running, sound, &msg);
	sbx_notifier_argv(q->notifier, &msg, g->id, &c.args);
	/* The desktop of the latest run that had one, not the environment the server started in. */
	if (q->env && q->env->nr)
		sbx_strvec_pushv(&c.env, (const char *const *)q->env->v);
	if (pipe(p)) {
		say(q, "cannot create a pipe: %s", strerror(errno));
		goto no_pipe;
	}
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	c.in = q->null_fd;
	c.out = p[1];
	c.err = p[1];
	if (sbx_child_start(&c)) {
		say(q, "%s", sbx_last_error());
		failed(q, sbx_last_error());
		sbx_clear_error();
		close(p[0]);
		close(p[1]);
		goto fell_back;
	}
	close(p[1]);
	g->pid = c.pid;
	g->out = p[0];
	g->started = sbx_notify_now_ms();
	q->running++;
	sbx_child_release(&c);
	return;
no_pipe:
	failed(q, "cannot create a pipe");
fell_back:
	sbx_child_release(&c);
	to_terminal(q, g, &g->running, sound);
	note_release(&g->running);
}

/* Starts what waits, for as long as notifiers may run. */
static void start_waiting(struct sbx_notify_queue *q, const char *sound)
{
	for (size_t i = 0; i < q->nr_groups && q->running < MAX_RUNNING; i++)
		if (q->groups[i].pending.title && !q->groups[i].pid)
			start_notifier(q, &q->groups[i], sound);
}

/* What an ended notifier wrote (whatever outlived it and holds the pipe is not waited for). */
static void read_output(struct notify_group *g, struct sbx_buf *out)
{
	char buf[512];
	ssize_t n;

	while (out->len < OUTPUT_MAX && (n = read(g->out, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sbx_buf_add(out, buf, (size_t)n);
	}
	close(g->out);
	g->out = -1;
}

static void notifier_done(struct sbx_notify_queue *q, struct notify_group *g, int status,
			  const char *sound)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	struct sbx_buf out = SBX_BUF_INIT;
	unsigned id;

	read_output(g, &out);
	if (!code && q->notifier == SBX_NOTIFIER_NOTIFY_SEND && (id = sbx_notifier_parse_id(out.buf)))
		g->id = id;
	if (code) {
		struct sbx_buf said = SBX_BUF_INIT, why = SBX_BUF_INIT;

		sbx_notify_clean_text(&said, out.buf, 300);
		sbx_buf_addf(&why, "%s failed (exit %d)%s%s", sbx_notifier_name(q->notifier), code,
			     said.len ? ": " : "", said.buf);
		say(q, "%s", why.buf);
		failed(q, why.buf);
		sbx_buf_release(&said);
		sbx_buf_release(&why);
		to_terminal(q, g, &g->running, sound);
	} else {
		worked(q);
	}
	sbx_buf_release(&out);
	note_release(&g->running);
	g->pid = 0;
	q->running--;
}

void sbx_notify_queue_reap(struct sbx_notify_queue *q, const char *sound)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (size_t i = 0; i < q->nr_groups; i++)
			if (q->groups[i].pid == pid)
				notifier_done(q, &q->groups[i], status, sound);
	start_waiting(q, sound);
}

static struct notify_group *find_group(struct sbx_notify_queue *q, const char *key)
{
	struct notify_group *g;
	size_t oldest = SIZE_MAX;

	for (size_t i = 0; i < q->nr_groups; i++)
		if (!strcmp(q->groups[i].key, key))
			return &q->groups[i];
	/* Full: the group idle longest makes room (it forgets its notification id). */
	if (q->nr_groups >= MAX_GROUPS) {
		for (size_t i = 0; i < q->nr_groups; i++) {
			g = &q->groups[i];
			if (!g->pid && !g->pending.title &&
			    (oldest == SIZE_MAX || g->used < q->groups[oldest].used))
				oldest = i;
		}
		if (oldest == SIZE_MAX)
			return NULL;
		group_release(&q->groups[oldest]);
		q->groups[oldest] = q->groups[--q->nr_groups];
	}
	SBX_ALLOC_GROW(q->groups, q->nr_groups + 1, q->alloc_groups);
	g = &q->groups[q->nr_groups++];
	memset(g, 0, sizeof(*g));
	g->key = sbx_strdup(key);
	g->out = -1;
	return g;
}

void sbx_notify_queue_add(struct sbx_notify_queue *q, struct sbx_notify_event *ev,
			  const char *sound)
{
	long long now = sbx_notify_now_ms();
	struct notify_group *g = find_group(q, ev->group);
	char *text;

	if (!g) {
		/* Every group busy: this one waits for nothing and is shown by none. */
		q->st->coalesced++;
		return;
	}
	g->used = now;
	text = sbx_asprintf("%s\n%s", ev->title, ev->message);
	if (g->last && !strcmp(g->last, text) && now - g->last_at < BURST_MS) {
		q->st->coalesced++;
		free(text);
		return;
	}
	free(g->last);
	g->last = text;
	g->last_at = now;
	if (g->pending.title) {
		q->st->coalesced++;
		note_release(&g->pending);
	}
	g->pending.title = ev->title;
	g->pending.message = ev->message;
	g->pending.sandbox = ev->sandbox;
	ev->title = ev->message = ev->sandbox = NULL;
	if (!g->pid && q->running < MAX_RUNNING)
		start_notifier(q, g, sound);
}

void sbx_notify_queue_timeouts(struct sbx_notify_queue *q, long long now)
{
	for (size_t i = 0; i < q->nr_groups; i++) {
		struct notify_group *g = &q->groups[i];

		if (g->pid && now - g->started >= NOTIFIER_TIMEOUT_MS) {
			say(q, "%s took longer than %d ms: killed", sbx_notifier_name(q->notifier),
			    NOTIFIER_TIMEOUT_MS);
			kill(g->pid, SIGKILL);
			g->started = now;	/* reaped on SIGCHLD */
		}
	}
}

long long sbx_notify_queue_deadline(const struct sbx_notify_queue *q)
{
	long long next = -1;

	for (size_t i = 0; i < q->nr_groups; i++) {
		long long t = q->groups[i].started + NOTIFIER_TIMEOUT_MS;

		if (q->groups[i].pid && (next < 0 || t < next))
			next = t;
	}
	return next;
}

size_t sbx_notify_queue_pending(const struct sbx_notify_queue *q)
{
	size_t n = 0;

	for (size_t i = 0; i < q->nr_groups; i++)
		n += q->groups[i].pending.title != NULL;
	return n;
}

int sbx_notify_queue_idle(const struct sbx_notify_queue *q)
{
	return !q->running && !sbx_notify_queue_pending(q);
}
