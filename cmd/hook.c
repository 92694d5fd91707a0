#include "cmd.h"

static const struct sbx_option options[] = {
	{ "agent", 0, SBX_OPT_STRING, "A", "the agent whose event this is" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_hook(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_hook = {
	.name = "hook",
	.summary = "forward an agent's hook event to the host (inside the sandbox)",
	.usage = "sbx hook [--agent A] [PAYLOAD]",
	.options = options,
	.exec = cmd_hook,
};
