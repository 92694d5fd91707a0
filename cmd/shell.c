#include "cmd.h"

static const struct sbx_option options[] = {
	{ "backend", 0, SBX_OPT_STRING, "B", "lima or bwrap" },
	{ "keep", 0, SBX_OPT_FLAG, NULL, "use the project's persistent sandbox" },
	{ "mount", 0, SBX_OPT_LIST, "SPEC", "also mount HOST[:GUEST][:ro] (repeatable)" },
	{ "env", 'e', SBX_OPT_LIST, "K=V", "set a variable (repeatable)" },
	{ "forward-agent", 'A', SBX_OPT_FLAG, NULL, "forward the host's SSH agent" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_shell(int argc, char **argv, struct sbx_ctx *ctx)
{
	return sbx_run_session(ctx, argc, argv, "shell");
}

const struct sbx_cmd sbx_cmd_shell = {
	.name = "shell",
	.summary = "a login shell, or one command, in the project's sandbox",
	.usage = "sbx shell [--backend B] [--keep] [--mount SPEC]... [--env K=V]... [-A] [-- CMD...]",
	.options = options,
	.exec = cmd_shell,
	.flags = SBX_CMD_STOP_AT_NONOPT,
};
