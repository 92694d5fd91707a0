/*
 * sbx completion: the bash and zsh completion scripts, and (hidden) the
 * candidates those scripts ask for (complete.h).
 */
#include "cmd.h"
#include "complete.h"
#include "scripts.h"

#include <stdio.h>
#include <string.h>

static int cmd_completion(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_buf out = SBX_BUF_INIT;

	/* `sbx completion --complete WORD...`: what the scripts call on each TAB. */
	if (argc >= 2 && !strcmp(argv[1], "--complete")) {
		sbx_complete(argc - 2, argv + 2, &out);
		fwrite(out.buf, 1, out.len, stdout);
		sbx_buf_release(&out);
		return 0;
	}
	if (argc != 2)
		return sbx_usage_error(ctx, "name the shell: bash or zsh");
	if (!strcmp(argv[1], "bash"))
		fputs(sbx_embedded_completions_sbx_bash, stdout);
	else if (!strcmp(argv[1], "zsh"))
		fputs(sbx_embedded_completions_sbx_zsh, stdout);
	else
		return sbx_usage_error(ctx, "unknown shell '%s' (expected bash or zsh)", argv[1]);
	return 0;
}

const struct sbx_cmd sbx_cmd_completion = {
	.name = "completion",
	.summary = "print shell completions",
	.usage = "sbx completion bash|zsh",
	.description = "Prints the completion script for the shell: commands, options, agents, backends,\n"
		"sandboxes, plugins, worktree branches and git refs. `make install` installs both\n"
		"where bash-completion and zsh look; or load one by hand:\n"
		"  eval \"$(sbx completion bash)\"      (in ~/.bashrc)\n"
		"  sbx completion zsh > ~/.zfunc/_sbx  (with ~/.zfunc in $fpath, before compinit)",
	.exec = cmd_completion,
	.flags = SBX_CMD_RAW_ARGS,
};
