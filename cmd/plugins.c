#include "cmd.h"

static const struct sbx_option options[] = {
	{ "json", 0, SBX_OPT_FLAG, NULL, "one JSON object per line" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_plugins(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_plugins = {
	.name = "plugins",
	.summary = "the plugins found and what they add",
	.usage = "sbx plugins [ls] [--json]",
	.options = options,
	.exec = cmd_plugins,
};
