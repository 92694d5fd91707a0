#include "cmd.h"

static const struct sbx_option options[] = {
	{ "base", 0, SBX_OPT_STRING, "REF", "start the branch at REF (default HEAD)" },
	{ "path", 0, SBX_OPT_STRING, "DIR", "where the worktree goes" },
	{ "run", 0, SBX_OPT_FLAG, NULL, "start sbx run in the new worktree" },
	{ "json", 0, SBX_OPT_FLAG, NULL, "one JSON object per line" },
	{ "force", 'f', SBX_OPT_FLAG, NULL, "remove even when dirty or running" },
	{ "delete-branch", 0, SBX_OPT_FLAG, NULL, "delete the branches too" },
	{ "merged", 0, SBX_OPT_FLAG, NULL, "remove the worktrees whose branch is merged" },
	{ "dry-run", 'n', SBX_OPT_FLAG, NULL, "only say what would be removed" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_wt(int argc, char **argv, struct sbx_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return sbx_not_implemented(ctx);
}

const struct sbx_cmd sbx_cmd_wt = {
	.name = "wt",
	.summary = "git worktrees for parallel agents, each in its own sandbox",
	.usage = "sbx wt new BRANCH [--base REF] [--path DIR] [--run [-- ARGS...]]\nsbx wt ls [--json]\nsbx wt rm BRANCH... [--force] [--delete-branch] [--merged [REF]] [--dry-run]",
	.options = options,
	.exec = cmd_wt,
};
