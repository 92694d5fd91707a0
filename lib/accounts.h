#ifndef SBX_ACCOUNTS_H
#define SBX_ACCOUNTS_H

#include <cjson/cJSON.h>

#include "backend.h"
#include "buf.h"

struct sbx_session;
struct sbx_config;
struct sbx_agent;

/*
 * Agent accounts and personal configuration in sandboxes.
 *
 * The session's agent (for `sbx shell`, the configured one) gets, through the
 * environment script (session.h), never argv, lima.yaml or a disk:
 *  - its credentials from sbx's store (credentials.h), kept by `sbx login`:
 *    variables, and files linked into the home from a tmpfs copy that goes
 *    when the command ends. A variable set by env, envPass or secrets wins.
 *  - its personal configuration, read-only: the entries of "personal.AGENT"
 *    (or the agent's defaults) from its folder on the host; bound read-only
 *    on bwrap, copied and made read-only on Lima. Claude's settings.json is
 *    merged with sbx's hooks instead, less the user's own hooks.
 *  - the first-run answers (agent-state.c), so that it goes straight to work.
 */
int sbx_accounts_session(struct sbx_session *s, const char *command);

/* The host folder an agent keeps its configuration in ($CLAUDE_CONFIG_DIR, ~/.claude); NULL if none. */
char *sbx_agent_host_dir(const struct sbx_agent *a);

/*
 * lib/agent-state.c: the first-run answers.
 *
 *   Claude Code  ~/.claude.json              hasCompletedOnboarding, theme
 *                /etc/claude-code/managed-settings.json
 *                                            skipDangerousModePermissionPrompt
 *                CLAUDE_CODE_SANDBOXED=1     the folder is trusted
 *                customApiKeyResponses       a passed ANTHROPIC_API_KEY is approved
 *   Codex        -c projects={...}           the folder is trusted ("Trust this folder?")
 *                -c notify=[sbx hook ...]    over a personal config.toml's notify
 *   Gemini CLI   GEMINI_CLI_TRUST_WORKSPACE  the folder is trusted (it keeps YOLO mode)
 *                security.auth.selectedType  a passed GEMINI_API_KEY signs it in
 */
/* The sandbox's managed settings (policy: the agent cannot change them). */
extern const char sbx_claude_managed_settings[];
#define SBX_CLAUDE_MANAGED_SETTINGS "/etc/claude-code/managed-settings.json"
/* Writes ~/.claude.json into a template home (bwrap). */
int sbx_agent_state_write(const char *home);
/* The same as user and system provisioning scripts (Lima); also the template's hash input. */
void sbx_agent_state_script(struct sbx_buf *user, struct sbx_buf *system);
void sbx_agent_state_lima_provision(cJSON *provision);
/* The session's part: trust, and the approval of a passed API key. */
int sbx_claude_session_state(struct sbx_session *s);
/*
 * `sbx run`'s Codex: its arguments (-c overrides, which win over every
 * config.toml) trust the project, and make its turn end notify through `sbx
 * hook` when Stop is among notify.events, whatever notify a personal
 * config.toml sets.
 */
int sbx_codex_session_state(struct sbx_session *s);
/* Gemini CLI's: trust (a public variable), and a passed GEMINI_API_KEY chosen to sign in. */
int sbx_gemini_session_state(struct sbx_session *s);

/*
 * lib/login.c: `sbx login`. Runs the agent's login flow in an ephemeral
 * sandbox of s (prepared for the command "login") with the terminal, then
 * keeps what it left; extra are arguments for the flow. Returns 0, the
 * flow's exit code when it failed, or -1 with a message.
 */
int sbx_login(struct sbx_session *s, char **extra, int nr_extra);
/*
 * The last token starting with prefix in a terminal recording: escape
 * sequences are skipped, and a token the terminal wrapped is joined again
 * (a line holding only token characters continues it). NULL when none.
 */
char *sbx_login_find_token(const char *text, size_t len, const char *prefix);

/* lib/accounts-doctor.c: one line per agent with an account: stored, checked. */
void sbx_accounts_doctor(const struct sbx_config *cfg, sbx_report_fn report);

#endif
