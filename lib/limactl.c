/*
 * The Lima backend (lima.h): running limactl. Each call is logged, its
 * stderr kept to find Lima's message, and a step shows its progress.
 */
#include "lima.h"
#include "error.h"
#include "json.h"
#include "paths.h"
#include "quote.h"
#include "spawn.h"
#include "term.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char sbx_lima_install_hint[] =
	"install Lima (https://lima-vm.io/docs/installation/) or choose the bwrap backend "
	"(--backend bwrap)";

/* ------------------------------------------------------------------ files */

/* $XDG_STATE_HOME/sbx/DIR/NAME+EXT, with DIR made (0700); NULL after an error. */
char *sbx_lima_state_file(const char *dir, const char *name, const char *ext)
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
int sbx_lima_log_open(const char *instance, char **path)
{
	struct stat st;
	int fd;

	*path = sbx_lima_state_file("logs", instance ? instance : "lima", ".log");
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
void sbx_lima_log_header(int fd, char *const *argv)
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
int sbx_lima_lock_open(const char *name, int how)
{
	char *path = sbx_lima_state_file("locks", name, ".lock");
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

int sbx_lima_relock(int fd, int how, const char *name)
{
	while (flock(fd, how))
		if (errno != EINTR || sbx_pending_signal())
			return sbx_error_errno("cannot lock '%s'", name);
	return 0;
}

void sbx_lima_unlock(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* --------------------------------------------------------------- progress */

void sbx_lima_progress_begin(struct sbx_progress *p, int quiet, int verbose, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbx_progress_vbegin(p, quiet, !verbose, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ limactl calls */

/* Starts a call: "limactl STEP [--tty=false] ARGS..."; the argument list ends with NULL. */
void sbx_lima_call_init(struct call *c, const char *instance, const char *step, ...)
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

void sbx_lima_call_release(struct call *c)
{
	sbx_strvec_clear(&c->args);
	sbx_buf_release(&c->err);
	free(c->log);
	c->log = NULL;
}

/*
 * Reads what a pipe holds now, DRAIN_MAX at most (a guest that floods a
 * pipe must not keep sbx here: the caller bounds what it keeps between
 * reads); closes it at its end. stderr also goes to the log, LOG_LIMIT of
 * it per call: what a guest prints is not the host's disk to fill.
 */
static size_t drain(int *fd, struct sbx_buf *keep, struct call *c, int logfd, int echo)
{
	static const char unlogged[] = "\n--- sbx: the rest of this command's output is not logged\n";
	char chunk[8192];
	size_t got = 0;

	while (*fd >= 0 && got < DRAIN_MAX) {
		ssize_t n = read(*fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close(*fd);
			*fd = -1;
			break;
		}
		got += (size_t)n;
		if (keep)
			sbx_buf_add(keep, chunk, (size_t)n);
		if (logfd >= 0 && c->logged < LOG_LIMIT) {
			size_t room = LOG_LIMIT - c->logged, len = (size_t)n < room ? (size_t)n : room;

			write_all(logfd, chunk, len);
			c->logged += len;
			if (c->logged == LOG_LIMIT)
				write_all(logfd, unlogged, strlen(unlogged));
		}
		if (echo)
			write_all(STDERR_FILENO, chunk, (size_t)n);
	}
	return got;
}

/*
 * What a call keeps of its output, between reads: the tail of stderr (the
 * fatal line is the last thing limactl says), and stdout up to out_max.
 * Returns 1 when stdout went past it: the guest is not heard out.
 */
static int keep_bounded(struct call *c, int fds[3])
{
	if (c->err.len > 2 * ERR_TAIL) {
		memmove(c->err.buf, c->err.buf + c->err.len - ERR_TAIL, ERR_TAIL);
		sbx_buf_truncate(&c->err, ERR_TAIL);
	}
	if (!c->out_max || !c->out || c->out->len <= c->out_max || c->overflow)
		return 0;
	if (fds[1] >= 0)
		close(fds[1]);
	fds[1] = -1;
	c->overflow = 1;
	return 1;
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

static void end_lingering(pid_t pid, int *stage, const struct timespec *since)
{
	double ms = sbx_progress_elapsed(since) * 1000;

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

	/* Nor is a cleanup (own_group) ended by a signal that comes while it runs. */
	ours = !forwarded && !c->own_group;
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
		if (c->progress)
			sbx_progress_tick(c->progress);
		if (n > 0 && pfd[0].revents)
			feed(&fds[0], c->input, &off);
		if (n > 0 && pfd[1].revents)
			drain(&fds[1], c->out, c, -1, 0);
		if (n > 0 && pfd[2].revents)
			drain(&fds[2], &c->err, c, logfd, c->verbose);
		if (keep_bounded(c, fds)) {
			/* Ended as a signal would end it: SIGTERM, later SIGKILL. */
			kill(pid, SIGTERM);
			ours = forwarded = 1;
			clock_gettime(CLOCK_MONOTONIC, &since);
		}
		if (n == 0 && waitpid(pid, &status, WNOHANG) == pid) {
			/* What the pipes still hold, a bounded while: a writer left behind may not stop. */
			for (int i = 0; i < 16; i++) {
				size_t got = drain(&fds[1], c->out, c, -1, 0) +
					     drain(&fds[2], &c->err, c, logfd, c->verbose);

				keep_bounded(c, fds);
				if (!got)
					break;
			}
			return exit_code(status);
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

int sbx_lima_not_found(void)
{
	return sbx_error("limactl was not found on PATH: %s", sbx_lima_install_hint);
}

/*
 * Runs the call: its command line and stderr go to the log. Returns its
 * exit code (also in c->code), or -1 with a message when it could not run.
 */
int sbx_lima_call_run(struct call *c)
{
	struct sbx_child ch = SBX_CHILD_INIT;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int fds[3], devnull = -1, logfd;
	struct sigaction ign, old_pipe;

	c->code = -1;
	logfd = sbx_lima_log_open(c->instance, &c->log);
	if (logfd < 0)
		return -1;
	sbx_lima_log_header(logfd, c->args.v);
	if (pipe_cloexec(err) || (c->out && pipe_cloexec(out)) || (c->input && pipe_cloexec(in)))
		goto out;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	sbx_strvec_pushv(&ch.args, (const char *const *)c->args.v);
	ch.in = c->input ? in[0] : devnull;
	ch.out = c->out ? out[1] : devnull;
	ch.err = err[1];
	ch.new_pgroup = c->own_group;
	/* A limactl that dies before reading its input must not kill sbx with SIGPIPE. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old_pipe);
	if (sbx_child_start(&ch)) {
		if (errno == ENOENT)
			sbx_lima_not_found();
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
	if (c->overflow) {
		sbx_buf_truncate(c->out, 0);
		c->code = sbx_error("the guest's answer to limactl %s was longer than %zu bytes "
				    "(log: %s)", c->step, c->out_max, c->log);
	}
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
int sbx_lima_call_fail(const struct call *c, const char *fmt, ...)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *why;
	va_list ap;

	if (c->code < 0)
		return -1;
	va_start(ap, fmt);
	sbx_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	/* limactl ended of the signal that ended the run: that is the news, not its exit code. */
	if (sbx_pending_signal() && c->code > 128) {
		int sig = sbx_pending_signal();

		sbx_error("%s: interrupted by signal %d (%s)", b.buf, sig, strsignal(sig));
		sbx_buf_release(&b);
		return -1;
	}
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
int sbx_lima_call_must(struct call *c, const char *fmt, ...)
{
	char *what;
	va_list ap;
	int ret;

	if (sbx_lima_call_run(c) == 0)
		return 0;
	va_start(ap, fmt);
	what = sbx_vasprintf(fmt, ap);
	va_end(ap);
	ret = sbx_lima_call_fail(c, "%s", what);
	free(what);
	return ret;
}

/* Did the call fail saying this (Lima's wording, e.g. "already exists")? */
int sbx_lima_call_said(const struct call *c, const char *words)
{
	return c->code > 0 && strstr(c->err.buf, words) != NULL;
}

int sbx_lima_interrupted(void)
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

	sbx_lima_call_init(&c, NULL, "--version", NULL);
	c.out = &out;
	if (sbx_lima_call_must(&c, "cannot ask limactl its version"))
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
	sbx_lima_call_release(&c);
	return ret;
}

/* Is it at least MIN_VERSION? A version that is not numbers (a development build) is trusted. */
static int version_ok(const char *v)
{
	int major, minor;

	if (sscanf(v, "%d.%d", &major, &minor) != 2)
		return 1;
	return major > MIN_MAJOR || (major == MIN_MAJOR && minor >= MIN_MINOR);
}

/*
 * Which limactl a run would start, as "PATH DEV INO SIZE MTIME": a version
 * learnt from it stays true until it is replaced (an upgrade, another one
 * first on PATH). NULL when there is none.
 */
static char *limactl_identity(void)
{
	const char *path = getenv("PATH");
	char *copy = sbx_strdup(path && *path ? path : "/usr/bin:/bin"), *dir, *save = NULL;
	char *id = NULL;

	for (dir = strtok_r(copy, ":", &save); dir && !id; dir = strtok_r(NULL, ":", &save)) {
		char *full = sbx_asprintf("%s/limactl", *dir ? dir : ".");
		struct stat st;

		if (!access(full, X_OK) && !stat(full, &st) && S_ISREG(st.st_mode))
			id = sbx_asprintf("%s %ju %ju %jd %jd", full, (uintmax_t)st.st_dev,
					  (uintmax_t)st.st_ino, (intmax_t)st.st_size, (intmax_t)st.st_mtime);
		free(full);
	}
	free(copy);
	return id;
}

/* The version lima-version.json remembers for this limactl, or NULL. */
static char *cached_version(const char *id)
{
	char *path = sbx_lima_state_file("lima", "version", ".json"), *v = NULL;
	cJSON *rec = NULL;

	if (path && !access(path, F_OK) && !sbx_jsonc_read_file(path, &rec) &&
	    sbx_json_get_string(rec, "limactl") && !strcmp(sbx_json_get_string(rec, "limactl"), id) &&
	    sbx_json_get_string(rec, "version"))
		v = sbx_strdup(sbx_json_get_string(rec, "version"));
	sbx_clear_error();
	cJSON_Delete(rec);
	free(path);
	return v;
}

static void cache_version(const char *id, const char *version)
{
	char *path = sbx_lima_state_file("lima", "version", ".json");
	cJSON *rec = sbx_json_new_object();

	sbx_json_add_string(rec, "limactl", id);
	sbx_json_add_string(rec, "version", version);
	if (!path || sbx_json_write_file(path, rec, 0600, 1))
		sbx_clear_error();
	cJSON_Delete(rec);
	free(path);
}

/*
 * Refuses a Lima older than MIN_VERSION, naming it. cached: a version this
 * very limactl gave before is taken (a run costs no `limactl --version`);
 * setup and doctor ask again.
 */
int sbx_lima_check_version(struct sbx_buf *info, int cached)
{
	struct sbx_buf v = SBX_BUF_INIT;
	char *id = limactl_identity(), *known = id && cached ? cached_version(id) : NULL;
	int ret = 0;

	if (!id)
		ret = sbx_lima_not_found();
	else if (known)
		sbx_buf_adds(&v, known);
	else
		ret = lima_version(&v);
	if (!ret && !version_ok(v.buf))
		ret = sbx_error("limactl %s is too old: sbx needs Lima %s or later (template: names, "
				"repeated --set, clone --start); upgrade Lima (brew upgrade lima, or "
				"https://lima-vm.io/docs/installation/)", v.buf, MIN_VERSION);
	else if (!ret && !known)
		cache_version(id, v.buf);
	if (!ret && info)
		sbx_buf_addf(info, "limactl %s", v.buf);
	sbx_buf_release(&v);
	free(known);
	free(id);
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
int sbx_lima_list(cJSON **all)
{
	struct call c;
	struct sbx_buf out = SBX_BUF_INIT;
	int ret;

	*all = NULL;
	sbx_lima_call_init(&c, NULL, "list", "--json", NULL);
	c.out = &out;
	ret = sbx_lima_call_must(&c, "cannot list Lima's instances");
	if (!ret)
		*all = parse_list(&out);
	sbx_buf_release(&out);
	sbx_lima_call_release(&c);
	return ret;
}

/* One instance: 1 with *obj set when it exists, 0 when it does not, -1 on error. */
int sbx_lima_find(const char *name, cJSON **obj)
{
	struct call c;
	struct sbx_buf out = SBX_BUF_INIT;
	cJSON *all = NULL;
	int ret = -1;

	*obj = NULL;
	sbx_lima_call_init(&c, name, "list", "--json", name, NULL);
	c.out = &out;
	if (sbx_lima_call_run(&c) == 0) {
		all = parse_list(&out);
		if (all->child) {
			*obj = cJSON_DetachItemViaPointer(all, all->child);
			ret = 1;
		} else {
			ret = 0;
		}
	} else if (sbx_lima_call_said(&c, "unmatched instances") ||
		   sbx_lima_call_said(&c, "No instance matching")) {
		ret = 0;
	} else {
		sbx_lima_call_fail(&c, "cannot look up '%s'", name);
	}
	cJSON_Delete(all);
	sbx_buf_release(&out);
	sbx_lima_call_release(&c);
	return ret;
}

void sbx_lima_clone_boot(struct sbx_strvec *args, const char *script, const char *description,
			 const char *probe, const char *hint)
{
	struct sbx_buf b = SBX_BUF_INIT;
	cJSON *list = sbx_json_new_array(), *e = sbx_json_append(list, sbx_json_new_object());

	sbx_json_add_string(e, "mode", "system");
	sbx_json_add_string(e, "script", script);
	sbx_buf_adds(&b, ".provision += ");
	sbx_json_print(&b, list, 0);
	sbx_strvec_pushv(args, (const char *[]){ "--set", b.buf, NULL });
	cJSON_Delete(list);
	sbx_buf_reset(&b);
	list = sbx_json_new_array();
	e = sbx_json_append(list, sbx_json_new_object());
	sbx_json_add_string(e, "mode", "readiness");
	sbx_json_add_string(e, "description", description);
	sbx_json_add_string(e, "script", probe);
	sbx_json_add_string(e, "hint", hint);
	sbx_buf_adds(&b, ".probes += ");
	sbx_json_print(&b, list, 0);
	sbx_strvec_pushv(args, (const char *[]){ "--set", b.buf, NULL });
	cJSON_Delete(list);
	sbx_buf_release(&b);
}
