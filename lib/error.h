#ifndef SBX_ERROR_H
#define SBX_ERROR_H

/*
 * lib/ never exits and never prints errors: a failing function records one
 * message here and returns a negative value; cmd/ prints it once, prefixed
 * with the command ("sbx run: cannot start vm 'x': reason").
 * Messages are lowercase, without a full stop, the subject in quotes.
 */

#define SBX_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Records a message (replacing any earlier one) and returns -1. */
int sbx_error(const char *fmt, ...) SBX_PRINTF(1, 2);
/* The same with ": strerror(errno)" appended; errno is preserved. */
int sbx_error_errno(const char *fmt, ...) SBX_PRINTF(1, 2);
/* The last recorded message, or "unknown error"; borrowed. */
const char *sbx_last_error(void);
void sbx_clear_error(void);

/* Prints "sbx: warning: ..." on stderr; for things that do not stop the work. */
void sbx_warn(const char *fmt, ...) SBX_PRINTF(1, 2);

#endif
