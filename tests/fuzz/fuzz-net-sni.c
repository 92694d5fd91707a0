/*
 * libFuzzer harness for the ClientHello reader of sbx's proxy (net-tls.h):
 * whatever the bytes, it never crashes or reads past them; a server name it
 * returns is a normalized name (never an address); and no prefix of the
 * bytes yields a different name than the whole, however the hello was cut.
 */
#include "net-policy.h"
#include "net-tls.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sni[SBX_NET_NAME_MAX], part[SBX_NET_NAME_MAX], again[SBX_NET_NAME_MAX];
	enum sbx_tls_hello whole;

	if (size > 96 * 1024)
		return 0;
	whole = sbx_tls_client_hello(data, size, sni);
	if (whole == SBX_TLS_SNI &&
	    (sbx_net_normalize_host(sni, strlen(sni), again) != 0 || strcmp(again, sni)))
		abort();
	for (size_t len = 0; len < size; len += 1 + len / 4) {
		enum sbx_tls_hello h = sbx_tls_client_hello(data, len, part);

		if (h == SBX_TLS_SNI && (whole != SBX_TLS_SNI || strcmp(part, sni)))
			abort();
		if (whole == SBX_TLS_MORE && h != SBX_TLS_MORE)
			abort();
	}
	return 0;
}
