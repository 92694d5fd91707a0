/*
 * The proxy's loop (net-proxy.h). Each connection goes through:
 *
 *   HEAD      reading the request's head (bounded, with a deadline)
 *   RESOLVE   a lookup in the resolver's threads (only for an allowed name)
 *   CONNECT   a non-blocking connect, address after address
 *   UPSTREAM  network.upstream's answer to our own CONNECT
 *   CLASSIFY  a tunnel's first bytes: a TLS ClientHello is read whole and its
 *             server name compared; anything else passes
 *   RELAY     bytes both ways; a plain request's body up to its end only
 *   REPLY     an answer of ours (403, 407, 502, ...), then a short drain
 *
 * Nothing a sandbox sends is read without a bound or waited on without a
 * deadline, and a connection never waits on another.
 */
#include "net-proxy.h"
#include "base64.h"
#include "error.h"
#include "net-http.h"
#include "net-log.h"
#include "net-resolve.h"
#include "net-tls.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 512
#define BUF_SIZE 65536
#define MAX_ADDRS 8
#define SETUP_MS 30000		/* head, lookup, connect and a tunnel's first bytes */
#define CONNECT_MS 10000	/* one address */
#define DRAIN_MS 1000		/* reading what is left after an answer of ours */

enum state { S_HEAD, S_RESOLVE, S_CONNECT, S_UPSTREAM, S_CLASSIFY, S_RELAY, S_REPLY, S_DRAIN };

/* Bytes on their way to one side: buf[off..len). */
struct half {
	char *buf;
	size_t off, len;
	unsigned eof : 1;	/* the side they come from has ended */
	unsigned shut : 1;	/* the side they go to was told so */
};

struct conn {
	unsigned long id;
	int cfd, ufd;
	enum state st;
	struct sbx_buf in;		/* the client's head (and what followed it) */
	struct sbx_buf up;		/* the upstream proxy's answer */
	struct sbx_http_request req;
	struct sbx_http_body body;	/* a plain request's body */
	struct half c2u, u2c;
	struct sockaddr_storage addrs[MAX_ADDRS];
	socklen_t lens[MAX_ADDRS];
	int nr_addrs, next_addr;
	size_t head_len;		/* where the head ends in in */
	char why[160];			/* what allowed it, for the log */
	char via[64];			/* the address connected to */
	unsigned plain : 1;
	unsigned via_upstream : 1;
	unsigned server_spoke : 1;	/* the server sent bytes before the client did */
	long long deadline;		/* ms; 0: none */
	long long addr_deadline;
};

static struct {
	const struct sbx_net_policy *policy;
	struct sbx_net_log log;
	struct conn **conns;
	size_t nr, alloc;
	unsigned long next_id;
	int wake[2];
} px;

static volatile sig_atomic_t stopping;

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	stopping = 1;
	if (write(px.wake[1], "s", 1) < 0) {
		/* Full: a wake is pending already. */
	}
	errno = saved;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void no_delay(int fd)
{
	int one = 1;

	/* A unix socket has no such option: nothing lost. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static const char *kind(const struct conn *c)
{
	return c->req.connect ? "CONNECT" : c->req.method[0] ? c->req.method : "request";
}

static void log_decision(const struct conn *c, const char *verdict, const char *detail)
{
	sbx_net_log_write(&px.log, verdict, kind(c), c->req.host[0] ? c->req.host : NULL,
			  c->req.port, detail);
}

/* ------------------------------------------------------------- lifecycle */

static struct conn *conn_new(int cfd)
{
	struct conn *c = sbx_calloc(1, sizeof(*c));

	c->id = ++px.next_id;
	c->cfd = cfd;
	c->ufd = -1;
	c->st = S_HEAD;
	sbx_buf_init(&c->in);
	sbx_buf_init(&c->up);
	sbx_http_request_init(&c->req);
	c->deadline = now_ms() + SETUP_MS;
	SBX_ALLOC_GROW(px.conns, px.nr + 1, px.alloc);
	px.conns[px.nr++] = c;
	return c;
}

static void conn_free(struct conn *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->ufd >= 0)
		close(c->ufd);
	sbx_buf_release(&c->in);
	sbx_buf_release(&c->up);
	sbx_http_request_release(&c->req);
	free(c->c2u.buf);
	free(c->u2c.buf);
	free(c);
}

/* Marks c for removal at the end of the loop's turn. */
static void conn_close(struct conn *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->ufd >= 0)
		close(c->ufd);
	c->cfd = c->ufd = -1;
}

static struct conn *conn_find(unsigned long id)
{
	for (size_t i = 0; i < px.nr; i++)
		if (px.conns[i]->id == id)
			return px.conns[i];
	return NULL;
}

static void half_alloc(struct half *h)
{
	if (!h->buf)
		h->buf = sbx_malloc(BUF_SIZE);
}

static void half_put(struct half *h, const void *data, size_t len)
{
	half_alloc(h);
	if (h->off == h->len)
		h->off = h->len = 0;
	if (len > BUF_SIZE - h->len)
		len = BUF_SIZE - h->len;
	memcpy(h->buf + h->len, data, len);
	h->len += len;
}

/* ---------------------------------------------------------------- answers */

static void reply(struct conn *c, int status, const char *reason, const char *extra,
		  const char *body)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_buf_addf(&b, "HTTP/1.1 %d %s\r\n%sContent-Type: text/plain; charset=utf-8\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", status, reason,
		     extra ? extra : "", strlen(body), body);
	if (c->ufd >= 0) {
		close(c->ufd);
		c->ufd = -1;
	}
	free(c->u2c.buf);
	memset(&c->u2c, 0, sizeof(c->u2c));
	half_put(&c->u2c, b.buf, b.len);
	sbx_buf_release(&b);
	c->st = S_REPLY;
	c->deadline = now_ms() + SETUP_MS;
}

/* A refusal: 403, its reason in the body and the log. */
static void refuse(struct conn *c, const char *detail)
{
	char *body = c->req.host[0]
		? sbx_asprintf("sbx: refused %s %s%s%s:%d: %s\n", kind(c),
			       strchr(c->req.host, ':') ? "[" : "", c->req.host,
			       strchr(c->req.host, ':') ? "]" : "", c->req.port, detail)
		: sbx_asprintf("sbx: refused: %s\n", detail);

	log_decision(c, "deny", detail);
	reply(c, 403, "Forbidden", NULL, body);
	free(body);
}

static void fail(struct conn *c, int status, const char *reason, const char *detail)
{
	char *body = sbx_asprintf("sbx: %s %s:%d failed: %s\n", kind(c), c->req.host, c->req.port,
				  detail);

	log_decision(c, "fail", detail);
	reply(c, status, reason, NULL, body);
	free(body);
}

static void bad_request(struct conn *c)
{
	int s = c->req.status ? c->req.status : 400;
	const char *reason = s == 431 ? "Request Header Fields Too Large" :
			     s == 501 ? "Not Implemented" :
			     s == 505 ? "HTTP Version Not Supported" : "Bad Request";
	char *body = sbx_asprintf("sbx: refused a request: %s\n", c->req.error ? c->req.error :
				  "malformed");

	sbx_net_log_write(&px.log, "deny", "request", NULL, 0, c->req.error ? c->req.error :
			  "malformed");
	reply(c, s, reason, NULL, body);
	free(body);
}

/* ------------------------------------------------------------ the request */

/* Does Proxy-Authorization carry the token (Basic, any user)? Compared in constant time. */
static int authorized(const struct conn *c)
{
	const char *tok = px.policy->token, *v = c->req.proxy_auth, *colon;
	struct sbx_buf plain = SBX_BUF_INIT;
	size_t tl;
	unsigned diff;
	int ok = 0;

	if (!tok)
		return 1;
	if (!v || strncasecmp(v, "basic ", 6))
		return 0;
	v += 6;
	while (*v == ' ')
		v++;
	if (!sbx_base64_decode(&plain, v, strlen(v)) && (colon = memchr(plain.buf, ':', plain.len))) {
		const char *pw = colon + 1;
		size_t pl = plain.len - (size_t)(pw - plain.buf);

		tl = strlen(tok);
		diff = (unsigned)(pl ^ tl);
		for (size_t i = 0; i < tl; i++)
			diff |= (unsigned char)tok[i] ^ (unsigned char)(i < pl ? pw[i] : 0);
		ok = !diff;
	}
	memset(plain.buf, 0, plain.len);
	sbx_buf_release(&plain);
	return ok;
}

static void start_connect(struct conn *c);

static void add_addr(struct conn *c, const struct sockaddr *sa, socklen_t len)
{
	if (c->nr_addrs >= MAX_ADDRS || len > sizeof(c->addrs[0]))
		return;
	memcpy(&c->addrs[c->nr_addrs], sa, len);
	c->lens[c->nr_addrs++] = len;
}

static void address_text(const struct sockaddr *sa, char *out, size_t outsz)
{
	const void *a = sa->sa_family == AF_INET6
		? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
		: (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (!inet_ntop(sa->sa_family, a, out, (socklen_t)outsz))
		snprintf(out, outsz, "?");
}

static void handle_request(struct conn *c)
{
	const struct sbx_net_policy *p = px.policy;
	const struct sbx_net_pin *pin;
	struct sbx_buf why = SBX_BUF_INIT;

	if (!authorized(c)) {
		static const char body[] = "sbx: this proxy wants its session's Proxy-Authorization "
			"(the one in $HTTP_PROXY)\n";

		sbx_net_log_write(&px.log, "deny", kind(c), c->req.host, c->req.port,
				  "no valid Proxy-Authorization");
		reply(c, 407, "Proxy Authentication Required",
		      "Proxy-Authenticate: Basic realm=\"sbx\"\r\n", body);
		return;
	}
	if (!sbx_net_policy_check(p, c->req.host, c->req.is_address, c->req.port, &why)) {
		refuse(c, why.buf);
		sbx_buf_release(&why);
		return;
	}
	sbx_buf_release(&why);
	if (p->mode == SBX_NET_OPEN) {
		snprintf(c->why, sizeof(c->why), "mode open");
	} else {
		for (size_t i = 0; i < p->nr_allow; i++)
			if (sbx_net_rule_matches(&p->allow[i], c->req.host, c->req.port)) {
				snprintf(c->why, sizeof(c->why), "%s", p->allow[i].origin);
				break;
			}
	}
	pin = c->req.is_address ? NULL : sbx_net_policy_find_pin(p, c->req.host);
	if (pin) {
		size_t len = strlen(c->why);

		add_addr(c, (const struct sockaddr *)&pin->sa, pin->salen);
		snprintf(c->why + len, sizeof(c->why) - len, ", pinned by network.hosts");
		start_connect(c);
		return;
	}
	if (c->req.is_address) {
		struct sockaddr_storage sa;
		socklen_t len;
		const char *bad;

		sbx_net_parse_address(c->req.host, &sa, &len);
		bad = sbx_net_address_refused((struct sockaddr *)&sa);
		if (bad) {
			char *d = sbx_asprintf("'%s' is %s: pin a name to it in network.hosts (and "
					       "allow that name) to reach it", c->req.host, bad);

			refuse(c, d);
			free(d);
			return;
		}
		add_addr(c, (struct sockaddr *)&sa, len);
		start_connect(c);
		return;
	}
	c->via_upstream = p->upstream_host != NULL;
	c->st = S_RESOLVE;
	/* Through network.upstream the upstream proxy looks the name up, not us. */
	sbx_resolver_submit(c->id, c->via_upstream ? p->upstream_host : c->req.host);
}

static void on_resolved(struct conn *c, struct addrinfo *res, int err)
{
	const char *bad = NULL;
	char first_bad[64] = "";

	if (err) {
		char *d = sbx_asprintf("cannot look '%s' up: %s",
				       c->via_upstream ? px.policy->upstream_host : c->req.host,
				       gai_strerror(err));

		fail(c, 502, "Bad Gateway", d);
		free(d);
		return;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		const char *why = NULL;

		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		/* Every address is checked again: a public name may resolve to a private address. */
		if (!c->via_upstream && (why = sbx_net_address_refused(ai->ai_addr))) {
			if (!bad) {
				bad = why;
				address_text(ai->ai_addr, first_bad, sizeof(first_bad));
			}
			continue;
		}
		add_addr(c, ai->ai_addr, ai->ai_addrlen);
	}
	freeaddrinfo(res);
	if (!c->nr_addrs) {
		char *d = bad ? sbx_asprintf("'%s' resolves to %s, %s: pin the name in network.hosts "
					     "to reach it", c->req.host, first_bad, bad)
			      : sbx_asprintf("'%s' has no address", c->req.host);

		if (bad)
			refuse(c, d);
		else
			fail(c, 502, "Bad Gateway", d);
		free(d);
		return;
	}
	start_connect(c);
}

static void connected(struct conn *c);

static void start_connect(struct conn *c)
{
	int port = c->via_upstream ? px.policy->upstream_port : c->req.port;

	while (c->next_addr < c->nr_addrs) {
		struct sockaddr_storage *sa = &c->addrs[c->next_addr];
		int fd;

		if (sa->ss_family == AF_INET)
			((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
		else
			((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
		fd = socket(sa->ss_family, SOCK_STREAM, 0);
		if (fd < 0 || set_nonblock(fd)) {
			if (fd >= 0)
				close(fd);
			c->next_addr++;
			continue;
		}
		no_delay(fd);
		c->ufd = fd;
		if (!connect(fd, (struct sockaddr *)sa, c->lens[c->next_addr])) {
			connected(c);
			return;
		}
		if (errno == EINPROGRESS) {
			c->st = S_CONNECT;
			c->addr_deadline = now_ms() + CONNECT_MS;
			return;
		}
		close(fd);
		c->ufd = -1;
		c->next_addr++;
	}
	fail(c, 502, "Bad Gateway", c->nr_addrs > 1 ? "no address of it accepts connections"
						    : "it does not accept connections");
}

static void on_connect_ready(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		close(c->ufd);
		c->ufd = -1;
		c->next_addr++;
		start_connect(c);
		return;
	}
	connected(c);
}

/* The head a plain request goes on with: its own target, or the absolute URL for an upstream proxy. */
static void plain_head(struct conn *c, struct sbx_buf *out)
{
	if (c->via_upstream)
		sbx_buf_addf(out, "%s http://%s%s HTTP/1.1\r\n", c->req.method, c->req.authority,
			     c->req.path);
	else
		sbx_buf_addf(out, "%s %s HTTP/1.1\r\n", c->req.method, c->req.path);
	sbx_buf_addf(out, "Host: %s\r\n", c->req.authority);
	sbx_buf_add(out, c->req.headers.buf, c->req.headers.len);
	/* One request per connection: nothing after it reaches the server. */
	sbx_buf_adds(out, "Connection: close\r\n\r\n");
}

static void begin_tunnel(struct conn *c, size_t head_len);
static void begin_plain(struct conn *c, size_t head_len);

static void connected(struct conn *c)
{
	char detail[256];

	address_text((struct sockaddr *)&c->addrs[c->next_addr], c->via, sizeof(c->via));
	snprintf(detail, sizeof(detail), " -> %s%s (%s)", c->via_upstream ? "upstream " : "",
		 c->via, c->why[0] ? c->why : "allowed");
	log_decision(c, "allow", detail);
	c->deadline = now_ms() + SETUP_MS;
	if (c->via_upstream && c->req.connect) {
		struct sbx_buf b = SBX_BUF_INIT;
		const char *lb = strchr(c->req.host, ':') ? "[" : "", *rb = *lb ? "]" : "";

		sbx_buf_addf(&b, "CONNECT %s%s%s:%d HTTP/1.1\r\nHost: %s%s%s:%d\r\n\r\n", lb,
			     c->req.host, rb, c->req.port, lb, c->req.host, rb, c->req.port);
		half_put(&c->c2u, b.buf, b.len);
		sbx_buf_release(&b);
		c->st = S_UPSTREAM;
		return;
	}
	if (c->req.connect)
		begin_tunnel(c, c->head_len);
	else
		begin_plain(c, c->head_len);
}

static void begin_tunnel(struct conn *c, size_t head_len)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";

	half_put(&c->u2c, ok, sizeof(ok) - 1);
	half_alloc(&c->c2u);
	if (c->in.len > head_len)
		half_put(&c->c2u, c->in.buf + head_len, c->in.len - head_len);
	sbx_buf_release(&c->in);
	c->st = S_CLASSIFY;
}

static void begin_plain(struct conn *c, size_t head_len)
{
	struct sbx_buf head = SBX_BUF_INIT;
	long n;

	c->plain = 1;
	sbx_http_body_init(&c->body, &c->req);
	plain_head(c, &head);
	half_put(&c->c2u, head.buf, head.len);
	sbx_buf_release(&head);
	n = sbx_http_body_feed(&c->body, c->in.buf + head_len, c->in.len - head_len);
	if (n < 0) {
		c->req.status = 400;
		c->req.error = "the request's chunked body is malformed";
		bad_request(c);
		return;
	}
	half_put(&c->c2u, c->in.buf + head_len, (size_t)n);
	sbx_buf_release(&c->in);
	c->st = S_RELAY;
	c->deadline = 0;
}

/* What came after the head so far waits in c->in until the tunnel starts. */
static void read_head(struct conn *c)
{
	char chunk[4096];
	size_t head_len;
	ssize_t n = read(c->cfd, chunk, sizeof(chunk));
	int ret;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	sbx_buf_add(&c->in, chunk, (size_t)n);
	ret = sbx_http_parse_request(c->in.buf, c->in.len, &c->req, &head_len);
	if (ret == 1)
		return;
	if (ret < 0) {
		bad_request(c);
		return;
	}
	c->head_len = head_len;
	handle_request(c);
}

/* network.upstream's answer to our CONNECT: 2xx starts the tunnel, anything else is a 502. */
static void read_upstream(struct conn *c)
{
	char chunk[2048];
	ssize_t n = read(c->ufd, chunk, sizeof(chunk));
	size_t head_len;
	int status = 0, ret;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		fail(c, 502, "Bad Gateway", "the upstream proxy closed the connection");
		return;
	}
	sbx_buf_add(&c->up, chunk, (size_t)n);
	ret = sbx_http_parse_response(c->up.buf, c->up.len, &status, &head_len);
	if (ret == 1)
		return;
	if (ret < 0 || status / 100 != 2) {
		char *d = ret < 0 ? sbx_strdup("the upstream proxy's answer is malformed")
				  : sbx_asprintf("the upstream proxy answered %d", status);

		fail(c, 502, "Bad Gateway", d);
		free(d);
		return;
	}
	begin_tunnel(c, c->head_len);
	/* Bytes the server sent right behind the upstream's answer go to the client. */
	if (c->up.len > head_len)
		half_put(&c->u2c, c->up.buf + head_len, c->up.len - head_len);
	sbx_buf_release(&c->up);
}

/* A tunnel's first bytes: TLS names the host CONNECT named, or the tunnel is not TLS. */
static void classify(struct conn *c)
{
	char sni[SBX_NET_NAME_MAX], detail[2 * SBX_NET_NAME_MAX + 64];
	enum sbx_tls_hello h;

	if (c->c2u.len == c->c2u.off)
		return;
	if ((unsigned char)c->c2u.buf[c->c2u.off] != 0x16) {
		c->st = S_RELAY;
		c->deadline = 0;
		return;
	}
	h = sbx_tls_client_hello((const unsigned char *)c->c2u.buf + c->c2u.off,
				 c->c2u.len - c->c2u.off, sni);
	if (h == SBX_TLS_MORE && c->c2u.len < BUF_SIZE)
		return;
	if (h == SBX_TLS_SNI && !strcmp(sni, c->req.host)) {
		c->st = S_RELAY;
		c->deadline = 0;
		return;
	}
	if (h == SBX_TLS_SNI)
		snprintf(detail, sizeof(detail), "the TLS ClientHello names '%s', not '%s'", sni,
			 c->req.host);
	else
		snprintf(detail, sizeof(detail), "%s",
			 h == SBX_TLS_NO_SNI ? "the TLS ClientHello names no server (SNI)" :
			 h == SBX_TLS_ECH ? "the TLS ClientHello hides its server name (ECH)" :
			 "the TLS ClientHello is malformed or too long");
	sbx_net_log_write(&px.log, "deny", "TLS", c->req.host, c->req.port, detail);
	/* The client was told 200 already: the tunnel just ends. */
	conn_close(c);
}

/* ------------------------------------------------------------------ relay */

/* Moves bytes from fd into h (appending in CLASSIFY, else only when h is empty). */
static int pull(struct conn *c, int fd, struct half *h, int append)
{
	ssize_t n;
	size_t room;

	half_alloc(h);
	if (h->off == h->len)
		h->off = h->len = 0;
	room = BUF_SIZE - h->len;
	if (!room || (!append && h->len))
		return 0;
	n = read(fd, h->buf + h->len, room);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (!n) {
		/* A client gone before its request's body ended: the request is not sent on whole. */
		if (c->plain && h == &c->c2u && !c->body.done)
			return -1;
		h->eof = 1;
		return 0;
	}
	/* A server that speaks first is no TLS server: its tunnel may wait for the client. */
	if (h == &c->u2c && c->st == S_CLASSIFY && !c->server_spoke) {
		c->server_spoke = 1;
		c->deadline = 0;
	}
	/* A plain request's body, and nothing after it. */
	if (c->plain && h == &c->c2u) {
		long body = sbx_http_body_feed(&c->body, h->buf + h->len, (size_t)n);

		if (body < 0)
			return -1;
		n = body;
		if (c->body.done)
			h->eof = 1;
	}
	h->len += (size_t)n;
	return 0;
}

static int push(int fd, struct half *h)
{
	ssize_t n;

	if (h->off == h->len)
		return 0;
	n = write(fd, h->buf + h->off, h->len - h->off);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	h->off += (size_t)n;
	return 0;
}

/* After a flush: a side whose source ended hears so; is the connection done? */
static int settle(struct conn *c)
{
	if (c->plain) {
		/* The answer is whole when the server closes; the client needs nothing more. */
		return c->u2c.eof && c->u2c.off == c->u2c.len;
	}
	if (c->c2u.eof && c->c2u.off == c->c2u.len && !c->c2u.shut && c->st == S_RELAY) {
		shutdown(c->ufd, SHUT_WR);
		c->c2u.shut = 1;
	}
	if (c->u2c.eof && c->u2c.off == c->u2c.len && !c->u2c.shut) {
		shutdown(c->cfd, SHUT_WR);
		c->u2c.shut = 1;
	}
	return c->c2u.shut && c->u2c.shut;
}

/* ------------------------------------------------------------------- loop */

/* What each connection waits for: client events in [0], upstream in [1]. */
static void want(const struct conn *c, short ev[2])
{
	ev[0] = ev[1] = 0;
	switch (c->st) {
	case S_HEAD:
		ev[0] = POLLIN;
		break;
	case S_RESOLVE:
		break;
	case S_CONNECT:
		ev[1] = POLLOUT;
		break;
	case S_UPSTREAM:
		if (c->c2u.off < c->c2u.len)
			ev[1] = POLLOUT;
		else
			ev[1] = POLLIN;
		break;
	case S_CLASSIFY:
	case S_RELAY:
		if (!c->c2u.eof && (c->st == S_CLASSIFY ? c->c2u.len < BUF_SIZE
							: c->c2u.off == c->c2u.len))
			ev[0] |= POLLIN;
		if (c->st == S_RELAY && c->c2u.off < c->c2u.len)
			ev[1] |= POLLOUT;
		if (!c->u2c.eof && c->u2c.off == c->u2c.len)
			ev[1] |= POLLIN;
		if (c->u2c.off < c->u2c.len)
			ev[0] |= POLLOUT;
		break;
	case S_REPLY:
		ev[0] = POLLOUT;
		break;
	case S_DRAIN:
		ev[0] = POLLIN;
		break;
	}
}

static void step(struct conn *c, short rev[2])
{
	int err = 0;

	switch (c->st) {
	case S_HEAD:
		if (rev[0])
			read_head(c);
		return;
	case S_RESOLVE:
		return;
	case S_CONNECT:
		if (rev[1])
			on_connect_ready(c);
		return;
	case S_UPSTREAM:
		if (rev[1] & POLLOUT) {
			if (push(c->ufd, &c->c2u))
				fail(c, 502, "Bad Gateway", "cannot write to the upstream proxy");
		} else if (rev[1]) {
			read_upstream(c);
		}
		return;
	case S_CLASSIFY:
	case S_RELAY:
		if (rev[0] & (POLLIN | POLLHUP | POLLERR))
			err |= pull(c, c->cfd, &c->c2u, c->st == S_CLASSIFY);
		if (rev[1] & (POLLIN | POLLHUP | POLLERR))
			err |= pull(c, c->ufd, &c->u2c, 0);
		if (!err && (rev[1] & POLLOUT))
			err |= push(c->ufd, &c->c2u);
		if (!err && (rev[0] & POLLOUT))
			err |= push(c->cfd, &c->u2c);
		if (err) {
			conn_close(c);
			return;
		}
		if (c->st == S_CLASSIFY) {
			classify(c);
			if (c->cfd < 0)
				return;
			/* A client that ends before it said anything: the tunnel ends too. */
			if (c->st == S_CLASSIFY && c->c2u.eof) {
				conn_close(c);
				return;
			}
		}
		if (settle(c))
			conn_close(c);
		return;
	case S_REPLY:
		if (push(c->cfd, &c->u2c)) {
			conn_close(c);
		} else if (c->u2c.off == c->u2c.len) {
			/* Read what the client still sends, so that closing does not reset the answer. */
			shutdown(c->cfd, SHUT_WR);
			c->st = S_DRAIN;
			c->deadline = now_ms() + DRAIN_MS;
		}
		return;
	case S_DRAIN: {
		char sink[4096];
		ssize_t n = read(c->cfd, sink, sizeof(sink));

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}
	}
}

static void expire(struct conn *c, long long now)
{
	if (c->st == S_CONNECT && c->addr_deadline && now >= c->addr_deadline &&
	    (!c->deadline || now < c->deadline)) {
		close(c->ufd);
		c->ufd = -1;
		c->next_addr++;
		start_connect(c);
		return;
	}
	if (!c->deadline || now < c->deadline)
		return;
	switch (c->st) {
	case S_RESOLVE:
	case S_CONNECT:
	case S_UPSTREAM:
		fail(c, 504, "Gateway Timeout", "it did not answer in time");
		break;
	case S_CLASSIFY:
		sbx_net_log_write(&px.log, "deny", "TLS", c->req.host, c->req.port,
				  "the tunnel's first bytes did not come in time");
		conn_close(c);
		break;
	default:
		conn_close(c);
	}
}

static void accept_all(int lfd)
{
	while (px.nr < MAX_CONNS) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			return;
		if (set_nonblock(fd)) {
			close(fd);
			continue;
		}
		no_delay(fd);
		conn_new(fd);
	}
}

static void take_lookups(void)
{
	unsigned long id;
	struct addrinfo *res;
	int err;

	while (sbx_resolver_take(&id, &res, &err)) {
		struct conn *c = conn_find(id);

		if (c && c->st == S_RESOLVE && c->cfd >= 0)
			on_resolved(c, res, err);
		else if (!err)
			freeaddrinfo(res);
	}
}

/* Drops the connections closed in this turn. */
static void sweep(void)
{
	size_t kept = 0;

	for (size_t i = 0; i < px.nr; i++) {
		if (px.conns[i]->cfd < 0)
			conn_free(px.conns[i]);
		else
			px.conns[kept++] = px.conns[i];
	}
	px.nr = kept;
}

int sbx_proxy_serve(const struct sbx_proxy_opts *o)
{
	struct pollfd *pfd = NULL;
	size_t alloc = 0;
	struct sigaction sa;
	int resolver;

	memset(&px, 0, sizeof(px));
	px.policy = o->policy;
	if (pipe(px.wake))
		return sbx_error_errno("cannot create a pipe");
	set_nonblock(px.wake[0]);
	set_nonblock(px.wake[1]);
	resolver = sbx_resolver_start();
	if (resolver < 0 || set_nonblock(o->listen_fd))
		return sbx_error_errno("cannot set up the proxy");
	sbx_net_log_open(&px.log, o->log);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	if (o->parent_fd < 0)
		sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	while (!stopping) {
		size_t n = 0, base;
		long long now = now_ms(), next = -1;
		int timeout, ready;

		SBX_ALLOC_GROW(pfd, 3 + 2 * px.nr, alloc);
		pfd[n++] = (struct pollfd){ px.wake[0], POLLIN, 0 };
		pfd[n++] = (struct pollfd){ resolver, POLLIN, 0 };
		pfd[n++] = (struct pollfd){ px.nr < MAX_CONNS ? o->listen_fd : -1, POLLIN, 0 };
		if (o->parent_fd >= 0) {
			SBX_ALLOC_GROW(pfd, 4 + 2 * px.nr, alloc);
			pfd[n++] = (struct pollfd){ o->parent_fd, POLLIN, 0 };
		}
		base = n;
		for (size_t i = 0; i < px.nr; i++) {
			struct conn *c = px.conns[i];
			short ev[2];
			long long d = c->st == S_CONNECT && c->addr_deadline &&
				      (!c->deadline || c->addr_deadline < c->deadline)
				? c->addr_deadline : c->deadline;

			want(c, ev);
			pfd[n++] = (struct pollfd){ ev[0] ? c->cfd : -1, ev[0], 0 };
			pfd[n++] = (struct pollfd){ ev[1] ? c->ufd : -1, ev[1], 0 };
			if (d && (next < 0 || d < next))
				next = d;
		}
		timeout = next < 0 ? -1 : next <= now ? 0 : next - now > 60000 ? 60000
										   : (int)(next - now);
		ready = poll(pfd, (nfds_t)n, timeout);
		if (ready < 0 && errno != EINTR) {
			free(pfd);
			return sbx_error_errno("poll failed");
		}
		if (stopping)
			break;
		if (ready > 0 && pfd[0].revents) {
			char drain[64];

			while (read(px.wake[0], drain, sizeof(drain)) > 0)
				;
		}
		if (o->parent_fd >= 0 && ready > 0 && pfd[3].revents) {
			char b[64];
			ssize_t r = read(o->parent_fd, b, sizeof(b));

			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				break;
		}
		/* The connections of this turn first, as pfd describes them. */
		for (size_t i = 0, k = base; ready > 0 && i < (n - base) / 2; i++, k += 2) {
			struct conn *c = px.conns[i];
			short rev[2] = { pfd[k].revents, pfd[k + 1].revents };

			if ((rev[0] || rev[1]) && c->cfd >= 0)
				step(c, rev);
		}
		if (ready > 0 && pfd[1].revents)
			take_lookups();
		now = now_ms();
		for (size_t i = 0; i < px.nr; i++)
			if (px.conns[i]->cfd >= 0)
				expire(px.conns[i], now);
		sweep();
		if (ready > 0 && pfd[2].revents)
			accept_all(o->listen_fd);
	}
	for (size_t i = 0; i < px.nr; i++)
		conn_free(px.conns[i]);
	free(px.conns);
	free(pfd);
	sbx_net_log_close(&px.log);
	close(px.wake[0]);
	close(px.wake[1]);
	return 0;
}
