#include "cmd.h"
#include "backend.h"
#include "error.h"
#include "json.h"

#include <stdio.h>

static const struct sbx_option options[] = {
	{ "force", 'f', SBX_OPT_FLAG, NULL, "delete even when running" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_rm(int argc, char **argv, struct sbx_ctx *ctx)
{
	cJSON *list;
	int ret = 0;

	if (argc < 2)
		return sbx_usage_error(ctx, "name the sandbox to delete (see 'sbx ls')");
	list = sbx_list_sandboxes();
	for (int i = 1; i < argc; i++) {
		const cJSON *e = sbx_find_sandbox(list, argv[i]);
		const char *backend = e ? sbx_json_get_string(e, "backend") : NULL;
		const struct sbx_backend *b = backend ? sbx_backend_find(backend) : NULL;

		if (!b) {
			sbx_error("no sandbox named '%s' (see 'sbx ls')", argv[i]);
			ret = sbx_fail(ctx, 2);
		} else if (b->remove(argv[i], sbx_opt_count(ctx, "force"))) {
			ret = sbx_fail(ctx, 125);
		} else {
			printf("deleted %s\n", argv[i]);
		}
	}
	cJSON_Delete(list);
	return ret;
}

const struct sbx_cmd sbx_cmd_rm = {
	.name = "rm",
	.summary = "delete a sandbox",
	.usage = "sbx rm NAME...",
	.options = options,
	.exec = cmd_rm,
};
