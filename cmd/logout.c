#include "cmd.h"
#include "agents.h"
#include "config.h"
#include "credentials.h"
#include "error.h"
#include "project.h"
#include "term.h"
#include "xalloc.h"

#include <stdlib.h>

static const struct sbx_option options[] = {
	{ "agent", 0, SBX_OPT_STRING, "A", "the agent (default: the configured one)" },
	{ NULL, 0, 0, NULL, NULL },
};

/* --agent, else the configured agent (outside a project: the user's configuration). */
static char *chosen_agent(struct sbx_ctx *ctx)
{
	const char *opt = sbx_opt_value(ctx, "agent");
	struct sbx_project project;
	struct sbx_config *cfg;
	char *name;

	if (opt)
		return sbx_strdup(opt);
	if (sbx_project_detect(&project, NULL)) {
		sbx_clear_error();
		return sbx_strdup("claude");
	}
	cfg = sbx_config_load(&project);
	name = sbx_strdup(cfg && sbx_config_string(cfg, "agent") ? sbx_config_string(cfg, "agent")
								 : "claude");
	sbx_config_free(cfg);
	sbx_project_release(&project);
	return name;
}

static int cmd_logout(int argc, char **argv, struct sbx_ctx *ctx)
{
	char *agent, *where;
	int ret;

	if (argc > 1)
		return sbx_usage_error(ctx, "unexpected argument '%s'", argv[1]);
	agent = chosen_agent(ctx);
	where = sbx_credentials_where(agent);
	ret = sbx_credentials_remove(agent);
	if (ret > 0)
		sbx_note("sbx logout: removed the credentials of '%s' from %s\n", agent, where);
	else if (!ret)
		sbx_note("sbx logout: no credentials of '%s' were stored\n", agent);
	free(where);
	free(agent);
	return ret < 0 ? sbx_fail(ctx, 1) : 0;
}

const struct sbx_cmd sbx_cmd_logout = {
	.name = "logout",
	.summary = "remove an agent's stored credentials",
	.usage = "sbx logout [--agent A]",
	.options = options,
	.exec = cmd_logout,
};
