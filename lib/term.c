/* Verbosity and colour: the output conventions of term.h. */
#include "term.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int verbosity;

void sbx_set_verbosity(int level)
{
	verbosity = level;
}

int sbx_verbosity(void)
{
	return verbosity;
}

void sbx_note(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 0)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

int sbx_color_enabled(FILE *f)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (no && *no)
		return 0;
	if (!term || !*term || !strcmp(term, "dumb"))
		return 0;
	return isatty(fileno(f));
}

const char *sbx_color(FILE *f, enum sbx_color c)
{
	static const char *const codes[] = {
		[SBX_COLOR_RESET] = "\033[m",
		[SBX_COLOR_GREEN] = "\033[32m",
		[SBX_COLOR_YELLOW] = "\033[33m",
		[SBX_COLOR_RED] = "\033[31m",
		[SBX_COLOR_BOLD] = "\033[1m",
		[SBX_COLOR_DIM] = "\033[2m",
		[SBX_COLOR_CYAN] = "\033[36m",
	};

	return sbx_color_enabled(f) ? codes[c] : "";
}

void sbx_print_colored(FILE *f, enum sbx_color c, const char *text, int width)
{
	int len = (int)strlen(text);

	fprintf(f, "%s%s%s", sbx_color(f, c), text, sbx_color(f, SBX_COLOR_RESET));
	for (; len < width; len++)
		fputc(' ', f);
}

void sbx_term_visible(struct sbx_buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	while (len) {
		unsigned cp = 0;
		size_t n = sbx_utf8_char(p, len, &cp);

		if (*p == '\t' || *p == '\n' || (*p >= 0x20 && *p < 0x7f))
			sbx_buf_addch(out, (char)*p);
		else if (*p < 0x20 || *p == 0x7f)
			sbx_buf_addf(out, "^%c", *p == 0x7f ? '?' : *p + '@');
		else if (!n)
			sbx_buf_addf(out, "\\x%02x", *p);
		else if (cp <= 0x9f || sbx_unicode_bidi_control(cp))
			sbx_buf_addf(out, "<U+%04X>", cp);
		else
			sbx_buf_add(out, p, n);
		n = n ? n : 1;
		p += n;
		len -= n;
	}
}
