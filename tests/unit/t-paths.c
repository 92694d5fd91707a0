/* XDG directories, home expansion and private directories. */
#include "tap.h"

#include "paths.h"
#include "xalloc.h"

#include <fcntl.h>

#include <sys/stat.h>
#include <unistd.h>

static void check(char *got, const char *want, const char *what)
{
	is_str(got, want, "%s", what);
	free(got);
}

int main(void)
{
	char dir[] = "/tmp/sbx-paths.XXXXXX";
	char *p;
	struct stat st;

	setenv("HOME", "/home/u", 1);
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	setenv("XDG_DATA_HOME", "relative/ignored", 1);
	unsetenv("XDG_STATE_HOME");
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	check(sbx_config_dir(), "/cfg/sbx", "XDG_CONFIG_HOME is used");
	check(sbx_data_dir(), "/home/u/.local/share/sbx", "a relative XDG_DATA_HOME is ignored");
	check(sbx_state_dir(), "/home/u/.local/state/sbx", "an unset XDG_STATE_HOME falls back");
	check(sbx_runtime_dir(), "/run/user/1000/sbx", "XDG_RUNTIME_DIR is used");
	unsetenv("XDG_RUNTIME_DIR");
	setenv("TMPDIR", "/var/tmp/", 1);
	p = sbx_asprintf("/var/tmp/sbx-%ld", (long)getuid());
	check(sbx_runtime_dir(), p, "without it, a per-user directory in TMPDIR");
	free(p);
	check(sbx_path_expand_home("~/x y"), "/home/u/x y", "~/ expands to HOME");
	check(sbx_path_expand_home("~"), "/home/u", "~ alone too");
	check(sbx_path_expand_home("~root/x"), "~root/x", "~user is left alone");
	check(sbx_path_clean("/a/b/../c/"), "/a/c", "clean: '..' takes the one before away");
	check(sbx_path_clean("/p/../x"), "/x", "clean: a project's sibling is no path in it");
	check(sbx_path_clean("//a/./b//"), "/a/b", "clean: '.', doubled and trailing '/' go");
	check(sbx_path_clean("/.."), "/", "clean: nothing above /");
	check(sbx_path_clean("a/../../b"), "../b", "clean: a relative path keeps what leaves it");
	check(sbx_path_clean("a/.."), ".", "clean: nothing left is '.'");
	check(sbx_path_join("/a/", "b"), "/a/b", "join does not double a slash");

	mkdtemp(dir);
	p = sbx_asprintf("%s/a/b/c", dir);
	is_int(sbx_mkdir_private(p, 0700), 0, "a private directory is made with its parents");
	ok(!stat(p, &st) && (st.st_mode & 0777) == 0700, "with mode 0700");
	chmod(p, 0755);
	is_int(sbx_mkdir_private(p, 0700), 0, "an existing one with a looser mode");
	ok(!stat(p, &st) && (st.st_mode & 0777) == 0700, "is tightened to 0700");
	free(p);
	p = sbx_asprintf("%s/file", dir);
	close(creat(p, 0600));
	is_int(sbx_mkdir_private(p, 0700), -1, "a file in the way is an error");
	like(sbx_last_error(), "file", "naming it");
	free(p);
	p = sbx_asprintf("rm -rf '%s'", dir);
	if (system(p))
		diag("cleanup failed");
	free(p);
	return done_testing();
}
