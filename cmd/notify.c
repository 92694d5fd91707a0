/*
 * sbx notify: the host's notification server, terminal-notifier's interface
 * for scripts, and the server's counters (notify.h).
 *
 * `serve` never detects a project or loads the git module: it stays small
 * (under 2 MiB resident) and serves every project of the user.
 */
#include "cmd.h"
#include "error.h"
#include "json.h"
#include "notify.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The value of a flag at argv[*i] ("-title T", "--title T", "--title=T"), or NULL if another. */
static int flag_value(int argc, char **argv, int *i, const char *name, const char **value,
		      const struct sbx_ctx *ctx, int *bad)
{
	const char *a = argv[*i] + 1;
	size_t len = strlen(name);

	if (*a == '-')
		a++;
	if (strncmp(a, name, len) || (a[len] && a[len] != '='))
		return 0;
	if (a[len] == '=') {
		*value = a + len + 1;
	} else if (*i + 1 < argc) {
		*value = argv[++*i];
	} else {
		*bad = sbx_usage_error(ctx, "flag '%s' needs a value", argv[*i]);
	}
	return 1;
}

static int read_message(struct sbx_buf *b)
{
	if (isatty(0))
		return 0;
	if (sbx_buf_read_fd(b, 0))
		return -1;
	while (b->len && b->buf[b->len - 1] == '\n')
		sbx_buf_truncate(b, b->len - 1);
	return 0;
}

static int notify_send(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_notification n = { NULL, NULL, NULL, NULL, NULL, NULL };
	struct sbx_buf stdin_msg = SBX_BUF_INIT;
	int bad = 0, ret;

	for (int i = 1; i < argc && !bad; i++) {
		if (argv[i][0] != '-' || !argv[i][1])
			return sbx_usage_error(ctx, "unexpected argument '%s'", argv[i]);
		if (!flag_value(argc, argv, &i, "title", &n.title, ctx, &bad) &&
		    !flag_value(argc, argv, &i, "message", &n.message, ctx, &bad) &&
		    !flag_value(argc, argv, &i, "subtitle", &n.subtitle, ctx, &bad) &&
		    !flag_value(argc, argv, &i, "sound", &n.sound, ctx, &bad) &&
		    !flag_value(argc, argv, &i, "group", &n.group, ctx, &bad) &&
		    !flag_value(argc, argv, &i, "open", &n.open, ctx, &bad))
			return sbx_usage_error(ctx, "unknown flag '%s' (send takes -title, -message, "
					       "-subtitle, -sound, -group, -open)", argv[i]);
	}
	if (bad)
		return bad;
	/* As terminal-notifier: without -message, the message is read from stdin. */
	if (!n.message) {
		if (read_message(&stdin_msg)) {
			sbx_buf_release(&stdin_msg);
			return sbx_fail(ctx, 1);
		}
		if (!stdin_msg.len) {
			sbx_buf_release(&stdin_msg);
			return sbx_usage_error(ctx, "'-message' is required (or the message on stdin)");
		}
		n.message = stdin_msg.buf;
	}
	ret = sbx_notify_send(&n) ? sbx_fail(ctx, 1) : 0;
	sbx_buf_release(&stdin_msg);
	return ret;
}

static int notify_serve(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_notify_serve_opts o = { NULL, -1 };
	const char *fd = NULL;
	int bad = 0;

	for (int i = 1; i < argc && !bad; i++) {
		char *end;

		if (argv[i][0] != '-' || !flag_value(argc, argv, &i, "ready-fd", &fd, ctx, &bad))
			return sbx_usage_error(ctx, "serve: unexpected argument '%s'", argv[i]);
		if (fd) {
			long v = strtol(fd, &end, 10);

			if (*end || end == fd || v < 3 || v > 65535)
				return sbx_usage_error(ctx, "--ready-fd: '%s' is no descriptor", fd);
			o.ready_fd = (int)v;
		}
	}
	if (bad)
		return bad;
	return sbx_notify_serve(&o) ? sbx_fail(ctx, 1) : 0;
}

/* `sbx notify stats [--wait COUNTER=N]... [--timeout MS]`: the server's counters as JSON. */
static int notify_stats(int argc, char **argv, struct sbx_ctx *ctx)
{
	cJSON *req = sbx_json_new_object(), *wait = NULL;
	struct sbx_buf line = SBX_BUF_INIT, answer = SBX_BUF_INIT;
	char *path = NULL;
	double timeout = 10000;
	int bad = 0, ret = 1, fd = -1;

	sbx_json_add_bool(req, "stats", 1);
	for (int i = 1; i < argc && !bad; i++) {
		const char *v = NULL;
		char *end;

		if (argv[i][0] == '-' && flag_value(argc, argv, &i, "wait", &v, ctx, &bad)) {
			const char *eq = v ? strchr(v, '=') : NULL;
			double n = eq ? strtod(eq + 1, &end) : 0;
			char *name;

			if (!v)
				continue;
			if (!eq || eq == v || *end || end == eq + 1) {
				bad = sbx_usage_error(ctx, "--wait: expected COUNTER=N, found '%s'", v);
				continue;
			}
			if (!wait)
				wait = sbx_json_add_item(req, "wait", sbx_json_new_object());
			name = sbx_strndup(v, (size_t)(eq - v));
			sbx_json_add_number(wait, name, n);
			free(name);
		} else if (argv[i][0] == '-' && flag_value(argc, argv, &i, "timeout", &v, ctx, &bad)) {
			if (v && ((timeout = strtod(v, &end)) < 0 || *end || end == v))
				bad = sbx_usage_error(ctx, "--timeout: expected milliseconds, found '%s'", v);
		} else {
			bad = sbx_usage_error(ctx, "stats: unexpected argument '%s'", argv[i]);
		}
	}
	if (bad) {
		ret = bad;
		goto out;
	}
	sbx_json_add_number(req, "timeout", timeout);
	sbx_json_print(&line, req, 0);
	sbx_buf_addch(&line, '\n');
	/* Inside a sandbox the forwarded socket; on the host the server's own. */
	path = getenv("SBX_NOTIFY_SOCKET") && *getenv("SBX_NOTIFY_SOCKET")
		? sbx_strdup(getenv("SBX_NOTIFY_SOCKET")) : sbx_notify_socket_path();
	if (!path)
		goto fail;
	fd = sbx_notify_connect(path, 1000);
	if (fd < 0) {
		sbx_error_errno("no notification server on '%s'", path);
		goto fail;
	}
	if (sbx_notify_write_all(fd, line.buf, line.len, 0x7fffffffffffffffLL)) {
		sbx_error_errno("cannot write to '%s'", path);
		goto fail;
	}
	if (sbx_notify_read_line(fd, &answer, sbx_notify_now_ms() + (long long)timeout + 5000))
		goto fail;
	fwrite(answer.buf, 1, strcspn(answer.buf, "\n") + 1, stdout);
	ret = 0;
	goto out;
fail:
	ret = sbx_fail(ctx, 1);
out:
	if (fd >= 0)
		close(fd);
	cJSON_Delete(req);
	sbx_buf_release(&line);
	sbx_buf_release(&answer);
	free(path);
	return ret;
}

static int cmd_notify(int argc, char **argv, struct sbx_ctx *ctx)
{
	if (argc < 2)
		return sbx_usage_error(ctx, "expected serve, send or stats");
	if (!strcmp(argv[1], "serve"))
		return notify_serve(argc - 1, argv + 1, ctx);
	if (!strcmp(argv[1], "send"))
		return notify_send(argc - 1, argv + 1, ctx);
	if (!strcmp(argv[1], "stats"))
		return notify_stats(argc - 1, argv + 1, ctx);
	return sbx_usage_error(ctx, "unknown subcommand '%s' (expected serve, send or stats)", argv[1]);
}

const struct sbx_cmd sbx_cmd_notify = {
	.name = "notify",
	.summary = "the host's notification server, and a terminal-notifier for scripts",
	.usage = "sbx notify serve\n"
		 "sbx notify send -title T -message M [-subtitle S] [-sound NAME] [-group ID] [-open URL]\n"
		 "sbx notify stats [--wait COUNTER=N]... [--timeout MS]",
	.description = "serve: the notification server `sbx run` starts on demand (one per user) on\n"
		"$XDG_RUNTIME_DIR/sbx/notify.sock, with a socket of its own for each session `sbx run`\n"
		"registers there; it shows the events of notify.events and logs to\n"
		"$XDG_STATE_HOME/sbx/notify.log.\n"
		"send: terminal-notifier's flags, on macOS and Linux alike (notify-send, osascript,\n"
		"terminal-notifier, or a bell and OSC 9 on the terminal; $SBX_NOTIFIER chooses).\n"
		"Without -message the message is read from stdin.\n"
		"stats: the server's counters as JSON; --wait answers once each COUNTER has reached N\n"
		"and nothing is pending, or after --timeout MS (default 10000).",
	.exec = cmd_notify,
	.flags = SBX_CMD_RAW_ARGS,
};
