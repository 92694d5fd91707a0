/*
 * libFuzzer harness for what a sandbox sends sbx's proxy (net-http.h):
 * whatever the bytes, the parser never crashes, reads past them or leaks;
 * a head it accepts has a normalized host, a port, and (for a plain
 * request) a path and header lines with nothing in them that could start
 * another line; the answer is the same however the bytes arrived (a prefix
 * of an accepted head only ever asks for more); and a body's end is the same
 * however it is cut.
 */
#include "net-http.h"
#include "net-policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const struct sbx_http_request *r)
{
	char again[SBX_NET_NAME_MAX];

	if (r->port < 1 || r->port > 65535)
		abort();
	/* The host is a fixed point of normalizing. */
	if (sbx_net_normalize_host(r->host, strlen(r->host), again) < 0 || strcmp(again, r->host))
		abort();
	if (r->connect)
		return;
	if (!r->path || r->path[0] != '/' || !r->authority)
		abort();
	for (const char *p = r->path; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			abort();
	/* Every header line ends in CRLF, and neither byte appears inside one. */
	for (size_t i = 0; i < r->headers.len; i++) {
		char c = r->headers.buf[i];

		if (c == '\r' && (i + 1 >= r->headers.len || r->headers.buf[i + 1] != '\n'))
			abort();
		if (c == '\n' && (i == 0 || r->headers.buf[i - 1] != '\r'))
			abort();
		if (!c)
			abort();
	}
	if (r->headers.len && (r->headers.len < 2 || r->headers.buf[r->headers.len - 1] != '\n'))
		abort();
}

static void check_body(const uint8_t *data, size_t size, const struct sbx_http_request *r)
{
	struct sbx_http_body whole, cut;
	long n = -2, total = 0;
	size_t piece = size ? 1 + data[size - 1] % 13 : 1;

	sbx_http_body_init(&whole, r);
	n = sbx_http_body_feed(&whole, (const char *)data, size);
	sbx_http_body_init(&cut, r);
	for (size_t off = 0; off < size && !cut.done; off += piece) {
		size_t len = size - off < piece ? size - off : piece;
		long got = sbx_http_body_feed(&cut, (const char *)data + off, len);

		if (got < 0) {
			total = -1;
			break;
		}
		total += got;
		if ((size_t)got < len && !cut.done)
			abort();
	}
	if (n >= 0 && total >= 0 && (n != total || whole.done != cut.done))
		abort();
	if ((n < 0) != (total < 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_http_request r, p;
	size_t head = 0, h2;
	int ret;

	if (size > 64 * 1024)
		return 0;
	sbx_http_request_init(&r);
	ret = sbx_http_parse_request((const char *)data, size, &r, &head);
	if (ret == 0) {
		if (head > size || head > SBX_HTTP_HEAD_MAX)
			abort();
		check_request(&r);
		/* Every shorter prefix of an accepted head only asks for more. */
		for (size_t len = 0; len < head; len += 1 + len / 8) {
			sbx_http_request_init(&p);
			if (sbx_http_parse_request((const char *)data, len, &p, &h2) != 1)
				abort();
			sbx_http_request_release(&p);
		}
		if (!r.connect)
			check_body(data + head, size - head, &r);
	} else if (ret < 0) {
		if (!r.error || (r.status != 400 && r.status != 431 && r.status != 501 &&
				 r.status != 505))
			abort();
	}
	sbx_http_request_release(&r);
	/* The body parser on its own, chunked, over any bytes. */
	sbx_http_request_init(&r);
	r.chunked = 1;
	check_body(data, size, &r);
	sbx_http_request_release(&r);
	return 0;
}
