/* The sandbox's seccomp filter: what it refuses, for which ABIs. */
#include "tap.h"

#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Does the program compare the syscall's ABI (or number) with k anywhere? */
static int compares_with(const struct sbx_buf *prog, unsigned int k)
{
	const struct sock_filter *f = (const void *)prog->buf;

	for (size_t i = 0; i < prog->len / sizeof(*f); i++)
		if (BPF_CLASS(f[i].code) == BPF_JMP && BPF_SRC(f[i].code) == BPF_K && f[i].k == k)
			return 1;
	return 0;
}

/*
 * In a child on a pty of its own (its controlling terminal, where TIOCSTI
 * works when the kernel allows it at all), with the filter when filtered:
 * TIOCSTI with request, and what it gave. 0: typed; else the errno.
 */
static int tiocsti(const struct sbx_buf *prog, unsigned long request)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY), status;
	pid_t pid;

	if (master < 0 || grantpt(master) || unlockpt(master))
		return -1;
	pid = fork();
	if (!pid) {
		int slave;
		char c = 'x';

		setsid();
		slave = open(ptsname(master), O_RDWR);
		if (slave < 0)
			_exit(100);
		if (prog && sbx_seccomp_install(prog))
			_exit(101);
		_exit(ioctl(slave, request, &c) ? errno : 0);
	}
	waitpid(pid, &status, 0);
	close(master);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	struct sbx_buf prog = SBX_BUF_INIT;

	ok(!sbx_seccomp_program(&prog), "the filter is made");
	ok(prog.len && prog.len % sizeof(struct sock_filter) == 0, "a whole BPF program");
#if defined(__x86_64__)
	ok(compares_with(&prog, AUDIT_ARCH_X86_64), "it knows the x86_64 ABI");
	ok(compares_with(&prog, AUDIT_ARCH_I386), "it has rules for the i386 ABI too");
	/* x32 shares x86_64's audit arch: its ioctl is syscall 514 with bit 30 set. */
	ok(compares_with(&prog, 0x40000000 | 514), "it has rules for the x32 ABI's ioctl too");
#endif
	if (tiocsti(NULL, TIOCSTI)) {
		ok(1, "# skip TIOCSTI works on no terminal here (dev.tty.legacy_tiocsti=0?)");
	} else {
		is_int(tiocsti(&prog, TIOCSTI), EPERM, "TIOCSTI is refused with EPERM");
		/* The kernel takes the request as 32 bits: CVE-2019-10063. */
		is_int(tiocsti(NULL, 0x100000000UL | TIOCSTI), 0,
		       "unfiltered, a request with high bits set is TIOCSTI too");
		is_int(tiocsti(&prog, 0x100000000UL | TIOCSTI), EPERM,
		       "filtered, it is refused as well");
		is_int(tiocsti(&prog, TIOCGWINSZ), 0, "another ioctl is allowed");
	}
	sbx_buf_release(&prog);
	return done_testing();
}
