#include "cmd.h"

static const struct sbx_option options[] = {
	{ "agent", 0, SBX_OPT_STRING, "A", "the agent (default: the configured one)" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_logout(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_logout = {
	.name = "logout",
	.summary = "remove an agent's stored credentials",
	.usage = "sbx logout [--agent A]",
	.options = options,
	.exec = cmd_logout,
};
