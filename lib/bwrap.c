/*
 * The bubblewrap backend: a sandbox is a set of Linux namespaces around the
 * agent, made by bwrap(1). A weaker boundary than a VM (one kernel for host
 * and sandbox), for machines where no VM can run.
 *
 * Inside: a new user (never root), pid, ipc, uts and cgroup namespace; the
 * host's /usr read-only; a minimal /etc; private /tmp and /run; a private
 * home per project; the project read-write at its own path; the configured
 * mounts; nothing else of the host.
 *
 * On disk, under $XDG_DATA_HOME/sbx/bwrap/:
 *   TEMPLATE/home, TEMPLATE/template.json   the template home (sbx setup)
 *   PERSISTENT/home                          a --keep sandbox's home
 *   tools/                                   agent CLIs installed by setup or the first
 *                                            run (npm --prefix; lib/bwrap-command.c)
 * An ephemeral session's home is a copy of the template's in
 * $XDG_RUNTIME_DIR/sbx/sessions/NAME/, removed when the session ends.
 */
#include "accounts.h"
#include "agents.h"
#include "backend.h"
#include "bwrap.h"
#include "config.h"
#include "error.h"
#include "fsutil.h"
#include "gitdir.h"
#include "json.h"
#include "names.h"
#include "notify.h"
#include "owner.h"
#include "paths.h"
#include "plugin.h"
#include "resources.h"
#include "safefile.h"
#include "seccomp.h"
#include "session.h"
#include "spawn.h"
#include "term.h"
#include "tmux.h"
#include "xalloc.h"

#include <sbx/plugin.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#define BACKEND "bwrap"
#define TOOLS_MOUNT SBX_BWRAP_TOOLS_MOUNT
#define ENV_FILE "/run/sbx/env"
/*
 * The host's own sbx, for the agents' hook command (`sbx hook`), and the
 * directory of the session's socket (the directory, not the socket: a
 * restarted server's new socket shows in it).
 */
#define SBX_BIN_DIR "/opt/sbx/bin"
#define NOTIFY_DIR "/run/sbx/notify"
#define NOTIFY_SOCKET NOTIFY_DIR "/" SBX_NOTIFY_SESSION_SOCKET
#define SANDBOX_PATH SBX_BIN_DIR ":" TOOLS_MOUNT "/bin:/usr/local/bin:/usr/bin:/bin"

/* The user inside: the caller's own uid, or 1000 when sbx runs as root. */
struct sandbox_user {
	char *name;
	char *home;
	uid_t uid;
	gid_t gid;
};

static void sandbox_user(struct sandbox_user *u)
{
	struct passwd *pw = getuid() ? getpwuid(getuid()) : NULL;

	if (pw && pw->pw_name && *pw->pw_name && !strchr(pw->pw_name, ':')) {
		u->name = sbx_strdup(pw->pw_name);
		u->uid = getuid();
		u->gid = getgid();
	} else {
		/* Claude refuses its skip-permissions flag as root: the sandbox never is. */
		u->name = sbx_strdup(getuid() ? "user" : "sbx");
		u->uid = getuid() ? getuid() : 1000;
		u->gid = getuid() ? getgid() : 1000;
	}
	u->home = sbx_asprintf("/home/%s", u->name);
}

static void sandbox_user_release(struct sandbox_user *u)
{
	free(u->name);
	free(u->home);
}

static const char *bwrap_program(void)
{
	const char *p = getenv("SBX_BWRAP");

	return p && *p ? p : "bwrap";
}

static char *data_path(const char *name, const char *leaf)
{
	char *data = sbx_data_dir(), *path;

	if (!data)
		return NULL;
	path = leaf ? sbx_asprintf("%s/bwrap/%s/%s", data, name, leaf)
		    : sbx_asprintf("%s/bwrap/%s", data, name);
	free(data);
	return path;
}

char *sbx_bwrap_session_dir(const char *name)
{
	return sbx_run_dir(name);
}

static int probe(struct sbx_buf *info)
{
#ifndef __linux__
	(void)info;
	return sbx_error("the bwrap backend needs Linux; use the lima backend here");
#else
	struct sbx_child c = SBX_CHILD_INIT;
	int code;

	sbx_strvec_pushv(&c.args, (const char *[]){ bwrap_program(), "--version", NULL });
	code = sbx_child_capture(&c, info, NULL);
	sbx_child_release(&c);
	if (code == 127)
		return sbx_error("bwrap was not found: install bubblewrap (apt-get install bubblewrap)");
	if (code)
		return sbx_error("'%s --version' failed (exit %d)", bwrap_program(), code);
	while (info->len && info->buf[info->len - 1] == '\n')
		sbx_buf_truncate(info, info->len - 1);
	return 0;
#endif
}

/* Everything that, when it changes, makes the template home stale. */
static char *template_hash(const struct sbx_session *s)
{
	struct sbx_buf in = SBX_BUF_INIT;
	char *hash;

	sbx_buf_addf(&in, "sbx %s\n", SBX_VERSION);
	/* The hooks written into the home follow the chosen events. */
	sbx_agent_hooks_script(s->cfg, &in);
	/* And the agents' first-run answers. */
	sbx_agent_state_script(&in, &in);
	/* The plugins and their scripts; they were loaded and provisioned with the session. */
	if (sbx_plugins_template_input(s->cfg, BACKEND, &in))
		sbx_clear_error();
	hash = sbx_hash_hex(in.buf, in.len, 16);
	sbx_buf_release(&in);
	return hash;
}

static int template_fresh(const char *name, const char *hash)
{
	char *meta = data_path(name, "template.json"), *home = data_path(name, "home");
	cJSON *rec = NULL;
	int fresh = 0;

	if (meta && home && !access(home, F_OK) && !access(meta, F_OK) &&
	    !sbx_jsonc_read_file(meta, &rec)) {
		const char *h = sbx_json_get_string(rec, "hash");

		fresh = h && !strcmp(h, hash);
	}
	sbx_clear_error();
	cJSON_Delete(rec);
	free(meta);
	free(home);
	return fresh;
}

static int run_bwrap(struct sbx_session *s, const char *home, const char *run,
		     const char *sandbox);

struct provision {
	struct sbx_session *s;
	const char *home;
};

/* A plugin's USER script, run over the template home as the sandbox user, nothing else mounted. */
static int user_script(void *data, const char *plugin, const char *script)
{
	const struct provision *p = data;
	struct sbx_session t = *p->s;
	char root[] = "/";
	int code;

	t.nr_mounts = 0;
	/*
	 * A plugin's own script fetches its tools (uv from PyPI, ...): it reaches
	 * any public name, as a Lima template's provisioning does, whatever the
	 * sandboxes' allowlist; never the host's loopback.
	 */
	if (t.net.mode == SBX_NET_ALLOWLIST)
		t.net.mode = SBX_NET_OPEN;
	sbx_strvec_init(&t.env);
	sbx_strvec_init(&t.scripts);
	sbx_strvec_init(&t.command);
	sbx_strvec_pushv(&t.command, (const char *[]){ "sh", "-c", script, plugin, NULL });
	t.project.dir = root;
	code = run_bwrap(&t, p->home, NULL, NULL);
	sbx_strvec_clear(&t.command);
	if (code > 0)
		return sbx_error("plugin %s: its template script failed (exit %d)", plugin, code);
	return code;
}

static int build_template(struct sbx_session *s, const char *name, const char *hash, int quiet)
{
	struct provision p;
	char *dir = data_path(name, NULL), *home = NULL, *meta = NULL;
	cJSON *rec = NULL;
	int ret = -1;

	if (!dir)
		return -1;
	home = sbx_path_join(dir, "home");
	meta = sbx_path_join(dir, "template.json");
	if (!quiet)
		sbx_note("sbx setup: building template '%s' in %s\n", name, dir);
	/* Until it is written again, a half-built home is not up to date with anything. */
	if ((unlink(meta) && errno != ENOENT) || sbx_safe_remove_tree(home) ||
	    sbx_mkdir_private(home, 0700))
		goto out;
	/* One template serves every agent: each finds its configuration folder. */
	for (size_t i = 0; sbx_builtin_agents[i]; i++) {
		struct sbx_agent a;
		char *cfgdir;

		if (sbx_agent_resolve(&a, sbx_builtin_agents[i], NULL))
			goto out;
		cfgdir = a.config_dir ? sbx_path_join(home, a.config_dir) : NULL;
		ret = cfgdir ? sbx_mkdir_p(cfgdir, 0700) : 0;
		free(cfgdir);
		sbx_agent_release(&a);
		if (ret)
			goto out;
		ret = -1;
	}
	if (sbx_write_agent_hooks(home, s->cfg) || sbx_agent_state_write(home))
		goto out;
	p.s = s;
	p.home = home;
	if (sbx_plugins_template_scripts(s->cfg, BACKEND, SBX_PLUGIN_SCRIPT_USER, user_script, &p))
		goto out;
	rec = sbx_json_new_object();
	sbx_json_add_string(rec, "hash", hash);
	sbx_json_add_string(rec, "project", s->project.main_dir ? s->project.main_dir : s->project.dir);
	ret = sbx_json_write_file(meta, rec, 0600, 1);
out:
	cJSON_Delete(rec);
	free(dir);
	free(home);
	free(meta);
	return ret;
}

static int ensure_template(struct sbx_session *s, char **name_out, int quiet)
{
	char *name = sbx_template_name(&s->project, sbx_config_string(s->cfg, "template.name"));
	char *hash = template_hash(s);
	int ret = 0;

	if (s->force || !template_fresh(name, hash))
		ret = build_template(s, name, hash, quiet);
	else if (!quiet)
		sbx_note("sbx setup: template '%s' is up to date\n", name);
	free(hash);
	if (ret || !name_out)
		free(name);
	else
		*name_out = name;
	return ret;
}

static int setup(struct sbx_session *s)
{
	return ensure_template(s, NULL, 0) || sbx_bwrap_install_agent(s) ? -1 : 0;
}

#ifdef __linux__
/* Content for --file / --ro-bind-data: memory, never a file on disk. */
static int memfd_with(const char *what, const char *data, size_t len)
{
	int fd = memfd_create(what, MFD_CLOEXEC);

	if (fd < 0)
		return sbx_error_errno("cannot create the %s for the sandbox", what);
	if (write(fd, data, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return sbx_error_errno("cannot write the %s for the sandbox", what);
	}
	return fd;
}
#endif

static void bind_system(struct sbx_strvec *a)
{
	static const char *const top[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL };
	/* The minimal /etc: name resolution, TLS roots, the command alternatives /usr links to. */
	static const char *const etc[] = { "/etc/resolv.conf", "/etc/hosts", "/etc/ssl",
		"/etc/ca-certificates", "/etc/alternatives", "/etc/localtime",
		"/etc/ld.so.cache", "/etc/nsswitch.conf", NULL };

	sbx_strvec_pushv(a, (const char *[]){ "--ro-bind", "/usr", "/usr", NULL });
	for (size_t i = 0; top[i]; i++) {
		char *path = sbx_asprintf("/%s", top[i]), target[256];
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		struct stat st;

		if (n > 0) {
			target[n] = '\0';
			sbx_strvec_pushv(a, (const char *[]){ "--symlink", target, path, NULL });
		} else if (!lstat(path, &st) && S_ISDIR(st.st_mode)) {
			sbx_strvec_pushv(a, (const char *[]){ "--ro-bind", path, path, NULL });
		}
		free(path);
	}
	for (size_t i = 0; etc[i]; i++)
		sbx_strvec_pushv(a, (const char *[]){ "--ro-bind-try", etc[i], etc[i], NULL });
	sbx_strvec_pushv(a, (const char *[]){ "--proc", "/proc", "--dev", "/dev",
		"--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/run",
		"--dir", "/run/sbx", NULL });
}

static char *guest_path(const char *guest, const struct sandbox_user *u)
{
	if (!strcmp(guest, "~"))
		return sbx_strdup(u->home);
	if (!strncmp(guest, "~/", 2))
		return sbx_asprintf("%s/%s", u->home, guest + 2);
	return sbx_strdup(guest);
}

/*
 * The host's sbx binary (it needs only libc, libcjson and libseccomp, from
 * the /usr the sandbox has), with `sbx-hook` beside it as a link (argv[0]
 * dispatch: the name the README gives the hook): for the hook with
 * notifications on, and for `sbx net connect` and the relay behind a proxy;
 * and, once the session is registered, its notification socket's
 * directory, read-only: the sandbox connects to the socket and can put
 * nothing beside it. The user's socket is never bound: a sandbox reaches
 * its own session's socket only.
 */
static int bind_self(const struct sbx_session *s, const struct sbx_bwrap_net *net,
		     struct sbx_strvec *a)
{
	char *exe;

	if (!s->notify_dir && !sbx_net_mode_proxied(net->mode))
		return 0;
	exe = sbx_self_exe();
	if (!exe)
		return -1;
	sbx_strvec_pushv(a, (const char *[]){ "--ro-bind", exe, SBX_BIN_DIR "/sbx",
		"--symlink", "sbx", SBX_BIN_DIR "/sbx-hook", NULL });
	if (s->notify_dir)
		sbx_strvec_pushv(a, (const char *[]){ "--ro-bind", s->notify_dir, NOTIFY_DIR, NULL });
	free(exe);
	return 0;
}

struct sandbox {
	struct sbx_strvec args;
	struct sbx_strvec env;
	int fds[SBX_CHILD_MAX_FDS - 1];	/* one left for the tmux keeper's --info-fd */
	int nr_fds;
	const char *tmux_dir;		/* bound at SBX_TMUX_DIR, or NULL */
	const char *tmux_session;	/* run the command in tmux (tmux.h), or NULL */
	struct sbx_bwrap_net *net;
};

static int add_fd(struct sandbox *b, int fd)
{
	if (fd >= 0 && b->nr_fds == (int)(sizeof(b->fds) / sizeof(b->fds[0]))) {
		close(fd);
		return sbx_error("too many mounts for one sandbox (%d at most)", b->nr_fds);
	}
	if (fd >= 0)
		b->fds[b->nr_fds++] = fd;
	return fd;
}

/*
 * The private git directory (gitdir.h), after every other mount so that it
 * is what shows at the git directory's path. Bound by descriptor: a link a
 * sandbox left in the project cannot redirect a bind.
 */
static int bind_gitdir(const struct sbx_session *s, struct sandbox *b)
{
	const struct sbx_gitdir *g = s->gitdir;

	for (size_t i = 0; g && i < g->nr_binds; i++) {
		int fd = add_fd(b, sbx_gitdir_bind_open(&g->binds[i]));

		if (fd < 0)
			return -1;
		sbx_strvec_push(&b->args, g->binds[i].ro ? "--ro-bind-fd" : "--bind-fd");
		sbx_strvec_pushf(&b->args, "%d", fd);
		sbx_strvec_push(&b->args, g->binds[i].dst);
	}
	return 0;
}

/*
 * A place the sandbox can write, and so change between runs: its home, and
 * its writable mounts (the project). bwrap follows the symbolic links on the
 * way to what it mounts, even out of the sandbox: a link the agent put on a
 * mount's source path would bind a host file in (.git/config made a link to
 * ../../.config: your ~/.config), one on a mount point's path would make
 * directories on the host (an absolute link resolves in bwrap's own root,
 * where the host's is /oldroot).
 */
struct writable {
	char *host;	/* both as sbx_path_clean has them */
	char *guest;
};

/* The deepest of w that holds path (a host or a guest path) strictly below it; *len its length. */
static const struct writable *writable_above(const struct writable *w, size_t n, const char *path,
					     int guest, size_t *len)
{
	const struct writable *best = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *root = guest ? w[i].guest : w[i].host;
		size_t l = strcmp(root, "/") ? strlen(root) : 0;

		if (!strncmp(path, root, l) && path[l] == '/' && (!best || l > *len)) {
			best = &w[i];
			*len = l;
		}
	}
	return best;
}

/*
 * One mount, made safe from what the sandbox wrote: a mount point below the
 * home loses the links on its way (the home is the sandbox's own); below
 * another writable place a link there is refused (it is yours: have a look);
 * a source below one is opened by sbx without following any link and handed
 * to bwrap as a descriptor, so that nothing can be swapped in later either.
 */
static int add_mount(struct sandbox *b, const struct writable *w, size_t nr_w,
		     const struct sbx_mount *m, const char *target)
{
	char *dest = sbx_path_clean(target), *src = sbx_path_clean(m->host), num[16];
	const struct writable *at;
	size_t len = 0;
	struct stat st;
	int dirfd, fd = -1, ret = -1;

	at = writable_above(w, nr_w, dest, 1, &len);
	if (at) {
		dirfd = sbx_safe_open_dir(at->host);
		if (dirfd < 0)
			goto out;
		ret = sbx_safe_find_link(dirfd, dest + len + 1, at == &w[0]);
		close(dirfd);
		if (ret > 0 && at == &w[0])
			sbx_warn("a symbolic link on the way to '~/%s' in the sandbox home was "
				 "removed: sbx mounts there", dest + len + 1);
		else if (ret > 0)
			ret = sbx_error("cannot mount on '%s': a symbolic link is on its way in '%s', "
					"which the sandbox can write; remove the link", target, at->host);
		if (ret < 0 || (ret > 0 && at != &w[0]))
			goto out;
	}
	ret = -1;
	at = writable_above(w, nr_w, src, 0, &len);
	if (!at) {
		sbx_strvec_pushv(&b->args, (const char *[]){ m->writable ? "--bind" : "--ro-bind",
							    m->host, target, NULL });
		ret = 0;
		goto out;
	}
	dirfd = sbx_safe_open_dir(at->host);
	if (dirfd < 0)
		goto out;
	fd = sbx_safe_openat(dirfd, src + len + 1, O_PATH, 0);
	close(dirfd);
	/* O_PATH with O_NOFOLLOW opens a last component that is a link as the link. */
	if (fd >= 0 && !fstat(fd, &st) && S_ISLNK(st.st_mode)) {
		close(fd);
		fd = -1;
		errno = ELOOP;
	}
	if (fd < 0 && (errno == ELOOP || errno == EXDEV)) {
		sbx_error("cannot mount '%s': it goes through a symbolic link in '%s', which the "
			  "sandbox can write; remove the link", m->host, at->host);
	} else if (fd < 0) {
		sbx_error_errno("cannot mount '%s'", m->host);
	} else if (add_fd(b, fd) >= 0) {
		snprintf(num, sizeof(num), "%d", fd);
		sbx_strvec_pushv(&b->args, (const char *[]){ m->writable ? "--bind-fd" :
							    "--ro-bind-fd", num, target, NULL });
		ret = 0;
	}
out:
	free(dest);
	free(src);
	return ret;
}

/*
 * The whole bwrap command line for a session whose home is `home`. No value
 * of s->env is on it: the environment travels in a memfd copied to ENV_FILE.
 */
static int build_sandbox(struct sbx_session *s, const char *home, const char *tools,
			 struct sandbox *b)
{
	struct sandbox_user u;
	struct sbx_buf text = SBX_BUF_INIT;
	const char *auth = getenv("SSH_AUTH_SOCK");
	struct writable *w = NULL;
	char **guests = NULL;
	size_t nr_w = 0;
	int ret = -1;
	char num[3][16];

	sandbox_user(&u);
	snprintf(num[0], sizeof(num[0]), "%ld", (long)u.uid);
	snprintf(num[1], sizeof(num[1]), "%ld", (long)u.gid);
	sbx_strvec_pushv(&b->args, (const char *[]){ bwrap_program(),
		"--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
		"--unshare-cgroup-try", "--disable-userns", "--uid", num[0], "--gid", num[1],
		"--hostname", "sbx", "--die-with-parent", NULL });
	if (add_fd(b, sbx_bwrap_net_args(b->net, &b->args, &b->env)) >= 0)
		b->net->block[0] = -1;	/* the caller's now, with the other descriptors */
	bind_system(&b->args);

#ifdef __linux__
	/*
	 * No --new-session: the agent keeps the terminal as its controlling
	 * one (resizes, Ctrl-C, Ctrl-Z), and the filter refuses what would let
	 * it type into the terminal for the host shell that reads it next.
	 */
	if (sbx_seccomp_program(&text) || add_fd(b, memfd_with("seccomp", text.buf, text.len)) < 0)
		goto out;
	sbx_strvec_push(&b->args, "--seccomp");
	sbx_strvec_pushf(&b->args, "%d", b->fds[b->nr_fds - 1]);
	sbx_buf_reset(&text);
	/* passwd and group hold the sandbox user only (and root and nobody, for tools that look). */
	sbx_buf_addf(&text, "root:x:0:0:root:/root:/usr/sbin/nologin\n"
			    "%s:x:%ld:%ld:sbx sandbox:%s:/bin/bash\n"
			    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		     u.name, (long)u.uid, (long)u.gid, u.home);
	if (add_fd(b, memfd_with("passwd", text.buf, text.len)) < 0)
		goto out;
	snprintf(num[2], sizeof(num[2]), "%d", b->fds[b->nr_fds - 1]);
	sbx_strvec_pushv(&b->args, (const char *[]){ "--ro-bind-data", num[2], "/etc/passwd", NULL });
	sbx_buf_reset(&text);
	sbx_buf_addf(&text, "root:x:0:\n%s:x:%ld:\nnogroup:x:65534:\n", u.name, (long)u.gid);
	if (add_fd(b, memfd_with("group", text.buf, text.len)) < 0)
		goto out;
	sbx_strvec_push(&b->args, "--ro-bind-data");
	sbx_strvec_pushf(&b->args, "%d", b->fds[b->nr_fds - 1]);
	sbx_strvec_push(&b->args, "/etc/group");
	/*
	 * Claude Code's policy settings (accounts.h): its first-run answers, for
	 * every user. A file of the sandbox's tmpfs: Claude resolves the path
	 * through /proc/self/fd, which names a bound memory file "/memfd:...".
	 */
	if (add_fd(b, memfd_with("policy", sbx_claude_managed_settings,
				 strlen(sbx_claude_managed_settings))) < 0)
		goto out;
	sbx_strvec_pushv(&b->args, (const char *[]){ "--perms", "0444", "--file", NULL });
	sbx_strvec_pushf(&b->args, "%d", b->fds[b->nr_fds - 1]);
	sbx_strvec_push(&b->args, SBX_CLAUDE_MANAGED_SETTINGS);
	if (sbx_session_has_env_script(s)) {
		sbx_buf_reset(&text);
		sbx_session_env_script(s, &text);
		if (add_fd(b, memfd_with("environment", text.buf, text.len)) < 0)
			goto out;
		sbx_strvec_pushv(&b->args, (const char *[]){ "--perms", "0600", "--file", NULL });
		sbx_strvec_pushf(&b->args, "%d", b->fds[b->nr_fds - 1]);
		sbx_strvec_push(&b->args, ENV_FILE);
	}
#endif
	sbx_strvec_pushv(&b->args, (const char *[]){ "--bind", home, u.home, NULL });
	if (!access(tools, F_OK))
		sbx_strvec_pushv(&b->args, (const char *[]){ "--ro-bind", tools, TOOLS_MOUNT, NULL });
	if (bind_self(s, b->net, &b->args))
		goto out;
	sbx_bwrap_net_binds(b->net, &b->args);
	/* The home first: the mount points below it are the sandbox's own to lose links. */
	w = sbx_calloc(s->nr_mounts + 1, sizeof(*w));
	guests = sbx_calloc(s->nr_mounts + 1, sizeof(*guests));
	w[nr_w].host = sbx_path_clean(home);
	w[nr_w++].guest = sbx_path_clean(u.home);
	for (size_t i = 0; i < s->nr_mounts; i++) {
		guests[i] = guest_path(s->mounts[i].guest, &u);
		if (s->mounts[i].writable) {
			w[nr_w].host = sbx_path_clean(s->mounts[i].host);
			w[nr_w++].guest = sbx_path_clean(guests[i]);
		}
	}
	for (size_t i = 0; i < s->nr_mounts; i++)
		if (add_mount(b, w, nr_w, &s->mounts[i], guests[i]))
			goto out;
	if (bind_gitdir(s, b))
		goto out;
	if (s->forward_ssh_agent && auth && *auth) {
		sbx_strvec_pushv(&b->args, (const char *[]){ "--bind", auth, "/run/sbx/ssh-agent.sock", NULL });
		sbx_strvec_push(&b->env, "SSH_AUTH_SOCK=/run/sbx/ssh-agent.sock");
	}
	if (b->tmux_dir)
		sbx_strvec_pushv(&b->args, (const char *[]){ "--bind", b->tmux_dir, SBX_TMUX_DIR, NULL });
	/*
	 * The root is a tmpfs bwrap made: writable by the sandbox user, who
	 * could put programs of its own where sbx runs them (SBX_BIN_DIR).
	 * Last, once every mount point on it exists; /tmp, /run, /dev and the
	 * binds keep their own flags.
	 */
	/*
	 * bwrap runs with SIGINT and SIGQUIT ignored (sbx_bwrap_start): it is
	 * in the terminal's foreground process group, and would die of the
	 * Ctrl-C meant for the agent and take the sandbox with it. The
	 * sandbox gets them back before anything else runs (a shell cannot).
	 */
	sbx_strvec_pushv(&b->args, (const char *[]){ "--remount-ro", "/",
		"--chdir", s->project.dir, "--", "/usr/bin/env", "--default-signal=INT,QUIT", NULL });
	sbx_bwrap_net_command(b->net, SBX_BIN_DIR "/sbx", &b->args);
	if (b->tmux_session)
		sbx_tmux_bwrap_argv(b->tmux_session, &b->args);
	if (sbx_bwrap_exec_direct(s, tools))
		sbx_strvec_pushv(&b->args, (const char *const *)s->command.v);
	else
		sbx_session_launcher_argv(s, sbx_session_has_env_script(s) ? ENV_FILE : "", &b->args);
	sbx_bwrap_env(&b->env);
	/* Not secret: in bwrap's environment, which costs nothing (the file costs an rm). */
	sbx_strvec_pushv(&b->env, (const char *const *)s->public_env.v);
	ret = 0;
out:
	for (size_t i = 0; guests && i < s->nr_mounts; i++)
		free(guests[i]);
	for (size_t i = 0; i < nr_w; i++) {
		free(w[i].host);
		free(w[i].guest);
	}
	free(guests);
	free(w);
	sbx_buf_release(&text);
	sandbox_user_release(&u);
	return ret;
}

void sbx_bwrap_env(struct sbx_strvec *env)
{
	const char *term = getenv("TERM"), *lang = getenv("LANG");
	struct sandbox_user u;

	/* bwrap and the sandbox start from this environment, and nothing else of ours. */
	sandbox_user(&u);
	sbx_strvec_pushf(env, "PATH=%s", SANDBOX_PATH);
	sbx_strvec_pushf(env, "HOME=%s", u.home);
	sbx_strvec_pushf(env, "USER=%s", u.name);
	sbx_strvec_pushf(env, "LOGNAME=%s", u.name);
	sbx_strvec_push(env, "SHELL=/bin/bash");
	sbx_strvec_pushf(env, "TERM=%s", term && *term ? term : "dumb");
	sbx_strvec_pushf(env, "LANG=%s", lang && *lang ? lang : "C.UTF-8");
	sandbox_user_release(&u);
}

static void sandbox_release(struct sandbox *b)
{
	for (int i = 0; i < b->nr_fds; i++)
		if (b->fds[i] >= 0)
			close(b->fds[i]);
	b->nr_fds = 0;
	sbx_strvec_clear(&b->args);
	sbx_strvec_clear(&b->env);
}

int sbx_bwrap_child(struct sbx_session *s, const char *home, const char *tmux_dir,
		    const char *tmux_session, struct sbx_bwrap_net *net, struct sbx_child *c)
{
	struct sandbox b = { SBX_STRVEC_INIT, SBX_STRVEC_INIT, { -1 }, 0, tmux_dir, tmux_session,
			     net };
	char *tools = sbx_bwrap_tools_dir();
	int ret = -1;

	if (tools && !build_sandbox(s, home, tools, &b)) {
		sbx_strvec_pushv(&c->args, (const char *const *)b.args.v);
		sbx_strvec_pushv(&c->env, (const char *const *)b.env.v);
		c->clean_env = 1;
		/* The memory files are the caller's now. */
		for (int i = 0; i < b.nr_fds; i++) {
			c->pass_fds[c->nr_pass_fds++] = b.fds[i];
			b.fds[i] = -1;
		}
		ret = 0;
	}
	sandbox_release(&b);
	free(tools);
	return ret;
}

void sbx_bwrap_child_release(struct sbx_child *c)
{
	for (int i = 0; i < c->nr_pass_fds; i++)
		close(c->pass_fds[i]);
	c->nr_pass_fds = 0;
	sbx_child_release(c);
}

/* bwrap's --info-fd: {"child-pid": N, ...}, read until it parses. */
static cJSON *read_info(int fd)
{
	struct sbx_buf b = SBX_BUF_INIT;
	cJSON *info = NULL;
	char chunk[1024];
	ssize_t n;

	while (!info && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		sbx_buf_add(&b, chunk, (size_t)n);
		info = cJSON_Parse(b.buf);
	}
	sbx_buf_release(&b);
	return info;
}

int sbx_bwrap_start(struct sbx_session *s, const char *home, const char *run, const char *sandbox,
		    const char *tmux_dir, const char *tmux_session, struct sbx_cgroup *cg,
		    struct sbx_bwrap_run *r)
{
	struct sbx_child b = SBX_CHILD_INIT;
	int info[2] = { -1, -1 }, ret = -1;
	cJSON *doc = NULL;

	r->pid = 0;
	r->code = -1;
	sbx_bwrap_net_init(&r->net);
	if (sbx_bwrap_net_prepare(&r->net, s, bwrap_program(), run, sandbox))
		goto out;
	if (pipe(info) || fcntl(info[0], F_SETFD, FD_CLOEXEC)) {
		sbx_error_errno("cannot create a pipe");
		goto out;
	}
	if (sbx_bwrap_child(s, home, tmux_dir, tmux_session, &r->net, &b))
		goto out;
	/* --info-fd first, so that bwrap says where the sandbox's processes are. */
	sbx_strvec_push(&r->child.args, b.args.v[0]);
	sbx_strvec_push(&r->child.args, "--info-fd");
	sbx_strvec_pushf(&r->child.args, "%d", info[1]);
	sbx_strvec_pushv(&r->child.args, (const char *const *)b.args.v + 1);
	sbx_strvec_pushv(&r->child.env, (const char *const *)b.env.v);
	r->child.clean_env = 1;
	r->child.forward_signals = 1;
	r->child.ignore_tty_signals = 1;
	for (int i = 0; i < b.nr_pass_fds; i++)
		r->child.pass_fds[r->child.nr_pass_fds++] = b.pass_fds[i];
	r->child.pass_fds[r->child.nr_pass_fds++] = info[1];
	if (sbx_cgroup_start(cg, &r->child)) {
		if (errno == ENOENT && !sbx_which(bwrap_program()))
			sbx_error("bwrap was not found: install bubblewrap (apt-get install bubblewrap)");
		goto out;
	}
	close(info[1]);
	info[1] = -1;
	doc = read_info(info[0]);
	r->pid = (pid_t)sbx_json_get_number(doc, "child-pid", 0);
	if (r->pid <= 0) {
		/* bwrap ended (or will) before the sandbox: its code and message are the answer. */
		r->code = sbx_child_wait(&r->child);
		ret = 1;
		goto out;
	}
	if (sbx_bwrap_net_start(&r->net, s, r->pid) || sbx_bwrap_net_release_sandbox(&r->net)) {
		kill(r->child.pid, SIGKILL);
		sbx_child_wait(&r->child);
		goto out;
	}
	ret = 0;
out:
	for (int i = 0; i < 2; i++)
		if (info[i] >= 0)
			close(info[i]);
	cJSON_Delete(doc);
	/* The memory files, which bwrap has read or holds. */
	sbx_bwrap_child_release(&b);
	r->child.nr_pass_fds = 0;
	if (ret)
		sbx_bwrap_net_release(&r->net);
	return ret;
}

int sbx_bwrap_finish(struct sbx_bwrap_run *r)
{
	int code = sbx_child_wait(&r->child);

	sbx_bwrap_net_release(&r->net);
	sbx_child_release(&r->child);
	return code;
}

/*
 * bwrap in the foreground, in a cgroup of its own (resources.h) named after
 * the run (or, for a template's script, after this process).
 */
static int run_bwrap(struct sbx_session *s, const char *home, const char *run,
		     const char *sandbox)
{
	struct sbx_bwrap_run r = { SBX_CHILD_INIT, { 0 }, 0, -1 };
	struct sbx_cgroup cg = SBX_CGROUP_INIT;
	char setup[64];
	int ret;

	if (s->gitdir && s->gitdir->watch.fd >= 0)
		r.child.watch = &s->gitdir->watch;
	snprintf(setup, sizeof(setup), "sbx-setup-%ld", (long)getpid());
	sbx_resources_cgroup(s->cfg, run ? run : setup, &cg);
	ret = sbx_bwrap_start(s, home, run, sandbox, NULL, NULL, &cg, &r);
	if (ret) {
		sbx_child_release(&r.child);
		ret = ret < 0 ? -1 : r.code;
	} else {
		ret = sbx_bwrap_finish(&r);
	}
	/* Whatever the agent left running, even outside the pid namespace (clients). */
	sbx_cgroup_destroy(&cg);
	return ret;
}

/* Deletes what dead sessions left: their homes and their records. */
static int reap(int dry_run, cJSON *removed)
{
	cJSON *records;
	int ret = 0;

	if (sbx_owner_list(&records))
		return -1;
	for (const cJSON *r = records->child; r; r = r->next) {
		const char *name = sbx_json_get_string(r, "name");
		const char *backend = sbx_json_get_string(r, "backend");
		char *dir;

		if (!name || !backend || strcmp(backend, BACKEND) || sbx_owner_alive(r))
			continue;
		if (removed)
			sbx_json_append(removed, sbx_json_new_string(name));
		if (dry_run)
			continue;
		sbx_cgroup_reap(name);
		/* A session's home, a persistent sandbox's run directory (tmux, its private git directory). */
		dir = sbx_bwrap_session_dir(name);
		if ((dir && sbx_safe_remove_tree(dir)) || sbx_owner_remove(name))
			ret = -1;
		free(dir);
	}
	cJSON_Delete(records);
	return ret;
}

/*
 * A persistent sandbox's project, for `sbx ls` while no run uses it: in
 * sandbox.json beside its home (which the sandbox can write; this it cannot).
 */
static int keep_record(const char *keep, const struct sbx_project *project)
{
	char *path = data_path(keep, "sandbox.json"), *dir = data_path(keep, NULL);
	cJSON *rec;
	int ret = -1;

	if (path && dir && !access(path, F_OK)) {
		ret = 0;
	} else if (path && dir && !sbx_mkdir_private(dir, 0700)) {
		rec = sbx_json_new_object();
		sbx_json_add_string(rec, "project", project->dir);
		ret = sbx_json_write_file(path, rec, 0600, 1);
		cJSON_Delete(rec);
	}
	free(path);
	free(dir);
	return ret;
}

static char *keep_project(const char *keep)
{
	char *path = data_path(keep, "sandbox.json"), *project = NULL;
	cJSON *rec = NULL;

	if (path && !sbx_jsonc_read_file(path, &rec) && sbx_json_get_string(rec, "project"))
		project = sbx_strdup(sbx_json_get_string(rec, "project"));
	sbx_clear_error();
	cJSON_Delete(rec);
	free(path);
	return project;
}

/* A home copied from the template, unless it exists already (a persistent one). */
static int prepare_home(const char *tmpl_home, const char *home)
{
	char *parent;
	int ret;

	if (!access(home, F_OK))
		return 0;
	parent = sbx_strndup(home, (size_t)(strrchr(home, '/') - home));
	ret = sbx_mkdir_private(parent, 0700);
	free(parent);
	return ret ? ret : sbx_copy_tree(tmpl_home, home);
}

static int run(struct sbx_session *s)
{
	char *tmpl = NULL, *tmpl_home = NULL, *keep = NULL, *name = NULL, *dir = NULL;
	char *home = NULL;
	struct sbx_gitdir git;
	cJSON *extra;
	int code = -1, recorded = 0, handed_over = 0;

	memset(&git, 0, sizeof(git));

	if (ensure_template(s, &tmpl, 1) || sbx_bwrap_install_agent(s) || reap(0, NULL))
		goto out;
	tmpl_home = data_path(tmpl, "home");
	/* Every run has a name of its own; a persistent one also names the sandbox it uses. */
	name = sbx_session_name(&s->project);
	dir = sbx_bwrap_session_dir(name);
	if (s->persistent) {
		keep = sbx_persistent_name(&s->project);
		home = data_path(keep, "home");
		if (keep_record(keep, &s->project))
			goto out;
	} else {
		home = dir ? sbx_path_join(dir, "home") : NULL;
	}
	if (!tmpl_home || !home || !dir)
		goto out;
	extra = sbx_json_new_object();
	sbx_json_add_string(extra, "sandbox", keep ? keep : name);
	/* Recorded first, so that a kill at any later point is found and reaped. */
	if (sbx_owner_write(name, BACKEND, keep ? "persistent" : "session", s->project.dir, extra))
		goto out;
	recorded = 1;
	if (sbx_notify_session_env(s, name, keep ? keep : name, NOTIFY_SOCKET) ||
	    prepare_home(tmpl_home, home) || sbx_gitdir_prepare(&git, &s->project, dir))
		goto out;
	s->gitdir = &git;
	sbx_gitdir_watch(&git);
	if (!sbx_pending_signal() && s->tmux)
		code = sbx_bwrap_run_tmux(s, home, name, keep ? keep : name, &handed_over);
	else if (!sbx_pending_signal())
		code = run_bwrap(s, home, name, keep ? keep : name);
	/* Detached or not, the keeper owns the sandbox now and removes it (tmux.h). */
	if (handed_over)
		recorded = 0;
	else if (git.nr_repos && sbx_gitdir_sync(&git, 0))
		sbx_warn("%s", sbx_last_error());
	/* The owner, to the end: the agent's exit code is this run's news (agent-status.h). */
	if (!handed_over)
		sbx_notify_session_exit(s, name, code);
out:
	s->gitdir = NULL;
	sbx_gitdir_release(&git);
	if (recorded && dir && sbx_safe_remove_tree(dir))
		sbx_warn("%s", sbx_last_error());
	if (recorded)
		sbx_owner_remove(name);
	free(tmpl);
	free(tmpl_home);
	free(keep);
	free(name);
	free(dir);
	free(home);
	return code;
}

static cJSON *add_entry(cJSON *out, const char *name, const char *kind, const char *status,
			const char *project, double owner)
{
	cJSON *e = sbx_json_append(out, sbx_json_new_object());

	sbx_json_add_string(e, "name", name);
	sbx_json_add_string(e, "backend", BACKEND);
	sbx_json_add_string(e, "kind", kind);
	sbx_json_add_string(e, "status", status);
	if (project)
		sbx_json_add_string(e, "project", project);
	if (owner > 0)
		sbx_json_add_number(e, "owner", owner);
	return e;
}

/* The live record that uses sandbox `name`, if any. */
static const cJSON *live_user(const cJSON *records, const char *name)
{
	for (const cJSON *r = records->child; r; r = r->next) {
		const char *sandbox = sbx_json_get_string(r, "sandbox");
		const char *backend = sbx_json_get_string(r, "backend");

		if (sandbox && backend && !strcmp(backend, BACKEND) && !strcmp(sandbox, name) &&
		    sbx_owner_alive(r))
			return r;
	}
	return NULL;
}

static int list(cJSON *out)
{
	char *base = data_path("", NULL);
	cJSON *records;
	struct dirent **names = NULL;
	int n;

	if (!base || sbx_owner_list(&records)) {
		free(base);
		return -1;
	}
	for (const cJSON *r = records->child; r; r = r->next) {
		const char *backend = sbx_json_get_string(r, "backend");
		const char *kind = sbx_json_get_string(r, "kind");

		if (!backend || strcmp(backend, BACKEND) || !kind || strcmp(kind, "session"))
			continue;
		sbx_tmux_listing(add_entry(out, sbx_json_get_string(r, "name"), "session",
						 sbx_owner_alive(r) ? "Running" : "Orphaned",
						 sbx_json_get_string(r, "project"),
						 sbx_json_get_number(r, "pid", 0)), r);
	}
	n = scandir(base, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *d = names[i]->d_name;
		size_t len = strlen(d);
		char *meta;

		if (!strncmp(d, "sbx-", 4)) {
			const cJSON *user = live_user(records, d);
			cJSON *rec = NULL;

			meta = data_path(d, "template.json");
			if (len > 5 && !strcmp(d + len - 5, "-keep")) {
				char *project = user ? NULL : keep_project(d);

				sbx_tmux_listing(add_entry(out, d, "persistent",
					user ? "Running" : "Stopped",
					user ? sbx_json_get_string(user, "project") : project,
					user ? sbx_json_get_number(user, "pid", 0) : 0), user);
				free(project);
			} else if (!access(meta, F_OK)) {
				if (sbx_jsonc_read_file(meta, &rec))
					sbx_clear_error();
				add_entry(out, d, "template", "Ready",
					  sbx_json_get_string(rec, "project"), 0);
				cJSON_Delete(rec);
			}
			free(meta);
		}
		free(names[i]);
	}
	free(names);
	cJSON_Delete(records);
	free(base);
	return 0;
}

static int stop(const char *name)
{
	cJSON *records;
	int ret = 0;

	if (sbx_owner_list(&records))
		return -1;
	for (const cJSON *r = records->child; r; r = r->next) {
		const char *n = sbx_json_get_string(r, "name");
		const char *sandbox = sbx_json_get_string(r, "sandbox");

		if (!n || (strcmp(n, name) && (!sandbox || strcmp(sandbox, name))) ||
		    !sbx_owner_alive(r))
			continue;
		/* The owning sbx forwards it to bwrap and removes what the session made. */
		if (kill((pid_t)sbx_json_get_number(r, "pid", 0), SIGTERM) && errno != ESRCH)
			ret = sbx_error_errno("cannot stop '%s'", name);
	}
	cJSON_Delete(records);
	return ret;
}

static int remove_sandbox(const char *name, int force)
{
	cJSON *records;
	char *dir;
	int running, ret;

	if (sbx_owner_list(&records))
		return -1;
	running = live_user(records, name) != NULL;
	cJSON_Delete(records);
	if (running && !force)
		return sbx_error("'%s' is running: stop it first ('sbx stop %s') or use --force",
				 name, name);
	if (running && stop(name))
		return -1;
	dir = data_path(name, NULL);
	ret = dir ? sbx_safe_remove_tree(dir) : -1;
	free(dir);
	dir = sbx_bwrap_session_dir(name);
	if (!ret && dir)
		ret = sbx_safe_remove_tree(dir);
	free(dir);
	if (!ret)
		ret = sbx_owner_remove(name);
	return ret;
}

static int prune(int dry_run, cJSON *removed)
{
	return reap(dry_run, removed);
}

static void doctor(const struct sbx_config *cfg, sbx_report_fn report)
{
	struct sbx_buf info = SBX_BUF_INIT;
	const char *chosen = cfg ? sbx_config_string(cfg, "backend") : NULL;
	int wanted = chosen && !strcmp(chosen, BACKEND);

	if (probe(&info)) {
		report(wanted ? SBX_CHECK_FAIL : SBX_CHECK_WARN, "bwrap", sbx_last_error(),
		       "install bubblewrap (apt-get install bubblewrap)");
	} else {
		report(SBX_CHECK_OK, "bwrap", info.buf, NULL);
		if (wanted)
			report(SBX_CHECK_WARN, "bwrap",
			       "a weaker boundary than a VM: the sandbox shares the host's kernel",
			       "prefer the lima backend for untrusted code where a VM can run");
		sbx_resources_doctor(cfg, report);
	}
	sbx_buf_release(&info);
}

const struct sbx_backend sbx_backend_bwrap = {
	.name = BACKEND,
	.probe = probe,
	.setup = setup,
	.run = run,
	.list = list,
	.stop = stop,
	.remove = remove_sandbox,
	.prune = prune,
	.doctor = doctor,
	.attach = sbx_bwrap_attach,
};
