/* The line splitter of the notification server (lines.h): every way of cutting a stream. */
#include "tap.h"

#include "lines.h"
#include "xalloc.h"

struct got {
	struct sbx_buf text;	/* lines, each followed by '|'; "#" for one too long */
};

static void on_line(void *data, const char *line, size_t len)
{
	struct got *g = data;

	sbx_buf_add(&g->text, line, len);
	sbx_buf_addch(&g->text, '|');
}

static void on_oversized(void *data)
{
	sbx_buf_addch(&((struct got *)data)->text, '#');
}

static const struct sbx_lines_ops ops = { on_line, on_oversized };

/* Splits s with a limit of max, in pieces of `piece` bytes; returns what was seen. */
static char *split(const char *s, size_t max, size_t piece)
{
	struct got g = { SBX_BUF_INIT };
	struct sbx_lines l;
	size_t n = strlen(s);

	sbx_lines_init(&l, max);
	for (size_t off = 0; off < n; off += piece)
		sbx_lines_feed(&l, s + off, n - off < piece ? n - off : piece, &ops, &g);
	sbx_lines_end(&l, &ops, &g);
	ok(l.part.len == 0 && !l.skipping, "released at the end");
	return sbx_buf_detach(&g.text);
}

static void check(const char *s, size_t max, const char *want, const char *what)
{
	/* The same result however the stream is cut. */
	for (size_t piece = 1; piece <= strlen(s) + 1; piece++) {
		char *got = split(s, max, piece);

		if (strcmp(got, want)) {
			is_str(got, want, "%s (pieces of %zu)", what, piece);
			free(got);
			return;
		}
		free(got);
	}
	ok(1, "%s, in pieces of every size", what);
}

int main(void)
{
	check("a\nbc\n\nd\n", 8, "a|bc||d|", "lines, an empty one too");
	check("a\nlast", 8, "a|last|", "a last line without its newline");
	check("1234567\n", 8, "1234567|", "a line of max bytes with its newline");
	check("12345678\n", 8, "#", "one byte more is too long");
	check("12345678\nok\n", 8, "#ok|", "and the next line is read");
	check("123456789012345678901234567890\nok\n", 8, "#ok|",
	      "a line many times too long is skipped in one go");
	check("x\n123456789012\n1234567\n", 8, "x|#1234567|", "between two good lines");
	check("12345678", 8, "#", "too long and never ended");
	check("1234567", 8, "1234567|", "at the limit and never ended");
	check("\n\n", 1, "||", "empty lines with the smallest limit");
	return done_testing();
}
