/* Text in columns (columns.h). */
#include "columns.h"
#include "buf.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

void sbx_columns_init(struct sbx_columns *t, size_t nr_cols)
{
	t->nr_cols = nr_cols;
	sbx_strvec_init(&t->cells);
	t->colors = NULL;
	t->alloc_colors = 0;
}

/*
 * A cell is one line that cannot steer the terminal: a project's path or a
 * sandbox's name may hold any byte (sbx_term_visible), and a newline or a
 * tab would break the table (^J, ^I).
 */
void sbx_columns_add(struct sbx_columns *t, const char *cell, enum sbx_color color)
{
	struct sbx_buf visible = SBX_BUF_INIT, line = SBX_BUF_INIT;

	if (!cell || !*cell)
		cell = "-";
	sbx_term_visible(&visible, cell, strlen(cell));
	for (size_t i = 0; i < visible.len; i++) {
		if (visible.buf[i] == '\n' || visible.buf[i] == '\t')
			sbx_buf_addf(&line, "^%c", visible.buf[i] + '@');
		else
			sbx_buf_addch(&line, visible.buf[i]);
	}
	SBX_ALLOC_GROW(t->colors, t->cells.nr + 1, t->alloc_colors);
	t->colors[t->cells.nr] = color;
	sbx_strvec_push(&t->cells, line.len ? line.buf : "");
	sbx_buf_release(&visible);
	sbx_buf_release(&line);
}

/* Characters, not bytes: a UTF-8 continuation byte adds none. */
static size_t width_of(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void sbx_columns_print(const struct sbx_columns *t, FILE *f)
{
	size_t *widths = sbx_calloc(t->nr_cols, sizeof(*widths));

	for (size_t i = 0; i < t->cells.nr; i++)
		if (width_of(t->cells.v[i]) > widths[i % t->nr_cols])
			widths[i % t->nr_cols] = width_of(t->cells.v[i]);
	for (size_t i = 0; i < t->cells.nr; i++) {
		size_t col = i % t->nr_cols;
		int last = col == t->nr_cols - 1 || i == t->cells.nr - 1;

		if (t->colors[i] == SBX_COLOR_RESET)
			fputs(t->cells.v[i], f);
		else
			sbx_print_colored(f, t->colors[i], t->cells.v[i], 0);
		for (size_t w = width_of(t->cells.v[i]); !last && w <= widths[col]; w++)
			fputc(' ', f);
		if (last)
			fputc('\n', f);
	}
	free(widths);
}

void sbx_columns_release(struct sbx_columns *t)
{
	sbx_strvec_clear(&t->cells);
	free(t->colors);
	t->colors = NULL;
	t->alloc_colors = 0;
}
