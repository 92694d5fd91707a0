#include "cmd.h"
#include "config.h"
#include "error.h"
#include "json.h"
#include "plugin.h"
#include "project.h"

#include <stdio.h>
#include <string.h>

static const struct sbx_option options[] = {
	{ "json", 0, SBX_OPT_FLAG, NULL, "one JSON object per line" },
	{ NULL, 0, 0, NULL, NULL },
};

static void print_text(const cJSON *e)
{
	const char *name = sbx_json_get_string(e, "name");
	const char *path = sbx_json_get_string(e, "path");
	const char *status = sbx_json_get_string(e, "status");
	const char *mark = sbx_json_get_bool(e, "enabled", 0) ? "*" : " ";

	if (!strcmp(status, "ok")) {
		const cJSON *b;
		struct sbx_buf list = SBX_BUF_INIT;

		cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(e, "backends"))
			sbx_buf_addf(&list, "%s%s", list.len ? "," : "", b->valuestring);
		printf("%s %-10s %-11s %s\n", mark, name, list.buf,
		       sbx_json_get_string(e, "summary"));
		printf("  %-10s %-11s %s (ABI %.0f)\n", "", "", path,
		       sbx_json_get_number(e, "abi", 0));
		sbx_buf_release(&list);
	} else if (!strcmp(status, "shadowed")) {
		printf("%s %-10s %-11s %s: hidden by %s\n", mark, name, "shadowed", path,
		       sbx_json_get_string(e, "shadowedBy"));
	} else {
		printf("%s %-10s %-11s %s\n", mark, name ? name : "-", status,
		       sbx_json_get_string(e, "error"));
	}
}

static int cmd_plugins(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_project project;
	struct sbx_config *cfg;
	int json = sbx_opt_count(ctx, "json"), errors, have_project;
	cJSON *all;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "ls")))
		return sbx_usage_error(ctx, "unknown subcommand '%s'", argv[1]);
	have_project = !sbx_project_detect(&project, NULL);
	if (!have_project)
		sbx_clear_error();
	cfg = sbx_config_load(have_project ? &project : NULL);
	if (!cfg) {
		if (have_project)
			sbx_project_release(&project);
		return sbx_fail(ctx, 2);
	}
	all = sbx_json_new_array();
	errors = sbx_plugins_list(cfg, have_project ? &project : NULL, all);
	if (errors < 0) {
		cJSON_Delete(all);
		sbx_config_free(cfg);
		if (have_project)
			sbx_project_release(&project);
		return sbx_fail(ctx, 125);
	}
	for (const cJSON *e = all->child; e; e = e->next) {
		if (json) {
			struct sbx_buf b = SBX_BUF_INIT;

			sbx_json_print(&b, e, 0);
			puts(b.buf);
			sbx_buf_release(&b);
		} else {
			print_text(e);
		}
	}
	if (!json && all->child)
		printf("(* enabled in %s)\n", have_project ? project.dir : "no project");
	cJSON_Delete(all);
	sbx_config_free(cfg);
	if (have_project)
		sbx_project_release(&project);
	return errors ? 1 : 0;
}

const struct sbx_cmd sbx_cmd_plugins = {
	.name = "plugins",
	.summary = "the plugins found and what they add",
	.usage = "sbx plugins [ls] [--json]",
	.description = "Lists every plugin along the plugin path ($SBX_PLUGIN_PATH, then "
		       "$XDG_DATA_HOME/sbx/plugins, then sbx's libdir): its name, the backends "
		       "it works with, its summary, its file and ABI, and whether the current "
		       "project enables it (*). A file hidden by an earlier one of the same "
		       "name is shown as shadowed; a plugin that cannot be loaded, an unsafe "
		       "plugin directory, or an enabled plugin found nowhere is shown with the "
		       "reason, and the exit code is then 1. --json adds each plugin's template "
		       "scripts per backend.",
	.options = options,
	.exec = cmd_plugins,
};
