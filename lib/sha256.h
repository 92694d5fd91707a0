#ifndef SBX_SHA256_H
#define SBX_SHA256_H

#include <stddef.h>

/*
 * SHA-256, from nettle: what `sbx trust` records of a configuration file
 * (lib/trust.h). The one file that includes nettle's headers.
 */
#define SBX_SHA256_HEX 65	/* 64 hex digits and the NUL */

/* Writes the digest of data as lowercase hex into out. */
void sbx_sha256_hex(const void *data, size_t len, char out[SBX_SHA256_HEX]);
/* nettle's version, for `sbx version`. */
void sbx_nettle_version(int *major, int *minor);

#endif
