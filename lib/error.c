#include "error.h"
#include "xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *last_error;

static void record(char *msg)
{
	free(last_error);
	last_error = msg;
}

int sbx_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(sbx_vasprintf(fmt, ap));
	va_end(ap);
	return -1;
}

int sbx_error_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = sbx_vasprintf(fmt, ap);
	va_end(ap);
	record(sbx_asprintf("%s: %s", msg, strerror(saved)));
	free(msg);
	errno = saved;
	return -1;
}

const char *sbx_last_error(void)
{
	return last_error ? last_error : "unknown error";
}

void sbx_clear_error(void)
{
	record(NULL);
}

void sbx_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("sbx: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
