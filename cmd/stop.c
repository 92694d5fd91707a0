#include "cmd.h"
#include "backend.h"
#include "error.h"
#include "json.h"

#include <stdio.h>
#include <string.h>

static const struct sbx_option options[] = {
	{ "all", 0, SBX_OPT_FLAG, NULL, "stop every sandbox of sbx" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_stop(int argc, char **argv, struct sbx_ctx *ctx)
{
	int all = sbx_opt_count(ctx, "all"), ret = 0;
	cJSON *list;

	if ((argc > 1) == !!all)
		return sbx_usage_error(ctx, "name one sandbox, or give --all");
	if (argc > 2)
		return sbx_usage_error(ctx, "unexpected argument '%s'", argv[2]);
	list = sbx_list_sandboxes();
	if (!all && !sbx_find_sandbox(list, argv[1])) {
		sbx_error("no sandbox named '%s' (see 'sbx ls')", argv[1]);
		cJSON_Delete(list);
		return sbx_fail(ctx, 2);
	}
	for (const cJSON *e = list->child; e; e = e->next) {
		const char *name = sbx_json_get_string(e, "name");
		const char *status = sbx_json_get_string(e, "status");
		const struct sbx_backend *b = sbx_backend_find(sbx_json_get_string(e, "backend"));

		if (!b || !name || (!all && strcmp(name, argv[1])))
			continue;
		if (all && status && strcmp(status, "Running") && strcmp(status, "Detached"))
			continue;
		if (b->stop(name))
			ret = sbx_fail(ctx, 125);
		else
			printf("stopped %s\n", name);
	}
	cJSON_Delete(list);
	return ret;
}

const struct sbx_cmd sbx_cmd_stop = {
	.name = "stop",
	.summary = "stop a sandbox, or all of them",
	.usage = "sbx stop [NAME | --all]",
	.options = options,
	.exec = cmd_stop,
};
