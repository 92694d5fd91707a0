/*
 * Event lines, notifications' text, the notifiers' argv and the agents'
 * hook wiring (notify.h), without a server.
 */
#include "tap.h"

#include "config.h"
#include "json.h"
#include "notify.h"
#include "xalloc.h"

static const struct sbx_notify_origin origin = {
	"/home/u/my-app/", "sbx-my-app-1a2b3c-k3x9q", "claude", 1718000000123LL, NULL, NULL,
};

#define MIB (1024 * 1024)

static cJSON *wrap(const char *payload, size_t len, struct sbx_buf *line)
{
	sbx_buf_reset(line);
	sbx_notify_wrap(line, &origin, payload, len);
	return cJSON_ParseWithLength(line->buf, line->len);
}

static void test_wrap(void)
{
	struct sbx_buf line = SBX_BUF_INIT;
	const char *head = "{\"hook_event_name\":\"Stop\",\"tool_input\":{\"x\":1},"
			   "\"last_assistant_message\":\"";
	const char *ev = "{\n  \"hook_event_name\": \"Notification\",\n  \"message\": \"hi\"\n}\n";
	cJSON *doc = wrap(ev, strlen(ev), &line);
	char *big;

	ok(line.len && line.buf[line.len - 1] == '\n' && !memchr(line.buf, '\n', line.len - 1),
	   "a pretty-printed event becomes one line");
	is_int(sbx_json_get_number(doc, "v", 0), 1, "version 1");
	is_str(sbx_json_get_string(doc, "project"), "/home/u/my-app/", "project");
	is_str(sbx_json_get_string(doc, "sandbox"), origin.sandbox, "sandbox");
	is_str(sbx_json_get_string(doc, "agent"), "claude", "agent");
	ok(sbx_json_get_number(doc, "time", 0) == 1718000000123.0, "time in ms");
	is_str(sbx_json_get_string(cJSON_GetObjectItem(doc, "event"), "message"), "hi",
	       "the event is the agent's JSON");
	cJSON_Delete(doc);

	doc = wrap("{\"a\":1} trailing", 16, &line);
	ok(cJSON_IsString(cJSON_GetObjectItem(doc, "event")), "JSON followed by text is a string");
	cJSON_Delete(doc);
	doc = wrap("9\0", 2, &line);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "event")), "9",
	       "a bare JSON value (and a NUL after it) is text");
	cJSON_Delete(doc);
	doc = wrap("", 0, &line);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "event")), "", "nothing is an empty string");
	cJSON_Delete(doc);

	/* 1 MiB of message: the line is cut down to the useful fields, each shortened. */
	big = sbx_malloc(strlen(head) + MIB + 3);
	memcpy(big, head, strlen(head));
	memset(big + strlen(head), 'y', MIB);
	memcpy(big + strlen(head) + MIB, "\"}", 3);
	doc = wrap(big, strlen(big), &line);
	ok(line.len <= SBX_NOTIFY_LINE_MAX, "a huge event fits the line limit (%zu bytes)", line.len);
	ok(doc && sbx_json_get_string(cJSON_GetObjectItem(doc, "event"), "hook_event_name"),
	   "and keeps its event name");
	ok(!cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "event"), "tool_input"),
	   "and drops what a notification does not use");
	cJSON_Delete(doc);
	/* Not JSON and huge: the start of the text. */
	big[0] = 'x';
	doc = wrap(big, strlen(big), &line);
	ok(line.len <= SBX_NOTIFY_LINE_MAX && cJSON_IsString(cJSON_GetObjectItem(doc, "event")),
	   "huge text is a string within the limit");
	cJSON_Delete(doc);
	free(big);
	sbx_buf_release(&line);
}

static void check_parse(const char *event, const char *kind, const char *title,
			const char *message, const char *what)
{
	struct sbx_buf line = SBX_BUF_INIT;
	struct sbx_notify_event ev;
	cJSON *req;
	int ret;

	sbx_notify_wrap(&line, &origin, event, strlen(event));
	ret = sbx_notify_parse_line(line.buf, line.len - 1, NULL, &ev, &req);
	is_int(ret, 0, "%s: parsed", what);
	is_str(ev.kind, kind, "%s: kind", what);
	is_str(ev.title, title, "%s: title", what);
	is_str(ev.message, message, "%s: message", what);
	is_str(ev.group, "sbx:sbx-my-app-1a2b3c-k3x9q", "%s: one group per sandbox", what);
	sbx_notify_event_release(&ev);
	sbx_buf_release(&line);
}

static void test_parse(void)
{
	const char *session = "{\"session\":{\"name\":\"x\"}}";
	struct sbx_notify_event ev;
	cJSON *req = NULL;

	check_parse("{\"hook_event_name\":\"Notification\",\"message\":\"Claude needs your permission to use Bash\"}",
		    "Notification", "my-app: Claude is waiting",
		    "Claude needs your permission to use Bash", "Notification");
	check_parse("{\"hook_event_name\":\"Stop\",\"last_assistant_message\":\"Done.\\n\\nAll  good\"}",
		    "Stop", "my-app: Claude finished", "Done. All good", "Stop");
	check_parse("{\"hook_event_name\":\"SubagentStop\"}", "SubagentStop",
		    "my-app: Claude's subagent finished", "finished", "SubagentStop");
	check_parse("{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\"}", "PreToolUse",
		    "my-app: Claude: PreToolUse", "Bash", "PreToolUse");
	check_parse("{\"type\":\"agent-turn-complete\",\"last-assistant-message\":\"ok\"}", "Stop",
		    "my-app: Claude finished", "ok", "Codex's turn end is a Stop");
	check_parse("just text", "Notification", "my-app: Claude is waiting", "just text", "text");
	check_parse("{\"hook_event_name\":\"Notification\",\"message\":\"\\u001b]9;evil\\u0007 x\"}",
		    "Notification", "my-app: Claude is waiting", "]9;evil x",
		    "no escape or bell survives");

	is_int(sbx_notify_parse_line("{\"stats\":true}", 14, NULL, &ev, &req), 1, "a stats request");
	ok(req != NULL, "is handed back");
	cJSON_Delete(req);
	is_int(sbx_notify_parse_line("{x", 2, NULL, &ev, &req), -1, "not JSON is malformed");
	is_int(sbx_notify_parse_line("[]", 2, NULL, &ev, &req), -1, "an array is malformed");
	is_int(sbx_notify_parse_line("{\"v\":2,\"event\":{}}", 18, NULL, &ev, &req), -1,
	       "another version is malformed");
	is_int(sbx_notify_parse_line("{\"v\":1,\"event\":3}", 17, NULL, &ev, &req), -1,
	       "an event that is a number is malformed");
	is_int(sbx_notify_parse_line("{\"v\":1,\"event\":{}}", 18, NULL, &ev, &req), 0,
	       "a bare event parses");
	is_str(ev.title, "sbx: the agent: unknown", "with what little is known");
	is_str(ev.group, "sbx:default", "in the default group");
	sbx_notify_event_release(&ev);
	is_int(sbx_notify_parse_line(session, strlen(session), NULL, &ev, &req), 1, "a session request");
	cJSON_Delete(req);
}

/* A session's socket: who sent the line is what the host registered, never what it says. */
static void test_trusted(void)
{
	static const struct sbx_notify_origin mine = { "/home/u/mine", "sbx-mine-1a2b3c-aaaaa",
		"codex", 0, NULL, NULL };
	static const struct sbx_notify_origin bare = { NULL, NULL, NULL, 0, NULL, NULL };
	const char *forged = "{\"v\":1,\"project\":\"/home/u/other\",\"sandbox\":\"sbx-other-9f8e7d-bbbbb\","
			     "\"agent\":\"claude\",\"event\":{\"hook_event_name\":\"Stop\"}}";
	struct sbx_notify_event ev;
	cJSON *req = NULL;

	is_int(sbx_notify_parse_line(forged, strlen(forged), &mine, &ev, &req), 0, "a forged line parses");
	is_str(ev.title, "mine: Codex finished", "titled with the registered project and agent");
	is_str(ev.group, "sbx:sbx-mine-1a2b3c-aaaaa", "in the registered sandbox's group");
	is_str(ev.sandbox, "sbx-mine-1a2b3c-aaaaa", "for the registered sandbox's terminal");
	sbx_notify_event_release(&ev);
	is_int(sbx_notify_parse_line(forged, strlen(forged), &bare, &ev, &req), 0,
	       "with nothing registered");
	is_str(ev.title, "sbx: the agent finished", "the line's claims are still ignored");
	is_str(ev.group, "sbx:default", "and its group is not the one it claims");
	ok(!ev.sandbox, "nor its sandbox");
	sbx_notify_event_release(&ev);
}

static void test_clean(void)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_notify_clean_text(&b, "  a\tb\n\nc  ", 100);
	is_str(b.buf, "a b c", "white space and controls collapse");
	sbx_buf_reset(&b);
	sbx_notify_clean_text(&b, "bad \xff\xc3 utf8 \xed\xa0\x80!", 100);
	is_str(b.buf, "bad ?? utf8 ???" "!", "invalid UTF-8 becomes '?'");
	sbx_buf_reset(&b);
	sbx_notify_clean_text(&b, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 7);
	is_str(b.buf, "\xc3\xa9\xc3\xa9...", "cut at a character boundary, with an ellipsis");
	ok(b.len <= 7, "within the limit");
	sbx_buf_reset(&b);
	sbx_notify_clean_text(&b, "\xe2\x82\xac\xe2\x82\xac\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 10);
	is_str(b.buf, "\xe2\x82\xac\xe2\x82\xac...", "3- and 4-byte characters are never split");
	sbx_buf_release(&b);
}

static void check_clean(const char *in, const char *want, const char *what)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_notify_clean_text(&b, in, 100);
	is_str(b.buf, want, "%s", what);
	sbx_buf_release(&b);
}

/* Each class of character that could steer a terminal or the reader's eye. */
static void test_clean_classes(void)
{
	check_clean("a\x01\x07\x08\x1b[31mb\x7f", "a [31mb", "C0 controls and DEL");
	check_clean("a\xc2\x9b" "31mb", "a 31mb", "C1 CSI (U+009B)");
	check_clean("a\xc2\x80\xc2\x85\xc2\x9d" "8;;x\xc2\x9c" "b\xc2\x9f",
		    "a 8;;x b", "every C1 control (U+0080-U+009F): NEL, OSC, ST");
	check_clean("txt.\xe2\x80\xae" "exe.sh", "txt.exe.sh", "RIGHT-TO-LEFT OVERRIDE (U+202E)");
	check_clean("a\xe2\x80\xaa" "b\xe2\x80\xab" "c\xe2\x80\xac" "d\xe2\x80\xad" "e",
		    "abcde", "embeddings and overrides (U+202A-U+202D)");
	check_clean("a\xe2\x81\xa6" "b\xe2\x81\xa7" "c\xe2\x81\xa8" "d\xe2\x81\xa9" "e",
		    "abcde", "isolates (U+2066-U+2069)");
	check_clean("a\xe2\x80\x8e" "b\xe2\x80\x8f" "c\xd8\x9c" "d", "abcd",
		    "marks (U+200E, U+200F, U+061C)");
	check_clean("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", "a b c", "line and paragraph separators");
	check_clean("\xc0\xaf\xe0\x80\xaf|\xf4\x90\x80\x80|\xed\xb0\x80|\xe2\x80", "?????|????|???|??",
		    "overlong, beyond U+10FFFF, surrogate and truncated sequences are replaced");
	check_clean("\xc2\xa0\xd7\x90\xe2\x80\x8b", "\xc2\xa0\xd7\x90\xe2\x80\x8b",
		    "other characters (NBSP, Hebrew, zero width space) stay");
}

static int has(const struct sbx_strvec *v, const char *s)
{
	for (size_t i = 0; i < v->nr; i++)
		if (!strcmp(v->v[i], s))
			return 1;
	return 0;
}

static void test_argv(void)
{
	struct sbx_notification n = { "-T", "sub", "msg \"q\" \\", "Glass", "g1", "https://x" };
	struct sbx_strvec a = SBX_STRVEC_INIT;
	struct sbx_buf t = SBX_BUF_INIT;

	sbx_notifier_argv(SBX_NOTIFIER_NOTIFY_SEND, &n, 7, &a);
	is_str(a.v[0], "notify-send", "notify-send");
	ok(has(&a, "-p") && has(&a, "--replace-id=7"), "prints its id and replaces 7");
	ok(has(&a, "--hint=string:x-canonical-private-synchronous:g1"), "the group as a hint");
	ok(has(&a, "--hint=string:sound-name:Glass"), "the sound as a hint");
	is_str(a.v[a.nr - 3], "--", "options end before the title");
	is_str(a.v[a.nr - 2], "-T", "a title starting with '-' stays a title");
	is_str(a.v[a.nr - 1], "sub\nmsg \"q\" \\\nhttps://x", "body: subtitle, message, URL");
	sbx_strvec_clear(&a);

	sbx_notifier_argv(SBX_NOTIFIER_TERMINAL_NOTIFIER, &n, 0, &a);
	ok(!strcmp(a.v[0], "terminal-notifier") && has(&a, "-group") && has(&a, "g1") &&
	   has(&a, "-sound") && has(&a, "-open") && has(&a, "-subtitle"),
	   "terminal-notifier gets its own flags");
	sbx_strvec_clear(&a);

	sbx_notifier_argv(SBX_NOTIFIER_OSASCRIPT, &n, 0, &a);
	is_str(a.v[0], "osascript", "osascript");
	ok(has(&a, "msg \"q\" \\ https://x") && has(&a, "-T") && has(&a, "Glass"),
	   "osascript gets the text as arguments, never inside a script literal");
	for (size_t i = 0; i < a.nr; i++)
		if (strstr(a.v[i], "display notification"))
			ok(!strstr(a.v[i], "msg"), "the script holds no text of the notification");
	sbx_strvec_clear(&a);

	is_int(sbx_notifier_parse_id("42\n"), 42, "notify-send's id");
	is_int(sbx_notifier_parse_id("oops"), 0, "no id");

	n.message = "a\033]0;x\007b";
	sbx_notify_terminal_text(&n, &t);
	is_str(t.buf, "\a\033]9;-T - sub: a ]0;x b\a", "OSC 9 with the text's own escapes removed");
	sbx_buf_release(&t);
}

static void test_wiring(void)
{
	struct sbx_config *cfg = sbx_config_new();
	struct sbx_strvec events = SBX_STRVEC_INIT;
	struct sbx_buf toml = SBX_BUF_INIT, script = SBX_BUF_INIT;
	cJSON *mine, *shipped = NULL, *off;

	sbx_hook_events(cfg, &events);
	ok(events.nr == 2 && !strcmp(events.v[0], "Notification") && !strcmp(events.v[1], "Stop"),
	   "default events: Notification and Stop");
	sbx_strvec_clear(&events);
	sbx_hook_wired_events(cfg, &events);
	ok(events.nr == 5 && !strcmp(events.v[0], "Notification") && !strcmp(events.v[1], "Stop") &&
	   !strcmp(events.v[2], "UserPromptSubmit") && !strcmp(events.v[3], "PreToolUse") &&
	   !strcmp(events.v[4], "PostToolUse"),
	   "wired: those, then what the agents' states need");
	mine = sbx_claude_hook_settings(&events);
	ok(!sbx_jsonc_read_file(SBX_SRCDIR "/hooks/claude-settings.json", &shipped) &&
	   cJSON_Compare(mine, shipped, 1), "hooks/claude-settings.json is what sbx setup writes");
	sbx_codex_hook_toml(&events, &toml);
	like(toml.buf, "notify = [\"sbx\", \"hook\", \"--agent\", \"codex\"]", "Codex's notify");
	sbx_agent_hooks_script(cfg, &script);
	like(script.buf, "printf %s '{", "the script writes settings.json quoted");
	like(script.buf, "\"$HOME/.codex/config.toml\"", "and config.toml");
	cJSON_Delete(mine);
	cJSON_Delete(shipped);
	sbx_strvec_clear(&events);
	sbx_buf_reset(&toml);

	off = cJSON_Parse("{\"notify\": {\"enabled\": false}}");
	sbx_config_merge(cfg, SBX_LAYER_USER, "test", off);
	sbx_hook_wired_events(cfg, &events);
	is_int(events.nr, 0, "notify.enabled false: no events");
	sbx_codex_hook_toml(&events, &toml);
	is_int(toml.len, 0, "and no Codex notify");
	cJSON_Delete(off);
	sbx_strvec_clear(&events);
	sbx_buf_release(&toml);
	sbx_buf_release(&script);
	sbx_config_free(cfg);
}

int main(void)
{
	test_wrap();
	test_parse();
	test_trusted();
	test_clean();
	test_clean_classes();
	test_argv();
	test_wiring();
	return done_testing();
}
