#ifndef SBX_FSUTIL_H
#define SBX_FSUTIL_H

#include <stddef.h>

/*
 * Whole directory trees, in-process (no cp or rm child): sandbox homes are
 * copied from their template (and removed with sbx_safe_remove_tree, safefile.h).
 * Symbolic links are copied as links and never followed.
 */
int sbx_copy_tree(const char *src, const char *dst);
/* Writes data to path (created with mode, replaced atomically). */
int sbx_write_file(const char *path, const void *data, size_t len, int mode);

#endif
