#ifndef SBX_UTF8_H
#define SBX_UTF8_H

#include <stddef.h>

/*
 * The length of the valid UTF-8 sequence at s (of n > 0 bytes), with its
 * code point in *cp; 0 when the bytes are not one (a stray continuation
 * byte, a sequence cut short, an overlong form, a surrogate, beyond
 * U+10FFFF). Text from a sandbox is checked with it before it reaches a
 * terminal or the desktop.
 */
size_t sbx_utf8_char(const unsigned char *s, size_t n, unsigned *cp);

/*
 * The bidirectional marks, embeddings, overrides and isolates: invisible,
 * and able to reorder what the user reads (a line shown otherwise than it is).
 */
int sbx_unicode_bidi_control(unsigned cp);

#endif
