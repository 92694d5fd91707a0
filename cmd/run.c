#include "cmd.h"

static const struct sbx_option options[] = {
	{ "agent", 0, SBX_OPT_STRING, "A", "the agent: claude, codex, opencode, gemini, shell or one from config" },
	{ "backend", 0, SBX_OPT_STRING, "B", "lima or bwrap" },
	{ "keep", 0, SBX_OPT_FLAG, NULL, "use the project's persistent sandbox" },
	{ "mount", 0, SBX_OPT_LIST, "SPEC", "also mount HOST[:GUEST][:ro] (repeatable)" },
	{ "env", 'e', SBX_OPT_LIST, "K=V", "set a variable for the agent (repeatable)" },
	{ "forward-agent", 'A', SBX_OPT_FLAG, NULL, "forward the host's SSH agent" },
	{ "tmux", 0, SBX_OPT_FLAG, NULL, "run the agent in tmux inside the sandbox" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_run(int argc, char **argv, struct sbx_ctx *ctx)
{
	return sbx_run_session(ctx, argc, argv, "run");
}

const struct sbx_cmd sbx_cmd_run = {
	.name = "run",
	.summary = "run an agent in the project's sandbox",
	.usage = "sbx run [--agent A] [--backend B] [--keep] [--mount SPEC]... [--env K=V]... [-A] [--tmux] [-- ARGS...]",
	.description = "Starts the agent (claude by default, in its full-auto mode) in a sandbox that holds the\nproject and nothing else of the host. Ephemeral unless --keep or \"persistent\": true.\nThe exit code is the agent's; 125 means sbx failed before the agent started.",
	.options = options,
	.exec = cmd_run,
	.flags = SBX_CMD_STOP_AT_NONOPT,
};
