/*
 * sbx hook: the agents' hook command inside a sandbox (notify.h).
 *
 * Reads the agent's event (Claude Code: JSON on stdin; Codex: JSON as the
 * last argument), wraps it in an event line with the project, sandbox and
 * agent the backend put in the environment (SBX_PROJECT, SBX_SANDBOX,
 * SBX_AGENT), and writes it to $SBX_NOTIFY_SOCKET (on the host: the
 * server's own socket). It never reads the configuration or a repository,
 * so it starts in about a millisecond.
 *
 * It never holds the agent up and never fails it: Claude Code takes exit
 * code 2 as "block". Whatever happens (no socket, a hung server, stdin that
 * never ends, is huge, or is not JSON, flags it does not know) it exits 0
 * within STDIN_MS + BUSY_MS. It waits until the server has read the line
 * (sbx_notify_post): a server restarting is waited for within SEND_MS, one
 * that is there but busy (a full backlog: thousands of hooks at once on a
 * loaded machine, where the server gets its share of the CPU among them)
 * within BUSY_MS, so that a burst of events loses none; a server that is
 * up reads a line within a fraction of a millisecond.
 */
#include "cmd.h"
#include "buf.h"
#include "notify.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STDIN_MAX (4 * 1024 * 1024)
#define STDIN_MS 250
#define SEND_MS 1000
#define BUSY_MS 5000

/* For help only: the command parses its arguments itself, so a bad one never fails it. */
static const struct sbx_option options[] = {
	{ "agent", 0, SBX_OPT_STRING, "A", "the agent whose event this is (default $SBX_AGENT)" },
	{ NULL, 0, 0, NULL, NULL },
};

static long long clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Up to STDIN_MAX bytes of stdin, until EOF or the deadline. */
static void read_stdin(struct sbx_buf *b, long long deadline)
{
	int flags = fcntl(0, F_GETFL);

	if (flags < 0 || isatty(0))
		return;
	/* Non-blocking only for this read: stdin may be shared with the agent. */
	fcntl(0, F_SETFL, flags | O_NONBLOCK);
	while (b->len < STDIN_MAX) {
		struct pollfd p = { 0, POLLIN, 0 };
		long long left = deadline - clock_ms(CLOCK_MONOTONIC);
		size_t room;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			if (left > 0 && errno == EINTR)
				continue;
			break;
		}
		sbx_buf_grow(b, 64 * 1024);
		room = b->alloc - b->len - 1;
		n = read(0, b->buf + b->len, room < STDIN_MAX - b->len ? room : STDIN_MAX - b->len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		b->len += (size_t)n;
		b->buf[b->len] = '\0';
	}
	fcntl(0, F_SETFL, flags);
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static void send_line(const struct sbx_buf *line, long long now)
{
	const char *path = getenv("SBX_NOTIFY_SOCKET");
	char *own = NULL;

	if (!path || !*path)
		path = own = sbx_notify_socket_path();
	if (!path)
		return;
	if (sbx_notify_post(path, line->buf, line->len, now + SEND_MS, now + BUSY_MS))
		fprintf(stderr, "sbx hook: cannot send the event to '%s': %s\n", path,
			strerror(errno));
	free(own);
}

static int cmd_hook(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_buf payload = SBX_BUF_INIT, line = SBX_BUF_INIT;
	struct sbx_notify_origin o = { NULL, NULL, NULL, 0, NULL, NULL };
	const char *agent = NULL, *arg = NULL;
	long long start = clock_ms(CLOCK_MONOTONIC);

	(void)ctx;
	signal(SIGPIPE, SIG_IGN);
	/* Flags it does not know are skipped, not refused: a hook must not fail. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			if (i + 1 < argc)
				arg = argv[argc - 1];
			break;
		} else if (!strcmp(argv[i], "--agent") && i + 1 < argc) {
			agent = argv[++i];
		} else if (!strncmp(argv[i], "--agent=", 8)) {
			agent = argv[i] + 8;
		} else if (argv[i][0] != '-' || !argv[i][1]) {
			/* Codex appends its payload as the last argument. */
			arg = argv[i];
		}
	}
	if (arg)
		sbx_buf_adds(&payload, arg);
	else
		read_stdin(&payload, start + STDIN_MS);
	o.project = env_or("SBX_PROJECT", env_or("CLAUDE_PROJECT_DIR", getenv("PWD")));
	o.sandbox = env_or("SBX_SANDBOX", NULL);
	o.agent = agent && *agent ? agent : env_or("SBX_AGENT", NULL);
	o.time_ms = clock_ms(CLOCK_REALTIME);
	sbx_notify_wrap(&line, &o, payload.buf, payload.len);
	send_line(&line, clock_ms(CLOCK_MONOTONIC));
	sbx_buf_release(&payload);
	sbx_buf_release(&line);
	return 0;
}

const struct sbx_cmd sbx_cmd_hook = {
	.name = "hook",
	.summary = "forward an agent's hook event to the host (inside the sandbox)",
	.usage = "sbx hook [--agent A] [PAYLOAD]",
	.description = "The agents' hook command. Reads the event from stdin (Claude Code) or from the\n"
		"last argument (Codex), adds SBX_PROJECT, SBX_SANDBOX and the agent, and writes one\n"
		"line of JSON to $SBX_NOTIFY_SOCKET (default: the host's own notification socket).\n"
		"Always exits 0, whatever happens: within a second and a quarter when no server is\n"
		"there, within five seconds and a quarter when one is overwhelmed.",
	.options = options,
	.exec = cmd_hook,
	.flags = SBX_CMD_RAW_ARGS,
};
