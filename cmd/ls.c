#include "cmd.h"

static const struct sbx_option options[] = {
	{ "json", 0, SBX_OPT_FLAG, NULL, "one JSON object per line" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_ls(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_ls = {
	.name = "ls",
	.summary = "sandboxes, templates and sessions of sbx",
	.usage = "sbx ls [--json]",
	.options = options,
	.exec = cmd_ls,
};
