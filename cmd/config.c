#include "cmd.h"

static const struct sbx_option options[] = {
	{ "json", 0, SBX_OPT_FLAG, NULL, "print the merged configuration as JSON" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_config(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_config = {
	.name = "config",
	.summary = "the merged configuration, with where each value came from",
	.usage = "sbx config show [--json]\nsbx config validate [FILE]",
	.options = options,
	.exec = cmd_config,
};
