/*
 * The bwrap backend's tmux mode (tmux.h). The keeper runs bwrap, whose
 * sandbox runs the tmux server and the agent in its session; the sandbox's
 * tmux directory (socket, status, ready) is $XDG_RUNTIME_DIR/sbx/sessions/
 * NAME/tmux on the host, bound at SBX_TMUX_DIR. The terminal's tmux client
 * joins the sandbox's namespaces (nsenter.h), so it runs inside as well.
 *
 * The keeper's record (owner.h) says where to attach:
 *   "tmux": {"session": NAME, "pid": the sandbox's first process (bwrap's
 *            --info-fd), "pidns": its pid namespace, "dir": the host directory}
 */
#include "bwrap.h"
#include "backend.h"
#include "cgroup.h"
#include "error.h"
#include "fsutil.h"
#include "gitdir.h"
#include "json.h"
#include "nsenter.h"
#include "owner.h"
#include "paths.h"
#include "pty.h"
#include "resources.h"
#include "safefile.h"
#include "seccomp.h"
#include "tmux.h"
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

#define START_MS 15000
/* "255\n" and some room: anything longer is no status. */
#define STATUS_MAX 16

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Is leaf in dir (whatever it is: the sandbox made it, and it is not followed)? */
static int file_in(const char *dir, const char *leaf)
{
	char *path = sbx_path_join(dir, leaf);
	struct stat st;
	int there = !lstat(path, &st);

	free(path);
	return there;
}

/*
 * The agent's status as the pane left it in dir; -1 when there is none (yet).
 * The sandbox can write the file: a link, a FIFO or a huge file is no status.
 */
static int read_status(const char *dir)
{
	struct sbx_buf b = SBX_BUF_INIT;
	int st = -1;

	if (!sbx_safe_read(dir, "status", STATUS_MAX, &b))
		st = sbx_tmux_parse_status(b.buf);
	sbx_clear_error();
	sbx_buf_release(&b);
	return st;
}

/* The inode of a process's pid namespace, naming the sandbox it runs in; 0 when gone. */
static double pid_namespace(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%ld/ns/pid", (long)pid);
	return stat(path, &st) ? 0 : (double)st.st_ino;
}

/*
 * The tmux client, inside the sandbox whose first process is pid, with its
 * filter, in its cgroup, on a pty of its own that sbx relays to our
 * terminal (pty.h): its server is the sandbox's, and makes it run commands.
 */
static int attach_client(pid_t pid, const char *session, const struct sbx_cgroup *cg)
{
	struct sbx_strvec argv = SBX_STRVEC_INIT, env = SBX_STRVEC_INIT;
	struct sbx_buf filter = SBX_BUF_INIT;
	struct sbx_nsenter e;
	const char *tmux = sbx_tmux_host_program();
	char *mark = NULL;
	int master = -1, code = -1;
	pid_t child;

	memset(&e, 0, sizeof(e));
	if (!tmux) {
		sbx_error("tmux was not found in /usr: install tmux (apt-get install tmux)");
		goto out;
	}
	if (sbx_seccomp_program(&filter))
		goto out;
	sbx_tmux_attach_argv(tmux, SBX_TMUX_DIR "/sock", session, &argv);
	sbx_bwrap_env(&env);
	e.pid = pid;
	e.argv = argv.v;
	e.envp = env.v;
	e.dir = "/";
	e.filter = &filter;
	e.cgroup = cg;
	e.tty = -1;
	if (sbx_pty_open(&master, &e.tty))
		goto out;
	mark = sbx_tmux_mark(session);
	if (!sbx_nsenter_start(&e, &child)) {
		close(e.tty);
		e.tty = -1;
		code = sbx_pty_relay(master, child);
		master = -1;
	}
out:
	sbx_tmux_unmark(mark);
	if (e.tty >= 0)
		close(e.tty);
	if (master >= 0)
		close(master);
	sbx_buf_release(&filter);
	sbx_strvec_clear(&argv);
	sbx_strvec_clear(&env);
	return code;
}

/* The keeper: bwrap, then the record that says where to attach, then the word to the foreground. */
static int keep(struct sbx_session *s, const char *home, const char *dir, const char *name,
		const char *sandbox, struct sbx_cgroup *cg, int sync)
{
	struct sbx_bwrap_run r = { SBX_CHILD_INIT, { 0 }, 0, -1 };
	int code = -1, started;
	cJSON *extra, *tmux, *old;

	if (s->gitdir && s->gitdir->watch.fd >= 0)
		r.child.watch = &s->gitdir->watch;
	started = sbx_bwrap_start(s, home, name, sandbox, dir, name, cg, &r);
	if (started) {
		if (started > 0)
			sbx_error("bwrap did not say where the sandbox runs (exit %d)", r.code);
		sbx_child_release(&r.child);
		goto out;
	}
	extra = sbx_json_new_object();
	sbx_json_add_string(extra, "sandbox", sandbox);
	/* Where the notification server rings the bell: the terminal the run began on. */
	old = sbx_owner_read(name);
	if (sbx_json_get_string(old, "tty"))
		sbx_json_add_string(extra, "tty", sbx_json_get_string(old, "tty"));
	cJSON_Delete(old);
	tmux = sbx_json_add_item(extra, "tmux", sbx_json_new_object());
	sbx_json_add_string(tmux, "session", name);
	sbx_json_add_number(tmux, "pid", r.pid);
	sbx_json_add_number(tmux, "pidns", pid_namespace(r.pid));
	sbx_json_add_string(tmux, "dir", dir);
	/* Where `sbx attach` puts its client. */
	sbx_cgroup_record(cg, extra);
	/* From here the keeper is the owner: the foreground may go. */
	if (sbx_owner_write(name, SBX_BWRAP_BACKEND, strcmp(sandbox, name) ? "persistent" : "session",
			    s->project.dir, extra)) {
		kill(r.child.pid, SIGTERM);
		sbx_bwrap_finish(&r);
		goto out;
	}
	dprintf(sync, "%ld\n", (long)r.pid);
	close(sync);
	sync = -1;
	code = sbx_bwrap_finish(&r);
out:
	sbx_cgroup_destroy(cg);
	if (sync >= 0)
		close(sync);
	return code;
}

/* The foreground: waits for the session, attaches, and tells an ended agent from a detach. */
static int foreground(const char *dir, const char *name, pid_t keeper, int sync)
{
	char buf[32] = "";
	ssize_t n;
	long pid;
	int code, waited = 0, sig;

	while ((n = read(sync, buf, sizeof(buf) - 1)) < 0 && errno == EINTR)
		;
	buf[n > 0 ? n : 0] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid <= 0) {
		char *state = sbx_state_dir();

		code = sbx_tmux_wait_keeper(keeper);
		sbx_error("the sandbox did not start (exit %d; log: %s/logs/%s.log)", code,
			  state ? state : "$XDG_STATE_HOME/sbx", name);
		free(state);
		return -1;
	}
	/* The server is up once the session is: the pane's command may even have ended. */
	while (!file_in(dir, "ready") && read_status(dir) < 0 && sbx_tmux_keeper_running(keeper) &&
	       waited < START_MS && !sbx_pending_signal()) {
		sleep_ms(20);
		waited += 20;
	}
	sig = sbx_pending_signal();
	if (sig && sig != SIGHUP) {
		/* Interrupted before it was attached: end it, as a run without tmux would end. */
		kill(keeper, SIGTERM);
		return sbx_tmux_wait_keeper(keeper);
	}
	/* Without a terminal the agent starts detached, for a later `sbx attach`. */
	if (!sig && isatty(STDIN_FILENO) && sbx_tmux_keeper_running(keeper) && read_status(dir) < 0) {
		struct sbx_cgroup cg = SBX_CGROUP_INIT;
		cJSON *record = sbx_owner_read(name);

		sbx_cgroup_from_record(record, &cg);
		cJSON_Delete(record);
		code = attach_client((pid_t)pid, name, &cg);
		sbx_cgroup_release(&cg);
		if (code < 0)
			return -1;
	}
	if (read_status(dir) >= 0 || !sbx_tmux_keeper_running(keeper))
		return sbx_tmux_wait_keeper(keeper);
	sbx_tmux_say_detached(name);
	return 0;
}

int sbx_bwrap_run_tmux(struct sbx_session *s, const char *home, const char *name,
		       const char *sandbox, int *handed_over)
{
	char *sdir = sbx_bwrap_session_dir(name), *dir = NULL;
	int sync[2] = { -1, -1 }, code = -1, keeper_here;
	struct sbx_cgroup cg = SBX_CGROUP_INIT;
	pid_t keeper;

	*handed_over = 0;
	if (!sbx_tmux_host_program()) {
		sbx_error("tmux was not found in /usr: install tmux (apt-get install tmux), or run "
			  "without --tmux");
		goto out;
	}
	if (!sdir || sbx_mkdir_private(sdir, 0700))
		goto out;
	dir = sbx_path_join(sdir, "tmux");
	if (sbx_safe_remove_tree(dir) || sbx_mkdir_private(dir, 0700))
		goto out;
	if (pipe(sync) || fcntl(sync[0], F_SETFD, FD_CLOEXEC) || fcntl(sync[1], F_SETFD, FD_CLOEXEC)) {
		sbx_error_errno("cannot create a pipe");
		goto out;
	}
	/* Made here, so that what it cannot hold is said on the terminal, not in the keeper's log. */
	sbx_resources_cgroup(s->cfg, name, &cg);
	keeper_here = sbx_tmux_fork_keeper(name, &keeper);
	if (keeper_here < 0) {
		sbx_cgroup_destroy(&cg);
		goto out;
	}
	if (keeper_here) {
		close(sync[0]);
		code = keep(s, home, dir, name, sandbox, &cg, sync[1]);
		/* A persistent sandbox's home stays; this run's directory goes. */
		if (sbx_safe_remove_tree(strcmp(sandbox, name) ? sdir : dir))
			sbx_warn("%s", sbx_last_error());
	} else {
		/* The keeper's now, which removes it. */
		sbx_cgroup_release(&cg);
		*handed_over = 1;
		close(sync[1]);
		code = foreground(dir, name, keeper, sync[0]);
		close(sync[0]);
	}
out:
	free(sdir);
	free(dir);
	return code;
}

static const cJSON *tmux_of(const cJSON *record)
{
	const cJSON *t = record ? cJSON_GetObjectItemCaseSensitive(record, "tmux") : NULL;

	return cJSON_IsObject(t) && sbx_owner_alive(record) ? t : NULL;
}

int sbx_bwrap_attach(const char *name)
{
	struct sbx_cgroup cg = SBX_CGROUP_INIT;
	cJSON *records;
	const cJSON *t = NULL;
	char *dir = NULL, *session = NULL;
	double pid = 0;
	int code = -1;

	if (sbx_owner_list(&records))
		return -1;
	for (const cJSON *r = records->child; r && !t; r = r->next) {
		const char *n = sbx_json_get_string(r, "name");
		const char *sandbox = sbx_json_get_string(r, "sandbox");
		const char *backend = sbx_json_get_string(r, "backend");

		if (backend && !strcmp(backend, SBX_BWRAP_BACKEND) && n &&
		    (!strcmp(n, name) || (sandbox && !strcmp(sandbox, name)))) {
			t = tmux_of(r);
			if (t)
				sbx_cgroup_from_record(r, &cg);
		}
	}
	if (t) {
		pid = sbx_json_get_number(t, "pid", 0);
		dir = sbx_strdup(sbx_json_get_string(t, "dir") ? sbx_json_get_string(t, "dir") : "");
		session = sbx_strdup(sbx_json_get_string(t, "session") ?
				     sbx_json_get_string(t, "session") : name);
		/* The same sandbox still, not a process that took its number. */
		if (pid <= 0 || pid_namespace((pid_t)pid) != sbx_json_get_number(t, "pidns", -1))
			t = NULL;
	}
	cJSON_Delete(records);
	if (!t) {
		sbx_error("'%s' runs no agent in tmux (see 'sbx ls')", name);
		goto out;
	}
	code = attach_client((pid_t)pid, session, &cg);
	if (code >= 0) {
		int st = read_status(dir);

		if (st >= 0) {
			/* The agent ended while attached: the keeper is removing the run. */
			for (int waited = 0; waited < START_MS && file_in(dir, "ready"); waited += 20)
				sleep_ms(20);
			code = st;
		} else {
			code = 0;	/* detached again, or ended and already removed */
			if (file_in(dir, "ready"))
				sbx_tmux_say_detached(session);
		}
	}
out:
	sbx_cgroup_release(&cg);
	free(dir);
	free(session);
	return code;
}
