#ifndef SBX_TERM_H
#define SBX_TERM_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

/*
 * Output conventions every command follows.
 *
 * Verbosity: one level for the whole process, from the global -q/--quiet and
 * -v/--verbose (before the command or among its options): -1 quiet (no
 * progress, no notes on stderr; errors and results only), 0 normal, 1 and
 * more verbose (the backends' logs streamed to stderr).
 *
 * Colour: only on a terminal, never when NO_COLOR is set to anything
 * non-empty (no-color.org) or TERM is "dumb".
 */
void sbx_set_verbosity(int level);
int sbx_verbosity(void);

enum sbx_color {
	SBX_COLOR_RESET,
	SBX_COLOR_GREEN,
	SBX_COLOR_YELLOW,
	SBX_COLOR_RED,
	SBX_COLOR_BOLD,
	SBX_COLOR_DIM,
	SBX_COLOR_CYAN,
};

/* A note on stderr ("sbx: building ..."), unless quiet (-q). */
void sbx_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Does output to this stream get colour? */
int sbx_color_enabled(FILE *f);
/* The escape sequence for c on f, or "" when f gets no colour. */
const char *sbx_color(FILE *f, enum sbx_color c);
/* Prints text in colour c, then spaces up to width (escapes take no room). */
void sbx_print_colored(FILE *f, enum sbx_color c, const char *text, int width);

/*
 * Text a sandbox wrote (a commit's subject, a line of a file) made unable to
 * steer a terminal, appended to out: C0 controls but tab and newline as ^X,
 * DEL as ^?, C1 controls and the bidirectional marks, embeddings, overrides
 * and isolates as <U+XXXX> (so a line they would reorder shows as it is),
 * bytes that are not UTF-8 as \xNN.
 */
void sbx_term_visible(struct sbx_buf *out, const char *s, size_t len);

#endif
