#include "cmd.h"

static int cmd_doctor(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_doctor = {
	.name = "doctor",
	.summary = "check the host: backend, notifier, plugins, config",
	.usage = "sbx doctor",
	.exec = cmd_doctor,
};
