/*
 * Loading plugins: dlopen with RTLD_NOW | RTLD_LOCAL (an unresolved symbol
 * fails here, not in the middle of a session), one entry point, the ABI
 * version checked before anything else of the struct is read, dlclose on
 * every failure. Loaded plugins stay loaded until sbx exits.
 */
#include "plugin.h"
#include "config.h"
#include "error.h"
#include "xalloc.h"

#include <sbx/plugin.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct sbx_plugin_loaded **loaded;
static size_t nr_loaded, alloc_loaded;

/*
 * The project no plugin may be loaded from: the first one a load names, or
 * else the current directory's.
 */
static struct sbx_project guard;
static int have_guard;

static char *dup_or_null(const char *s)
{
	return s ? sbx_strdup(s) : NULL;
}

static const struct sbx_project *guard_for(const struct sbx_project *project)
{
	if (project) {
		if (!have_guard) {
			guard.dir = dup_or_null(project->dir);
			guard.main_dir = dup_or_null(project->main_dir);
			guard.common_dir = dup_or_null(project->common_dir);
			have_guard = 1;
		}
		return project;
	}
	if (!have_guard) {
		if (sbx_project_detect(&guard, NULL)) {
			sbx_clear_error();
			memset(&guard, 0, sizeof(guard));
		}
		have_guard = 1;
	}
	return &guard;
}

unsigned sbx_plugin_backend_bit(const char *backend)
{
	if (!strcmp(backend, "lima"))
		return SBX_PLUGIN_LIMA;
	if (!strcmp(backend, "bwrap"))
		return SBX_PLUGIN_BWRAP;
	return 0;
}

void sbx_plugin_backends_text(unsigned mask, struct sbx_buf *out)
{
	static const char *const names[] = { "lima", "bwrap" };
	size_t start = out->len;

	for (unsigned i = 0; i < 2; i++)
		if (mask & (1u << i))
			sbx_buf_addf(out, "%s%s", out->len > start ? "," : "", names[i]);
	if (out->len == start)
		sbx_buf_adds(out, "none");
}

static int valid_name(const char *name)
{
	if (!name || !*name)
		return 0;
	for (const char *p = name; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_')
			return 0;
	return 1;
}

/* "/a/b/node.so" -> "node"; NULL when it does not end in ".so". */
static char *file_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len <= 3 || strcmp(base + len - 3, ".so"))
		return NULL;
	return sbx_strndup(base, len - 3);
}

/* collectd's advice: most load failures are a missing or mismatched library. */
static int load_error(const char *path)
{
	const char *why = dlerror();
	int fd;
	char magic[4] = { 0 };
	int elf;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	elf = fd >= 0 && read(fd, magic, 4) == 4 &&
	      (!memcmp(magic, "\177ELF", 4) || (unsigned char)magic[0] == 0xcf ||
	       (unsigned char)magic[0] == 0xca);
	if (fd >= 0)
		close(fd);
	if (!elf)
		return sbx_error("cannot load the plugin '%s': not a shared object (%s)", path,
				 why ? why : "unknown reason");
	return sbx_error("cannot load the plugin '%s': %s (use ldd(1) to check its dependencies)",
			 path, why ? why : "unknown reason");
}

/* The file itself: a regular file, ours or root's, written by nobody else. */
static int file_check(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return sbx_error_errno("cannot read the plugin '%s'", path);
	if (!S_ISREG(st.st_mode))
		return sbx_error("the plugin '%s' is not a regular file", path);
	if (st.st_uid != getuid() && st.st_uid != 0)
		return sbx_error("the plugin '%s' belongs to uid %ld, neither you nor root: sbx "
				 "loads no code from it", path, (long)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return sbx_error("the plugin '%s' is writable by group or others: sbx loads no code "
				 "from it (chmod go-w '%s')", path, path);
	return 0;
}

static struct sbx_plugin_loaded *find_loaded_path(const char *path)
{
	for (size_t i = 0; i < nr_loaded; i++)
		if (!strcmp(loaded[i]->path, path))
			return loaded[i];
	return NULL;
}

static struct sbx_plugin_loaded *find_loaded_name(const char *name)
{
	for (size_t i = 0; i < nr_loaded; i++)
		if (!strcmp(loaded[i]->def->name, name))
			return loaded[i];
	return NULL;
}

/* Every check on what the entry point returned, before the plugin is kept. */
static int check_def(const char *path, const struct sbx_plugin *def)
{
	char *want = file_name(path);
	const struct sbx_plugin_loaded *other;
	int ret = -1;

	if (!def)
		sbx_error("the plugin '%s': %s() returned NULL", path, SBX_PLUGIN_ENTRY);
	else if (def->abi != SBX_PLUGIN_ABI)
		sbx_error("the plugin '%s' is built for plugin ABI %d, and this sbx has ABI %d: "
			  "rebuild it against this sbx's <sbx/plugin.h>", path, def->abi,
			  SBX_PLUGIN_ABI);
	else if (!valid_name(def->name))
		sbx_error("the plugin '%s' has no valid name (lowercase letters, digits, - and _)",
			  path);
	else if ((other = find_loaded_name(def->name)))
		sbx_error("two plugins named '%s': '%s' and '%s'", def->name, other->path, path);
	else if (!want || strcmp(want, def->name))
		sbx_error("the plugin '%s' calls itself '%s': its file must be named '%s.so'", path,
			  def->name, def->name);
	else if (!def->summary || !*def->summary)
		sbx_error("the plugin '%s' has no summary", path);
	else if (!(def->backends & (SBX_PLUGIN_LIMA | SBX_PLUGIN_BWRAP)))
		sbx_error("the plugin '%s' supports no backend sbx has", path);
	else
		ret = 0;
	free(want);
	return ret;
}

int sbx_plugin_load_file(const char *path, struct sbx_plugin_loaded **out)
{
	const struct sbx_plugin *(*entry)(void);
	struct sbx_plugin_loaded *p;
	const struct sbx_plugin *def;
	void *h;

	*out = find_loaded_path(path);
	if (*out)
		return 0;
	if (file_check(path))
		return -1;
	dlerror();
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return load_error(path);
	*(void **)&entry = dlsym(h, SBX_PLUGIN_ENTRY);
	if (!entry) {
		dlclose(h);
		return sbx_error("the plugin '%s' has no entry point %s() (is it built with "
				 "SBX_PLUGIN_EXPORT and <sbx/plugin.h>?)", path, SBX_PLUGIN_ENTRY);
	}
	def = entry();
	if (check_def(path, def)) {
		dlclose(h);
		return -1;
	}
	p = sbx_calloc(1, sizeof(*p));
	p->path = sbx_strdup(path);
	p->handle = h;
	p->def = def;
	for (int b = 0; b < 2; b++)
		for (int m = 0; m < 2; m++)
			sbx_strvec_init(&p->scripts[b][m]);
	SBX_ALLOC_GROW(loaded, nr_loaded + 1, alloc_loaded);
	loaded[nr_loaded++] = p;
	*out = p;
	return 0;
}

int sbx_plugin_load(const char *name, const struct sbx_project *project,
		    struct sbx_plugin_loaded **out)
{
	struct sbx_plugin_dir *dirs;
	struct sbx_buf searched = SBX_BUF_INIT;
	size_t nr;
	int ret = -2;

	*out = find_loaded_name(name);
	if (*out)
		return 0;
	if (!valid_name(name))
		return sbx_error("'%s' is no plugin name (lowercase letters, digits, - and _)", name);
	if (sbx_plugin_path(&dirs, &nr))
		return -1;
	project = guard_for(project);
	for (size_t i = 0; i < nr && ret == -2; i++) {
		char *path = sbx_asprintf("%s/%s.so", dirs[i].path, name);
		struct stat st;

		sbx_buf_addf(&searched, "%s%s", searched.len ? ":" : "", dirs[i].path);
		/* Anything of that name counts as found: a directory or a text file is an error. */
		if (!lstat(path, &st) || errno != ENOENT)
			ret = sbx_plugin_dir_check(dirs[i].path, project) < 0 ? -1 :
			      sbx_plugin_load_file(path, out);
		free(path);
	}
	if (ret == -2)
		sbx_error("no plugin '%s': there is no %s.so in the plugin path (%s)", name, name,
			  searched.buf);
	sbx_buf_release(&searched);
	sbx_plugin_path_free(dirs, nr);
	return ret;
}

void sbx_plugins_enabled(const struct sbx_config *cfg, struct sbx_strvec *names)
{
	const cJSON *list = cfg ? sbx_config_get(cfg, "plugins") : NULL;
	const cJSON *e;

	cJSON_ArrayForEach(e, list) {
		int seen = 0;

		if (!cJSON_IsString(e))
			continue;
		for (size_t i = 0; i < names->nr && !seen; i++)
			seen = !strcmp(names->v[i], e->valuestring);
		if (!seen)
			sbx_strvec_push(names, e->valuestring);
	}
}

int sbx_plugin_is_enabled(const struct sbx_config *cfg, const char *name)
{
	struct sbx_strvec names = SBX_STRVEC_INIT;
	int found = 0;

	sbx_plugins_enabled(cfg, &names);
	for (size_t i = 0; i < names.nr && !found; i++)
		found = !strcmp(names.v[i], name);
	sbx_strvec_clear(&names);
	return found;
}
