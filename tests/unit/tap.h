/*
 * A minimal TAP producer for the C unit tests, read by prove(1).
 * Each test program includes this once; every check prints one "ok N" or
 * "not ok N" line, and done_testing() prints the plan and sets the exit code.
 */
#ifndef SBX_TAP_H
#define SBX_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_run, tap_failed;

__attribute__((format(printf, 2, 3)))
static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

__attribute__((format(printf, 1, 2)))
static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

#define is_int(got, want, ...) do { \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (!ok(g_ == w_, __VA_ARGS__)) \
			diag("got %lld, want %lld", g_, w_); \
	} while (0)

#define is_str(got, want, ...) do { \
		const char *g_ = (got), *w_ = (want); \
		int same_ = (g_ && w_) ? !strcmp(g_, w_) : g_ == w_; \
		if (!ok(same_, __VA_ARGS__)) \
			diag("got '%s', want '%s'", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

/* Passes when s contains needle. */
#define like(s, needle, ...) do { \
		const char *s_ = (s), *n_ = (needle); \
		if (!ok(s_ && strstr(s_, n_) != NULL, __VA_ARGS__)) \
			diag("'%s' does not contain '%s'", s_ ? s_ : "(null)", n_); \
	} while (0)

static int done_testing(void)
{
	printf("1..%d\n", tap_run);
	return tap_failed ? 1 : 0;
}

#endif
