#include "strvec.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdlib.h>

char *sbx_strvec_empty[] = { NULL };

void sbx_strvec_init(struct sbx_strvec *sv)
{
	sv->v = sbx_strvec_empty;
	sv->nr = sv->alloc = 0;
}

void sbx_strvec_push_nodup(struct sbx_strvec *sv, char *s)
{
	if (sv->v == sbx_strvec_empty)
		sv->v = NULL;
	SBX_ALLOC_GROW(sv->v, sv->nr + 2, sv->alloc);
	sv->v[sv->nr++] = s;
	sv->v[sv->nr] = NULL;
}

void sbx_strvec_push(struct sbx_strvec *sv, const char *s)
{
	sbx_strvec_push_nodup(sv, sbx_strdup(s));
}

void sbx_strvec_pushf(struct sbx_strvec *sv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbx_strvec_push_nodup(sv, sbx_vasprintf(fmt, ap));
	va_end(ap);
}

void sbx_strvec_pushv(struct sbx_strvec *sv, const char *const *v)
{
	for (; *v; v++)
		sbx_strvec_push(sv, *v);
}

void sbx_strvec_clear(struct sbx_strvec *sv)
{
	for (size_t i = 0; i < sv->nr; i++)
		free(sv->v[i]);
	if (sv->v != sbx_strvec_empty)
		free(sv->v);
	sbx_strvec_init(sv);
}
