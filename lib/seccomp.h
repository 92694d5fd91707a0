#ifndef SBX_SECCOMP_H
#define SBX_SECCOMP_H

#include "buf.h"

/*
 * The seccomp filter of every process sbx starts in a bwrap sandbox (the
 * sandbox itself, through bwrap --seccomp, and every client that enters one,
 * nsenter.h). It refuses with EPERM the two ioctls that make a terminal read
 * input nobody typed: TIOCSTI (push a byte into the input queue) and
 * TIOCLINUX (its subcode 2 pastes the console selection). So the agent keeps
 * the user's terminal as its controlling terminal (resizes reach it, Ctrl-C
 * and Ctrl-Z work as on the host) without being able to type into the host
 * shell that reads it after the run. Everything else is allowed.
 *
 * As Flatpak's since CVE-2019-10063, the rules compare only the low 32 bits
 * of the request (the kernel does: a request with bits set above them is
 * still TIOCSTI). They hold for every ABI the kernel runs beside the native
 * one (x86_64: i386 and x32; aarch64: arm); a syscall of any other ABI kills
 * the process.
 *
 * Fills prog with the BPF program (an array of struct sock_filter, as bwrap
 * --seccomp reads it). Returns 0, or -1 with a message (no libseccomp, or
 * not Linux).
 */
int sbx_seccomp_program(struct sbx_buf *prog);

/*
 * Installs prog in the calling process, after setting no_new_privs. Only
 * async-signal-safe calls: for a forked child before exec. Returns 0 or -1
 * with errno set.
 */
int sbx_seccomp_install(const struct sbx_buf *prog);

#endif
