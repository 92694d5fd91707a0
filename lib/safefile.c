/*
 * Host-side access to files a sandbox could have written (safefile.h):
 * no link followed, no FIFO or device blocked on, no read without a bound,
 * no removal that stops at a directory the agent made unreadable.
 */
#include "safefile.h"
#include "error.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

int sbx_safe_open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sbx_error_errno("cannot open '%s'", dir);
	return fd;
}

/* One component at a time, each with O_NOFOLLOW; ".." never. */
static int open_by_components(int dirfd, const char *rel, int flags, mode_t mode)
{
	char *copy = sbx_strdup(rel), *p = copy, *next;
	int fd = dirfd, err = 0;

	for (;;) {
		size_t len = strcspn(p, "/");

		next = p + len;
		while (*next == '/')
			*next++ = '\0';
		if (!*next) {
			int last = *p && strcmp(p, ".") ? openat(fd, p, flags, mode) :
							  openat(fd, ".", flags & ~(O_CREAT | O_EXCL));

			if (last < 0)
				err = errno;
			if (fd != dirfd)
				close(fd);
			fd = last;
			break;
		}
		if (*p && strcmp(p, ".")) {
			int sub = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				err = errno;
				break;
			}
			if (fd != dirfd)
				close(fd);
			fd = sub;
		}
		p = next;
	}
	if (err && fd >= 0 && fd != dirfd)
		close(fd);
	free(copy);
	if (err) {
		errno = err;
		return -1;
	}
	return fd;
}

/* Does rel have a ".." component? Such a path is never needed, and refused alike everywhere. */
static int has_dotdot(const char *rel)
{
	for (const char *p = rel; *p; p += strcspn(p, "/"), p += *p == '/')
		if (p[0] == '.' && p[1] == '.' && (!p[2] || p[2] == '/'))
			return 1;
	return 0;
}

int sbx_safe_openat(int dirfd, const char *rel, int flags, mode_t mode)
{
	/* openat2 takes with O_PATH only the flags that mean something with it. */
	flags |= O_CLOEXEC | O_NOFOLLOW | (flags & O_PATH ? 0 : O_NOCTTY);
	if (!*rel || rel[0] == '/' || has_dotdot(rel)) {
		errno = EXDEV;
		return -1;
	}
#if defined(__linux__) && defined(SYS_openat2)
	{
		struct open_how how;
		long fd;

		memset(&how, 0, sizeof(how));
		how.flags = (unsigned long long)flags;
		how.mode = flags & O_CREAT ? mode : 0;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
		fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return (int)fd;
		/* No openat2 (an older kernel, or a seccomp filter that refuses it). */
	}
#endif
	return open_by_components(dirfd, rel, flags, mode);
}

int sbx_safe_read_fd(int fd, const char *what, size_t max, struct sbx_buf *out)
{
	struct stat st;
	size_t start = out->len;

	if (fstat(fd, &st))
		return sbx_error_errno("cannot read '%s'", what);
	if (!S_ISREG(st.st_mode))
		return sbx_error("cannot read '%s': not a regular file", what);
	if ((unsigned long long)st.st_size > max)
		return sbx_error("cannot read '%s': larger than %zu bytes", what, max);
	/* A regular file never blocks; the flag only guarded the open. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	for (;;) {
		ssize_t n;

		sbx_buf_grow(out, 8192);
		n = read(fd, out->buf + out->len, out->alloc - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sbx_buf_truncate(out, start);
			return sbx_error_errno("cannot read '%s'", what);
		}
		if (n == 0)
			return 0;
		out->len += (size_t)n;
		out->buf[out->len] = '\0';
		/* It grew while read. */
		if (out->len - start > max) {
			sbx_buf_truncate(out, start);
			return sbx_error("cannot read '%s': larger than %zu bytes", what, max);
		}
	}
}

int sbx_safe_read_at(int dirfd, const char *rel, const char *what, size_t max,
		     struct sbx_buf *out)
{
	int fd = sbx_safe_openat(dirfd, rel, O_RDONLY | O_NONBLOCK, 0), ret;

	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0 && errno == ELOOP)
		return sbx_error("cannot read '%s': it is a symbolic link", what);
	if (fd < 0 && (errno == EXDEV || errno == EINVAL))
		return sbx_error("cannot read '%s': it leads out of its directory", what);
	if (fd < 0)
		return sbx_error_errno("cannot read '%s'", what);
	ret = sbx_safe_read_fd(fd, what, max, out);
	close(fd);
	return ret;
}

int sbx_safe_read(const char *dir, const char *rel, size_t max, struct sbx_buf *out)
{
	char *what = dir ? sbx_asprintf("%s/%s", dir, rel) : sbx_strdup(rel);
	int dfd = open(dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (dfd < 0 && errno == ENOENT)
		ret = 1;
	else if (dfd < 0)
		ret = sbx_error_errno("cannot open '%s'", dir ? dir : "/");
	else
		ret = sbx_safe_read_at(dfd, dir ? rel : rel + strspn(rel, "/"), what, max, out);
	if (dfd >= 0)
		close(dfd);
	free(what);
	return ret;
}

int sbx_safe_find_link(int dirfd, const char *rel, int remove)
{
	char *copy = sbx_strdup(rel), *p = copy, *name;
	int fd = dirfd, found = 0, ret = 0;
	struct stat st;

	if (!*rel || rel[0] == '/' || has_dotdot(rel)) {
		free(copy);
		return sbx_error("'%s' is not a path below its directory", rel);
	}
	while ((name = strsep(&p, "/"))) {
		int sub;

		if (!*name || !strcmp(name, "."))
			continue;
		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW))
			break;
		if (S_ISLNK(st.st_mode)) {
			if (remove && unlinkat(fd, name, 0) && errno != ENOENT) {
				ret = sbx_error_errno("cannot remove the link '%s' on the way to '%s'",
						      name, rel);
				break;
			}
			found = 1;
			break;		/* with remove, missing now: the rest is made anew */
		}
		if (!S_ISDIR(st.st_mode) || !p)
			break;
		sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			break;
		if (fd != dirfd)
			close(fd);
		fd = sub;
	}
	if (fd != dirfd)
		close(fd);
	free(copy);
	return ret ? ret : found;
}

/* Removal: one descriptor open at a time, so that no depth is too deep. */

struct level {
	char *name;		/* in its parent */
	dev_t dev;
	ino_t ino;
};

/* path/level0/level1/.../name, for a message. */
static char *where(const char *root, const struct level *levels, size_t n, const char *name)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_buf_adds(&b, root);
	for (size_t i = 1; i < n; i++)
		sbx_buf_addf(&b, "/%s", levels[i].name);
	if (name)
		sbx_buf_addf(&b, "/%s", name);
	return sbx_buf_detach(&b);
}

/* A directory below dirfd, opened even when its mode says no; never through a link. */
static int open_subdir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	/* The owner may always change the mode; without following a link, as openat did not. */
	if (fd < 0 && errno == EACCES && !fchmodat(dirfd, name, 0700, AT_SYMLINK_NOFOLLOW))
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

/*
 * Empties the directory fd: removes what is not a directory and returns the
 * name of the first subdirectory left (to descend into), or NULL when none.
 * -1 in *err on failure.
 */
static char *empty_level(int fd, int *err)
{
	int dup_fd = dup(fd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *e;
	char *sub = NULL;

	*err = 0;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		*err = errno;
		return NULL;
	}
	rewinddir(d);
	/* Removing entries needs write and search permission here. */
	fchmod(fd, 0700);
	while (!sub && (errno = 0, e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			if (errno == ENOENT)
				continue;
			*err = errno;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			sub = sbx_strdup(e->d_name);
		} else if (unlinkat(fd, e->d_name, 0) && errno != ENOENT) {
			*err = errno;
			sub = sbx_strdup(e->d_name);	/* named in the message */
		}
	}
	if (!e && errno && !*err)
		*err = errno;
	closedir(d);
	return sub;
}

int sbx_safe_remove_tree(const char *path)
{
	struct level *levels = NULL;
	size_t n = 0, alloc = 0;
	char *parent_path, *slash, *sub = NULL;
	int parent = -1, fd = -1, ret = 0, err;
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : sbx_error_errno("cannot remove '%s'", path);
	if (!S_ISDIR(st.st_mode))
		return unlink(path) && errno != ENOENT ? sbx_error_errno("cannot remove '%s'", path) : 0;
	parent_path = sbx_strdup(path);
	slash = strrchr(parent_path, '/');
	if (slash == parent_path)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	parent = slash ? sbx_safe_open_dir(parent_path) : sbx_safe_open_dir(".");
	if (parent < 0) {
		free(parent_path);
		return -1;
	}
	SBX_ALLOC_GROW(levels, n + 1, alloc);
	levels[n].name = sbx_strdup(slash ? strrchr(path, '/') + 1 : path);
	fd = open_subdir(parent, levels[n].name);
	if (fd < 0 || fstat(fd, &st)) {
		ret = sbx_error_errno("cannot remove '%s'", path);
		goto out;
	}
	levels[n].dev = st.st_dev;
	levels[n].ino = st.st_ino;
	n++;
	while (n) {
		sub = empty_level(fd, &err);
		if (err) {
			char *at = where(path, levels, n, sub);

			errno = err;
			ret = sbx_error_errno("cannot remove '%s'", at);
			free(at);
			goto out;
		}
		if (sub) {
			int child = open_subdir(fd, sub);

			if (child < 0 || fstat(child, &st)) {
				char *at = where(path, levels, n, sub);

				ret = sbx_error_errno("cannot remove '%s'", at);
				free(at);
				if (child >= 0)
					close(child);
				goto out;
			}
			close(fd);
			fd = child;
			SBX_ALLOC_GROW(levels, n + 1, alloc);
			levels[n].name = sub;
			levels[n].dev = st.st_dev;
			levels[n].ino = st.st_ino;
			sub = NULL;
			n++;
			continue;
		}
		/* Empty: climb to the parent and remove this level there. */
		n--;
		if (n) {
			int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			/* Only the parent we came down from. */
			if (up < 0 || fstat(up, &st) || st.st_dev != levels[n - 1].dev ||
			    st.st_ino != levels[n - 1].ino) {
				char *at = where(path, levels, n, NULL);

				if (up >= 0)
					close(up);
				ret = sbx_error("cannot remove '%s': it moved while being removed", at);
				free(at);
				n++;
				goto out;
			}
			close(fd);
			fd = up;
		}
		if (unlinkat(n ? fd : parent, levels[n].name, AT_REMOVEDIR) && errno != ENOENT) {
			char *at = where(path, levels, n + 1, NULL);

			ret = sbx_error_errno("cannot remove '%s'", at);
			free(at);
			n++;
			goto out;
		}
		free(levels[n].name);
	}
out:
	free(sub);
	for (size_t i = 0; i < n; i++)
		free(levels[i].name);
	free(levels);
	free(parent_path);
	if (fd >= 0)
		close(fd);
	close(parent);
	return ret;
}
