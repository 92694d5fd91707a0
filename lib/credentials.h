#ifndef SBX_CREDENTIALS_H
#define SBX_CREDENTIALS_H

#include <cjson/cJSON.h>

/*
 * sbx's own store of the agents' credentials, on the host (`sbx login`).
 * One JSON object per agent:
 *
 *   {"env": {"CLAUDE_CODE_OAUTH_TOKEN": "..."}, "files": {".codex/auth.json": "..."}}
 *
 * "env" holds variables the agent reads its credentials from, "files" the
 * files its own login wrote, by their path in the home.
 *
 *   file      $XDG_DATA_HOME/sbx/credentials/AGENT/credentials.json: the
 *             directories 0700 and the file 0600, all the user's own. A store
 *             that group or others can reach, or that someone else owns, is
 *             refused rather than used.
 *   keychain  the login Keychain through security(1): service "sbx", account
 *             AGENT, the object base64-encoded as the password. The value
 *             reaches security on its stdin (`security -i`), never its argv.
 *
 * The keychain is used on macOS where security(1) is found, the file store
 * elsewhere; SBX_CREDENTIAL_STORE=file|keychain chooses.
 * Never in a template, the project, lima.yaml, an argv or a log.
 */

/* Loads an agent's credentials: 1 and *out (sbx_credentials_free), 0 when none, -1. */
int sbx_credentials_load(const char *agent, cJSON **out);
int sbx_credentials_save(const char *agent, const cJSON *cred);
/* 1 when something was removed, 0 when nothing was stored, -1. */
int sbx_credentials_remove(const char *agent);
/* Where an agent's credentials are kept, for messages; the caller frees it. */
char *sbx_credentials_where(const char *agent);
/* Wipes the values, then frees. */
void sbx_credentials_free(cJSON *cred);

#endif
