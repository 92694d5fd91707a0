/* sbx wt log: the commits on a branch since it started, one line each. */
#include "wt.h"
#include "error.h"
#include "json.h"
#include "term.h"
#include "worktree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *to_json(const struct sbx_git_commit *c)
{
	cJSON *o = sbx_json_new_object();

	sbx_json_add_string(o, "commit", c->id);
	sbx_json_add_string(o, "short", c->short_id);
	sbx_json_add_string(o, "subject", c->subject);
	sbx_json_add_string(o, "author", c->author);
	sbx_json_add_string(o, "email", c->email);
	sbx_json_add_number(o, "time", (double)c->time);
	return o;
}

int sbx_wt_log(struct sbx_wt *wt, int argc, char **argv)
{
	struct sbx_git_range r;
	struct sbx_git_commit *c = NULL;
	struct sbx_buf b = SBX_BUF_INIT;
	char *recorded;
	size_t nr = 0;
	int json = sbx_opt_count(wt->ctx, "json"), ret;

	if (argc < 3)
		return sbx_usage_error(wt->ctx, "'log' needs the BRANCH of a worktree (see 'sbx wt ls')");
	if (argc > 3)
		return sbx_usage_error(wt->ctx, "unexpected argument '%s'", argv[3]);
	memset(&r, 0, sizeof(r));
	recorded = sbx_worktree_base_load(wt->repo.common_dir, argv[2]);
	r.branch = argv[2];
	r.recorded = recorded;
	ret = wt->git->log(wt->repo.dir, &r, &c, &nr);
	if (ret) {
		ret = sbx_wt_fail(wt, ret);
		goto out;
	}
	for (size_t i = 0; i < nr; i++) {
		sbx_buf_reset(&b);
		if (json) {
			cJSON *o = to_json(&c[i]);

			sbx_json_print(&b, o, 0);
			cJSON_Delete(o);
			puts(b.buf);
			continue;
		}
		/* A subject is the agent's words: on any terminal it reads, it steers nothing. */
		sbx_term_visible(&b, c[i].subject, strlen(c[i].subject));
		printf("%s%s%s %s\n", sbx_color(stdout, SBX_COLOR_YELLOW), c[i].short_id,
		       sbx_color(stdout, SBX_COLOR_RESET), b.buf);
	}
	if (!nr)
		sbx_note("sbx wt: no commits on '%s' since %.7s\n", argv[2],
			 r.base ? r.base : "its start");
out:
	sbx_buf_release(&b);
	sbx_git_commits_free(c, nr);
	sbx_git_range_release(&r);
	free(recorded);
	return ret;
}
