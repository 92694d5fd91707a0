#include "sha256.h"

#include <nettle/sha2.h>
#include <nettle/version.h>

void sbx_sha256_hex(const void *data, size_t len, char out[SBX_SHA256_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[2 * sizeof(digest)] = '\0';
}

void sbx_nettle_version(int *major, int *minor)
{
	*major = nettle_version_major();
	*minor = nettle_version_minor();
}
