#include "cmd.h"

static int cmd_attach(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_attach = {
	.name = "attach",
	.summary = "reattach to an agent kept running in tmux",
	.usage = "sbx attach [NAME]",
	.exec = cmd_attach,
};
