/* sbx attach: the terminal back to an agent a run keeps in tmux (tmux.h). */
#include "cmd.h"
#include "agent-status.h"
#include "backend.h"
#include "error.h"
#include "json.h"
#include "project.h"
#include "spawn.h"
#include "tty.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Of the runs in tmux, the one whose agent has waited for the user longest:
 * a question (waiting) before a finished turn (done), the oldest first.
 */
static const char *waited_longest(const cJSON *all)
{
	struct sbx_agent_status *agents;
	const struct sbx_agent_status *best = NULL;
	const char *found = NULL;
	size_t nr;

	sbx_agent_status_list(&agents, &nr);
	for (const cJSON *e = all->child; e; e = e->next) {
		const char *name = sbx_json_get_string(e, "name");
		const struct sbx_agent_status *st = sbx_agent_status_find(agents, nr, name);

		if (!sbx_json_get_string(e, "tmux") || !st ||
		    (st->state != SBX_AGENT_WAITING && st->state != SBX_AGENT_DONE))
			continue;
		if (!best || (st->state == SBX_AGENT_WAITING && best->state == SBX_AGENT_DONE) ||
		    (st->state == best->state && st->since < best->since)) {
			best = st;
			found = name;
		}
	}
	sbx_agent_status_list_free(agents, nr);
	return found;
}

/*
 * The run in tmux whose agent has waited longest, else the only run in tmux
 * of this project, else the only one anywhere; NULL after saying why.
 */
static const char *choose(const cJSON *all, const struct sbx_ctx *ctx, int *code)
{
	struct sbx_project p;
	const char *dir = NULL, *found = waited_longest(all);
	int nr = 0;

	if (found)
		return found;
	if (!sbx_project_detect(&p, NULL))
		dir = p.dir;
	sbx_clear_error();
	for (int pass = 0; pass < 2 && !nr; pass++) {
		for (const cJSON *e = all->child; e; e = e->next) {
			const char *project = sbx_json_get_string(e, "project");

			if (!sbx_json_get_string(e, "tmux"))
				continue;
			if (!pass && (!dir || !project || strcmp(project, dir)))
				continue;
			found = sbx_json_get_string(e, "name");
			nr++;
		}
	}
	if (dir)
		sbx_project_release(&p);
	if (nr == 1)
		return found;
	if (!nr)
		sbx_error("no agent runs in tmux: start one with 'sbx run --tmux'");
	else
		sbx_error("%d agents run in tmux: name one (see 'sbx ls')", nr);
	*code = sbx_fail(ctx, nr ? 2 : 1);
	return NULL;
}

static int cmd_attach(int argc, char **argv, struct sbx_ctx *ctx)
{
	cJSON *all;
	const cJSON *e;
	const char *name;
	const struct sbx_backend *b;
	int code = 0;

	if (argc > 2)
		return sbx_usage_error(ctx, "unexpected argument '%s'", argv[2]);
	sbx_catch_signals();
	all = sbx_list_sandboxes();
	name = argc > 1 ? argv[1] : choose(all, ctx, &code);
	if (!name) {
		cJSON_Delete(all);
		return code;
	}
	e = sbx_find_sandbox(all, name);
	b = e ? sbx_backend_find(sbx_json_get_string(e, "backend")) : NULL;
	if (!b) {
		sbx_error("no sandbox named '%s' (see 'sbx ls')", name);
		code = sbx_fail(ctx, 2);
	} else if (!sbx_json_get_string(e, "tmux")) {
		sbx_error("'%s' runs no agent in tmux (see 'sbx ls')", name);
		code = sbx_fail(ctx, 1);
	} else if (!isatty(STDIN_FILENO)) {
		sbx_error("attaching needs a terminal");
		code = sbx_fail(ctx, 1);
	} else if (!b->attach) {
		sbx_error("the %s backend cannot attach", b->name);
		code = sbx_fail(ctx, 125);
	} else {
		struct sbx_tty tty;

		/* The terminal as it was, whatever the client left (a Lima guest's tmux). */
		sbx_tty_save(&tty);
		code = b->attach(name);
		sbx_tty_restore(&tty);
		if (code < 0)
			code = sbx_fail(ctx, 125);
	}
	cJSON_Delete(all);
	return code;
}

const struct sbx_cmd sbx_cmd_attach = {
	.name = "attach",
	.summary = "reattach to an agent kept running in tmux",
	.usage = "sbx attach [NAME]",
	.description = "Attaches the terminal to the tmux session of a run started with --tmux (or\n"
		"\"tmux\": true): NAME as 'sbx ls' shows it; without NAME the one whose agent has waited\n"
		"for you longest (a question before a finished turn), else the only such run of the\n"
		"project, else the only one. Detach again with C-b d; closing the terminal detaches too.\n"
		"The exit code is the agent's when it ends while attached, else 0.",
	.exec = cmd_attach,
};
