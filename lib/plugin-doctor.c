/* `sbx doctor`: a line per enabled plugin (loaded? fit for the backend?), then its own checks. */
#include "plugin-ctx.h"
#include "config.h"
#include "error.h"
#include "xalloc.h"

#include <sbx/plugin.h>

#include <stdlib.h>
#include <string.h>

void sbx_plugins_doctor(const struct sbx_config *cfg, const struct sbx_project *project,
			sbx_report_fn report)
{
	struct sbx_strvec names = SBX_STRVEC_INIT;
	const struct sbx_backend *b = NULL;
	const char *backend;

	if (!cfg)
		return;
	sbx_plugins_enabled(cfg, &names);
	if (!names.nr) {
		report(SBX_CHECK_OK, "plugins", "none enabled", NULL);
		sbx_strvec_clear(&names);
		return;
	}
	if (sbx_backend_choose(cfg, &b))
		sbx_clear_error();
	backend = b ? b->name : "lima";
	for (size_t i = 0; i < names.nr; i++) {
		char *what = sbx_asprintf("plugin %s", names.v[i]);
		struct sbx_plugin_loaded *p;
		struct sbx_plugin_ctx ctx;

		if (sbx_plugin_load(names.v[i], project, &p)) {
			report(SBX_CHECK_FAIL, what, sbx_last_error(),
			       "install it, fix the file named, or remove it from \"plugins\"");
		} else if (!(p->def->backends & sbx_plugin_backend_bit(backend))) {
			struct sbx_buf why = SBX_BUF_INIT;

			sbx_buf_addf(&why, "does not work with the %s backend", backend);
			if (p->def->refusal)
				sbx_buf_addf(&why, ": %s", p->def->refusal);
			report(b ? SBX_CHECK_FAIL : SBX_CHECK_WARN, what, why.buf,
			       "remove it from \"plugins\" or choose another backend");
			sbx_buf_release(&why);
		} else {
			char *line = sbx_asprintf("%s (ABI %d)", p->path, p->def->abi);

			report(SBX_CHECK_OK, what, line, NULL);
			free(line);
			memset(&ctx, 0, sizeof(ctx));
			ctx.plugin = p;
			ctx.backend = backend;
			ctx.project_dir = project ? project->dir : NULL;
			ctx.report = report;
			if (sbx_plugin_step(&ctx, SBX_STEP_DOCTOR))
				report(SBX_CHECK_FAIL, what, sbx_last_error(), NULL);
		}
		free(what);
	}
	sbx_strvec_clear(&names);
}
