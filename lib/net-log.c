/* The proxy's decisions, per run (net-log.h). */
#include "net-log.h"
#include "error.h"
#include "paths.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOG_LIMIT (1L << 20)
#define KEEP_LOGS 50
#define HEADER "# sbx network log: run "

static char *log_dir(void)
{
	char *state = sbx_state_dir(), *dir;

	if (!state)
		return NULL;
	dir = sbx_path_join(state, "net");
	free(state);
	return dir;
}

char *sbx_net_log_path(const char *run)
{
	char *dir = log_dir(), *path;

	if (!dir)
		return NULL;
	path = sbx_asprintf("%s/%s.log", dir, run);
	free(dir);
	return path;
}

/* A file's modification time in nanoseconds: runs started within a second are told apart. */
static long long mtime_ns(const struct stat *st)
{
#ifdef __APPLE__
	return (long long)st->st_mtimespec.tv_sec * 1000000000LL + st->st_mtimespec.tv_nsec;
#else
	return (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
#endif
}

struct entry {
	char *name;
	long long mtime;
};

static int newest_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : strcmp(x->name, y->name);
}

/* Keeps the newest KEEP_LOGS - 1 logs (a new one is about to start). */
static void prune(const char *dir)
{
	struct entry *e = NULL;
	size_t nr = 0, alloc = 0;
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat st;
		char *path;

		if (len < 5 || strcmp(de->d_name + len - 4, ".log"))
			continue;
		path = sbx_path_join(dir, de->d_name);
		if (!lstat(path, &st) && S_ISREG(st.st_mode)) {
			SBX_ALLOC_GROW(e, nr + 1, alloc);
			e[nr].name = path;
			e[nr++].mtime = mtime_ns(&st);
		} else {
			free(path);
		}
	}
	closedir(d);
	if (nr)
		qsort(e, nr, sizeof(*e), newest_first);
	for (size_t i = 0; i < nr; i++) {
		if (i >= KEEP_LOGS - 1) {
			char *old = sbx_asprintf("%s.old", e[i].name);

			unlink(e[i].name);
			unlink(old);
			free(old);
		}
		free(e[i].name);
	}
	free(e);
}

char *sbx_net_log_begin(const char *run, const char *sandbox, const char *mode,
			const char *project)
{
	char *dir = log_dir(), *path = NULL, *old = NULL;
	int fd = -1;

	if (!dir || sbx_mkdir_private(dir, 0700))
		goto fail;
	prune(dir);
	path = sbx_asprintf("%s/%s.log", dir, run);
	old = sbx_asprintf("%s.old", path);
	unlink(old);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || dprintf(fd, HEADER "%s sandbox %s mode %s project %s\n", run, sandbox, mode,
			      project) < 0) {
		sbx_error_errno("cannot write '%s'", path);
		goto fail;
	}
	close(fd);
	free(dir);
	free(old);
	return path;
fail:
	if (fd >= 0)
		close(fd);
	free(dir);
	free(path);
	free(old);
	return NULL;
}

void sbx_net_log_open(struct sbx_net_log *l, const char *path)
{
	l->path = path ? sbx_strdup(path) : NULL;
	l->fd = path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
}

void sbx_net_log_close(struct sbx_net_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	l->path = NULL;
	l->fd = -1;
}

/* Printable ASCII of s (at most max bytes); '?' for anything else. */
static void add_clean(char *out, size_t outsz, const char *s, size_t *pos)
{
	for (; s && *s && *pos + 1 < outsz; s++)
		out[(*pos)++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	out[*pos] = '\0';
}

void sbx_net_log_write(struct sbx_net_log *l, const char *verdict, const char *kind,
		       const char *host, int port, const char *detail)
{
	char line[1024], stamp[32];
	size_t pos = 0;
	time_t now = time(NULL);
	struct tm tm;
	struct stat st;
	int n;

	if (l->fd < 0)
		return;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s %s %s ", stamp, verdict, kind);
	pos = n > 0 && (size_t)n < sizeof(line) ? (size_t)n : 0;
	if (host) {
		add_clean(line, sizeof(line) - 8, strchr(host, ':') ? "[" : "", &pos);
		add_clean(line, sizeof(line) - 8, host, &pos);
		add_clean(line, sizeof(line) - 8, strchr(host, ':') ? "]" : "", &pos);
		n = snprintf(line + pos, sizeof(line) - pos, ":%d", port);
		pos += n > 0 ? (size_t)n : 0;
	}
	if (detail) {
		add_clean(line, sizeof(line) - 2, detail[0] == ' ' ? "" : ": ", &pos);
		add_clean(line, sizeof(line) - 2, detail, &pos);
	}
	line[pos++] = '\n';
	/* One write per line, appended: lines of concurrent writers never interleave. */
	if (write(l->fd, line, pos) < 0)
		return;
	if (l->path && !fstat(l->fd, &st) && st.st_size > LOG_LIMIT) {
		char *old = sbx_asprintf("%s.old", l->path);

		if (!rename(l->path, old)) {
			close(l->fd);
			l->fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
				     0600);
		}
		free(old);
	}
}

/* The header's fields: run, sandbox and project (the rest of the line). */
struct header {
	char run[128], sandbox[128], project[4096];
};

static int read_header(const char *path, struct header *h)
{
	char line[4400];
	FILE *f = fopen(path, "re");
	char *p, *end;
	int ok = 0;

	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f) && !strncmp(line, HEADER, strlen(HEADER))) {
		line[strcspn(line, "\n")] = '\0';
		p = line + strlen(HEADER);
		end = strstr(p, " sandbox ");
		if (end && (size_t)(end - p) < sizeof(h->run)) {
			memcpy(h->run, p, (size_t)(end - p));
			h->run[end - p] = '\0';
			p = end + strlen(" sandbox ");
			end = strstr(p, " mode ");
			if (end && (size_t)(end - p) < sizeof(h->sandbox)) {
				memcpy(h->sandbox, p, (size_t)(end - p));
				h->sandbox[end - p] = '\0';
				p = strstr(end, " project ");
				if (p) {
					snprintf(h->project, sizeof(h->project), "%s",
						 p + strlen(" project "));
					ok = 1;
				}
			}
		}
	}
	fclose(f);
	return ok;
}

char *sbx_net_log_find(const char *name, const char *dir)
{
	char *logs = log_dir(), *best = NULL;
	long long best_time = 0;
	DIR *d;
	struct dirent *de;

	if (!logs)
		return NULL;
	d = opendir(logs);
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct header h;
		struct stat st;
		char *path;

		if (len < 5 || strcmp(de->d_name + len - 4, ".log"))
			continue;
		path = sbx_path_join(logs, de->d_name);
		if (!lstat(path, &st) && S_ISREG(st.st_mode) && read_header(path, &h) &&
		    (name ? !strcmp(h.run, name) || !strcmp(h.sandbox, name)
			  : !dir || !strcmp(h.project, dir)) &&
		    (!best || mtime_ns(&st) >= best_time)) {
			free(best);
			best = path;
			best_time = mtime_ns(&st);
			continue;
		}
		free(path);
	}
	if (d)
		closedir(d);
	if (!best && name)
		sbx_error("no network log of '%s' (see 'sbx ls'; logs are in %s)", name, logs);
	else if (!best)
		sbx_error("no network log of a run in %s yet (logs are in %s)", dir ? dir : "any project",
			  logs);
	free(logs);
	return best;
}

char *sbx_net_log_run(const char *path)
{
	struct header h;

	return read_header(path, &h) ? sbx_strdup(h.run) : NULL;
}
