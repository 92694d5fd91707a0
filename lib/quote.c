#include "quote.h"

#include <string.h>

void sbx_sq_quote(struct sbx_buf *dst, const char *word)
{
	sbx_buf_addch(dst, '\'');
	while (*word) {
		size_t run = strcspn(word, "'");

		sbx_buf_add(dst, word, run);
		word += run;
		if (*word == '\'') {
			sbx_buf_adds(dst, "'\\''");
			word++;
		}
	}
	sbx_buf_addch(dst, '\'');
}

void sbx_sq_quote_argv(struct sbx_buf *dst, const char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			sbx_buf_addch(dst, ' ');
		sbx_sq_quote(dst, argv[i]);
	}
}
