#include "owner.h"
#include "buf.h"
#include "error.h"
#include "json.h"
#include "paths.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __APPLE__
#include <sys/sysctl.h>
#endif

unsigned long long sbx_process_start_time(pid_t pid)
{
#ifdef __APPLE__
	int mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_PID, (int)pid };
	struct kinfo_proc kp;
	size_t len = sizeof(kp);

	if (sysctl(mib, 4, &kp, &len, NULL, 0) || !len)
		return 0;
	return (unsigned long long)kp.kp_proc.p_starttime.tv_sec * 1000000ULL +
	       (unsigned long long)kp.kp_proc.p_starttime.tv_usec;
#else
	struct sbx_buf b = SBX_BUF_INIT;
	char path[64];
	unsigned long long start = 0;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (sbx_buf_read_file(&b, path)) {
		sbx_clear_error();
		return 0;
	}
	/* Field 22, counted after the ")" that ends the command name (which may hold spaces). */
	p = strrchr(b.buf, ')');
	if (p) {
		int field = 2;

		for (; *p && field < 22; p++)
			if (*p == ' ')
				field++;
		start = strtoull(p, NULL, 10);
	}
	sbx_buf_release(&b);
	return start;
#endif
}

static char *sessions_dir(void)
{
	char *state = sbx_state_dir(), *dir;

	if (!state)
		return NULL;
	dir = sbx_path_join(state, "sessions");
	free(state);
	return dir;
}

static char *record_path(const char *name)
{
	char *dir = sessions_dir(), *path;

	if (!dir)
		return NULL;
	path = sbx_asprintf("%s/%s.json", dir, name);
	free(dir);
	return path;
}

int sbx_owner_write(const char *name, const char *backend, const char *kind,
		    const char *project_dir, cJSON *extra)
{
	char *dir = sessions_dir(), *path = NULL;
	cJSON *rec = extra ? extra : sbx_json_new_object();
	pid_t pid = getpid();
	int ret = -1;
	char start[32];

	if (!dir || sbx_mkdir_private(dir, 0700))
		goto out;
	path = sbx_asprintf("%s/%s.json", dir, name);
	snprintf(start, sizeof(start), "%llu", sbx_process_start_time(pid));
	sbx_json_add_string(rec, "name", name);
	sbx_json_add_string(rec, "backend", backend);
	sbx_json_add_string(rec, "kind", kind);
	sbx_json_add_string(rec, "project", project_dir);
	sbx_json_add_number(rec, "pid", (double)pid);
	sbx_json_add_string(rec, "start", start);
	sbx_json_add_number(rec, "created", (double)time(NULL));
	/* Where the notification server rings when no desktop notifier works. */
	for (int fd = 2; fd >= 0; fd -= 2) {
		const char *tty = strcmp(kind, "template") && isatty(fd) ? ttyname(fd) : NULL;

		if (tty) {
			sbx_json_add_string(rec, "tty", tty);
			break;
		}
	}
	ret = sbx_json_write_file(path, rec, 0600, 0);
out:
	cJSON_Delete(rec);
	free(dir);
	free(path);
	return ret;
}

cJSON *sbx_owner_read(const char *name)
{
	char *path = record_path(name);
	cJSON *rec = NULL;

	if (path && access(path, F_OK) == 0 && sbx_jsonc_read_file(path, &rec))
		rec = NULL;
	free(path);
	return rec;
}

int sbx_owner_remove(const char *name)
{
	char *path = record_path(name);
	int ret = 0;

	if (!path)
		return -1;
	if (unlink(path) && errno != ENOENT)
		ret = sbx_error_errno("cannot remove '%s'", path);
	free(path);
	return ret;
}

int sbx_owner_list(cJSON **out)
{
	char *dir = sessions_dir();
	DIR *d;
	struct dirent *e;

	*out = sbx_json_new_array();
	if (!dir)
		return -1;
	d = opendir(dir);
	if (!d) {
		free(dir);
		return 0;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *path;
		cJSON *rec;

		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		path = sbx_path_join(dir, e->d_name);
		/* A record being written by another sbx, or broken: not ours to judge here. */
		if (!sbx_jsonc_read_file(path, &rec))
			sbx_json_append(*out, rec);
		else
			sbx_clear_error();
		free(path);
	}
	closedir(d);
	free(dir);
	return 0;
}

int sbx_owner_alive(const cJSON *record)
{
	double pid = sbx_json_get_number(record, "pid", 0);
	const char *start = sbx_json_get_string(record, "start");
	char now[32];

	if (pid <= 0 || !start)
		return 0;
	if (kill((pid_t)pid, 0) && errno == ESRCH)
		return 0;
	snprintf(now, sizeof(now), "%llu", sbx_process_start_time((pid_t)pid));
	/* A pid reused by a process started at another time is not the owner. */
	return !strcmp(now, start) || !strcmp(start, "0");
}
