/*
 * node: Node.js (the distribution's LTS release) and npm.
 * Lima: Debian's nodejs and npm packages in the template.
 * bwrap: the sandbox shares the host's /usr, so they must be installed there;
 * the template build fails, saying so, when they are not.
 */
#include <sbx/plugin.h>

#include <string.h>

static const char lima_system[] =
	"#!/bin/sh\n"
	"# sbx plugin node: Node.js and npm from the distribution's packages\n"
	"set -eu\n"
	"export DEBIAN_FRONTEND=noninteractive\n"
	"apt-get update -q\n"
	"apt-get install -y -q --no-install-recommends nodejs npm\n"
	"node --version\n";

static const char bwrap_user[] =
	"#!/bin/sh\n"
	"# sbx plugin node: the bwrap sandbox shares the host's /usr, which must hold Node.js\n"
	"set -eu\n"
	"for tool in node npm; do\n"
	"\tif ! command -v \"$tool\" >/dev/null 2>&1; then\n"
	"\t\techo \"sbx plugin node: $tool is not installed on the host, whose "
	"/usr the bwrap sandbox shares: install it there (apt-get install nodejs npm)\" >&2\n"
	"\t\texit 1\n"
	"\tfi\n"
	"done\n";

static int provision(struct sbx_plugin_ctx *ctx)
{
	if (!strcmp(sbx_plugin_backend(ctx), "lima"))
		return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_SYSTEM, lima_system);
	return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_USER, bwrap_user);
}

static void doctor(struct sbx_plugin_ctx *ctx)
{
	/* What the bwrap sandbox will find: the host's /usr, nothing from PATH elsewhere. */
	static const char *const argv[] = { "env", "PATH=/usr/local/bin:/usr/bin:/bin", "node",
					     "--version", NULL };
	char *out = NULL;
	size_t len;
	int code;

	if (strcmp(sbx_plugin_backend(ctx), "bwrap")) {
		sbx_plugin_report(ctx, SBX_PLUGIN_OK, "installed in the template (nodejs, npm)", NULL);
		return;
	}
	code = sbx_plugin_run(ctx, argv, &out, &len);
	if (code == 0) {
		while (len && out[len - 1] == '\n')
			out[--len] = '\0';
		sbx_plugin_report(ctx, SBX_PLUGIN_OK, out, NULL);
	} else {
		sbx_plugin_report(ctx, SBX_PLUGIN_FAIL, "node is not in the host's /usr, which the "
				  "bwrap sandbox shares", "apt-get install nodejs npm");
	}
	sbx_plugin_free(out);
}

static const struct sbx_plugin plugin = {
	.abi = SBX_PLUGIN_ABI,
	.name = "node",
	.summary = "Node.js LTS and npm from the distribution's packages (Debian's nodejs, npm; "
		   "bwrap: the host's)",
	.backends = SBX_PLUGIN_LIMA | SBX_PLUGIN_BWRAP,
	.provision = provision,
	.doctor = doctor,
};

SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void)
{
	return &plugin;
}
