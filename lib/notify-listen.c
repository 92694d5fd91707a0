/* The notification server's sockets: the user's, and one per session (notify-listen.h). */
#include "notify-listen.h"
#include "error.h"
#include "json.h"
#include "names.h"
#include "owner.h"
#include "paths.h"
#include "safefile.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#define PROJECT_MAX 4096
#define FIELD_MAX 255
#define DESKTOP_VALUE_MAX 4096
#define REGISTRATION_MAX (16 * 1024)

static void listener_release(struct sbx_notify_listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->pidfd >= 0)
		close(l->pidfd);
	free(l->path);
	free(l->name);
	free(l->dir);
	free(l->project);
	free(l->sandbox);
	free(l->agent);
	free(l->repo);
	free(l->branch);
	free(l->backend);
	sbx_strvec_clear(&l->desktop);
	memset(l, 0, sizeof(*l));
	l->fd = l->pidfd = -1;
	sbx_strvec_init(&l->desktop);
}

/*
 * A listening socket at leaf in the directory dirfd; its identity in *st.
 * It is bound under a name of its own and renamed to leaf once it listens,
 * replacing a stale one: a client never finds a socket there that refuses
 * it while a server is starting, and one that waits for the socket to
 * appear (sbx_notify_post) can connect as soon as it sees it.
 */
static int bind_at(int dirfd, const char *leaf, const char *path, struct stat *st)
{
	struct sockaddr_un sa;
	char tmp[64];
	int fd, here = -1, ret = -1, bound = 0;
	mode_t old;

	snprintf(tmp, sizeof(tmp), ".new-%ld.sock", (long)getpid());
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sbx_error_errno("cannot create a socket");
	/*
	 * Bound relative to the directory's descriptor: no link on the way is
	 * followed, and the path's length is no concern of sun_path's.
	 */
	here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (here < 0 || fchdir(dirfd)) {
		sbx_error_errno("cannot enter the directory of '%s'", path);
		goto out;
	}
	unlinkat(dirfd, tmp, 0);
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (fchdir(here)) {
		/* The server works from "/", which it entered itself; nothing is relative. */
	}
	if (ret) {
		sbx_error_errno("cannot bind '%s'", path);
		goto out;
	}
	bound = 1;
	ret = -1;
	if (listen(fd, SOMAXCONN) || fcntl(fd, F_SETFL, O_NONBLOCK) ||
	    renameat(dirfd, tmp, dirfd, leaf)) {
		sbx_error_errno("cannot listen on '%s'", path);
		goto out;
	}
	bound = 0;
	if (fstatat(dirfd, leaf, st, AT_SYMLINK_NOFOLLOW) || !S_ISSOCK(st->st_mode)) {
		sbx_error_errno("cannot listen on '%s'", path);
		unlinkat(dirfd, leaf, 0);
		goto out;
	}
	ret = 0;
out:
	if (bound)
		unlinkat(dirfd, tmp, 0);
	if (here >= 0)
		close(here);
	if (ret) {
		close(fd);
		return -1;
	}
	return fd;
}

/* dir's descriptor, dir made private (0700, ours) first. */
static int open_private_dir(const char *dir)
{
	if (sbx_mkdir_private(dir, 0700))
		return -1;
	return sbx_safe_open_dir(dir);
}

/*
 * A socket at leaf in dirfd that nothing answers on is left to be replaced
 * (bind_at renames over it); one that answers, or anything that is not a
 * socket, is an error.
 */
static int remove_stale(int dirfd, const char *leaf, const char *path, int *replaced)
{
	struct stat st;
	int fd;

	if (fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : sbx_error_errno("cannot look at '%s'", path);
	if (!S_ISSOCK(st.st_mode))
		return sbx_error("'%s' exists and is not a socket: remove it", path);
	fd = sbx_notify_connect(path, 100);
	if (fd >= 0) {
		close(fd);
		return sbx_error("something listens on '%s' already", path);
	}
	if (replaced)
		*replaced = 1;
	return 0;
}

static int listen_in(struct sbx_notify_listener *l, const char *dir, const char *leaf,
		     int *replaced)
{
	struct stat st;
	int dirfd = open_private_dir(dir), ret = -1;

	if (dirfd < 0)
		return -1;
	if (!remove_stale(dirfd, leaf, l->path, replaced)) {
		l->fd = bind_at(dirfd, leaf, l->path, &st);
		if (l->fd >= 0) {
			l->dev = st.st_dev;
			l->ino = st.st_ino;
			ret = 0;
		}
	}
	close(dirfd);
	return ret;
}

int sbx_notify_listen_user(struct sbx_notify_listener *l, const char *path, int *replaced)
{
	const char *slash = strrchr(path, '/');
	struct sockaddr_un sa;
	char *dir;
	int ret;

	memset(l, 0, sizeof(*l));
	l->fd = l->pidfd = -1;
	if (!slash || slash == path)
		return sbx_error("the socket path '%s' is not in a directory of its own", path);
	/* Its clients connect by the whole path. */
	if (strlen(path) >= sizeof(sa.sun_path))
		return sbx_error("the socket path '%s' is too long for a unix socket", path);
	l->path = sbx_strdup(path);
	dir = sbx_strndup(path, (size_t)(slash - path));
	ret = listen_in(l, dir, slash + 1, replaced);
	free(dir);
	if (ret)
		listener_release(l);
	return ret;
}

/* ------------------------------------------------------------------ sessions */

/* Where name's registration is kept, its parent made private (0700) first. */
static char *registration_path(const char *name)
{
	char *dir = sbx_notify_session_dir(name), *path = NULL;
	const char *slash = dir ? strrchr(dir, '/') : NULL;

	if (slash) {
		char *parent = sbx_strndup(dir, (size_t)(slash - dir));

		if (!sbx_mkdir_private(parent, 0700))
			path = sbx_asprintf("%s.json", dir);
		free(parent);
	}
	free(dir);
	return path;
}

static int open_pidfd(pid_t pid)
{
#if defined(__linux__) && defined(SYS_pidfd_open)
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
#else
	(void)pid;
	return -1;
#endif
}

/*
 * Watches the owner record's process: its pid and (where there is one) a
 * pidfd, opened before the record is checked, so that it is that process's
 * and not a later one's with its pid. Returns 0; -1 when the record is gone
 * or its owner dead.
 */
static int watch_owner(struct sbx_notify_listener *l, const cJSON *record)
{
	pid_t pid = (pid_t)sbx_json_get_number(record, "pid", 0);
	int pidfd;

	if (pid <= 0)
		return -1;
	pidfd = open_pidfd(pid);
	if (!sbx_owner_alive(record)) {
		if (pidfd >= 0)
			close(pidfd);
		return -1;
	}
	if (l->pidfd >= 0)
		close(l->pidfd);
	l->pidfd = pidfd;
	l->owner = pid;
	return 0;
}

static const char *string_at_most(const cJSON *obj, const char *key, size_t max)
{
	const char *s = sbx_json_get_string(obj, key);

	return s && *s && strlen(s) <= max ? s : NULL;
}

const char *const sbx_notify_desktop_vars[] = {
	"DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", NULL,
};

/* What a registration says beyond its name, checked; its strings borrowed from it. */
struct registration {
	const char *project, *sandbox, *agent, *repo, *branch, *backend;
	const cJSON *desktop;
	double registered;
};

static int check_registration(const char *name, const cJSON *reg, struct registration *r)
{
	const char **optional[] = { &r->agent, &r->repo, &r->branch, &r->backend };
	const char *const keys[] = { "agent", "repo", "branch", "backend" };

	r->sandbox = sbx_json_get_string(reg, "sandbox");
	r->project = string_at_most(reg, "project", PROJECT_MAX);
	r->desktop = cJSON_GetObjectItemCaseSensitive(reg, "desktop");
	r->registered = sbx_json_get_number(reg, "registered", 0);
	if (!name || !sbx_valid_instance_name(name) || !r->sandbox ||
	    !sbx_valid_instance_name(r->sandbox))
		return sbx_error("a session needs a valid name and sandbox");
	if (!r->project || *r->project != '/')
		return sbx_error("session '%s': the project must be an absolute path", name);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(reg, keys[i]);

		*optional[i] = NULL;
		if (!v || cJSON_IsNull(v))
			continue;
		if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > FIELD_MAX)
			return sbx_error("session '%s': its %s is empty or too long", name, keys[i]);
		*optional[i] = v->valuestring;
	}
	if (r->desktop && !cJSON_IsObject(r->desktop))
		return sbx_error("session '%s': \"desktop\" is not an object", name);
	for (const cJSON *v = r->desktop ? r->desktop->child : NULL; v; v = v->next)
		if (!cJSON_IsString(v) || strlen(v->valuestring) > DESKTOP_VALUE_MAX)
			return sbx_error("session '%s': desktop variable '%s' is not a short string",
					 name, v->string);
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? sbx_strdup(s) : NULL;
}

/* l takes what r says (its old strings go). */
static void take_registration(struct sbx_notify_listener *l, const struct registration *r)
{
	free(l->project);
	free(l->sandbox);
	free(l->agent);
	free(l->repo);
	free(l->branch);
	free(l->backend);
	l->project = sbx_strdup(r->project);
	l->sandbox = sbx_strdup(r->sandbox);
	l->agent = dup_or_null(r->agent);
	l->repo = dup_or_null(r->repo);
	l->branch = dup_or_null(r->branch);
	l->backend = dup_or_null(r->backend);
	l->registered = (long long)r->registered;
	sbx_strvec_clear(&l->desktop);
	/* Only the variables a notifier looks for: a set, each either there or unset. */
	for (size_t i = 0; r->desktop && sbx_notify_desktop_vars[i]; i++) {
		const char *v = sbx_json_get_string(r->desktop, sbx_notify_desktop_vars[i]);

		if (v && *v)
			sbx_strvec_pushf(&l->desktop, "%s=%s", sbx_notify_desktop_vars[i], v);
	}
	if (l->desktop.nr)
		for (size_t i = 0; sbx_notify_desktop_vars[i]; i++)
			if (!sbx_json_get_string(r->desktop, sbx_notify_desktop_vars[i]) ||
			    !*sbx_json_get_string(r->desktop, sbx_notify_desktop_vars[i]))
				sbx_strvec_push(&l->desktop, sbx_notify_desktop_vars[i]);
}

/* What is kept beside the directory: the registration as l took it. */
static cJSON *registration_json(const struct sbx_notify_listener *l)
{
	cJSON *copy = sbx_json_new_object(), *desktop;

	sbx_json_add_string(copy, "name", l->name);
	sbx_json_add_string(copy, "project", l->project);
	sbx_json_add_string(copy, "sandbox", l->sandbox);
	if (l->agent)
		sbx_json_add_string(copy, "agent", l->agent);
	if (l->repo)
		sbx_json_add_string(copy, "repo", l->repo);
	if (l->branch)
		sbx_json_add_string(copy, "branch", l->branch);
	if (l->backend)
		sbx_json_add_string(copy, "backend", l->backend);
	desktop = sbx_json_add_item(copy, "desktop", sbx_json_new_object());
	for (size_t i = 0; i < l->desktop.nr; i++) {
		const char *eq = strchr(l->desktop.v[i], '=');
		char *key;

		if (!eq)
			continue;
		key = sbx_strndup(l->desktop.v[i], (size_t)(eq - l->desktop.v[i]));
		sbx_json_add_string(desktop, key, eq + 1);
		free(key);
	}
	sbx_json_add_number(copy, "registered", (double)l->registered);
	return copy;
}

int sbx_notify_listen_session(struct sbx_notify_listener *l, const cJSON *reg)
{
	const char *name = sbx_json_get_string(reg, "name"), *recorded;
	struct sbx_notify_listener fresh;
	struct registration r;
	cJSON *record = NULL, *copy = NULL;
	char *file = NULL;
	int ret = -1, listening = l->fd >= 0;

	memset(&fresh, 0, sizeof(fresh));
	fresh.fd = fresh.pidfd = -1;
	sbx_strvec_init(&fresh.desktop);
	if (check_registration(name, reg, &r))
		return -1;
	/* Only a live session of that project: the record is the host's, the sandbox never sees it. */
	record = sbx_owner_read(name);
	recorded = sbx_json_get_string(record, "project");
	if (!record || !recorded || strcmp(recorded, r.project)) {
		sbx_clear_error();
		sbx_error("no session '%s' of '%s' is recorded", name, r.project);
		goto out;
	}
	if (watch_owner(listening ? l : &fresh, record)) {
		sbx_error("session '%s' has ended", name);
		goto out;
	}
	file = registration_path(name);
	if (!listening)
		fresh.name = sbx_strdup(name);
	take_registration(listening ? l : &fresh, &r);
	copy = registration_json(listening ? l : &fresh);
	/* Written before the directory, so that no directory is ever without it. */
	if (!file || sbx_json_write_file(file, copy, 0600, 0))
		goto out;
	if (listening) {
		ret = 0;
		goto out;
	}
	fresh.dir = sbx_notify_session_dir(name);
	if (!fresh.dir)
		goto out;
	fresh.path = sbx_path_join(fresh.dir, SBX_NOTIFY_SESSION_SOCKET);
	if (listen_in(&fresh, fresh.dir, SBX_NOTIFY_SESSION_SOCKET, NULL))
		goto out;
	*l = fresh;
	memset(&fresh, 0, sizeof(fresh));
	fresh.fd = fresh.pidfd = -1;
	ret = 0;
out:
	if (!listening)
		listener_release(&fresh);
	cJSON_Delete(record);
	cJSON_Delete(copy);
	free(file);
	return ret;
}

/* Has the process l watches ended (its pidfd readable)? */
static int owner_exited(const struct sbx_notify_listener *l)
{
	struct pollfd p = { l->pidfd, POLLIN, 0 };

	return l->pidfd >= 0 && poll(&p, 1, 0) > 0;
}

int sbx_notify_listener_ended(struct sbx_notify_listener *l)
{
	cJSON *record = sbx_owner_read(l->name);
	pid_t pid = (pid_t)sbx_json_get_number(record, "pid", 0);
	int ended;

	sbx_clear_error();
	/*
	 * The process watched has ended, though it may be a zombie yet, which
	 * counts as alive: only another owner (a keeper) keeps the session.
	 */
	if (pid == l->owner && owner_exited(l))
		ended = 1;
	else
		ended = !record || watch_owner(l, record);
	cJSON_Delete(record);
	return ended;
}

int sbx_notify_listener_ours(const struct sbx_notify_listener *l)
{
	struct stat st;

	return !lstat(l->path, &st) && st.st_dev == l->dev && st.st_ino == l->ino;
}

void sbx_notify_listener_close(struct sbx_notify_listener *l, int forget)
{
	if (l->fd >= 0 && l->path && sbx_notify_listener_ours(l))
		unlink(l->path);
	if (forget && l->name)
		sbx_notify_forget_session(l->name);
	listener_release(l);
}

void sbx_notify_forget_session(const char *name)
{
	char *dir = sbx_notify_session_dir(name), *file = registration_path(name);

	if (dir && sbx_safe_remove_tree(dir))
		sbx_clear_error();
	if (file)
		unlink(file);
	free(dir);
	free(file);
}

/* Is file (DIGITS.json) where the registration of the session reg names belongs? */
static int named_for(const cJSON *reg, const char *file)
{
	const char *name = sbx_json_get_string(reg, "name");
	char *dir = name ? sbx_notify_session_dir(name) : NULL;
	const char *slash = dir ? strrchr(dir, '/') : NULL;
	size_t len = slash ? strlen(slash + 1) : 0;
	int ok = slash && !strncmp(slash + 1, file, len) && !strcmp(file + len, ".json");

	free(dir);
	return ok;
}

cJSON *sbx_notify_saved_sessions(void)
{
	cJSON *out = sbx_json_new_array();
	char *run = sbx_runtime_dir(), *base = run ? sbx_path_join(run, "notify") : NULL;
	struct dirent *e;
	DIR *d = base ? opendir(base) : NULL;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct sbx_buf text = SBX_BUF_INIT;
		char *file;
		cJSON *reg;

		if (e->d_name[0] == '.')
			continue;
		if (len <= 5 || strcmp(e->d_name + len - 5, ".json")) {
			/* A directory whose registration is gone. */
			file = sbx_asprintf("%s/%s.json", base, e->d_name);
			if (access(file, F_OK)) {
				char *dir = sbx_path_join(base, e->d_name);

				if (sbx_safe_remove_tree(dir))
					sbx_clear_error();
				free(dir);
			}
			free(file);
			continue;
		}
		reg = NULL;
		if (!sbx_safe_read(base, e->d_name, REGISTRATION_MAX, &text))
			reg = cJSON_ParseWithLength(text.buf, text.len);
		sbx_clear_error();
		if (cJSON_IsObject(reg) && named_for(reg, e->d_name)) {
			sbx_json_append(out, reg);
		} else {
			/* Not one this server can use: it names no session. */
			cJSON_Delete(reg);
			file = sbx_path_join(base, e->d_name);
			unlink(file);
			free(file);
		}
		sbx_buf_release(&text);
	}
	if (d)
		closedir(d);
	sbx_clear_error();
	free(base);
	free(run);
	return out;
}
