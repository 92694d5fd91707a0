/*
 * A project's .sbx.json as a layer: read once through lib/safefile.h,
 * hashed and parsed from the same bytes, validated, and split into what
 * applies without trust and what needs it (config.h, trust.h).
 */
#include "config.h"
#include "config-schema.h"
#include "json.h"
#include "paths.h"
#include "safefile.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define NAME ".sbx.json"

void sbx_project_file_release(struct sbx_project_file *f)
{
	free(f->path);
	cJSON_Delete(f->doc);
	cJSON_Delete(f->allowed);
	cJSON_Delete(f->needs_trust);
	sbx_strvec_clear(&f->keys);
	memset(f, 0, sizeof(*f));
	sbx_strvec_init(&f->keys);
}

/* "only your own configuration", naming where that is. */
static int user_only(const struct sbx_project_file *f, const char *key)
{
	char *dir = sbx_config_dir();

	sbx_error("%s: %s: only your own configuration sets this (move it to '%s/config.json')",
		  f->path, key, dir ? dir : "~/.config/sbx");
	free(dir);
	return -1;
}

/* dir/name, dir trusted (resolved by sbx), name never followed. 0, 1 when missing, -1. */
static int read_in(struct sbx_project_file *f, const char *dir, const char *name,
		   enum sbx_layer layer, const char *twin)
{
	struct sbx_buf b = SBX_BUF_INIT, key = SBX_BUF_INIT;
	int ret;

	memset(f, 0, sizeof(*f));
	sbx_strvec_init(&f->keys);
	f->path = sbx_path_join(dir, name);
	f->layer = layer;
	ret = sbx_safe_read(dir, name, SBX_PROJECT_FILE_MAX, &b);
	if (ret < 0)
		sbx_error("%s (a project's %s must be a regular file of at most 1 MiB: replace it)",
			  sbx_last_error(), name);
	if (ret)
		goto out;
	/* What is hashed is what is parsed: no second read the sandbox could race. */
	sbx_sha256_hex(b.buf, b.len, f->hash);
	if (sbx_jsonc_parse(b.buf, b.len, f->path, &f->doc) ||
	    sbx_config_validate(f->doc, f->path)) {
		ret = -1;
		goto out;
	}
	if (sbx_config_find_user_only(f->doc, &key)) {
		ret = user_only(f, key.buf);
		goto out;
	}
	f->allowed = sbx_config_split_trust(f->doc, &f->needs_trust, &f->keys);
	if (f->needs_trust) {
		f->trust = sbx_trust_lookup(f->path, twin, f->hash);
		if (f->trust < 0)
			ret = -1;
	}
out:
	if (ret)
		sbx_project_file_release(f);
	sbx_buf_release(&key);
	sbx_buf_release(&b);
	return ret;
}

char *sbx_project_file_path(const char *path)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	char *dir, *real, *full;

	if (strcmp(name, NAME)) {
		sbx_error("'%s' is not a project's %s (sbx reads no other file of a project)",
			  path, NAME);
		return NULL;
	}
	dir = !slash ? sbx_strdup(".") : slash == path ? sbx_strdup("/") :
	      sbx_strndup(path, (size_t)(slash - path));
	real = realpath(dir, NULL);
	if (!real) {
		sbx_error_errno("cannot resolve '%s'", dir);
		free(dir);
		return NULL;
	}
	full = sbx_path_join(real, NAME);
	free(real);
	free(dir);
	return full;
}

int sbx_project_file_read(struct sbx_project_file *f, const char *path)
{
	char *full = sbx_project_file_path(path), *dir, *slash;
	int ret;

	memset(f, 0, sizeof(*f));
	sbx_strvec_init(&f->keys);
	if (!full)
		return -1;
	slash = strrchr(full, '/');
	dir = slash == full ? sbx_strdup("/") : sbx_strndup(full, (size_t)(slash - full));
	ret = read_in(f, dir, NAME, SBX_LAYER_REPO, NULL);
	free(dir);
	free(full);
	return ret;
}

void sbx_project_files_free(struct sbx_project_file *files, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		sbx_project_file_release(&files[i]);
	free(files);
}

int sbx_project_files_read(const struct sbx_project *p, struct sbx_project_file **files,
			   size_t *nr)
{
	struct sbx_project_file *out = sbx_calloc(2, sizeof(*out));
	char *twin = NULL;
	size_t n = 0;
	int ret = 0;

	if (p->main_dir) {
		ret = read_in(&out[n], p->main_dir, NAME, SBX_LAYER_REPO, NULL);
		n += !ret;
	}
	if (ret >= 0 && p->is_worktree && p->dir) {
		/*
		 * A worktree made from a branch carries the committed file: the same
		 * bytes as the main checkout's, trusted there, count as trusted here.
		 */
		twin = p->main_dir ? sbx_path_join(p->main_dir, NAME) : NULL;
		ret = read_in(&out[n], p->dir, NAME, SBX_LAYER_WORKTREE, twin);
		n += !ret;
	}
	free(twin);
	if (ret < 0) {
		sbx_project_files_free(out, n);
		*files = NULL;
		*nr = 0;
		return -1;
	}
	*files = out;
	*nr = n;
	return 0;
}

char *sbx_project_file_untrusted_line(const struct sbx_project_file *f, int refused)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_buf_addf(&b, "'%s' %s", f->path, f->trust == SBX_TRUST_CHANGED ?
		     "changed since you trusted it" : "is not trusted");
	sbx_buf_adds(&b, refused ? " and sets " : ": ignoring ");
	for (size_t i = 0; i < f->keys.nr; i++)
		sbx_buf_addf(&b, "%s%s", i ? ", " : "", f->keys.v[i]);
	sbx_buf_adds(&b, " (review it, then run 'sbx trust')");
	return sbx_buf_detach(&b);
}
