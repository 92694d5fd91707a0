#include "worktree.h"
#include "buf.h"
#include "gitcheck.h"
#include "json.h"
#include "owner.h"
#include "paths.h"
#include "safefile.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *sbx_path_normalize(const char *base, const char *path)
{
	struct sbx_buf in = SBX_BUF_INIT, out = SBX_BUF_INIT;
	char *save = NULL, *part;

	if (path[0] != '/')
		sbx_buf_addf(&in, "%s/", base);
	sbx_buf_adds(&in, path);
	for (part = strtok_r(in.buf, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (!strcmp(part, "."))
			continue;
		if (!strcmp(part, "..")) {
			char *slash = strrchr(out.buf, '/');

			sbx_buf_truncate(&out, slash ? (size_t)(slash - out.buf) : 0);
			continue;
		}
		sbx_buf_addch(&out, '/');
		sbx_buf_adds(&out, part);
	}
	if (!out.len)
		sbx_buf_addch(&out, '/');
	sbx_buf_release(&in);
	return sbx_buf_detach(&out);
}

char *sbx_worktree_path(const char *pattern, const struct sbx_project *repo, const char *branch)
{
	struct sbx_buf b = SBX_BUF_INIT;
	const char *base = repo->main_dir ? repo->main_dir : repo->common_dir;
	char *expanded, *path;

	for (const char *p = pattern; *p;) {
		if (!strncmp(p, "{repo}", 6)) {
			sbx_buf_adds(&b, repo->name);
			p += 6;
		} else if (!strncmp(p, "{branch}", 8)) {
			sbx_buf_adds(&b, branch);
			p += 8;
		} else {
			sbx_buf_addch(&b, *p++);
		}
	}
	expanded = sbx_path_expand_home(b.buf);
	sbx_buf_release(&b);
	if (!expanded)
		return NULL;
	path = sbx_path_normalize(base ? base : "/", expanded);
	free(expanded);
	return path;
}

int sbx_worktree_sandboxes(const cJSON *records, const char *dir, cJSON *out)
{
	int n = 0;

	for (const cJSON *r = records ? records->child : NULL; r; r = r->next) {
		const char *kind = sbx_json_get_string(r, "kind");
		const char *project = sbx_json_get_string(r, "project");
		const char *name = sbx_json_get_string(r, "name");

		/* A template being built is no sandbox at work. */
		if (!kind || !strcmp(kind, "template") || !project || !name ||
		    strcmp(project, dir) || !sbx_owner_alive(r))
			continue;
		if (out)
			sbx_json_append(out, sbx_json_dup(r));
		n++;
	}
	return n;
}

int sbx_worktree_remove(const char *common_dir, const char *name)
{
	char *top = NULL, *record = sbx_asprintf("%s/worktrees/%s", common_dir, name);
	int ret = sbx_git_check_worktree(common_dir, name, NULL, &top);

	if (ret >= 0 && (ret > 0 || !sbx_safe_remove_tree(top)))
		ret = sbx_safe_remove_tree(record);
	else
		ret = -1;
	free(top);
	free(record);
	return ret;
}

void sbx_worktree_prune_parents(const char *path, const char *branch)
{
	char *dir = sbx_strdup(path);
	size_t plen = strlen(path), blen = strlen(branch);

	/* Only when path ends in "/" + branch: those parents came from the branch's name. */
	if (plen > blen && !strcmp(path + plen - blen, branch) && path[plen - blen - 1] == '/') {
		for (const char *s = strchr(branch, '/'); s; s = strchr(s + 1, '/')) {
			char *slash = strrchr(dir, '/');

			*slash = '\0';
			if (rmdir(dir))
				break;
		}
	}
	free(dir);
}
