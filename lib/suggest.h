#ifndef SBX_SUGGEST_H
#define SBX_SUGGEST_H

#include <stddef.h>

/*
 * The candidate closest to word by edit distance (with transpositions), or
 * NULL when none is close enough to be a plausible typo. Used for unknown
 * commands, flags and configuration keys alike.
 */
const char *sbx_nearest(const char *word, const char *const *candidates, size_t n);
size_t sbx_edit_distance(const char *a, const char *b);

#endif
