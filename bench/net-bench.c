/*
 * The network benchmark's own server and client (bench/net-proxy.sh), so
 * that every path is timed by the same code and nothing goes through a shell:
 *
 *   net-bench serve PORTFILE            an HTTP server on 127.0.0.1 (a thread per
 *                                       connection): "GET /small" answers 64 bytes,
 *                                       "GET /big/N" N bytes
 *   net-bench conn HOST PORT N [PROXY]  N connections one after another, each one
 *                                       small request; PROXY (host:port) asks
 *                                       for a CONNECT tunnel to bench.test:PORT first.
 *                                       Prints the mean ms per connection.
 *   net-bench par HOST PORT N C [PROXY] N connections, C at a time: connections/s
 *   net-bench bulk HOST PORT MB [PROXY] one response of MB MiB: MB/s
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int dial(const char *host, int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

/* Reads up to the end of a head; what follows it stays unread but for *extra. */
static size_t read_head(int fd, char *buf, size_t max, size_t *extra)
{
	size_t len = 0;

	while (len < max) {
		ssize_t n = read(fd, buf + len, max - len);
		char *end;

		if (n <= 0)
			die("read");
		len += (size_t)n;
		end = memmem(buf, len, "\r\n\r\n", 4);
		if (end) {
			*extra = len - (size_t)(end + 4 - buf);
			return (size_t)(end + 4 - buf);
		}
	}
	die("head too long");
	return 0;
}

/* A connection to the server at port, through the proxy (host:port) when there is one. */
static int open_conn(const char *host, int port, const char *proxy)
{
	char buf[4096], phost[64];
	size_t extra;
	int fd, n;

	if (!proxy)
		return dial(host, port);
	snprintf(phost, sizeof(phost), "%.*s", (int)(strchr(proxy, ':') - proxy), proxy);
	fd = dial(phost, atoi(strchr(proxy, ':') + 1));
	n = snprintf(buf, sizeof(buf), "CONNECT bench.test:%d HTTP/1.1\r\nHost: bench.test:%d\r\n\r\n",
		     port, port);
	write_all(fd, buf, (size_t)n);
	read_head(fd, buf, sizeof(buf), &extra);
	if (strncmp(buf, "HTTP/1.1 200", 12))
		die("the proxy refused");
	return fd;
}

static void one_request(const char *host, int port, const char *proxy)
{
	static const char req[] = "GET /small HTTP/1.1\r\nHost: bench.test\r\n\r\n";
	char buf[4096];
	size_t extra, got;
	int fd = open_conn(host, port, proxy);

	write_all(fd, req, sizeof(req) - 1);
	read_head(fd, buf, sizeof(buf), &extra);
	got = extra;
	while (got < 64) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			die("read body");
		got += (size_t)n;
	}
	close(fd);
}

/* ----------------------------------------------------------------- server */

static void *serve_one(void *arg)
{
	int fd = (int)(long)arg;
	char buf[4096], *big;
	size_t extra, n;

	for (;;) {
		ssize_t r = 0;
		size_t len = 0;
		char *end = NULL;

		while (!end) {
			r = read(fd, buf + len, sizeof(buf) - len);
			if (r <= 0)
				goto out;
			len += (size_t)r;
			end = memmem(buf, len, "\r\n\r\n", 4);
		}
		(void)extra;
		if (!strncmp(buf, "GET /big/", 9)) {
			n = strtoul(buf + 9, NULL, 10);
			len = (size_t)snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
					       n);
			write_all(fd, buf, len);
			big = calloc(1, 1 << 16);
			while (n) {
				size_t k = n < (1 << 16) ? n : (1 << 16);

				write_all(fd, big, k);
				n -= k;
			}
			free(big);
		} else {
			static const char small[] = "HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n"
				"0123456789012345678901234567890123456789012345678901234567890123";

			write_all(fd, small, sizeof(small) - 1);
		}
	}
out:
	close(fd);
	return NULL;
}

static int serve(const char *portfile)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	FILE *f;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1024) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len))
		die("listen");
	f = fopen(portfile, "w");
	fprintf(f, "%d\n", ntohs(sa.sin_port));
	fclose(f);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, NULL, serve_one, (void *)(long)fd))
			close(fd);
		else
			pthread_detach(t);
	}
}

/* ----------------------------------------------------------------- client */

struct par {
	const char *host, *proxy;
	int port, n;
};

static void *par_worker(void *arg)
{
	struct par *p = arg;

	for (int i = 0; i < p->n; i++)
		one_request(p->host, p->port, p->proxy);
	return NULL;
}

int main(int argc, char **argv)
{
	double t0;

	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2]);
	if (argc >= 5 && !strcmp(argv[1], "conn")) {
		int n = atoi(argv[4]);

		one_request(argv[2], atoi(argv[3]), argc > 5 ? argv[5] : NULL);
		t0 = now();
		for (int i = 0; i < n; i++)
			one_request(argv[2], atoi(argv[3]), argc > 5 ? argv[5] : NULL);
		printf("%.4f\n", (now() - t0) * 1000 / n);
		return 0;
	}
	if (argc >= 6 && !strcmp(argv[1], "par")) {
		int n = atoi(argv[4]), c = atoi(argv[5]);
		pthread_t *t = calloc((size_t)c, sizeof(*t));
		struct par p = { argv[2], argc > 6 ? argv[6] : NULL, atoi(argv[3]), n / c };

		t0 = now();
		for (int i = 0; i < c; i++)
			pthread_create(&t[i], NULL, par_worker, &p);
		for (int i = 0; i < c; i++)
			pthread_join(t[i], NULL);
		printf("%.0f\n", (double)(p.n * c) / (now() - t0));
		free(t);
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "bulk")) {
		size_t mb = strtoul(argv[4], NULL, 10), want = mb << 20, got, extra;
		int fd = open_conn(argv[2], atoi(argv[3]), argc > 5 ? argv[5] : NULL);
		char req[128], *buf = malloc(1 << 16);
		int n = snprintf(req, sizeof(req), "GET /big/%zu HTTP/1.1\r\nHost: b\r\n\r\n", want);

		t0 = now();
		write_all(fd, req, (size_t)n);
		read_head(fd, buf, 1 << 16, &extra);
		got = extra;
		while (got < want) {
			ssize_t r = read(fd, buf, 1 << 16);

			if (r <= 0)
				die("read");
			got += (size_t)r;
		}
		printf("%.0f\n", (double)mb / (now() - t0));
		close(fd);
		free(buf);
		return 0;
	}
	fprintf(stderr, "usage: net-bench serve PORTFILE | conn HOST PORT N [PROXY] | "
		"par HOST PORT N C [PROXY] | bulk HOST PORT MB [PROXY]\n");
	return 2;
}
