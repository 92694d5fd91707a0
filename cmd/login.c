#include "cmd.h"

static const struct sbx_option options[] = {
	{ "agent", 0, SBX_OPT_STRING, "A", "the agent (default: the configured one)" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_login(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_login = {
	.name = "login",
	.summary = "log an agent in once and keep its credentials for every sandbox",
	.usage = "sbx login [--agent A]",
	.options = options,
	.exec = cmd_login,
};
