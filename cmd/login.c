#include "cmd.h"
#include "accounts.h"
#include "session.h"
#include "spawn.h"
#include "term.h"

#include <string.h>

static const struct sbx_option options[] = {
	{ "agent", 0, SBX_OPT_STRING, "A", "the agent (default: the configured one)" },
	{ "backend", 0, SBX_OPT_STRING, "B", "lima or bwrap" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_login(int argc, char **argv, struct sbx_ctx *ctx)
{
	struct sbx_session s;
	struct sbx_session_opts o = { 0 };
	int ret, sig;

	o.command = "login";
	o.agent = sbx_opt_value(ctx, "agent");
	o.backend = sbx_opt_value(ctx, "backend");
	o.verbose = sbx_verbosity() > 0;
	argv++;
	argc--;
	if (argc && !strcmp(argv[0], "--")) {
		argv++;
		argc--;
	}
	/* From here a signal is remembered, so the sandbox and the login's files go. */
	sbx_catch_signals();
	ret = sbx_session_prepare(&s, &o);
	if (!ret)
		ret = sbx_login(&s, argv, argc);
	else
		ret = ret == -2 ? -2 : -1;
	sbx_session_release(&s);
	if (ret < 0)
		ret = sbx_fail(ctx, ret == -2 ? 2 : 125);
	else if (ret > 0 && !sbx_pending_signal())
		ret = sbx_fail(ctx, ret);	/* the flow's own exit code, and why */
	sig = sbx_pending_signal();
	if (sig)
		sbx_reraise(sig);
	return ret;
}

const struct sbx_cmd sbx_cmd_login = {
	.name = "login",
	.summary = "log an agent in once and keep its credentials for every sandbox",
	.usage = "sbx login [--agent A] [--backend B] [-- ARGS...]",
	.description = "Runs the agent's own login flow (claude setup-token, codex login) in a\n"
		"fresh sandbox on the terminal, then keeps the credentials it left in sbx's\n"
		"store on the host; every later session gets them in memory only.\n"
		"ARGS go to the login flow.",
	.options = options,
	.exec = cmd_login,
	.flags = SBX_CMD_STOP_AT_NONOPT,
};
