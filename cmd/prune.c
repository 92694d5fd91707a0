#include "cmd.h"
#include "backend.h"
#include "json.h"

#include <stdio.h>

static const struct sbx_option options[] = {
	{ "dry-run", 'n', SBX_OPT_FLAG, NULL, "only say what would be removed" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_prune(int argc, char **argv, struct sbx_ctx *ctx)
{
	int dry = sbx_opt_count(ctx, "dry-run"), ret = 0;

	if (argc > 1)
		return sbx_usage_error(ctx, "unexpected argument '%s'", argv[1]);
	for (size_t i = 0; sbx_backends[i]; i++) {
		struct sbx_buf info = SBX_BUF_INIT;
		cJSON *removed = sbx_json_new_array();

		if (!sbx_backends[i]->probe(&info) && sbx_backends[i]->prune(dry, removed))
			ret = sbx_fail(ctx, 125);
		for (const cJSON *e = removed->child; e; e = e->next)
			printf("%s %s\n", dry ? "would remove" : "removed", e->valuestring);
		cJSON_Delete(removed);
		sbx_buf_release(&info);
	}
	return ret;
}

const struct sbx_cmd sbx_cmd_prune = {
	.name = "prune",
	.summary = "remove sandboxes that no live session owns",
	.usage = "sbx prune [--dry-run]",
	.options = options,
	.exec = cmd_prune,
};
