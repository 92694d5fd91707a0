#include "names.h"
#include "buf.h"
#include "error.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define MAX_BASE 20

/*
 * FNV-1a, 64 bits, twice with different offsets for up to 32 hex digits:
 * names and change detection need a stable spread, not a cryptographic hash,
 * and a hashing library would cost every sbx process its load time.
 */
static uint64_t fnv1a(const unsigned char *p, size_t len, uint64_t h)
{
	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

char *sbx_hash_hex(const void *data, size_t len, int nchars)
{
	char hex[33];

	snprintf(hex, sizeof(hex), "%016llx%016llx",
		 (unsigned long long)fnv1a(data, len, 0xcbf29ce484222325ULL),
		 (unsigned long long)fnv1a(data, len, 0x84222325cbf29ce4ULL));
	if (nchars > 32)
		nchars = 32;
	return sbx_strndup(hex, (size_t)(nchars < 0 ? 0 : nchars));
}

char *sbx_random_id(int nchars)
{
	unsigned char bytes[32];
	char *out;

	if (nchars > 32)
		nchars = 32;
	out = sbx_malloc((size_t)nchars + 1);
	/* getentropy exists on glibc and macOS alike and never blocks after boot. */
	if (getentropy(bytes, (size_t)nchars))
		for (int i = 0; i < nchars; i++)
			bytes[i] = (unsigned char)(rand() ^ getpid());
	for (int i = 0; i < nchars; i++)
		out[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[bytes[i] % 36];
	out[nchars] = '\0';
	return out;
}

/* "My App (v2)" -> "my-app-v2"; nothing usable -> "project". */
static void add_base(struct sbx_buf *b, const char *name)
{
	size_t start = b->len, n = 0;
	int dash = 0;

	for (const char *p = name; *p && n < MAX_BASE; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x80 && isalnum(c)) {
			if (dash && n) {
				sbx_buf_addch(b, '-');
				n++;
			}
			dash = 0;
			sbx_buf_addch(b, (char)tolower(c));
			n++;
		} else {
			dash = 1;
		}
	}
	while (b->len > start && b->buf[b->len - 1] == '-')
		sbx_buf_truncate(b, b->len - 1);
	if (b->len == start)
		sbx_buf_adds(b, "project");
}

static char *make_name(const char *base, const char *path, const char *suffix)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *hash = sbx_hash_hex(path, strlen(path), 6);

	sbx_buf_adds(&b, "sbx-");
	add_base(&b, base);
	sbx_buf_addf(&b, "-%s%s%s", hash, suffix ? "-" : "", suffix ? suffix : "");
	free(hash);
	return sbx_buf_detach(&b);
}

char *sbx_template_name(const struct sbx_project *p, const char *configured)
{
	if (configured && *configured) {
		struct sbx_buf b = SBX_BUF_INIT;

		sbx_buf_adds(&b, "sbx-");
		add_base(&b, configured);
		return sbx_buf_detach(&b);
	}
	/* Worktrees share their main repository's template. */
	return make_name(p->name, p->common_dir ? p->common_dir : p->dir, NULL);
}

char *sbx_persistent_name(const struct sbx_project *p)
{
	return make_name(p->name, p->dir, "keep");
}

char *sbx_session_name(const struct sbx_project *p)
{
	char *id = sbx_random_id(5), *name;

	name = make_name(p->name, p->dir, id);
	free(id);
	return name;
}

int sbx_valid_instance_name(const char *name)
{
	size_t len = strlen(name);
	int prev_sep = 1;

	if (!len || len > 76)
		return 0;
	for (const char *p = name; *p; p++) {
		int alnum = (unsigned char)*p < 0x80 && isalnum((unsigned char)*p);

		if (!alnum && !strchr("._-", *p))
			return 0;
		if (!alnum && prev_sep)
			return 0;
		prev_sep = !alnum;
	}
	if (prev_sep)
		return 0;
	return !(len > 4 && !strcmp(name + len - 4, ".yml")) &&
	       !(len > 5 && !strcmp(name + len - 5, ".yaml"));
}
