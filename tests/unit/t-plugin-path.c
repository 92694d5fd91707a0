/* The plugin path: its order, its refusals, and the checks on its directories. */
#include "tap.h"

#include "error.h"
#include "plugin.h"
#include "xalloc.h"

#include <sys/stat.h>
#include <unistd.h>

static void check_dir(const char *dir, const struct sbx_project *p, int want, const char *needle,
		      const char *what)
{
	int got = sbx_plugin_dir_check(dir, p);

	is_int(got, want, "%s", what);
	if (needle)
		like(sbx_last_error(), needle, "%s: the message", what);
	sbx_clear_error();
}

int main(void)
{
	char tmp[] = "/tmp/sbx-plugin-path.XXXXXX";
	struct sbx_plugin_dir *dirs;
	struct sbx_project project = { 0 };
	char *a, *b, *loose, *inside;
	size_t nr;

	if (!mkdtemp(tmp))
		return 1;
	setenv("XDG_DATA_HOME", "/data", 1);
	setenv("SBX_PLUGIN_PATH", "/first::/second:/first", 1);
	is_int(sbx_plugin_path(&dirs, &nr), 0, "a path of absolute directories is taken");
	ok(nr >= 4, "SBX_PLUGIN_PATH, XDG_DATA_HOME, beside sbx and libdir");
	if (nr >= 4) {
		is_str(dirs[0].path, "/first", "SBX_PLUGIN_PATH comes first");
		is_str(dirs[1].path, "/second", "in its order, empty entries skipped, repeats once");
		is_str(dirs[2].path, "/data/sbx/plugins", "then $XDG_DATA_HOME/sbx/plugins");
		is_str(dirs[2].why, "XDG_DATA_HOME", "said to come from there");
		is_str(dirs[nr - 1].path, SBX_LIBDIR "/plugins", "the installed libdir last");
	}
	sbx_plugin_path_free(dirs, nr);

	setenv("SBX_PLUGIN_PATH", "/ok:relative", 1);
	is_int(sbx_plugin_path(&dirs, &nr), -1, "a relative entry is refused");
	like(sbx_last_error(), "'relative' is not an absolute path", "naming it");
	is_int((long long)nr, 0, "and no directories are returned");
	sbx_clear_error();
	unsetenv("SBX_PLUGIN_PATH");

	a = sbx_asprintf("%s/ok", tmp);
	b = sbx_asprintf("%s/missing", tmp);
	loose = sbx_asprintf("%s/loose", tmp);
	inside = sbx_asprintf("%s/proj/plugins", tmp);
	project.dir = sbx_asprintf("%s/proj", tmp);
	mkdir(a, 0755);
	mkdir(loose, 0777);
	chmod(loose, 0777);
	mkdir(project.dir, 0755);
	mkdir(inside, 0755);
	check_dir(a, &project, 0, NULL, "a directory of ours, 0755, is safe");
	check_dir(b, &project, 1, NULL, "a missing directory is no error");
	check_dir(loose, &project, -1, "writable by group or others", "a 0777 one is refused");
	chmod(loose, 0775);
	check_dir(loose, &project, -1, "chmod go-w", "a group-writable one too, with the fix");
	check_dir(inside, &project, -1, "is inside the project", "one inside the project is refused");
	check_dir(project.dir, &project, -1, "inside the project", "the project itself too");
	check_dir(inside, NULL, 0, NULL, "without a project, only its modes count");
	check_dir("/etc/passwd", NULL, -1, "is not a directory", "a file is no plugin directory");

	rmdir(inside);
	rmdir(project.dir);
	rmdir(loose);
	rmdir(a);
	rmdir(tmp);
	free(project.dir);
	free(a);
	free(b);
	free(loose);
	free(inside);
	return done_testing();
}
