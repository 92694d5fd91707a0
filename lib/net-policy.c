/*
 * The egress policy (net-policy.h): names, entries, addresses, and the
 * decision the proxy makes before it looks anything up.
 */
#include "net-policy.h"
#include "agents.h"
#include "config.h"
#include "error.h"
#include "json.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const modes[] = { "open", "allowlist", "none", "host", NULL };

int sbx_net_mode_parse(const char *s)
{
	for (int i = 0; s && modes[i]; i++)
		if (!strcmp(s, modes[i]))
			return i;
	return -1;
}

const char *sbx_net_mode_name(enum sbx_net_mode m)
{
	return (unsigned)m < 4 ? modes[m] : "?";
}

/* ------------------------------------------------------------------ names */

static int is_label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int looks_like_address(const char *s)
{
	struct sockaddr_storage sa;
	socklen_t len;

	return !sbx_net_parse_address(s, &sa, &len);
}

int sbx_net_normalize_host(const char *in, size_t len, char *out)
{
	size_t label = 0;

	if (len && in[0] == '[') {
		/* An IPv6 address in brackets, as an authority writes it. */
		if (len < 3 || in[len - 1] != ']' || len - 2 >= SBX_NET_NAME_MAX)
			return -1;
		memcpy(out, in + 1, len - 2);
		out[len - 2] = '\0';
		for (char *p = out; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		return strchr(out, ':') && looks_like_address(out) ? 1 : -1;
	}
	if (len && in[len - 1] == '.')
		len--;
	if (!len || len >= SBX_NET_NAME_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c == '.') {
			if (!label)
				return -1;
			label = 0;
		} else if (is_label_char(c)) {
			if (++label > 63)
				return -1;
		} else if (c == ':') {
			/* Only an IPv6 address has one: checked below. */
			label = 1;
		} else {
			return -1;
		}
		out[i] = (char)c;
	}
	/* "a..": one trailing dot is the root, a second an empty label. */
	if (!label)
		return -1;
	out[len] = '\0';
	if (strchr(out, ':'))
		return looks_like_address(out) ? 1 : -1;
	if (looks_like_address(out))
		return 1;
	/* All digits and dots but no address ("1.2.3", "999.1.1.1"): not a name either. */
	if (strspn(out, "0123456789.") == len)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- entries */

int sbx_net_rule_parse(const char *text, struct sbx_net_rule *out)
{
	char name[SBX_NET_NAME_MAX];
	const char *host = text, *colon;
	size_t len;
	long port = 0;

	memset(out, 0, sizeof(*out));
	if (!strncmp(host, "*.", 2)) {
		out->suffix = 1;
		host += 2;
	}
	colon = strrchr(host, ':');
	len = colon ? (size_t)(colon - host) : strlen(host);
	if (colon) {
		char *end;

		if (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
			return -1;
		port = strtol(colon + 1, &end, 10);
		if (port < 1 || port > 65535)
			return -1;
	}
	/* Names only: an address is pinned to a name with network.hosts. */
	if (sbx_net_normalize_host(host, len, name) != 0)
		return -1;
	out->name = sbx_strdup(name);
	out->port = (int)port;
	return 0;
}

void sbx_net_rule_release(struct sbx_net_rule *r)
{
	free(r->name);
	free(r->origin);
	memset(r, 0, sizeof(*r));
}

int sbx_net_rule_matches(const struct sbx_net_rule *r, const char *host, int port)
{
	size_t hl = strlen(host), nl = strlen(r->name);

	if (r->port ? port != r->port : port != 80 && port != 443)
		return 0;
	if (!r->suffix)
		return !strcmp(host, r->name);
	/* "*.example.com": a.example.com and a.b.example.com, never example.com itself. */
	return hl > nl + 1 && host[hl - nl - 1] == '.' && !strcmp(host + hl - nl, r->name);
}

/* -------------------------------------------------------------- addresses */

int sbx_net_parse_address(const char *text, struct sockaddr_storage *sa, socklen_t *salen)
{
	char buf[64];
	size_t len = strlen(text);

	memset(sa, 0, sizeof(*sa));
	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
	}
	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &((struct sockaddr_in *)sa)->sin_addr) == 1) {
		sa->ss_family = AF_INET;
		*salen = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &((struct sockaddr_in6 *)sa)->sin6_addr) == 1) {
		sa->ss_family = AF_INET6;
		*salen = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -1;
}

static int in4(uint32_t a, uint32_t net, int bits)
{
	return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits));
}

static const char *v4_refused(uint32_t a)
{
	if (a == 0xa9fea9feu)
		return "the cloud metadata address";
	if (in4(a, 0x7f000000u, 8))
		return "a loopback address";
	if (in4(a, 0x00000000u, 8))
		return "an unspecified address";
	if (in4(a, 0x0a000000u, 8) || in4(a, 0xac100000u, 12) || in4(a, 0xc0a80000u, 16))
		return "a private address";
	if (in4(a, 0x64400000u, 10))
		return "a shared (carrier-grade NAT) address";
	if (in4(a, 0xa9fe0000u, 16))
		return "a link-local address";
	if (in4(a, 0xc0000000u, 24) || in4(a, 0xc0000200u, 24) || in4(a, 0xc6120000u, 15) ||
	    in4(a, 0xc6336400u, 24) || in4(a, 0xcb007100u, 24) || in4(a, 0xf0000000u, 4))
		return "a reserved address";
	if (in4(a, 0xe0000000u, 4))
		return "a multicast address";
	return NULL;
}

static uint32_t v4_at(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static const char *v6_refused(const unsigned char *b)
{
	static const unsigned char zero[16], loop[16] = { [15] = 1 };
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };

	if (!memcmp(b, zero, 16))
		return "an unspecified address";
	if (!memcmp(b, loop, 16))
		return "a loopback address";
	/* An IPv4 address written as IPv6 reaches that IPv4 address: judged as it. */
	if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12) || !memcmp(b, zero, 12))
		return v4_refused(v4_at(b + 12));
	if (b[0] == 0x20 && b[1] == 0x02)	/* 6to4 */
		return v4_refused(v4_at(b + 2));
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "a link-local address";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return "a site-local address";
	if ((b[0] & 0xfe) == 0xfc)
		return "a private address";	/* unique local, AWS's fd00:ec2::254 among them */
	if (b[0] == 0xff)
		return "a multicast address";
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return "a reserved address";
	if (b[0] == 0x01 && b[1] == 0x00 && !memcmp(b + 2, zero, 6))
		return "a reserved address";	/* discard-only 100::/64 */
	return NULL;
}

const char *sbx_net_address_refused(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		return v4_refused(ntohl(s4->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6)
		return v6_refused(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
	return "not an internet address";
}

/* ----------------------------------------------------------------- policy */

void sbx_net_policy_init(struct sbx_net_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = SBX_NET_OPEN;
}

void sbx_net_policy_release(struct sbx_net_policy *p)
{
	for (size_t i = 0; i < p->nr_allow; i++)
		sbx_net_rule_release(&p->allow[i]);
	for (size_t i = 0; i < p->nr_deny; i++)
		sbx_net_rule_release(&p->deny[i]);
	for (size_t i = 0; i < p->nr_pins; i++) {
		free(p->pins[i].name);
		free(p->pins[i].address);
	}
	free(p->allow);
	free(p->deny);
	free(p->pins);
	free(p->upstream_host);
	if (p->token)
		memset(p->token, 0, strlen(p->token));
	free(p->token);
	sbx_net_policy_init(p);
}

static int add_rule(struct sbx_net_rule **list, size_t *nr, size_t *alloc, const char *entry,
		    const char *origin)
{
	struct sbx_net_rule r;

	if (sbx_net_rule_parse(entry, &r))
		return sbx_error("%s: '%s' is not a host name, \"*.domain\" or either with \":port\"",
				 origin, entry);
	r.origin = sbx_strdup(origin);
	SBX_ALLOC_GROW(*list, *nr + 1, *alloc);
	(*list)[(*nr)++] = r;
	return 0;
}

int sbx_net_policy_allow(struct sbx_net_policy *p, const char *entry, const char *origin)
{
	return add_rule(&p->allow, &p->nr_allow, &p->alloc_allow, entry, origin);
}

int sbx_net_policy_deny(struct sbx_net_policy *p, const char *entry, const char *origin)
{
	return add_rule(&p->deny, &p->nr_deny, &p->alloc_deny, entry, origin);
}

int sbx_net_policy_pin(struct sbx_net_policy *p, const char *name, const char *address)
{
	char norm[SBX_NET_NAME_MAX];
	struct sbx_net_pin pin;

	if (sbx_net_normalize_host(name, strlen(name), norm) != 0)
		return sbx_error("network.hosts: '%s' is not a host name", name);
	memset(&pin, 0, sizeof(pin));
	if (sbx_net_parse_address(address, &pin.sa, &pin.salen))
		return sbx_error("network.hosts.%s: '%s' is not an IPv4 or IPv6 address", name, address);
	/* A later pin of the same name wins, as the configuration's maps do. */
	for (size_t i = 0; i < p->nr_pins; i++) {
		if (!strcmp(p->pins[i].name, norm)) {
			free(p->pins[i].address);
			p->pins[i].address = sbx_strdup(address);
			p->pins[i].sa = pin.sa;
			p->pins[i].salen = pin.salen;
			return 0;
		}
	}
	pin.name = sbx_strdup(norm);
	pin.address = sbx_strdup(address);
	SBX_ALLOC_GROW(p->pins, p->nr_pins + 1, p->alloc_pins);
	p->pins[p->nr_pins++] = pin;
	return 0;
}

int sbx_net_policy_upstream(struct sbx_net_policy *p, const char *text)
{
	char host[SBX_NET_NAME_MAX];
	const char *s = text, *colon;
	size_t len;
	long port;
	char *end;

	if (!strncmp(s, "http://", 7))
		s += 7;
	len = strcspn(s, "/");
	if (s[len] && strcmp(s + len, "/"))
		goto bad;
	colon = NULL;
	for (size_t i = 0; i < len; i++)
		if (s[i] == ':')
			colon = s + i;
	if (!colon || memchr(s, '@', len))
		goto bad;
	port = strtol(colon + 1, &end, 10);
	if (end != s + len || end == colon + 1 || port < 1 || port > 65535 ||
	    sbx_net_normalize_host(s, (size_t)(colon - s), host) < 0)
		goto bad;
	free(p->upstream_host);
	p->upstream_host = sbx_strdup(host);
	p->upstream_port = (int)port;
	return 0;
bad:
	return sbx_error("network.upstream: '%s' is not \"HOST:PORT\" or \"http://HOST:PORT\"", text);
}

const struct sbx_net_pin *sbx_net_policy_find_pin(const struct sbx_net_policy *p, const char *host)
{
	for (size_t i = 0; i < p->nr_pins; i++)
		if (!strcmp(p->pins[i].name, host))
			return &p->pins[i];
	return NULL;
}

static const struct sbx_net_rule *find_rule(const struct sbx_net_rule *list, size_t nr,
					    const char *host, int port)
{
	for (size_t i = 0; i < nr; i++)
		if (sbx_net_rule_matches(&list[i], host, port))
			return &list[i];
	return NULL;
}

/* How to allow host:port: the entry to add. */
static void entry_for(struct sbx_buf *b, const char *host, int port)
{
	if (port == 80 || port == 443)
		sbx_buf_addf(b, "\"%s\"", host);
	else
		sbx_buf_addf(b, "\"%s:%d\"", host, port);
}

int sbx_net_policy_check(const struct sbx_net_policy *p, const char *host, int is_address,
			 int port, struct sbx_buf *why)
{
	const struct sbx_net_rule *r = find_rule(p->deny, p->nr_deny, host, port);

	if (r) {
		sbx_buf_addf(why, "'%s' port %d is denied by \"%s%s", host, port,
			     r->suffix ? "*." : "", r->name);
		if (r->port)
			sbx_buf_addf(why, ":%d", r->port);
		sbx_buf_addf(why, "\" in %s", r->origin);
		return 0;
	}
	if (p->mode == SBX_NET_OPEN)
		return 1;
	if (p->mode != SBX_NET_ALLOWLIST) {
		sbx_buf_addf(why, "the network mode is '%s'", sbx_net_mode_name(p->mode));
		return 0;
	}
	if (is_address) {
		sbx_buf_addf(why, "'%s' is an address, and network.allow lists names: pin a name "
			     "to it in network.hosts and allow that name", host);
		return 0;
	}
	if (find_rule(p->allow, p->nr_allow, host, port))
		return 1;
	sbx_buf_addf(why, "'%s' port %d is not in network.allow (mode allowlist): add ", host, port);
	entry_for(why, host, port);
	sbx_buf_adds(why, " to network.allow");
	return 0;
}

/* ---------------------------------------------------------- configuration */

static const char *const npm[] = { "registry.npmjs.org", "registry.yarnpkg.com", NULL };
static const char *const pypi[] = { "pypi.org", "files.pythonhosted.org", NULL };
static const char *const crates[] = { "crates.io", "index.crates.io", "static.crates.io", NULL };
static const char *const go[] = { "proxy.golang.org", "sum.golang.org", NULL };
static const char *const rubygems[] = { "rubygems.org", "index.rubygems.org", NULL };
static const char *const maven[] = { "repo.maven.apache.org", "repo1.maven.org",
	"plugins.gradle.org", "services.gradle.org", NULL };
static const char *const debian[] = { "deb.debian.org", "security.debian.org", NULL };
static const char *const docker[] = { "registry-1.docker.io", "auth.docker.io",
	"production.cloudflare.docker.com", NULL };

static const struct {
	const char *name;
	const char *const *names;
} registries[] = {
	{ "npm", npm }, { "pypi", pypi }, { "crates", crates }, { "go", go },
	{ "rubygems", rubygems }, { "maven", maven }, { "debian", debian }, { "docker", docker },
};
#define NR_REGISTRIES (sizeof(registries) / sizeof(registries[0]))

const char *const sbx_net_registries[] = { "npm", "pypi", "crates", "go", "rubygems", "maven",
	"debian", "docker", NULL };

const char *const *sbx_net_registry_names(const char *registry)
{
	for (size_t i = 0; i < NR_REGISTRIES; i++)
		if (!strcmp(registries[i].name, registry))
			return registries[i].names;
	return NULL;
}

static int add_list(struct sbx_net_policy *p, const cJSON *list, const char *origin, int deny)
{
	for (const cJSON *e = list ? list->child : NULL; e; e = e->next) {
		if (!cJSON_IsString(e))
			continue;
		if (deny ? sbx_net_policy_deny(p, e->valuestring, origin)
			 : sbx_net_policy_allow(p, e->valuestring, origin))
			return -1;
	}
	return 0;
}

int sbx_net_policy_from_config(struct sbx_net_policy *p, const struct sbx_config *cfg,
			       const char *const *agents)
{
	const char *mode = sbx_config_string(cfg, "network.mode");
	const char *upstream = sbx_config_string(cfg, "network.upstream");
	const cJSON *regs = sbx_config_get(cfg, "network.registries");
	const cJSON *hosts = sbx_config_get(cfg, "network.hosts");

	sbx_net_policy_init(p);
	p->mode = sbx_net_mode_parse(mode) < 0 ? SBX_NET_OPEN :
		  (enum sbx_net_mode)sbx_net_mode_parse(mode);
	if (add_list(p, sbx_config_get(cfg, "network.allow"), "network.allow", 0) ||
	    add_list(p, sbx_config_get(cfg, "network.deny"), "network.deny", 1))
		goto fail;
	for (const cJSON *r = regs ? regs->child : NULL; r; r = r->next) {
		const char *const *names = cJSON_IsString(r) ? sbx_net_registry_names(r->valuestring)
							     : NULL;
		char *origin;
		int ret = 0;

		if (!names)
			continue;
		origin = sbx_asprintf("network.registries (%s)", r->valuestring);
		for (size_t i = 0; names[i] && !ret; i++)
			ret = sbx_net_policy_allow(p, names[i], origin);
		free(origin);
		if (ret)
			goto fail;
	}
	for (size_t i = 0; agents && agents[i]; i++) {
		struct sbx_agent a;
		char *origin;
		int ret = 0;

		/* The same agent twice (configured and run) lists its names once. */
		if (i && !strcmp(agents[i], agents[0]))
			continue;
		if (sbx_agent_resolve(&a, agents[i], cfg)) {
			sbx_clear_error();
			continue;
		}
		origin = sbx_asprintf("the agent %s (agents.%s.allow)", a.name, a.name);
		for (size_t j = 0; j < a.allow.nr && !ret; j++)
			ret = sbx_net_policy_allow(p, a.allow.v[j], origin);
		free(origin);
		sbx_agent_release(&a);
		if (ret)
			goto fail;
	}
	for (const cJSON *h = hosts ? hosts->child : NULL; h; h = h->next)
		if (cJSON_IsString(h) && sbx_net_policy_pin(p, h->string, h->valuestring))
			goto fail;
	if (upstream && *upstream && sbx_net_policy_upstream(p, upstream))
		goto fail;
	return 0;
fail:
	sbx_net_policy_release(p);
	return -1;
}

/* ------------------------------------------------------------------- JSON */

static cJSON *rules_json(const struct sbx_net_rule *list, size_t nr)
{
	cJSON *a = sbx_json_new_array();

	for (size_t i = 0; i < nr; i++) {
		cJSON *e = sbx_json_append(a, sbx_json_new_array());
		char *text = list[i].port ? sbx_asprintf("%s%s:%d", list[i].suffix ? "*." : "",
							 list[i].name, list[i].port)
					  : sbx_asprintf("%s%s", list[i].suffix ? "*." : "",
							 list[i].name);

		sbx_json_append(e, sbx_json_new_string(text));
		sbx_json_append(e, sbx_json_new_string(list[i].origin));
		free(text);
	}
	return a;
}

cJSON *sbx_net_policy_to_json(const struct sbx_net_policy *p)
{
	cJSON *doc = sbx_json_new_object(), *hosts;

	sbx_json_add_string(doc, "mode", sbx_net_mode_name(p->mode));
	sbx_json_add_item(doc, "allow", rules_json(p->allow, p->nr_allow));
	sbx_json_add_item(doc, "deny", rules_json(p->deny, p->nr_deny));
	hosts = sbx_json_add_item(doc, "hosts", sbx_json_new_object());
	for (size_t i = 0; i < p->nr_pins; i++)
		sbx_json_add_string(hosts, p->pins[i].name, p->pins[i].address);
	if (p->upstream_host) {
		char *up = sbx_asprintf(strchr(p->upstream_host, ':') ? "[%s]:%d" : "%s:%d",
					p->upstream_host, p->upstream_port);

		sbx_json_add_string(doc, "upstream", up);
		free(up);
	}
	if (p->token)
		sbx_json_add_string(doc, "token", p->token);
	return doc;
}

static int rules_from_json(struct sbx_net_policy *p, const cJSON *list, int deny)
{
	for (const cJSON *e = list ? list->child : NULL; e; e = e->next) {
		const cJSON *text = cJSON_GetArrayItem(e, 0), *origin = cJSON_GetArrayItem(e, 1);

		if (!cJSON_IsString(text) || !cJSON_IsString(origin))
			return sbx_error("the policy's rules are not [entry, origin] pairs");
		if (deny ? sbx_net_policy_deny(p, text->valuestring, origin->valuestring)
			 : sbx_net_policy_allow(p, text->valuestring, origin->valuestring))
			return -1;
	}
	return 0;
}

int sbx_net_policy_from_json(struct sbx_net_policy *p, const cJSON *doc)
{
	const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(doc, "hosts");
	const char *upstream = sbx_json_get_string(doc, "upstream");
	const char *token = sbx_json_get_string(doc, "token");
	int mode = sbx_net_mode_parse(sbx_json_get_string(doc, "mode"));

	sbx_net_policy_init(p);
	if (mode < 0)
		return sbx_error("the policy names no network mode");
	p->mode = (enum sbx_net_mode)mode;
	if (rules_from_json(p, cJSON_GetObjectItemCaseSensitive(doc, "allow"), 0) ||
	    rules_from_json(p, cJSON_GetObjectItemCaseSensitive(doc, "deny"), 1))
		goto fail;
	for (const cJSON *h = hosts ? hosts->child : NULL; h; h = h->next)
		if (!cJSON_IsString(h) || sbx_net_policy_pin(p, h->string, h->valuestring))
			goto fail;
	if (upstream && sbx_net_policy_upstream(p, upstream))
		goto fail;
	if (token)
		p->token = sbx_strdup(token);
	return 0;
fail:
	sbx_net_policy_release(p);
	return -1;
}
