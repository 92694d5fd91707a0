#include "cmd.h"
#include "gitmod.h"
#include "sha256.h"

#include <cjson/cJSON.h>
#include <stdio.h>

static int cmd_version(int argc, char **argv, struct sbx_ctx *ctx)
{
	const struct sbx_gitmod *git;
	int major, minor, rev, nettle_major, nettle_minor;

	(void)argv;
	if (argc > 1)
		return sbx_usage_error(ctx, "too many arguments");
	git = sbx_gitmod();
	if (!git)
		return sbx_fail(ctx, 125);
	git->version(&major, &minor, &rev);
	sbx_nettle_version(&nettle_major, &nettle_minor);
	printf("sbx %s (libgit2 %d.%d.%d, cJSON %s, nettle %d.%d)\n", SBX_VERSION, major, minor,
	       rev, cJSON_Version(), nettle_major, nettle_minor);
	return 0;
}

const struct sbx_cmd sbx_cmd_version = {
	.name = "version",
	.summary = "print the version of sbx and its libraries",
	.usage = "sbx version",
	.exec = cmd_version,
};
