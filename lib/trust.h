#ifndef SBX_TRUST_H
#define SBX_TRUST_H

/*
 * Which project configuration files you trusted (`sbx trust`), as direnv
 * allows an .envrc: a project's .sbx.json is written by whoever wrote the
 * project (a sandbox's agent, the author of a repository you cloned), so
 * what in it reaches outside the sandbox (mounts, secrets, envPass; every key
 * not marked SBX_CK_UNTRUSTED_OK in lib/config-schema.c) applies only once
 * you trusted that exact content.
 *
 * The record is $XDG_STATE_HOME/sbx/trust.json, 0600 in a 0700 directory,
 * never in a project: {"files": {"/abs/resolved/.sbx.json": "SHA-256 hex"}}.
 * It is replaced atomically, under a lock, so two `sbx trust` at once lose
 * nothing. A record writable by anyone but you is refused.
 */

enum sbx_trust_state {
	SBX_TRUST_UNKNOWN,	/* never trusted */
	SBX_TRUST_CHANGED,	/* trusted with other content */
	SBX_TRUST_TRUSTED,	/* trusted with this content */
};

/*
 * What the record says of the file at path whose content hashes to hash (hex).
 * twin, when not NULL, is another file whose trusted content counts too (a
 * linked worktree's .sbx.json that is byte for byte the main checkout's).
 * Returns the state, or -1 with a message when the record cannot be read.
 */
int sbx_trust_lookup(const char *path, const char *twin, const char *hash);

/*
 * Records that you trust path with content hash: 0. With hash NULL, forgets
 * path: 0, or 1 when there was nothing to forget. -1 with a message.
 */
int sbx_trust_record(const char *path, const char *hash);

#endif
