/*
 * sbx net: a run's network log, and the pieces of sbx's egress proxy
 * (net-proxy.h): the proxy itself (serve), ssh's ProxyCommand inside a
 * sandbox (connect), and the relay a setuid bwrap needs (relay).
 */
#include "cmd.h"
#include "error.h"
#include "json.h"
#include "net-client.h"
#include "net-log.h"
#include "net-policy.h"
#include "net-proxy.h"
#include "owner.h"
#include "project.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A policy is a few KiB; more than this is not one. */
#define POLICY_MAX (1 << 20)

/* "--flag VALUE" or "--flag=VALUE" at argv[*i]: 1 with *value (the next word consumed). */
static int flag(int argc, char **argv, int *i, const char *name, const char **value, int *bad,
		const struct sbx_ctx *ctx)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len) || (argv[*i][len] && argv[*i][len] != '='))
		return 0;
	if (argv[*i][len] == '=')
		*value = argv[*i] + len + 1;
	else if (*i + 1 < argc)
		*value = argv[++*i];
	else
		*bad = sbx_usage_error(ctx, "'%s' needs a value", name);
	return 1;
}

static int fd_number(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || end == s || v < 0 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

static int read_policy(const char *file, int fd, struct sbx_net_policy *p)
{
	struct sbx_buf b = SBX_BUF_INIT;
	cJSON *doc = NULL;
	int ret = -1;

	if (file) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return sbx_error_errno("cannot open '%s'", file);
	}
	for (;;) {
		char chunk[8192];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sbx_error_errno("cannot read the policy");
			goto out;
		}
		if (!n)
			break;
		sbx_buf_add(&b, chunk, (size_t)n);
		if (b.len > POLICY_MAX) {
			sbx_error("the policy is larger than %d bytes", POLICY_MAX);
			goto out;
		}
	}
	if (sbx_jsonc_parse(b.buf, b.len, file ? file : "the policy", &doc))
		goto out;
	ret = sbx_net_policy_from_json(p, doc);
out:
	close(fd);
	/* It may hold the token. */
	memset(b.buf, 0, b.len);
	sbx_buf_release(&b);
	cJSON_Delete(doc);
	return ret;
}

static int net_serve(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_proxy_opts o = { NULL, -1, -1, NULL };
	struct sbx_net_policy policy;
	const char *policy_file = NULL, *listen_on = NULL, *v = NULL;
	int policy_fd = -1, bad = 0, ret;

	for (int i = 1; i < argc && !bad; i++) {
		if (flag(argc, argv, &i, "--policy", &policy_file, &bad, ctx) ||
		    flag(argc, argv, &i, "--listen", &listen_on, &bad, ctx) ||
		    flag(argc, argv, &i, "--log", &o.log, &bad, ctx))
			continue;
		if (flag(argc, argv, &i, "--policy-fd", &v, &bad, ctx)) {
			if (!bad && fd_number(v, &policy_fd))
				bad = sbx_usage_error(ctx, "--policy-fd: '%s' is no descriptor", v);
		} else if (flag(argc, argv, &i, "--listen-fd", &v, &bad, ctx)) {
			if (!bad && fd_number(v, &o.listen_fd))
				bad = sbx_usage_error(ctx, "--listen-fd: '%s' is no descriptor", v);
		} else if (flag(argc, argv, &i, "--parent-fd", &v, &bad, ctx)) {
			if (!bad && fd_number(v, &o.parent_fd))
				bad = sbx_usage_error(ctx, "--parent-fd: '%s' is no descriptor", v);
		} else {
			bad = sbx_usage_error(ctx, "serve: unexpected argument '%s'", argv[i]);
		}
	}
	if (bad)
		return bad;
	if ((policy_file != NULL) == (policy_fd >= 0))
		return sbx_usage_error(ctx, "serve: give one of --policy FILE and --policy-fd N");
	if ((listen_on != NULL) == (o.listen_fd >= 0))
		return sbx_usage_error(ctx, "serve: give one of --listen ADDR:PORT and --listen-fd N");
	if (read_policy(policy_file, policy_fd, &policy))
		return sbx_fail(ctx, 125);
	if (listen_on) {
		char where[96];

		o.listen_fd = sbx_net_listen_tcp(listen_on);
		if (o.listen_fd < 0) {
			sbx_net_policy_release(&policy);
			return sbx_fail(ctx, 125);
		}
		/* Where it listens (a port of 0 picked one), once it does. */
		sbx_net_local_address(o.listen_fd, where, sizeof(where));
		printf("%s\n", where);
		fflush(stdout);
	}
	/* Owned by a run: the terminal's ^C is the run's to handle, not ours. */
	if (o.parent_fd >= 0) {
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
	}
	o.policy = &policy;
	ret = sbx_proxy_serve(&o) ? sbx_fail(ctx, 125) : 0;
	sbx_net_policy_release(&policy);
	return ret;
}

static int net_connect(int argc, char **argv, struct sbx_ctx *ctx)
{
	int ret;

	if (argc != 3)
		return sbx_usage_error(ctx, "connect: expected HOST PORT");
	signal(SIGPIPE, SIG_IGN);
	ret = sbx_net_connect(argv[1], argv[2]);
	return ret < 0 ? sbx_fail(ctx, 1) : ret;
}

static int net_relay(int argc, char **argv, struct sbx_ctx *ctx)
{
	const char *listen_on = NULL, *to = NULL;
	int bad = 0, i;

	for (i = 1; i < argc && !bad && strcmp(argv[i], "--"); i++)
		if (!flag(argc, argv, &i, "--listen", &listen_on, &bad, ctx) &&
		    !flag(argc, argv, &i, "--to", &to, &bad, ctx))
			bad = sbx_usage_error(ctx, "relay: unexpected argument '%s'", argv[i]);
	if (bad)
		return bad;
	if (!listen_on || !to || i + 1 >= argc)
		return sbx_usage_error(ctx, "relay: expected --listen ADDR:PORT --to PATH -- CMD...");
	sbx_net_relay(listen_on, to, argv + i + 1);
	return sbx_fail(ctx, errno == ENOENT ? 127 : 126);
}

/* Prints path from offset *off to its end; 0, or -1 when it cannot be read. */
static int print_from(const char *path, long long *off)
{
	char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ret = 0;
	struct stat st;

	if (fd < 0)
		return -1;
	/* Moved to .old and begun again: from the start of the new one. */
	if (!fstat(fd, &st) && st.st_size < *off)
		*off = 0;
	if (lseek(fd, (off_t)*off, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -1 : 0;
			break;
		}
		/* The header is for sbx; the rest is the log. */
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];

			if (c != '\n' && c != '\t' && ((unsigned char)c < 0x20 || c == 0x7f))
				c = '?';
			putchar(c);
		}
		*off += n;
	}
	fflush(stdout);
	close(fd);
	return ret;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int run_alive(const char *run)
{
	cJSON *rec = run ? sbx_owner_read(run) : NULL;
	int alive = rec && sbx_owner_alive(rec);

	cJSON_Delete(rec);
	return alive;
}

static int net_log(int argc, char **argv, struct sbx_ctx *ctx)
{
	const char *name = NULL;
	struct sbx_project project;
	char *path, *run = NULL;
	long long off = 0;
	int follow = 0, have_project = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow"))
			follow = 1;
		else if (argv[i][0] == '-')
			return sbx_usage_error(ctx, "log: unknown flag '%s'", argv[i]);
		else if (name)
			return sbx_usage_error(ctx, "log: unexpected argument '%s'", argv[i]);
		else
			name = argv[i];
	}
	if (!name) {
		have_project = !sbx_project_detect(&project, NULL);
		sbx_clear_error();
	}
	path = sbx_net_log_find(name, have_project ? project.dir : NULL);
	if (have_project)
		sbx_project_release(&project);
	if (!path)
		return sbx_fail(ctx, 1);
	if (print_from(path, &off)) {
		sbx_error_errno("cannot read '%s'", path);
		free(path);
		return sbx_fail(ctx, 1);
	}
	/* -f: what the proxy appends, while its run lives. */
	if (follow) {
		run = sbx_net_log_run(path);
		while (run_alive(run) && !print_from(path, &off))
			sleep_ms(200);
		print_from(path, &off);
	}
	free(run);
	free(path);
	return 0;
}

static int cmd_net(int argc, char **argv, struct sbx_ctx *ctx)
{
	if (argc < 2)
		return sbx_usage_error(ctx, "expected log, connect, serve or relay");
	if (!strcmp(argv[1], "log"))
		return net_log(argc - 1, argv + 1, ctx);
	if (!strcmp(argv[1], "connect"))
		return net_connect(argc - 1, argv + 1, ctx);
	if (!strcmp(argv[1], "serve"))
		return net_serve(argc - 1, argv + 1, ctx);
	if (!strcmp(argv[1], "relay"))
		return net_relay(argc - 1, argv + 1, ctx);
	return sbx_usage_error(ctx, "unknown subcommand '%s' (expected log, connect, serve or relay)",
			       argv[1]);
}

const struct sbx_cmd sbx_cmd_net = {
	.name = "net",
	.summary = "a run's network log, and sbx's egress proxy",
	.usage = "sbx net log [-f] [NAME]\n"
		 "sbx net connect HOST PORT\n"
		 "sbx net serve [--policy FILE] [--policy-fd N] [--listen ADDR:PORT] [--listen-fd N] "
		 "[--parent-fd N] [--log FILE]\n"
		 "sbx net relay --listen ADDR:PORT --to PATH -- CMD...",
	.description = "log: every decision of the proxy of run or sandbox NAME (default: the\n"
		"project's newest run), what it allowed and what it refused; -f follows it while\n"
		"the run lives.\n"
		"connect: inside a sandbox, a tunnel to HOST PORT through the sandbox's proxy\n"
		"($HTTPS_PROXY) on standard input and output: ssh's ProxyCommand.\n"
		"serve: the proxy itself, which sbx run starts for each sandbox: a policy (JSON,\n"
		"from FILE or descriptor N), a listening socket (ADDR:PORT, printed once it\n"
		"listens, or descriptor N); it ends on SIGTERM or when --parent-fd's pipe closes.\n"
		"relay: inside a sandbox, listens on ADDR:PORT and relays to the proxy's unix\n"
		"socket PATH, then runs CMD (where the listener cannot be put in the sandbox).",
	.exec = cmd_net,
	.flags = SBX_CMD_RAW_ARGS,
};
