/* The agent in tmux inside the sandbox (tmux.h): scripts, the keeper, attach marks. */
#include "tmux.h"
#include "error.h"
#include "json.h"
#include "owner.h"
#include "paths.h"
#include "term.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The pane: runs the launcher, then leaves the agent's status for sbx ($0
 * the file). A FIFO the agent left at the temporary name would hold the pane.
 */
#define PANE "st=0; \"$@\" || st=$?; rm -f \"$0.tmp\"; echo \"$st\" >\"$0.tmp\" && " \
	"mv -f \"$0.tmp\" \"$0\""
/*
 * Prints the status file $f, or 129 when there is none: the agent can
 * write it, so only a plain file, only its first bytes, and not for long (a
 * FIFO swapped in after the test would hold head); one removed after the
 * test is none either. sbx bounds what it reads of the answer too (tmux.h).
 */
#define STATUS_OF "if [ -f \"$f\" ] && [ ! -h \"$f\" ] && st=$(timeout 5 head -c 8 \"$f\" 2>/dev/null); " \
	"then printf '%s' \"$st\"; else echo 129; fi\n"

/* bwrap: sh -c BWRAP_MAIN sbx-tmux TMUX SESSION LAUNCHER... */
static const char bwrap_main[] =
	"tmux=$1 session=$2\n"
	"shift 2\n"
	"dir=" SBX_TMUX_DIR "\n"
	"\"$tmux\" -S \"$dir/sock\" new-session -d -s \"$session\" sh -c '" PANE "' \"$dir/status\" \"$@\" ||\n"
	"\texit 125\n"
	": >\"$dir/ready\"\n"
	"while \"$tmux\" -S \"$dir/sock\" has-session -t \"=$session\" 2>/dev/null; do\n"
	"\tsleep 1\n"
	"done\n"
	"f=$dir/status\n"
	"st=$(" STATUS_OF ")\n"
	"case $st in '' | *[!0-9]*) exit 129 ;; esac\n"
	"exit \"$st\"\n";

#define LIMA_DIR "dir=$HOME/.cache/sbx-tmux\n"
#define LIMA_TMUX "tmux -L " SBX_TMUX_LIMA_SOCKET

/* Lima: sh -c LIMA_START sbx SESSION LAUNCHER... */
static const char lima_start[] =
	"session=$1\n"
	"shift\n"
	LIMA_DIR
	"mkdir -p \"$dir\" && rm -f \"$dir/$session.status\" || exit 125\n"
	"find \"$dir\" -name '*.status' -mtime +1 -exec rm -f {} + 2>/dev/null\n"
	"exec " LIMA_TMUX " new-session -d -s \"$session\" sh -c '" PANE "' \"$dir/$session.status\" \"$@\"\n";

/* Lima: sh -c LIMA_WAIT sbx SESSION; prints the status. */
static const char lima_wait[] =
	LIMA_DIR
	"while " LIMA_TMUX " has-session -t \"=$1\" 2>/dev/null; do\n"
	"\tsleep 2\n"
	"done\n"
	"f=$dir/$1.status\n"
	STATUS_OF;

/* Lima: sh -c LIMA_STATE sbx SESSION; prints "running", or the status. */
static const char lima_state[] =
	LIMA_DIR
	"if " LIMA_TMUX " has-session -t \"=$1\" 2>/dev/null; then\n"
	"\techo running\n"
	"else\n"
	"\tf=$dir/$1.status\n"
	"\t" STATUS_OF
	"fi\n";

const char *sbx_tmux_host_program(void)
{
	/* Where the sandbox sees the host's own, read-only: its /usr. */
	static const char *const paths[] = { "/usr/bin/tmux", "/usr/local/bin/tmux", NULL };

	for (size_t i = 0; paths[i]; i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

void sbx_tmux_bwrap_argv(const char *session, struct sbx_strvec *argv)
{
	const char *tmux = sbx_tmux_host_program();

	sbx_strvec_pushv(argv, (const char *[]){ "/bin/sh", "-c", bwrap_main, "sbx-tmux",
		tmux ? tmux : "/usr/bin/tmux", session, NULL });
}

void sbx_tmux_lima_start_argv(const char *session, struct sbx_strvec *argv)
{
	sbx_strvec_pushv(argv, (const char *[]){ "sh", "-c", lima_start, "sbx", session, NULL });
}

void sbx_tmux_lima_wait_argv(const char *session, struct sbx_strvec *argv)
{
	sbx_strvec_pushv(argv, (const char *[]){ "sh", "-c", lima_wait, "sbx", session, NULL });
}

void sbx_tmux_lima_state_argv(const char *session, struct sbx_strvec *argv)
{
	sbx_strvec_pushv(argv, (const char *[]){ "sh", "-c", lima_state, "sbx", session, NULL });
}

void sbx_tmux_attach_argv(const char *tmux, const char *socket, const char *session,
			  struct sbx_strvec *argv)
{
	sbx_strvec_pushv(argv, (const char *[]){ tmux, strchr(socket, '/') ? "-S" : "-L", socket,
		"attach-session", "-t", NULL });
	sbx_strvec_pushf(argv, "=%s", session);
}

int sbx_tmux_parse_status(const char *text)
{
	char *end;
	long v;

	if (!text || *text < '0' || *text > '9')
		return -1;
	v = strtol(text, &end, 10);
	if (v > 255 || (*end && strcmp(end, "\n")))
		return -1;
	return (int)v;
}

/* ------------------------------------------------------------------ keeper */

static int open_log(const char *name)
{
	char *state = sbx_state_dir(), *dir = NULL, *path = NULL;
	int fd = -1;

	if (state) {
		dir = sbx_path_join(state, "logs");
		if (!sbx_mkdir_p(dir, 0700)) {
			path = sbx_asprintf("%s/%s.log", dir, name);
			fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		}
	}
	sbx_clear_error();
	free(state);
	free(dir);
	free(path);
	return fd;
}

int sbx_tmux_fork_keeper(const char *name, pid_t *keeper)
{
	int nullfd = open("/dev/null", O_RDWR | O_CLOEXEC), logfd;
	pid_t pid;

	if (nullfd < 0)
		return sbx_error_errno("cannot open '/dev/null'");
	logfd = open_log(name);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		sbx_error_errno("cannot fork the process that keeps '%s'", name);
	} else if (!pid) {
		/* No terminal: its hangup must not reach the keeper, nor its output the screen. */
		setsid();
		dup2(nullfd, 0);
		dup2(nullfd, 1);
		dup2(logfd >= 0 ? logfd : nullfd, 2);
		fprintf(stderr, "sbx: keeping %s (pid %ld) while its agent runs in tmux\n", name,
			(long)getpid());
	} else {
		*keeper = pid;
	}
	close(nullfd);
	if (logfd >= 0)
		close(logfd);
	return pid < 0 ? -1 : !pid;
}

int sbx_tmux_wait_keeper(pid_t keeper)
{
	int status;
	pid_t r;

	while ((r = waitpid(keeper, &status, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return sbx_error_errno("cannot wait for the keeper (pid %ld)", (long)keeper);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int sbx_tmux_keeper_running(pid_t keeper)
{
	return kill(keeper, 0) == 0 && waitpid(keeper, NULL, WNOHANG) == 0;
}

/* ------------------------------------------------------------ attach marks */

static char *marks_dir(void)
{
	char *run = sbx_runtime_dir(), *dir = NULL;

	if (run) {
		dir = sbx_path_join(run, "attached");
		if (sbx_mkdir_private(dir, 0700)) {
			free(dir);
			dir = NULL;
		}
	}
	free(run);
	return dir;
}

char *sbx_tmux_mark(const char *name)
{
	char *dir = marks_dir(), *path = NULL, text[32];
	int fd;

	if (!dir) {
		sbx_clear_error();
		return NULL;
	}
	path = sbx_asprintf("%s/%s.%ld", dir, name, (long)getpid());
	snprintf(text, sizeof(text), "%llu\n", sbx_process_start_time(getpid()));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		if (fd >= 0)
			unlink(path);
		free(path);
		path = NULL;
	}
	if (fd >= 0)
		close(fd);
	free(dir);
	return path;
}

void sbx_tmux_unmark(char *mark)
{
	if (mark)
		unlink(mark);
	free(mark);
}

/* A process that has exited but not been reaped yet (its parent may be slow at it) is gone. */
static int zombie(long pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

int sbx_tmux_attached(const char *name)
{
	char *dir = marks_dir();
	size_t len = strlen(name);
	struct dirent *d;
	DIR *dh;
	int n = 0;

	if (!dir || !(dh = opendir(dir))) {
		sbx_clear_error();
		free(dir);
		return 0;
	}
	while ((d = readdir(dh))) {
		char *path, buf[32] = "", *end;
		long pid;
		int fd;
		ssize_t r;

		if (strncmp(d->d_name, name, len) || d->d_name[len] != '.')
			continue;
		pid = strtol(d->d_name + len + 1, &end, 10);
		if (*end || pid <= 0)
			continue;
		path = sbx_path_join(dir, d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		r = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[r > 0 ? r : 0] = '\0';
		if ((kill((pid_t)pid, 0) == 0 || errno == EPERM) && !zombie(pid)) {
			unsigned long long start = sbx_process_start_time((pid_t)pid);

			n += !start || start == strtoull(buf, NULL, 10);
		}
		free(path);
	}
	closedir(dh);
	free(dir);
	return n;
}

void sbx_tmux_listing(cJSON *entry, const cJSON *record)
{
	const cJSON *t = record ? cJSON_GetObjectItemCaseSensitive(record, "tmux") : NULL;
	const char *session = cJSON_IsObject(t) ? sbx_json_get_string(t, "session") : NULL;
	int attached;

	if (!session || !sbx_owner_alive(record))
		return;
	attached = sbx_tmux_attached(session) > 0;
	sbx_json_add_string(entry, "tmux", attached ? "attached" : "detached");
	if (!attached) {
		cJSON_DeleteItemFromObjectCaseSensitive(entry, "status");
		sbx_json_add_string(entry, "status", "Detached");
	}
}

void sbx_tmux_say_detached(const char *name)
{
	if (sbx_verbosity() >= 0)
		fprintf(stderr, "sbx: detached from %s; 'sbx attach %s' reattaches\n", name, name);
}
