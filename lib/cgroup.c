/* A bwrap sandbox's cgroup (cgroup.h). */
#include "cgroup.h"
#include "backend.h"
#include "buf.h"
#include "error.h"
#include "json.h"
#include "spawn.h"
#include "xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CGROUP_FS "/sys/fs/cgroup/"
#define PERIOD_US 100000

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Writes text to dir/file; 0, or -1 with errno set. */
static int write_to(const char *dir, const char *file, const char *text)
{
	char *path = sbx_asprintf("%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = -1, saved;
	size_t len = strlen(text);

	if (fd >= 0) {
		ret = write(fd, text, len) == (ssize_t)len ? 0 : -1;
		saved = errno;
		close(fd);
		errno = saved;
	}
	free(path);
	return ret;
}

/* A small file of the cgroup filesystem (the kernel's, never a sandbox's). */
static int read_small(const char *path, struct sbx_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	sbx_buf_reset(out);
	ret = sbx_buf_read_fd(out, fd);
	close(fd);
	if (ret)
		sbx_clear_error();
	return ret;
}

/* ------------------------------------------------------------ hierarchies */

/* Is word one of the comma-separated list? */
static int in_list(const char *list, size_t len, const char *word)
{
	size_t w = strlen(word);

	while (len) {
		size_t n = 0;

		while (n < len && list[n] != ',')
			n++;
		if (n == w && !strncmp(list, word, w))
			return 1;
		list += n;
		len -= n;
		if (len) {
			list++;
			len--;
		}
	}
	return 0;
}

/*
 * Where the hierarchy of ctrl (v1; NULL: the v2 one) is mounted, from
 * /proc/self/mountinfo; NULL when it is not. Only a mount of the
 * hierarchy's root: a cgroup namespace's view is of no use here.
 */
static char *find_mount(const struct sbx_buf *mountinfo, const char *ctrl)
{
	const char *line = mountinfo->buf;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *sep, *f[5];
		size_t len = end ? (size_t)(end - line) : strlen(line);
		int i = 0;

		f[0] = line;
		for (const char *p = line; p < line + len && i < 4; p++)
			if (*p == ' ')
				f[++i] = p + 1;
		sep = strstr(line, " - ");
		if (i == 4 && sep && sep < line + len) {
			const char *type = sep + 3, *src = strchr(type, ' ');
			const char *opts = src ? strchr(src + 1, ' ') : NULL;
			size_t tlen = src ? (size_t)(src - type) : 0;
			int root = f[3][0] == '/' && f[3][1] == ' ';

			if (opts && root && !ctrl && tlen == 7 && !strncmp(type, "cgroup2", 7))
				return sbx_strndup(f[4], strcspn(f[4], " "));
			if (opts && root && ctrl && tlen == 6 && !strncmp(type, "cgroup", 6) &&
			    in_list(opts + 1, (size_t)(line + len - opts - 1), ctrl))
				return sbx_strndup(f[4], strcspn(f[4], " "));
		}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/* sbx's own cgroup in the hierarchy of ctrl (v1), or the v2 one (NULL): "/a/b". */
static char *own_path(const struct sbx_buf *cgroups, const char *ctrl)
{
	const char *line = cgroups->buf;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *c1 = memchr(line, ':', len), *c2;

		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(line + len - c1 - 1)) : NULL;
		if (c2) {
			size_t clen = (size_t)(c2 - c1 - 1);
			int match = ctrl ? in_list(c1 + 1, clen, ctrl) : clen == 0 && !strncmp(line, "0:", 2);

			if (match)
				return sbx_strndup(c2 + 1, (size_t)(line + len - c2 - 1));
		}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

static const char *const v1_ctrls[] = { "pids", "memory", "cpu" };

static int wanted(const struct sbx_limits *l, int i)
{
	return i == 0 ? l->pids > 0 : i == 1 ? l->memory > 0 : l->cpus > 0;
}

static void add_missing(struct sbx_cgroup *cg, const char *fmt, ...) SBX_PRINTF(2, 3);
static void add_missing(struct sbx_cgroup *cg, const char *fmt, ...)
{
	struct sbx_buf b = SBX_BUF_INIT;
	va_list ap;

	if (cg->missing) {
		sbx_buf_adds(&b, cg->missing);
		sbx_buf_adds(&b, "; ");
		free(cg->missing);
	}
	va_start(ap, fmt);
	sbx_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	cg->missing = sbx_buf_detach(&b);
}

/*
 * The directory the sandbox's cgroup goes in, for the cgroup at mount+own:
 * that one, or MOUNT/sbx when it is the root. NULL (and why, in cg) when
 * sbx may not make one there.
 */
static char *base_dir(struct sbx_cgroup *cg, const char *what, const char *mount, const char *own,
		      int make)
{
	char *base;

	if (!strcmp(own, "/")) {
		/* Never a sandbox at the root: a cgroup of sbx's own, which only root can make. */
		base = sbx_asprintf("%s/sbx", mount);
		if (make && mkdir(base, 0755) && errno != EEXIST) {
			add_missing(cg, "%s: sbx runs in the root cgroup and cannot make '%s' (%s)",
				    what, base, strerror(errno));
			free(base);
			return NULL;
		}
		if (access(base, W_OK) && (make || access(mount, W_OK))) {
			add_missing(cg, "%s: sbx runs in the root cgroup and may not write '%s'",
				    what, base);
			free(base);
			return NULL;
		}
		return base;
	}
	base = sbx_asprintf("%s%s", mount, own);
	if (access(base, W_OK)) {
		add_missing(cg, "%s: sbx may not make cgroups in its own, '%s'", what, base);
		free(base);
		return NULL;
	}
	return base;
}

static int make_dir(struct sbx_cgroup *cg, const char *what, const char *base, const char *name)
{
	char *dir = sbx_asprintf("%s/%s", base, name);

	if (mkdir(dir, 0755) && errno != EEXIST) {
		add_missing(cg, "%s: cannot make a cgroup in '%s' (%s)", what, base, strerror(errno));
		free(dir);
		return -1;
	}
	cg->dir[cg->nr] = dir;
	return 0;
}

static void set_limit(struct sbx_cgroup *cg, const char *dir, const char *what, const char *file,
		      long long value)
{
	char text[64];

	snprintf(text, sizeof(text), "%lld", value);
	if (write_to(dir, file, text))
		add_missing(cg, "%s: cannot write the sandbox's %s (%s)", what, file, strerror(errno));
}

static void set_cpu_v1(struct sbx_cgroup *cg, const char *dir, int cpus)
{
	set_limit(cg, dir, "cpus", "cpu.cfs_period_us", PERIOD_US);
	set_limit(cg, dir, "cpus", "cpu.cfs_quota_us", (long long)cpus * PERIOD_US);
}

static int plan_v1(struct sbx_cgroup *cg, const struct sbx_buf *mi, const struct sbx_buf *own,
		   const char *name)
{
	for (int i = 0; i < 3; i++) {
		char *mount, *path, *base;

		if (!wanted(&cg->want, i))
			continue;
		mount = find_mount(mi, v1_ctrls[i]);
		path = mount ? own_path(own, v1_ctrls[i]) : NULL;
		if (!mount || !path) {
			add_missing(cg, "%s: this host has no cgroup %s controller", v1_ctrls[i],
				    v1_ctrls[i]);
			free(mount);
			free(path);
			continue;
		}
		base = base_dir(cg, v1_ctrls[i], mount, path, name != NULL);
		if (base && !name) {
			cg->dir[cg->nr] = base;
			base = NULL;
		}
		if (cg->dir[cg->nr] || (base && !make_dir(cg, v1_ctrls[i], base, name))) {
			cg->home[cg->nr] = sbx_asprintf("%s%s", mount, strcmp(path, "/") ? path : "");
			cg->ctrl[cg->nr] = v1_ctrls[i];
			if (name && i == 0)
				set_limit(cg, cg->dir[cg->nr], "pids", "pids.max", cg->want.pids);
			if (name && i == 1)
				set_limit(cg, cg->dir[cg->nr], "memory", "memory.limit_in_bytes",
					  cg->want.memory);
			if (name && i == 2)
				set_cpu_v1(cg, cg->dir[cg->nr], cg->want.cpus);
			cg->nr++;
		}
		free(base);
		free(mount);
		free(path);
	}
	cg->way = cg->nr ? SBX_CGROUP_V1 : SBX_CGROUP_NONE;
	return 0;
}

/* v2: the controllers the sandbox's cgroup needs, enabled for base's children. */
static int enable_v2(struct sbx_cgroup *cg, const char *base, int make)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *path = sbx_asprintf("%s/cgroup.controllers", base);
	int ret = 0;

	if (read_small(path, &b)) {
		add_missing(cg, "cgroup v2: cannot read '%s'", path);
		ret = -1;
	}
	for (int i = 0; !ret && i < 3; i++) {
		char want[16];

		if (!wanted(&cg->want, i))
			continue;
		if (!strstr(b.buf, v1_ctrls[i])) {
			add_missing(cg, "%s: '%s' offers no %s controller", v1_ctrls[i], base,
				    v1_ctrls[i]);
			continue;
		}
		snprintf(want, sizeof(want), "+%s", v1_ctrls[i]);
		if (make && write_to(base, "cgroup.subtree_control", want)) {
			add_missing(cg, "%s: cannot enable it in '%s' (%s)%s", v1_ctrls[i], base,
				    strerror(errno), errno == EBUSY ? ": sbx runs in that "
				    "cgroup, which must have no processes of its own to have children "
				    "with controllers" : "");
			ret = -1;
		}
	}
	sbx_buf_release(&b);
	free(path);
	return ret;
}

static int plan_v2(struct sbx_cgroup *cg, const struct sbx_buf *mi, const struct sbx_buf *own,
		   const char *name)
{
	char *mount = find_mount(mi, NULL), *path = mount ? own_path(own, NULL) : NULL, *base = NULL;

	if (!mount || !path) {
		add_missing(cg, "this host has no cgroup filesystem sbx can use");
		goto out;
	}
	base = base_dir(cg, "cgroup v2", mount, path, name != NULL);
	if (!base)
		goto out;
	/* The root's children get the controllers first, then sbx's own directory's. */
	if (!strcmp(path, "/") && name && enable_v2(cg, mount, 1))
		goto out;
	if (enable_v2(cg, base, name != NULL) || (name && make_dir(cg, "cgroup v2", base, name)))
		goto out;
	if (!name) {
		cg->dir[0] = base;
		base = NULL;
	}
	cg->home[0] = sbx_asprintf("%s%s", mount, strcmp(path, "/") ? path : "");
	cg->nr = 1;
	cg->way = SBX_CGROUP_V2;
	if (!name)
		goto out;
	if (cg->want.pids)
		set_limit(cg, cg->dir[0], "pids", "pids.max", cg->want.pids);
	if (cg->want.memory)
		set_limit(cg, cg->dir[0], "memory", "memory.max", cg->want.memory);
	if (cg->want.cpus) {
		char text[64];

		snprintf(text, sizeof(text), "%lld %d", (long long)cg->want.cpus * PERIOD_US, PERIOD_US);
		if (write_to(cg->dir[0], "cpu.max", text))
			add_missing(cg, "cpus: cannot write the sandbox's cpu.max (%s)",
				    strerror(errno));
	}
out:
	free(mount);
	free(path);
	free(base);
	return 0;
}

/* systemd as PID 1 on a v2 host: its scopes (the user's manager for a user). */
static int systemd_here(struct sbx_cgroup *cg)
{
	char path[64];
	struct stat st;

	if (stat("/run/systemd/system", &st) || !sbx_which("systemd-run"))
		return 0;
	if (!getuid())
		return 1;
	snprintf(path, sizeof(path), "/run/user/%ld/systemd/private", (long)getuid());
	cg->user = 1;
	return !stat(path, &st);
}

int sbx_cgroup_create(struct sbx_cgroup *cg, const char *name, const struct sbx_limits *l)
{
	struct sbx_buf mi = SBX_BUF_INIT, own = SBX_BUF_INIT;
	int v1 = 0;

	cg->want = *l;
	if (!l->pids && !l->memory && !l->cpus)
		return 0;
#ifndef __linux__
	/* The rest is compiled everywhere, and runs only where it can do something. */
	add_missing(cg, "cgroups need Linux");
	return 0;
#endif
	if (read_small("/proc/self/mountinfo", &mi) || read_small("/proc/self/cgroup", &own)) {
		add_missing(cg, "cannot read /proc/self/mountinfo or /proc/self/cgroup");
		goto out;
	}
	/* A v1 hierarchy of any controller sbx needs makes it a v1 (or hybrid) host. */
	for (int i = 0; i < 3; i++) {
		char *m = wanted(l, i) ? find_mount(&mi, v1_ctrls[i]) : NULL;

		v1 |= m != NULL;
		free(m);
	}
	if (v1) {
		plan_v1(cg, &mi, &own, name);
	} else if (systemd_here(cg)) {
		cg->way = SBX_CGROUP_SYSTEMD;
		if (name)
			cg->unit = sbx_asprintf("%s.scope", name);
	} else {
		plan_v2(cg, &mi, &own, name);
	}
out:
	sbx_buf_release(&mi);
	sbx_buf_release(&own);
	return 0;
}

/* ------------------------------------------------------------ processes */

static int move(const char *dir, pid_t pid)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld", (long)pid);
	return write_to(dir, "cgroup.procs", text);
}

/* systemd-run in front of c's argv: the child is the scope's first process. */
static void systemd_argv(const struct sbx_cgroup *cg, struct sbx_child *c)
{
	struct sbx_strvec args = SBX_STRVEC_INIT;
	if (cg->user) {
		/* systemd-run finds the user's manager through it; the sandbox must not see it. */
		sbx_strvec_push(&args, "env");
		sbx_strvec_pushf(&args, "XDG_RUNTIME_DIR=/run/user/%ld", (long)getuid());
	}
	sbx_strvec_pushv(&args, (const char *[]){ "systemd-run", "--quiet", "--collect", "--scope",
		"-p", "Delegate=yes", NULL });
	if (cg->user)
		sbx_strvec_push(&args, "--user");
	sbx_strvec_pushf(&args, "--unit=%s", cg->unit);
	if (cg->want.pids)
		sbx_strvec_pushf(&args, "--property=TasksMax=%lld", cg->want.pids);
	if (cg->want.memory)
		sbx_strvec_pushf(&args, "--property=MemoryMax=%lld", cg->want.memory);
	if (cg->want.cpus)
		sbx_strvec_pushf(&args, "--property=CPUQuota=%d%%", cg->want.cpus * 100);
	sbx_strvec_push(&args, "--");
	if (cg->user)
		sbx_strvec_pushv(&args, (const char *[]){ "env", "-u", "XDG_RUNTIME_DIR", NULL });
	sbx_strvec_pushv(&args, (const char *const *)c->args.v);
	sbx_strvec_clear(&c->args);
	c->args = args;
}

/* The scope's directory, once its first process is in it. */
static void systemd_dir(struct sbx_cgroup *cg, pid_t pid)
{
	struct sbx_buf own = SBX_BUF_INIT;
	char path[64];
	char *p;

	snprintf(path, sizeof(path), "/proc/%ld/cgroup", (long)pid);
	/* systemd-run moves itself into the scope before it execs: wait for that. */
	for (int i = 0; i < 200; i++) {
		if (read_small(path, &own))
			break;
		p = own_path(&own, NULL);
		if (p && strstr(p, cg->unit)) {
			cg->dir[0] = sbx_asprintf("%s%s", CGROUP_FS, p + 1);
			cg->nr = 1;
			free(p);
			break;
		}
		free(p);
		sleep_ms(5);
	}
	sbx_buf_release(&own);
}

int sbx_cgroup_start(struct sbx_cgroup *cg, struct sbx_child *c)
{
	int moved = 0, ret;

	if (cg->way == SBX_CGROUP_SYSTEMD) {
		systemd_argv(cg, c);
		ret = sbx_child_start(c);
		if (!ret)
			systemd_dir(cg, c->pid);
		return ret;
	}
	for (; moved < cg->nr; moved++)
		if (move(cg->dir[moved], getpid()))
			break;
	if (moved < cg->nr)
		sbx_warn("cannot enter the sandbox's cgroup '%s' (%s): it runs without that limit",
			 cg->dir[moved], strerror(errno));
	ret = sbx_child_start(c);
	for (int i = 0; i < moved; i++)
		if (move(cg->home[i], getpid()))
			sbx_warn("cannot leave the sandbox's cgroup for '%s' (%s)", cg->home[i],
				 strerror(errno));
	return ret;
}

int sbx_cgroup_add(const struct sbx_cgroup *cg, pid_t pid)
{
	struct sbx_child c = SBX_CHILD_INIT;
	char num[32];
	int code;

	if (cg->way == SBX_CGROUP_SYSTEMD) {
		/* Only the manager may move a process into its scope. */
		snprintf(num, sizeof(num), "%ld", (long)pid);
		if (cg->user)
			sbx_strvec_pushf(&c.env, "XDG_RUNTIME_DIR=/run/user/%ld", (long)getuid());
		sbx_strvec_pushv(&c.args, (const char *[]){ "busctl", cg->user ? "--user" : "--system",
			"--quiet", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			"org.freedesktop.systemd1.Manager", "AttachProcessesToUnit", "ssau", cg->unit,
			"", "1", num, NULL });
		code = sbx_child_run(&c);
		sbx_child_release(&c);
		/*
		 * Said, not refused: the manager may decline a process of another
		 * scope, and the client still ends with the sandbox's pid namespace.
		 */
		if (code)
			sbx_warn("cannot move a process into the sandbox's scope '%s' (busctl "
				 "exited %d): it runs without the sandbox's limits", cg->unit, code);
		return 0;
	}
	for (int i = 0; i < cg->nr; i++)
		if (move(cg->dir[i], pid))
			return sbx_error_errno("cannot move a process into the sandbox's cgroup '%s'",
					       cg->dir[i]);
	return 0;
}

/* ------------------------------------------------------------ records */

static const char *const way_names[] = { "none", "v1", "v2", "systemd" };

void sbx_cgroup_record(const struct sbx_cgroup *cg, cJSON *record)
{
	cJSON *o, *dirs;

	if (cg->way == SBX_CGROUP_NONE || (!cg->nr && !cg->unit))
		return;
	o = sbx_json_add_item(record, "cgroup", sbx_json_new_object());
	sbx_json_add_string(o, "way", way_names[cg->way]);
	dirs = sbx_json_add_item(o, "dirs", sbx_json_new_array());
	for (int i = 0; i < cg->nr; i++)
		sbx_json_append(dirs, sbx_json_new_string(cg->dir[i]));
	if (cg->unit)
		sbx_json_add_string(o, "unit", cg->unit);
	if (cg->user)
		sbx_json_add_bool(o, "user", 1);
}

/* A directory sbx makes: under the cgroup filesystem, ending in sbx-..., no "..". */
static int our_dir(const char *d)
{
	const char *leaf = strrchr(d, '/');

	return !strncmp(d, CGROUP_FS, strlen(CGROUP_FS)) && !strstr(d, "/..") && leaf &&
	       !strncmp(leaf, "/sbx-", 5);
}

void sbx_cgroup_from_record(const cJSON *record, struct sbx_cgroup *cg)
{
	const cJSON *o = record ? cJSON_GetObjectItemCaseSensitive(record, "cgroup") : NULL;
	const cJSON *dirs = cJSON_GetObjectItemCaseSensitive(o, "dirs"), *d;
	const char *way = sbx_json_get_string(o, "way"), *unit = sbx_json_get_string(o, "unit");

	if (!way)
		return;
	for (int i = 1; i < 4; i++)
		if (!strcmp(way, way_names[i]))
			cg->way = (enum sbx_cgroup_way)i;
	cJSON_ArrayForEach(d, dirs) {
		if (cJSON_IsString(d) && our_dir(d->valuestring) && cg->nr < SBX_CGROUP_MAX)
			cg->dir[cg->nr++] = sbx_strdup(d->valuestring);
	}
	if (cg->way == SBX_CGROUP_SYSTEMD && unit && !strncmp(unit, "sbx-", 4) && !strchr(unit, '/'))
		cg->unit = sbx_strdup(unit);
	cg->user = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "user"));
	if (cg->way == SBX_CGROUP_SYSTEMD ? !cg->unit : !cg->nr)
		cg->way = SBX_CGROUP_NONE;
}

/* ------------------------------------------------------------ the end */

/* Kills every member of dir until none is left; 0 when it is empty. */
static int kill_members(const char *dir)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *procs = sbx_asprintf("%s/cgroup.procs", dir);
	int empty = 0;

	/* v2 since Linux 5.14: one write kills them all, forks in flight too. */
	write_to(dir, "cgroup.kill", "1");
	for (int round = 0; round < 100 && !empty; round++) {
		const char *p;

		if (read_small(procs, &b))
			break;
		empty = !b.len;
		for (p = b.buf; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != '\0')) {
			long pid = strtol(p, NULL, 10);

			if (pid > 0)
				kill((pid_t)pid, SIGKILL);
		}
		if (!empty)
			sleep_ms(round < 10 ? 1 : 10);
	}
	sbx_buf_release(&b);
	free(procs);
	return empty ? 0 : -1;
}

/* Kills what is left in dir and removes it (unless systemd does). */
static void remove_dir(const char *dir, int systemd)
{
	if (kill_members(dir) || systemd)
		return;
	/* The last members' exit is accounted a moment after they are gone. */
	for (int tries = 0; rmdir(dir) && errno == EBUSY && tries < 50; tries++)
		sleep_ms(2);
}

void sbx_cgroup_destroy(struct sbx_cgroup *cg)
{
	for (int i = 0; i < cg->nr; i++)
		remove_dir(cg->dir[i], cg->way == SBX_CGROUP_SYSTEMD);
	sbx_cgroup_release(cg);
}

void sbx_cgroup_reap(const char *name)
{
	struct sbx_limits all = { 1, 1, 1 };
	struct sbx_cgroup cg = SBX_CGROUP_INIT;

	if (sbx_cgroup_create(&cg, NULL, &all))
		sbx_clear_error();
	for (int i = 0; i < cg.nr && cg.way != SBX_CGROUP_SYSTEMD; i++) {
		char *dir = sbx_asprintf("%s/%s", cg.dir[i], name);

		if (our_dir(dir) && !access(dir, F_OK))
			remove_dir(dir, 0);
		free(dir);
	}
	sbx_cgroup_release(&cg);
}

void sbx_cgroup_release(struct sbx_cgroup *cg)
{
	for (int i = 0; i < SBX_CGROUP_MAX; i++) {
		free(cg->dir[i]);
		free(cg->home[i]);
		cg->dir[i] = cg->home[i] = NULL;
	}
	free(cg->unit);
	free(cg->missing);
	cg->unit = cg->missing = NULL;
	cg->nr = 0;
	cg->way = SBX_CGROUP_NONE;
}
