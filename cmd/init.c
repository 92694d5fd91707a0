/*
 * sbx init: shell functions for daily use (share/sbx-init.bash, .zsh), with
 * the completion script they complete with, and the option lists of run and
 * shell from the command table, so that a new option needs no second edit.
 */
#include "cmd.h"
#include "commands.h"
#include "scripts.h"

#include <stdio.h>
#include <string.h>

static const struct sbx_option options[] = {
	{ "prefix", 0, SBX_OPT_STRING, "P", "name the functions Pcc, Pcx, Poc, Pgm, Psh (default sbx)" },
	{ NULL, 0, 0, NULL, NULL },
};

/* The functions: suffix, command, agent ("-": none). */
static const struct {
	const char *suffix, *command, *agent;
} functions[] = {
	{ "cc", "run", "claude" },
	{ "cx", "run", "codex" },
	{ "oc", "run", "opencode" },
	{ "gm", "run", "gemini" },
	{ "sh", "shell", "-" },
};

static int valid_prefix(const char *p)
{
	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'))
		return 0;
	return strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
	       strlen(p);
}

/* Is name (or the short s) one of cmd's own options? */
static int has_option(const struct sbx_cmd *cmd, const char *name, char s)
{
	for (const struct sbx_option *o = cmd->options; o && o->name; o++)
		if (!strcmp(o->name, name) || o->short_name == s)
			return 1;
	return 0;
}

/*
 * _sbx_NAME_valued='--agent ...' and _sbx_NAME_flags='--keep ...' for cmd's
 * options, and the global -q/--quiet and -v/--verbose every command takes
 * among its own (options.c), so that `sbxcc -q -p hi` keeps -q for sbx.
 */
static void option_lists(const struct sbx_cmd *cmd)
{
	for (int valued = 1; valued >= 0; valued--) {
		const char *sep = "";

		printf("_sbx_%s_%s='", cmd->name, valued ? "valued" : "flags");
		for (const struct sbx_option *o = cmd->options; o && o->name; o++) {
			if ((o->type != SBX_OPT_FLAG) != valued)
				continue;
			printf("%s--%s", sep, o->name);
			if (o->short_name)
				printf(" -%c", o->short_name);
			sep = " ";
		}
		if (!valued && !has_option(cmd, "quiet", 'q')) {
			printf("%s--quiet -q", sep);
			sep = " ";
		}
		if (!valued && !has_option(cmd, "verbose", 'v'))
			printf("%s--verbose -v", sep);
		printf("'\n");
	}
}

static int cmd_init(int argc, char **argv, struct sbx_ctx *ctx)
{
	const char *prefix = sbx_opt_value(ctx, "prefix");
	const char *completion, *fns;

	if (argc != 2)
		return sbx_usage_error(ctx, "name the shell: bash or zsh");
	if (!strcmp(argv[1], "bash")) {
		completion = sbx_embedded_completions_sbx_bash;
		fns = sbx_embedded_share_sbx_init_bash;
	} else if (!strcmp(argv[1], "zsh")) {
		completion = sbx_embedded_completions_sbx_zsh;
		fns = sbx_embedded_share_sbx_init_zsh;
	} else {
		return sbx_usage_error(ctx, "unknown shell '%s' (expected bash or zsh)", argv[1]);
	}
	if (!prefix)
		prefix = "sbx";
	if (!valid_prefix(prefix))
		return sbx_usage_error(ctx, "--prefix '%s': use letters, digits, '_' and '-', "
				       "starting with a letter", prefix);
	fputs(completion, stdout);
	fputs(fns, stdout);
	option_lists(&sbx_cmd_run);
	option_lists(&sbx_cmd_shell);
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		printf("_sbx_define %s%s %s %s\n", prefix, functions[i].suffix,
		       functions[i].command, functions[i].agent);
	return 0;
}

const struct sbx_cmd sbx_cmd_init = {
	.name = "init",
	.summary = "print shell functions (sbxcc, sbxcx, sbxoc, sbxgm, sbxsh)",
	.usage = "sbx init [--prefix P] bash|zsh",
	.description = "Prints shell functions for `eval \"$(sbx init bash)\"` in ~/.bashrc (or zsh in\n"
		"~/.zshrc, after compinit), with sbx's completion: sbxcc, sbxcx, sbxoc and sbxgm run\n"
		"`sbx run --agent` claude, codex, opencode and gemini; sbxsh runs `sbx shell`.\n"
		"Leading words that are the command's own options, or -q and -v, stay with sbx\n"
		"(each its own word: sbxcc --keep --tmux); the rest, from the first other word or\n"
		"after `--`, go to the agent: `sbxcc --resume` is\n"
		"`sbx run --agent claude -- --resume`.\n"
		"--prefix lm names them lmcc, lmcx, lmoc, lmgm and lmsh.",
	.options = options,
	.exec = cmd_init,
};
