#include "cmd.h"


static int cmd_help(int argc, char **argv, struct sbx_ctx *ctx)
{
	const struct sbx_cmd *cmd;

	if (argc < 2) {
		sbx_print_main_help();
		return 0;
	}
	if (argc > 2)
		return sbx_usage_error(ctx, "too many arguments");
	cmd = sbx_find_command(argv[1]);
	if (!cmd)
		return sbx_usage_error(ctx, "no such command '%s' (see 'sbx --help')", argv[1]);
	sbx_print_command_help(cmd);
	return 0;
}

const struct sbx_cmd sbx_cmd_help = {
	.name = "help",
	.summary = "show help for sbx or one of its commands",
	.usage = "sbx help [COMMAND]",
	.exec = cmd_help,
};
