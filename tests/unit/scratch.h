/*
 * A scratch directory for unit tests that build real repositories with the
 * git CLI (fine in tests), and a way to run shell lines in it.
 * Include after tap.h; call scratch_init() first and scratch_done() last.
 */
#ifndef SBX_SCRATCH_H
#define SBX_SCRATCH_H

#include "xalloc.h"

#include <stdarg.h>
#include <stdlib.h>

static char *scratch;

static void scratch_init(void)
{
	char tmpl[] = "/tmp/sbx-unit.XXXXXX";

	if (!mkdtemp(tmpl) || !(scratch = realpath(tmpl, NULL))) {
		printf("Bail out! cannot make a scratch directory\n");
		exit(1);
	}
}

/* Does a shell line, run in the scratch directory, succeed? */
static int succeeds(const char *cmd)
{
	char *line = sbx_asprintf("cd '%s' && { %s; } >/dev/null 2>&1", scratch, cmd);
	int ret = system(line) == 0;

	free(line);
	return ret;
}

/* Runs a shell line in the scratch directory; the tests make no sense without it. */
__attribute__((format(printf, 1, 2)))
static void sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;

	va_start(ap, fmt);
	cmd = sbx_vasprintf(fmt, ap);
	va_end(ap);
	if (!succeeds(cmd)) {
		printf("Bail out! '%s' failed\n", cmd);
		exit(1);
	}
	free(cmd);
}

static void scratch_done(void)
{
	sh("rm -rf '%s'", scratch);
	free(scratch);
}

#endif
