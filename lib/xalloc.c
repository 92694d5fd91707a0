#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *check(void *p)
{
	if (!p) {
		fputs("sbx: out of memory\n", stderr);
		exit(125);
	}
	return p;
}

void *sbx_malloc(size_t n)
{
	return check(malloc(n ? n : 1));
}

void *sbx_calloc(size_t nmemb, size_t size)
{
	return check(calloc(nmemb ? nmemb : 1, size ? size : 1));
}

void *sbx_realloc(void *p, size_t n)
{
	return check(realloc(p, n ? n : 1));
}

char *sbx_strdup(const char *s)
{
	return check(strdup(s));
}

char *sbx_strndup(const char *s, size_t n)
{
	return check(strndup(s, n));
}

char *sbx_vasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	char *s;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		n = 0;
	s = sbx_malloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *sbx_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = sbx_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}
