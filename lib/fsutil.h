#ifndef SBX_FSUTIL_H
#define SBX_FSUTIL_H

#include <stddef.h>

/*
 * Whole directory trees, in-process (no cp or rm child): sandbox homes are
 * copied from their template (and removed with sbx_safe_remove_tree, safefile.h).
 * src is what a sandbox wrote, and is copied as such: symbolic links as
 * links, never followed (nor on the way: every name is opened relative to
 * its directory); a file only when it is still a regular file once opened
 * (never blocking on a FIFO); sockets, FIFOs and devices not at all; holes
 * as holes; permission bits only (no set-user-ID). Directories and files
 * the agent made unreadable are read with their owner's rights given back
 * for the while, and the copy gets the modes of the original.
 */
int sbx_copy_tree(const char *src, const char *dst);
/* Writes data to path (created with mode, replaced atomically). */
/*
 * Writes all of data to fd, resuming after short writes, EINTR and (on a
 * non-blocking descriptor) EAGAIN; -1 with errno set on failure.
 */
int sbx_write_all(int fd, const void *data, size_t len);
int sbx_write_file(const char *path, const void *data, size_t len, int mode);

#endif
