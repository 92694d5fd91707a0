#include "base64.h"

#include <string.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void sbx_base64_encode(struct sbx_buf *out, const void *data, size_t len, int wrap)
{
	const unsigned char *p = data;
	size_t col = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;
		char q[4];

		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		q[0] = alphabet[(v >> 18) & 63];
		q[1] = alphabet[(v >> 12) & 63];
		q[2] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? alphabet[v & 63] : '=';
		sbx_buf_add(out, q, 4);
		col += 4;
		if (wrap && col >= 76) {
			sbx_buf_addch(out, '\n');
			col = 0;
		}
	}
	if (wrap && col)
		sbx_buf_addch(out, '\n');
}

int sbx_base64_decode(struct sbx_buf *out, const char *text, size_t len)
{
	unsigned long v = 0;
	int n = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		const char *c;

		if (strchr(" \t\r\n", text[i]) && text[i])
			continue;
		if (text[i] == '=') {
			pad++;
			continue;
		}
		c = text[i] ? strchr(alphabet, text[i]) : NULL;
		if (!c || pad)
			return -1;
		v = v << 6 | (unsigned long)(c - alphabet);
		if (++n == 4) {
			char b[3] = { (char)(v >> 16), (char)(v >> 8), (char)v };

			sbx_buf_add(out, b, 3);
			n = 0;
			v = 0;
		}
	}
	if (n == 1 || (n && n + pad != 4) || (!n && pad))
		return -1;
	if (n == 2) {
		sbx_buf_addch(out, (char)(v >> 4));
	} else if (n == 3) {
		char b[2] = { (char)(v >> 10), (char)(v >> 2) };

		sbx_buf_add(out, b, 2);
	}
	return 0;
}
