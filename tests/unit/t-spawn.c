/* The one spawn helper: exit codes, signals, environment, descriptors. */
#include "tap.h"

#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

static int run_sh(const char *script, struct sbx_buf *out)
{
	struct sbx_child c = SBX_CHILD_INIT;
	int code;

	sbx_strvec_pushv(&c.args, (const char *[]){ "sh", "-c", script, NULL });
	code = out ? sbx_child_capture(&c, out, NULL) : sbx_child_run(&c);
	sbx_child_release(&c);
	return code;
}

static void test_status(void)
{
	struct sbx_child c = SBX_CHILD_INIT;

	is_int(run_sh("exit 0", NULL), 0, "exit 0 is 0");
	is_int(run_sh("exit 42", NULL), 42, "an exit code passes through");
	is_int(run_sh("kill -TERM $$", NULL), 128 + SIGTERM, "death by SIGTERM is 128+15");
	is_int(run_sh("kill -KILL $$", NULL), 128 + SIGKILL, "death by SIGKILL is 128+9");
	sbx_strvec_push(&c.args, "sbx-no-such-program-anywhere");
	is_int(sbx_child_run(&c), 127, "a missing program is 127");
	like(sbx_last_error(), "command not found", "with a message naming why");
	sbx_child_release(&c);
}

static void test_not_executable(void)
{
	char path[] = "/tmp/sbx-spawn.XXXXXX";
	int fd = mkstemp(path);
	struct sbx_child c = SBX_CHILD_INIT;

	if (write(fd, "#!/bin/sh\n", 10) != 10)
		abort();
	close(fd);
	chmod(path, 0644);
	sbx_strvec_push(&c.args, path);
	/* root may execute a file without x bits only if some x bit is set: none is. */
	is_int(sbx_child_run(&c), 126, "a file that cannot be executed is 126");
	sbx_child_release(&c);
	unlink(path);
}

static void test_env(void)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_buf out = SBX_BUF_INIT;

	setenv("SBX_T_KEEP", "kept", 1);
	setenv("SBX_T_GONE", "gone", 1);
	sbx_strvec_pushv(&c.args, (const char *[]){ "sh", "-c",
		"echo \"${SBX_T_KEEP-unset} ${SBX_T_GONE-unset} ${SBX_T_NEW-unset}\"", NULL });
	sbx_strvec_push(&c.env, "SBX_T_GONE");
	sbx_strvec_push(&c.env, "SBX_T_NEW=new value");
	sbx_child_capture(&c, &out, NULL);
	is_str(out.buf, "kept unset new value\n", "env entries set and unset on top of ours");
	sbx_buf_reset(&out);
	c.clean_env = 1;
	sbx_child_capture(&c, &out, NULL);
	is_str(out.buf, "unset unset new value\n", "clean_env passes only the listed entries");
	sbx_buf_release(&out);
	sbx_child_release(&c);
}

static void test_fds_and_dir(void)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_buf out = SBX_BUF_INIT, err = SBX_BUF_INIT;
	int leak = open("/dev/null", O_RDONLY); /* not O_CLOEXEC: must still not leak */
	char script[128];

	snprintf(script, sizeof(script), "pwd; [ -e /proc/self/fd/%d ] && echo leaked; echo e >&2", leak);
	sbx_strvec_pushv(&c.args, (const char *[]){ "sh", "-c", script, NULL });
	c.dir = "/";
	is_int(sbx_child_capture(&c, &out, &err), 0, "capture of stdout and stderr");
	is_str(out.buf, "/\n", "the child runs in dir and inherits no descriptor above 2");
	is_str(err.buf, "e\n", "stderr is captured apart");
	sbx_buf_reset(&out);
	c.pass_fds[c.nr_pass_fds++] = leak;
	snprintf(script, sizeof(script), "[ -e /proc/self/fd/%d ] && echo passed", leak);
	sbx_strvec_clear(&c.args);
	sbx_strvec_pushv(&c.args, (const char *[]){ "sh", "-c", script, NULL });
	sbx_child_capture(&c, &out, NULL);
	is_str(out.buf, "passed\n", "a descriptor in pass_fds keeps its number");
	close(leak);
	sbx_buf_release(&out);
	sbx_buf_release(&err);
	sbx_child_release(&c);
}

static void test_forward(void)
{
	struct sbx_child c = SBX_CHILD_INIT;
	int code;

	/* The child traps TERM and exits 3: forwarded, the parent sees 3 and the signal. */
	sbx_strvec_pushv(&c.args, (const char *[]){ "sh", "-c",
		"trap 'exit 3' TERM; kill -TERM $PPID; i=0; while [ $i -lt 500 ]; do i=$((i+1)); sleep 0.01; done; exit 9",
		NULL });
	c.forward_signals = 1;
	code = sbx_child_run(&c);
	is_int(code, 3, "SIGTERM sent to sbx is forwarded to the child");
	is_int(c.signal_received, SIGTERM, "and remembered for the caller to clean up");
	sbx_child_release(&c);

	sbx_strvec_pushv(&c.args, (const char *[]){ "sh", "-c",
		"trap 'exit 4' INT; kill -INT $PPID; i=0; while [ $i -lt 500 ]; do i=$((i+1)); sleep 0.01; done; exit 9",
		NULL });
	c.forward_signals = 1;
	is_int(sbx_child_run(&c), 4, "SIGINT sent to sbx alone (not from a terminal) is forwarded");
	is_int(c.signal_received, SIGINT, "and remembered");
	sbx_child_release(&c);
}

int main(void)
{
	test_status();
	if (geteuid() == 0 || access("/bin/sh", X_OK) == 0)
		test_not_executable();
	test_env();
	test_fds_and_dir();
	test_forward();
	return done_testing();
}
