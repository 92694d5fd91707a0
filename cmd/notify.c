#include "cmd.h"

static int cmd_notify(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_notify = {
	.name = "notify",
	.summary = "the host's notification server, and a terminal-notifier for scripts",
	.usage = "sbx notify serve\nsbx notify send -title T -message M [-subtitle S] [-sound NAME] [-group ID] [-open URL]",
	.exec = cmd_notify,
	.flags = SBX_CMD_RAW_ARGS,
};
