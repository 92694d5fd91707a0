/*
 * HTTP/1.x heads and bodies from a sandbox (net-http.h). Strict: what a
 * well-behaved client never sends (bare LF, folded lines, two lengths,
 * a transfer coding but chunked) is refused rather than guessed at, so that
 * the proxy and the server it talks to never read one request differently.
 */
#include "net-http.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sbx_http_request_init(struct sbx_http_request *r)
{
	memset(r, 0, sizeof(*r));
	sbx_buf_init(&r->headers);
	r->length = -1;
}

void sbx_http_request_release(struct sbx_http_request *r)
{
	free(r->authority);
	free(r->path);
	if (r->proxy_auth)
		memset(r->proxy_auth, 0, strlen(r->proxy_auth));
	free(r->proxy_auth);
	sbx_buf_release(&r->headers);
	sbx_http_request_init(r);
}

static int refuse(struct sbx_http_request *r, int status, const char *why)
{
	r->status = status;
	r->error = why;
	return -1;
}

/* RFC 9110 tchar. */
static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the head: the offset just past CRLF CRLF, or 0. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
			return i + 4;
	return 0;
}

/* host[:port] of an authority; port_needed for CONNECT. 0, or -1. */
static int parse_authority(struct sbx_http_request *r, const char *a, size_t len, int default_port)
{
	const char *colon = NULL;
	size_t hostlen = len;
	int kind;

	if (len && a[0] == '[') {
		const char *close = memchr(a, ']', len);

		if (!close)
			return -1;
		hostlen = (size_t)(close - a) + 1;
		if (hostlen < len) {
			if (a[hostlen] != ':')
				return -1;
			colon = a + hostlen;
		}
	} else {
		for (size_t i = 0; i < len; i++)
			if (a[i] == ':') {
				if (colon)
					return -1;
				colon = a + i;
			}
		if (colon)
			hostlen = (size_t)(colon - a);
	}
	if (colon) {
		const char *p = colon + 1, *end = a + len;
		long port = 0;

		if (p == end || end - p > 5)
			return -1;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535)
			return -1;
		r->port = (int)port;
	} else if (default_port) {
		r->port = default_port;
	} else {
		return -1;
	}
	kind = sbx_net_normalize_host(a, hostlen, r->host);
	if (kind < 0)
		return -1;
	r->is_address = kind == 1;
	return 0;
}

/* The request target of a plain request: http://authority[/path][?query]. */
static int parse_url(struct sbx_http_request *r, const char *t, size_t len)
{
	size_t alen;

	if (len >= 8 && !strncasecmp(t, "https://", 8))
		return refuse(r, 400, "an https:// URL goes through CONNECT, not a plain request");
	if (len < 7 || strncasecmp(t, "http://", 7))
		return refuse(r, 400, "this is sbx's proxy: a plain request names an absolute "
			      "http:// URL");
	t += 7;
	len -= 7;
	alen = 0;
	while (alen < len && t[alen] != '/' && t[alen] != '?')
		alen++;
	if (!alen || memchr(t, '@', alen) || memchr(t, '#', len))
		return refuse(r, 400, "the URL's authority is malformed");
	if (parse_authority(r, t, alen, 80))
		return refuse(r, 400, "the URL's host or port is malformed");
	r->authority = sbx_strndup(t, alen);
	if (alen == len)
		r->path = sbx_strdup("/");
	else if (t[alen] == '?')
		r->path = sbx_asprintf("/%.*s", (int)(len - alen), t + alen);
	else
		r->path = sbx_strndup(t + alen, len - alen);
	return 0;
}

static int header_is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && !strncasecmp(name, want, nlen);
}

/* Is the header one Connection named (a comma-separated list of tokens)? */
static int listed(const char *list, size_t llen, const char *name, size_t nlen)
{
	size_t i = 0;

	while (i < llen) {
		size_t start, end;

		while (i < llen && (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
			i++;
		start = i;
		while (i < llen && list[i] != ',')
			i++;
		end = i;
		while (end > start && (list[end - 1] == ' ' || list[end - 1] == '\t'))
			end--;
		if (end - start == nlen && !strncasecmp(list + start, name, nlen))
			return 1;
	}
	return 0;
}

static int is_hop_by_hop(const char *name, size_t nlen)
{
	static const char *const hop[] = { "host", "proxy-authorization", "proxy-connection",
		"connection", "keep-alive", "upgrade", "te", "trailer", "proxy-authenticate", NULL };

	for (size_t i = 0; hop[i]; i++)
		if (header_is(name, nlen, hop[i]))
			return 1;
	return 0;
}

struct line {
	const char *name, *value;
	size_t nlen, vlen;
};

/* Splits one header line (without CRLF); -1 when malformed. */
static int split_header(const char *p, size_t len, struct line *l)
{
	const char *colon = memchr(p, ':', len);
	size_t i;

	if (!colon || colon == p)
		return -1;
	l->name = p;
	l->nlen = (size_t)(colon - p);
	for (i = 0; i < l->nlen; i++)
		if (!is_tchar((unsigned char)p[i]))
			return -1;
	l->value = colon + 1;
	l->vlen = len - l->nlen - 1;
	for (i = 0; i < l->vlen; i++) {
		unsigned char c = (unsigned char)l->value[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
	}
	while (l->vlen && (*l->value == ' ' || *l->value == '\t')) {
		l->value++;
		l->vlen--;
	}
	while (l->vlen && (l->value[l->vlen - 1] == ' ' || l->value[l->vlen - 1] == '\t'))
		l->vlen--;
	return 0;
}

static int parse_length(const char *v, size_t len, long long *out)
{
	long long n = 0;

	if (!len || len > 15)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	*out = n;
	return 0;
}

static int parse_headers(struct sbx_http_request *r, const char *p, const char *end)
{
	const char *conn = NULL, *start = p;
	size_t conn_len = 0;
	int te = 0;

	/* First pass: the values that decide; Connection names what to drop. */
	while (p < end) {
		const char *eol = p;
		struct line l;

		while (eol + 1 < end && !(eol[0] == '\r' && eol[1] == '\n'))
			eol++;
		if (eol + 1 >= end)
			return refuse(r, 400, "a header line does not end in CRLF");
		if (*p == ' ' || *p == '\t')
			return refuse(r, 400, "folded header lines are not accepted");
		if (split_header(p, (size_t)(eol - p), &l))
			return refuse(r, 400, "a header line is malformed");
		if (header_is(l.name, l.nlen, "content-length")) {
			long long n;

			if (parse_length(l.value, l.vlen, &n) || (r->length >= 0 && r->length != n))
				return refuse(r, 400, "Content-Length is malformed or given twice");
			r->length = n;
		} else if (header_is(l.name, l.nlen, "transfer-encoding")) {
			if (te || l.vlen != 7 || strncasecmp(l.value, "chunked", 7))
				return refuse(r, 501, "only Transfer-Encoding: chunked is accepted");
			te = 1;
		} else if (header_is(l.name, l.nlen, "proxy-authorization")) {
			if (r->proxy_auth)
				return refuse(r, 400, "Proxy-Authorization is given twice");
			r->proxy_auth = sbx_strndup(l.value, l.vlen);
		} else if (header_is(l.name, l.nlen, "connection")) {
			if (conn)
				return refuse(r, 400, "Connection is given twice");
			conn = l.value;
			conn_len = l.vlen;
		}
		p = eol + 2;
	}
	if (te && r->length >= 0)
		return refuse(r, 400, "a request with both Content-Length and Transfer-Encoding");
	r->chunked = te;
	if (r->connect)
		return 0;
	/* Second pass: what goes on. */
	for (p = start; p < end;) {
		const char *eol = p;
		struct line l;

		while (!(eol[0] == '\r' && eol[1] == '\n'))
			eol++;
		split_header(p, (size_t)(eol - p), &l);
		if (!is_hop_by_hop(l.name, l.nlen) && !(conn && listed(conn, conn_len, l.name, l.nlen)))
			sbx_buf_add(&r->headers, p, (size_t)(eol - p) + 2);
		p = eol + 2;
	}
	return 0;
}

int sbx_http_parse_request(const char *buf, size_t len, struct sbx_http_request *r,
			   size_t *head_len)
{
	size_t end = head_end(buf, len > SBX_HTTP_HEAD_MAX ? SBX_HTTP_HEAD_MAX : len);
	const char *p = buf, *sp1, *sp2, *eol;
	size_t mlen;

	if (!end) {
		if (len >= SBX_HTTP_HEAD_MAX)
			return refuse(r, 431, "the request's head is too long");
		/* Nothing but a head can start a request: refuse garbage before waiting. */
		for (size_t i = 0; i < len && buf[i] != ' '; i++)
			if (!is_tchar((unsigned char)buf[i]) || i >= sizeof(r->method) - 1)
				return refuse(r, 400, "this is not an HTTP request");
		return 1;
	}
	*head_len = end;
	eol = memchr(buf, '\r', end);
	if (eol[1] != '\n')
		return refuse(r, 400, "the request line is malformed");
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	if (!sp1)
		return refuse(r, 400, "the request line is malformed");
	mlen = (size_t)(sp1 - p);
	if (!mlen || mlen >= sizeof(r->method))
		return refuse(r, 400, "the method is malformed");
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)p[i]))
			return refuse(r, 400, "the method is malformed");
	memcpy(r->method, p, mlen);
	r->method[mlen] = '\0';
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || memchr(sp2 + 1, ' ', (size_t)(eol - sp2 - 1)))
		return refuse(r, 400, "the request line is malformed");
	if (eol - sp2 - 1 != 8 || strncmp(sp2 + 1, "HTTP/1.", 7) || (sp2[8] != '0' && sp2[8] != '1'))
		return refuse(r, 505, "only HTTP/1.0 and HTTP/1.1 are spoken here");
	for (const char *t = sp1 + 1; t < sp2; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return refuse(r, 400, "the request target is malformed");
	r->connect = !strcmp(r->method, "CONNECT");
	if (r->connect) {
		if (parse_authority(r, sp1 + 1, (size_t)(sp2 - sp1 - 1), 0))
			return refuse(r, 400, "CONNECT names HOST:PORT, and this is not one");
	} else if (parse_url(r, sp1 + 1, (size_t)(sp2 - sp1 - 1))) {
		return -1;
	}
	return parse_headers(r, eol + 2, buf + end - 2);
}

int sbx_http_parse_response(const char *buf, size_t len, int *status, size_t *head_len)
{
	size_t end = head_end(buf, len > SBX_HTTP_HEAD_MAX ? SBX_HTTP_HEAD_MAX : len);

	if (!end)
		return len >= SBX_HTTP_HEAD_MAX ? -1 : 1;
	if (end < 12 || strncmp(buf, "HTTP/1.", 7) || buf[8] != ' ' ||
	    buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' ||
	    buf[11] < '0' || buf[11] > '9')
		return -1;
	*status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	*head_len = end;
	return 0;
}

/* ------------------------------------------------------------------ bodies */

enum { B_SIZE, B_EXT, B_SIZE_LF, B_DATA, B_DATA_CR, B_DATA_LF, B_TRAILER, B_TRAILER_LF,
       B_FINAL_LF };

/* A chunk-size or trailer line longer than this is refused. */
#define LINE_MAX_LEN 4096

void sbx_http_body_init(struct sbx_http_body *b, const struct sbx_http_request *r)
{
	memset(b, 0, sizeof(*b));
	b->chunked = r->chunked;
	if (!r->chunked) {
		b->left = r->length > 0 ? (unsigned long long)r->length : 0;
		b->done = b->left == 0;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long sbx_http_body_feed(struct sbx_http_body *b, const char *data, size_t len)
{
	size_t i = 0;

	if (len > 0x7fffffff)
		len = 0x7fffffff;
	if (!b->chunked) {
		size_t n = b->left < len ? (size_t)b->left : len;

		b->left -= n;
		b->done = b->left == 0;
		return (long)n;
	}
	while (i < len && !b->done) {
		char c = data[i];

		switch (b->state) {
		case B_SIZE:
			if (hexval(c) >= 0) {
				if (++b->digits > 15)
					return -1;
				b->left = b->left * 16 + (unsigned)hexval(c);
			} else if (!b->digits) {
				return -1;
			} else if (c == ';' || c == ' ' || c == '\t') {
				b->state = B_EXT;
			} else if (c == '\r') {
				b->state = B_SIZE_LF;
			} else {
				return -1;
			}
			i++;
			break;
		case B_EXT:
			if (c == '\n' || ++b->line > LINE_MAX_LEN)
				return -1;
			if (c == '\r')
				b->state = B_SIZE_LF;
			i++;
			break;
		case B_SIZE_LF:
			if (c != '\n')
				return -1;
			i++;
			b->line = 0;
			b->digits = 0;
			b->state = b->left ? B_DATA : B_TRAILER;
			break;
		case B_DATA: {
			size_t n = len - i < b->left ? len - i : (size_t)b->left;

			i += n;
			b->left -= n;
			if (!b->left)
				b->state = B_DATA_CR;
			break;
		}
		case B_DATA_CR:
			if (c != '\r')
				return -1;
			b->state = B_DATA_LF;
			i++;
			break;
		case B_DATA_LF:
			if (c != '\n')
				return -1;
			b->state = B_SIZE;
			i++;
			break;
		case B_TRAILER:
			/* A trailer line, or the empty line that ends the body. */
			if (c == '\r') {
				b->state = b->line ? B_TRAILER_LF : B_FINAL_LF;
			} else if (c == '\n' || ((unsigned char)c < 0x20 && c != '\t')) {
				return -1;
			} else if (++b->line > LINE_MAX_LEN) {
				return -1;
			}
			i++;
			break;
		case B_TRAILER_LF:
			if (c != '\n')
				return -1;
			b->line = 0;
			b->state = B_TRAILER;
			i++;
			break;
		case B_FINAL_LF:
			if (c != '\n')
				return -1;
			b->done = 1;
			i++;
			break;
		}
	}
	return (long)i;
}
