#ifndef SBX_SAFEFILE_H
#define SBX_SAFEFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/*
 * The one way host-side sbx touches a file a sandbox could have written:
 * the project and its .sbx.json, a git directory, the sandbox home, login
 * outputs, status files (docs/security.md). The agent is hostile, so such a
 * path may be a symlink to a host file, a FIFO that never answers, /dev/zero,
 * or a directory tree deeper than PATH_MAX.
 *
 * Paths are split in two: dir, which sbx chose and trusts (a session
 * directory, the project's root as detected), and rel, below it, which is
 * resolved without following any symbolic link (openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS where the kernel has it, else one
 * O_NOFOLLOW component at a time) and never through "..".
 */

/* Opens dir (trusted) as a directory; -1 with a message. */
int sbx_safe_open_dir(const char *dir);

/*
 * Opens rel below the directory dirfd without following a link anywhere in
 * rel. flags are open(2)'s (O_CLOEXEC and O_NOFOLLOW are added); opening for
 * reading never blocks (O_NONBLOCK until the file is known to be regular).
 * Returns the descriptor, or -1 with errno set (ELOOP for a link, EXDEV or
 * EINVAL for a path that leaves dirfd) and nothing recorded.
 */
int sbx_safe_openat(int dirfd, const char *rel, int flags, mode_t mode);

/*
 * Reads the regular file rel below dir (which may be NULL: rel is then
 * an absolute path whose every component is taken without following links),
 * at most max bytes, into out (appended). Returns 0; 1 when it does not
 * exist; -1 with a message naming it when it is a link, not a regular file,
 * larger than max, or unreadable.
 */
int sbx_safe_read(const char *dir, const char *rel, size_t max, struct sbx_buf *out);
/* The same below the open directory dirfd, naming the file `what` in messages. */
int sbx_safe_read_at(int dirfd, const char *rel, const char *what, size_t max,
		     struct sbx_buf *out);
/* The same for an open descriptor (fstat must say regular). */
int sbx_safe_read_fd(int fd, const char *what, size_t max, struct sbx_buf *out);

/*
 * Looks for a symbolic link on the way to rel below dirfd, or at rel, without
 * following any: a program that makes rel later (bwrap, making a mount point)
 * would follow it out of the directory. With remove, the link goes (only
 * it, never what it points to), and what was below it is to be made anew.
 * Stops at the first component that is missing or not a directory, which
 * the maker then makes or refuses itself. Returns 1 when there was a link,
 * 0 when none, -1 with a message.
 */
int sbx_safe_find_link(int dirfd, const char *rel, int remove);

/*
 * Removes path and everything below it, as any user: directories the
 * sandbox made unreadable or unwritable are given back their owner's rights
 * first, links are removed and never followed, and the walk is relative to
 * open descriptors, so no depth is too deep. A missing path is fine.
 */
int sbx_safe_remove_tree(const char *path);

#endif
