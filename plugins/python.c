/*
 * python: python3 with pip and venv, and uv where it can be had.
 * Lima: the distribution's python3, python3-pip, python3-venv and pipx; uv
 * from the distribution when it packages it, else `pipx install uv` for the
 * sandbox user (from PyPI). bwrap: the host's python3 (its /usr is shared);
 * the template build fails without it and notes what else is missing.
 */
#include <sbx/plugin.h>

#include <string.h>

static const char lima_system[] =
	"#!/bin/sh\n"
	"# sbx plugin python: python3, pip, venv and pipx from the distribution's packages\n"
	"set -eu\n"
	"export DEBIAN_FRONTEND=noninteractive\n"
	"apt-get update -q\n"
	"apt-get install -y -q --no-install-recommends python3 python3-pip python3-venv pipx\n"
	"# uv, where the distribution packages it\n"
	"if apt-cache show uv >/dev/null 2>&1; then\n"
	"\tapt-get install -y -q --no-install-recommends uv\n"
	"fi\n";

static const char lima_user[] =
	"#!/bin/sh\n"
	"# sbx plugin python: uv for the sandbox user, from PyPI, where the distribution has none\n"
	"set -eu\n"
	"if ! command -v uv >/dev/null 2>&1; then\n"
	"\tpipx install uv || echo \"sbx plugin python: uv could not be installed "
	"(pipx install uv failed); python3, pip and venv are there\" >&2\n"
	"fi\n";

static const char bwrap_user[] =
	"#!/bin/sh\n"
	"# sbx plugin python: the bwrap sandbox shares the host's /usr, which must hold python3\n"
	"set -eu\n"
	"if ! command -v python3 >/dev/null 2>&1; then\n"
	"\techo \"sbx plugin python: python3 is not installed on the host, whose "
	"/usr the bwrap sandbox shares (apt-get install python3 python3-pip python3-venv)\" >&2\n"
	"\texit 1\n"
	"fi\n"
	"if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then\n"
	"\techo \"sbx plugin python: the host's python3 lacks venv (apt-get "
	"install python3-venv)\" >&2\n"
	"fi\n"
	"if ! command -v uv >/dev/null 2>&1; then\n"
	"\techo \"sbx plugin python: no uv on the host; 'pip install --user uv' in "
	"the sandbox gets one\" >&2\n"
	"fi\n";

static int provision(struct sbx_plugin_ctx *ctx)
{
	if (!strcmp(sbx_plugin_backend(ctx), "lima"))
		return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_SYSTEM, lima_system) ||
		       sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_USER, lima_user) ? -1 : 0;
	return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_USER, bwrap_user);
}

/* Runs a program of the host's /usr (what the bwrap sandbox sees); its first line, or NULL. */
static char *host_version(struct sbx_plugin_ctx *ctx, const char *prog)
{
	const char *argv[] = { "env", "PATH=/usr/local/bin:/usr/bin:/bin", prog, "--version", NULL };
	char *out = NULL;

	if (sbx_plugin_run(ctx, argv, &out, NULL) != 0) {
		sbx_plugin_free(out);
		return NULL;
	}
	out[strcspn(out, "\n")] = '\0';
	return out;
}

static void doctor(struct sbx_plugin_ctx *ctx)
{
	char *py, *uv;

	if (strcmp(sbx_plugin_backend(ctx), "bwrap")) {
		sbx_plugin_report(ctx, SBX_PLUGIN_OK, "installed in the template (python3, pip, venv, "
				  "uv)", NULL);
		return;
	}
	py = host_version(ctx, "python3");
	if (py)
		sbx_plugin_report(ctx, SBX_PLUGIN_OK, py, NULL);
	else
		sbx_plugin_report(ctx, SBX_PLUGIN_FAIL, "python3 is not in the host's /usr, which "
				  "the bwrap sandbox shares",
				  "apt-get install python3 python3-pip python3-venv");
	uv = py ? host_version(ctx, "uv") : NULL;
	if (py && !uv)
		sbx_plugin_report(ctx, SBX_PLUGIN_WARN, "no uv in the host's /usr",
				  "'pip install --user uv' inside the sandbox");
	else if (uv)
		sbx_plugin_report(ctx, SBX_PLUGIN_OK, uv, NULL);
	sbx_plugin_free(py);
	sbx_plugin_free(uv);
}

static const struct sbx_plugin plugin = {
	.abi = SBX_PLUGIN_ABI,
	.name = "python",
	.summary = "python3, pip and venv from the distribution's packages, and uv where "
		   "available (bwrap: the host's)",
	.backends = SBX_PLUGIN_LIMA | SBX_PLUGIN_BWRAP,
	.provision = provision,
	.doctor = doctor,
};

SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void)
{
	return &plugin;
}
