#include "cmd.h"

static const struct sbx_option options[] = {
	{ "all", 0, SBX_OPT_FLAG, NULL, "stop every sandbox of sbx" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_stop(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_stop = {
	.name = "stop",
	.summary = "stop a sandbox, or all of them",
	.usage = "sbx stop [NAME | --all]",
	.options = options,
	.exec = cmd_stop,
};
