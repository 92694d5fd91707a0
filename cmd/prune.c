#include "cmd.h"

static const struct sbx_option options[] = {
	{ "dry-run", 'n', SBX_OPT_FLAG, NULL, "only say what would be removed" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_prune(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_prune = {
	.name = "prune",
	.summary = "remove sandboxes that no live session owns",
	.usage = "sbx prune [--dry-run]",
	.options = options,
	.exec = cmd_prune,
};
