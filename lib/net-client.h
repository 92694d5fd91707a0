#ifndef SBX_NET_CLIENT_H
#define SBX_NET_CLIENT_H

/*
 * The sandbox's side of sbx's proxy (net-proxy.h), run inside a sandbox:
 *
 * sbx_net_connect is `sbx net connect HOST PORT`, the ProxyCommand of the
 * GIT_SSH_COMMAND a sandbox gets (Debian's nc cannot CONNECT): it asks the
 * proxy of $HTTPS_PROXY (else $https_proxy, $ALL_PROXY, $all_proxy,
 * $HTTP_PROXY, $http_proxy; credentials in it become Proxy-Authorization)
 * for a tunnel, then copies standard input to it and it to standard output.
 * Returns 0 when the tunnel ended, 1 when the proxy refused it (its answer on
 * standard error), -1 with a message.
 *
 * sbx_net_relay is `sbx net relay`, for where sbx cannot put the proxy's
 * listener in the sandbox's network namespace itself (a setuid bwrap): it
 * listens on ADDR:PORT inside, forks a relay that connects each client to
 * the unix socket `to` (the proxy, bound into the sandbox), and execs argv.
 * Returns only on failure (-1 with a message).
 */
int sbx_net_connect(const char *host, const char *port);
int sbx_net_relay(const char *listen, const char *to, char *const *argv);

/* A TCP listener on "ADDR:PORT" (IPv4 or [IPv6]; PORT 0 picks one), never SO_REUSEPORT. */
int sbx_net_listen_tcp(const char *addr_port);
/* Where a socket listens, as "ADDR:PORT", into out. */
void sbx_net_local_address(int fd, char *out, unsigned outsz);

#endif
