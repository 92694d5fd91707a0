/*
 * The first-run answers (accounts.h): the agents' one-time prompts in a
 * fresh sandbox (onboarding and theme, trust this folder, accept the bypass
 * mode, use this API key) are answered for them, so that `sbx run` goes
 * straight to work. The key names are Claude Code's own (2.1.x).
 */
#include "accounts.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "paths.h"
#include "quote.h"
#include "session.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Policy settings: the bypass mode's warning is accepted for every sandbox user. */
const char sbx_claude_managed_settings[] = "{\n\t\"skipDangerousModePermissionPrompt\": true\n}\n";

/* Global state: onboarding (with its theme picker) done. */
static const char claude_state[] =
	"{\n\t\"hasCompletedOnboarding\": true,\n\t\"theme\": \"dark\"\n}\n";

/*
 * A passed ANTHROPIC_API_KEY is approved as the user would approve it
 * (Claude keeps the key's last 20 characters). Run in the sandbox by the
 * environment script: the key is read from the environment, never pasted.
 */
static const char approve_api_key[] =
	"if command -v node >/dev/null 2>&1; then node -e '\n"
	"const fs = require(\"fs\"), f = process.env.HOME + \"/.claude.json\";\n"
	"let c = {};\n"
	"try { c = JSON.parse(fs.readFileSync(f, \"utf8\")); } catch (e) {}\n"
	"const k = (process.env.ANTHROPIC_API_KEY || \"\").slice(-20);\n"
	"const r = c.customApiKeyResponses || {};\n"
	"r.approved = (r.approved || []).filter((x) => x !== k).concat([k]);\n"
	"r.rejected = (r.rejected || []).filter((x) => x !== k);\n"
	"c.customApiKeyResponses = r;\n"
	"fs.writeFileSync(f, JSON.stringify(c, null, 2) + \"\\n\", { mode: 0o600 });\n"
	"' 2>/dev/null || :; fi";

int sbx_agent_state_write(const char *home)
{
	char *path = sbx_path_join(home, ".claude.json");
	int ret = sbx_write_file(path, claude_state, strlen(claude_state), 0600);

	free(path);
	return ret;
}

void sbx_agent_state_script(struct sbx_buf *user, struct sbx_buf *system)
{
	sbx_buf_adds(user, "#!/bin/sh\n# sbx: the agents' first-run answers\nset -eu\numask 077\n"
		     "[ -e \"$HOME/.claude.json\" ] || printf %s ");
	sbx_sq_quote(user, claude_state);
	sbx_buf_adds(user, " >\"$HOME/.claude.json\"\n");
	sbx_buf_adds(system, "#!/bin/sh\n# sbx: the agents' first-run answers (Claude Code's policy settings)\nset -eu\n"
		     "mkdir -p /etc/claude-code\nprintf %s ");
	sbx_sq_quote(system, sbx_claude_managed_settings);
	sbx_buf_adds(system, " >" SBX_CLAUDE_MANAGED_SETTINGS "\n"
		     "chmod 644 " SBX_CLAUDE_MANAGED_SETTINGS "\n");
}

void sbx_agent_state_lima_provision(cJSON *provision)
{
	struct sbx_buf user = SBX_BUF_INIT, system = SBX_BUF_INIT;
	cJSON *p;

	sbx_agent_state_script(&user, &system);
	p = sbx_json_append(provision, sbx_json_new_object());
	sbx_json_add_string(p, "mode", "system");
	sbx_json_add_string(p, "script", system.buf);
	/* How a failure of each is named (lima-template.c takes the key out). */
	sbx_json_add_string(p, "sbxStep", "the agents' managed settings");
	p = sbx_json_append(provision, sbx_json_new_object());
	sbx_json_add_string(p, "mode", "user");
	sbx_json_add_string(p, "script", user.buf);
	sbx_json_add_string(p, "sbxStep", "the agents' first-run answers");
	sbx_buf_release(&user);
	sbx_buf_release(&system);
}

int sbx_claude_session_state(struct sbx_session *s)
{
	/* Claude Code trusts every folder of a sandbox it is told it runs in. */
	if (sbx_session_setenv_public(s, "CLAUDE_CODE_SANDBOXED", "1"))
		return -1;
	if (sbx_session_getenv(s, "ANTHROPIC_API_KEY"))
		sbx_session_add_file(s, NULL, approve_api_key, strlen(approve_api_key),
				     SBX_HOME_SCRIPT);
	return 0;
}
