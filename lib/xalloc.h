#ifndef SBX_XALLOC_H
#define SBX_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

/*
 * Allocation never fails for callers: running out of memory is fatal here,
 * in one place, with exit code 125 (sbx itself failed).
 */
void *sbx_malloc(size_t n);
void *sbx_calloc(size_t nmemb, size_t size);
void *sbx_realloc(void *p, size_t n);
char *sbx_strdup(const char *s);
char *sbx_strndup(const char *s, size_t n);
char *sbx_asprintf(const char *fmt, ...) SBX_PRINTF(1, 2);
char *sbx_vasprintf(const char *fmt, va_list ap) SBX_PRINTF(1, 0);

/* Grows *array of *alloc elements to hold at least nr; like git's ALLOC_GROW. */
#define SBX_ALLOC_GROW(array, nr, alloc) do { \
		if ((nr) > (alloc)) { \
			(alloc) = (nr) > (alloc) * 2 ? (nr) : (alloc) * 2; \
			if ((alloc) < 8) (alloc) = 8; \
			(array) = sbx_realloc((array), (alloc) * sizeof(*(array))); \
		} \
	} while (0)

#endif
