#include "fsutil.h"
#include "error.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes all of data, resuming after short writes and EINTR; -1 with errno set on failure. */
static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out;
	ssize_t n;
	int ret = 0;

	if (in < 0)
		return sbx_error_errno("cannot read '%s'", src);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
	if (out < 0) {
		close(in);
		return sbx_error_errno("cannot create '%s'", dst);
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(out, buf, (size_t)n)) {
			ret = sbx_error_errno("cannot copy '%s' to '%s'", src, dst);
			break;
		}
	}
	close(in);
	if (close(out) && !ret)
		ret = sbx_error_errno("cannot write '%s'", dst);
	return ret;
}

int sbx_copy_tree(const char *src, const char *dst)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int ret = 0;

	if (lstat(src, &st))
		return sbx_error_errno("cannot read '%s'", src);
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(src, target, sizeof(target) - 1);

		if (n < 0)
			return sbx_error_errno("cannot read link '%s'", src);
		target[n] = '\0';
		if (symlink(target, dst))
			return sbx_error_errno("cannot create link '%s'", dst);
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return copy_file(src, dst, st.st_mode);
	if (!S_ISDIR(st.st_mode))
		return 0; /* sockets, fifos, devices: nothing a home needs copied */
	if (mkdir(dst, st.st_mode & 07777) && errno != EEXIST)
		return sbx_error_errno("cannot create directory '%s'", dst);
	d = opendir(src);
	if (!d)
		return sbx_error_errno("cannot read directory '%s'", src);
	while (!ret && (e = readdir(d))) {
		char *s, *t;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		s = sbx_asprintf("%s/%s", src, e->d_name);
		t = sbx_asprintf("%s/%s", dst, e->d_name);
		ret = sbx_copy_tree(s, t);
		free(s);
		free(t);
	}
	closedir(d);
	return ret;
}

int sbx_write_file(const char *path, const void *data, size_t len, int mode)
{
	char *tmp = sbx_asprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int ret = 0;

	if (fd < 0) {
		ret = sbx_error_errno("cannot write '%s'", tmp);
		goto out;
	}
	if (write_all(fd, data, len))
		ret = sbx_error_errno("cannot write '%s'", tmp);
	if (close(fd) && !ret)
		ret = sbx_error_errno("cannot write '%s'", tmp);
	if (!ret && rename(tmp, path))
		ret = sbx_error_errno("cannot write '%s'", path);
	if (ret)
		unlink(tmp);
out:
	free(tmp);
	return ret;
}
