#include "cmd.h"
#include "json.h"
#include "term.h"

#include <stdio.h>
#include <string.h>

static const struct sbx_option options[] = {
	{ "json", 0, SBX_OPT_FLAG, NULL, "one JSON object per line" },
	{ NULL, 0, 0, NULL, NULL },
};

static enum sbx_color status_color(const char *status)
{
	if (!status)
		return SBX_COLOR_RESET;
	if (!strcmp(status, "Running") || !strcmp(status, "Ready"))
		return SBX_COLOR_GREEN;
	if (!strcmp(status, "Detached") || !strcmp(status, "Stopped"))
		return SBX_COLOR_YELLOW;
	if (!strcmp(status, "Orphaned") || !strcmp(status, "Broken"))
		return SBX_COLOR_RED;
	return SBX_COLOR_RESET;
}

static int cmd_ls(int argc, char **argv, struct sbx_ctx *ctx)
{
	cJSON *all;
	int json = sbx_opt_count(ctx, "json");

	if (argc > 1)
		return sbx_usage_error(ctx, "unexpected argument '%s'", argv[1]);
	all = sbx_list_sandboxes();
	if (!json && all->child)
		printf("%-32s %-7s %-10s %-8s %-8s %s\n", "NAME", "BACKEND", "KIND", "STATUS",
		       "OWNER", "PROJECT");
	for (const cJSON *e = all->child; e; e = e->next) {
		const char *kind = sbx_json_get_string(e, "kind");
		const char *status = sbx_json_get_string(e, "status");
		const char *project = sbx_json_get_string(e, "project");
		double owner = sbx_json_get_number(e, "owner", 0);

		if (json) {
			struct sbx_buf b = SBX_BUF_INIT;

			sbx_json_print(&b, e, 0);
			puts(b.buf);
			sbx_buf_release(&b);
			continue;
		}
		printf("%-32s %-7s %-10s ", sbx_json_get_string(e, "name"),
		       sbx_json_get_string(e, "backend"), kind ? kind : "-");
		sbx_print_colored(stdout, status_color(status), status ? status : "-", 8);
		fputc(' ', stdout);
		if (owner > 0)
			printf("%-8.0f ", owner);
		else
			printf("%-8s ", "-");
		printf("%s\n", project ? project : "-");
	}
	cJSON_Delete(all);
	return 0;
}

const struct sbx_cmd sbx_cmd_ls = {
	.name = "ls",
	.summary = "sandboxes, templates and sessions of sbx",
	.usage = "sbx ls [--json]",
	.options = options,
	.exec = cmd_ls,
};
