/*
 * What a session gets of the agent's account and personal configuration
 * (accounts.h).
 */
#include "accounts.h"
#include "agents.h"
#include "config.h"
#include "credentials.h"
#include "error.h"
#include "json.h"
#include "notify.h"
#include "paths.h"
#include "session.h"
#include "xalloc.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Lima copies personal files through the environment script: keep it small. */
#define PERSONAL_MAX (16L << 20)

/* Never carried in as personal configuration: credentials, history, transcripts. */
static const char *const never_personal[] = { ".credentials.json", "credentials.json",
	"auth.json", "oauth_creds.json", "google_accounts.json", ".claude.json", "history.jsonl",
	"history", "projects", "sessions", "todos", "shell-snapshots", "session-env",
	"file-history", "statsig", "log", NULL };

char *sbx_agent_host_dir(const struct sbx_agent *a)
{
	const char *env = a->config_env ? getenv(a->config_env) : NULL;
	char *home, *dir;

	if (env && *env == '/')
		return sbx_strdup(env);
	if (!a->config_dir)
		return NULL;
	home = sbx_home_dir();
	if (!home)
		return NULL;
	dir = sbx_path_join(home, a->config_dir);
	free(home);
	return dir;
}

static int valid_home_path(const char *path)
{
	const char *p = path;

	if (!*path || *path == '/')
		return 0;
	while (*p) {
		size_t len = strcspn(p, "/");

		if ((len == 2 && !strncmp(p, "..", 2)) || (len == 1 && *p == '.') || !len)
			return 0;
		p += len;
		p += *p == '/';
	}
	return 1;
}

/* The stored credentials: variables (unless configured already) and files in tmpfs. */
static int inject(struct sbx_session *s, const struct sbx_agent *a)
{
	const cJSON *env, *files;
	cJSON *cred;
	int ret = sbx_credentials_load(a->name, &cred);

	if (ret <= 0)
		return ret;
	env = cJSON_GetObjectItemCaseSensitive(cred, "env");
	files = cJSON_GetObjectItemCaseSensitive(cred, "files");
	ret = 0;
	for (const cJSON *e = env ? env->child : NULL; e && !ret; e = e->next)
		if (cJSON_IsString(e) && !sbx_session_getenv(s, e->string))
			ret = sbx_session_setenv(s, e->string, e->valuestring);
	for (const cJSON *f = files ? files->child : NULL; f && !ret; f = f->next) {
		if (!cJSON_IsString(f) || !valid_home_path(f->string))
			ret = sbx_error("the stored credentials of '%s' name '%s', which is no path "
					"in the home: log in again", a->name, f->string);
		else
			sbx_session_add_file(s, f->string, f->valuestring, strlen(f->valuestring),
					     SBX_HOME_SECRET);
	}
	sbx_credentials_free(cred);
	return ret;
}

static int refused(const char *entry)
{
	const char *p = entry;

	while (*p) {
		size_t len = strcspn(p, "/");

		for (size_t i = 0; never_personal[i]; i++)
			if (strlen(never_personal[i]) == len && !strncmp(p, never_personal[i], len))
				return 1;
		p += len;
		p += *p == '/';
	}
	return 0;
}

/* The user's Claude settings less their hooks, with sbx's hooks: a writable file. */
static void claude_settings(struct sbx_session *s, const char *host, const char *path)
{
	struct sbx_strvec events = SBX_STRVEC_INIT;
	struct sbx_buf text = SBX_BUF_INIT;
	cJSON *mine = NULL, *ours;

	if (sbx_jsonc_read_file(host, &mine) || !cJSON_IsObject(mine)) {
		sbx_warn("personal settings '%s' left out: %s", host,
			 mine ? "not a JSON object" : sbx_last_error());
		sbx_clear_error();
		cJSON_Delete(mine);
		return;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(mine, "hooks");
	sbx_hook_wired_events(s->cfg, &events);
	if (events.nr) {
		ours = sbx_claude_hook_settings(&events);
		sbx_json_add_item(mine, "hooks",
				  cJSON_DetachItemFromObjectCaseSensitive(ours, "hooks"));
		cJSON_Delete(ours);
	}
	sbx_json_print(&text, mine, 1);
	sbx_buf_addch(&text, '\n');
	sbx_session_add_file(s, path, text.buf, text.len, SBX_HOME_FILE);
	sbx_buf_release(&text);
	sbx_strvec_clear(&events);
	cJSON_Delete(mine);
}

/* Lima: a copy of host (file or tree, symbolic links left out) at path, read-only. */
static int copy_in(struct sbx_session *s, const char *host, const char *path, long *budget)
{
	struct sbx_buf b = SBX_BUF_INIT;
	struct stat st;
	DIR *d;
	int ret = 0;

	if (lstat(host, &st))
		return 0;
	if (S_ISREG(st.st_mode)) {
		if (st.st_size > *budget)
			return sbx_error("personal configuration over %ld MiB: list fewer entries "
					 "in \"personal\"", PERSONAL_MAX >> 20);
		if (sbx_buf_read_file(&b, host))
			return -1;
		*budget -= (long)b.len;
		sbx_session_add_file(s, path, b.buf, b.len, SBX_HOME_READONLY);
		sbx_buf_release(&b);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	d = opendir(host);
	if (!d)
		return sbx_error_errno("cannot read '%s'", host);
	for (struct dirent *e; !ret && (e = readdir(d));) {
		char *h, *p;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		h = sbx_path_join(host, e->d_name);
		p = sbx_path_join(path, e->d_name);
		ret = copy_in(s, h, p, budget);
		free(h);
		free(p);
	}
	closedir(d);
	return ret;
}

static int personal(struct sbx_session *s, const struct sbx_agent *a)
{
	const cJSON *list;
	struct sbx_strvec entries = SBX_STRVEC_INIT;
	char *key = sbx_asprintf("personal.%s", a->name), *dir = NULL;
	int bind = !strcmp(s->backend->name, "bwrap"), ret = 0;
	long budget = PERSONAL_MAX;

	list = sbx_config_get(s->cfg, key);
	if (cJSON_IsArray(list)) {
		for (const cJSON *e = list->child; e; e = e->next)
			if (cJSON_IsString(e))
				sbx_strvec_push(&entries, e->valuestring);
	} else {
		sbx_strvec_pushv(&entries, a->personal);
	}
	if (entries.nr && a->config_dir)
		dir = sbx_agent_host_dir(a);
	for (size_t i = 0; dir && i < entries.nr && !ret; i++) {
		const char *entry = entries.v[i];
		char *host = sbx_path_join(dir, entry);
		char *path = sbx_asprintf("%s/%s", a->config_dir, entry);
		struct stat st;

		if (refused(entry) || !valid_home_path(entry)) {
			ret = sbx_error("%s: '%s' is not carried into a sandbox (credentials, history "
					"and transcripts never are; 'sbx login' keeps credentials)",
					key, entry);
			ret = -2;
		} else if (stat(host, &st)) {
			/* Not there on the host: nothing to carry. */
		} else if (!strcmp(a->config_dir, ".claude") && !strcmp(entry, "settings.json")) {
			claude_settings(s, host, path);
		} else if (bind) {
			char *guest = sbx_asprintf("~/%s", path);

			sbx_session_add_mount(s, host, guest, 0);
			free(guest);
		} else {
			sbx_session_add_file(s, path, NULL, 0, SBX_HOME_REMOVE);
			ret = copy_in(s, host, path, &budget);
			if (!ret && S_ISDIR(st.st_mode))
				sbx_session_add_file(s, path, NULL, 0, SBX_HOME_SEAL);
		}
		free(host);
		free(path);
	}
	sbx_strvec_clear(&entries);
	free(dir);
	free(key);
	return ret;
}

int sbx_accounts_session(struct sbx_session *s, const char *command)
{
	struct sbx_agent configured;
	const struct sbx_agent *a = &s->agent;
	int ret = 0, own = 0;

	if (!strcmp(command, "setup"))
		return 0;
	if (!strcmp(command, "shell")) {
		const char *name = sbx_config_string(s->cfg, "agent");

		/* A shell is for working beside the agent: it gets the agent's account. */
		if (sbx_agent_resolve(&configured, name ? name : "claude", s->cfg)) {
			sbx_clear_error();
			return 0;
		}
		a = &configured;
		own = 1;
	}
	if (strcmp(command, "login"))
		ret = inject(s, a);
	if (!ret && (!strcmp(command, "run") || !strcmp(command, "shell")))
		ret = personal(s, a);
	if (!ret && a->config_dir && !strcmp(a->config_dir, ".claude"))
		ret = sbx_claude_session_state(s);
	if (!ret && a->config_dir && !strcmp(a->config_dir, ".gemini"))
		ret = sbx_gemini_session_state(s);
	/* Codex's answers are arguments: only for the agent sbx runs. */
	if (!ret && a == &s->agent && !strcmp(command, "run") && a->config_dir &&
	    !strcmp(a->config_dir, ".codex"))
		ret = sbx_codex_session_state(s);
	if (own)
		sbx_agent_release(&configured);
	return ret;
}
