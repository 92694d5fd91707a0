#include "cmd.h"
#include "backend.h"
#include "config.h"
#include "error.h"
#include "plugin.h"
#include "project.h"

#include <stdio.h>

static int failures;

static void report(enum sbx_check level, const char *what, const char *detail, const char *fix)
{
	static const char *const words[] = { "ok", "warn", "fail" };

	printf("%-4s %s: %s\n", words[level], what, detail);
	if (fix && level != SBX_CHECK_OK)
		printf("     fix: %s\n", fix);
	failures += level == SBX_CHECK_FAIL;
}

static int cmd_doctor(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_project project;
	struct sbx_config *cfg = NULL;
	int have_project = 0;

	if (argc > 1)
		return sbx_usage_error(ctx, "unexpected argument '%s'", argv[1]);
	failures = 0;
	if (sbx_project_detect(&project, NULL)) {
		report(SBX_CHECK_FAIL, "project", sbx_last_error(), NULL);
	} else {
		have_project = 1;
		report(SBX_CHECK_OK, "project", project.dir, NULL);
		cfg = sbx_config_load(&project);
		if (cfg)
			report(SBX_CHECK_OK, "config", "valid", NULL);
		else
			report(SBX_CHECK_FAIL, "config", sbx_last_error(),
			       "correct the file and key it names ('sbx config validate')");
	}
	for (size_t i = 0; sbx_backends[i]; i++)
		sbx_backends[i]->doctor(cfg, report);
	sbx_plugins_doctor(cfg, have_project ? &project : NULL, report);
	if (have_project)
		sbx_project_release(&project);
	sbx_config_free(cfg);
	return failures ? 1 : 0;
}

const struct sbx_cmd sbx_cmd_doctor = {
	.name = "doctor",
	.summary = "check the host: backend, notifier, plugins, config",
	.usage = "sbx doctor",
	.exec = cmd_doctor,
};
