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
