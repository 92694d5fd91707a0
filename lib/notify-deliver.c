/*
 * The notifiers (notify.h): terminal-notifier and osascript on macOS,
 * notify-send on Linux, and a bell with OSC 9 on a terminal elsewhere. Each
 * is an argv (never a shell string); the server runs them without waiting,
 * `sbx notify send` runs one and waits.
 */
#include "notify.h"
#include "backend.h"
#include "error.h"
#include "json.h"
#include "owner.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const names[] = {
	[SBX_NOTIFIER_TERMINAL_NOTIFIER] = "terminal-notifier",
	[SBX_NOTIFIER_OSASCRIPT] = "osascript",
	[SBX_NOTIFIER_NOTIFY_SEND] = "notify-send",
	[SBX_NOTIFIER_TERMINAL] = "terminal",
};

const char *sbx_notifier_name(enum sbx_notifier n)
{
	return names[n];
}

enum sbx_notifier sbx_notifier_detect(void)
{
	const char *forced = getenv("SBX_NOTIFIER");

	if (forced && *forced)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(forced, names[i]))
				return (enum sbx_notifier)i;
#ifdef __APPLE__
	return sbx_which("terminal-notifier") ? SBX_NOTIFIER_TERMINAL_NOTIFIER
					      : SBX_NOTIFIER_OSASCRIPT;
#else
	return sbx_which("notify-send") ? SBX_NOTIFIER_NOTIFY_SEND : SBX_NOTIFIER_TERMINAL;
#endif
}

static int set(const char *s)
{
	return s && *s;
}

static void push_flag(struct sbx_strvec *argv, const char *flag, const char *value)
{
	if (set(value))
		sbx_strvec_pushv(argv, (const char *[]){ flag, value, NULL });
}

/*
 * osascript: the values reach the script as arguments of its run handler,
 * never inside AppleScript string literals, so no text needs quoting.
 */
static void osascript_argv(const struct sbx_notification *n, struct sbx_strvec *argv)
{
	struct sbx_buf msg = SBX_BUF_INIT;

	sbx_buf_adds(&msg, set(n->message) ? n->message : "");
	if (set(n->open))
		sbx_buf_addf(&msg, "%s%s", msg.len ? " " : "", n->open);
	sbx_strvec_pushv(argv, (const char *[]){ "osascript",
		"-e", "on run argv",
		"-e", set(n->sound)
			? "display notification (item 1 of argv) with title (item 2 of argv) "
			  "subtitle (item 3 of argv) sound name (item 4 of argv)"
			: "display notification (item 1 of argv) with title (item 2 of argv) "
			  "subtitle (item 3 of argv)",
		"-e", "end run", msg.buf, set(n->title) ? n->title : "sbx",
		set(n->subtitle) ? n->subtitle : "", NULL });
	if (set(n->sound))
		sbx_strvec_push(argv, n->sound);
	sbx_buf_release(&msg);
}

static void notify_send_argv(const struct sbx_notification *n, unsigned replace_id,
			     struct sbx_strvec *argv)
{
	struct sbx_buf body = SBX_BUF_INIT;

	sbx_strvec_pushv(argv, (const char *[]){ "notify-send", "-a", "sbx", "-p", NULL });
	if (replace_id)
		sbx_strvec_pushf(argv, "--replace-id=%u", replace_id);
	/* Notification daemons that know the hint replace the group's earlier one themselves. */
	if (set(n->group))
		sbx_strvec_pushf(argv, "--hint=string:x-canonical-private-synchronous:%s", n->group);
	if (set(n->sound))
		sbx_strvec_pushf(argv, "--hint=string:sound-name:%s", n->sound);
	if (set(n->subtitle))
		sbx_buf_addf(&body, "%s\n", n->subtitle);
	sbx_buf_adds(&body, set(n->message) ? n->message : "");
	if (set(n->open))
		sbx_buf_addf(&body, "%s%s", body.len ? "\n" : "", n->open);
	/* "--" keeps a title that starts with '-' from being taken for a flag. */
	sbx_strvec_pushv(argv, (const char *[]){ "--", set(n->title) ? n->title : "sbx",
						 body.buf, NULL });
	sbx_buf_release(&body);
}

void sbx_notifier_argv(enum sbx_notifier which, const struct sbx_notification *n,
		       unsigned replace_id, struct sbx_strvec *argv)
{
	switch (which) {
	case SBX_NOTIFIER_TERMINAL_NOTIFIER:
		sbx_strvec_pushv(argv, (const char *[]){ "terminal-notifier",
			"-message", set(n->message) ? n->message : " ", NULL });
		push_flag(argv, "-title", set(n->title) ? n->title : "sbx");
		push_flag(argv, "-subtitle", n->subtitle);
		push_flag(argv, "-sound", n->sound);
		push_flag(argv, "-group", n->group);
		push_flag(argv, "-open", n->open);
		break;
	case SBX_NOTIFIER_OSASCRIPT:
		osascript_argv(n, argv);
		break;
	case SBX_NOTIFIER_NOTIFY_SEND:
		notify_send_argv(n, replace_id, argv);
		break;
	case SBX_NOTIFIER_TERMINAL:
		break;
	}
}

unsigned sbx_notifier_parse_id(const char *out)
{
	char *end;
	unsigned long id;

	while (*out == ' ' || *out == '\n')
		out++;
	id = strtoul(out, &end, 10);
	if (end == out || id > 0xffffffffUL)
		return 0;
	return (unsigned)id;
}

/* OSC 9 ("\e]9;text\a") shows text as a notification in terminals that know it. */
void sbx_notify_terminal_text(const struct sbx_notification *n, struct sbx_buf *out)
{
	struct sbx_buf text = SBX_BUF_INIT, clean = SBX_BUF_INIT;

	sbx_buf_adds(&text, set(n->title) ? n->title : "sbx");
	if (set(n->subtitle))
		sbx_buf_addf(&text, " - %s", n->subtitle);
	if (set(n->message))
		sbx_buf_addf(&text, ": %s", n->message);
	/* No escape or bell of the text's own can end the sequence early. */
	sbx_notify_clean_text(&clean, text.buf, 400);
	sbx_buf_addf(out, "\a\033]9;%s\a", clean.buf);
	sbx_buf_release(&text);
	sbx_buf_release(&clean);
}

int sbx_notify_terminal_write(const char *tty, const struct sbx_notification *n)
{
	struct sbx_buf text = SBX_BUF_INIT;
	struct stat st;
	int fd, ret = 0;

	fd = open(tty, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return sbx_error_errno("cannot open '%s'", tty);
	/* Only a terminal of our own: a record could name any file. */
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode) || !isatty(fd) ||
	    (st.st_uid != getuid() && getuid() != 0)) {
		close(fd);
		return sbx_error("'%s' is not a terminal of ours", tty);
	}
	sbx_notify_terminal_text(n, &text);
	if (write(fd, text.buf, text.len) != (ssize_t)text.len)
		ret = sbx_error_errno("cannot write to '%s'", tty);
	close(fd);
	sbx_buf_release(&text);
	return ret;
}

char *sbx_notify_session_tty(const char *sandbox)
{
	cJSON *records;
	const cJSON *best = NULL;
	char *tty = NULL;

	if (!sandbox || sbx_owner_list(&records)) {
		sbx_clear_error();
		return NULL;
	}
	for (const cJSON *r = records->child; r; r = r->next) {
		const char *name = sbx_json_get_string(r, "name");
		const char *sb = sbx_json_get_string(r, "sandbox");

		if (!sbx_json_get_string(r, "tty") ||
		    !((name && !strcmp(name, sandbox)) || (sb && !strcmp(sb, sandbox))) ||
		    !sbx_owner_alive(r))
			continue;
		/* A persistent sandbox used by several runs: the latest run's terminal. */
		if (!best || sbx_json_get_number(r, "created", 0) > sbx_json_get_number(best, "created", 0))
			best = r;
	}
	if (best)
		tty = sbx_strdup(sbx_json_get_string(best, "tty"));
	cJSON_Delete(records);
	return tty;
}
