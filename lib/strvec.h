#ifndef SBX_STRVEC_H
#define SBX_STRVEC_H

#include <stddef.h>

#include "error.h"

/*
 * A NULL-terminated vector of owned strings, ready to be an argv or envp.
 * Invariant: v is never NULL (an empty vector points at a static NULL).
 */
struct sbx_strvec {
	char **v;
	size_t nr;
	size_t alloc;
};

extern char *sbx_strvec_empty[];
#define SBX_STRVEC_INIT { sbx_strvec_empty, 0, 0 }

void sbx_strvec_init(struct sbx_strvec *sv);
void sbx_strvec_push(struct sbx_strvec *sv, const char *s);
void sbx_strvec_pushf(struct sbx_strvec *sv, const char *fmt, ...) SBX_PRINTF(2, 3);
void sbx_strvec_pushv(struct sbx_strvec *sv, const char *const *v);
/* Takes ownership of s. */
void sbx_strvec_push_nodup(struct sbx_strvec *sv, char *s);
void sbx_strvec_clear(struct sbx_strvec *sv);

#endif
