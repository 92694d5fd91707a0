/*
 * The text of a notification (notify.h). It comes from a sandbox and ends
 * up on the desktop and on a terminal (OSC 9), so nothing in it may steer
 * either: no C0 or C1 control (a C1 CSI, U+009B, is an escape sequence to
 * many terminals), no DEL, no bidirectional override or isolate (which
 * reorders what the user reads), and only valid UTF-8.
 */
#include "notify.h"
#include "utf8.h"

#include <string.h>

enum text_class { TEXT_KEEP, TEXT_SPACE, TEXT_DROP };

static enum text_class classify(unsigned cp)
{
	/* Controls (C0, DEL, C1) separate words, as do the line and paragraph separators. */
	if (cp <= 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
		return TEXT_SPACE;
	/* Bidirectional marks, embeddings, overrides and isolates: invisible, so gone. */
	if (sbx_unicode_bidi_control(cp))
		return TEXT_DROP;
	return TEXT_KEEP;
}

void sbx_notify_clean_text(struct sbx_buf *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), start = out->len, last_char = out->len;
	int space = 0, cut = 0;

	while (n) {
		unsigned cp = 0;
		size_t len = sbx_utf8_char(p, n, &cp);
		enum text_class class = len ? classify(cp) : TEXT_KEEP;

		if (class != TEXT_KEEP) {
			if (class == TEXT_SPACE)
				space = space || out->len > start;
			p += len;
			n -= len;
			continue;
		}
		if (out->len - start + (space ? 1 : 0) + (len ? len : 1) > max) {
			cut = 1;
			break;
		}
		if (space)
			sbx_buf_addch(out, ' ');
		space = 0;
		if (len) {
			sbx_buf_add(out, p, len);
		} else {
			sbx_buf_addch(out, '?');
			len = 1;
		}
		last_char = out->len;
		p += len;
		n -= len;
	}
	if (cut) {
		/* Room for the ellipsis, cut back at a character boundary. */
		size_t keep = max > 3 ? max - 3 : 0;

		if (keep > last_char - start)
			keep = last_char - start;

		while (keep && ((unsigned char)out->buf[start + keep] & 0xc0) == 0x80)
			keep--;
		sbx_buf_truncate(out, start + keep);
		while (out->len > start && out->buf[out->len - 1] == ' ')
			sbx_buf_truncate(out, out->len - 1);
		sbx_buf_adds(out, "...");
	}
}
