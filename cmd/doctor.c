#include "cmd.h"
#include "accounts.h"
#include "backend.h"
#include "config.h"
#include "notify.h"
#include "error.h"
#include "gitrisk.h"
#include "json.h"
#include "net-session.h"
#include "plugin.h"
#include "project.h"
#include "term.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct sbx_option options[] = {
	{ "json", 0, SBX_OPT_FLAG, NULL, "one JSON object per check" },
	{ NULL, 0, 0, NULL, NULL },
};

static int failures, json;

static void report(enum sbx_check level, const char *what, const char *detail, const char *fix)
{
	static const char *const words[] = { "ok", "warn", "fail" };
	static const enum sbx_color colors[] = { SBX_COLOR_GREEN, SBX_COLOR_YELLOW, SBX_COLOR_RED };

	failures += level == SBX_CHECK_FAIL;
	if (json) {
		cJSON *o = sbx_json_new_object();
		struct sbx_buf b = SBX_BUF_INIT;

		sbx_json_add_string(o, "level", words[level]);
		sbx_json_add_string(o, "check", what);
		sbx_json_add_string(o, "detail", detail);
		if (fix && level != SBX_CHECK_OK)
			sbx_json_add_string(o, "fix", fix);
		sbx_json_print(&b, o, 0);
		puts(b.buf);
		sbx_buf_release(&b);
		cJSON_Delete(o);
		return;
	}
	sbx_print_colored(stdout, colors[level], words[level], 4);
	printf(" %s: %s\n", what, detail);
	if (fix && level != SBX_CHECK_OK)
		printf("     fix: %s\n", fix);
}

/* Whether the project's .sbx.json files are trusted, and what is ignored of those that are not. */
static void check_trust(const struct sbx_project *project, const struct sbx_config *cfg)
{
	const char *mode = sbx_config_string(cfg, "trust.untrusted");
	int refuse = mode && !strcmp(mode, "refuse");
	struct sbx_project_file *files;
	size_t nr;

	if (sbx_project_files_read(project, &files, &nr)) {
		report(SBX_CHECK_FAIL, "trust", sbx_last_error(), NULL);
		return;
	}
	for (size_t i = 0; i < nr; i++) {
		const struct sbx_project_file *f = &files[i];
		char *line;

		if (!f->needs_trust || f->trust == SBX_TRUST_TRUSTED) {
			line = sbx_asprintf("'%s' %s", f->path, f->needs_trust ? "is trusted" :
					    "needs no trust (it sets only keys that stay inside "
					    "the sandbox)");
			report(SBX_CHECK_OK, "trust", line, NULL);
		} else {
			line = sbx_project_file_untrusted_line(f, refuse);
			report(refuse ? SBX_CHECK_FAIL : SBX_CHECK_WARN, "trust", line,
			       "review the file, then run 'sbx trust'");
		}
		free(line);
	}
	sbx_project_files_free(files, nr);
}

/*
 * Which backend `sbx run` uses here. A backend that is not used is not a
 * failure (its own line says what it lacks); none at all is a warning, since
 * --backend still chooses one.
 */
static void check_backend(const struct sbx_config *cfg)
{
	const struct sbx_backend *b;
	const char *name = cfg ? sbx_config_string(cfg, "backend") : NULL;
	char *line;

	if (!cfg)
		return;
	if (sbx_backend_choose(cfg, &b)) {
		if (name && *name)
			report(SBX_CHECK_FAIL, "backend", sbx_last_error(), NULL);
		else
			report(SBX_CHECK_WARN, "backend", "none chosen, and Lima (the default) is not "
			       "installed: sbx run needs --backend bwrap",
			       "set \"backend\": \"bwrap\" in ~/.config/sbx/config.json, or install Lima");
		sbx_clear_error();
		return;
	}
	line = name && *name ? sbx_asprintf("%s (from %s)", b->name,
					    sbx_config_origin(cfg, "backend")) :
			       sbx_asprintf("%s (the default where limactl is installed)", b->name);
	report(SBX_CHECK_OK, "backend", line, NULL);
	free(line);
}

static int cmd_doctor(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_project project;
	struct sbx_config *cfg = NULL;
	int have_project = 0;

	if (argc > 1)
		return sbx_usage_error(ctx, "unexpected argument '%s'", argv[1]);
	failures = 0;
	json = sbx_opt_count(ctx, "json");
	if (sbx_project_detect(&project, NULL)) {
		report(SBX_CHECK_FAIL, "project", sbx_last_error(), NULL);
	} else {
		have_project = 1;
		report(SBX_CHECK_OK, "project", project.dir, NULL);
		sbx_git_risks_doctor(&project, report);
		cfg = sbx_config_load_flags(&project, SBX_CONFIG_QUIET_TRUST);
		if (cfg) {
			report(SBX_CHECK_OK, "config", "valid", NULL);
			check_trust(&project, cfg);
		} else
			report(SBX_CHECK_FAIL, "config", sbx_last_error(),
			       "correct the file and key it names ('sbx config validate')");
	}
	check_backend(cfg);
	for (size_t i = 0; sbx_backends[i]; i++)
		sbx_backends[i]->doctor(cfg, report);
	sbx_plugins_doctor(cfg, have_project ? &project : NULL, report);
	sbx_net_doctor(cfg, report);
	sbx_notify_doctor(cfg, report);
	sbx_accounts_doctor(cfg, report);
	if (have_project)
		sbx_project_release(&project);
	sbx_config_free(cfg);
	return failures ? 1 : 0;
}

const struct sbx_cmd sbx_cmd_doctor = {
	.name = "doctor",
	.summary = "check the host: backend, notifier, plugins, config, agents' logins",
	.usage = "sbx doctor [--json]",
	.description = "One line per check, ok, warn or fail, with the fix for what is not ok.\n"
		"Exits 1 when a check fails.",
	.options = options,
	.exec = cmd_doctor,
};
