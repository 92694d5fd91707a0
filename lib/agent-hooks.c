/*
 * Wiring `sbx hook` into the agents (notify.h): the hook configuration that
 * `sbx setup` writes into a sandbox's home, never into the host's, and, for
 * Lima, the provisioning script that writes it and the socket's forward.
 *
 *   Claude Code  ~/.claude/settings.json  "hooks" for each chosen event
 *   Codex        ~/.codex/config.toml     notify = [...] (its turn end: Stop)
 */
#include "notify.h"
#include "config.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "paths.h"
#include "quote.h"
#include "session.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Claude kills a hook after this many seconds; sbx hook ends well within one. */
#define CLAUDE_HOOK_TIMEOUT 5
#define CLAUDE_HOOK_COMMAND "sbx hook --agent claude"

void sbx_hook_events(const struct sbx_config *cfg, struct sbx_strvec *events)
{
	const cJSON *list = sbx_config_get(cfg, "notify.events");

	if (!sbx_config_bool(cfg, "notify.enabled"))
		return;
	for (const cJSON *e = list ? list->child : NULL; e; e = e->next) {
		int seen = 0;

		if (!cJSON_IsString(e))
			continue;
		for (size_t i = 0; i < events->nr; i++)
			seen |= !strcmp(events->v[i], e->valuestring);
		if (!seen)
			sbx_strvec_push(events, e->valuestring);
	}
}

/* What the agents' states need (agent-status.h), whatever notifications are chosen. */
static const char *const state_events[] = {
	"UserPromptSubmit", "PreToolUse", "PostToolUse", "Notification", "Stop", NULL,
};

void sbx_hook_wired_events(const struct sbx_config *cfg, struct sbx_strvec *events)
{
	sbx_hook_events(cfg, events);
	if (!sbx_config_bool(cfg, "notify.enabled"))
		return;
	for (size_t i = 0; state_events[i]; i++) {
		int seen = 0;

		for (size_t j = 0; j < events->nr; j++)
			seen |= !strcmp(events->v[j], state_events[i]);
		if (!seen)
			sbx_strvec_push(events, state_events[i]);
	}
}

cJSON *sbx_claude_hook_settings(const struct sbx_strvec *events)
{
	cJSON *settings = sbx_json_new_object();
	cJSON *hooks = sbx_json_add_item(settings, "hooks", sbx_json_new_object());

	for (size_t i = 0; i < events->nr; i++) {
		cJSON *matchers = sbx_json_add_item(hooks, events->v[i], sbx_json_new_array());
		cJSON *m = sbx_json_append(matchers, sbx_json_new_object());
		cJSON *list = sbx_json_add_item(m, "hooks", sbx_json_new_array());
		cJSON *h = sbx_json_append(list, sbx_json_new_object());

		/* "" matches every notification type and every tool. */
		sbx_json_add_string(m, "matcher", "");
		sbx_json_add_string(h, "type", "command");
		sbx_json_add_string(h, "command", CLAUDE_HOOK_COMMAND);
		sbx_json_add_number(h, "timeout", CLAUDE_HOOK_TIMEOUT);
	}
	return settings;
}

void sbx_codex_hook_toml(const struct sbx_strvec *events, struct sbx_buf *out)
{
	for (size_t i = 0; i < events->nr; i++) {
		if (!strcmp(events->v[i], "Stop")) {
			sbx_buf_adds(out, "# Written by sbx setup: Codex's turn ends reach the host's "
				     "notifications.\nnotify = [\"sbx\", \"hook\", \"--agent\", \"codex\"]\n");
			return;
		}
	}
}

int sbx_write_agent_hooks(const char *home, const struct sbx_config *cfg)
{
	struct sbx_strvec events = SBX_STRVEC_INIT;
	struct sbx_buf toml = SBX_BUF_INIT;
	char *dir = NULL, *file = NULL;
	cJSON *settings = NULL;
	int ret = 0;

	sbx_hook_wired_events(cfg, &events);
	if (!events.nr)
		goto out;
	ret = -1;
	dir = sbx_path_join(home, ".claude");
	file = sbx_path_join(dir, "settings.json");
	settings = sbx_claude_hook_settings(&events);
	if (sbx_mkdir_p(dir, 0700) || sbx_json_write_file(file, settings, 0600, 1))
		goto out;
	sbx_codex_hook_toml(&events, &toml);
	if (toml.len) {
		free(dir);
		free(file);
		dir = sbx_path_join(home, ".codex");
		file = sbx_path_join(dir, "config.toml");
		if (sbx_mkdir_p(dir, 0700) || sbx_write_file(file, toml.buf, toml.len, 0600))
			goto out;
	}
	ret = 0;
out:
	cJSON_Delete(settings);
	sbx_buf_release(&toml);
	sbx_strvec_clear(&events);
	free(dir);
	free(file);
	return ret;
}

void sbx_agent_hooks_script(const struct sbx_config *cfg, struct sbx_buf *out)
{
	struct sbx_strvec events = SBX_STRVEC_INIT;
	struct sbx_buf text = SBX_BUF_INIT;
	cJSON *settings;

	sbx_hook_wired_events(cfg, &events);
	sbx_buf_adds(out, "#!/bin/sh\n# sbx: the agents' hooks that forward events to the host\n"
		     "set -eu\numask 077\n");
	if (!events.nr)
		goto out;
	settings = sbx_claude_hook_settings(&events);
	sbx_json_print(&text, settings, 1);
	sbx_buf_addch(&text, '\n');
	cJSON_Delete(settings);
	sbx_buf_adds(out, "mkdir -p \"$HOME/.claude\"\nprintf %s ");
	sbx_sq_quote(out, text.buf);
	sbx_buf_adds(out, " >\"$HOME/.claude/settings.json\"\n");
	sbx_buf_reset(&text);
	sbx_codex_hook_toml(&events, &text);
	if (text.len) {
		sbx_buf_adds(out, "mkdir -p \"$HOME/.codex\"\nprintf %s ");
		sbx_sq_quote(out, text.buf);
		sbx_buf_adds(out, " >\"$HOME/.codex/config.toml\"\n");
	}
out:
	sbx_buf_release(&text);
	sbx_strvec_clear(&events);
}

void sbx_notify_lima_provision(const struct sbx_config *cfg, cJSON *provision)
{
	struct sbx_buf script = SBX_BUF_INIT;
	cJSON *p;

	if (!sbx_config_bool(cfg, "notify.enabled"))
		return;
	sbx_agent_hooks_script(cfg, &script);
	p = sbx_json_append(provision, sbx_json_new_object());
	/* Run as the sandbox user, so that $HOME is theirs. */
	sbx_json_add_string(p, "mode", "user");
	sbx_json_add_string(p, "script", script.buf);
	/* How a failure of it is named (lima-template.c takes the key out). */
	sbx_json_add_string(p, "sbxStep", "the agents' hooks");
	sbx_buf_release(&script);
}

void sbx_notify_lima_clone(const struct sbx_session *s, const char *name, struct sbx_strvec *args)
{
	struct sbx_buf b = SBX_BUF_INIT;
	cJSON *list, *e;
	char *dir, *host;

	if (!sbx_config_bool(s->cfg, "notify.enabled") || s->notify_off)
		return;
	/* The session's own socket, never the user's: what arrives on it is this session's. */
	dir = sbx_notify_session_dir(name);
	if (!dir) {
		sbx_clear_error();
		return;
	}
	host = sbx_path_join(dir, SBX_NOTIFY_SESSION_SOCKET);
	free(dir);
	list = sbx_json_new_array();
	e = sbx_json_append(list, sbx_json_new_object());
	sbx_json_add_string(e, "guestSocket", SBX_NOTIFY_LIMA_SOCKET);
	sbx_json_add_string(e, "hostSocket", host);
	sbx_json_add_bool(e, "reverse", 1);
	/* Appended: plugins forward sockets of their own. */
	sbx_buf_adds(&b, ".portForwards += ");
	sbx_json_print(&b, list, 0);
	sbx_strvec_pushv(args, (const char *[]){ "--set", b.buf, NULL });
	cJSON_Delete(list);
	sbx_buf_release(&b);
	free(host);
}

int sbx_notify_lima_forwards_user_socket(const cJSON *instance)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(instance, "config");
	const cJSON *forwards = cJSON_GetObjectItemCaseSensitive(config, "portForwards");
	char *user = sbx_notify_socket_path();
	int found = 0;

	if (!user)
		sbx_clear_error();
	for (const cJSON *f = cJSON_IsArray(forwards) ? forwards->child : NULL; user && f; f = f->next) {
		const char *host = sbx_json_get_string(f, "hostSocket");

		found = found || (host && !strcmp(host, user));
	}
	free(user);
	return found;
}
