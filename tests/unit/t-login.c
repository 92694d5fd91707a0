/*
 * The pieces of `sbx login` and of the environment script's files that need
 * no sandbox: base64 both ways, and finding a printed token in a terminal
 * recording (escape sequences, re-drawn frames, a token the terminal wrapped).
 */
#include "tap.h"

#include "accounts.h"
#include "base64.h"
#include "buf.h"
#include "xalloc.h"

#include <stdlib.h>

static void round_trip(const char *data, size_t len, const char *what)
{
	struct sbx_buf enc = SBX_BUF_INIT, dec = SBX_BUF_INIT;

	sbx_base64_encode(&enc, data, len, 1);
	ok(!sbx_base64_decode(&dec, enc.buf, enc.len) && dec.len == len &&
	   !memcmp(dec.buf, data, len), "base64 round trip: %s", what);
	sbx_buf_release(&enc);
	sbx_buf_release(&dec);
}

static void test_base64(void)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char bytes[256];

	sbx_base64_encode(&b, "foobar", 6, 0);
	is_str(b.buf, "Zm9vYmFy", "RFC 4648's example");
	sbx_buf_reset(&b);
	sbx_base64_encode(&b, "fooba", 5, 0);
	is_str(b.buf, "Zm9vYmE=", "one pad");
	sbx_buf_reset(&b);
	sbx_base64_encode(&b, "f", 1, 0);
	is_str(b.buf, "Zg==", "two pads");
	sbx_buf_reset(&b);
	ok(sbx_base64_decode(&b, "Zm9v!mFy", 8) < 0, "a bad character is refused");
	ok(sbx_base64_decode(&b, "Zm9vY", 5) < 0, "a truncated group is refused");
	for (int i = 0; i < 256; i++)
		bytes[i] = (char)i;
	for (size_t len = 0; len < 8; len++)
		round_trip(bytes, len, "short");
	round_trip(bytes, sizeof(bytes), "every byte, wrapped");
	sbx_buf_release(&b);
}

static void find(const char *text, const char *want, const char *what)
{
	char *got = sbx_login_find_token(text, strlen(text), "sk-ant-oat");

	is_str(got, want, "%s", what);
	free(got);
}

static void test_token(void)
{
	find("Your OAuth token:\r\n\x1b[33msk-ant-oat01-abcdefghijklmnopqrstuvwxyz_0123\x1b[39m\r\n"
	     "\r\nStore this token securely.\r\n",
	     "sk-ant-oat01-abcdefghijklmnopqrstuvwxyz_0123", "a coloured token on its line");
	find("  sk-ant-oat01-AAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n  BBBBBBBB-CC\r\n\r\n  Store this "
	     "token securely.\r\n",
	     "sk-ant-oat01-AAAAAAAAAAAAAAAAAAAAAAAAAAAABBBBBBBB-CC", "a wrapped token is joined");
	find("sk-ant-oat01-first-token-xxxxxxxxxxxxxxxx\n\x1b[2K\x1b[1A\x1b[2K"
	     "\x1b]8;;https://x\x07link\x1b]8;;\x07\n"
	     "sk-ant-oat01-second-token-yyyyyyyyyyyyyyy\n",
	     "sk-ant-oat01-second-token-yyyyyyyyyyyyyyy", "the last frame's token wins");
	find("sk-ant-oat01-ABCDEFGHIJKLMNOPQRSTU\nStore this token securely.\n",
	     "sk-ant-oat01-ABCDEFGHIJKLMNOPQRSTU", "a line of words does not continue it");
	find("Use this token by setting: export CLAUDE_CODE_OAUTH_TOKEN=<token>\n", NULL,
	     "no token, no result");
	find("sk-ant-oat01-x\n", NULL, "too short to be a token");
}

int main(void)
{
	test_base64();
	test_token();
	return done_testing();
}
