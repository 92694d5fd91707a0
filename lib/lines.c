#include "lines.h"

#include <string.h>

void sbx_lines_init(struct sbx_lines *l, size_t max)
{
	sbx_buf_init(&l->part);
	l->max = max;
	l->skipping = 0;
}

void sbx_lines_release(struct sbx_lines *l)
{
	sbx_buf_release(&l->part);
	l->skipping = 0;
}

static void too_long(struct sbx_lines *l, const struct sbx_lines_ops *ops, void *cb_data)
{
	ops->oversized(cb_data);
	/* Released, not reset: a line near the limit must not keep its memory. */
	sbx_buf_release(&l->part);
}

void sbx_lines_feed(struct sbx_lines *l, const char *data, size_t n,
		    const struct sbx_lines_ops *ops, void *cb_data)
{
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t seg = nl ? (size_t)(nl - data) : n;

		if (l->skipping) {
			l->skipping = !nl;
		} else if (l->part.len + seg + 1 > l->max) {
			/* Too long, whether its newline is here or still to come. */
			too_long(l, ops, cb_data);
			l->skipping = !nl;
		} else if (!nl) {
			sbx_buf_add(&l->part, data, seg);
		} else if (l->part.len) {
			sbx_buf_add(&l->part, data, seg);
			ops->line(cb_data, l->part.buf, l->part.len);
			sbx_buf_reset(&l->part);
		} else {
			/* The common case: a whole line in one piece, never copied. */
			ops->line(cb_data, data, seg);
		}
		if (!nl)
			break;
		data += seg + 1;
		n -= seg + 1;
	}
}

void sbx_lines_end(struct sbx_lines *l, const struct sbx_lines_ops *ops, void *cb_data)
{
	if (l->part.len && !l->skipping)
		ops->line(cb_data, l->part.buf, l->part.len);
	sbx_lines_release(l);
}
