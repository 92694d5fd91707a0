#ifndef SBX_QUOTE_H
#define SBX_QUOTE_H

#include "buf.h"

/*
 * The one quoting function for words that cross a remote POSIX shell
 * (limactl shell re-parses what it is given in the guest's shell).
 * Git's sq_quote rule: the word is wrapped in single quotes and every
 * single quote becomes '\''.  Inside single quotes a POSIX shell gives
 * every other byte (newlines, $, `, \, !, non-ASCII) back unchanged, so
 * `sh -c "printf %s <quoted>"` prints the word byte for byte.
 */
void sbx_sq_quote(struct sbx_buf *dst, const char *word);
/* Each word quoted, separated by single spaces. */
void sbx_sq_quote_argv(struct sbx_buf *dst, const char *const *argv);

#endif
