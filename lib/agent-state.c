/*
 * The first-run answers (accounts.h): the agents' one-time prompts in a
 * fresh sandbox (onboarding and theme, trust this folder, accept the bypass
 * mode, use this API key) are answered for them, so that `sbx run` goes
 * straight to work. The key names are the agents' own: Claude Code 2.1,
 * Codex 0.171, Gemini CLI 0.61.
 */
#include "accounts.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "notify.h"
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

/*
 * s as a TOML basic string ("...", escapes for '"', '\\' and control
 * characters). TOML is UTF-8: anything else cannot be said, and -1 leaves out
 * what needs it (Codex would not read its configuration at all).
 */
static int toml_string(struct sbx_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	sbx_buf_addch(out, '"');
	while (*p) {
		int n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 :
			(*p & 0xF8) == 0xF0 ? 4 : 0;

		if (!n || (n == 2 && *p < 0xC2))
			return -1;
		for (int i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				return -1;
		if (*p == '"' || *p == '\\')
			sbx_buf_addf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7F)
			sbx_buf_addf(out, "\\u%04X", *p);
		else
			sbx_buf_add(out, p, (size_t)n);
		p += n;
	}
	sbx_buf_addch(out, '"');
	return 0;
}

int sbx_codex_session_state(struct sbx_session *s)
{
	struct sbx_strvec events = SBX_STRVEC_INIT;
	struct sbx_buf trust = SBX_BUF_INIT;
	const char *dirs[] = { s->project.dir, s->project.main_dir };
	int stop = 0;

	/* Codex asks for the folder of its work tree, and for a linked one its main checkout's. */
	sbx_buf_adds(&trust, "projects={");
	for (size_t i = 0; i < 2; i++) {
		size_t len = trust.len;

		if (!dirs[i] || (i && !strcmp(dirs[i], dirs[0])))
			continue;
		if (trust.len > strlen("projects={"))
			sbx_buf_addch(&trust, ',');
		if (toml_string(&trust, dirs[i]))
			sbx_buf_truncate(&trust, len);
		else
			sbx_buf_adds(&trust, "={trust_level=\"trusted\"}");
	}
	sbx_buf_addch(&trust, '}');
	sbx_strvec_pushv(&s->agent.args, (const char *[]){ "-c", trust.buf, NULL });
	sbx_hook_events(s->cfg, &events);
	for (size_t i = 0; i < events.nr; i++)
		stop |= !strcmp(events.v[i], "Stop");
	if (stop)
		sbx_strvec_pushv(&s->agent.args, (const char *[]){ "-c",
			"notify=[\"sbx\",\"hook\",\"--agent\",\"codex\"]", NULL });
	sbx_strvec_clear(&events);
	sbx_buf_release(&trust);
	return 0;
}

/*
 * A passed GEMINI_API_KEY is how Gemini CLI signs in, as the user would
 * choose it (else it asks, interactively): security.auth.selectedType in
 * ~/.gemini/settings.json, unless a choice is there. Run in the sandbox by
 * the environment script; the key itself is not read.
 */
static const char gemini_api_key[] =
	"if command -v node >/dev/null 2>&1; then node -e '\n"
	"const fs = require(\"fs\"), d = process.env.HOME + \"/.gemini\", f = d + \"/settings.json\";\n"
	"let c = {};\n"
	"try { c = JSON.parse(fs.readFileSync(f, \"utf8\")); } catch (e) {}\n"
	"if (typeof c !== \"object\" || c === null || Array.isArray(c)) c = {};\n"
	"const sec = c.security = Object(c.security), auth = sec.auth = Object(sec.auth);\n"
	"if (!auth.selectedType) {\n"
	"\tauth.selectedType = \"gemini-api-key\";\n"
	"\tfs.mkdirSync(d, { recursive: true, mode: 0o700 });\n"
	"\tfs.writeFileSync(f, JSON.stringify(c, null, 2) + \"\\n\", { mode: 0o600 });\n"
	"}\n"
	"' 2>/dev/null || :; fi";

int sbx_gemini_session_state(struct sbx_session *s)
{
	/* Gemini CLI trusts the folder: else it leaves YOLO mode ("the current folder is not trusted"). */
	if (sbx_session_setenv_public(s, "GEMINI_CLI_TRUST_WORKSPACE", "true"))
		return -1;
	if (sbx_session_getenv(s, "GEMINI_API_KEY"))
		sbx_session_add_file(s, NULL, gemini_api_key, strlen(gemini_api_key),
				     SBX_HOME_SCRIPT);
	return 0;
}
