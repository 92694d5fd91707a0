/*
 * docker: Docker Engine and the compose plugin in the template, from Docker's
 * own install script (get.docker.com, as Lima's docker templates do), with
 * the sandbox user in the docker group. Lima only: in a bwrap sandbox Docker
 * would mean the host's daemon socket, and whoever can talk to it is root on
 * the host.
 */
#include <sbx/plugin.h>

static const char lima_system[] =
	"#!/bin/sh\n"
	"# sbx plugin docker: Docker Engine and compose; the user in the docker group\n"
	"set -eu\n"
	"export DEBIAN_FRONTEND=noninteractive\n"
	"if ! command -v docker >/dev/null 2>&1; then\n"
	"\tapt-get update -q\n"
	"\tapt-get install -y -q --no-install-recommends ca-certificates curl\n"
	"\tscript=$(mktemp)\n"
	"\tcurl -fsSL https://get.docker.com -o \"$script\"\n"
	"\tsh \"$script\"\n"
	"\trm -f \"$script\"\n"
	"fi\n"
	"systemctl enable --now docker\n"
	"# Lima fills in {{.User}}: the sandbox user\n"
	"usermod -aG docker \"{{.User}}\"\n"
	"docker compose version\n";

static int provision(struct sbx_plugin_ctx *ctx)
{
	return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_SYSTEM, lima_system);
}

static void doctor(struct sbx_plugin_ctx *ctx)
{
	sbx_plugin_report(ctx, SBX_PLUGIN_OK, "Docker Engine and compose are installed in the "
			  "template", NULL);
}

static const struct sbx_plugin plugin = {
	.abi = SBX_PLUGIN_ABI,
	.name = "docker",
	.summary = "Docker Engine and compose in the template (Docker's get.docker.com), the "
		   "user in the docker group; Lima only",
	.backends = SBX_PLUGIN_LIMA,
	.refusal = "a bwrap sandbox would need the host's Docker socket, and whoever can use it "
		   "is root on the host: a way out of the sandbox; use the lima backend",
	.provision = provision,
	.doctor = doctor,
};

SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void)
{
	return &plugin;
}
