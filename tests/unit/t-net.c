/*
 * The egress policy and the parsers of what a sandbox sends sbx's proxy
 * (net-policy.h, net-http.h, net-tls.h): names, entries, addresses, the
 * decision before any lookup, request heads and bodies cut every way, and
 * ClientHellos split across records and segments.
 */
#include "tap.h"

#include "config.h"
#include "error.h"
#include "json.h"
#include "net-http.h"
#include "net-policy.h"
#include "net-tls.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static int norm(const char *in, char *out)
{
	return sbx_net_normalize_host(in, strlen(in), out);
}

static void test_names(void)
{
	char out[SBX_NET_NAME_MAX], long_label[80], long_name[300];

	is_int(norm("Example.COM.", out), 0, "a name");
	is_str(out, "example.com", "lowercased, the trailing dot dropped");
	is_int(norm("a_b-c.d", out), 0, "underscores and dashes are name characters");
	is_int(norm("10.0.0.1", out), 1, "an IPv4 address");
	is_int(norm("[::1]", out), 1, "an IPv6 address in brackets");
	is_str(out, "::1", "without them");
	is_int(norm("::ffff:127.0.0.1", out), 1, "an IPv6 address without brackets");
	is_int(norm("1.2.3", out), -1, "digits and dots that are no address are no name");
	is_int(norm("a..b", out), -1, "an empty label");
	is_int(norm("a..", out), -1, "two trailing dots");
	is_int(norm(".a", out), -1, "a leading dot");
	is_int(norm("", out), -1, "nothing");
	is_int(norm("a b", out), -1, "a space");
	is_int(norm("a%2eb", out), -1, "percent-encoding");
	is_int(norm("a:b", out), -1, "a colon in a name");
	is_int(norm("[a.b]", out), -1, "brackets around a name");
	is_int(sbx_net_normalize_host("a\0b", 3, out), -1, "a NUL byte");
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	is_int(norm(long_label, out), -1, "a label over 63 bytes");
	memset(long_name, 'a', 260);
	for (int i = 10; i < 260; i += 10)
		long_name[i] = '.';
	long_name[260] = '\0';
	is_int(norm(long_name, out), -1, "a name over 253 bytes");
}

static void test_rules(void)
{
	struct sbx_net_rule r;

	is_int(sbx_net_rule_parse("GitHub.com", &r), 0, "a host");
	is_str(r.name, "github.com", "normalized");
	ok(!r.suffix && !r.port, "no suffix, no port");
	ok(sbx_net_rule_matches(&r, "github.com", 443), "matches port 443");
	ok(sbx_net_rule_matches(&r, "github.com", 80), "and 80");
	ok(!sbx_net_rule_matches(&r, "github.com", 22), "not 22");
	ok(!sbx_net_rule_matches(&r, "api.github.com", 443), "not a subdomain");
	ok(!sbx_net_rule_matches(&r, "evilgithub.com", 443), "not a name ending in it");
	sbx_net_rule_release(&r);

	is_int(sbx_net_rule_parse("*.example.com:8443", &r), 0, "a suffix with a port");
	ok(r.suffix && r.port == 8443, "parsed");
	ok(sbx_net_rule_matches(&r, "a.example.com", 8443), "a subdomain at its port");
	ok(sbx_net_rule_matches(&r, "a.b.example.com", 8443), "a deeper one");
	ok(!sbx_net_rule_matches(&r, "example.com", 8443), "never the name itself");
	ok(!sbx_net_rule_matches(&r, "a.example.com", 443), "nor another port");
	ok(!sbx_net_rule_matches(&r, "aexample.com", 8443), "nor a name that only ends alike");
	sbx_net_rule_release(&r);

	is_int(sbx_net_rule_parse("10.0.0.0/8", &r), -1, "a CIDR range is no entry");
	is_int(sbx_net_rule_parse("10.0.0.1", &r), -1, "nor an address");
	is_int(sbx_net_rule_parse("[::1]:443", &r), -1, "nor an IPv6 one");
	is_int(sbx_net_rule_parse("https://a.com", &r), -1, "nor a URL");
	is_int(sbx_net_rule_parse("a.com:0", &r), -1, "port 0");
	is_int(sbx_net_rule_parse("a.com:65536", &r), -1, "port 65536");
	is_int(sbx_net_rule_parse("a.com:", &r), -1, "an empty port");
	is_int(sbx_net_rule_parse("a.com:+80", &r), -1, "a signed port");
	is_int(sbx_net_rule_parse("*.", &r), -1, "a bare wildcard");
	is_int(sbx_net_rule_parse("*", &r), -1, "a star");
	is_int(sbx_net_rule_parse("a.*.com", &r), -1, "a star inside");
}

static int refused(const char *addr)
{
	struct sockaddr_storage sa;
	socklen_t len;

	if (sbx_net_parse_address(addr, &sa, &len))
		return -1;
	return sbx_net_address_refused((struct sockaddr *)&sa) != NULL;
}

static void test_addresses(void)
{
	static const char *const bad[] = { "127.0.0.1", "127.1.2.3", "10.1.2.3", "172.16.0.1",
		"172.31.255.255", "192.168.1.1", "169.254.169.254", "169.254.1.1", "100.64.0.1",
		"0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
		"fd00:ec2::254", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe",
		"2002:7f00:1::", "::127.0.0.1", "ff02::1", NULL };
	static const char *const good[] = { "1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1",
		"2606:4700:4700::1111", "::ffff:1.1.1.1", NULL };
	struct sockaddr_storage sa;
	socklen_t len;

	for (size_t i = 0; bad[i]; i++)
		is_int(refused(bad[i]), 1, "%s is refused", bad[i]);
	for (size_t i = 0; good[i]; i++)
		is_int(refused(good[i]), 0, "%s is public", good[i]);
	sbx_net_parse_address("169.254.169.254", &sa, &len);
	is_str(sbx_net_address_refused((struct sockaddr *)&sa), "the cloud metadata address",
	       "the metadata address says so");
	is_int(sbx_net_parse_address("1.2.3", &sa, &len), -1, "not an address");
}

static struct sbx_net_policy policy(enum sbx_net_mode mode)
{
	struct sbx_net_policy p;

	sbx_net_policy_init(&p);
	p.mode = mode;
	sbx_net_policy_allow(&p, "allowed.test", "network.allow");
	sbx_net_policy_allow(&p, "*.sub.test:8443", "network.allow");
	sbx_net_policy_deny(&p, "bad.sub.test:8443", "network.deny");
	sbx_net_policy_pin(&p, "Allowed.Test.", "127.0.0.2");
	return p;
}

static int check(const struct sbx_net_policy *p, const char *host, int port, struct sbx_buf *why)
{
	char h[SBX_NET_NAME_MAX];
	int kind = sbx_net_normalize_host(host, strlen(host), h);

	sbx_buf_reset(why);
	return sbx_net_policy_check(p, h, kind == 1, port, why);
}

static void test_policy(void)
{
	struct sbx_net_policy p = policy(SBX_NET_ALLOWLIST), q;
	struct sbx_buf why = SBX_BUF_INIT;
	cJSON *doc;

	is_int(check(&p, "allowed.test", 443, &why), 1, "a listed name");
	is_int(check(&p, "ALLOWED.test.", 80, &why), 1, "however it is spelled");
	is_int(check(&p, "x.sub.test", 8443, &why), 1, "a subdomain at its port");
	is_int(check(&p, "other.test", 443, &why), 0, "a name not listed");
	is_str(why.buf, "'other.test' port 443 is not in network.allow (mode allowlist): add "
	       "\"other.test\" to network.allow", "says which key allows it");
	is_int(check(&p, "allowed.test", 22, &why), 0, "a listed name at another port");
	like(why.buf, "add \"allowed.test:22\"", "names the entry with its port");
	is_int(check(&p, "bad.sub.test", 8443, &why), 0, "deny wins over allow");
	is_str(why.buf, "'bad.sub.test' port 8443 is denied by \"bad.sub.test:8443\" in network.deny",
	       "naming the entry");
	is_int(check(&p, "127.0.0.2", 443, &why), 0, "an address in allowlist mode");
	like(why.buf, "network.hosts", "points at network.hosts");
	ok(sbx_net_policy_find_pin(&p, "allowed.test") != NULL, "the pin, normalized");
	is_str(sbx_net_policy_find_pin(&p, "allowed.test")->address, "127.0.0.2", "its address");

	p.mode = SBX_NET_OPEN;
	is_int(check(&p, "anything.example", 443, &why), 1, "open: any name");
	is_int(check(&p, "1.1.1.1", 443, &why), 1, "open: an address, checked later");
	is_int(check(&p, "bad.sub.test", 8443, &why), 0, "open: deny still wins");
	p.mode = SBX_NET_NONE;
	is_int(check(&p, "allowed.test", 443, &why), 0, "none: nothing");

	p.mode = SBX_NET_ALLOWLIST;
	is_int(sbx_net_policy_upstream(&p, "http://proxy.corp:3128/"), 0, "an upstream URL");
	is_str(p.upstream_host, "proxy.corp", "its host");
	is_int(p.upstream_port, 3128, "its port");
	is_int(sbx_net_policy_upstream(&p, "[::1]:8080"), 0, "an IPv6 upstream");
	is_int(sbx_net_policy_upstream(&p, "http://u:p@proxy:1"), -1, "no credentials in it");
	is_int(sbx_net_policy_upstream(&p, "proxy"), -1, "a port is needed");
	p.token = sbx_strdup("secret-token");
	doc = sbx_net_policy_to_json(&p);
	is_int(sbx_net_policy_from_json(&q, doc), 0, "the policy survives JSON");
	is_int(q.mode, SBX_NET_ALLOWLIST, "its mode");
	is_int((int)q.nr_allow, 2, "its allow list");
	is_str(q.allow[1].origin, "network.allow", "with origins");
	is_int(q.allow[1].port, 8443, "and ports");
	is_int((int)q.nr_deny, 1, "its deny list");
	is_str(q.pins[0].address, "127.0.0.2", "its pins");
	is_str(q.upstream_host, "::1", "its upstream");
	is_str(q.token, "secret-token", "its token");
	cJSON_Delete(doc);
	sbx_net_policy_release(&q);
	sbx_net_policy_release(&p);
	sbx_buf_release(&why);
}

static void test_from_config(void)
{
	struct sbx_config *cfg = sbx_config_new();
	const char *agents[] = { "claude", "shell", NULL };
	struct sbx_net_policy p;
	struct sbx_buf why = SBX_BUF_INIT;
	cJSON *doc;

	doc = cJSON_Parse("{\"network\": {\"mode\": \"allowlist\", \"allow\": [\"a.test\"],"
			  " \"registries\": [\"npm\"], \"hosts\": {\"a.test\": \"10.0.0.1\"}},"
			  " \"agents\": {\"mine\": {\"command\": \"x\", \"allow\": [\"mine.test\"]}}}");
	is_int(sbx_config_merge(cfg, SBX_LAYER_USER, "user.json", doc), 0, "a configuration");
	cJSON_Delete(doc);
	is_int(sbx_net_policy_from_config(&p, cfg, agents), 0, "makes a policy");
	is_int(check(&p, "a.test", 443, &why), 1, "with network.allow");
	is_int(check(&p, "github.com", 443, &why), 1, "with the default list kept");
	is_int(check(&p, "github.com", 22, &why), 1, "git over ssh to it");
	is_int(check(&p, "registry.npmjs.org", 443, &why), 1, "with a registry asked for");
	is_int(check(&p, "pypi.org", 443, &why), 0, "not one that was not");
	is_int(check(&p, "api.anthropic.com", 443, &why), 1, "with the agent's own names");
	is_int(check(&p, "mine.test", 443, &why), 0, "not another agent's");
	sbx_net_policy_release(&p);
	agents[1] = "mine";
	is_int(sbx_net_policy_from_config(&p, cfg, agents), 0, "with an agent of one's own");
	is_int(check(&p, "mine.test", 443, &why), 1, "its agents.NAME.allow");
	sbx_net_policy_release(&p);
	sbx_config_free(cfg);
	sbx_buf_release(&why);
}

/* ---------------------------------------------------------------- HTTP */

static int parse(const char *head, struct sbx_http_request *r)
{
	size_t n;

	sbx_http_request_release(r);
	return sbx_http_parse_request(head, strlen(head), r, &n);
}

static void test_http(void)
{
	struct sbx_http_request r;
	size_t n;
	const char *h;

	sbx_http_request_init(&r);
	is_int(parse("CONNECT Api.Example.com.:443 HTTP/1.1\r\nHost: x\r\n\r\n", &r), 0,
	       "CONNECT");
	ok(r.connect && r.port == 443 && !r.is_address, "its host and port");
	is_str(r.host, "api.example.com", "normalized");
	is_int(parse("CONNECT [::1]:22 HTTP/1.1\r\n\r\n", &r), 0, "CONNECT to an IPv6 address");
	ok(r.is_address && r.port == 22, "an address");
	is_int(parse("CONNECT example.com HTTP/1.1\r\n\r\n", &r), -1, "CONNECT without a port");
	is_int(parse("CONNECT a@b:443 HTTP/1.1\r\n\r\n", &r), -1, "CONNECT with userinfo");
	is_int(parse("CONNECT a.com:99999 HTTP/1.1\r\n\r\n", &r), -1, "a port too large");

	h = "GET http://Example.com/a/b?c=d HTTP/1.1\r\nHost: other.test\r\n"
	    "Proxy-Authorization: Basic eDp5\r\nConnection: keep-alive, X-Drop\r\n"
	    "X-Drop: 1\r\nX-Keep: 2\r\nProxy-Connection: close\r\nUpgrade: h2c\r\n\r\n";
	is_int(parse(h, &r), 0, "a plain request");
	is_str(r.host, "example.com", "its host");
	is_int(r.port, 80, "port 80 by default");
	is_str(r.path, "/a/b?c=d", "its path");
	is_str(r.authority, "Example.com", "the authority the Host will be");
	is_str(r.proxy_auth, "Basic eDp5", "the proxy's credentials, kept apart");
	is_str(r.headers.buf, "X-Keep: 2\r\n", "hop-by-hop headers, Host and what Connection names dropped");
	is_int(parse("GET http://a.com?q HTTP/1.0\r\n\r\n", &r), 0, "a query without a path");
	is_str(r.path, "/?q", "gets one");
	is_int(parse("GET http://a.com HTTP/1.1\r\n\r\n", &r), 0, "no path at all");
	is_str(r.path, "/", "is /");

	is_int(parse("GET / HTTP/1.1\r\nHost: a.com\r\n\r\n", &r), -1, "origin-form is refused");
	like(r.error, "absolute http:// URL", "saying what a proxy takes");
	is_int(parse("GET https://a.com/ HTTP/1.1\r\n\r\n", &r), -1, "an https URL");
	is_int(parse("GET http://u:p@a.com/ HTTP/1.1\r\n\r\n", &r), -1, "userinfo");
	is_int(parse("GET http://a.com/#x HTTP/1.1\r\n\r\n", &r), -1, "a fragment");
	is_int(parse("GET http://a.com/ HTTP/2.0\r\n\r\n", &r), -1, "HTTP/2 in a head");
	is_int(r.status, 505, "is 505");
	is_int(parse("GET http://a.com/ HTTP/1.1\r\nX: a\r\n b\r\n\r\n", &r), -1, "a folded line");
	is_int(parse("GET http://a.com/ HTTP/1.1\r\nX : a\r\n\r\n", &r), -1, "a space before the colon");
	is_int(parse("GET http://a.com/ HTTP/1.1\r\nX: a\nY: b\r\n\r\n", &r), -1, "a bare LF");
	is_int(parse("GET  http://a.com/ HTTP/1.1\r\n\r\n", &r), -1, "two spaces");
	is_int(parse("GET http://a.com/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		     &r), -1, "two lengths that differ");
	is_int(parse("GET http://a.com/ HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n",
		     &r), 0, "the same length twice");
	is_int(parse("GET http://a.com/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &r), -1,
	       "a negative length");
	is_int(parse("POST http://a.com/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		     "Content-Length: 3\r\n\r\n", &r), -1, "a length and chunked");
	is_int(parse("POST http://a.com/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &r),
	       -1, "a coding but chunked");
	is_int(r.status, 501, "is 501");
	is_int(parse("GET http://a.com/ HTTP/1.1\r\nX: a\r\n", &r), 1, "a head not ended yet");
	is_int(parse("G\x01T", &r), -1, "garbage is refused before its end");
	{
		char big[SBX_HTTP_HEAD_MAX + 64];

		memset(big, 'a', sizeof(big));
		memcpy(big, "GET http://a.com/ HTTP/1.1\r\nX: ", 31);
		ok(sbx_http_parse_request(big, sizeof(big), &r, &n) == -1 && r.status == 431,
		   "a head that never ends is 431");
	}
	sbx_http_request_release(&r);

	{
		int status;

		is_int(sbx_http_parse_response("HTTP/1.1 200 OK\r\n\r\nrest", 23, &status, &n), 0,
		       "a response head");
		ok(status == 200 && n == 19, "its status and length");
		is_int(sbx_http_parse_response("HTTP/1.1 2x0 OK\r\n\r\n", 19, &status, &n), -1,
		       "a bad status");
	}
}

/* Feeds body in pieces of piece bytes; returns how many belonged to it, -1 when refused. */
static long feed(const char *body, size_t len, int chunked, long long length, size_t piece,
		 int *done)
{
	struct sbx_http_request r;
	struct sbx_http_body b;
	long total = 0;

	sbx_http_request_init(&r);
	r.chunked = chunked;
	r.length = length;
	sbx_http_body_init(&b, &r);
	for (size_t off = 0; off < len && !b.done; off += piece) {
		size_t n = len - off < piece ? len - off : piece;
		long got = sbx_http_body_feed(&b, body + off, n);

		if (got < 0)
			return -1;
		total += got;
		if ((size_t)got < n && !b.done)
			return -2;
	}
	*done = b.done;
	return total;
}

static void test_bodies(void)
{
	const char *ch = "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nGET /next";
	size_t body_len = strlen(ch) - strlen("GET /next");
	int done, all = 1;

	for (size_t piece = 1; piece <= strlen(ch); piece++) {
		long n = feed(ch, strlen(ch), 1, -1, piece, &done);

		all &= n == (long)body_len && done;
	}
	ok(all, "a chunked body ends where it ends, however it is cut");
	is_int(feed("hello world", 11, 0, 5, 3, &done), 5, "a length: that many bytes");
	ok(done, "and then it is done");
	is_int(feed("x", 1, 0, -1, 1, &done), 0, "no length: no body");
	is_int(feed("zz\r\n", 4, 1, -1, 1, &done), -1, "a size that is not hex");
	is_int(feed("5\r\nhelloXY", 10, 1, -1, 1, &done), -1, "data without its CRLF");
	is_int(feed("1234567890123456\r\n", 18, 1, -1, 4, &done), -1, "a size over 15 digits");
	is_int(feed("\r\n", 2, 1, -1, 1, &done), -1, "an empty size");
	is_int(feed("0\r\nX: a\nb\r\n\r\n", 14, 1, -1, 1, &done), -1, "a bare LF in a trailer");
}

/* ------------------------------------------------------------------ TLS */

static void put16(struct sbx_buf *b, unsigned v)
{
	sbx_buf_addch(b, (char)(v >> 8));
	sbx_buf_addch(b, (char)v);
}

/* A ClientHello with the extensions given (type, body) as records of at most rec bytes. */
static void hello(struct sbx_buf *out, const char *sni, int ech, int dup, size_t rec)
{
	struct sbx_buf exts = SBX_BUF_INIT, body = SBX_BUF_INIT, hs = SBX_BUF_INIT;

	for (int i = 0; i <= dup && sni; i++) {
		size_t n = strlen(sni);

		put16(&exts, 0);
		put16(&exts, (unsigned)(n + 5));
		put16(&exts, (unsigned)(n + 3));
		sbx_buf_addch(&exts, 0);
		put16(&exts, (unsigned)n);
		sbx_buf_adds(&exts, sni);
	}
	put16(&exts, 0x002b);	/* supported_versions */
	put16(&exts, 3);
	sbx_buf_add(&exts, "\x02\x03\x04", 3);
	if (ech) {
		put16(&exts, 0xfe0d);
		put16(&exts, 1);
		sbx_buf_addch(&exts, 0);
	}
	put16(&body, 0x0303);
	for (int i = 0; i < 32; i++)
		sbx_buf_addch(&body, (char)i);
	sbx_buf_addch(&body, 0);			/* session id */
	put16(&body, 2);
	put16(&body, 0x1301);				/* a cipher suite */
	sbx_buf_add(&body, "\x01\x00", 2);		/* compression: null */
	put16(&body, (unsigned)exts.len);
	sbx_buf_add(&body, exts.buf, exts.len);
	sbx_buf_addch(&hs, 1);
	sbx_buf_addch(&hs, 0);
	put16(&hs, (unsigned)body.len);
	sbx_buf_add(&hs, body.buf, body.len);
	for (size_t off = 0; off < hs.len; off += rec) {
		size_t n = hs.len - off < rec ? hs.len - off : rec;

		sbx_buf_add(out, "\x16\x03\x01", 3);
		put16(out, (unsigned)n);
		sbx_buf_add(out, hs.buf + off, n);
	}
	sbx_buf_release(&exts);
	sbx_buf_release(&body);
	sbx_buf_release(&hs);
}

static enum sbx_tls_hello sni_of(const struct sbx_buf *b, size_t len, char *sni)
{
	return sbx_tls_client_hello((const unsigned char *)b->buf, len, sni);
}

static void test_tls(void)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char sni[SBX_NET_NAME_MAX];
	int more = 1;

	hello(&b, "Api.Example.com", 0, 0, 16384);
	is_int(sni_of(&b, b.len, sni), SBX_TLS_SNI, "a ClientHello with a server name");
	is_str(sni, "api.example.com", "normalized");
	for (size_t len = 0; len < b.len; len++)
		more &= sni_of(&b, len, sni) == SBX_TLS_MORE;
	ok(more, "every prefix of it asks for more");
	sbx_buf_reset(&b);
	hello(&b, "split.example", 0, 0, 7);
	is_int(sni_of(&b, b.len, sni), SBX_TLS_SNI, "one split across many records");
	is_str(sni, "split.example", "is read whole");
	sbx_buf_reset(&b);
	hello(&b, NULL, 0, 0, 16384);
	is_int(sni_of(&b, b.len, sni), SBX_TLS_NO_SNI, "no server name");
	sbx_buf_reset(&b);
	hello(&b, "a.example", 1, 0, 16384);
	is_int(sni_of(&b, b.len, sni), SBX_TLS_ECH, "encrypted_client_hello");
	sbx_buf_reset(&b);
	hello(&b, "a.example", 0, 1, 16384);
	is_int(sni_of(&b, b.len, sni), SBX_TLS_BAD, "server_name twice");
	sbx_buf_reset(&b);
	hello(&b, "10.0.0.1", 0, 0, 16384);
	is_int(sni_of(&b, b.len, sni), SBX_TLS_BAD, "an address as server name");
	sbx_buf_reset(&b);
	hello(&b, "a.example", 0, 0, 16384);
	b.buf[5] = 2;	/* a ServerHello */
	is_int(sni_of(&b, b.len, sni), SBX_TLS_BAD, "not a ClientHello");
	sbx_buf_reset(&b);
	hello(&b, "a.example", 0, 0, 16384);
	b.buf[0] = 0x17;
	is_int(sni_of(&b, b.len, sni), SBX_TLS_BAD, "application data");
	sbx_buf_reset(&b);
	hello(&b, "a.example", 0, 0, 16384);
	b.buf[6] = 0x7f;	/* a handshake length far beyond the bound */
	is_int(sni_of(&b, b.len, sni), SBX_TLS_BAD, "a hello longer than the bound");
	sbx_buf_reset(&b);
	hello(&b, "a.example", 0, 0, 16384);
	sbx_buf_add(&b, "\x16\x03\x01\x00\x01\x02", 6);
	is_int(sni_of(&b, b.len, sni), SBX_TLS_SNI, "bytes after the hello's last record wait");
	sbx_buf_release(&b);
}

int main(void)
{
	test_names();
	test_rules();
	test_addresses();
	test_policy();
	test_from_config();
	test_http();
	test_bodies();
	test_tls();
	return done_testing();
}
