/* What each session's agent is doing: its states, its record, its store (agent-status.h). */
#include "agent-status.h"
#include "error.h"
#include "json.h"
#include "names.h"
#include "notify.h"
#include "paths.h"
#include "safefile.h"
#include "xalloc.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FIELD_MAX 4096
#define NAME_MAX_LEN 255
#define RECORD_MAX (32 * 1024)

static const char *const state_names[] = {
	[SBX_AGENT_STARTED] = "started",
	[SBX_AGENT_WORKING] = "working",
	[SBX_AGENT_WAITING] = "waiting",
	[SBX_AGENT_DONE] = "done",
	[SBX_AGENT_EXITED] = "exited",
};

const char *sbx_agent_state_name(enum sbx_agent_state state)
{
	return state_names[state];
}

int sbx_agent_state_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (!strcmp(name, state_names[i]))
			return (int)i;
	return -1;
}

long long sbx_agent_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sbx_agent_status_release(struct sbx_agent_status *st)
{
	free(st->name);
	free(st->sandbox);
	free(st->project);
	free(st->agent);
	free(st->backend);
	free(st->repo);
	free(st->branch);
	free(st->message);
	memset(st, 0, sizeof(*st));
	st->code = -1;
}

static int same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Moves st to state with message (NULL: none); 1 when that changed anything. */
static int move(struct sbx_agent_status *st, enum sbx_agent_state state, const char *message,
		long long now)
{
	struct sbx_buf clean = SBX_BUF_INIT;
	int changed;

	if (message)
		sbx_notify_clean_text(&clean, message, SBX_AGENT_MESSAGE_MAX);
	changed = st->state != state || !same_text(st->message, message ? clean.buf : NULL);
	if (st->state != state)
		st->since = now;
	st->state = state;
	free(st->message);
	st->message = message ? sbx_buf_detach(&clean) : NULL;
	sbx_buf_release(&clean);
	return changed;
}

int sbx_agent_status_event(struct sbx_agent_status *st, const char *kind, const char *type,
			   const char *message, long long now)
{
	if (st->state == SBX_AGENT_EXITED || !kind)
		return 0;
	if (!strcmp(kind, "UserPromptSubmit") || !strcmp(kind, "PreToolUse") ||
	    !strcmp(kind, "PostToolUse"))
		return move(st, SBX_AGENT_WORKING, NULL, now);
	/* A login that went through asks nothing of the user. */
	if (!strcmp(kind, "Notification") && !(type && !strcmp(type, "auth_success")))
		return move(st, SBX_AGENT_WAITING, message, now);
	if (!strcmp(kind, "Stop"))
		return move(st, SBX_AGENT_DONE, message, now);
	return 0;
}

int sbx_agent_status_exit(struct sbx_agent_status *st, int code, long long now)
{
	if (st->state == SBX_AGENT_EXITED && (code < 0 || st->code == code))
		return 0;
	if (st->state != SBX_AGENT_EXITED)
		st->since = now;
	st->state = SBX_AGENT_EXITED;
	if (code >= 0)
		st->code = code;
	return 1;
}

static void add_or_null(cJSON *o, const char *key, const char *value)
{
	if (value)
		sbx_json_add_string(o, key, value);
	else
		sbx_json_add_item(o, key, cJSON_CreateNull());
}

cJSON *sbx_agent_status_json(const struct sbx_agent_status *st)
{
	cJSON *o = sbx_json_new_object();

	sbx_json_add_string(o, "name", st->name);
	add_or_null(o, "sandbox", st->sandbox);
	add_or_null(o, "project", st->project);
	add_or_null(o, "agent", st->agent);
	add_or_null(o, "backend", st->backend);
	add_or_null(o, "repo", st->repo);
	add_or_null(o, "branch", st->branch);
	sbx_json_add_string(o, "state", sbx_agent_state_name(st->state));
	sbx_json_add_number(o, "since", (double)st->since);
	add_or_null(o, "message", st->message);
	if (st->state == SBX_AGENT_EXITED && st->code >= 0)
		sbx_json_add_number(o, "code", st->code);
	else
		sbx_json_add_item(o, "code", cJSON_CreateNull());
	return o;
}

/* A string field of at most max bytes, copied cleaned; NULL when missing or null. */
static int text_field(const cJSON *o, const char *key, size_t max, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	struct sbx_buf clean = SBX_BUF_INIT;

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) > max)
		return sbx_error("'%s' is not a string of at most %zu bytes", key, max);
	sbx_notify_clean_text(&clean, v->valuestring, max);
	*out = sbx_buf_detach(&clean);
	return 0;
}

int sbx_agent_status_from_json(struct sbx_agent_status *st, const cJSON *o)
{
	const char *name = sbx_json_get_string(o, "name");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "code");
	int state = sbx_agent_state_parse(sbx_json_get_string(o, "state"));
	double since = sbx_json_get_number(o, "since", -1);

	memset(st, 0, sizeof(*st));
	st->code = -1;
	if (!cJSON_IsObject(o) || !name || !sbx_valid_instance_name(name) || state < 0 ||
	    since < 0 || since > 1e15)
		return sbx_error("not an agent's status");
	st->name = sbx_strdup(name);
	st->state = (enum sbx_agent_state)state;
	st->since = (long long)since;
	if (cJSON_IsNumber(code) && code->valuedouble >= 0 && code->valuedouble <= 255)
		st->code = (int)code->valuedouble;
	if (text_field(o, "sandbox", NAME_MAX_LEN, &st->sandbox) ||
	    text_field(o, "project", FIELD_MAX, &st->project) ||
	    text_field(o, "agent", NAME_MAX_LEN, &st->agent) ||
	    text_field(o, "backend", NAME_MAX_LEN, &st->backend) ||
	    text_field(o, "repo", NAME_MAX_LEN, &st->repo) ||
	    text_field(o, "branch", NAME_MAX_LEN, &st->branch) ||
	    text_field(o, "message", SBX_AGENT_MESSAGE_MAX + 3, &st->message)) {
		sbx_agent_status_release(st);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ store */

/* $XDG_STATE_HOME/sbx/agents, made private when make. */
static char *store_dir(int make)
{
	char *state = sbx_state_dir(), *dir = NULL;

	if (state) {
		dir = sbx_path_join(state, "agents");
		if (make && (sbx_mkdir_private(state, 0700) || sbx_mkdir_private(dir, 0700))) {
			free(dir);
			dir = NULL;
		}
	}
	free(state);
	return dir;
}

int sbx_agent_status_save(const struct sbx_agent_status *st)
{
	char *dir = store_dir(1), *file;
	cJSON *o;
	int ret;

	if (!dir)
		return -1;
	file = sbx_asprintf("%s/%s.json", dir, st->name);
	o = sbx_agent_status_json(st);
	ret = sbx_json_write_file(file, o, 0600, 0);
	cJSON_Delete(o);
	free(file);
	free(dir);
	return ret;
}

void sbx_agent_status_forget(const char *name)
{
	char *dir = store_dir(0), *file;

	if (!dir) {
		sbx_clear_error();
		return;
	}
	file = sbx_asprintf("%s/%s.json", dir, name);
	unlink(file);
	free(file);
	free(dir);
}

/* One status read from leaf in dir, whose name must be the file's; 0 or -1. */
static int read_one(const char *dir, const char *leaf, struct sbx_agent_status *st)
{
	struct sbx_buf text = SBX_BUF_INIT;
	size_t len = strlen(leaf);
	cJSON *doc = NULL;
	int ret = -1;

	if (len <= 5 || strcmp(leaf + len - 5, ".json"))
		return -1;
	if (!sbx_safe_read(dir, leaf, RECORD_MAX, &text))
		doc = cJSON_ParseWithLength(text.buf, text.len);
	if (doc && !sbx_agent_status_from_json(st, doc)) {
		ret = strlen(st->name) == len - 5 && !strncmp(st->name, leaf, len - 5) ? 0 : -1;
		if (ret)
			sbx_agent_status_release(st);
	}
	sbx_clear_error();
	cJSON_Delete(doc);
	sbx_buf_release(&text);
	return ret;
}

void sbx_agent_status_list(struct sbx_agent_status **out, size_t *nr)
{
	char *dir = store_dir(0);
	struct dirent **names = NULL;
	size_t alloc = 0;
	int n = dir ? scandir(dir, &names, NULL, alphasort) : -1;

	*out = NULL;
	*nr = 0;
	for (int i = 0; i < n; i++) {
		SBX_ALLOC_GROW(*out, *nr + 1, alloc);
		if (names[i]->d_name[0] != '.' && !read_one(dir, names[i]->d_name, &(*out)[*nr]))
			(*nr)++;
		free(names[i]);
	}
	free(names);
	free(dir);
	sbx_clear_error();
}

void sbx_agent_status_list_free(struct sbx_agent_status *list, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		sbx_agent_status_release(&list[i]);
	free(list);
}

const struct sbx_agent_status *sbx_agent_status_find(const struct sbx_agent_status *list, size_t nr,
						     const char *name)
{
	const struct sbx_agent_status *best = NULL;

	for (size_t i = 0; name && i < nr; i++) {
		const struct sbx_agent_status *st = &list[i];

		if (strcmp(st->name, name) && (!st->sandbox || strcmp(st->sandbox, name)))
			continue;
		/* A persistent sandbox's runs: the one that lives, else the latest. */
		if (!best || (best->state == SBX_AGENT_EXITED && st->state != SBX_AGENT_EXITED) ||
		    ((best->state == SBX_AGENT_EXITED) == (st->state == SBX_AGENT_EXITED) &&
		     st->since > best->since))
			best = st;
	}
	return best;
}

/* --------------------------------------------------------------- printing */

void sbx_agent_age(struct sbx_buf *out, long long since, long long now)
{
	long long s = (now - since) / 1000;

	if (s < 0)
		s = 0;
	if (s < 60)
		sbx_buf_addf(out, "%llds", s);
	else if (s < 3600)
		sbx_buf_addf(out, "%lldm", s / 60);
	else if (s < 48 * 3600)
		sbx_buf_addf(out, "%lldh", s / 3600);
	else
		sbx_buf_addf(out, "%lldd", s / 86400);
}

void sbx_agent_state_text(struct sbx_buf *out, const struct sbx_agent_status *st)
{
	sbx_buf_adds(out, sbx_agent_state_name(st->state));
	if (st->state == SBX_AGENT_EXITED && st->code >= 0)
		sbx_buf_addf(out, " %d", st->code);
}

void sbx_agent_where(struct sbx_buf *out, const struct sbx_agent_status *st)
{
	struct sbx_buf raw = SBX_BUF_INIT;

	if (st->repo) {
		sbx_buf_adds(&raw, st->repo);
		if (st->branch)
			sbx_buf_addf(&raw, " %s", st->branch);
	} else if (st->project) {
		const char *slash = strrchr(st->project, '/');

		sbx_buf_adds(&raw, slash && slash[1] ? slash + 1 : st->project);
	}
	sbx_notify_clean_text(out, raw.buf, 120);
	sbx_buf_release(&raw);
}

void sbx_agent_message_head(struct sbx_buf *out, const struct sbx_agent_status *st, size_t max)
{
	if (st->message)
		sbx_notify_clean_text(out, st->message, max);
}
