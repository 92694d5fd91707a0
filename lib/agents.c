#include "agents.h"
#include "buf.h"
#include "config.h"
#include "error.h"
#include "json.h"
#include "suggest.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct builtin {
	const char *name, *command, *npm, *config_dir;
	const char *args[3];
	const char *config_env;
	/* The account: see agents.h. */
	const char *login[3], *files[3], *token_env, *token_prefix, *check[3];
	const char *const *auth_env;
	const char *const *personal;
	/* The names it needs to work (its API, its login): network.mode "allowlist" lets them through. */
	const char *const *allow;
};

static const char *const claude_env[] = { "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN",
	"CLAUDE_CODE_OAUTH_TOKEN", NULL };
static const char *const codex_env[] = { "OPENAI_API_KEY", "CODEX_API_KEY", NULL };
static const char *const gemini_env[] = { "GEMINI_API_KEY", "GOOGLE_API_KEY", NULL };
static const char *const no_env[] = { NULL };
static const char *const claude_personal[] = { "CLAUDE.md", "settings.json", "skills", "commands",
	"agents", NULL };
static const char *const codex_personal[] = { "AGENTS.md", "prompts", NULL };
static const char *const gemini_personal[] = { "GEMINI.md", NULL };
static const char *const opencode_personal[] = { "AGENTS.md", NULL };
static const char *const claude_allow[] = { "api.anthropic.com", "console.anthropic.com",
	"platform.claude.com", "claude.ai", "statsig.anthropic.com", NULL };
static const char *const codex_allow[] = { "api.openai.com", "auth.openai.com", "chatgpt.com",
	NULL };
static const char *const opencode_allow[] = { "opencode.ai", "models.dev", "api.anthropic.com",
	"api.openai.com", NULL };
static const char *const gemini_allow[] = { "generativelanguage.googleapis.com",
	"cloudcode-pa.googleapis.com", "oauth2.googleapis.com", "www.googleapis.com",
	"accounts.google.com", NULL };

/*
 * Claude: `claude setup-token` prints a token valid for a year, used through
 * CLAUDE_CODE_OAUTH_TOKEN; its /login would leave an OAuth file whose refresh
 * token rotates, which a store copied into every sandbox cannot follow.
 */
static const struct builtin builtins[] = {
	{ "claude", "claude", "@anthropic-ai/claude-code", ".claude",
	  { "--dangerously-skip-permissions", NULL }, "CLAUDE_CONFIG_DIR",
	  { "setup-token", NULL }, { NULL }, "CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat",
	  { "auth", "status", NULL }, claude_env, claude_personal, claude_allow },
	{ "codex", "codex", "@openai/codex", ".codex", { "--yolo", NULL }, "CODEX_HOME",
	  { "login", NULL }, { ".codex/auth.json", NULL }, NULL, NULL,
	  { "login", "status", NULL }, codex_env, codex_personal, codex_allow },
	{ "opencode", "opencode", "opencode-ai", ".config/opencode", { NULL }, NULL,
	  { "auth", "login", NULL }, { ".local/share/opencode/auth.json", NULL }, NULL, NULL,
	  { "auth", "list", NULL }, no_env, opencode_personal, opencode_allow },
	{ "gemini", "gemini", "@google/gemini-cli", ".gemini", { "--yolo", NULL }, NULL,
	  { NULL }, { ".gemini/oauth_creds.json", ".gemini/google_accounts.json", NULL }, NULL,
	  NULL, { NULL }, gemini_env, gemini_personal, gemini_allow },
	{ "shell", "bash", NULL, NULL, { "-l", NULL }, NULL, { NULL }, { NULL }, NULL, NULL,
	  { NULL }, no_env, no_env, no_env },
};
#define NR_BUILTINS (sizeof(builtins) / sizeof(builtins[0]))

const char *const sbx_builtin_agents[] = { "claude", "codex", "opencode", "gemini", "shell", NULL };

/* A configured list replaces the built-in one. */
static void strings(struct sbx_strvec *out, const cJSON *conf, const char *key,
		    const char *const *builtin)
{
	const cJSON *list = conf ? cJSON_GetObjectItemCaseSensitive(conf, key) : NULL;

	if (!cJSON_IsArray(list)) {
		if (builtin)
			sbx_strvec_pushv(out, builtin);
		return;
	}
	for (const cJSON *e = list->child; e; e = e->next)
		if (cJSON_IsString(e))
			sbx_strvec_push(out, e->valuestring);
}

static void resolve_account(struct sbx_agent *agent, const struct builtin *b, const cJSON *login)
{
	const char *token = login ? sbx_json_get_string(login, "token") : NULL;
	const char *prefix = login ? sbx_json_get_string(login, "tokenPrefix") : NULL;

	strings(&agent->login_args, login, "args", b ? b->login : NULL);
	strings(&agent->cred_files, login, "files", b ? b->files : NULL);
	strings(&agent->check_args, login, "check", b ? b->check : NULL);
	if (!token && b)
		token = b->token_env;
	if (!prefix && b && token == b->token_env)
		prefix = b->token_prefix;
	agent->token_env = token ? sbx_strdup(token) : NULL;
	agent->token_prefix = sbx_strdup(prefix ? prefix : "");
	agent->config_env = b ? b->config_env : NULL;
	agent->auth_env = b ? b->auth_env : no_env;
	agent->personal = b ? b->personal : no_env;
	agent->can_login = agent->cred_files.nr || agent->token_env;
}

int sbx_agent_resolve(struct sbx_agent *agent, const char *name, const struct sbx_config *cfg)
{
	const struct builtin *b = NULL;
	const cJSON *conf = NULL, *args;
	const char *command, *npm;
	char *path;

	memset(agent, 0, sizeof(*agent));
	sbx_strvec_init(&agent->args);
	sbx_strvec_init(&agent->login_args);
	sbx_strvec_init(&agent->cred_files);
	sbx_strvec_init(&agent->check_args);
	sbx_strvec_init(&agent->allow);
	for (size_t i = 0; i < NR_BUILTINS; i++)
		if (!strcmp(builtins[i].name, name))
			b = &builtins[i];
	if (cfg) {
		path = sbx_asprintf("agents.%s", name);
		conf = sbx_config_get(cfg, path);
		free(path);
	}
	command = conf ? sbx_json_get_string(conf, "command") : NULL;
	if (!b && !command) {
		const char *near = sbx_nearest(name, (const char *const *)sbx_builtin_agents,
					       NR_BUILTINS);

		if (near)
			return sbx_error("unknown agent '%s' (did you mean '%s'?)", name, near);
		return sbx_error("unknown agent '%s': use one of claude, codex, opencode, gemini, "
				 "shell, or define agents.%s.command in the configuration", name, name);
	}
	agent->name = sbx_strdup(name);
	agent->command = sbx_strdup(command ? command : b->command);
	npm = conf ? sbx_json_get_string(conf, "npm") : NULL;
	agent->npm = npm ? sbx_strdup(npm) : b && b->npm ? sbx_strdup(b->npm) : NULL;
	agent->config_dir = b ? b->config_dir : NULL;
	if (b)
		sbx_strvec_pushv(&agent->args, b->args);
	args = conf ? cJSON_GetObjectItemCaseSensitive(conf, "args") : NULL;
	for (const cJSON *a = args ? args->child : NULL; a; a = a->next)
		if (cJSON_IsString(a))
			sbx_strvec_push(&agent->args, a->valuestring);
	resolve_account(agent, b, conf ? cJSON_GetObjectItemCaseSensitive(conf, "login") : NULL);
	strings(&agent->allow, conf, "allow", b ? b->allow : NULL);
	return 0;
}

void sbx_agent_release(struct sbx_agent *agent)
{
	free(agent->name);
	free(agent->command);
	free(agent->npm);
	sbx_strvec_clear(&agent->args);
	sbx_strvec_clear(&agent->login_args);
	sbx_strvec_clear(&agent->cred_files);
	sbx_strvec_clear(&agent->check_args);
	sbx_strvec_clear(&agent->allow);
	free(agent->token_env);
	free(agent->token_prefix);
	memset(agent, 0, sizeof(*agent));
}

/*
 * Decodes one UTF-8 code point at *p (advancing it); invalid bytes decode
 * as U+FFFD one at a time, as TextDecoder does.
 */
static uint32_t next_code_point(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t cp;
	int n;

	if (*s < 0x80) { cp = *s; n = 1; }
	else if ((*s & 0xE0) == 0xC0) { cp = *s & 0x1F; n = 2; }
	else if ((*s & 0xF0) == 0xE0) { cp = *s & 0x0F; n = 3; }
	else if ((*s & 0xF8) == 0xF0) { cp = *s & 0x07; n = 4; }
	else { *p = s + 1; return 0xFFFD; }
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*p = s + 1;
			return 0xFFFD;
		}
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	*p = s + n;
	return cp;
}

/* Java's String.hashCode over UTF-16 units, as Claude Code (JavaScript) computes it. */
static int32_t js_string_hash(const char *str)
{
	const unsigned char *p = (const unsigned char *)str;
	uint32_t h = 0;

	while (*p) {
		uint32_t cp = next_code_point(&p);

		if (cp >= 0x10000) {
			cp -= 0x10000;
			h = h * 31 + (0xD800 + (cp >> 10));
			h = h * 31 + (0xDC00 + (cp & 0x3FF));
		} else {
			h = h * 31 + cp;
		}
	}
	return (int32_t)h;
}

/*
 * JavaScript's path.replace(/[^a-zA-Z0-9]/g, "-") works on UTF-16 units: a
 * non-ASCII character becomes one '-', or two beyond the BMP.
 */
char *sbx_claude_project_dirname(const char *abs_path)
{
	const unsigned char *p = (const unsigned char *)abs_path;
	struct sbx_buf out = SBX_BUF_INIT;

	while (*p) {
		uint32_t cp = next_code_point(&p);

		if (cp < 0x80 && isalnum((int)cp))
			sbx_buf_addch(&out, (char)cp);
		else
			sbx_buf_adds(&out, cp >= 0x10000 ? "--" : "-");
	}
	if (out.len > 200) {
		/* Math.abs(hash).toString(36) */
		int64_t h = js_string_hash(abs_path);
		uint64_t v = (uint64_t)(h < 0 ? -h : h);
		char digits[16];
		int n = 0;

		do {
			digits[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
			v /= 36;
		} while (v);
		sbx_buf_truncate(&out, 200);
		sbx_buf_addch(&out, '-');
		while (n)
			sbx_buf_addch(&out, digits[--n]);
	}
	return sbx_buf_detach(&out);
}
