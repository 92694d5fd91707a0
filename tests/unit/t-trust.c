/*
 * Configuration trust: SHA-256, the trust record, and what a project's
 * .sbx.json may do before and after `sbx trust`: ignore and refuse, a
 * changed byte, a worktree's copy of the main checkout's file, keys only your
 * own configuration sets, and files that are links, FIFOs or too large.
 */
#include "tap.h"
#include "scratch.h"

#include "config.h"
#include "json.h"
#include "paths.h"
#include "sha256.h"
#include "trust.h"
#include "xalloc.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static char *main_dir, *wt_dir, *state;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

static void test_sha256(void)
{
	char hex[SBX_SHA256_HEX];

	sbx_sha256_hex("", 0, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "SHA-256 of nothing");
	sbx_sha256_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "SHA-256 of \"abc\" (FIPS 180-2)");
}

static void test_record(void)
{
	char *record = sbx_path_join(state, "sbx/trust.json");
	struct stat st;

	is_int(sbx_trust_lookup("/p/.sbx.json", NULL, "aa"), SBX_TRUST_UNKNOWN,
	       "no record yet: not trusted");
	is_int(sbx_trust_record("/p/.sbx.json", "aa"), 0, "trusting records");
	ok(!stat(record, &st) && (st.st_mode & 0777) == 0600, "the record is 0600");
	sh("test \"$(stat -c %%a '%s/sbx')\" = 700", state);
	ok(1, "in a 0700 directory");
	is_int(sbx_trust_record("/q/.sbx.json", "bb"), 0, "a second file");
	is_int(sbx_trust_lookup("/p/.sbx.json", NULL, "aa"), SBX_TRUST_TRUSTED, "the same content");
	is_int(sbx_trust_lookup("/p/.sbx.json", NULL, "ab"), SBX_TRUST_CHANGED,
	       "other content: changed");
	is_int(sbx_trust_lookup("/r/.sbx.json", NULL, "aa"), SBX_TRUST_UNKNOWN,
	       "the same content elsewhere is not trusted");
	is_int(sbx_trust_lookup("/r/.sbx.json", "/p/.sbx.json", "aa"), SBX_TRUST_TRUSTED,
	       "unless it is the twin's");
	is_int(sbx_trust_lookup("/r/.sbx.json", "/p/.sbx.json", "ab"), SBX_TRUST_UNKNOWN,
	       "with the twin's content only");
	is_int(sbx_trust_record("/p/.sbx.json", NULL), 0, "forgetting");
	is_int(sbx_trust_lookup("/p/.sbx.json", NULL, "aa"), SBX_TRUST_UNKNOWN, "forgotten");
	is_int(sbx_trust_record("/p/.sbx.json", NULL), 1, "forgetting again: nothing to forget");
	is_int(sbx_trust_lookup("/q/.sbx.json", NULL, "bb"), SBX_TRUST_TRUSTED,
	       "the other file is still trusted");

	chmod(record, 0622);
	is_int(sbx_trust_lookup("/q/.sbx.json", NULL, "bb"), -1,
	       "a record others can write is refused");
	like(sbx_last_error(), "is not yours alone", "saying why");
	like(sbx_last_error(), "remove it, then run 'sbx trust' again", "and the fix");
	chmod(record, 0600);
	write_file(record, "{\"files\": {\"/q/.sbx.json\": 1}}");
	is_int(sbx_trust_lookup("/q/.sbx.json", NULL, "bb"), -1, "a record of another shape");
	like(sbx_last_error(), "is not a trust record of sbx", "is refused");
	write_file(record, "{\"files\": ");
	is_int(sbx_trust_lookup("/q/.sbx.json", NULL, "bb"), -1, "a broken record");
	like(sbx_last_error(), "invalid JSON", "is refused");
	like(sbx_last_error(), "(remove it, then run 'sbx trust' again)", "with the fix");
	unlink(record);
	free(record);
}

/* Loads the main checkout's configuration: quietly, or as `sbx run` does. */
static struct sbx_config *load(int worktree, unsigned flags)
{
	struct sbx_project p = { 0 };

	p.dir = worktree ? wt_dir : main_dir;
	p.main_dir = main_dir;
	p.is_worktree = worktree;
	return sbx_config_load_flags(&p, flags);
}

static void trust_all(int worktree)
{
	struct sbx_project p = { 0 };
	struct sbx_project_file *files;
	size_t nr;

	p.dir = worktree ? wt_dir : main_dir;
	p.main_dir = main_dir;
	p.is_worktree = worktree;
	if (sbx_project_files_read(&p, &files, &nr)) {
		printf("Bail out! %s\n", sbx_last_error());
		exit(1);
	}
	for (size_t i = 0; i < nr; i++)
		if (files[i].needs_trust)
			sbx_trust_record(files[i].path, files[i].hash);
	sbx_project_files_free(files, nr);
}

#define HOSTILE "{\"tmux\": true, \"env\": {\"A\": \"b\"}, \"cpus\": 3,\n" \
	"  \"mounts\": [{\"location\": \"~/\", \"writable\": true}],\n" \
	"  \"secrets\": {\"T\": {\"command\": \"touch marker\"}},\n" \
	"  \"envPass\": [\"HOST_VAR\"], \"notify\": {\"enabled\": false, \"sound\": \"x\"}}\n"

static void test_untrusted(void)
{
	char *file = sbx_path_join(main_dir, ".sbx.json");
	struct sbx_buf out = SBX_BUF_INIT;
	const struct sbx_project_file *u;
	struct sbx_config *cfg;
	char *want;

	write_file(file, HOSTILE);
	cfg = load(0, 0);
	ok(cfg != NULL, "ignore (the default): an untrusted file loads");
	ok(sbx_config_bool(cfg, "tmux") && !strcmp(sbx_config_string(cfg, "env.A"), "b") &&
	   !sbx_config_bool(cfg, "notify.enabled"), "with the keys it may set untrusted");
	is_int(sbx_config_int(cfg, "cpus"), 4, "but not cpus");
	is_int(cJSON_GetArraySize(sbx_config_get(cfg, "mounts")), 0, "nor mounts");
	ok(!sbx_config_get(cfg, "secrets.T"), "nor secrets");
	is_int(cJSON_GetArraySize(sbx_config_get(cfg, "envPass")), 0, "nor envPass");
	ok(!sbx_config_get(cfg, "notify.sound"), "nor notify.sound");
	u = sbx_config_untrusted(cfg, 0);
	ok(u && !strcmp(u->path, file) && !sbx_config_untrusted(cfg, 1), "one untrusted file");
	want = u ? sbx_project_file_untrusted_line(u, 0) : sbx_strdup("");
	like(want, "is not trusted: ignoring cpus, mounts, secrets, envPass, notify.sound "
	     "(review it, then run 'sbx trust')", "names the keys ignored and the fix");
	free(want);
	sbx_config_show(cfg, &out, 0);
	like(out.buf, "\nmounts[0].location = \"~/\"  # ", "config show has what was ignored");
	want = sbx_asprintf("secrets.T.command = \"touch marker\"  # %s (not trusted: ignored)\n",
			    file);
	like(out.buf, want, "marked as ignored");
	free(want);
	sbx_config_free(cfg);

	setenv("SBX_TRUST_UNTRUSTED", "refuse", 1);
	cfg = load(0, 0);
	ok(!cfg, "refuse: the load fails");
	want = sbx_asprintf("'%s' is not trusted and sets cpus, mounts, secrets, envPass, "
			    "notify.sound (review it, then run 'sbx trust')", file);
	is_str(sbx_last_error(), want, "with one line naming the file, the keys and the fix");
	free(want);
	cfg = load(0, SBX_CONFIG_QUIET_TRUST);
	ok(cfg != NULL, "quiet (config show, completion): no refusal");
	is_int(sbx_config_int(cfg, "cpus"), 4, "and the keys are still left out");
	sbx_config_free(cfg);

	trust_all(0);
	cfg = load(0, 0);
	ok(cfg != NULL, "trusted: the file loads in refuse mode");
	is_int(sbx_config_int(cfg, "cpus"), 3, "all of it: cpus");
	is_str(sbx_config_string(cfg, "secrets.T.command"), "touch marker", "secrets");
	is_int(cJSON_GetArraySize(sbx_config_get(cfg, "mounts")), 1, "mounts");
	ok(!sbx_config_untrusted(cfg, 0), "nothing left out");
	sbx_config_free(cfg);

	/* One byte: a space after the object. */
	sh("printf ' ' >>'%s'", file);
	cfg = load(0, 0);
	ok(!cfg, "one byte more: untrusted again, refused");
	like(sbx_last_error(), "changed since you trusted it and sets cpus", "as changed");
	unsetenv("SBX_TRUST_UNTRUSTED");
	cfg = load(0, 0);
	is_int(sbx_config_int(cfg, "cpus"), 4, "ignore: left out again");
	sbx_config_free(cfg);

	/* Refuse from the user's own file. */
	sh("mkdir -p cfg/sbx && echo '{\"trust\": {\"untrusted\": \"refuse\"}}' >cfg/sbx/config.json");
	cfg = load(0, 0);
	ok(!cfg, "refuse set in your own file is honoured");
	sh("rm cfg/sbx/config.json");

	write_file(file, "{\"trust\": {\"untrusted\": \"ignore\"}}");
	cfg = load(0, SBX_CONFIG_QUIET_TRUST);
	ok(!cfg, "a project file that sets trust.untrusted is refused");
	like(sbx_last_error(), ".sbx.json: trust.untrusted: only your own configuration sets "
	     "this (move it to '", "naming the key and where it belongs");

	write_file(file, "{\"agent\": \"codex\", \"persistent\": true, \"scripts\": [\"a.sh\"], "
		   "\"vmType\": \"qemu\", \"mountType\": \"9p\", \"mounts\": [], \"secrets\": {},"
		   " \"notify\": {\"events\": [\"Stop\"]}}");
	setenv("SBX_TRUST_UNTRUSTED", "refuse", 1);
	cfg = load(0, 0);
	ok(cfg && !sbx_config_untrusted(cfg, 0),
	   "only allowed keys (and empty ones): no trust needed, even in refuse mode");
	is_str(cfg ? sbx_config_string(cfg, "agent") : NULL, "codex", "and they apply");
	sbx_config_free(cfg);
	unsetenv("SBX_TRUST_UNTRUSTED");
	sbx_buf_release(&out);
	free(file);
}

static void test_worktree(void)
{
	char *main_file = sbx_path_join(main_dir, ".sbx.json");
	char *wt_file = sbx_path_join(wt_dir, ".sbx.json");
	struct sbx_config *cfg;

	write_file(main_file, "{\"cpus\": 5}");
	trust_all(0);
	write_file(wt_file, "{\"cpus\": 6}");
	cfg = load(1, SBX_CONFIG_QUIET_TRUST);
	is_int(sbx_config_int(cfg, "cpus"), 5, "a worktree's own file is not trusted");
	ok(sbx_config_untrusted(cfg, 0) &&
	   !strcmp(sbx_config_untrusted(cfg, 0)->path, wt_file), "it is the one left out");
	sbx_config_free(cfg);
	write_file(wt_file, "{\"cpus\": 5}");
	cfg = load(1, SBX_CONFIG_QUIET_TRUST);
	ok(cfg && !sbx_config_untrusted(cfg, 0),
	   "the same bytes as the main checkout's trusted file: trusted");
	sbx_config_free(cfg);
	write_file(wt_file, "{\"cpus\": 7}");
	trust_all(1);
	cfg = load(1, SBX_CONFIG_QUIET_TRUST);
	is_int(sbx_config_int(cfg, "cpus"), 7, "trusted in the worktree: it applies");
	sbx_config_free(cfg);
	write_file(main_file, "{\"cpus\": 8}");
	cfg = load(1, SBX_CONFIG_QUIET_TRUST);
	ok(sbx_config_untrusted(cfg, 0) &&
	   !strcmp(sbx_config_untrusted(cfg, 0)->path, main_file) &&
	   !sbx_config_untrusted(cfg, 1), "the main checkout's file changed: only it is left out");
	is_int(sbx_config_int(cfg, "cpus"), 7, "the worktree's still applies");
	sbx_config_free(cfg);
	unlink(wt_file);
	unlink(main_file);
	free(main_file);
	free(wt_file);
}

static void on_alarm(int sig)
{
	(void)sig;
	printf("Bail out! reading a FIFO blocked\n");
	_exit(1);
}

static void test_unsafe_files(void)
{
	char *file = sbx_path_join(main_dir, ".sbx.json");
	struct sbx_project_file f;
	struct sbx_config *cfg;

	sh("echo '{\"mounts\": [{\"location\": \"/\"}]}' >host.json && ln -s '%s/host.json' '%s'",
	   scratch, file);
	cfg = load(0, SBX_CONFIG_QUIET_TRUST);
	ok(!cfg, "a .sbx.json that is a symbolic link is refused");
	like(sbx_last_error(), "it is a symbolic link (a project's .sbx.json must be a regular "
	     "file of at most 1 MiB: replace it)", "in one line with the fix");
	unlink(file);

	signal(SIGALRM, on_alarm);
	alarm(10);
	sh("mkfifo '%s'", file);
	cfg = load(0, SBX_CONFIG_QUIET_TRUST);
	ok(!cfg, "a FIFO is refused without blocking");
	like(sbx_last_error(), "not a regular file", "as not a regular file");
	alarm(0);
	unlink(file);

	sh("head -c %d /dev/zero | tr '\\0' ' ' >'%s' && echo '{}' >>'%s'",
	   SBX_PROJECT_FILE_MAX, file, file);
	cfg = load(0, SBX_CONFIG_QUIET_TRUST);
	ok(!cfg, "a file over 1 MiB is refused");
	like(sbx_last_error(), "larger than 1048576 bytes", "saying so");
	unlink(file);

	is_int(sbx_project_file_read(&f, "x/config.json"), -1, "sbx trust FILE: only a .sbx.json");
	like(sbx_last_error(), "is not a project's .sbx.json", "saying so");
	is_int(sbx_project_file_read(&f, "/nonexistent-dir/.sbx.json"), -1,
	       "a directory that does not exist");
	free(file);
}

int main(void)
{
	char *cfg;

	scratch_init();
	main_dir = sbx_path_join(scratch, "main");
	wt_dir = sbx_path_join(scratch, "wt");
	state = sbx_path_join(scratch, "state");
	sh("mkdir main wt cfg");
	setenv("XDG_STATE_HOME", state, 1);
	cfg = sbx_path_join(scratch, "cfg");
	setenv("XDG_CONFIG_HOME", cfg, 1);
	free(cfg);
	unsetenv("SBX_TRUST_UNTRUSTED");
	test_sha256();
	test_record();
	test_untrusted();
	test_worktree();
	test_unsafe_files();
	free(main_dir);
	free(wt_dir);
	free(state);
	scratch_done();
	return done_testing();
}
