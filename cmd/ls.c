/*
 * sbx ls: every sandbox, template and session, with what each session's
 * agent is doing (agent-status.h); --watch (ls-watch.c) follows the agents.
 */
#include "ls.h"
#include "json.h"
#include "term.h"

#include <stdio.h>
#include <string.h>

static const struct sbx_option options[] = {
	{ "json", 0, SBX_OPT_FLAG, NULL, "one JSON object per line" },
	{ "watch", 0, SBX_OPT_FLAG, NULL,
	  "the agents, redrawn on every change (a line per change when not on a terminal)" },
	{ NULL, 0, 0, NULL, NULL },
};

static enum sbx_color status_color(const char *status)
{
	if (!status)
		return SBX_COLOR_RESET;
	if (!strcmp(status, "Running") || !strcmp(status, "Ready"))
		return SBX_COLOR_GREEN;
	if (!strcmp(status, "Detached") || !strcmp(status, "Stopped"))
		return SBX_COLOR_YELLOW;
	if (!strcmp(status, "Orphaned") || !strcmp(status, "Broken"))
		return SBX_COLOR_RED;
	return SBX_COLOR_RESET;
}

enum sbx_color sbx_agent_color(enum sbx_agent_state state)
{
	switch (state) {
	case SBX_AGENT_WAITING:
		return SBX_COLOR_YELLOW;
	case SBX_AGENT_DONE:
		return SBX_COLOR_GREEN;
	case SBX_AGENT_EXITED:
		return SBX_COLOR_DIM;
	default:
		return SBX_COLOR_RESET;
	}
}

void sbx_agent_cells(struct sbx_columns *t, const struct sbx_agent_status *st, long long now)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_agent_state_text(&b, st);
	sbx_columns_add(t, b.buf, sbx_agent_color(st->state));
	sbx_buf_reset(&b);
	sbx_agent_age(&b, st->since, now);
	sbx_columns_add(t, b.buf, SBX_COLOR_RESET);
	sbx_buf_reset(&b);
	sbx_agent_where(&b, st);
	sbx_columns_add(t, b.buf, SBX_COLOR_RESET);
	sbx_buf_reset(&b);
	/* The sandbox's words, cleaned of anything that would steer the terminal. */
	sbx_agent_message_head(&b, st, SBX_AGENT_HEAD);
	sbx_columns_add(t, b.buf, SBX_COLOR_RESET);
	sbx_buf_release(&b);
}

/* The agent of a listed sandbox: a session's own, a persistent sandbox's live run's. */
static const struct sbx_agent_status *agent_of(const cJSON *e, const struct sbx_agent_status *list,
					       size_t nr)
{
	const char *kind = sbx_json_get_string(e, "kind");
	const struct sbx_agent_status *st;

	if (!kind || !strcmp(kind, "template"))
		return NULL;
	st = sbx_agent_status_find(list, nr, sbx_json_get_string(e, "name"));
	if (st && strcmp(kind, "session") && st->state == SBX_AGENT_EXITED)
		return NULL;
	return st;
}

static int cmd_ls(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_agent_status *agents;
	struct sbx_columns t;
	size_t nr_agents;
	long long now = sbx_agent_now();
	cJSON *all;
	int json = sbx_opt_count(ctx, "json");

	if (argc > 1)
		return sbx_usage_error(ctx, "unexpected argument '%s'", argv[1]);
	if (sbx_opt_count(ctx, "watch"))
		return sbx_ls_watch(ctx, json);
	all = sbx_list_sandboxes();
	sbx_agent_status_list(&agents, &nr_agents);
	sbx_columns_init(&t, 8);
	if (!json && all->child) {
		static const char *const head[] = { "NAME", "BACKEND", "KIND", "STATUS", "AGENT",
						    "FOR", "PROJECT", "MESSAGE" };

		for (size_t i = 0; i < 8; i++)
			sbx_columns_add(&t, head[i], SBX_COLOR_RESET);
	}
	for (cJSON *e = all->child; e; e = e->next) {
		const char *status = sbx_json_get_string(e, "status");
		const char *project = sbx_json_get_string(e, "project");
		const struct sbx_agent_status *st = agent_of(e, agents, nr_agents);

		if (json) {
			struct sbx_buf b = SBX_BUF_INIT;

			if (st)
				sbx_json_add_item(e, "agent", sbx_agent_status_json(st));
			sbx_json_print(&b, e, 0);
			puts(b.buf);
			sbx_buf_release(&b);
			continue;
		}
		sbx_columns_add(&t, sbx_json_get_string(e, "name"), SBX_COLOR_RESET);
		sbx_columns_add(&t, sbx_json_get_string(e, "backend"), SBX_COLOR_RESET);
		sbx_columns_add(&t, sbx_json_get_string(e, "kind"), SBX_COLOR_RESET);
		sbx_columns_add(&t, status, status_color(status));
		if (st) {
			sbx_agent_cells(&t, st, now);
		} else {
			sbx_columns_add(&t, NULL, SBX_COLOR_RESET);
			sbx_columns_add(&t, NULL, SBX_COLOR_RESET);
			sbx_columns_add(&t, project, SBX_COLOR_RESET);
			sbx_columns_add(&t, NULL, SBX_COLOR_RESET);
		}
	}
	sbx_columns_print(&t, stdout);
	sbx_columns_release(&t);
	sbx_agent_status_list_free(agents, nr_agents);
	cJSON_Delete(all);
	return 0;
}

const struct sbx_cmd sbx_cmd_ls = {
	.name = "ls",
	.summary = "sandboxes, templates and sessions of sbx, and what each agent is doing",
	.usage = "sbx ls [--json] [--watch]",
	.description = "Lists every sandbox and template, and each session's agent: started, working,\n"
		"waiting (for you, with its question), done (with its last message) or exited (with its\n"
		"exit code), for how long, its repository and branch. --watch follows the agents as the\n"
		"notification server pushes each change: redrawn on a terminal, one line per change\n"
		"otherwise (with --json, one object per change).",
	.options = options,
	.exec = cmd_ls,
};
