#ifndef SBX_LINES_H
#define SBX_LINES_H

#include <stddef.h>

#include "buf.h"

/*
 * Newline-delimited records from a byte stream that arrives in pieces of any
 * size (the notification server's clients). A line longer than max bytes
 * (its newline included) is reported once and skipped up to its newline;
 * nothing of it is kept, so a huge line costs no memory. The start of an
 * unfinished line is kept between pieces.
 */
struct sbx_lines {
	struct sbx_buf part;	/* the start of the line being read */
	size_t max;
	unsigned skipping : 1;	/* inside a line found too long, up to its newline */
};

struct sbx_lines_ops {
	/* A whole line, without its newline; borrowed for the call. */
	void (*line)(void *data, const char *line, size_t len);
	/* A line longer than max, once per line. */
	void (*oversized)(void *data);
};

void sbx_lines_init(struct sbx_lines *l, size_t max);
void sbx_lines_release(struct sbx_lines *l);
/* Feeds n bytes; calls ops for every line they complete. */
void sbx_lines_feed(struct sbx_lines *l, const char *data, size_t n,
		    const struct sbx_lines_ops *ops, void *cb_data);
/* The end of the stream: a last line without its newline still counts. */
void sbx_lines_end(struct sbx_lines *l, const struct sbx_lines_ops *ops, void *cb_data);

#endif
