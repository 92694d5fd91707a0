/* The enabled plugins as a set: loaded, checked against the backend, provisioned. */
#include "plugin-ctx.h"
#include "config.h"
#include "error.h"
#include "xalloc.h"

#include <sbx/plugin.h>

#include <string.h>

static int backend_index(unsigned bit)
{
	return bit == SBX_PLUGIN_LIMA ? 0 : 1;
}

static int supports(const struct sbx_plugin_loaded *p, const char *backend)
{
	unsigned bit = sbx_plugin_backend_bit(backend);
	struct sbx_buf has = SBX_BUF_INIT;

	if (p->def->backends & bit)
		return 0;
	sbx_plugin_backends_text(p->def->backends, &has);
	if (p->def->refusal && *p->def->refusal)
		sbx_error("plugin %s does not work with the %s backend: %s", p->def->name, backend,
			  p->def->refusal);
	else
		sbx_error("plugin %s does not work with the %s backend (it works with %s): "
			  "remove it from \"plugins\" or choose another backend", p->def->name,
			  backend, has.buf);
	sbx_buf_release(&has);
	return -1;
}

/* The plugin's template scripts for backend, computed once (they hash the template). */
int sbx_plugin_provision(struct sbx_plugin_loaded *p, const char *backend, const char *project_dir)
{
	unsigned bit = sbx_plugin_backend_bit(backend);
	struct sbx_strvec *scripts = p->scripts[backend_index(bit)];
	struct sbx_plugin_ctx ctx;

	if (!bit)
		return sbx_error("unknown backend '%s'", backend);
	if (p->provisioned & bit)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.plugin = p;
	ctx.backend = backend;
	ctx.project_dir = project_dir;
	ctx.scripts = scripts;
	if (sbx_plugin_step(&ctx, SBX_STEP_PROVISION)) {
		sbx_strvec_clear(&scripts[0]);
		sbx_strvec_clear(&scripts[1]);
		return -1;
	}
	p->provisioned |= bit;
	return 0;
}

/* Loaded, supporting backend, provisioned for it: the enabled plugin called name. */
static int ready(const char *name, const struct sbx_project *project, const char *backend,
		 struct sbx_plugin_loaded **out)
{
	int ret = sbx_plugin_load(name, project, out);

	if (ret)
		return ret;
	if (!backend)
		return 0;
	if (supports(*out, backend) ||
	    sbx_plugin_provision(*out, backend, project ? project->dir : NULL))
		return -1;
	return 0;
}

int sbx_plugins_load(const struct sbx_config *cfg, const struct sbx_project *project,
		     const char *backend)
{
	struct sbx_strvec names = SBX_STRVEC_INIT;
	int ret = 0;

	sbx_plugins_enabled(cfg, &names);
	for (size_t i = 0; i < names.nr && !ret; i++) {
		struct sbx_plugin_loaded *p;

		ret = ready(names.v[i], project, backend, &p);
	}
	sbx_strvec_clear(&names);
	return ret;
}

int sbx_plugins_template_scripts(const struct sbx_config *cfg, const char *backend, int mode,
				 sbx_plugin_script_fn fn, void *data)
{
	struct sbx_strvec names = SBX_STRVEC_INIT;
	int ret = 0;

	sbx_plugins_enabled(cfg, &names);
	for (size_t i = 0; i < names.nr && !ret; i++) {
		struct sbx_plugin_loaded *p;
		const struct sbx_strvec *list;

		ret = ready(names.v[i], NULL, backend, &p);
		if (ret)
			break;
		list = &p->scripts[backend_index(sbx_plugin_backend_bit(backend))][mode];
		for (size_t j = 0; j < list->nr && !ret; j++)
			ret = fn(data, p->def->name, list->v[j]);
	}
	sbx_strvec_clear(&names);
	return ret < 0 ? -1 : ret;
}

static int add_input(void *data, const char *plugin, const char *script)
{
	sbx_buf_addf(data, "script %s %zu\n%s\n", plugin, strlen(script), script);
	return 0;
}

int sbx_plugins_template_input(const struct sbx_config *cfg, const char *backend,
			       struct sbx_buf *in)
{
	struct sbx_strvec names = SBX_STRVEC_INIT;

	sbx_plugins_enabled(cfg, &names);
	for (size_t i = 0; i < names.nr; i++)
		sbx_buf_addf(in, "plugin %s abi %d\n", names.v[i], SBX_PLUGIN_ABI);
	sbx_strvec_clear(&names);
	for (int mode = SBX_PLUGIN_SCRIPT_SYSTEM; mode <= SBX_PLUGIN_SCRIPT_USER; mode++) {
		sbx_buf_addf(in, "mode %d\n", mode);
		if (sbx_plugins_template_scripts(cfg, backend, mode, add_input, in))
			return -1;
	}
	return 0;
}
