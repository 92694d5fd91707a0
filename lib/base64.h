#ifndef SBX_BASE64_H
#define SBX_BASE64_H

#include <stddef.h>

#include "buf.h"

/*
 * Base64 (RFC 4648, with padding), for bytes that must cross a text
 * channel unchanged: files in the environment script (base64 -d reads them
 * back in the sandbox) and credentials in the macOS Keychain.
 */
/* Appends data encoded; with wrap, a newline after every 76 characters and at the end. */
void sbx_base64_encode(struct sbx_buf *out, const void *data, size_t len, int wrap);
/* Appends the decoded bytes; whitespace is skipped. Returns 0, or -1 on a bad character. */
int sbx_base64_decode(struct sbx_buf *out, const char *text, size_t len);

#endif
