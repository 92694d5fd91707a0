/* sbx wt ls: the worktrees, their state and their sandboxes. */
#include "wt.h"
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

static cJSON *to_json(const struct sbx_git_worktree *w, const cJSON *sandboxes)
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
	return o;
}

static void print_row(const struct sbx_git_worktree *w, int width, int nr_running)
{
	char counts[64] = "-";

	if (w->base && w->ahead >= 0)
		snprintf(counts, sizeof(counts), "+%d -%d %s", w->ahead, w->behind, w->base);
	printf("%-*s %-7s %-24s %-7s %s%s%s\n", width, w->branch ? w->branch : "(detached)",
	       state(w), counts, nr_running ? "running" : "-", w->path, w->main ? " (main)" : "",
	       w->locked ? " (locked)" : "");
}

int sbx_wt_ls(struct sbx_wt *wt, int argc, char **argv)
{
	struct sbx_git_worktree *w;
	cJSON *records = NULL;
	size_t nr;
	int json = sbx_opt_count(wt->ctx, "json"), width = 6;

	if (argc > 2)
		return sbx_usage_error(wt->ctx, "unexpected argument '%s'", argv[2]);
	if (wt->git->worktrees(wt->repo.dir, SBX_GIT_WT_STATUS | SBX_GIT_WT_COUNTS, &w, &nr))
		return sbx_fail(wt->ctx, SBX_WT_REFUSED);
	/* Unreadable records only mean no sandbox is known to run. */
	if (sbx_owner_list(&records))
		sbx_clear_error();
	for (size_t i = 0; i < nr; i++)
		if ((int)strlen(w[i].branch ? w[i].branch : "(detached)") > width)
			width = (int)strlen(w[i].branch ? w[i].branch : "(detached)");
	if (!json)
		printf("%-*s %-7s %-24s %-7s %s\n", width, "BRANCH", "STATE", "AHEAD/BEHIND",
		       "SANDBOX", "PATH");
	for (size_t i = 0; i < nr; i++) {
		cJSON *sandboxes = sbx_json_new_array();
		int running = w[i].bare ? 0 : sbx_worktree_sandboxes(records, w[i].path, sandboxes);

		/* Its path is only what the record claims: say why, once, beside the table. */
		if (w[i].broken && !json)
			sbx_warn("%s", w[i].problem);
		if (json) {
			struct sbx_buf b = SBX_BUF_INIT;
			cJSON *o = to_json(&w[i], sandboxes);

			sbx_json_print(&b, o, 0);
			puts(b.buf);
			sbx_buf_release(&b);
			cJSON_Delete(o);
		} else {
			print_row(&w[i], width, running);
		}
		cJSON_Delete(sandboxes);
	}
	cJSON_Delete(records);
	sbx_git_worktrees_free(w, nr);
	return 0;
}
