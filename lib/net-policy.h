#ifndef SBX_NET_POLICY_H
#define SBX_NET_POLICY_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <sys/socket.h>

#include "buf.h"

struct sbx_config;

/*
 * A sandbox's egress policy: the network mode, the names it may reach and
 * the names pinned to addresses, decided on the host by sbx's proxy
 * (net-proxy.h). Everything the proxy is asked comes from the sandbox, so
 * every name is checked here before any DNS lookup, and every address a
 * lookup returns is checked again (sbx_net_address_refused).
 */

enum sbx_net_mode {
	SBX_NET_OPEN,		/* any public name, through the proxy */
	SBX_NET_ALLOWLIST,	/* only listed names, through the proxy */
	SBX_NET_NONE,		/* loopback only */
	SBX_NET_HOST,		/* the host's own network namespace (bwrap), no proxy */
};

/* "open", "allowlist", ... -> mode; -1 for none of them. */
int sbx_net_mode_parse(const char *s);
const char *sbx_net_mode_name(enum sbx_net_mode m);
/* Does the mode go through the proxy? */
static inline int sbx_net_mode_proxied(enum sbx_net_mode m)
{
	return m == SBX_NET_OPEN || m == SBX_NET_ALLOWLIST;
}

/* The longest name: 253 bytes (RFC 1035), plus room for the terminator. */
#define SBX_NET_NAME_MAX 254

/*
 * A host as a request names it, normalized into out (SBX_NET_NAME_MAX
 * bytes): ASCII letters lowercased, one trailing dot dropped. A name is
 * labels of letters, digits, '-' and '_', each 1 to 63 bytes, 253 in all.
 * Returns 0 for a name, 1 for an IPv4 or IPv6 address (out: its text;
 * brackets removed), -1 for anything else.
 */
int sbx_net_normalize_host(const char *in, size_t len, char *out);

/*
 * An entry of network.allow or network.deny: "host", "*.suffix" (strict
 * subdomains) and either with ":port" (without one: ports 80 and 443).
 */
struct sbx_net_rule {
	char *name;		/* normalized, without "*." */
	unsigned suffix : 1;
	int port;		/* 0: 80 and 443 */
	char *origin;		/* who listed it, for messages: "network.allow", "agent claude" */
};

/* Parses an entry; -1 when it is none (an address, a CIDR range, a URL, a bad port). */
int sbx_net_rule_parse(const char *text, struct sbx_net_rule *out);
void sbx_net_rule_release(struct sbx_net_rule *r);
/* Does the rule cover host (normalized) at port? */
int sbx_net_rule_matches(const struct sbx_net_rule *r, const char *host, int port);

/* A name pinned to an address by network.hosts, as `docker run --add-host` does. */
struct sbx_net_pin {
	char *name;
	char *address;			/* its text */
	struct sockaddr_storage sa;	/* port 0 */
	socklen_t salen;
};

/* Parses an address (IPv4, or IPv6 with or without brackets) into sa; -1 if none. */
int sbx_net_parse_address(const char *text, struct sockaddr_storage *sa, socklen_t *salen);

/*
 * Why an address may not be reached unless a name is pinned to it:
 * "a loopback address", "a private address", "the cloud metadata address"...
 * NULL for a public address. IPv4 inside IPv6 (mapped, NAT64, 6to4) is
 * judged as the IPv4 address.
 */
const char *sbx_net_address_refused(const struct sockaddr *sa);

struct sbx_net_policy {
	enum sbx_net_mode mode;
	struct sbx_net_rule *allow, *deny;
	size_t nr_allow, alloc_allow, nr_deny, alloc_deny;
	struct sbx_net_pin *pins;
	size_t nr_pins, alloc_pins;
	char *upstream_host;		/* network.upstream, or NULL */
	int upstream_port;
	char *token;			/* the Proxy-Authorization password asked for, or NULL */
};

void sbx_net_policy_init(struct sbx_net_policy *p);
void sbx_net_policy_release(struct sbx_net_policy *p);
/* Adds an entry (sbx_net_rule_parse) listed by origin; -1 with a message when it is none. */
int sbx_net_policy_allow(struct sbx_net_policy *p, const char *entry, const char *origin);
int sbx_net_policy_deny(struct sbx_net_policy *p, const char *entry, const char *origin);
int sbx_net_policy_pin(struct sbx_net_policy *p, const char *name, const char *address);
/* "HOST:PORT" or "http://HOST:PORT[/]" of network.upstream; -1 with a message. */
int sbx_net_policy_upstream(struct sbx_net_policy *p, const char *text);
/* The pin of host (normalized), or NULL. */
const struct sbx_net_pin *sbx_net_policy_find_pin(const struct sbx_net_policy *p, const char *host);

/*
 * The first decision, on the name alone, before any lookup: 1 to go on
 * (resolve, then check the addresses), 0 refused with why (what was refused
 * and which configuration key allows it). host is normalized; is_address
 * says it is an address's text (sbx_net_normalize_host returned 1).
 */
int sbx_net_policy_check(const struct sbx_net_policy *p, const char *host, int is_address,
			 int port, struct sbx_buf *why);

/*
 * The policy from a session's configuration: network.mode, network.allow
 * (its default list included), network.registries, the names of the agents
 * named (NULL-terminated: the configured one, the one run), network.deny,
 * network.hosts and network.upstream. -1 with a message.
 */
int sbx_net_policy_from_config(struct sbx_net_policy *p, const struct sbx_config *cfg,
			       const char *const *agents);

/*
 * The policy as JSON for the proxy process (`sbx net serve`), and back.
 * The token is in it: it travels through a descriptor, never an argv.
 */
cJSON *sbx_net_policy_to_json(const struct sbx_net_policy *p);
int sbx_net_policy_from_json(struct sbx_net_policy *p, const cJSON *doc);

/* The registries network.registries names: "npm", "pypi", ... NULL-terminated. */
extern const char *const sbx_net_registries[];
/* The names of one of them, NULL-terminated; NULL for an unknown one. */
const char *const *sbx_net_registry_names(const char *registry);

#endif
