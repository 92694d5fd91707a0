#ifndef SBX_BUF_H
#define SBX_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

/*
 * A growable byte string, like git's strbuf.
 * Invariants: buf is never NULL and buf[len] == '\0', so it can always be
 * used as a C string. After sbx_buf_detach() the caller owns the memory and
 * the buf is empty again.
 */
struct sbx_buf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char sbx_buf_slop[];
#define SBX_BUF_INIT { sbx_buf_slop, 0, 0 }

void sbx_buf_init(struct sbx_buf *b);
void sbx_buf_release(struct sbx_buf *b);
void sbx_buf_reset(struct sbx_buf *b);
void sbx_buf_grow(struct sbx_buf *b, size_t extra);
void sbx_buf_add(struct sbx_buf *b, const void *data, size_t len);
void sbx_buf_adds(struct sbx_buf *b, const char *s);
void sbx_buf_addch(struct sbx_buf *b, char c);
void sbx_buf_addf(struct sbx_buf *b, const char *fmt, ...) SBX_PRINTF(2, 3);
void sbx_buf_vaddf(struct sbx_buf *b, const char *fmt, va_list ap) SBX_PRINTF(2, 0);
void sbx_buf_truncate(struct sbx_buf *b, size_t len);
char *sbx_buf_detach(struct sbx_buf *b);

/* Reads a whole file; on error records "cannot read 'path': reason". */
int sbx_buf_read_file(struct sbx_buf *b, const char *path);
/* Reads from fd until EOF. */
int sbx_buf_read_fd(struct sbx_buf *b, int fd);

#endif
