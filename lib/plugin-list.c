/* Every plugin along the path, for `sbx plugins ls`. */
#include "plugin.h"
#include "error.h"
#include "json.h"
#include "paths.h"
#include "xalloc.h"

#include <sbx/plugin.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static int is_plugin_file(const struct dirent *e)
{
	size_t len = strlen(e->d_name);

	return len > 3 && e->d_name[0] != '.' && !strcmp(e->d_name + len - 3, ".so");
}

static cJSON *entry(cJSON *out, const char *name, const char *path, const char *status,
		    const struct sbx_config *cfg)
{
	cJSON *e = sbx_json_append(out, sbx_json_new_object());

	if (name)
		sbx_json_add_string(e, "name", name);
	sbx_json_add_string(e, "path", path);
	sbx_json_add_string(e, "status", status);
	if (name)
		sbx_json_add_bool(e, "enabled", sbx_plugin_is_enabled(cfg, name));
	return e;
}

/* {"lima": {"system": [...], "user": [...]}, "bwrap": {...}} for the backends it has. */
static int add_scripts(cJSON *e, struct sbx_plugin_loaded *p, const char *project_dir)
{
	static const char *const backends[] = { "lima", "bwrap" };
	static const char *const modes[] = { "system", "user" };
	cJSON *all = sbx_json_add_item(e, "scripts", sbx_json_new_object());

	for (int b = 0; b < 2; b++) {
		cJSON *per;

		if (!(p->def->backends & sbx_plugin_backend_bit(backends[b])))
			continue;
		if (sbx_plugin_provision(p, backends[b], project_dir))
			return -1;
		per = sbx_json_add_item(all, backends[b], sbx_json_new_object());
		for (int m = 0; m < 2; m++) {
			cJSON *list = sbx_json_add_item(per, modes[m], sbx_json_new_array());

			for (size_t i = 0; i < p->scripts[b][m].nr; i++)
				sbx_json_append(list, sbx_json_new_string(p->scripts[b][m].v[i]));
		}
	}
	return 0;
}

static int describe(cJSON *e, struct sbx_plugin_loaded *p, const char *project_dir)
{
	struct sbx_buf b = SBX_BUF_INIT;
	cJSON *list;

	sbx_json_add_number(e, "abi", p->def->abi);
	sbx_json_add_string(e, "summary", p->def->summary);
	list = sbx_json_add_item(e, "backends", sbx_json_new_array());
	sbx_plugin_backends_text(p->def->backends, &b);
	for (char *save = NULL, *w = strtok_r(b.buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
		sbx_json_append(list, sbx_json_new_string(w));
	sbx_buf_release(&b);
	if (p->def->refusal)
		sbx_json_add_string(e, "refusal", p->def->refusal);
	return add_scripts(e, p, project_dir);
}

static void error_entry(cJSON *e)
{
	cJSON_ReplaceItemInObjectCaseSensitive(e, "status", sbx_json_new_string("error"));
	sbx_json_add_string(e, "error", sbx_last_error());
	sbx_clear_error();
}

int sbx_plugins_list(const struct sbx_config *cfg, const struct sbx_project *project,
		     cJSON *out)
{
	struct sbx_strvec seen = SBX_STRVEC_INIT, found = SBX_STRVEC_INIT, enabled = SBX_STRVEC_INIT;
	struct sbx_plugin_dir *dirs;
	size_t nr;
	int errors = 0;

	if (sbx_plugin_path(&dirs, &nr))
		return -1;
	for (size_t d = 0; d < nr; d++) {
		struct dirent **names = NULL;
		int check = sbx_plugin_dir_check(dirs[d].path, project), n;

		if (check > 0)
			continue;
		if (check < 0) {
			error_entry(entry(out, NULL, dirs[d].path, "error", cfg));
			errors++;
			continue;
		}
		n = scandir(dirs[d].path, &names, is_plugin_file, alphasort);
		for (int i = 0; i < n; i++) {
			char *name = sbx_strndup(names[i]->d_name, strlen(names[i]->d_name) - 3);
			char *path = sbx_path_join(dirs[d].path, names[i]->d_name);
			size_t j;

			for (j = 0; j < seen.nr && strcmp(seen.v[j], name); j++)
				;
			if (j < seen.nr) {
				cJSON *e = entry(out, name, path, "shadowed", cfg);

				sbx_json_add_string(e, "shadowedBy", found.v[j]);
			} else {
				struct sbx_plugin_loaded *p;
				cJSON *e = entry(out, name, path, "ok", cfg);

				sbx_strvec_push(&seen, name);
				sbx_strvec_push(&found, path);
				if (sbx_plugin_load_file(path, &p) ||
				    describe(e, p, project ? project->dir : NULL)) {
					error_entry(e);
					errors++;
				}
			}
			free(name);
			free(path);
			free(names[i]);
		}
		free(names);
	}
	sbx_plugins_enabled(cfg, &enabled);
	for (size_t i = 0; i < enabled.nr; i++) {
		size_t j;
		cJSON *e;

		for (j = 0; j < seen.nr && strcmp(seen.v[j], enabled.v[i]); j++)
			;
		if (j < seen.nr)
			continue;
		e = sbx_json_append(out, sbx_json_new_object());
		sbx_json_add_string(e, "name", enabled.v[i]);
		sbx_json_add_string(e, "status", "missing");
		sbx_json_add_bool(e, "enabled", 1);
		sbx_json_add_string(e, "error", "enabled, and in none of the plugin directories");
		errors++;
	}
	sbx_strvec_clear(&enabled);
	sbx_strvec_clear(&seen);
	sbx_strvec_clear(&found);
	sbx_plugin_path_free(dirs, nr);
	return errors;
}
