#include "cmd.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

#define SBX_TABLE_ENTRY(n) &sbx_cmd_##n,
const struct sbx_cmd *const sbx_commands[] = { SBX_COMMAND_LIST(SBX_TABLE_ENTRY) };
const unsigned sbx_nr_commands = sizeof(sbx_commands) / sizeof(sbx_commands[0]);

const struct sbx_cmd *sbx_find_command(const char *name)
{
	for (unsigned i = 0; i < sbx_nr_commands; i++)
		if (!strcmp(sbx_commands[i]->name, name))
			return sbx_commands[i];
	return NULL;
}

void sbx_print_main_help(void)
{
	printf("usage: sbx [--version] [--help] [-q | -v] COMMAND [ARGS]\n\n"
	       "Run coding agents in full-auto mode inside disposable sandboxes.\n\n"
	       "commands:\n");
	for (unsigned i = 0; i < sbx_nr_commands; i++)
		printf("  %-12s %s\n", sbx_commands[i]->name, sbx_commands[i]->summary);
	printf("\n-q, --quiet and -v, --verbose (before the command or among its options): no\n"
	       "progress or notes, only results and errors; or the backends' logs as well.\n"
	       "Colour only on a terminal, never with NO_COLOR set.\n"
	       "\n'sbx help COMMAND' or 'sbx COMMAND --help' tells more about a command.\n");
}

const struct sbx_cmd *sbx_command_from_argv0(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	base = base ? base + 1 : argv0;
	if (strncmp(base, "sbx-", 4))
		return NULL;
	return sbx_find_command(base + 4);
}
