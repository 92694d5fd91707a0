/*
 * libFuzzer harness for the notification path's parsers (notify.h): whatever
 * bytes an agent hands `sbx hook`, the line it makes is one line within the
 * limit that the server parses as an event; whatever bytes a client writes
 * to the server, parsing never crashes or leaks, every text it would show is
 * valid UTF-8 without control characters or bidirectional overrides, within
 * its limits, and a line on a session's socket is that session's whatever it
 * claims; and the server's line splitter finds the same lines however the
 * bytes are cut. What an event does to its session's agent's state
 * (agent-status.h) keeps its text clean, and a status read back from any
 * bytes is clean and reads back the same.
 */
#include "agent-status.h"
#include "error.h"
#include "lines.h"
#include "notify.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The code point at p (valid UTF-8: the cleaner made it), and its length. */
static unsigned decode(const unsigned char *p, size_t *len)
{
	if (p[0] < 0x80) {
		*len = 1;
		return p[0];
	}
	if (p[0] < 0xe0) {
		*len = 2;
		return (unsigned)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	}
	if (p[0] < 0xf0) {
		*len = 3;
		return (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	}
	*len = 4;
	return (unsigned)(p[0] & 0x07) << 18 | (unsigned)(p[1] & 0x3f) << 12 |
	       (unsigned)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

static void check_text(const char *s, size_t max)
{
	struct sbx_buf again = SBX_BUF_INIT;

	if (!s || strlen(s) > max + 3)
		abort();
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t len;
		unsigned cp = decode(p, &len);

		/* No control (C0, DEL, C1), no bidirectional mark, embedding, override or isolate. */
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
		    cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
		    cp == 0x2028 || cp == 0x2029)
			abort();
		for (size_t i = 1; i < len; i++)
			if (!p[i])
				abort();
		p += len;
	}
	/* Clean text is a fixed point: valid UTF-8, nothing left to replace. */
	sbx_notify_clean_text(&again, s, strlen(s));
	if (strcmp(again.buf, s))
		abort();
	sbx_buf_release(&again);
}

static void check_event(const struct sbx_notify_event *ev)
{
	if (!ev->kind || !ev->group)
		abort();
	check_text(ev->title, 120);
	check_text(ev->message, 300);
	if (ev->type)
		check_text(ev->type, 64);
}

/* A status's text is clean, and it reads back the same from its own record. */
static void check_status(const struct sbx_agent_status *st)
{
	struct sbx_agent_status back;
	cJSON *o = sbx_agent_status_json(st), *again;

	if (st->message)
		check_text(st->message, SBX_AGENT_MESSAGE_MAX);
	if (sbx_agent_status_from_json(&back, o))
		abort();
	again = sbx_agent_status_json(&back);
	if (!cJSON_Compare(o, again, 1))
		abort();
	cJSON_Delete(again);
	cJSON_Delete(o);
	sbx_agent_status_release(&back);
}

/* The event moves a session's agent as the server would. */
static void check_agent(const struct sbx_notify_event *ev)
{
	struct sbx_agent_status st;

	memset(&st, 0, sizeof(st));
	st.name = sbx_strdup("sbx-app-1a2b3c-k3x9q");
	st.code = -1;
	sbx_agent_status_event(&st, ev->kind, ev->type, ev->message, 1);
	check_status(&st);
	sbx_agent_status_release(&st);
}

/* Any bytes as a kept status: refused, or clean. */
static void check_record(const uint8_t *data, size_t size)
{
	struct sbx_agent_status st;
	cJSON *doc = cJSON_ParseWithLength((const char *)data, size);

	if (doc && !sbx_agent_status_from_json(&st, doc)) {
		const char *fields[] = { st.sandbox, st.project, st.agent, st.backend, st.repo,
					 st.branch, st.message };

		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (fields[i])
				check_text(fields[i], 4096);
		check_status(&st);
		sbx_agent_status_release(&st);
	}
	sbx_clear_error();
	cJSON_Delete(doc);
}

static void on_line(void *data, const char *line, size_t len)
{
	sbx_buf_add(data, line, len);
	sbx_buf_addch(data, '\n');
}

static void on_oversized(void *data)
{
	sbx_buf_addch(data, '#');
}

/* What the splitter must find: each line that fits, '#' for each that does not. */
static void reference(const char *s, size_t n, size_t max, struct sbx_buf *out)
{
	while (n) {
		const char *nl = memchr(s, '\n', n);
		size_t seg = nl ? (size_t)(nl - s) : n;

		if (seg + 1 > max)
			sbx_buf_addch(out, '#');
		else
			on_line(out, s, seg);
		if (!nl)
			break;
		s += seg + 1;
		n -= seg + 1;
	}
}

static void check_lines(const uint8_t *data, size_t size)
{
	static const struct sbx_lines_ops ops = { on_line, on_oversized };
	struct sbx_buf want = SBX_BUF_INIT, got = SBX_BUF_INIT;
	struct sbx_lines l;
	size_t max = size ? 1 + data[0] % 64 : 1, piece = size > 1 ? 1 + data[1] % 17 : 1;

	reference((const char *)data, size, max, &want);
	sbx_lines_init(&l, max);
	for (size_t off = 0; off < size; off += piece)
		sbx_lines_feed(&l, (const char *)data + off, size - off < piece ? size - off : piece,
			       &ops, &got);
	sbx_lines_end(&l, &ops, &got);
	if (got.len != want.len || memcmp(got.buf, want.buf, got.len))
		abort();
	sbx_buf_release(&want);
	sbx_buf_release(&got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_notify_origin o = { "/home/u/app", "sbx-app-1a2b3c-k3x9q", "claude", 1,
					   "app", "feat/x" };
	struct sbx_buf line = SBX_BUF_INIT, clean = SBX_BUF_INIT;
	struct sbx_notify_event ev;
	cJSON *req = NULL;
	char *text;
	int ret;

	if (size > 256 * 1024)
		return 0;
	check_lines(data, size);
	/* As the hook: any payload makes one valid event line. */
	sbx_notify_wrap(&line, &o, (const char *)data, size);
	if (line.len > SBX_NOTIFY_LINE_MAX || line.buf[line.len - 1] != '\n' ||
	    memchr(line.buf, '\n', line.len - 1))
		abort();
	if (sbx_notify_parse_line(line.buf, line.len - 1, NULL, &ev, &req) != 0)
		abort();
	check_event(&ev);
	sbx_notify_event_release(&ev);

	/* As the server: any line, on its own socket and on a session's. */
	ret = sbx_notify_parse_line((const char *)data, size, NULL, &ev, &req);
	if (ret == 0)
		check_event(&ev);
	sbx_notify_event_release(&ev);
	cJSON_Delete(req);
	req = NULL;
	ret = sbx_notify_parse_line((const char *)data, size, &o, &ev, &req);
	if (ret == 0) {
		check_event(&ev);
		/* Whatever the line claims, the event is the registered session's. */
		if (strcmp(ev.group, "sbx:sbx-app-1a2b3c-k3x9q") || !ev.sandbox ||
		    strcmp(ev.sandbox, o.sandbox) || strncmp(ev.title, "app feat/x: Claude", 18))
			abort();
		check_agent(&ev);
	}
	sbx_notify_event_release(&ev);
	cJSON_Delete(req);

	check_record(data, size);

	/* The cleaner on its own, with a limit taken from the input. */
	text = sbx_strndup((const char *)data, size);
	sbx_notify_clean_text(&clean, text, size ? data[0] : 0);
	check_text(clean.buf, size ? data[0] : 0);
	free(text);
	sbx_buf_release(&clean);
	sbx_buf_release(&line);
	return 0;
}
