#include "cmd.h"

static const struct sbx_option options[] = {
	{ "backend", 0, SBX_OPT_STRING, "B", "lima or bwrap" },
	{ "node", 0, SBX_OPT_FLAG, NULL, "add the node plugin" },
	{ "docker", 0, SBX_OPT_FLAG, NULL, "add the docker plugin" },
	{ "chromium", 0, SBX_OPT_FLAG, NULL, "add the chromium plugin" },
	{ "gpg", 0, SBX_OPT_FLAG, NULL, "add the gpg plugin" },
	{ "python", 0, SBX_OPT_FLAG, NULL, "add the python plugin" },
	{ "all", 0, SBX_OPT_FLAG, NULL, "add every plugin" },
	{ "force", 0, SBX_OPT_FLAG, NULL, "rebuild even when the inputs are unchanged" },
	{ "verbose", 'v', SBX_OPT_FLAG, NULL, "stream the backend's log" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_setup(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_setup = {
	.name = "setup",
	.summary = "build the template the project's sandboxes are cloned from",
	.usage = "sbx setup [--backend B] [--node] [--docker] [--chromium] [--gpg] [--python] [--all] [--force] [--verbose]",
	.options = options,
	.exec = cmd_setup,
};
