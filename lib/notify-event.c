/*
 * Event lines (notify.h): made by `sbx hook`, read by the server, which
 * turns an agent's event into a notification's title and message.
 */
#include "notify.h"
#include "error.h"
#include "json.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The fields of an agent's event a notification can use, kept when a line must shrink. */
static const char *const useful_fields[] = {
	"hook_event_name", "session_id", "cwd", "message", "title", "notification_type",
	"last_assistant_message", "stop_hook_active", "tool_name", "source", "reason",
	"type", "thread-id", "turn-id", "last-assistant-message", NULL,
};

#define SHRUNK_STRING 2048

/* A string cut to at most max bytes, at a UTF-8 character boundary. */
static cJSON *short_string(const char *s, size_t len, size_t max)
{
	char *copy;
	cJSON *item;

	if (len > max) {
		len = max;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	copy = sbx_strndup(s, len);
	item = sbx_json_new_string(copy);
	free(copy);
	return item;
}

static cJSON *shrink_event(const cJSON *event)
{
	cJSON *out = sbx_json_new_object();

	for (size_t i = 0; useful_fields[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(event, useful_fields[i]);

		if (cJSON_IsString(v))
			sbx_json_add_item(out, useful_fields[i],
					  short_string(v->valuestring, strlen(v->valuestring),
						       SHRUNK_STRING));
		else if (cJSON_IsBool(v) || cJSON_IsNumber(v))
			sbx_json_add_item(out, useful_fields[i], sbx_json_dup(v));
	}
	return out;
}

static void add_nullable(cJSON *obj, const char *key, const char *value)
{
	if (value && *value)
		sbx_json_add_string(obj, key, value);
	else
		sbx_json_add_item(obj, key, cJSON_CreateNull());
}

/* Prints the line around event, which stays the caller's. */
static void print_line(struct sbx_buf *out, const struct sbx_notify_origin *o, cJSON *event)
{
	cJSON *line = sbx_json_new_object();

	sbx_json_add_number(line, "v", SBX_NOTIFY_VERSION);
	add_nullable(line, "project", o->project);
	add_nullable(line, "sandbox", o->sandbox);
	add_nullable(line, "agent", o->agent);
	sbx_json_add_number(line, "time", (double)o->time_ms);
	sbx_json_add_item(line, "event", event);
	sbx_json_print(out, line, 0);
	cJSON_DetachItemViaPointer(line, event);
	cJSON_Delete(line);
}

/* print_line with an event made for it. */
static void print_line_free(struct sbx_buf *out, const struct sbx_notify_origin *o, cJSON *event)
{
	print_line(out, o, event);
	cJSON_Delete(event);
}

/*
 * The payload as a JSON object, or NULL: agents' events are objects, and
 * anything else (text, a bare number, text after the value) travels as text.
 */
static cJSON *parse_payload(const char *payload, size_t len)
{
	const char *end = NULL;
	cJSON *doc;

	if (!len)
		return NULL;
	doc = cJSON_ParseWithLengthOpts(payload, len, &end, 0);
	if (doc && !cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return NULL;
	}
	for (const char *p = end; doc && p && p < payload + len; p++) {
		if (!*p || !strchr(" \t\r\n", *p)) {
			cJSON_Delete(doc);
			return NULL;
		}
	}
	return doc;
}

void sbx_notify_wrap(struct sbx_buf *out, const struct sbx_notify_origin *o,
		     const char *payload, size_t len)
{
	size_t start = out->len;
	cJSON *event;

	while (len && (payload[len - 1] == '\n' || payload[len - 1] == '\r'))
		len--;
	event = parse_payload(payload, len);
	if (event)
		print_line(out, o, event);
	else
		print_line_free(out, o, short_string(payload, len, SBX_NOTIFY_LINE_MAX / 4));
	if (out->len - start + 1 > SBX_NOTIFY_LINE_MAX) {
		/* Too long: only what a notification shows, or failing that the start of the text. */
		sbx_buf_truncate(out, start);
		print_line_free(out, o, event ? shrink_event(event)
					: short_string(payload, len, SHRUNK_STRING));
		/* Origins are short in practice; whatever they hold, the line keeps its limit. */
		if (out->len - start + 1 > SBX_NOTIFY_LINE_MAX) {
			struct sbx_notify_origin bare = { NULL, NULL, NULL, o->time_ms, NULL, NULL };

			sbx_buf_truncate(out, start);
			print_line_free(out, &bare, short_string(payload, len, SHRUNK_STRING));
		}
	}
	cJSON_Delete(event);
	sbx_buf_addch(out, '\n');
}

/* ---------------------------------------------------------------- reading */

static char *clean(const char *s, size_t max)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_notify_clean_text(&b, s ? s : "", max);
	return sbx_buf_detach(&b);
}

#define TITLE_MAX 120
#define MESSAGE_MAX 300

static const char *agent_label(const char *agent)
{
	static const char *const labels[][2] = {
		{ "claude", "Claude" }, { "codex", "Codex" }, { "opencode", "OpenCode" },
		{ "gemini", "Gemini" },
	};

	if (!agent || !*agent)
		return "the agent";
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!strcmp(agent, labels[i][0]))
			return labels[i][1];
	return agent;
}

/* The last component of a path, without trailing slashes; into buf. */
static void base_name(struct sbx_buf *b, const char *path)
{
	size_t len = strlen(path);
	const char *start;

	while (len > 1 && path[len - 1] == '/')
		len--;
	start = path + len;
	while (start > path && start[-1] != '/')
		start--;
	sbx_buf_add(b, start, (size_t)(path + len - start));
}

static const char *first_string(const cJSON *obj, const char *const *keys)
{
	for (size_t i = 0; keys[i]; i++) {
		const char *s = sbx_json_get_string(obj, keys[i]);

		if (s && *s)
			return s;
	}
	return NULL;
}

/* What kind of event this is, and its title's verb and message. */
static void describe(const cJSON *event, const char *agent, struct sbx_buf *title,
		     char **kind, char **message)
{
	const char *name = NULL, *text = NULL, *type;

	if (cJSON_IsString(event)) {
		*kind = sbx_strdup("Notification");
		*message = clean(event->valuestring, MESSAGE_MAX);
		sbx_buf_addf(title, "%s is waiting", agent_label(agent));
		return;
	}
	name = sbx_json_get_string(event, "hook_event_name");
	type = sbx_json_get_string(event, "type");
	if (!name && type && !strcmp(type, "agent-turn-complete")) {
		/* Codex's notify payload: the end of a turn, which is what Stop is to Claude. */
		name = "Stop";
		if (!agent)
			agent = "codex";
	} else if (!name && sbx_json_get_string(event, "message")) {
		name = "Notification";
	}
	*kind = sbx_strdup(name ? name : type ? type : "unknown");
	if (!strcmp(*kind, "Notification")) {
		sbx_buf_addf(title, "%s is waiting", agent_label(agent));
		text = first_string(event, (const char *const[]){ "message", "title", NULL });
		*message = clean(text ? text : "waiting for input", MESSAGE_MAX);
	} else if (!strcmp(*kind, "Stop") || !strcmp(*kind, "SubagentStop")) {
		sbx_buf_addf(title, "%s%s finished", agent_label(agent),
			     !strcmp(*kind, "SubagentStop") ? "'s subagent" : "");
		text = first_string(event, (const char *const[]){ "last_assistant_message",
			"last-assistant-message", NULL });
		*message = clean(text ? text : "finished", MESSAGE_MAX);
	} else {
		static const char *const details[] = { "prompt", "tool_name", "source", "reason",
			"message", NULL };

		sbx_buf_addf(title, "%s: %s", agent_label(agent), *kind);
		text = first_string(event, details);
		*message = clean(text ? text : *kind, MESSAGE_MAX);
	}
}

int sbx_notify_parse_line(const char *line, size_t len, const struct sbx_notify_origin *trusted,
			  struct sbx_notify_event *ev, cJSON **request)
{
	struct sbx_buf title = SBX_BUF_INIT;
	const cJSON *event, *v;
	const char *project, *sandbox, *agent;
	cJSON *doc;

	memset(ev, 0, sizeof(*ev));
	*request = NULL;
	doc = cJSON_ParseWithLength(line, len);
	if (!doc)
		return sbx_error("not JSON");
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return sbx_error("not a JSON object");
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "stats")) ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "watch")) ||
	    cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "session")) ||
	    cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "exit"))) {
		*request = doc;
		return 1;
	}
	v = cJSON_GetObjectItemCaseSensitive(doc, "v");
	event = cJSON_GetObjectItemCaseSensitive(doc, "event");
	if (!cJSON_IsNumber(v) || v->valuedouble != SBX_NOTIFY_VERSION) {
		cJSON_Delete(doc);
		return sbx_error("not an event line of version %d", SBX_NOTIFY_VERSION);
	}
	if (!cJSON_IsObject(event) && !cJSON_IsString(event)) {
		cJSON_Delete(doc);
		return sbx_error("\"event\" is neither an object nor a string");
	}
	/* A session's socket says who sent the line; the line's own claims are then no one's. */
	project = trusted ? trusted->project : sbx_json_get_string(doc, "project");
	sandbox = trusted ? trusted->sandbox : sbx_json_get_string(doc, "sandbox");
	agent = trusted ? trusted->agent : sbx_json_get_string(doc, "agent");
	if (trusted && trusted->repo && *trusted->repo) {
		/* Worktrees of one repository told apart: its name and the branch. */
		sbx_notify_clean_text(&title, trusted->repo, 40);
		if (trusted->branch && *trusted->branch) {
			sbx_buf_addch(&title, ' ');
			sbx_notify_clean_text(&title, trusted->branch, 60);
		}
	} else if (project && *project) {
		struct sbx_buf base = SBX_BUF_INIT;

		base_name(&base, project);
		sbx_notify_clean_text(&title, base.buf, 40);
		sbx_buf_release(&base);
	}
	if (!title.len)
		sbx_buf_adds(&title, "sbx");
	sbx_buf_adds(&title, ": ");
	describe(event, agent && *agent ? agent : NULL, &title, &ev->kind, &ev->message);
	if (cJSON_IsObject(event) && sbx_json_get_string(event, "notification_type"))
		ev->type = clean(sbx_json_get_string(event, "notification_type"), 64);
	ev->title = clean(title.buf, TITLE_MAX);
	ev->sandbox = sandbox && *sandbox ? sbx_strdup(sandbox) : NULL;
	ev->group = sbx_asprintf("sbx:%s", ev->sandbox ? ev->sandbox :
				 project && *project ? project : "default");
	sbx_buf_release(&title);
	cJSON_Delete(doc);
	return 0;
}

void sbx_notify_event_release(struct sbx_notify_event *ev)
{
	free(ev->kind);
	free(ev->type);
	free(ev->title);
	free(ev->message);
	free(ev->group);
	free(ev->sandbox);
	memset(ev, 0, sizeof(*ev));
}
