/* The seccomp filter of sandboxes and their clients (seccomp.h). */
#include "seccomp.h"
#include "error.h"

#include <errno.h>

#ifdef __linux__
#include <linux/filter.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The ABIs besides the native one that a process here can make syscalls through. */
static const unsigned int other_arches[] = {
#if defined(__x86_64__)
	SCMP_ARCH_X86, SCMP_ARCH_X32,
#elif defined(__aarch64__)
	SCMP_ARCH_ARM,
#endif
	0,
};

static const unsigned long refused[] = { TIOCSTI, TIOCLINUX };

static int build(scmp_filter_ctx ctx)
{
	int rc;

	/* A syscall of an ABI the filter does not know is a way around it: kill. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; !rc && other_arches[i]; i++) {
		rc = seccomp_arch_add(ctx, other_arches[i]);
		if (rc == -EEXIST)
			rc = 0;
	}
	for (size_t i = 0; !rc && i < sizeof(refused) / sizeof(refused[0]); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, refused[i]));
	return rc;
}

int sbx_seccomp_program(struct sbx_buf *prog)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int fd = -1, rc;

	if (!ctx)
		return sbx_error("cannot make the sandbox's seccomp filter (libseccomp)");
	rc = build(ctx);
	if (rc) {
		errno = -rc;
		sbx_error_errno("cannot make the sandbox's seccomp filter");
		goto out;
	}
	/* libseccomp writes the program to a descriptor only: a memory file. */
	fd = memfd_create("seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		rc = sbx_error_errno("cannot make the sandbox's seccomp filter");
		goto out;
	}
	rc = seccomp_export_bpf(ctx, fd);
	if (rc || lseek(fd, 0, SEEK_SET)) {
		errno = rc ? -rc : errno;
		rc = sbx_error_errno("cannot write the sandbox's seccomp filter");
		goto out;
	}
	sbx_buf_reset(prog);
	rc = sbx_buf_read_fd(prog, fd);
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc ? -1 : 0;
}

int sbx_seccomp_install(const struct sbx_buf *prog)
{
	struct sock_fprog fprog;

	fprog.len = (unsigned short)(prog->len / sizeof(struct sock_filter));
	fprog.filter = (struct sock_filter *)(void *)prog->buf;
	if (!fprog.len) {
		errno = EINVAL;
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog);
}
#else
int sbx_seccomp_program(struct sbx_buf *prog)
{
	(void)prog;
	return sbx_error("seccomp needs Linux");
}

int sbx_seccomp_install(const struct sbx_buf *prog)
{
	(void)prog;
	errno = ENOSYS;
	return -1;
}
#endif
