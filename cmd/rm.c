#include "cmd.h"

static const struct sbx_option options[] = {
	{ "force", 'f', SBX_OPT_FLAG, NULL, "delete even when running" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_rm(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_rm = {
	.name = "rm",
	.summary = "delete a sandbox",
	.usage = "sbx rm NAME...",
	.options = options,
	.exec = cmd_rm,
};
