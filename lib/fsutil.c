#include "fsutil.h"
#include "error.h"
#include "paths.h"
#include "safefile.h"
#include "strvec.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sbx_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd w = { fd, POLLOUT, 0 };

			poll(&w, 1, -1);
			continue;
		}
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Copying a tree the sandbox wrote (the template home, which plugins' USER
 * scripts fill from inside a sandbox): every name is taken relative to its
 * directory's descriptor, never through a link (safefile.h), and each file is
 * opened without blocking and copied only when fstat says it is regular, so
 * a FIFO put in a file's place between the look and the open is skipped.
 */

/* Nested deeper than this, a home is not worth a session (two descriptors a level). */
#define COPY_MAX_DEPTH 256

/* The data of in (size bytes when opened), holes left holes: a sparse file stays sparse. */
static int copy_data(int in, int out, off_t size)
{
	char buf[65536];
	off_t pos = 0;

	while (pos < size) {
		off_t data = pos, hole = size;
#ifdef SEEK_DATA
		data = lseek(in, pos, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;			/* a hole up to the end */
		if (data < 0)
			data = pos;		/* no SEEK_DATA here: all data */
		else if ((hole = lseek(in, data, SEEK_HOLE)) < 0 || hole > size)
			hole = size;
#endif
		for (pos = data; pos < hole;) {
			size_t want = (size_t)(hole - pos) < sizeof(buf) ? (size_t)(hole - pos) : sizeof(buf);
			ssize_t n = pread(in, buf, want, pos);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -1;
			if (n == 0)
				return ftruncate(out, pos);	/* it shrank while copied */
			for (ssize_t done = 0, w; done < n; done += w) {
				w = pwrite(out, buf + done, (size_t)(n - done), pos + done);
				if (w < 0 && errno == EINTR)
					w = 0;
				else if (w < 0)
					return -1;
			}
			pos += n;
		}
	}
	return ftruncate(out, size);
}

/*
 * Opens name below dirfd (flags as sbx_safe_openat). The agent may have
 * taken its owner's rights away (chmod 000): the owner may give them back,
 * and does, for as long as the copy needs them; *restore gets 1 then, and
 * the caller puts the mode back with fchmod on the descriptor.
 */
static int open_entry(int dirfd, const char *name, const struct stat *st, int flags,
		      mode_t need, int *restore)
{
	int fd = sbx_safe_openat(dirfd, name, flags, 0);

	*restore = 0;
	if (fd < 0 && errno == EACCES && st->st_uid == geteuid() &&
	    !fchmodat(dirfd, name, (st->st_mode & 07777) | need, AT_SYMLINK_NOFOLLOW)) {
		fd = sbx_safe_openat(dirfd, name, flags, 0);
		*restore = 1;
		if (fd < 0) {
			int err = errno;

			fchmodat(dirfd, name, st->st_mode & 07777, AT_SYMLINK_NOFOLLOW);
			errno = err;
		}
	}
	return fd;
}

static int copy_entry(int from, int to, const char *name, const char *path, int depth);

static int copy_file(int from, int to, const char *name, const char *path, const struct stat *st)
{
	struct stat now;
	int restore, in = open_entry(from, name, st, O_RDONLY | O_NONBLOCK, S_IRUSR, &restore);
	int out = -1, ret = 0;

	/* Gone, or a link or FIFO now: it changed under us, and is no file to copy. */
	if (in < 0 && (errno == ENOENT || errno == ELOOP || errno == ENXIO))
		return 0;
	if (in < 0)
		return sbx_error_errno("cannot read '%s'", path);
	if (restore)
		fchmod(in, st->st_mode & 07777);
	if (fstat(in, &now) || !S_ISREG(now.st_mode))
		goto out;
	/* Permission bits only: no set-user-ID file of the sandbox's making on the host. */
	out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 0777);
	if (out < 0) {
		ret = sbx_error_errno("cannot copy '%s'", path);
		goto out;
	}
	if (copy_data(in, out, now.st_size))
		ret = sbx_error_errno("cannot copy '%s'", path);
	if (close(out) && !ret)
		ret = sbx_error_errno("cannot copy '%s'", path);
out:
	close(in);
	return ret;
}

/* The names in the directory fd, read first, so that only the level's descriptors stay open. */
static int list_dir(int fd, const char *path, struct sbx_strvec *names)
{
	int dup_fd = dup(fd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return sbx_error_errno("cannot read directory '%s'", path);
	}
	rewinddir(d);
	while ((errno = 0, e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			sbx_strvec_push(names, e->d_name);
	if (errno) {
		closedir(d);
		return sbx_error_errno("cannot read directory '%s'", path);
	}
	closedir(d);
	return 0;
}

/* The directory name below from as to_name below to. */
static int copy_dir(int from, const char *name, int to, const char *to_name, const char *path,
		    const struct stat *st, int depth)
{
	struct sbx_strvec names = SBX_STRVEC_INIT;
	int restore, in, out = -1, ret;

	if (depth > COPY_MAX_DEPTH)
		return sbx_error("cannot copy '%s': deeper than %d directories", path, COPY_MAX_DEPTH);
	in = open_entry(from, name, st, O_RDONLY | O_DIRECTORY, S_IRUSR | S_IXUSR, &restore);
	if (in < 0 && (errno == ENOENT || errno == ELOOP || errno == ENOTDIR))
		return 0;
	if (in < 0)
		return sbx_error_errno("cannot read directory '%s'", path);
	/* Its own mode last: one the agent made read-only must still take the entries. */
	if (mkdirat(to, to_name, 0700) && errno != EEXIST)
		ret = sbx_error_errno("cannot copy '%s'", path);
	else if ((out = openat(to, to_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		ret = sbx_error_errno("cannot copy '%s'", path);
	else
		ret = list_dir(in, path, &names);
	for (size_t i = 0; !ret && i < names.nr; i++) {
		char *sub = sbx_path_join(path, names.v[i]);

		ret = copy_entry(in, out, names.v[i], sub, depth + 1);
		free(sub);
	}
	if (!ret && fchmod(out, st->st_mode & 0777))
		ret = sbx_error_errno("cannot copy '%s'", path);
	if (restore)
		fchmod(in, st->st_mode & 07777);
	if (out >= 0)
		close(out);
	close(in);
	sbx_strvec_clear(&names);
	return ret;
}

/* name below from, copied to the same name below to; path names it in messages. */
static int copy_entry(int from, int to, const char *name, const char *path, int depth)
{
	struct stat st;

	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : sbx_error_errno("cannot read '%s'", path);
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);

		if (n < 0)
			return errno == ENOENT || errno == EINVAL ? 0 :
			       sbx_error_errno("cannot read link '%s'", path);
		target[n] = '\0';
		if (symlinkat(target, to, name))
			return sbx_error_errno("cannot copy '%s'", path);
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return copy_file(from, to, name, path, &st);
	if (S_ISDIR(st.st_mode))
		return copy_dir(from, name, to, name, path, &st, depth);
	return 0; /* sockets, fifos, devices: nothing a home needs copied */
}

/* The directory that holds path, opened (trusted: sbx chose it); *base its last component. */
static int open_parent(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char *parent;
	int fd;

	if (!slash) {
		*base = path;
		return sbx_safe_open_dir(".");
	}
	*base = slash + 1;
	parent = slash == path ? sbx_strdup("/") : sbx_strndup(path, (size_t)(slash - path));
	fd = sbx_safe_open_dir(parent);
	free(parent);
	return fd;
}

int sbx_copy_tree(const char *src, const char *dst)
{
	const char *src_base, *dst_base;
	int from = open_parent(src, &src_base), to = -1, ret = -1;
	struct stat st;

	if (from < 0)
		return -1;
	to = open_parent(dst, &dst_base);
	if (to < 0)
		goto out;
	if (fstatat(from, src_base, &st, AT_SYMLINK_NOFOLLOW)) {
		ret = sbx_error_errno("cannot read '%s'", src);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = sbx_error("cannot copy '%s': not a directory", src);
		goto out;
	}
	ret = copy_dir(from, src_base, to, dst_base, src, &st, 0);
out:
	if (to >= 0)
		close(to);
	close(from);
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
	if (sbx_write_all(fd, data, len))
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
