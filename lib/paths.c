#include "paths.h"
#include "buf.h"
#include "xalloc.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

char *sbx_home_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home && *home == '/')
		return sbx_strdup(home);
	pw = getpwuid(getuid());
	if (pw && pw->pw_dir && *pw->pw_dir == '/')
		return sbx_strdup(pw->pw_dir);
	sbx_error("cannot find the home directory: set HOME");
	return NULL;
}

static char *xdg_dir(const char *var, const char *fallback)
{
	const char *val = getenv(var);
	char *home, *dir;

	if (val && *val == '/')
		return sbx_path_join(val, "sbx");
	home = sbx_home_dir();
	if (!home)
		return NULL;
	dir = sbx_asprintf("%s/%s/sbx", home, fallback);
	free(home);
	return dir;
}

char *sbx_config_dir(void)
{
	return xdg_dir("XDG_CONFIG_HOME", ".config");
}

char *sbx_data_dir(void)
{
	return xdg_dir("XDG_DATA_HOME", ".local/share");
}

char *sbx_state_dir(void)
{
	return xdg_dir("XDG_STATE_HOME", ".local/state");
}

char *sbx_runtime_dir(void)
{
	const char *val = getenv("XDG_RUNTIME_DIR");
	const char *tmp = getenv("TMPDIR");

	if (val && *val == '/')
		return sbx_path_join(val, "sbx");
	/* macOS has no XDG_RUNTIME_DIR; its per-user TMPDIR is private already. */
	if (!tmp || *tmp != '/')
		tmp = "/tmp";
	return sbx_asprintf("%s%ssbx-%ld", tmp, tmp[strlen(tmp) - 1] == '/' ? "" : "/",
			    (long)getuid());
}

char *sbx_run_dir(const char *name)
{
	char *run = sbx_runtime_dir(), *path;

	if (!run)
		return NULL;
	path = sbx_asprintf("%s/sessions/%s", run, name);
	free(run);
	return path;
}

char *sbx_path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir);

	return sbx_asprintf("%s%s%s", dir, len && dir[len - 1] == '/' ? "" : "/", name);
}

int sbx_path_is_absolute(const char *path)
{
	return path[0] == '/';
}

char *sbx_path_expand_home(const char *path)
{
	char *home, *out;

	if (strcmp(path, "~") && strncmp(path, "~/", 2))
		return sbx_strdup(path);
	home = sbx_home_dir();
	if (!home)
		return NULL;
	out = sbx_asprintf("%s%s", home, path + 1);
	free(home);
	return out;
}

char *sbx_path_clean(const char *path)
{
	struct sbx_buf b = SBX_BUF_INIT;
	int absolute = *path == '/';
	size_t keep = 0;	/* what ".." may not take away: the leading "/" or "../"s */

	if (absolute)
		sbx_buf_addch(&b, '/');
	keep = b.len;
	while (*path) {
		size_t len = strcspn(path, "/");

		if ((len == 1 && *path == '.') || !len) {
			/* nothing */
		} else if (len == 2 && !strncmp(path, "..", 2) && b.len > keep) {
			while (b.len > keep && b.buf[b.len - 1] != '/')
				b.len--;
			if (b.len > keep)
				b.len--;	/* the separator */
			b.buf[b.len] = '\0';
		} else if (len == 2 && !strncmp(path, "..", 2) && absolute) {
			/* "/.." is "/" */
		} else {
			if (b.len && b.buf[b.len - 1] != '/')
				sbx_buf_addch(&b, '/');
			sbx_buf_add(&b, path, len);
			if (len == 2 && !strncmp(path, "..", 2))
				keep = b.len;
		}
		path += len;
		path += *path == '/';
	}
	if (!b.len)
		sbx_buf_addch(&b, '.');
	return sbx_buf_detach(&b);
}

int sbx_mkdir_p(const char *path, mode_t mode)
{
	char *copy = sbx_strdup(path);
	int ret = 0;

	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) && errno != EEXIST) {
			ret = sbx_error_errno("cannot create directory '%s'", copy);
			goto out;
		}
		*p = '/';
	}
	if (mkdir(copy, mode) && errno != EEXIST)
		ret = sbx_error_errno("cannot create directory '%s'", copy);
out:
	free(copy);
	return ret;
}

int sbx_mkdir_private(const char *path, mode_t mode)
{
	struct stat st;

	if (sbx_mkdir_p(path, mode))
		return -1;
	if (lstat(path, &st))
		return sbx_error_errno("cannot stat '%s'", path);
	if (!S_ISDIR(st.st_mode))
		return sbx_error("'%s' is not a directory", path);
	if (st.st_uid != getuid())
		return sbx_error("'%s' is owned by uid %ld, not by you: remove it", path,
				 (long)st.st_uid);
	if ((st.st_mode & 07777) != mode && chmod(path, mode))
		return sbx_error_errno("cannot chmod '%s'", path);
	return 0;
}

char *sbx_self_exe(void)
{
#ifdef __APPLE__
	uint32_t size = 0;
	char *raw, *path;

	_NSGetExecutablePath(NULL, &size);
	raw = sbx_malloc(size + 1);
	if (_NSGetExecutablePath(raw, &size)) {
		free(raw);
		sbx_error("cannot find sbx's own executable");
		return NULL;
	}
	path = realpath(raw, NULL);
	free(raw);
	if (!path)
		sbx_error_errno("cannot find sbx's own executable");
	return path;
#else
	char *path = realpath("/proc/self/exe", NULL);

	if (!path)
		sbx_error_errno("cannot find sbx's own executable");
	return path;
#endif
}
