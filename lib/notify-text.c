/*
 * The text of a notification (notify.h). It comes from a sandbox and ends
 * up on the desktop and on a terminal (OSC 9), so nothing in it may steer
 * either: no C0 or C1 control (a C1 CSI, U+009B, is an escape sequence to
 * many terminals), no DEL, no bidirectional override or isolate (which
 * reorders what the user reads), and only valid UTF-8.
 */
#include "notify.h"

#include <string.h>

/*
 * The length of the valid UTF-8 sequence at s (of n bytes) with its code
 * point in *cp, or 0 when the bytes are not one.
 */
static size_t utf8_char(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		*cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		*cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		*cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF. */
	if ((len == 3 && *cp < 0x800) || (len == 4 && (*cp < 0x10000 || *cp > 0x10ffff)) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

enum text_class { TEXT_KEEP, TEXT_SPACE, TEXT_DROP };

static enum text_class classify(unsigned cp)
{
	/* Controls (C0, DEL, C1) separate words, as do the line and paragraph separators. */
	if (cp <= 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
		return TEXT_SPACE;
	/* Bidirectional marks, embeddings, overrides and isolates: invisible, so gone. */
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
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
		size_t len = utf8_char(p, n, &cp);
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
