#include "cmd.h"

static int cmd_completion(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_completion = {
	.name = "completion",
	.summary = "print shell completions",
	.usage = "sbx completion bash|zsh",
	.exec = cmd_completion,
};
