#ifndef SBX_AGENTS_H
#define SBX_AGENTS_H

#include "strvec.h"

struct sbx_config;

/*
 * The agents sbx knows: how each is installed (npm), its full-auto flags, and
 * where it keeps its configuration in the sandbox home. Configuration can
 * override a known agent's command and add arguments (agents.NAME.command,
 * agents.NAME.args, agents.NAME.npm), or add an agent of its own.
 */
struct sbx_agent {
	char *name;
	char *command;			/* program name, looked up on the sandbox's PATH */
	struct sbx_strvec args;		/* full-auto flags, then configured args */
	char *npm;			/* npm package that installs it, or NULL */
	const char *config_dir;		/* ".claude", ".codex", ... in the home; or NULL */
	/* Where the host keeps that folder when not in the home: CLAUDE_CONFIG_DIR, CODEX_HOME. */
	const char *config_env;

	/*
	 * Its account (accounts.h): `sbx login` runs the command with login_args;
	 * it keeps the files of cred_files (paths in the home) that the login
	 * wrote and, with token_env, the token starting with token_prefix that it
	 * printed, as that variable. check_args: a cheap check that they work
	 * (no model call), or none. auth_env: the variables the agent takes
	 * credentials from. personal: the default "personal" entries.
	 * Configuration: agents.NAME.login {args, files, token, tokenPrefix, check}.
	 */
	struct sbx_strvec login_args;
	struct sbx_strvec cred_files;
	char *token_env;
	char *token_prefix;
	struct sbx_strvec check_args;
	const char *const *auth_env;
	const char *const *personal;
	unsigned can_login : 1;
	/*
	 * The names it needs to work (its API, its login endpoints): network
	 * entries (net-policy.h) the allowlist lets through. Configuration:
	 * agents.NAME.allow, which replaces them.
	 */
	struct sbx_strvec allow;
};

/* Resolves name against the built-in table and the configuration. */
int sbx_agent_resolve(struct sbx_agent *agent, const char *name, const struct sbx_config *cfg);
void sbx_agent_release(struct sbx_agent *agent);
/* The built-in names, NULL-terminated (for help, completion, suggestions). */
extern const char *const sbx_builtin_agents[];

/*
 * Claude Code's name for a project's transcript folder: the absolute path
 * with every non-alphanumeric byte replaced by '-'; over 200 bytes it is cut
 * to 200 and '-' plus the base36 of a 32-bit hash of the path is appended.
 */
char *sbx_claude_project_dirname(const char *abs_path);

#endif
