#include "worktree.h"
#include "buf.h"
#include "gitcheck.h"
#include "fsutil.h"
#include "json.h"
#include "names.h"
#include "owner.h"
#include "paths.h"
#include "safefile.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* $XDG_STATE_HOME/sbx/worktrees/HASH.json, HASH of the repository and the branch. */
static char *base_file(const char *common_dir, const char *branch)
{
	struct sbx_buf key = SBX_BUF_INIT;
	char *state = sbx_state_dir(), *hash, *path;

	if (!state)
		return NULL;
	/* The NUL keeps "a" + "bc" apart from "ab" + "c". */
	sbx_buf_adds(&key, common_dir);
	sbx_buf_add(&key, "", 1);
	sbx_buf_adds(&key, branch);
	hash = sbx_hash_hex(key.buf, key.len, 32);
	path = sbx_asprintf("%s/worktrees/%s.json", state, hash);
	free(hash);
	free(state);
	sbx_buf_release(&key);
	return path;
}

static int is_commit_id(const char *s)
{
	return s && strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

int sbx_worktree_base_save(const char *common_dir, const char *branch, const char *commit,
			   const char *from)
{
	char *path = base_file(common_dir, branch), *dir = NULL;
	cJSON *o;
	int ret = -1;

	if (!path)
		return -1;
	o = sbx_json_new_object();
	sbx_json_add_string(o, "repository", common_dir);
	sbx_json_add_string(o, "branch", branch);
	sbx_json_add_string(o, "base", commit);
	sbx_json_add_string(o, "from", from);
	sbx_json_add_number(o, "created", (double)time(NULL));
	dir = sbx_strndup(path, (size_t)(strrchr(path, '/') - path));
	if (!sbx_mkdir_private(dir, 0700) && !sbx_json_write_file(path, o, 0600, 0))
		ret = 0;
	cJSON_Delete(o);
	free(dir);
	free(path);
	return ret;
}

char *sbx_worktree_base_load(const char *common_dir, const char *branch)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *path = base_file(common_dir, branch), *base = NULL;
	cJSON *o = NULL;
	const char *repo, *name, *commit;

	if (path && sbx_buf_read_file(&b, path) == 0)
		o = cJSON_ParseWithLength(b.buf, b.len);
	repo = sbx_json_get_string(o, "repository");
	name = sbx_json_get_string(o, "branch");
	commit = sbx_json_get_string(o, "base");
	/* Another repository's or branch's under the same hash is none of this one's. */
	if (repo && name && !strcmp(repo, common_dir) && !strcmp(name, branch) &&
	    is_commit_id(commit))
		base = sbx_strdup(commit);
	sbx_clear_error();
	cJSON_Delete(o);
	sbx_buf_release(&b);
	free(path);
	return base;
}

void sbx_worktree_base_forget(const char *common_dir, const char *branch)
{
	char *path = base_file(common_dir, branch);

	if (path && unlink(path) && errno != ENOENT)
		sbx_warn("cannot remove '%s': %s", path, strerror(errno));
	sbx_clear_error();
	free(path);
}
