#ifndef SBX_NAMES_H
#define SBX_NAMES_H

#include <stddef.h>

#include "project.h"

/*
 * Names of sandboxes. Lima's rule is ^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$ and
 * its sockets live under $LIMA_HOME/NAME/ within macOS's 104-byte limit, so
 * names stay short: "sbx-" + at most 20 characters of the project's base
 * name + "-" + 6 hex digits of a hash of its absolute path (so two projects
 * called "app" never collide) + a suffix:
 *
 *   template     sbx-app-1a2b3c          (from the main repository: worktrees share it)
 *   persistent   sbx-app-4d5e6f-keep     (from the project, i.e. the worktree)
 *   session      sbx-app-4d5e6f-k3x9q    (random; one per ephemeral run)
 */
char *sbx_template_name(const struct sbx_project *p, const char *configured);
char *sbx_persistent_name(const struct sbx_project *p);
char *sbx_session_name(const struct sbx_project *p);
/* Does name follow Lima's instance-name rule? */
int sbx_valid_instance_name(const char *name);

/* A stable, non-cryptographic hex digest of data, cut to nchars (at most 32). */
char *sbx_hash_hex(const void *data, size_t len, int nchars);
/* Random lowercase base36 characters from the system's random source. */
char *sbx_random_id(int nchars);

#endif
