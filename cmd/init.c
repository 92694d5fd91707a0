#include "cmd.h"

static int cmd_init(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_init = {
	.name = "init",
	.summary = "print shell functions (sbxcc, sbxcx, sbxoc, sbxgm, sbxsh)",
	.usage = "sbx init bash|zsh",
	.exec = cmd_init,
};
