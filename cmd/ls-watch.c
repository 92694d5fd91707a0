/*
 * sbx ls --watch: the agents as the notification server pushes them
 * (agent-status.h). It asks once, {"watch":true} on the user's socket, and
 * then only reads: every change arrives as a line when it happens, so the
 * screen follows the agents without asking again. On a terminal the table
 * is redrawn on every change, and at the moments its ages ("12s", "4m")
 * would show another number; elsewhere each change is one line (--json: one
 * object), and nothing wakes it but a change.
 *
 * A server that goes (restarted, or stopped) is waited for and watched
 * again; what changed meanwhile is shown as changes.
 */
#include "ls.h"
#include "config.h"
#include "error.h"
#include "json.h"
#include "lines.h"
#include "notify.h"
#include "xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A snapshot holds every agent the server keeps: a few hundred at most. */
#define LINE_MAX_BYTES (8 * 1024 * 1024)
#define RECONNECT_MS 10000

struct watch {
	struct sbx_agent_status *agents;
	size_t nr, alloc;
	int tty, json;
	int failed;		/* the server refused: its error is recorded */
	int changed;		/* a redraw is due */
};

static struct sbx_agent_status *find(struct watch *w, const char *name)
{
	for (size_t i = 0; i < w->nr; i++)
		if (!strcmp(w->agents[i].name, name))
			return &w->agents[i];
	return NULL;
}

static int same(const struct sbx_agent_status *a, const struct sbx_agent_status *b)
{
	return a->state == b->state && a->since == b->since && a->code == b->code &&
	       ((!a->message && !b->message) ||
		(a->message && b->message && !strcmp(a->message, b->message)));
}

/* One change as a line: "12:03:04 NAME waiting app feat/x: Claude needs your permission". */
static void print_change(const struct watch *w, const struct sbx_agent_status *st)
{
	struct sbx_buf b = SBX_BUF_INIT;
	time_t t = (time_t)(st->since / 1000);
	struct tm tm;
	char stamp[16];

	if (w->json) {
		cJSON *o = sbx_agent_status_json(st);

		sbx_json_print(&b, o, 0);
		cJSON_Delete(o);
	} else {
		localtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		sbx_buf_addf(&b, "%s %s ", stamp, st->name);
		sbx_agent_state_text(&b, st);
		sbx_buf_addch(&b, ' ');
		sbx_agent_where(&b, st);
		if (st->message) {
			sbx_buf_adds(&b, ": ");
			sbx_agent_message_head(&b, st, SBX_AGENT_MESSAGE_MAX);
		}
	}
	puts(b.buf);
	fflush(stdout);
	sbx_buf_release(&b);
}

/* st as the server says it now: kept, and shown when it is news. */
static void take(struct watch *w, struct sbx_agent_status *st)
{
	struct sbx_agent_status *known = find(w, st->name);

	if (known && same(known, st)) {
		sbx_agent_status_release(st);
		return;
	}
	if (known) {
		sbx_agent_status_release(known);
		*known = *st;
	} else {
		SBX_ALLOC_GROW(w->agents, w->nr + 1, w->alloc);
		known = &w->agents[w->nr++];
		*known = *st;
	}
	if (w->tty && !w->json)
		w->changed = 1;
	else
		print_change(w, known);
}

static void take_json(struct watch *w, const cJSON *o)
{
	struct sbx_agent_status st;

	if (sbx_agent_status_from_json(&st, o))
		sbx_clear_error();
	else
		take(w, &st);
}

static void on_line(void *data, const char *line, size_t len)
{
	struct watch *w = data;
	cJSON *doc = cJSON_ParseWithLength(line, len);
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(doc, "agents");
	const char *error = sbx_json_get_string(doc, "error");

	if (error) {
		sbx_error("the notification server refused: %s", error);
		w->failed = 1;
	} else if (cJSON_IsArray(all)) {
		for (const cJSON *o = all->child; o; o = o->next)
			take_json(w, o);
		if (w->tty && !w->json)
			w->changed = 1;
	} else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "agent"))) {
		take_json(w, cJSON_GetObjectItemCaseSensitive(doc, "agent"));
	}
	cJSON_Delete(doc);
}

static void on_oversized(void *data)
{
	(void)data;
}

static const struct sbx_lines_ops ops = { on_line, on_oversized };

/* Waiting for you first (the longest first), then finished turns, work, and the ended. */
static int rank(const struct sbx_agent_status *st)
{
	static const int ranks[] = {
		[SBX_AGENT_WAITING] = 0, [SBX_AGENT_DONE] = 1, [SBX_AGENT_WORKING] = 2,
		[SBX_AGENT_STARTED] = 3, [SBX_AGENT_EXITED] = 4,
	};

	return ranks[st->state];
}

static int by_rank(const void *a, const void *b)
{
	const struct sbx_agent_status *x = a, *y = b;

	if (rank(x) != rank(y))
		return rank(x) - rank(y);
	return x->since < y->since ? -1 : x->since > y->since;
}

static void redraw(struct watch *w)
{
	static const char *const head[] = { "NAME", "AGENT", "FOR", "PROJECT", "MESSAGE" };
	long long now = sbx_agent_now();
	struct sbx_columns t;

	qsort(w->agents, w->nr, sizeof(*w->agents), by_rank);
	/* Home and clear: the table replaces the last one. */
	fputs("\033[H\033[2J", stdout);
	if (!w->nr) {
		puts("no agent yet: one shows here when 'sbx run' starts it");
	} else {
		sbx_columns_init(&t, 5);
		for (size_t i = 0; i < 5; i++)
			sbx_columns_add(&t, head[i], SBX_COLOR_BOLD);
		for (size_t i = 0; i < w->nr; i++) {
			sbx_columns_add(&t, w->agents[i].name, SBX_COLOR_RESET);
			sbx_agent_cells(&t, &w->agents[i], now);
		}
		sbx_columns_print(&t, stdout);
		sbx_columns_release(&t);
	}
	fflush(stdout);
	w->changed = 0;
}

/* Until an age on the screen shows another number: -1 (never) unless on a terminal. */
static int next_tick(const struct watch *w)
{
	long long now = sbx_agent_now(), next = -1;

	if (!w->tty || w->json)
		return -1;
	for (size_t i = 0; i < w->nr; i++) {
		long long age = now - w->agents[i].since, unit;

		unit = age < 60000 ? 1000 : age < 3600000 ? 60000 : 3600000;
		unit -= age % unit;
		if (next < 0 || unit < next)
			next = unit;
	}
	return next < 0 ? -1 : (int)next;
}

/* Connected to the server, the request sent; -1 with a message. */
static int subscribe(void)
{
	static const char request[] = "{\"watch\":true}\n";
	char *path = sbx_notify_socket_path();
	int fd = -1;

	if (!path || sbx_notify_ensure_server())
		goto out;
	fd = sbx_notify_connect(path, 5000);
	if (fd < 0) {
		sbx_error_errno("no notification server on '%s'", path);
	} else if (sbx_notify_write_all(fd, request, sizeof(request) - 1,
				      sbx_notify_now_ms() + 5000)) {
		sbx_error_errno("cannot write to '%s'", path);
		close(fd);
		fd = -1;
	}
out:
	free(path);
	return fd;
}

/* The server went: wait for it to come back (restarted), else start one. */
static int resubscribe(void)
{
	struct sbx_notify_waiter wait;
	char *path = sbx_notify_socket_path();
	long long deadline = sbx_notify_now_ms() + RECONNECT_MS;
	int fd = -1;

	if (!path)
		return -1;
	sbx_notify_waiter_init(&wait, path);
	sbx_notify_waiter_arm(&wait);
	while (fd < 0) {
		int probe = sbx_notify_connect(path, 1000);

		if (probe >= 0) {
			close(probe);
			fd = subscribe();
			break;
		}
		if (sbx_notify_waiter_wait(&wait, deadline)) {
			/* Nobody restarted it: this watch starts one. */
			fd = subscribe();
			break;
		}
	}
	sbx_notify_waiter_release(&wait);
	free(path);
	return fd;
}

int sbx_ls_watch(struct sbx_ctx *ctx, int json)
{
	struct sbx_config *cfg = sbx_config_load(NULL);
	struct watch w;
	struct sbx_lines in;
	char buf[16384];
	int fd, ret = 0;

	if (!cfg)
		return sbx_fail(ctx, 1);
	if (!sbx_config_bool(cfg, "notify.enabled")) {
		sbx_config_free(cfg);
		sbx_error("the agents' states come from the notification server, which "
			  "notify.enabled turns off");
		return sbx_fail(ctx, 1);
	}
	sbx_config_free(cfg);
	memset(&w, 0, sizeof(w));
	w.tty = isatty(STDOUT_FILENO);
	w.json = json;
	sbx_lines_init(&in, LINE_MAX_BYTES);
	fd = subscribe();
	while (fd >= 0 && !w.failed) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;
		int r = poll(&p, 1, next_tick(&w));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sbx_error_errno("poll failed");
			break;
		}
		if (r == 0) {
			redraw(&w);
			continue;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n > 0) {
			sbx_lines_feed(&in, buf, (size_t)n, &ops, &w);
		} else {
			close(fd);
			sbx_lines_release(&in);
			sbx_lines_init(&in, LINE_MAX_BYTES);
			fd = resubscribe();
		}
		if (w.changed)
			redraw(&w);
	}
	if (fd >= 0)
		close(fd);
	ret = w.failed || fd < 0 ? sbx_fail(ctx, 1) : 0;
	sbx_lines_release(&in);
	sbx_agent_status_list_free(w.agents, w.nr);
	return ret;
}
