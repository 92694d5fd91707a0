#ifndef SBX_NET_HTTP_H
#define SBX_NET_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "net-policy.h"

/*
 * The HTTP/1.x that sbx's proxy reads from a sandbox (attacker-controlled):
 * a request's head, CONNECT or a plain request in absolute form, and a
 * plain request's body, so that exactly one request reaches the server it
 * names and nothing after it does.
 */

/* A head longer than this is refused (431). */
#define SBX_HTTP_HEAD_MAX 16384

struct sbx_http_request {
	int connect;			/* CONNECT host:port */
	char method[32];
	char host[SBX_NET_NAME_MAX];	/* normalized (net-policy.h) */
	int is_address;			/* host is an address's text */
	int port;
	char *authority;		/* plain: the URL's host[:port], the Host sent on */
	char *path;			/* plain: origin-form target ("/..."); NULL for CONNECT */
	/*
	 * plain: the header lines to send on, each ending in CRLF: every one of
	 * the client's but Host (forced from the URL), Proxy-Authorization,
	 * Proxy-Connection, Connection, Keep-Alive, Upgrade, TE, Trailer and
	 * those Connection names.
	 */
	struct sbx_buf headers;
	char *proxy_auth;		/* the Proxy-Authorization value, or NULL */
	int chunked;			/* Transfer-Encoding: chunked */
	long long length;		/* Content-Length, or -1 */
	int status;			/* on a refusal: 400, 431, 501 or 505 */
	const char *error;		/* on a refusal: why, for the answer's body */
};

void sbx_http_request_init(struct sbx_http_request *r);
void sbx_http_request_release(struct sbx_http_request *r);

/*
 * Parses the head at the start of buf (len bytes so far). Returns 0 with
 * *head_len its length (CRLF CRLF included), 1 when more bytes are needed,
 * -1 when it is refused (r->status, r->error).
 */
int sbx_http_parse_request(const char *buf, size_t len, struct sbx_http_request *r,
			   size_t *head_len);

/*
 * The status line and head of a response (an upstream proxy's answer to
 * CONNECT): 0 with *status and *head_len, 1 for more, -1 when malformed or
 * longer than SBX_HTTP_HEAD_MAX.
 */
int sbx_http_parse_response(const char *buf, size_t len, int *status, size_t *head_len);

/* Where a request body ends: Content-Length or chunked framing, fed as it arrives. */
struct sbx_http_body {
	int chunked;
	unsigned long long left;	/* data bytes left (the body, or the current chunk) */
	int state;
	unsigned line;			/* bytes of the current chunk-size or trailer line */
	unsigned digits;
	int done;
};

void sbx_http_body_init(struct sbx_http_body *b, const struct sbx_http_request *r);
/*
 * Consumes data of the body; returns how many bytes of data belong to it
 * (fewer than len once it ends: b->done), or -1 when the framing is bad.
 */
long sbx_http_body_feed(struct sbx_http_body *b, const char *data, size_t len);

#endif
