#ifndef SBX_NET_PROXY_H
#define SBX_NET_PROXY_H

#include "net-policy.h"

/*
 * sbx's egress proxy: HTTP CONNECT, and plain HTTP requests in absolute form
 * (sent on with the Host the URL names), for one sandbox, decided by its
 * policy (net-policy.h) and logged (net-log.h). One thread runs every
 * connection from poll(2); name lookups run in a few threads of their own
 * (net-resolve.h). A CONNECT tunnel whose first byte is a TLS handshake
 * passes only when its ClientHello names the host CONNECT named (net-tls.h);
 * any other tunnel passes on host and port alone.
 *
 * What a refusal answers is a 403 whose body says what was refused and which
 * configuration key allows it; a missing or wrong Proxy-Authorization, where
 * the policy has a token, is a 407.
 */
struct sbx_proxy_opts {
	const struct sbx_net_policy *policy;
	int listen_fd;		/* a listening socket, TCP or unix */
	int parent_fd;		/* -1, or the read end of a pipe whose end ends the proxy */
	const char *log;	/* the run's log (net-log.h), or NULL */
};

/* Serves until SIGTERM or SIGINT, or until parent_fd ends. 0, or -1 with a message. */
int sbx_proxy_serve(const struct sbx_proxy_opts *o);

#endif
