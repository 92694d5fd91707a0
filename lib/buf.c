#include "buf.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char sbx_buf_slop[1];

void sbx_buf_init(struct sbx_buf *b)
{
	b->buf = sbx_buf_slop;
	b->len = b->alloc = 0;
}

void sbx_buf_release(struct sbx_buf *b)
{
	if (b->alloc)
		free(b->buf);
	sbx_buf_init(b);
}

void sbx_buf_reset(struct sbx_buf *b)
{
	sbx_buf_truncate(b, 0);
}

void sbx_buf_grow(struct sbx_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->alloc)
		return;
	if (!b->alloc)
		b->buf = NULL;
	b->alloc = need < 64 ? 64 : need;
	if (b->alloc < need * 3 / 2)
		b->alloc = need * 3 / 2;
	b->buf = sbx_realloc(b->buf, b->alloc);
	b->buf[b->len] = '\0';
}

void sbx_buf_add(struct sbx_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	sbx_buf_grow(b, len);
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void sbx_buf_adds(struct sbx_buf *b, const char *s)
{
	sbx_buf_add(b, s, strlen(s));
}

void sbx_buf_addch(struct sbx_buf *b, char c)
{
	sbx_buf_add(b, &c, 1);
}

void sbx_buf_vaddf(struct sbx_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	sbx_buf_grow(b, (size_t)n);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void sbx_buf_addf(struct sbx_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbx_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void sbx_buf_truncate(struct sbx_buf *b, size_t len)
{
	if (len > b->len)
		return;
	b->len = len;
	if (b->alloc)
		b->buf[len] = '\0';
}

char *sbx_buf_detach(struct sbx_buf *b)
{
	char *s = b->alloc ? b->buf : sbx_strdup("");

	sbx_buf_init(b);
	return s;
}

int sbx_buf_read_fd(struct sbx_buf *b, int fd)
{
	for (;;) {
		ssize_t n;

		sbx_buf_grow(b, 8192);
		n = read(fd, b->buf + b->len, b->alloc - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		b->buf[b->len] = '\0';
	}
}

int sbx_buf_read_file(struct sbx_buf *b, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return sbx_error_errno("cannot read '%s'", path);
	ret = sbx_buf_read_fd(b, fd);
	if (ret < 0)
		sbx_error_errno("cannot read '%s'", path);
	close(fd);
	return ret;
}
