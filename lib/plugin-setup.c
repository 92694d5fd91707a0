/*
 * `sbx setup --node --gpg` chooses plugins for the project's template; the
 * choice is kept as a configuration file of its own, so that every later
 * `sbx run` builds and uses the same template. A later setup with plugin
 * flags replaces it; `sbx setup --no-plugins` forgets it.
 */
#include "plugin.h"
#include "config.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "names.h"
#include "paths.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *sbx_plugins_setup_file(const struct sbx_project *project, const struct sbx_config *cfg)
{
	char *state = sbx_state_dir(), *name, *path;

	if (!state)
		return NULL;
	name = sbx_template_name(project, cfg ? sbx_config_string(cfg, "template.name") : NULL);
	path = sbx_asprintf("%s/setup/%s.json", state, name);
	free(name);
	free(state);
	return path;
}

int sbx_plugins_setup_save(const struct sbx_project *project, const struct sbx_config *cfg,
			   const struct sbx_strvec *names)
{
	char *path = sbx_plugins_setup_file(project, cfg), *dir;
	cJSON *doc, *list;
	int ret;

	if (!path)
		return -1;
	if (!names || !names->nr) {
		ret = unlink(path) && errno != ENOENT ?
			sbx_error_errno("cannot remove '%s'", path) : 0;
		free(path);
		return ret;
	}
	dir = sbx_strndup(path, (size_t)(strrchr(path, '/') - path));
	ret = sbx_mkdir_p(dir, 0700);
	free(dir);
	doc = sbx_json_new_object();
	list = sbx_json_add_item(doc, "plugins", sbx_json_new_array());
	for (size_t i = 0; i < names->nr; i++)
		sbx_json_append(list, sbx_json_new_string(names->v[i]));
	if (!ret)
		ret = sbx_json_write_file(path, doc, 0600, 1);
	cJSON_Delete(doc);
	free(path);
	return ret;
}

char *sbx_plugins_setup_read(const char *path)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *text = NULL;

	if (!access(path, F_OK) && !sbx_buf_read_file(&b, path))
		text = sbx_buf_detach(&b);
	sbx_clear_error();
	sbx_buf_release(&b);
	return text;
}

int sbx_plugins_setup_restore(const char *path, const char *text)
{
	if (text)
		return sbx_write_file(path, text, strlen(text), 0600);
	return unlink(path) && errno != ENOENT ? sbx_error_errno("cannot remove '%s'", path) : 0;
}
