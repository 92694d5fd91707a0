/*
 * chromium: Chromium for headless testing, and the Chrome DevTools MCP server
 * (npx chrome-devtools-mcp) as a user-scope MCP server of Claude Code: the
 * "mcpServers" entry "chrome-devtools" in the sandbox home's ~/.claude.json
 * (merged into the file when one exists).
 * Lima: Debian's chromium package in the template. bwrap: the host's
 * Chromium or Chrome (its /usr is shared); the browser's own sandbox cannot
 * nest in bwrap's, so it runs with --no-sandbox there, bwrap being the sandbox.
 */
#include <sbx/plugin.h>

#include <string.h>

static const char lima_system[] =
	"#!/bin/sh\n"
	"# sbx plugin chromium: Chromium from the distribution's packages\n"
	"set -eu\n"
	"export DEBIAN_FRONTEND=noninteractive\n"
	"apt-get update -q\n"
	"apt-get install -y -q --no-install-recommends chromium fonts-liberation\n";

/* The user script; EXTRA: more of the MCP server's arguments, each `, "--flag"`. */
#define MCP_SCRIPT(EXTRA) \
	"#!/bin/sh\n" \
	"# sbx plugin chromium: the Chrome DevTools MCP server for Claude Code, in ~/.claude.json\n" \
	"set -eu\n" \
	"browser=\n" \
	"for b in chromium chromium-browser google-chrome-stable google-chrome; do\n" \
	"\tif command -v \"$b\" >/dev/null 2>&1; then\n" \
	"\t\tbrowser=$(command -v \"$b\")\n" \
	"\t\tbreak\n" \
	"\tfi\n" \
	"done\n" \
	"if [ -z \"$browser\" ]; then\n" \
	"\techo \"sbx plugin chromium: no Chromium or Chrome in the sandbox (bwrap shares the " \
	"host's /usr: install chromium there)\" >&2\n" \
	"\texit 1\n" \
	"fi\n" \
	"entry=$(printf '{\"type\": \"stdio\", \"command\": \"npx\", \"args\": [\"-y\", " \
	"\"chrome-devtools-mcp@latest\", \"--headless\", \"--isolated\", " \
	"\"--executablePath=%s\"" EXTRA "]}' \"$browser\")\n" \
	"f=\"$HOME/.claude.json\"\n" \
	"if [ -s \"$f\" ]; then\n" \
	"\tnode -e '\n" \
	"const fs = require(\"fs\");\n" \
	"const [f, entry] = process.argv.slice(1);\n" \
	"const c = JSON.parse(fs.readFileSync(f, \"utf8\"));\n" \
	"c.mcpServers = Object.assign({}, c.mcpServers, { \"chrome-devtools\": JSON.parse(entry) });\n" \
	"fs.writeFileSync(f, JSON.stringify(c, null, 2) + \"\\n\");\n" \
	"' \"$f\" \"$entry\"\n" \
	"else\n" \
	"\tprintf '{\\n  \"mcpServers\": {\\n    \"chrome-devtools\": %s\\n  }\\n}\\n' \"$entry\" >\"$f\"\n" \
	"fi\n"

static const char lima_user[] = MCP_SCRIPT("");
static const char bwrap_user[] = MCP_SCRIPT(", \"--chromeArg=--no-sandbox\"");

static int provision(struct sbx_plugin_ctx *ctx)
{
	if (!strcmp(sbx_plugin_backend(ctx), "lima"))
		return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_SYSTEM, lima_system) ||
		       sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_USER, lima_user) ? -1 : 0;
	return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_USER, bwrap_user);
}

static void doctor(struct sbx_plugin_ctx *ctx)
{
	static const char *const argv[] = { "sh", "-c",
		"PATH=/usr/local/bin:/usr/bin:/bin; for b in chromium chromium-browser "
		"google-chrome-stable google-chrome; do command -v \"$b\" && exit 0; done; exit 1",
		NULL };
	char *out = NULL;

	if (strcmp(sbx_plugin_backend(ctx), "bwrap")) {
		sbx_plugin_report(ctx, SBX_PLUGIN_OK, "Chromium in the template; the MCP server "
				  "in ~/.claude.json", NULL);
		return;
	}
	if (sbx_plugin_run(ctx, argv, &out, NULL) == 0) {
		out[strcspn(out, "\n")] = '\0';
		sbx_plugin_report(ctx, SBX_PLUGIN_OK, out, NULL);
	} else {
		sbx_plugin_report(ctx, SBX_PLUGIN_FAIL, "no Chromium or Chrome in the host's /usr, "
				  "which the bwrap sandbox shares", "apt-get install chromium");
	}
	sbx_plugin_free(out);
}

static const struct sbx_plugin plugin = {
	.abi = SBX_PLUGIN_ABI,
	.name = "chromium",
	.summary = "Chromium for headless testing and the Chrome DevTools MCP server in Claude's "
		   "~/.claude.json (Debian's chromium; bwrap: the host's)",
	.backends = SBX_PLUGIN_LIMA | SBX_PLUGIN_BWRAP,
	.provision = provision,
	.doctor = doctor,
};

SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void)
{
	return &plugin;
}
