#ifndef SBX_COLUMNS_H
#define SBX_COLUMNS_H

#include <stdio.h>

#include "strvec.h"
#include "term.h"

/*
 * A table of text in columns, each as wide as its widest cell (in
 * characters: cells are UTF-8), the last one not padded; a cell may have a
 * colour (only on a terminal: term.h). `sbx ls` and `sbx ls --watch`.
 */
struct sbx_columns {
	size_t nr_cols;
	struct sbx_strvec cells;	/* row after row */
	enum sbx_color *colors;
	size_t alloc_colors;
};

void sbx_columns_init(struct sbx_columns *t, size_t nr_cols);
/* The next cell ("-" for NULL or ""), rows filled left to right. */
void sbx_columns_add(struct sbx_columns *t, const char *cell, enum sbx_color color);
void sbx_columns_print(const struct sbx_columns *t, FILE *f);
void sbx_columns_release(struct sbx_columns *t);

#endif
