/* The Lima backend (lima.h): sessions, cloned, started, given their environment, run and reaped. */
#include "lima.h"
#include "error.h"
#include "gitdir.h"
#include "json.h"
#include "names.h"
#include "notify.h"
#include "owner.h"
#include "paths.h"
#include "plugin.h"
#include "quote.h"
#include "safefile.h"
#include "session.h"
#include "spawn.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- sessions */

/*
 * A mount's place in the guest: "~/x" is in the home of Lima's user, which
 * Lima's {{.Home}} names in a mountPoint: /home/USER.guest since Lima 2.1,
 * /home/USER.linux for an instance made before, `lima` for a USER Lima
 * cannot use (docs/lima.md). The home itself cannot be a mount point.
 */
static char *guest_path(const char *guest)
{
	if (strcmp(guest, "~") && strncmp(guest, "~/", 2))
		return sbx_strdup(guest);
	return sbx_asprintf("{{.Home}}%s", guest + 1);
}

/*
 * Lima mounts directories only (limayaml.Validate: "field
 * `mounts[%d].location` refers to a non-directory path"): a file is refused
 * here, in one line, before anything is made. A missing path Lima allows.
 */
static int mounts_are_dirs(const struct sbx_session *s)
{
	for (size_t i = 0; i < s->nr_mounts; i++) {
		struct stat st;

		if (!strcmp(s->mounts[i].guest, "~"))
			return sbx_error("cannot mount '%s' at '~' on Lima: the guest home cannot be a "
					 "mount point; mount it below it", s->mounts[i].host);
		if (!stat(s->mounts[i].host, &st) && !S_ISDIR(st.st_mode))
			return sbx_error("cannot mount '%s' on Lima: it is not a directory, and Lima "
					 "mounts directories only (mount the directory that holds it)",
					 s->mounts[i].host);
	}
	return 0;
}

static void add_mount_json(cJSON *list, const char *host, const char *point, int writable)
{
	cJSON *m = sbx_json_append(list, sbx_json_new_object());

	sbx_json_add_string(m, "location", host);
	sbx_json_add_string(m, "mountPoint", point);
	sbx_json_add_bool(m, "writable", writable);
}

/*
 * The session's mounts as a yq value: a JSON array (JSON literals are valid
 * yq). The private git directory's directories come last, over the
 * project's (gitdir.h); Lima mounts directories only, so its files
 * (packed-refs, a .git file) stay as the project shows them.
 */
static char *mounts_expr(const struct sbx_session *s)
{
	cJSON *list = sbx_json_new_array();
	struct sbx_buf b = SBX_BUF_INIT;

	for (size_t i = 0; i < s->nr_mounts; i++) {
		char *point = guest_path(s->mounts[i].guest);

		add_mount_json(list, s->mounts[i].host, point, s->mounts[i].writable);
		free(point);
	}
	for (size_t i = 0; s->gitdir && i < s->gitdir->nr_binds; i++) {
		const struct sbx_gitdir_bind *g = &s->gitdir->binds[i];
		char *host = *g->rel ? sbx_path_join(g->base, g->rel) : sbx_strdup(g->base);
		struct stat st;

		if (!lstat(host, &st) && S_ISDIR(st.st_mode))
			add_mount_json(list, host, g->dst, !g->ro);
		free(host);
	}
	sbx_buf_adds(&b, ".mounts = ");
	sbx_json_print(&b, list, 0);
	cJSON_Delete(list);
	return sbx_buf_detach(&b);
}

#define GITFILES_DONE "/run/sbx-gitfiles"

/*
 * The .git files of the project (a linked worktree's, a submodule's), made
 * read-only in the guest: Lima mounts directories only, so the bind of
 * bwrap is made by the clone's boot, as root (the agent has no sudo), and a
 * probe holds the start until it is done. A .git file the agent rewrote
 * would send the host's next git to a directory of its own (gitdir.h).
 * Lima reads the script as a Go template: a path with "{{" is refused.
 */
static int gitfiles_clone(const struct sbx_session *s, struct sbx_strvec *args)
{
	struct sbx_buf script = SBX_BUF_INIT;
	size_t nr = 0;

	sbx_buf_adds(&script, "#!/bin/sh\n# sbx: the project's .git files, read-only\nset -e\n"
		     "for f in");
	for (size_t i = 0; s->gitdir && i < s->gitdir->nr_binds; i++) {
		const struct sbx_gitdir_bind *g = &s->gitdir->binds[i];
		char *host = *g->rel ? sbx_path_join(g->base, g->rel) : sbx_strdup(g->base);
		struct stat st;

		if (g->ro && !strcmp(host, g->dst) && !lstat(host, &st) && S_ISREG(st.st_mode)) {
			if (strstr(host, "{{")) {
				sbx_buf_release(&script);
				sbx_error("cannot protect '%s' on Lima: Lima reads '{{' in a boot script "
					  "as a template; rename the directory", host);
				free(host);
				return -1;
			}
			sbx_buf_addch(&script, ' ');
			sbx_sq_quote(&script, host);
			nr++;
		}
		free(host);
	}
	if (!nr) {
		sbx_buf_release(&script);
		return 0;
	}
	sbx_buf_adds(&script, "; do\n\tmount --bind \"$f\" \"$f\"\n"
		     "\tmount -o remount,bind,ro \"$f\"\ndone\ntouch " GITFILES_DONE "\n");
	sbx_lima_clone_boot(args, script.buf, "sbx: the project's .git files are read-only",
			    "#!/bin/sh\ntest -f " GITFILES_DONE "\n", "see /var/log/cloud-init-output.log");
	sbx_buf_release(&script);
	return 0;
}

/*
 * Clones the template into name with the session's mounts (replacing the
 * template's, which are none) and starts it (`clone --start`, Lima 2.0).
 * Returns 0; 1 when the name is taken; 2 when the template is missing
 * (nothing recorded); -1.
 */
static int clone_vm(const struct sbx_session *s, const char *tmpl, const char *name,
		    const struct lima_net *net, struct sbx_progress *p)
{
	char *mounts = mounts_expr(s);
	struct call c;
	int ret;

	sbx_lima_call_init(&c, name, "clone", tmpl, name, "--start", "--set", mounts, NULL);
	if (gitfiles_clone(s, &c.args)) {
		sbx_lima_call_release(&c);
		free(mounts);
		return -1;
	}
	if (s->forward_ssh_agent)
		sbx_strvec_pushv(&c.args, (const char *[]){ "--set", ".ssh.forwardAgent = true", NULL });
	sbx_lima_net_clone(s, net, &c.args);
	sbx_plugins_lima_clone(s, &c.args);
	sbx_notify_lima_clone(s, name, &c.args);
	c.progress = p;
	ret = sbx_lima_call_run(&c);
	if (ret > 0 && sbx_lima_call_said(&c, "already exists"))
		ret = 1;
	else if (ret > 0 && sbx_lima_call_said(&c, "not found") && !sbx_pending_signal())
		ret = 2;
	else if (ret)
		ret = sbx_lima_call_fail(&c, "cannot start a clone of the template '%s' as '%s'",
					 tmpl, name);
	sbx_lima_call_release(&c);
	free(mounts);
	return ret;
}

static int start_vm(const char *name, struct sbx_progress *p)
{
	struct call c;
	int ret;

	sbx_lima_call_init(&c, name, "start", name, NULL);
	c.progress = p;
	ret = sbx_lima_call_must(&c, "cannot start '%s'", name);
	sbx_lima_call_release(&c);
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
	sbx_lima_call_init(&c, name, "shell", "--workdir", "/", name, "sh", "-c", receive, NULL);
	c.input = &script;
	c.out = &out;
	c.out_max = 4096;	/* a file name */
	ret = sbx_lima_call_must(&c, "cannot hand the environment to '%s'", name);
	if (!ret && (strncmp(out.buf, "/dev/shm/sbx-env.", 17) || strpbrk(out.buf, " \t\n'\"")))
		ret = sbx_error("cannot hand the environment to '%s': the guest answered '%.60s' "
				"instead of a file name (log: %s)", name, out.buf, c.log);
	if (!ret)
		*envfile = sbx_buf_detach(&out);
	/* The script holds the values: wipe it before the memory goes back. */
	memset(script.buf, 0, script.len);
	sbx_buf_release(&script);
	sbx_buf_release(&out);
	sbx_lima_call_release(&c);
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
int sbx_lima_wait_command(struct sbx_child *c)
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
	logfd = sbx_lima_log_open(name, &log);
	if (logfd >= 0) {
		sbx_lima_log_header(logfd, c.args.v);
		close(logfd);
	}
	c.forward_signals = 1;
	if (s->gitdir && s->gitdir->watch.fd >= 0)
		c.watch = &s->gitdir->watch;
	if (!sbx_child_start(&c))
		code = sbx_lima_wait_command(&c);
	else if (errno == ENOENT)
		sbx_lima_not_found();
	/* ssh's own failures exit 255 too: say what that code may mean, keep it as the result. */
	if (code == 255 && !c.signal_received)
		sbx_warn("limactl shell exited 255: the connection to '%s' failed, or the command "
			 "was killed (log: %s)", name, log ? log : "-");
	free(log);
	sbx_child_release(&c);
	return code;
}

/* The run's directory on the host (its private git directory), which no VM mounts any more. */
static void discard_run_dir(const char *name)
{
	char *dir = sbx_run_dir(name);

	if (dir && sbx_safe_remove_tree(dir))
		sbx_warn("%s", sbx_last_error());
	sbx_clear_error();
	free(dir);
}

/* Removes a session's VM, then its record, then (when all went well) its log. */
static int discard_session(const char *name, int keep_log)
{
	char *log;

	discard_run_dir(name);
	if (sbx_lima_delete(name, 1)) {
		char *why = sbx_strdup(sbx_last_error());

		/* The record stays: with its owner gone, the next run or prune retries. */
		sbx_error("%s; '%s' is left behind for 'sbx prune'", why, name);
		free(why);
		return -1;
	}
	if (sbx_owner_remove(name))
		return -1;
	log = keep_log ? NULL : sbx_lima_state_file("logs", name, ".log");
	if (log)
		unlink(log);
	free(log);
	return 0;
}

/* What a record holds beyond owner.h's fields: the template it was cloned from. */
cJSON *sbx_lima_record_extra(const char *tmpl)
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
				  sbx_lima_record_extra(sbx_json_get_string(old, "template")));

	cJSON_Delete(old);
	return ret;
}

/* The private git directory (gitdir.h) in the run's directory, for the clone's mounts. */
static int prepare_gitdir(const struct sbx_session *s, const char *name)
{
	char *dir = sbx_run_dir(name);
	int ret;

	if (!s->gitdir)
		return 0;
	sbx_gitdir_release(s->gitdir);
	ret = dir ? sbx_gitdir_prepare(s->gitdir, &s->project, dir) : -1;
	free(dir);
	return ret < 0 ? -1 : 0;
}

/*
 * Records the session and clones it, under a fresh random name until one is
 * free. The record comes first: an sbx killed at any later point leaves a
 * record whose owner is dead, which the next run or prune acts on. NULL
 * with *missing set (and nothing recorded) when the template is gone.
 */
static char *create_session(const struct sbx_session *s, const char *tmpl,
			    const struct lima_net *net, struct sbx_progress *p, int *missing)
{
	*missing = 0;
	for (int attempt = 0; attempt < CLONE_ATTEMPTS; attempt++) {
		char *name = sbx_session_name(&s->project);
		int ret;

		if (sbx_owner_write(name, BACKEND, "session", s->project.dir,
				    sbx_lima_record_extra(tmpl))) {
			free(name);
			return NULL;
		}
		ret = prepare_gitdir(s, name);
		if (!ret)
			ret = clone_vm(s, tmpl, name, net, p);
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
		discard_run_dir(name);
		sbx_owner_remove(name);
		free(name);
		if (ret == 2) {
			*missing = 1;
			return NULL;
		}
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
int sbx_lima_reap_orphans(int dry_run, cJSON *removed)
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

/* The host's HEAD and index after the agent's (gitdir.h); what is left is said, not fatal. */
static void sync_gitdir(struct sbx_session *s)
{
	if (s->gitdir && s->gitdir->nr_repos && sbx_gitdir_sync(s->gitdir, 0))
		sbx_warn("%s", sbx_last_error());
}

static int run_ephemeral(struct sbx_session *s)
{
	struct template_spec t;
	struct sbx_progress p;
	struct lima_net net;
	char *name = NULL, *envfile = NULL;
	int lock = -1, ret = -1, handed_over = 0, missing = 0;

	sbx_lima_net_init(&net);
	if (sbx_lima_check_version(NULL, 1) || sbx_lima_spec_init(&t, &s->project, s->cfg))
		return -1;
	/* Someone else's failure to clean up is not a reason to fail this run. */
	if (sbx_lima_reap_orphans(0, NULL)) {
		sbx_warn("%s", sbx_last_error());
		sbx_clear_error();
	}
	if (sbx_lima_interrupted() || sbx_lima_net_prepare(s, NULL, &net))
		goto out;
	/*
	 * The template is taken to exist while its state says it was built
	 * from these inputs (no `limactl list`): a clone that finds it gone
	 * builds it again, once.
	 */
	for (int attempt = 0; attempt < 2 && !name; attempt++) {
		if (sbx_lima_interrupted() ||
		    sbx_lima_ensure_template(&t, &s->project, 0, 1, s->verbose, &lock, !attempt))
			goto out;
		sbx_lima_progress_begin(&p, 1, s->verbose, "starting a sandbox from %s", t.name);
		name = create_session(s, t.name, &net, &p, &missing);
		sbx_lima_unlock(&lock);
		if (!name) {
			sbx_progress_end(&p, 0);
			if (!missing)
				goto out;
			sbx_lima_forget_template(t.name);
		}
	}
	if (!name) {
		sbx_error("the template '%s' went away while it was cloned", t.name);
		goto out;
	}
	if (sbx_lima_net_start(s, name, name, &net) || sbx_lima_interrupted()) {
		sbx_progress_end(&p, 0);
		goto undo;
	}
	sbx_progress_end(&p, 1);
	if (sbx_notify_session_command(s, name, name, SBX_NOTIFY_LIMA_SOCKET) ||
	    deliver_env(s, name, &envfile) || sbx_lima_interrupted())
		goto undo;
	sbx_gitdir_watch(s->gitdir);
	if (s->tmux)
		ret = sbx_lima_run_tmux(s, name, envfile, t.name, &handed_over);
	else
		ret = run_command(s, name, envfile);
	if (!handed_over) {
		sync_gitdir(s);
		sbx_notify_session_exit(s, name, ret);
	}
	/* In tmux the keeper discards the session, when the agent ends. */
	if (!handed_over && discard_session(name, ret < 0))
		ret = -1;
	goto out;
undo:
	if (name)
		undo_session(name);
	ret = -1;
out:
	sbx_lima_net_release(&net, handed_over);
	sbx_lima_unlock(&lock);
	free(envfile);
	free(name);
	sbx_lima_spec_release(&t);
	return ret;
}

/*
 * Makes the project's persistent VM exist and run: cloned from the template
 * on first use (a failure then removes it again), started when stopped.
 * Callers hold its lock, so that concurrent runs start it once.
 */
static int ready_persistent(struct sbx_session *s, const char *name, const struct lima_net *net)
{
	struct template_spec t;
	struct sbx_progress p;
	cJSON *inst = NULL;
	const char *status;
	int found = sbx_lima_find(name, &inst), created = 0, lock = -1, ret = -1;

	if (found < 0)
		return -1;
	if (found && sbx_notify_lima_forwards_user_socket(inst) && !s->notify_off) {
		sbx_warn("no notifications for this session: '%s' forwards the notification server's "
			 "own socket, which lets its sandbox speak for other sessions; remove it "
			 "('sbx rm %s') and the next run makes it anew", name, name);
		s->notify_off = 1;
	}
	status = inst ? sbx_json_get_string(inst, "status") : NULL;
	if (found && status && !strcmp(status, "Running")) {
		cJSON_Delete(inst);
		return claim_persistent(s, name);
	}
	sbx_lima_progress_begin(&p, 1, s->verbose, "starting %s", name);
	if (found) {
		ret = claim_persistent(s, name);
	} else if (!sbx_lima_check_version(NULL, 1) && !sbx_lima_spec_init(&t, &s->project, s->cfg)) {
		ret = sbx_owner_write(name, BACKEND, "persistent", s->project.dir,
				      sbx_lima_record_extra(t.name));
		if (!ret)
			ret = prepare_gitdir(s, name);
		/* As for a session: a template its state calls built but that is gone is built again. */
		for (int attempt = 0; !ret && attempt < 2; attempt++) {
			ret = sbx_lima_ensure_template(&t, &s->project, 0, 1, s->verbose, &lock,
						       !attempt);
			if (!ret) {
				ret = clone_vm(s, t.name, name, net, &p);
				/* A failed clone may leave a half-made one; a taken name is not ours. */
				created |= ret <= 0;
			}
			sbx_lima_unlock(&lock);
			if (ret == 2 && !attempt) {
				sbx_lima_forget_template(t.name);
				ret = 0;
				continue;
			}
			ret = ret == 2 ? sbx_error("the template '%s' went away while it was cloned",
						   t.name) : ret ? -1 : 0;
			break;
		}
		sbx_lima_spec_release(&t);
	}
	if (!ret && sbx_lima_interrupted())
		ret = -1;
	/* A clone is started by `clone --start`; a stopped VM by start. */
	if (!ret && found)
		ret = start_vm(name, &p);
	sbx_progress_end(&p, !ret);
	if (ret && created) {
		char *why = sbx_strdup(sbx_last_error());

		if (sbx_lima_delete(name, 1))
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
	char *run = sbx_session_name(&s->project);
	int lock = sbx_lima_lock_open(name, LOCK_EX), ret = -1, handed_over = 0;
	struct lima_net net;

	sbx_lima_net_init(&net);
	if (lock >= 0) {
		/*
		 * Its mounts are its first run's: the private git directory is
		 * always at that place, built afresh for each run. So are its
		 * network's mode and its proxy's port, which its boot names.
		 */
		ret = prepare_gitdir(s, name) || sbx_lima_net_prepare(s, name, &net) ||
		      sbx_lima_net_start(s, run, name, &net) || ready_persistent(s, name, &net) ? -1 : 0;
		sbx_lima_unlock(&lock);
	}
	/* Registered only once the VM runs under this run's record. */
	if (!ret && sbx_notify_session_command(s, name, name, SBX_NOTIFY_LIMA_SOCKET))
		ret = -1;
	if (!ret && !sbx_lima_interrupted() && !deliver_env(s, name, &envfile) && !sbx_lima_interrupted()) {
		sbx_gitdir_watch(s->gitdir);
		ret = s->tmux ? sbx_lima_run_tmux(s, name, envfile, NULL, &handed_over)
			      : run_command(s, name, envfile);
		if (!handed_over) {
			sync_gitdir(s);
			sbx_notify_session_exit(s, name, ret);
		}
	} else {
		ret = -1;
	}
	sbx_lima_net_release(&net, handed_over);
	free(envfile);
	free(name);
	free(run);
	return ret;
}

/*
 * Lima opens each mount's host path itself, following links, at every start:
 * a link the sandbox put on the way to a mount that lies in one of its
 * writable mounts (the git directory's config, in the project) would mount a
 * host file in. Such a link is refused here (bwrap is handed descriptors).
 */
static int mounts_unlinked(const struct sbx_session *s)
{
	int ret = 0;

	for (size_t i = 0; i < s->nr_mounts && !ret; i++) {
		char *src = sbx_path_clean(s->mounts[i].host), *root = NULL;
		size_t len = 0;

		for (size_t j = 0; j < s->nr_mounts; j++) {
			char *w = s->mounts[j].writable ? sbx_path_clean(s->mounts[j].host) : NULL;
			size_t l = w && strcmp(w, "/") ? strlen(w) : 0;

			if (w && !strncmp(src, w, l) && src[l] == '/' && (!root || l > len)) {
				free(root);
				root = w;
				len = l;
			} else {
				free(w);
			}
		}
		if (root) {
			int dirfd = sbx_safe_open_dir(root);

			ret = dirfd < 0 ? -1 : sbx_safe_find_link(dirfd, src + len + 1, 0);
			if (dirfd >= 0)
				close(dirfd);
			if (ret > 0)
				ret = sbx_error("cannot mount '%s': it goes through a symbolic link in "
						"'%s', which the sandbox can write; remove the link",
						s->mounts[i].host, root);
		}
		free(src);
		free(root);
	}
	return ret < 0 ? -1 : 0;
}

int sbx_lima_run(struct sbx_session *s)
{
	const char *weak = sbx_net_unenforced(s->cfg, BACKEND);
	struct sbx_gitdir git;
	int ret;

	if (mounts_are_dirs(s) || mounts_unlinked(s))
		return -1;
	if (weak)
		sbx_warn("%s", weak);
	memset(&git, 0, sizeof(git));
	git.watch.fd = -1;
	s->gitdir = &git;
	ret = s->persistent ? run_persistent(s) : run_ephemeral(s);
	s->gitdir = NULL;
	sbx_gitdir_release(&git);
	return ret;
}
