/* sbx wt ls: the worktrees, their state, their sandboxes and what their agents do. */
#include "wt.h"
#include "agent-status.h"
#include "error.h"
#include "json.h"
#include "owner.h"
#include "worktree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *state(const struct sbx_git_worktree *w)
{
	if (w->broken)
		return "broken";
	if (w->bare)
		return "bare";
	if (w->missing)
		return "missing";
	return w->dirty > 0 ? "dirty" : w->dirty == 0 ? "clean" : "unknown";
}

/*
 * The agent of the worktree at path: its session's that lives, else the
 * last one's that ended (its exit code); NULL when none is known.
 */
static const struct sbx_agent_status *agent_in(const struct sbx_agent_status *list, size_t nr,
					       const char *path)
{
	const struct sbx_agent_status *best = NULL;

	for (size_t i = 0; i < nr; i++) {
		const struct sbx_agent_status *st = &list[i];
		int live = st->state != SBX_AGENT_EXITED;

		if (!st->project || strcmp(st->project, path))
			continue;
		if (!best || (live && best->state == SBX_AGENT_EXITED) ||
		    (live == (best->state != SBX_AGENT_EXITED) && st->since > best->since))
			best = st;
	}
	return best;
}

static cJSON *to_json(const struct sbx_git_worktree *w, const cJSON *sandboxes,
		      const struct sbx_agent_status *agent)
{
	cJSON *o = sbx_json_new_object(), *names;

	if (w->branch)
		sbx_json_add_string(o, "branch", w->branch);
	else
		sbx_json_add_item(o, "branch", cJSON_CreateNull());
	sbx_json_add_string(o, "path", w->path);
	sbx_json_add_bool(o, "main", w->main);
	sbx_json_add_string(o, "state", state(w));
	sbx_json_add_bool(o, "dirty", w->dirty > 0);
	sbx_json_add_bool(o, "locked", w->locked);
	if (w->problem)
		sbx_json_add_string(o, "problem", w->problem);
	if (w->head)
		sbx_json_add_string(o, "head", w->head);
	if (w->base) {
		sbx_json_add_string(o, "base", w->base);
		if (w->ahead >= 0) {
			sbx_json_add_number(o, "ahead", w->ahead);
			sbx_json_add_number(o, "behind", w->behind);
		}
	}
	sbx_json_add_bool(o, "running", cJSON_GetArraySize(sandboxes) > 0);
	names = sbx_json_add_item(o, "sandboxes", sbx_json_new_array());
	for (const cJSON *r = sandboxes->child; r; r = r->next)
		sbx_json_append(names, sbx_json_new_string(sbx_json_get_string(r, "name")));
	sbx_json_add_item(o, "agent", agent ? sbx_agent_status_json(agent) : cJSON_CreateNull());
	return o;
}

static void print_row(const struct sbx_git_worktree *w, int width, int nr_running,
		      const struct sbx_agent_status *agent)
{
	struct sbx_buf doing = SBX_BUF_INIT;
	char counts[64] = "-";

	if (w->base && w->ahead >= 0)
		snprintf(counts, sizeof(counts), "+%d -%d %s", w->ahead, w->behind, w->base);
	/* Its agent's state while a sandbox runs there, the last one's exit after. */
	if (agent && (nr_running || agent->state == SBX_AGENT_EXITED))
		sbx_agent_state_text(&doing, agent);
	else
		sbx_buf_adds(&doing, nr_running ? "running" : "-");
	printf("%-*s %-7s %-24s %-8s %s%s%s\n", width, w->branch ? w->branch : "(detached)",
	       state(w), counts, doing.buf, w->path, w->main ? " (main)" : "",
	       w->locked ? " (locked)" : "");
	sbx_buf_release(&doing);
}

int sbx_wt_ls(struct sbx_wt *wt, int argc, char **argv)
{
	struct sbx_git_worktree *w;
	struct sbx_agent_status *agents;
	cJSON *records = NULL;
	size_t nr, nr_agents;
	int json = sbx_opt_count(wt->ctx, "json"), width = 6;

	if (argc > 2)
		return sbx_usage_error(wt->ctx, "unexpected argument '%s'", argv[2]);
	if (wt->git->worktrees(wt->repo.dir, SBX_GIT_WT_STATUS | SBX_GIT_WT_COUNTS, &w, &nr))
		return sbx_fail(wt->ctx, SBX_WT_REFUSED);
	/* Unreadable records only mean no sandbox is known to run. */
	if (sbx_owner_list(&records))
		sbx_clear_error();
	sbx_agent_status_list(&agents, &nr_agents);
	for (size_t i = 0; i < nr; i++)
		if ((int)strlen(w[i].branch ? w[i].branch : "(detached)") > width)
			width = (int)strlen(w[i].branch ? w[i].branch : "(detached)");
	if (!json)
		printf("%-*s %-7s %-24s %-8s %s\n", width, "BRANCH", "STATE", "AHEAD/BEHIND",
		       "AGENT", "PATH");
	for (size_t i = 0; i < nr; i++) {
		cJSON *sandboxes = sbx_json_new_array();
		int running = w[i].bare ? 0 : sbx_worktree_sandboxes(records, w[i].path, sandboxes);
		const struct sbx_agent_status *agent = w[i].bare || w[i].broken ? NULL :
			agent_in(agents, nr_agents, w[i].path);

		/* Its path is only what the record claims: say why, once, beside the table. */
		if (w[i].broken && !json)
			sbx_warn("%s", w[i].problem);
		if (json) {
			struct sbx_buf b = SBX_BUF_INIT;
			cJSON *o = to_json(&w[i], sandboxes, agent);

			sbx_json_print(&b, o, 0);
			puts(b.buf);
			sbx_buf_release(&b);
			cJSON_Delete(o);
		} else {
			print_row(&w[i], width, running, agent);
		}
		cJSON_Delete(sandboxes);
	}
	cJSON_Delete(records);
	sbx_agent_status_list_free(agents, nr_agents);
	sbx_git_worktrees_free(w, nr);
	return 0;
}
