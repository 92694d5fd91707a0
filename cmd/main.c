/*
 * The sbx multi-call binary. `sbx CMD ...` runs a command of the table;
 * invoked through a link named sbx-CMD (sbx-run, sbx-hook, ...) it behaves
 * as `sbx CMD`, as busybox applets do.
 */
#include "cmd.h"
#include "suggest.h"
#include "term.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unknown_command(const char *name)
{
	const char **names = sbx_calloc(sbx_nr_commands, sizeof(*names));
	const char *near;

	for (unsigned i = 0; i < sbx_nr_commands; i++)
		names[i] = sbx_commands[i]->name;
	near = sbx_nearest(name, names, sbx_nr_commands);
	if (near)
		fprintf(stderr, "sbx: unknown command '%s' (did you mean '%s'?)\n", name, near);
	else
		fprintf(stderr, "sbx: unknown command '%s' (see 'sbx --help')\n", name);
	free(names);
	return 2;
}

static int run_command(const struct sbx_cmd *cmd, int argc, char **argv)
{
	struct sbx_ctx ctx = { cmd, NULL, NULL, NULL };
	int nr_args = argc - 1, ret;

	if ((cmd->flags & SBX_CMD_RAW_ARGS) && argc > 1 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		sbx_print_command_help(cmd);
		return 0;
	}
	if (!(cmd->flags & SBX_CMD_RAW_ARGS)) {
		ret = sbx_parse_options(&ctx, argc, argv, &nr_args);
		if (ret) {
			sbx_ctx_release(&ctx);
			return ret == 1 ? 0 : ret;
		}
	}
	ret = cmd->exec(nr_args + 1, argv, &ctx);
	sbx_ctx_release(&ctx);
	return ret;
}

/* -q/--quiet and -v/--verbose before the command (`sbx -q run`); how many there are. */
static int global_options(int argc, char **argv)
{
	int i = 1;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			sbx_set_verbosity(-1);
		else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			sbx_set_verbosity(sbx_verbosity() < 0 ? 1 : sbx_verbosity() + 1);
		else
			break;
	}
	return i - 1;
}

int main(int argc, char **argv)
{
	const struct sbx_cmd *cmd = argc > 0 ? sbx_command_from_argv0(argv[0]) : NULL;
	int ret, skip;

	if (argc < 1)
		return 2;
	skip = cmd ? 0 : global_options(argc, argv);
	argc -= skip;
	argv += skip;
	if (cmd) {
		ret = run_command(cmd, argc, argv);
	} else if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		sbx_print_main_help();
		ret = argc < 2 ? 2 : 0;
	} else if (!strcmp(argv[1], "--version")) {
		ret = run_command(sbx_find_command("version"), 1, argv + 1);
	} else if (argv[1][0] == '-') {
		fprintf(stderr, "sbx: unknown option '%s' (see 'sbx --help')\n", argv[1]);
		ret = 2;
	} else if (!(cmd = sbx_find_command(argv[1]))) {
		ret = unknown_command(argv[1]);
	} else {
		ret = run_command(cmd, argc - 1, argv + 1);
	}
	/* A full disk or a closed pipe must not pass for success. */
	if (fflush(stdout) || ferror(stdout)) {
		if (!ret) {
			perror("sbx: cannot write to standard output");
			ret = 125;
		}
	}
	return ret;
}
