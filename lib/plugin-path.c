/* The plugin path, and which of its directories sbx may load code from. */
#include "plugin.h"
#include "error.h"
#include "paths.h"
#include "xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void add_dir(struct sbx_plugin_dir **dirs, size_t *nr, size_t *alloc, char *path,
		    const char *why)
{
	char *real = realpath(path, NULL);

	/* The same directory reached twice (LIBDIR and ../lib/sbx beside sbx) counts once. */
	for (size_t i = 0; i < *nr; i++) {
		char *other = realpath((*dirs)[i].path, NULL);
		int same = real && other ? !strcmp(real, other) : !strcmp(path, (*dirs)[i].path);

		free(other);
		if (same) {
			free(real);
			free(path);
			return;
		}
	}
	free(real);
	SBX_ALLOC_GROW(*dirs, *nr + 1, *alloc);
	(*dirs)[*nr].path = path;
	(*dirs)[*nr].why = why;
	(*nr)++;
}

int sbx_plugin_path(struct sbx_plugin_dir **dirs, size_t *nr)
{
	const char *env = getenv("SBX_PLUGIN_PATH");
	char *data = sbx_data_dir(), *exe = sbx_self_exe();
	size_t alloc = 0;

	if (exe && strrchr(exe, '/'))
		*strrchr(exe, '/') = '\0';
	else if (!exe)
		sbx_clear_error();

	*dirs = NULL;
	*nr = 0;
	for (const char *p = env ? env : ""; *p;) {
		size_t len = strcspn(p, ":");

		if (len && *p != '/') {
			sbx_plugin_path_free(*dirs, *nr);
			*dirs = NULL;
			*nr = 0;
			free(data);
			free(exe);
			return sbx_error("SBX_PLUGIN_PATH: '%.*s' is not an absolute path", (int)len, p);
		}
		if (len)
			add_dir(dirs, nr, &alloc, sbx_strndup(p, len), "SBX_PLUGIN_PATH");
		p += len + (p[len] == ':');
	}
	if (data)
		add_dir(dirs, nr, &alloc, sbx_path_join(data, "plugins"), "XDG_DATA_HOME");
	else
		sbx_clear_error();
	/* A build tree keeps them beside sbx; an install that moved, in ../lib/sbx. */
	if (exe) {
		char *up = strrchr(exe, '/');

		add_dir(dirs, nr, &alloc, sbx_path_join(exe, "plugins"), "beside sbx");
		if (up)
			add_dir(dirs, nr, &alloc, sbx_asprintf("%.*s/lib/sbx/plugins",
							       (int)(up - exe), exe), "beside sbx");
	}
	add_dir(dirs, nr, &alloc, sbx_strdup(SBX_LIBDIR "/plugins"), "libdir");
	free(data);
	free(exe);
	return 0;
}

void sbx_plugin_path_free(struct sbx_plugin_dir *dirs, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(dirs[i].path);
	free(dirs);
}

static int inside(const char *path, const char *dir)
{
	size_t len = dir ? strlen(dir) : 0;

	return len && !strncmp(path, dir, len) && (path[len] == '/' || !path[len]);
}

int sbx_plugin_dir_check(const char *dir, const struct sbx_project *project)
{
	struct stat st;
	char *real;
	const char *in = NULL;

	if (stat(dir, &st))
		return errno == ENOENT || errno == ENOTDIR ? 1 :
			sbx_error_errno("cannot read the plugin directory '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return sbx_error("the plugin directory '%s' is not a directory", dir);
	if (st.st_uid != getuid() && st.st_uid != 0)
		return sbx_error("the plugin directory '%s' belongs to uid %ld, neither you nor "
				 "root: sbx loads no code from it", dir, (long)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return sbx_error("the plugin directory '%s' is writable by group or others: sbx "
				 "loads no code from it (chmod go-w '%s')", dir, dir);
	if (!project)
		return 0;
	/* The sandbox can write the project: code from there would run on the host. */
	real = realpath(dir, NULL);
	if (real && inside(real, project->dir))
		in = project->dir;
	else if (real && inside(real, project->main_dir))
		in = project->main_dir;
	else if (real && inside(real, project->common_dir))
		in = project->common_dir;
	free(real);
	if (in)
		return sbx_error("the plugin directory '%s' is inside the project '%s', which the "
				 "sandbox can write: sbx loads no code from it", dir, in);
	return 0;
}
