/*
 * The server name of a TLS ClientHello (net-tls.h), read by RFC 8446's
 * layout: records (type, version, length), the handshake message inside
 * them (type 1, a 24-bit length), then the hello's fixed fields and its
 * extensions. Every length is checked against what is there.
 */
#include "net-tls.h"
#include "net-policy.h"

#include <stdint.h>
#include <string.h>

#define RECORD_HANDSHAKE 22
#define HANDSHAKE_CLIENT_HELLO 1
#define EXT_SERVER_NAME 0
#define EXT_ECH 0xfe0d
#define RECORD_MAX 16384

struct reader {
	const unsigned char *p;
	size_t left;
};

static int take(struct reader *r, size_t n, const unsigned char **out)
{
	if (r->left < n)
		return -1;
	if (out)
		*out = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

static int u8(struct reader *r, unsigned *v)
{
	const unsigned char *b;

	if (take(r, 1, &b))
		return -1;
	*v = b[0];
	return 0;
}

static int u16(struct reader *r, unsigned *v)
{
	const unsigned char *b;

	if (take(r, 2, &b))
		return -1;
	*v = (unsigned)b[0] << 8 | b[1];
	return 0;
}

/* A vector with a length of n bytes in front: its contents as a reader of their own. */
static int vec(struct reader *r, int n, struct reader *out)
{
	unsigned len;

	if ((n == 1 ? u8(r, &len) : u16(r, &len)) || take(r, len, &out->p))
		return -1;
	out->left = len;
	return 0;
}

/* The server_name extension: the first host_name of its list. */
static enum sbx_tls_hello server_name(struct reader *ext, char *sni)
{
	struct reader list;

	if (vec(ext, 2, &list) || ext->left)
		return SBX_TLS_BAD;
	while (list.left) {
		struct reader name;
		unsigned type;

		if (u8(&list, &type) || vec(&list, 2, &name))
			return SBX_TLS_BAD;
		if (type != 0)
			continue;
		/* A name, not an address: RFC 6066 forbids literal addresses here. */
		if (sbx_net_normalize_host((const char *)name.p, name.left, sni) != 0)
			return SBX_TLS_BAD;
		return SBX_TLS_SNI;
	}
	return SBX_TLS_NO_SNI;
}

static enum sbx_tls_hello parse_hello(struct reader *h, char *sni)
{
	struct reader skip, exts;
	enum sbx_tls_hello found = SBX_TLS_NO_SNI;
	unsigned seen_types[64], nr_seen = 0;

	/* legacy_version, random, session id, cipher suites, compression methods */
	if (take(h, 2 + 32, NULL) || vec(h, 1, &skip) || skip.left > 32 ||
	    vec(h, 2, &skip) || skip.left < 2 || skip.left % 2 || vec(h, 1, &skip) || !skip.left)
		return SBX_TLS_BAD;
	if (!h->left)
		return SBX_TLS_NO_SNI;
	if (vec(h, 2, &exts) || h->left)
		return SBX_TLS_BAD;
	while (exts.left) {
		struct reader body;
		unsigned type;

		if (u16(&exts, &type) || vec(&exts, 2, &body))
			return SBX_TLS_BAD;
		/* An extension given twice is malformed (RFC 8446 4.2): which would a server read? */
		for (unsigned i = 0; i < nr_seen; i++)
			if (seen_types[i] == type)
				return SBX_TLS_BAD;
		if (nr_seen < sizeof(seen_types) / sizeof(seen_types[0]))
			seen_types[nr_seen++] = type;
		else
			return SBX_TLS_BAD;
		if (type == EXT_ECH)
			return SBX_TLS_ECH;
		if (type == EXT_SERVER_NAME) {
			found = server_name(&body, sni);
			if (found == SBX_TLS_BAD)
				return found;
		}
	}
	return found;
}

enum sbx_tls_hello sbx_tls_client_hello(const unsigned char *data, size_t len, char *sni)
{
	unsigned char hello[SBX_TLS_HELLO_MAX + 4];
	size_t have = 0, need = 0;
	struct reader rec = { data, len }, h;

	/* The handshake message, from the fragments of as many records as it spans. */
	for (;;) {
		const unsigned char *hdr, *frag;
		unsigned rlen;

		if (rec.left < 5)
			return SBX_TLS_MORE;
		take(&rec, 5, &hdr);
		rlen = (unsigned)hdr[3] << 8 | hdr[4];
		if (hdr[0] != RECORD_HANDSHAKE || hdr[1] != 3 || hdr[2] > 4 || !rlen ||
		    rlen > RECORD_MAX)
			return SBX_TLS_BAD;
		if (take(&rec, rlen, &frag))
			return SBX_TLS_MORE;
		if (have + rlen > sizeof(hello))
			rlen = (unsigned)(sizeof(hello) - have);
		memcpy(hello + have, frag, rlen);
		have += rlen;
		if (have >= 4 && !need) {
			if (hello[0] != HANDSHAKE_CLIENT_HELLO)
				return SBX_TLS_BAD;
			need = 4 + ((size_t)hello[1] << 16 | (size_t)hello[2] << 8 | hello[3]);
			if (need - 4 > SBX_TLS_HELLO_MAX)
				return SBX_TLS_BAD;
		}
		if (need && have >= need)
			break;
		if (have >= sizeof(hello))
			return SBX_TLS_BAD;
	}
	/* Bytes of another message after the hello in its last record: not a client's first flight. */
	if (have > need)
		return SBX_TLS_BAD;
	h.p = hello + 4;
	h.left = need - 4;
	return parse_hello(&h, sni);
}
