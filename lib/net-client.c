/* The sandbox's side of the proxy: `sbx net connect` and `sbx net relay` (net-client.h). */
#include "net-client.h"
#include "base64.h"
#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "net-http.h"
#include "net-policy.h"
#include "unix-socket.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define PUMP_BUF 65536
#define MAX_PAIRS 256

int sbx_net_listen_tcp(const char *addr_port)
{
	struct sockaddr_storage sa;
	socklen_t len;
	const char *colon = strrchr(addr_port, ':');
	char host[64];
	long port;
	char *end;
	int fd;

	if (!colon || (size_t)(colon - addr_port) >= sizeof(host))
		return sbx_error("'%s' is not ADDR:PORT", addr_port);
	memcpy(host, addr_port, (size_t)(colon - addr_port));
	host[colon - addr_port] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 0 || port > 65535 ||
	    sbx_net_parse_address(host, &sa, &len))
		return sbx_error("'%s' is not ADDR:PORT", addr_port);
	if (sa.ss_family == AF_INET)
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)port);
	fd = socket(sa.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return sbx_error_errno("cannot make a socket");
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	/*
	 * Never SO_REUSEPORT: a process of the same uid could then bind the same
	 * port and take connections meant for the proxy.
	 */
	if (bind(fd, (struct sockaddr *)&sa, len) || listen(fd, 128)) {
		sbx_error_errno("cannot listen on '%s'", addr_port);
		close(fd);
		return -1;
	}
	return fd;
}

void sbx_net_local_address(int fd, char *out, unsigned outsz)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	char text[INET6_ADDRSTRLEN];
	int port;

	if (getsockname(fd, (struct sockaddr *)&sa, &len)) {
		snprintf(out, outsz, "?");
		return;
	}
	if (sa.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, text, sizeof(text));
		port = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
		snprintf(out, outsz, "[%s]:%d", text, port);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, text, sizeof(text));
		port = ntohs(((struct sockaddr_in *)&sa)->sin_port);
		snprintf(out, outsz, "%s:%d", text, port);
	}
}

/* ----------------------------------------------------------- net connect */

struct proxy_url {
	char host[SBX_NET_NAME_MAX];
	char port[8];
	char *userinfo;		/* "user:password", percent-decoded, or NULL */
};

static int unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static char *percent_decode(const char *s, size_t len)
{
	struct sbx_buf b = SBX_BUF_INIT;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && unhex(s[i + 1]) >= 0 && unhex(s[i + 2]) >= 0) {
			sbx_buf_addch(&b, (char)(unhex(s[i + 1]) * 16 + unhex(s[i + 2])));
			i += 2;
		} else {
			sbx_buf_addch(&b, s[i]);
		}
	}
	return sbx_buf_detach(&b);
}

static int parse_proxy_url(const char *url, struct proxy_url *u)
{
	const char *s = url, *at, *hostp, *colon;
	size_t len;

	memset(u, 0, sizeof(*u));
	if (!strncmp(s, "http://", 7))
		s += 7;
	else if (strstr(s, "://"))
		return sbx_error("the proxy '%s' is not http://", url);
	len = strcspn(s, "/");
	at = memchr(s, '@', len);
	hostp = at ? at + 1 : s;
	if (at)
		u->userinfo = percent_decode(s, (size_t)(at - s));
	len -= (size_t)(hostp - s);
	colon = NULL;
	for (size_t i = 0; i < len; i++)
		if (hostp[i] == ':' || hostp[i] == ']')
			colon = hostp[i] == ':' ? hostp + i : NULL;
	if (!colon || (size_t)(hostp + len - colon - 1) >= sizeof(u->port) ||
	    sbx_net_normalize_host(hostp, (size_t)(colon - hostp), u->host) < 0) {
		free(u->userinfo);
		return sbx_error("the proxy '%s' is not http://HOST:PORT", url);
	}
	memcpy(u->port, colon + 1, (size_t)(hostp + len - colon - 1));
	return 0;
}

static const char *proxy_from_env(void)
{
	static const char *const names[] = { "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
		"all_proxy", "HTTP_PROXY", "http_proxy", NULL };

	for (size_t i = 0; names[i]; i++) {
		const char *v = getenv(names[i]);

		if (v && *v)
			return v;
	}
	return NULL;
}

static int dial(const char *host, const char *port)
{
	struct addrinfo hints, *res = NULL;
	int fd = -1, err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	err = getaddrinfo(host, port, &hints, &res);
	if (err)
		return sbx_error("cannot find the proxy '%s': %s", host, gai_strerror(err));
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return sbx_error_errno("cannot connect to the proxy '%s:%s'", host, port);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* Copies in to out and back, both ways, each half closed when its source ends. */
static int pump(int a_in, int a_out, int b)
{
	char *buf[2] = { sbx_malloc(PUMP_BUF), sbx_malloc(PUMP_BUF) };
	size_t len[2] = { 0, 0 }, off[2] = { 0, 0 };
	int eof[2] = { 0, 0 }, src[2] = { a_in, b }, dst[2] = { b, a_out }, ret = 0;

	while (!(eof[0] && eof[1] && len[0] == off[0] && len[1] == off[1])) {
		struct pollfd p[4];
		int n = 0, idx[4];

		for (int d = 0; d < 2; d++) {
			if (!eof[d] && off[d] == len[d]) {
				idx[n] = d;
				p[n++] = (struct pollfd){ src[d], POLLIN, 0 };
			} else if (off[d] < len[d]) {
				idx[n] = 2 + d;
				p[n++] = (struct pollfd){ dst[d], POLLOUT, 0 };
			}
		}
		if (!n)
			break;
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -1;
			break;
		}
		for (int i = 0; i < n; i++) {
			int d = idx[i] % 2;
			ssize_t r;

			if (!p[i].revents)
				continue;
			if (idx[i] < 2) {
				r = read(src[d], buf[d], PUMP_BUF);
				if (r < 0 && (errno == EINTR || errno == EAGAIN))
					continue;
				if (r <= 0) {
					eof[d] = 1;
					/* The other end hears that this side is done. */
					if (dst[d] == b)
						shutdown(b, SHUT_WR);
					else
						close(dst[d]);
					continue;
				}
				off[d] = 0;
				len[d] = (size_t)r;
			} else {
				r = write(dst[d], buf[d] + off[d], len[d] - off[d]);
				if (r < 0 && (errno == EINTR || errno == EAGAIN))
					continue;
				if (r < 0) {
					eof[0] = eof[1] = 1;
					len[0] = off[0];
					len[1] = off[1];
					break;
				}
				off[d] += (size_t)r;
			}
		}
	}
	free(buf[0]);
	free(buf[1]);
	return ret;
}

int sbx_net_connect(const char *host, const char *port)
{
	const char *env = proxy_from_env();
	char norm[SBX_NET_NAME_MAX], *end;
	struct proxy_url u;
	struct sbx_buf req = SBX_BUF_INIT, ans = SBX_BUF_INIT;
	long p = strtol(port, &end, 10);
	size_t head_len = 0;
	int fd = -1, status = 0, ret = -1, kind;

	if (*end || end == port || p < 1 || p > 65535)
		return sbx_error("'%s' is not a port", port);
	kind = sbx_net_normalize_host(host, strlen(host), norm);
	if (kind < 0)
		return sbx_error("'%s' is not a host name or an address", host);
	if (!env)
		return sbx_error("no proxy: $HTTPS_PROXY, $ALL_PROXY and $HTTP_PROXY are unset");
	if (parse_proxy_url(env, &u))
		return -1;
	fd = dial(u.host, u.port);
	if (fd < 0)
		goto out;
	sbx_buf_addf(&req, kind == 1 && strchr(norm, ':') ? "CONNECT [%s]:%ld HTTP/1.1\r\nHost: [%s]:%ld\r\n"
			   : "CONNECT %s:%ld HTTP/1.1\r\nHost: %s:%ld\r\n", norm, p, norm, p);
	if (u.userinfo) {
		sbx_buf_adds(&req, "Proxy-Authorization: Basic ");
		sbx_base64_encode(&req, u.userinfo, strlen(u.userinfo), 0);
		sbx_buf_adds(&req, "\r\n");
	}
	sbx_buf_adds(&req, "\r\n");
	if (sbx_write_all(fd, req.buf, req.len)) {
		sbx_error_errno("cannot write to the proxy");
		goto out;
	}
	/* The answer's head, a byte at a time: what follows it is the tunnel's. */
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sbx_error("the proxy closed the connection");
			goto out;
		}
		sbx_buf_addch(&ans, c);
		r = sbx_http_parse_response(ans.buf, ans.len, &status, &head_len);
		if (r < 0) {
			sbx_error("the proxy's answer is malformed");
			goto out;
		}
		if (!r)
			break;
	}
	if (status != 200) {
		char body[1024];
		ssize_t n = read(fd, body, sizeof(body) - 1);

		body[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "sbx net connect: the proxy answered %d%s%s", status,
			n > 0 ? ": " : "\n", n > 0 ? body : "");
		ret = 1;
		goto out;
	}
	ret = pump(0, 1, fd) ? sbx_error_errno("the tunnel failed") : 0;
out:
	if (fd >= 0)
		close(fd);
	if (u.userinfo)
		memset(u.userinfo, 0, strlen(u.userinfo));
	free(u.userinfo);
	sbx_buf_release(&req);
	sbx_buf_release(&ans);
	return ret;
}

/* ------------------------------------------------------------- net relay */

struct pair {
	int fd[2];		/* client, proxy */
	char *buf[2];		/* bytes from fd[i] to fd[1 - i] */
	size_t off[2], len[2];
	int eof[2];
};

static void pair_close(struct pair *p)
{
	close(p->fd[0]);
	close(p->fd[1]);
	free(p->buf[0]);
	free(p->buf[1]);
	p->fd[0] = p->fd[1] = -1;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd = sbx_unix_stream_for(path, &sun);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* The relay's loop: every client to the proxy's socket. Never returns. */
static void relay_loop(int lfd, const char *to)
{
	struct pair *pairs = sbx_calloc(MAX_PAIRS, sizeof(*pairs));
	struct pollfd pfd[1 + 2 * MAX_PAIRS];

	for (int i = 0; i < MAX_PAIRS; i++)
		pairs[i].fd[0] = pairs[i].fd[1] = -1;
	for (;;) {
		int n = 1;

		pfd[0] = (struct pollfd){ lfd, POLLIN, 0 };
		for (int i = 0; i < MAX_PAIRS; i++) {
			struct pair *p = &pairs[i];

			for (int s = 0; s < 2; s++) {
				short ev = 0;

				if (p->fd[0] >= 0 && !p->eof[s] && p->off[s] == p->len[s])
					ev |= POLLIN;
				if (p->fd[0] >= 0 && p->off[1 - s] < p->len[1 - s])
					ev |= POLLOUT;
				pfd[n++] = (struct pollfd){ ev ? p->fd[s] : -1, ev, 0 };
			}
		}
		if (poll(pfd, (nfds_t)n, -1) < 0)
			continue;
		for (int i = 0; i < MAX_PAIRS; i++) {
			struct pair *p = &pairs[i];

			for (int s = 0; s < 2 && p->fd[0] >= 0; s++) {
				short rev = pfd[1 + 2 * i + s].revents;
				ssize_t r;

				if ((rev & (POLLIN | POLLHUP | POLLERR)) && !p->eof[s] &&
				    p->off[s] == p->len[s]) {
					r = read(p->fd[s], p->buf[s], PUMP_BUF);
					if (r > 0) {
						p->off[s] = 0;
						p->len[s] = (size_t)r;
					} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
						p->eof[s] = 1;
						shutdown(p->fd[1 - s], SHUT_WR);
					}
				}
				if ((rev & POLLOUT) && p->off[1 - s] < p->len[1 - s]) {
					r = write(p->fd[s], p->buf[1 - s] + p->off[1 - s],
						  p->len[1 - s] - p->off[1 - s]);
					if (r > 0)
						p->off[1 - s] += (size_t)r;
					else if (errno != EAGAIN && errno != EINTR)
						pair_close(p);
				}
			}
			if (p->fd[0] >= 0 && p->eof[0] && p->eof[1] && p->off[0] == p->len[0] &&
			    p->off[1] == p->len[1])
				pair_close(p);
		}
		if (pfd[0].revents) {
			int c = accept(lfd, NULL, NULL), u;

			for (int i = 0; c >= 0 && i < MAX_PAIRS; i++) {
				struct pair *p = &pairs[i];

				if (p->fd[0] >= 0)
					continue;
				u = connect_unix(to);
				if (u < 0)
					break;
				fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
				memset(p, 0, sizeof(*p));
				p->fd[0] = c;
				p->fd[1] = u;
				p->buf[0] = sbx_malloc(PUMP_BUF);
				p->buf[1] = sbx_malloc(PUMP_BUF);
				c = -1;
			}
			if (c >= 0)
				close(c);
		}
	}
}

int sbx_net_relay(const char *listen_on, const char *to, char *const *argv)
{
	int lfd = sbx_net_listen_tcp(listen_on);
	pid_t pid;

	if (lfd < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(lfd);
		return sbx_error_errno("cannot fork the relay");
	}
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		/* The relay holds no terminal; it ends with the sandbox's processes. */
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		signal(SIGPIPE, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		setsid();
		relay_loop(lfd, to);
		_exit(0);
	}
	close(lfd);
	execvp(argv[0], argv);
	return sbx_error_errno("cannot run '%s'", argv[0]);
}
