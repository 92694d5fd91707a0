/*
 * The Lima backend: every sandbox is a Lima VM, and everything done to a VM
 * is one limactl call (lima-contract.md says exactly what each one does).
 *
 *   template    sbx-app-1a2b3c        built by `sbx setup` (or by the first run):
 *                                     base packages, the agents' npm packages and
 *                                     sbx itself, provisioned at first boot; then
 *                                     stopped, with provisioning and mounts removed
 *   session     sbx-app-4d5e6f-k3x9q  a clone per ephemeral run, deleted after it
 *   persistent  sbx-app-4d5e6f-keep   one clone per project, kept (--keep)
 *
 * What sbx keeps of its own, under $XDG_STATE_HOME/sbx:
 *   templates/NAME.json  the hash of the inputs the template was built from
 *   templates/NAME.yaml  the lima.yaml it was created from (never a secret in it)
 *   locks/NAME.lock      flock: one build of a template at a time, and no
 *                        rebuild while a run clones it; one start of a
 *                        persistent VM at a time
 *   sessions/NAME.json   ownership records (owner.h)
 *   logs/NAME.log        each limactl command line run for NAME and its stderr
 *
 * Secrets: values of the session's environment never reach an argv, a
 * lima.yaml or a log; they travel once, through the stdin of one
 * `limactl shell`, into a file in the guest's tmpfs that the launcher reads
 * and removes.
 */
#include "backend.h"
#include "accounts.h"
#include "agents.h"
#include "config.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "names.h"
#include "notify.h"
#include "owner.h"
#include "paths.h"
#include "plugin.h"
#include "quote.h"
#include "session.h"
#include "spawn.h"
#include "term.h"
#include "tmux.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BACKEND "lima"
#define DEFAULT_IMAGE "template:debian-12"
/* Where the template sees sbx's source while it builds sbx (read-only). */
#define SOURCE_MOUNT "/mnt/sbx-src"
/* Lima >= 1.2 has `limactl clone`, which every sandbox is made with. */
#define MIN_MAJOR 1
#define MIN_MINOR 2
#define MIN_VERSION "1.2"
/* A log grows by one header per command; past this size it starts again. */
#define LOG_LIMIT (1L << 20)
/* Enough of a failing command's stderr to find Lima's last fatal line. */
#define ERR_TAIL 16384
/* Provisioning (apt, npm, a build of sbx) can take long on a slow network. */
#define SETUP_TIMEOUT "30m"
#define CLONE_ATTEMPTS 5

static const char install_hint[] =
	"install Lima (https://lima-vm.io/docs/installation/) or choose the bwrap backend "
	"(--backend bwrap)";

/* ------------------------------------------------------------------ files */

/* $XDG_STATE_HOME/sbx/DIR/NAME+EXT, with DIR made (0700); NULL after an error. */
static char *state_file(const char *dir, const char *name, const char *ext)
{
	char *state = sbx_state_dir(), *sub, *path = NULL;

	if (!state)
		return NULL;
	sub = sbx_path_join(state, dir);
	if (!sbx_mkdir_private(sub, 0700))
		path = sbx_asprintf("%s/%s%s", sub, name, ext);
	free(sub);
	free(state);
	return path;
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/*
 * Opens the log of instance (lima.log for commands about no instance one)
 * for appending; *path gets its name. A log past LOG_LIMIT is moved aside to
 * NAME.log.old first, so a persistent VM's log cannot grow without bound.
 */
static int log_open(const char *instance, char **path)
{
	struct stat st;
	int fd;

	*path = state_file("logs", instance ? instance : "lima", ".log");
	if (!*path)
		return -1;
	if (!stat(*path, &st) && st.st_size > LOG_LIMIT) {
		char *old = sbx_asprintf("%s.old", *path);

		rename(*path, old);
		free(old);
	}
	fd = open(*path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return sbx_error_errno("cannot open the log '%s'", *path);
	return fd;
}

/* "--- 2025-01-31T12:00:00Z 'limactl' 'a'": what was run, never what went to its stdin. */
static void log_header(int fd, char *const *argv)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	/* UTC: no time zone file to read on every run. */
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	sbx_buf_addf(&b, "--- %s ", stamp);
	sbx_sq_quote_argv(&b, (const char *const *)argv);
	sbx_buf_addch(&b, '\n');
	write_all(fd, b.buf, b.len);
	sbx_buf_release(&b);
}

/*
 * A lock file under locks/; returns its descriptor (closing it unlocks) or
 * -1. Waiting for it can be interrupted by a signal that sbx then acts on.
 */
static int lock_open(const char *name, int how)
{
	char *path = state_file("locks", name, ".lock");
	int fd;

	if (!path)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		sbx_error_errno("cannot open '%s'", path);
		free(path);
		return -1;
	}
	free(path);
	while (flock(fd, how)) {
		if (errno == EINTR && !sbx_pending_signal())
			continue;
		sbx_error_errno("cannot lock '%s'", name);
		close(fd);
		return -1;
	}
	return fd;
}

static int relock(int fd, int how, const char *name)
{
	while (flock(fd, how))
		if (errno != EINTR || sbx_pending_signal())
			return sbx_error_errno("cannot lock '%s'", name);
	return 0;
}

static void unlock(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* --------------------------------------------------------------- progress */

/*
 * One line per step on stderr. On a terminal the line is redrawn each second
 * while the step runs; elsewhere it is printed once, when the step ends.
 * A quiet progress (a run starting its sandbox) shows only on a terminal and
 * is erased at the end, so that the agent's output starts on a clean screen.
 */
struct progress {
	char label[160];
	struct timespec start;
	long drawn;
	unsigned tty : 1;
	unsigned quiet : 1;
};

static double elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress_tick(struct progress *p)
{
	long sec;

	if (!p || !p->tty)
		return;
	sec = (long)elapsed(&p->start);
	if (sec == p->drawn)
		return;
	p->drawn = sec;
	fprintf(stderr, "\r\033[Ksbx: %s ... %lds", p->label, sec);
}

static void progress_begin(struct progress *p, int quiet, int verbose, const char *fmt, ...)
	SBX_PRINTF(4, 5);

static void progress_begin(struct progress *p, int quiet, int verbose, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->label, sizeof(p->label), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->drawn = -1;
	/* Streamed log lines and a redrawn line would garble each other. */
	p->tty = isatty(STDERR_FILENO) && !verbose && sbx_verbosity() >= 0;
	p->quiet = quiet || sbx_verbosity() < 0;
	progress_tick(p);
}

static void progress_end(struct progress *p, int ok)
{
	if (p->tty && p->drawn >= 0)
		fputs("\r\033[K", stderr);
	p->drawn = -1;
	if (!p->quiet)
		fprintf(stderr, "sbx: %s: %s%s%s in %.1fs\n", p->label,
			sbx_color(stderr, ok ? SBX_COLOR_GREEN : SBX_COLOR_RED), ok ? "done" : "failed",
			sbx_color(stderr, SBX_COLOR_RESET), elapsed(&p->start));
}

/* ------------------------------------------------------------ limactl calls */

/* One limactl command: its arguments, where its output goes, how it ended. */
struct call {
	const char *step;		/* the limactl command, named in messages */
	const char *instance;		/* whose log gets its stderr; NULL: lima.log */
	struct sbx_strvec args;		/* argv, "limactl" first */
	const struct sbx_buf *input;	/* written to its stdin; NULL: /dev/null */
	struct sbx_buf *out;		/* gets its stdout; NULL: discarded */
	struct sbx_buf err;		/* the tail of its stderr */
	struct progress *progress;	/* redrawn while it runs, or NULL */
	char *log;			/* the log's path */
	unsigned verbose : 1;		/* also copy its stderr to ours */
	int code;			/* its exit code (128+N: signal N); -1: not run */
};

/* Starts a call: "limactl STEP [--tty=false] ARGS..."; the argument list ends with NULL. */
static void call_init(struct call *c, const char *instance, const char *step, ...)
{
	va_list ap;
	const char *arg;

	memset(c, 0, sizeof(*c));
	sbx_strvec_init(&c->args);
	sbx_buf_init(&c->err);
	c->step = step;
	c->instance = instance;
	c->code = -1;
	sbx_strvec_pushv(&c->args, (const char *[]){ "limactl", step, NULL });
	/* Every command takes the global --tty; false turns off every prompt and editor. */
	if (strcmp(step, "--version"))
		sbx_strvec_push(&c->args, "--tty=false");
	va_start(ap, step);
	while ((arg = va_arg(ap, const char *)))
		sbx_strvec_push(&c->args, arg);
	va_end(ap);
}

static void call_release(struct call *c)
{
	sbx_strvec_clear(&c->args);
	sbx_buf_release(&c->err);
	free(c->log);
	c->log = NULL;
}

/* Reads what a pipe holds now; closes it at its end. stderr also goes to the log. */
static void drain(int *fd, struct sbx_buf *keep, int logfd, int echo)
{
	char chunk[8192];

	while (*fd >= 0) {
		ssize_t n = read(*fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(*fd);
			*fd = -1;
			return;
		}
		if (keep)
			sbx_buf_add(keep, chunk, (size_t)n);
		if (logfd >= 0)
			write_all(logfd, chunk, (size_t)n);
		if (echo)
			write_all(STDERR_FILENO, chunk, (size_t)n);
	}
}

static void feed(int *fd, const struct sbx_buf *input, size_t *off)
{
	while (*fd >= 0 && *off < input->len) {
		ssize_t n = write(*fd, input->buf + *off, input->len - *off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			break;
		*off += (size_t)n;
	}
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* A signal that reached sbx while limactl runs is passed on, once. */
static void forward_signal(pid_t pid, int *forwarded)
{
	int sig = sbx_pending_signal();

	if (sig && !*forwarded) {
		*forwarded = sig;
		kill(pid, sig);
	}
}

/*
 * A signal passed on to limactl should end it; one whose guest command
 * ignores the signal must not keep sbx from deleting the sandbox, so after
 * GRACE_MS sbx ends limactl itself: SIGTERM, and later SIGKILL.
 */
#define GRACE_MS 2000

static void end_lingering(pid_t pid, int *stage, const struct timespec *since)
{
	double ms = elapsed(since) * 1000;

	if (*stage == 0 && ms >= GRACE_MS) {
		kill(pid, SIGTERM);
		*stage = 1;
	} else if (*stage == 1 && ms >= 2 * GRACE_MS) {
		kill(pid, SIGKILL);
		*stage = 2;
	}
}

static int exit_code(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/*
 * Moves data between sbx and limactl until it exits. The loop ends on the
 * child's exit, not on the pipes' end: a process limactl leaves behind
 * could hold them open for ever.
 */
static int pump(struct call *c, pid_t pid, int fds[3], int logfd)
{
	/* A signal already pending is being acted on: this call is the cleanup. */
	int forwarded = sbx_pending_signal(), status, stage = 0, ours;
	struct timespec since;
	size_t off = 0;
	pid_t r;

	ours = !forwarded;
	while (fds[0] >= 0 || fds[1] >= 0 || fds[2] >= 0) {
		struct pollfd pfd[3] = { { fds[0], POLLOUT, 0 }, { fds[1], POLLIN, 0 },
					 { fds[2], POLLIN, 0 } };
		int n = poll(pfd, 3, 250);

		if (ours && !forwarded) {
			forward_signal(pid, &forwarded);
			clock_gettime(CLOCK_MONOTONIC, &since);
		} else if (ours) {
			end_lingering(pid, &stage, &since);
		}
		progress_tick(c->progress);
		if (n > 0 && pfd[0].revents)
			feed(&fds[0], c->input, &off);
		if (n > 0 && pfd[1].revents)
			drain(&fds[1], c->out, -1, 0);
		if (n > 0 && pfd[2].revents)
			drain(&fds[2], &c->err, logfd, c->verbose);
		if (n == 0 && waitpid(pid, &status, WNOHANG) == pid) {
			drain(&fds[1], c->out, -1, 0);
			drain(&fds[2], &c->err, logfd, c->verbose);
			return exit_code(status);
		}
		/* Keep the tail only: the fatal line is the last thing limactl says. */
		if (c->err.len > 2 * ERR_TAIL) {
			memmove(c->err.buf, c->err.buf + c->err.len - ERR_TAIL, ERR_TAIL);
			sbx_buf_truncate(&c->err, ERR_TAIL);
		}
	}
	/* Both pipes closed: only the exit is left to wait for (a signal interrupts it). */
	while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		if (ours)
			forward_signal(pid, &forwarded);
	if (r < 0)
		return sbx_error_errno("cannot wait for limactl");
	return exit_code(status);
}

static int pipe_cloexec(int p[2])
{
	if (pipe(p))
		return sbx_error_errno("cannot create a pipe");
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	p[0] = p[1] = -1;
}

static int not_found(void)
{
	return sbx_error("limactl was not found on PATH: %s", install_hint);
}

/*
 * Runs the call: its command line and stderr go to the log. Returns its
 * exit code (also in c->code), or -1 with a message when it could not run.
 */
static int call_run(struct call *c)
{
	struct sbx_child ch = SBX_CHILD_INIT;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int fds[3], devnull = -1, logfd;
	struct sigaction ign, old_pipe;

	c->code = -1;
	logfd = log_open(c->instance, &c->log);
	if (logfd < 0)
		return -1;
	log_header(logfd, c->args.v);
	if (pipe_cloexec(err) || (c->out && pipe_cloexec(out)) || (c->input && pipe_cloexec(in)))
		goto out;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	sbx_strvec_pushv(&ch.args, (const char *const *)c->args.v);
	ch.in = c->input ? in[0] : devnull;
	ch.out = c->out ? out[1] : devnull;
	ch.err = err[1];
	/* A limactl that dies before reading its input must not kill sbx with SIGPIPE. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old_pipe);
	if (sbx_child_start(&ch)) {
		if (errno == ENOENT)
			not_found();
		sigaction(SIGPIPE, &old_pipe, NULL);
		goto out;
	}
	fds[0] = in[1];
	fds[1] = out[0];
	fds[2] = err[0];
	in[1] = out[0] = err[0] = -1;
	close_pair(in);
	close_pair(out);
	close_pair(err);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	c->code = pump(c, ch.pid, fds, logfd);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	sigaction(SIGPIPE, &old_pipe, NULL);
out:
	close_pair(in);
	close_pair(out);
	close_pair(err);
	if (devnull >= 0)
		close(devnull);
	close(logfd);
	sbx_child_release(&ch);
	return c->code;
}

/* Go's strconv.Quote undone, for logrus's msg="..." and error="..." fields. */
static const char *go_unquote(const char *p, struct sbx_buf *out)
{
	for (p++; *p && *p != '"'; p++) {
		if (*p != '\\' || !p[1]) {
			sbx_buf_addch(out, *p);
			continue;
		}
		p++;
		switch (*p) {
		case 'n': case 't': case 'r':
			sbx_buf_addch(out, ' ');
			break;
		default:
			sbx_buf_addch(out, *p);
		}
	}
	return p;
}

/* The value of key="..." in a logrus line, appended to out; 0 when missing. */
static int logrus_field(const char *line, const char *end, const char *key, struct sbx_buf *out)
{
	size_t klen = strlen(key);

	for (const char *p = line; p + klen + 2 < end; p++) {
		if ((p == line || p[-1] == ' ') && !strncmp(p, key, klen) && p[klen] == '=' &&
		    p[klen + 1] == '"') {
			go_unquote(p + klen + 1, out);
			return 1;
		}
	}
	return 0;
}

/*
 * What limactl said about its failure: the msg (and error) of its last
 * fatal line, else of its last error line, else its last non-empty line.
 */
static char *lima_message(const struct sbx_buf *err)
{
	static const char *const levels[] = { "level=fatal", "level=error", NULL };
	struct sbx_buf msg = SBX_BUF_INIT;
	const char *text = err->buf, *end = err->buf + err->len;

	for (size_t l = 0; levels[l] && !msg.len; l++) {
		const char *found = NULL;

		for (const char *p = text; (p = strstr(p, levels[l])); p++)
			found = p;
		if (found) {
			const char *bol = found, *eol = strchr(found, '\n');

			while (bol > text && bol[-1] != '\n')
				bol--;
			if (!eol)
				eol = end;
			if (logrus_field(bol, eol, "msg", &msg)) {
				size_t len = msg.len;

				sbx_buf_adds(&msg, ": ");
				if (!logrus_field(bol, eol, "error", &msg))
					sbx_buf_truncate(&msg, len);
			}
		}
	}
	if (!msg.len) {
		const char *eol = end, *bol;

		while (eol > text && strchr("\r\n \t", eol[-1]))
			eol--;
		for (bol = eol; bol > text && bol[-1] != '\n'; bol--)
			;
		sbx_buf_add(&msg, bol, (size_t)(eol - bol));
	}
	if (msg.len > 400)
		sbx_buf_truncate(&msg, 400);
	for (size_t i = 0; i < msg.len; i++)
		if (msg.buf[i] == '\n' || msg.buf[i] == '\r')
			msg.buf[i] = ' ';
	if (!msg.len) {
		sbx_buf_release(&msg);
		return NULL;
	}
	return sbx_buf_detach(&msg);
}

/*
 * Records why a call failed, in one line: CONTEXT: limactl STEP failed:
 * "what Lima said" (log: PATH). A call that could not even start keeps the
 * message it recorded.
 */
static int call_fail(const struct call *c, const char *fmt, ...) SBX_PRINTF(2, 3);

static int call_fail(const struct call *c, const char *fmt, ...)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *why;
	va_list ap;

	if (c->code < 0)
		return -1;
	va_start(ap, fmt);
	sbx_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	why = lima_message(&c->err);
	sbx_buf_addf(&b, ": limactl %s failed", c->step);
	if (why)
		sbx_buf_addf(&b, ": \"%s\"", why);
	if (c->code != 1 || !why)
		sbx_buf_addf(&b, " (exit %d)", c->code);
	if (geteuid() == 0 && why && strstr(why, "root"))
		sbx_buf_adds(&b, "; Lima does not run as root: run sbx as your own user");
	sbx_buf_addf(&b, " (log: %s)", c->log);
	sbx_error("%s", b.buf);
	free(why);
	sbx_buf_release(&b);
	return -1;
}

/* Runs the call; 0 when it exits 0, else -1 with a message saying what failed. */
static int call_must(struct call *c, const char *fmt, ...) SBX_PRINTF(2, 3);

static int call_must(struct call *c, const char *fmt, ...)
{
	char *what;
	va_list ap;
	int ret;

	if (call_run(c) == 0)
		return 0;
	va_start(ap, fmt);
	what = sbx_vasprintf(fmt, ap);
	va_end(ap);
	ret = call_fail(c, "%s", what);
	free(what);
	return ret;
}

/* Did the call fail saying this (Lima's wording, e.g. "already exists")? */
static int call_said(const struct call *c, const char *words)
{
	return c->code > 0 && strstr(c->err.buf, words) != NULL;
}

static int interrupted(void)
{
	int sig = sbx_pending_signal();

	if (!sig)
		return 0;
	sbx_error("interrupted by signal %d (%s)", sig, strsignal(sig));
	return 1;
}

/* ------------------------------------------------------------ lima queries */

/* "limactl version 2.2.0" -> "2.2.0" in version. */
static int lima_version(struct sbx_buf *version)
{
	struct call c;
	struct sbx_buf out = SBX_BUF_INIT;
	const char *v;
	int ret = -1;

	call_init(&c, NULL, "--version", NULL);
	c.out = &out;
	if (call_must(&c, "cannot ask limactl its version"))
		goto done;
	while (out.len && strchr("\r\n \t", out.buf[out.len - 1]))
		sbx_buf_truncate(&out, out.len - 1);
	v = strrchr(out.buf, ' ');
	v = v ? v + 1 : out.buf;
	if (*v == 'v')
		v++;
	sbx_buf_adds(version, v);
	ret = 0;
done:
	sbx_buf_release(&out);
	call_release(&c);
	return ret;
}

/* Is it at least 1.2? A version that is not numbers (a development build) is trusted. */
static int version_ok(const char *v)
{
	int major, minor;

	if (sscanf(v, "%d.%d", &major, &minor) != 2)
		return 1;
	return major > MIN_MAJOR || (major == MIN_MAJOR && minor >= MIN_MINOR);
}

static int check_version(struct sbx_buf *info)
{
	struct sbx_buf v = SBX_BUF_INIT;
	int ret = lima_version(&v);

	if (!ret && !version_ok(v.buf))
		ret = sbx_error("limactl %s is too old: sbx needs Lima %s or later (for 'limactl "
				"clone'); upgrade Lima (brew upgrade lima, or "
				"https://lima-vm.io/docs/installation/)", v.buf, MIN_VERSION);
	if (!ret && info)
		sbx_buf_addf(info, "limactl %s", v.buf);
	sbx_buf_release(&v);
	return ret;
}

/* Parses `limactl list --json`: one compact object per line; none at all is no instance. */
static cJSON *parse_list(const struct sbx_buf *out)
{
	cJSON *all = sbx_json_new_array();
	const char *p = out->buf;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		cJSON *obj = len ? cJSON_ParseWithLength(p, len) : NULL;

		if (cJSON_IsObject(obj) && sbx_json_get_string(obj, "name"))
			sbx_json_append(all, obj);
		else
			cJSON_Delete(obj);
		p += len + (eol ? 1 : 0);
	}
	return all;
}

/* Every instance Lima has, as an array. */
static int lima_list(cJSON **all)
{
	struct call c;
	struct sbx_buf out = SBX_BUF_INIT;
	int ret;

	*all = NULL;
	call_init(&c, NULL, "list", "--json", NULL);
	c.out = &out;
	ret = call_must(&c, "cannot list Lima's instances");
	if (!ret)
		*all = parse_list(&out);
	sbx_buf_release(&out);
	call_release(&c);
	return ret;
}

/* One instance: 1 with *obj set when it exists, 0 when it does not, -1 on error. */
static int lima_find(const char *name, cJSON **obj)
{
	struct call c;
	struct sbx_buf out = SBX_BUF_INIT;
	cJSON *all = NULL;
	int ret = -1;

	*obj = NULL;
	call_init(&c, name, "list", "--json", name, NULL);
	c.out = &out;
	if (call_run(&c) == 0) {
		all = parse_list(&out);
		if (all->child) {
			*obj = cJSON_DetachItemViaPointer(all, all->child);
			ret = 1;
		} else {
			ret = 0;
		}
	} else if (call_said(&c, "unmatched instances") || call_said(&c, "No instance matching")) {
		ret = 0;
	} else {
		call_fail(&c, "cannot look up '%s'", name);
	}
	cJSON_Delete(all);
	sbx_buf_release(&out);
	call_release(&c);
	return ret;
}

/* ------------------------------------------------------------- the template */

static int is_source_dir(const char *dir)
{
	char *mk = sbx_path_join(dir, "Makefile"), *lib = sbx_path_join(dir, "lib/session.c");
	int ok = !access(mk, R_OK) && !access(lib, R_OK);

	free(mk);
	free(lib);
	return ok;
}

/*
 * sbx's own source, which the template builds sbx from so that `sbx hook`
 * runs inside: $SBX_SOURCE_DIR, else the tree sbx was built in, else the
 * copy `make install` puts in the data directory.
 */
static char *source_dir(void)
{
	const char *env = getenv("SBX_SOURCE_DIR");
	static const char *const built_in[] = {
#ifdef SBX_SRCDIR
		SBX_SRCDIR,
#endif
		SBX_DATADIR "/src", NULL
	};

	if (env && *env) {
		if (*env == '/' && is_source_dir(env))
			return sbx_strdup(env);
		sbx_error("SBX_SOURCE_DIR='%s' is not an absolute path to sbx's source (a directory "
			  "with its Makefile and lib/)", env);
		return NULL;
	}
	for (size_t i = 0; built_in[i]; i++)
		if (is_source_dir(built_in[i]))
			return sbx_strdup(built_in[i]);
	sbx_error("cannot find sbx's source, which the template builds sbx from: set "
		  "SBX_SOURCE_DIR to a checkout of sbx");
	return NULL;
}

/* The npm packages of the configured agent and of every agent the configuration defines. */
static void agent_packages(const struct sbx_config *cfg, struct sbx_strvec *pkgs)
{
	const char *name = sbx_config_string(cfg, "agent");
	const cJSON *agents = sbx_config_get(cfg, "agents");
	struct sbx_agent a;

	if (!sbx_agent_resolve(&a, name && *name ? name : "claude", cfg)) {
		if (a.npm && *a.npm)
			sbx_strvec_push(pkgs, a.npm);
		sbx_agent_release(&a);
	} else {
		sbx_clear_error();
	}
	for (const cJSON *e = agents ? agents->child : NULL; e; e = e->next) {
		const char *npm = sbx_json_get_string(e, "npm");
		int seen = 0;

		for (size_t i = 0; npm && i < pkgs->nr; i++)
			seen |= !strcmp(pkgs->v[i], npm);
		if (npm && *npm && !seen)
			sbx_strvec_push(pkgs, npm);
	}
}

static void add_provision(cJSON *list, const char *script)
{
	cJSON *p = sbx_json_append(list, sbx_json_new_object());

	sbx_json_add_string(p, "mode", "system");
	sbx_json_add_string(p, "script", script);
}

static void add_provisioning(cJSON *yaml, const struct sbx_config *cfg)
{
	cJSON *list = sbx_json_add_item(yaml, "provision", sbx_json_new_array());
	struct sbx_strvec pkgs = SBX_STRVEC_INIT;
	struct sbx_buf npm = SBX_BUF_INIT;

	add_provision(list,
		"#!/bin/sh\n"
		"set -eu\n"
		"export DEBIAN_FRONTEND=noninteractive\n"
		"apt-get update -q\n"
		"apt-get install -y -q --no-install-recommends git curl ca-certificates nodejs npm "
		"build-essential pkg-config libgit2-dev libcjson-dev tmux\n");
	agent_packages(cfg, &pkgs);
	if (pkgs.nr) {
		sbx_buf_adds(&npm, "#!/bin/sh\nset -eu\nnpm install -g --no-fund --no-audit ");
		sbx_sq_quote_argv(&npm, (const char *const *)pkgs.v);
		sbx_buf_addch(&npm, '\n');
		add_provision(list, npm.buf);
	}
	/*
	 * Provisioning can run before Lima has mounted the source (reverse-sshfs
	 * mounts come up after ssh does): wait for it. Build outside the
	 * read-only mount, without the host's build trees.
	 */
	add_provision(list,
		"#!/bin/sh\n"
		"set -eu\n"
		"src=" SOURCE_MOUNT "\n"
		"i=0\n"
		"while [ ! -f \"$src/Makefile\" ]; do\n"
		"\ti=$((i + 1))\n"
		"\t[ \"$i\" -le 300 ] || { echo \"sbx: $src is not mounted\" >&2; exit 1; }\n"
		"\tsleep 1\n"
		"done\n"
		"build=$(mktemp -d)\n"
		"tar -C \"$src\" --exclude=./.git --exclude='./build*' -cf - . | tar -C \"$build\" -xf -\n"
		"make -C \"$build\" -j\"$(nproc)\" PREFIX=/usr/local install\n"
		"rm -rf \"$build\"\n");
	sbx_buf_release(&npm);
	sbx_strvec_clear(&pkgs);
}

/* A Lima template ("template:debian-12", a .yaml) is inherited; anything else is an image. */
static void add_image(cJSON *yaml, const char *image)
{
	size_t len = strlen(image);

	if (!strncmp(image, "template:", 9) || (len > 5 && !strcmp(image + len - 5, ".yaml")) ||
	    (len > 4 && !strcmp(image + len - 4, ".yml"))) {
		sbx_json_append(sbx_json_add_item(yaml, "base", sbx_json_new_array()),
				sbx_json_new_string(image));
	} else {
		cJSON *img = sbx_json_append(sbx_json_add_item(yaml, "images", sbx_json_new_array()),
					     sbx_json_new_object());

		sbx_json_add_string(img, "location", image);
	}
}

/*
 * The template's lima.yaml, as JSON (which is YAML). Only the configuration's
 * VM settings and the agents' package names go in: never an env value.
 * The inherited mounts are replaced (the default template mounts the whole
 * home); the only mount is sbx's source, for the build, removed afterwards.
 */
static cJSON *template_yaml(const struct sbx_config *cfg, const char *srcdir)
{
	static const char *const settings[] = { "vmType", "mountType", "cpus", "memory", "disk", NULL };
	cJSON *yaml = sbx_json_new_object(), *obj;
	const char *image = sbx_config_string(cfg, "image");

	add_image(yaml, image && *image ? image : DEFAULT_IMAGE);
	for (size_t i = 0; settings[i]; i++) {
		const cJSON *v = sbx_config_get(cfg, settings[i]);

		if (v && !cJSON_IsNull(v))
			sbx_json_add_item(yaml, settings[i], sbx_json_dup(v));
	}
	obj = sbx_json_append(sbx_json_add_item(yaml, "mounts", sbx_json_new_array()),
			      sbx_json_new_object());
	sbx_json_add_string(obj, "location", srcdir);
	sbx_json_add_string(obj, "mountPoint", SOURCE_MOUNT);
	sbx_json_add_bool(obj, "writable", 0);
	obj = sbx_json_add_item(yaml, "containerd", sbx_json_new_object());
	sbx_json_add_bool(obj, "system", 0);
	sbx_json_add_bool(obj, "user", 0);
	obj = sbx_json_add_item(yaml, "ssh", sbx_json_new_object());
	sbx_json_add_bool(obj, "forwardAgent", 0);
	sbx_json_add_bool(obj, "loadDotSSHPubKeys", 0);
	add_provisioning(yaml, cfg);
	sbx_notify_lima_provision(cfg, cJSON_GetObjectItemCaseSensitive(yaml, "provision"));
	sbx_agent_state_lima_provision(cJSON_GetObjectItemCaseSensitive(yaml, "provision"));
	return yaml;
}

/* What a template is built from: its lima.yaml's text and the hash of that and sbx's version. */
struct template_spec {
	char *name;
	char *yaml;
	char *hash;
};

static void spec_release(struct template_spec *t)
{
	free(t->name);
	free(t->yaml);
	free(t->hash);
	memset(t, 0, sizeof(*t));
}

static int spec_init(struct template_spec *t, const struct sbx_project *project,
		     const struct sbx_config *cfg)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *src = source_dir();
	cJSON *yaml;

	memset(t, 0, sizeof(*t));
	if (!src)
		return -1;
	t->name = sbx_template_name(project, sbx_config_string(cfg, "template.name"));
	yaml = template_yaml(cfg, src);
	/* The plugins' provisioning is in the yaml, and so in the hash. */
	if (sbx_plugins_lima_template(cfg, yaml)) {
		cJSON_Delete(yaml);
		free(src);
		spec_release(t);
		return -1;
	}
	sbx_json_print(&b, yaml, 1);
	t->yaml = sbx_strdup(b.buf);
	sbx_buf_adds(&b, SBX_VERSION);
	t->hash = sbx_hash_hex(b.buf, b.len, 16);
	cJSON_Delete(yaml);
	sbx_buf_release(&b);
	free(src);
	return 0;
}

/* The hash templates/NAME.json holds, or NULL. */
static char *built_hash(const char *name)
{
	char *path = state_file("templates", name, ".json");
	cJSON *state = NULL;
	char *hash = NULL;

	if (path && !access(path, F_OK) && !sbx_jsonc_read_file(path, &state) &&
	    sbx_json_get_string(state, "hash"))
		hash = sbx_strdup(sbx_json_get_string(state, "hash"));
	sbx_clear_error();
	cJSON_Delete(state);
	free(path);
	return hash;
}

/* 1 when the template was built from these inputs and still exists; 0 if not; -1 on error. */
static int template_fresh(const struct template_spec *t)
{
	char *hash = built_hash(t->name);
	cJSON *inst = NULL;
	int ret = 0;

	if (hash && !strcmp(hash, t->hash))
		ret = lima_find(t->name, &inst);
	cJSON_Delete(inst);
	free(hash);
	return ret;
}

static int save_state(const struct template_spec *t, const struct sbx_project *project)
{
	char *path = state_file("templates", t->name, ".json");
	cJSON *state = sbx_json_new_object();
	int ret = -1;

	sbx_json_add_string(state, "name", t->name);
	sbx_json_add_string(state, "hash", t->hash);
	sbx_json_add_string(state, "project", project->main_dir ? project->main_dir : project->dir);
	sbx_json_add_string(state, "sbxVersion", SBX_VERSION);
	sbx_json_add_number(state, "created", (double)time(NULL));
	if (path)
		ret = sbx_json_write_file(path, state, 0600, 1);
	cJSON_Delete(state);
	free(path);
	return ret;
}

static void forget_template(const char *name)
{
	char *path = state_file("templates", name, ".json");

	if (path)
		unlink(path);
	free(path);
	sbx_clear_error();
}

/*
 * Lima will not delete an instance directory whose lima.yaml cannot be read
 * (it could be a clone in progress) and asks for it to be removed by hand;
 * a clone that failed half-way leaves exactly that. For a VM of sbx's own
 * that nobody else uses (this run's, or an orphan's) sbx does it, and only
 * to the directory Lima names for that instance.
 */
static int remove_half_made(const struct call *c, const char *name)
{
	const char *p = strstr(c->err.buf, "directory `"), *end;
	char *dir;
	const char *base;
	struct stat st;
	int ret = -1;

	if (!p || !call_said(c, "could not be read"))
		return -1;
	p += strlen("directory `");
	end = strchr(p, '`');
	if (!end)
		return -1;
	dir = sbx_strndup(p, (size_t)(end - p));
	base = strrchr(dir, '/');
	if (base && !strcmp(base + 1, name) && !lstat(dir, &st) && S_ISDIR(st.st_mode))
		ret = sbx_remove_tree(dir);
	free(dir);
	return ret;
}

/*
 * Deletes an instance (running or not), its failure recorded; for cleaning
 * up after a failure or a signal. own: it is sbx's and nobody uses it.
 */
static int lima_delete(const char *name, int own)
{
	struct call c;
	int ret;

	call_init(&c, name, "delete", "-f", name, NULL);
	ret = call_run(&c) ? -1 : 0;
	if (ret && own && !remove_half_made(&c, name))
		ret = 0;
	else if (ret)
		call_fail(&c, "cannot delete '%s'", name);
	call_release(&c);
	return ret;
}

/* One step of a build, shown as "[i/n] what". */
static int build_step(struct call *c, int i, int n, const char *what, const char *name,
		      int verbose)
{
	struct progress p;
	int ret;

	progress_begin(&p, 0, verbose, "[%d/%d] %s", i, n, what);
	c->progress = &p;
	c->verbose = verbose;
	ret = call_must(c, "cannot build the template '%s': step %d/%d (%s)", name, i, n, c->step);
	progress_end(&p, !ret);
	call_release(c);
	return ret;
}

/*
 * Builds the template: create (from templates/NAME.yaml), start (the first
 * boot runs provisioning), stop, and edit away provisioning and the source
 * mount so that clones neither provision again nor see the source. Anything
 * that fails deletes the half-built template.
 */
static int build_template(const struct template_spec *t, const struct sbx_project *project,
			  int verbose)
{
	char *yaml_path = state_file("templates", t->name, ".yaml");
	char *log = state_file("logs", t->name, ".log");
	struct timespec t0;
	struct call c;
	cJSON *old = NULL;
	int ret = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!yaml_path || !log || sbx_write_file(yaml_path, t->yaml, strlen(t->yaml), 0600))
		goto out;
	forget_template(t->name);
	unlink(log);
	sbx_note("sbx: building the template %s (log: %s)\n", t->name, log);
	ret = lima_find(t->name, &old);
	cJSON_Delete(old);
	if (ret > 0)
		ret = lima_delete(t->name, 1);
	if (ret < 0)
		goto out;
	call_init(&c, t->name, "create", "--name", t->name, yaml_path, NULL);
	ret = build_step(&c, 1, 4, "create the VM", t->name, verbose);
	if (!ret && !interrupted()) {
		call_init(&c, t->name, "start", "--timeout", SETUP_TIMEOUT, t->name, NULL);
		ret = build_step(&c, 2, 4, "first boot: install packages, agents and sbx",
				 t->name, verbose);
	}
	if (!ret && !interrupted()) {
		call_init(&c, t->name, "stop", t->name, NULL);
		ret = build_step(&c, 3, 4, "stop", t->name, verbose);
	}
	if (!ret && !interrupted()) {
		call_init(&c, t->name, "edit", t->name, "--set", ".provision = []",
			  "--set", ".mounts = []", NULL);
		ret = build_step(&c, 4, 4, "drop provisioning and the source mount", t->name,
				 verbose);
	}
	if (!ret && interrupted())
		ret = -1;
	if (!ret)
		ret = save_state(t, project);
	if (ret) {
		char *why = sbx_strdup(sbx_last_error());

		/* A half-built template must not be cloned: it goes, and the first error stays. */
		if (lima_delete(t->name, 1))
			sbx_warn("%s", sbx_last_error());
		forget_template(t->name);
		sbx_error("%s", why);
		free(why);
		goto out;
	}
	sbx_note("sbx: the template %s is ready (%.0fs)\n", t->name, elapsed(&t0));
out:
	free(yaml_path);
	free(log);
	return ret ? -1 : 0;
}

/*
 * Makes sure the template exists and matches its inputs, building it when
 * not (or always, with force). With lockfd the caller keeps a shared lock
 * until it has cloned the template, so that no `sbx setup --force` deletes
 * it under the clone; concurrent runs wait for one build instead of eight.
 */
static int ensure_template(const struct template_spec *t, const struct sbx_project *project,
			   int force, int quiet, int verbose, int *lockfd)
{
	int fd = lock_open(t->name, LOCK_SH), fresh;

	if (fd < 0)
		return -1;
	fresh = force ? 0 : template_fresh(t);
	if (!fresh) {
		/* Only one builds; the others find it fresh once they get the lock. */
		if (relock(fd, LOCK_EX, t->name))
			goto fail;
		fresh = force ? 0 : template_fresh(t);
		if (!fresh && build_template(t, project, verbose))
			goto fail;
		if (relock(fd, LOCK_SH, t->name))
			goto fail;
	} else if (fresh < 0) {
		goto fail;
	} else if (!quiet) {
		sbx_note("sbx: the template %s is up to date\n", t->name);
	}
	if (lockfd)
		*lockfd = fd;
	else
		close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

static int setup(struct sbx_session *s)
{
	struct template_spec t;
	int ret;

	if (check_version(NULL) || spec_init(&t, &s->project, s->cfg))
		return -1;
	ret = ensure_template(&t, &s->project, s->force, 0, s->verbose, NULL);
	spec_release(&t);
	return ret;
}

/* ---------------------------------------------------------------- sessions */

/*
 * A mount's place in the guest: "~/x" is in the sandbox user's home, which
 * Lima makes /home/USER.linux for the host's USER.
 */
static char *guest_path(const char *guest)
{
	struct passwd *pw;
	const char *user;

	if (strcmp(guest, "~") && strncmp(guest, "~/", 2))
		return sbx_strdup(guest);
	pw = getpwuid(getuid());
	user = pw && pw->pw_name ? pw->pw_name : getenv("USER");
	return sbx_asprintf("/home/%s.linux%s", user ? user : "lima", guest + 1);
}

/* The session's mounts as a yq value: a JSON array (JSON literals are valid yq). */
static char *mounts_expr(const struct sbx_session *s)
{
	cJSON *list = sbx_json_new_array();
	struct sbx_buf b = SBX_BUF_INIT;

	for (size_t i = 0; i < s->nr_mounts; i++) {
		cJSON *m = sbx_json_append(list, sbx_json_new_object());
		char *point = guest_path(s->mounts[i].guest);

		sbx_json_add_string(m, "location", s->mounts[i].host);
		sbx_json_add_string(m, "mountPoint", point);
		sbx_json_add_bool(m, "writable", s->mounts[i].writable);
		free(point);
	}
	sbx_buf_adds(&b, ".mounts = ");
	sbx_json_print(&b, list, 0);
	cJSON_Delete(list);
	return sbx_buf_detach(&b);
}

/*
 * Clones the template into name with the session's mounts (replacing the
 * template's, which are none). Returns 0, 1 when the name is taken, -1.
 */
static int clone_vm(const struct sbx_session *s, const char *tmpl, const char *name,
		    struct progress *p)
{
	char *mounts = mounts_expr(s);
	struct call c;
	int ret;

	call_init(&c, name, "clone", tmpl, name, "--set", mounts, NULL);
	if (s->forward_ssh_agent)
		sbx_strvec_pushv(&c.args, (const char *[]){ "--set", ".ssh.forwardAgent = true", NULL });
	sbx_plugins_lima_clone(s, &c.args);
	sbx_notify_lima_clone(s, &c.args);
	c.progress = p;
	ret = call_must(&c, "cannot clone the template '%s' into '%s'", tmpl, name);
	if (ret && call_said(&c, "already exists"))
		ret = 1;
	call_release(&c);
	free(mounts);
	return ret;
}

static int start_vm(const char *name, struct progress *p)
{
	struct call c;
	int ret;

	call_init(&c, name, "start", name, NULL);
	c.progress = p;
	ret = call_must(&c, "cannot start '%s'", name);
	call_release(&c);
	return ret;
}

/*
 * Hands the environment to the guest without an argv: the script travels on
 * the stdin of one `limactl shell` into a new 0600 file in the guest's
 * tmpfs, whose name comes back on stdout. *envfile is "" with no environment.
 */
static int deliver_env(const struct sbx_session *s, const char *name, char **envfile)
{
	static const char receive[] =
		"umask 077 && f=$(mktemp /dev/shm/sbx-env.XXXXXX) && cat > \"$f\" && printf %s \"$f\"";
	struct sbx_buf script = SBX_BUF_INIT, out = SBX_BUF_INIT;
	struct call c;
	int ret = 0;

	*envfile = NULL;
	if (!sbx_session_has_env_script(s)) {
		*envfile = sbx_strdup("");
		return 0;
	}
	sbx_session_env_script(s, &script);
	call_init(&c, name, "shell", "--workdir", "/", name, "sh", "-c", receive, NULL);
	c.input = &script;
	c.out = &out;
	ret = call_must(&c, "cannot hand the environment to '%s'", name);
	if (!ret && (strncmp(out.buf, "/dev/shm/sbx-env.", 17) || strpbrk(out.buf, " \t\n'\"")))
		ret = sbx_error("cannot hand the environment to '%s': the guest answered '%.60s' "
				"instead of a file name (log: %s)", name, out.buf, c.log);
	if (!ret)
		*envfile = sbx_buf_detach(&out);
	/* The script holds the values: wipe it before the memory goes back. */
	memset(script.buf, 0, script.len);
	sbx_buf_release(&script);
	sbx_buf_release(&out);
	call_release(&c);
	return ret;
}

static volatile sig_atomic_t lingering_pid = -1, lingering_ticks;

/* Every TICK_MS while the command runs: once a signal came, count towards ending limactl. */
#define TICK_MS 500

static void on_tick(int sig)
{
	(void)sig;
	if (lingering_pid <= 0 || !sbx_pending_signal())
		return;
	lingering_ticks++;
	if (lingering_ticks == GRACE_MS / TICK_MS)
		kill((pid_t)lingering_pid, SIGTERM);
	else if (lingering_ticks == 2 * GRACE_MS / TICK_MS)
		kill((pid_t)lingering_pid, SIGKILL);
}

/*
 * sbx_child_wait, with signals forwarded as spawn.h describes, and a timer
 * that ends limactl GRACE_MS after a signal it did not end of.
 */
static int wait_command(struct sbx_child *c)
{
	struct itimerval tick = { { 0, TICK_MS * 1000 }, { 0, TICK_MS * 1000 } }, off;
	struct sigaction sa, old;
	int code;

	memset(&off, 0, sizeof(off));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	lingering_ticks = 0;
	lingering_pid = (sig_atomic_t)c->pid;
	setitimer(ITIMER_REAL, &tick, NULL);
	code = sbx_child_wait(c);
	setitimer(ITIMER_REAL, &off, NULL);
	lingering_pid = -1;
	sigaction(SIGALRM, &old, NULL);
	return code;
}

/*
 * Runs the session's command in the guest, in the project directory, on the
 * terminal: stdin, stdout and stderr are sbx's own (limactl asks ssh for a
 * terminal when stdout is one). Returns its exit code, which limactl passes
 * through; -1 when limactl could not be run.
 */
static int run_command(const struct sbx_session *s, const char *name, const char *envfile)
{
	struct sbx_child c = SBX_CHILD_INIT;
	char *log = NULL;
	int logfd, code = -1;

	sbx_strvec_pushv(&c.args, (const char *[]){ "limactl", "shell", "--tty=false", "--workdir",
						    s->project.dir, name, NULL });
	sbx_session_launcher_argv(s, envfile, &c.args);
	logfd = log_open(name, &log);
	if (logfd >= 0) {
		log_header(logfd, c.args.v);
		close(logfd);
	}
	c.forward_signals = 1;
	if (!sbx_child_start(&c))
		code = wait_command(&c);
	else if (errno == ENOENT)
		not_found();
	/* ssh's own failures exit 255 too: say what that code may mean, keep it as the result. */
	if (code == 255 && !c.signal_received)
		sbx_warn("limactl shell exited 255: the connection to '%s' failed, or the command "
			 "was killed (log: %s)", name, log ? log : "-");
	free(log);
	sbx_child_release(&c);
	return code;
}

/* Removes a session's VM, then its record, then (when all went well) its log. */
static int discard_session(const char *name, int keep_log)
{
	char *log;

	if (lima_delete(name, 1)) {
		char *why = sbx_strdup(sbx_last_error());

		/* The record stays: with its owner gone, the next run or prune retries. */
		sbx_error("%s; '%s' is left behind for 'sbx prune'", why, name);
		free(why);
		return -1;
	}
	if (sbx_owner_remove(name))
		return -1;
	log = keep_log ? NULL : state_file("logs", name, ".log");
	if (log)
		unlink(log);
	free(log);
	return 0;
}

/* What a record holds beyond owner.h's fields: the template it was cloned from. */
static cJSON *record_extra(const char *tmpl)
{
	cJSON *extra = sbx_json_new_object();

	if (tmpl)
		sbx_json_add_string(extra, "template", tmpl);
	return extra;
}

/* A persistent VM's record names whoever uses it now; the template stays as it was. */
static int claim_persistent(const struct sbx_session *s, const char *name)
{
	cJSON *old = sbx_owner_read(name);
	int ret = sbx_owner_write(name, BACKEND, "persistent", s->project.dir,
				  record_extra(sbx_json_get_string(old, "template")));

	cJSON_Delete(old);
	return ret;
}

/*
 * Records the session and clones it, under a fresh random name until one is
 * free. The record comes first: an sbx killed at any later point leaves a
 * record whose owner is dead, which the next run or prune acts on.
 */
static char *create_session(const struct sbx_session *s, const char *tmpl, struct progress *p)
{
	for (int attempt = 0; attempt < CLONE_ATTEMPTS; attempt++) {
		char *name = sbx_session_name(&s->project);
		int ret;

		if (sbx_owner_write(name, BACKEND, "session", s->project.dir, record_extra(tmpl))) {
			free(name);
			return NULL;
		}
		ret = clone_vm(s, tmpl, name, p);
		if (!ret)
			return name;
		if (ret < 0) {
			char *why = sbx_strdup(sbx_last_error());

			/* Lima may leave a half-made clone behind. */
			if (discard_session(name, 1))
				sbx_warn("%s", sbx_last_error());
			sbx_error("%s", why);
			free(why);
			free(name);
			return NULL;
		}
		sbx_owner_remove(name);
		free(name);
	}
	sbx_error("cannot find a free name for a sandbox after %d attempts", CLONE_ATTEMPTS);
	return NULL;
}

/* Records of this backend's sessions whose owner is gone. */
static int orphan_records(cJSON **out)
{
	cJSON *records;

	*out = sbx_json_new_array();
	if (sbx_owner_list(&records))
		return -1;
	for (cJSON *r = records->child, *next; r; r = next) {
		const char *backend = sbx_json_get_string(r, "backend");
		const char *kind = sbx_json_get_string(r, "kind");

		next = r->next;
		if (backend && !strcmp(backend, BACKEND) && kind && !strcmp(kind, "session") &&
		    sbx_json_get_string(r, "name") && !sbx_owner_alive(r))
			sbx_json_append(*out, cJSON_DetachItemViaPointer(records, r));
	}
	cJSON_Delete(records);
	return 0;
}

/* Deletes the VMs of sessions whose sbx was killed (and their records). */
static int reap_orphans(int dry_run, cJSON *removed)
{
	cJSON *orphans;
	int ret = 0;

	if (orphan_records(&orphans)) {
		cJSON_Delete(orphans);
		return -1;
	}
	for (const cJSON *r = orphans->child; r; r = r->next) {
		const char *name = sbx_json_get_string(r, "name");

		if (!dry_run && discard_session(name, 0))
			ret = -1;
		else if (removed)
			sbx_json_append(removed, sbx_json_new_string(name));
	}
	cJSON_Delete(orphans);
	return ret;
}

/* The sandbox was made by this run: after a failure it goes, keeping the first error. */
static void undo_session(const char *name)
{
	char *why = sbx_strdup(sbx_last_error());

	if (discard_session(name, 1))
		sbx_warn("%s", sbx_last_error());
	sbx_error("%s", why);
	free(why);
}

/* ---------------------------------------------------------------- tmux (tmux.h) */

/*
 * The terminal's tmux client in the guest, then whether the agent ended:
 * *ended is 0 when the client detached (or the terminal went away), else 1
 * with the agent's status returned.
 */
static int attach_guest(const char *dir, const char *name, const char *session, int *ended)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_buf out = SBX_BUF_INIT;
	struct call k;
	char *mark = sbx_tmux_mark(session);
	int code = -1;

	*ended = 0;
	/* Without a terminal the agent starts detached, for a later `sbx attach`. */
	if (!isatty(STDIN_FILENO)) {
		sbx_tmux_unmark(mark);
		return 0;
	}
	sbx_strvec_pushv(&c.args, (const char *[]){ "limactl", "shell", "--tty=false", "--workdir",
						    dir, name, NULL });
	/* The terminal's type, for tmux to draw on it (a leading NAME=value: limactl's assignment). */
	if (getenv("TERM") && *getenv("TERM"))
		sbx_strvec_pushf(&c.args, "TERM=%s", getenv("TERM"));
	sbx_tmux_attach_argv(SBX_TMUX_LIMA_SOCKET, session, &c.args);
	c.forward_signals = 1;
	if (!sbx_child_start(&c))
		code = wait_command(&c);
	else if (errno == ENOENT)
		not_found();
	sbx_child_release(&c);
	sbx_tmux_unmark(mark);
	if (code < 0 || sbx_pending_signal())
		return code < 0 ? -1 : 0;
	call_init(&k, name, "shell", name, NULL);
	sbx_tmux_lima_state_argv(session, &k.args);
	k.out = &out;
	if (!call_run(&k) && strcmp(out.buf, "running\n")) {
		code = sbx_tmux_parse_status(out.buf);
		*ended = 1;
	} else {
		code = 0;
	}
	call_release(&k);
	sbx_buf_release(&out);
	return code;
}

/* The keeper: owns the run's record, then waits for the agent in tmux to end; its status. */
static int keep_tmux(const struct sbx_session *s, const char *name, const char *session,
		     const char *tmpl, int sync)
{
	cJSON *old = sbx_owner_read(name), *extra, *t;
	int st = -1, tries = 0, ret;

	extra = record_extra(tmpl ? tmpl : sbx_json_get_string(old, "template"));
	if (sbx_json_get_string(old, "tty"))
		sbx_json_add_string(extra, "tty", sbx_json_get_string(old, "tty"));
	t = sbx_json_add_item(extra, "tmux", sbx_json_new_object());
	sbx_json_add_string(t, "session", session);
	ret = sbx_owner_write(name, BACKEND, s->persistent ? "persistent" : "session",
			      s->project.dir, extra);
	cJSON_Delete(old);
	if (!ret && write(sync, "1\n", 2) != 2)
		ret = sbx_error_errno("cannot hand '%s' over", name);
	close(sync);
	while (!ret) {
		struct sbx_buf out = SBX_BUF_INIT;
		struct call c;
		int code;

		call_init(&c, name, "shell", name, NULL);
		sbx_tmux_lima_wait_argv(session, &c.args);
		c.out = &out;
		code = call_run(&c);
		if (!code)
			st = sbx_tmux_parse_status(out.buf);
		/* A dropped connection (ssh's 255) is retried; anything else ends the wait. */
		else if (code == 255 && ++tries < 120 && !interrupted())
			sleep(5);
		else
			call_fail(&c, "lost the agent in tmux in '%s'", name);
		call_release(&c);
		sbx_buf_release(&out);
		if (code != 255 || tries >= 120 || sbx_pending_signal())
			break;
	}
	return ret ? -1 : st;
}

/*
 * The command in tmux in the guest: the session starts detached, the keeper
 * waits for it to end (the caller's cleanup then runs in the keeper), the
 * foreground attaches the terminal and hands the run over (*handed_over).
 */
static int run_tmux(struct sbx_session *s, const char *name, const char *envfile,
		    const char *tmpl, int *handed_over)
{
	char *session = s->persistent ? sbx_session_name(&s->project) : sbx_strdup(name);
	int sync[2] = { -1, -1 }, ended, ret;
	char buf[4];
	struct call c;
	pid_t keeper;

	*handed_over = 0;
	call_init(&c, name, "shell", "--workdir", s->project.dir, name, NULL);
	sbx_tmux_lima_start_argv(session, &c.args);
	sbx_session_launcher_argv(s, envfile, &c.args);
	ret = call_must(&c, "cannot start tmux in '%s' (is tmux installed in the template?)", name);
	call_release(&c);
	if (!ret && pipe(sync))
		ret = sbx_error_errno("cannot create a pipe");
	if (ret || (ret = sbx_tmux_fork_keeper(name, &keeper)) < 0) {
		ret = -1;
	} else if (ret) {
		close(sync[0]);
		ret = keep_tmux(s, name, session, tmpl, sync[1]);
		sync[0] = sync[1] = -1;
	} else {
		*handed_over = 1;
		close(sync[1]);
		sync[1] = -1;
		/* Until the keeper owns the record, this process must stay its owner. */
		if (read(sync[0], buf, sizeof(buf)) <= 0) {
			ret = sbx_tmux_wait_keeper(keeper);
			sbx_error("the keeper of '%s' failed (exit %d)", name, ret);
			ret = -1;
		} else {
			ret = attach_guest(s->project.dir, name, session, &ended);
			if (ret >= 0 && ended)
				ret = sbx_tmux_wait_keeper(keeper);
			else if (ret >= 0)
				sbx_tmux_say_detached(s->persistent ? name : session);
		}
	}
	for (int i = 0; i < 2; i++)
		if (sync[i] >= 0)
			close(sync[i]);
	free(session);
	return ret;
}

static const cJSON *find_record(const cJSON *records, const char *name);

static int attach(const char *name)
{
	cJSON *records = NULL;
	const cJSON *r;
	const cJSON *t;
	char *session = NULL, *dir = NULL;
	int ended, code = -1;

	if (sbx_owner_list(&records))
		return -1;
	r = find_record(records, name);
	t = r && sbx_owner_alive(r) ? cJSON_GetObjectItemCaseSensitive(r, "tmux") : NULL;
	if (t && sbx_json_get_string(t, "session")) {
		session = sbx_strdup(sbx_json_get_string(t, "session"));
		dir = sbx_strdup(sbx_json_get_string(r, "project") ? sbx_json_get_string(r, "project")
								   : "/");
	}
	cJSON_Delete(records);
	if (!session) {
		sbx_error("'%s' runs no agent in tmux (see 'sbx ls')", name);
		goto out;
	}
	code = attach_guest(dir, name, session, &ended);
	if (code >= 0 && !ended) {
		sbx_tmux_say_detached(name);
	} else if (code >= 0) {
		/* The keeper is removing what the run made: wait for it, a while. */
		for (int i = 0; i < 600; i++) {
			cJSON *rec = sbx_owner_read(name);
			int gone = !rec || !sbx_owner_alive(rec);

			cJSON_Delete(rec);
			if (gone)
				break;
			poll(NULL, 0, 100);
		}
	}
out:
	free(session);
	free(dir);
	return code;
}

static int run_ephemeral(struct sbx_session *s)
{
	struct template_spec t;
	struct progress p;
	char *name = NULL, *envfile = NULL;
	int lock = -1, ret = -1, handed_over = 0;

	if (check_version(NULL) || spec_init(&t, &s->project, s->cfg))
		return -1;
	/* Someone else's failure to clean up is not a reason to fail this run. */
	if (reap_orphans(0, NULL)) {
		sbx_warn("%s", sbx_last_error());
		sbx_clear_error();
	}
	if (interrupted() || ensure_template(&t, &s->project, 0, 1, s->verbose, &lock))
		goto out;
	if (interrupted())
		goto out;
	progress_begin(&p, 1, s->verbose, "starting a sandbox from %s", t.name);
	name = create_session(s, t.name, &p);
	unlock(&lock);
	if (!name || interrupted() || start_vm(name, &p) || interrupted()) {
		progress_end(&p, 0);
		goto undo;
	}
	progress_end(&p, 1);
	sbx_notify_session_command(s, name, SBX_NOTIFY_LIMA_SOCKET);
	if (deliver_env(s, name, &envfile) || interrupted())
		goto undo;
	if (s->tmux)
		ret = run_tmux(s, name, envfile, t.name, &handed_over);
	else
		ret = run_command(s, name, envfile);
	/* In tmux the keeper discards the session, when the agent ends. */
	if (!handed_over && discard_session(name, ret < 0))
		ret = -1;
	goto out;
undo:
	if (name)
		undo_session(name);
	ret = -1;
out:
	unlock(&lock);
	free(envfile);
	free(name);
	spec_release(&t);
	return ret;
}

/*
 * Makes the project's persistent VM exist and run: cloned from the template
 * on first use (a failure then removes it again), started when stopped.
 * Callers hold its lock, so that concurrent runs start it once.
 */
static int ready_persistent(struct sbx_session *s, const char *name)
{
	struct template_spec t;
	struct progress p;
	cJSON *inst = NULL;
	const char *status;
	int found = lima_find(name, &inst), created = 0, lock = -1, ret = -1;

	if (found < 0)
		return -1;
	status = inst ? sbx_json_get_string(inst, "status") : NULL;
	if (found && status && !strcmp(status, "Running")) {
		cJSON_Delete(inst);
		return claim_persistent(s, name);
	}
	progress_begin(&p, 1, s->verbose, "starting %s", name);
	if (found) {
		ret = claim_persistent(s, name);
	} else if (!check_version(NULL) && !spec_init(&t, &s->project, s->cfg)) {
		ret = ensure_template(&t, &s->project, 0, 1, s->verbose, &lock);
		if (!ret)
			ret = sbx_owner_write(name, BACKEND, "persistent", s->project.dir,
					      record_extra(t.name));
		if (!ret) {
			ret = clone_vm(s, t.name, name, &p);
			/* A failed clone may leave a half-made one; a taken name is not ours. */
			created = ret <= 0;
			ret = ret ? -1 : 0;
		}
		unlock(&lock);
		spec_release(&t);
	}
	if (!ret && interrupted())
		ret = -1;
	if (!ret)
		ret = start_vm(name, &p);
	progress_end(&p, !ret);
	if (ret && created) {
		char *why = sbx_strdup(sbx_last_error());

		if (lima_delete(name, 1))
			sbx_warn("%s", sbx_last_error());
		else
			sbx_owner_remove(name);
		sbx_error("%s", why);
		free(why);
	}
	cJSON_Delete(inst);
	return ret;
}

static int run_persistent(struct sbx_session *s)
{
	char *name = sbx_persistent_name(&s->project), *envfile = NULL;
	int lock = lock_open(name, LOCK_EX), ret = -1, handed_over;

	if (lock >= 0) {
		ret = ready_persistent(s, name);
		unlock(&lock);
	}
	sbx_notify_session_command(s, name, SBX_NOTIFY_LIMA_SOCKET);
	if (!ret && !interrupted() && !deliver_env(s, name, &envfile) && !interrupted())
		ret = s->tmux ? run_tmux(s, name, envfile, NULL, &handed_over)
			      : run_command(s, name, envfile);
	else
		ret = -1;
	free(envfile);
	free(name);
	return ret;
}

static int run(struct sbx_session *s)
{
	return s->persistent ? run_persistent(s) : run_ephemeral(s);
}

/* ----------------------------------------------------------------- commands */

static int probe(struct sbx_buf *info)
{
	return check_version(info);
}

/* Does the name look like a session's: sbx-BASE-HHHHHH-RRRRR (hex hash, random base36)? */
static int session_looking(const char *name)
{
	size_t len = strlen(name);
	const char *p = name + len;

	if (strncmp(name, "sbx-", 4) || len < 4 + 1 + 7 + 6)
		return 0;
	for (int i = 0; i < 5; i++) {
		p--;
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')))
			return 0;
	}
	if (*--p != '-')
		return 0;
	for (int i = 0; i < 6; i++) {
		p--;
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	}
	return p[-1] == '-';
}

static const cJSON *find_record(const cJSON *records, const char *name)
{
	for (const cJSON *r = records ? records->child : NULL; r; r = r->next) {
		const char *n = sbx_json_get_string(r, "name");
		const char *backend = sbx_json_get_string(r, "backend");

		if (n && backend && !strcmp(n, name) && !strcmp(backend, BACKEND))
			return r;
	}
	return NULL;
}

/* A template's state file, parsed; NULL when sbx did not build it. */
static cJSON *template_state(const char *name)
{
	char *path = state_file("templates", name, ".json");
	cJSON *state = NULL;

	if (path && !access(path, F_OK) && sbx_jsonc_read_file(path, &state))
		state = NULL;
	sbx_clear_error();
	free(path);
	return state;
}

static void add_listing(cJSON *out, const cJSON *inst, const cJSON *records)
{
	const char *name = sbx_json_get_string(inst, "name");
	const cJSON *rec = find_record(records, name);
	cJSON *state = rec ? NULL : template_state(name);
	cJSON *e = sbx_json_append(out, sbx_json_new_object());
	const char *kind, *project;

	if (rec)
		kind = sbx_json_get_string(rec, "kind");
	else if (state)
		kind = "template";
	else if (strlen(name) > 5 && !strcmp(name + strlen(name) - 5, "-keep"))
		kind = "persistent";
	else
		kind = session_looking(name) ? "session" : "template";
	project = sbx_json_get_string(rec ? rec : state, "project");
	sbx_json_add_string(e, "name", name);
	sbx_json_add_string(e, "backend", BACKEND);
	sbx_json_add_string(e, "kind", kind ? kind : "session");
	sbx_json_add_string(e, "status", sbx_json_get_string(inst, "status") ?
			    sbx_json_get_string(inst, "status") : "Unknown");
	if (project)
		sbx_json_add_string(e, "project", project);
	if (rec && sbx_owner_alive(rec))
		sbx_json_add_number(e, "owner", sbx_json_get_number(rec, "pid", 0));
	if (rec && sbx_json_get_string(rec, "template"))
		sbx_json_add_string(e, "template", sbx_json_get_string(rec, "template"));
	sbx_tmux_listing(e, rec);
	cJSON_Delete(state);
}

static int list(cJSON *out)
{
	cJSON *all, *records = NULL;

	if (lima_list(&all))
		return -1;
	if (sbx_owner_list(&records))
		sbx_clear_error();
	for (const cJSON *inst = all->child; inst; inst = inst->next)
		if (!strncmp(sbx_json_get_string(inst, "name"), "sbx-", 4))
			add_listing(out, inst, records);
	cJSON_Delete(records);
	cJSON_Delete(all);
	return 0;
}

static int stop(const char *name)
{
	struct call c;
	int ret;

	call_init(&c, name, "stop", name, NULL);
	ret = call_run(&c);
	/* Stopping what is already stopped is not a failure. */
	if (ret > 0 && call_said(&c, "got `Stopped`"))
		ret = 0;
	else if (ret)
		ret = call_fail(&c, "cannot stop '%s'", name);
	call_release(&c);
	return ret;
}

static int remove_sandbox(const char *name, int force)
{
	struct call c;
	int ret;
	char *log;

	if (force)
		call_init(&c, name, "delete", "-f", name, NULL);
	else
		call_init(&c, name, "delete", name, NULL);
	ret = call_run(&c);
	if (ret && call_said(&c, "expected status `Stopped`"))
		ret = sbx_error("'%s' is running: stop it first ('sbx stop %s') or use 'sbx rm -f'",
				name, name);
	else if (ret)
		ret = call_fail(&c, "cannot delete '%s'", name);
	call_release(&c);
	if (ret)
		return -1;
	forget_template(name);
	log = state_file("logs", name, ".log");
	if (log)
		unlink(log);
	free(log);
	return sbx_owner_remove(name);
}

/*
 * Orphans: sessions whose owner is dead, and session-looking VMs that no
 * record owns and no template state claims (an sbx killed between clone
 * and record cannot happen, but a state directory wiped by hand can).
 * Persistent VMs and templates are never pruned.
 */
static int prune(int dry_run, cJSON *removed)
{
	cJSON *all, *records = NULL;
	int ret;

	if (lima_list(&all))
		return -1;
	ret = reap_orphans(dry_run, removed);
	if (sbx_owner_list(&records)) {
		cJSON_Delete(all);
		return -1;
	}
	for (const cJSON *inst = all->child; inst; inst = inst->next) {
		const char *name = sbx_json_get_string(inst, "name");
		cJSON *state;
		int seen = 0;

		if (!session_looking(name) || find_record(records, name))
			continue;
		for (const cJSON *r = removed ? removed->child : NULL; r; r = r->next)
			seen |= !strcmp(r->valuestring, name);
		state = template_state(name);
		if (!seen && !state) {
			if (!dry_run && lima_delete(name, 1))
				ret = -1;
			else if (removed)
				sbx_json_append(removed, sbx_json_new_string(name));
		}
		cJSON_Delete(state);
	}
	cJSON_Delete(records);
	cJSON_Delete(all);
	return ret;
}

/* ------------------------------------------------------------------ doctor */

static void doctor_vm_types(const struct sbx_config *cfg, sbx_report_fn report)
{
	struct call c;
	struct sbx_buf out = SBX_BUF_INIT, types = SBX_BUF_INIT;
	const char *want = cfg ? sbx_config_string(cfg, "vmType") : NULL;
	cJSON *info = NULL;
	int have = 0;

	call_init(&c, NULL, "info", NULL);
	c.out = &out;
	if (call_must(&c, "cannot ask Lima what it can run") ||
	    !(info = cJSON_ParseWithLength(out.buf, out.len))) {
		report(SBX_CHECK_WARN, "lima vmTypes", c.code ? sbx_last_error() :
		       "'limactl info' did not answer JSON", "check Lima's installation");
		goto out;
	}
	for (const cJSON *v = cJSON_GetObjectItemCaseSensitive(info, "vmTypes") ?
	     cJSON_GetObjectItemCaseSensitive(info, "vmTypes")->child : NULL; v; v = v->next) {
		if (!cJSON_IsString(v))
			continue;
		sbx_buf_addf(&types, "%s%s", types.len ? ", " : "", v->valuestring);
		have |= want && !strcmp(want, v->valuestring);
	}
	if (!types.len)
		report(SBX_CHECK_FAIL, "lima vmTypes", "Lima reports no VM type it can run",
		       "install QEMU (Linux) or use macOS 13+ for vz");
	else if (want && !have)
		report(SBX_CHECK_FAIL, "lima vmTypes", types.buf,
		       "the configured vmType is not among them: change \"vmType\" or remove it");
	else
		report(SBX_CHECK_OK, "lima vmTypes", types.buf, NULL);
out:
	cJSON_Delete(info);
	sbx_buf_release(&types);
	sbx_buf_release(&out);
	call_release(&c);
}

static void doctor_template(const struct sbx_config *cfg, sbx_report_fn report)
{
	struct sbx_project project;
	struct template_spec t;
	char *hash;
	int fresh;

	if (!cfg || sbx_project_detect(&project, NULL)) {
		sbx_clear_error();
		return;
	}
	if (spec_init(&t, &project, cfg)) {
		report(SBX_CHECK_FAIL, "lima template", sbx_last_error(), "set SBX_SOURCE_DIR");
		sbx_project_release(&project);
		return;
	}
	fresh = template_fresh(&t);
	hash = built_hash(t.name);
	if (fresh > 0)
		report(SBX_CHECK_OK, "lima template", t.name, NULL);
	else if (fresh < 0)
		report(SBX_CHECK_WARN, "lima template", sbx_last_error(), "see the log it names");
	else
		report(SBX_CHECK_WARN, "lima template", hash ?
		       "out of date: its inputs changed since it was built" : "not built yet",
		       "run 'sbx setup' (sbx run also builds it, the first time)");
	free(hash);
	spec_release(&t);
	sbx_project_release(&project);
}

static void doctor(const struct sbx_config *cfg, sbx_report_fn report)
{
	struct sbx_buf info = SBX_BUF_INIT;
	const char *chosen = cfg ? sbx_config_string(cfg, "backend") : NULL;
	/* Lima is not a failure on a machine that chose bwrap. */
	enum sbx_check bad = chosen && !strcmp(chosen, "bwrap") ? SBX_CHECK_WARN : SBX_CHECK_FAIL;

	if (!sbx_which("limactl")) {
		report(bad, "lima", "limactl was not found on PATH", install_hint);
		return;
	}
	if (check_version(&info)) {
		report(bad, "lima", sbx_last_error(), geteuid() == 0 ?
		       "run sbx as your own user: Lima does not run as root" :
		       "upgrade or reinstall Lima");
		sbx_buf_release(&info);
		return;
	}
	report(SBX_CHECK_OK, "lima", info.buf, NULL);
	sbx_buf_release(&info);
	doctor_vm_types(cfg, report);
	doctor_template(cfg, report);
}

const struct sbx_backend sbx_backend_lima = {
	.name = BACKEND,
	.probe = probe,
	.setup = setup,
	.run = run,
	.list = list,
	.stop = stop,
	.remove = remove_sandbox,
	.prune = prune,
	.doctor = doctor,
	.attach = attach,
};
