/* What `sbx run` and `sbx shell` share: a session from the flags, run by its backend. */
#include "cmd.h"
#include "backend.h"
#include "error.h"
#include "gitrisk.h"
#include "notify.h"
#include "session.h"
#include "spawn.h"
#include "term.h"
#include "tty.h"

#include <string.h>

int sbx_run_session(struct sbx_ctx *ctx, int argc, char **argv, const char *command)
{
	struct sbx_session s;
	struct sbx_session_opts o = { 0 };
	struct sbx_tty tty;
	int ret, sig;

	o.command = command;
	o.agent = !strcmp(command, "run") ? sbx_opt_value(ctx, "agent") : NULL;
	o.backend = sbx_opt_value(ctx, "backend");
	o.keep = sbx_opt_count(ctx, "keep");
	o.forward_agent = sbx_opt_count(ctx, "forward-agent");
	o.tmux = !strcmp(command, "run") && sbx_opt_count(ctx, "tmux");
	o.mounts = sbx_opt_list(ctx, "mount");
	o.env = sbx_opt_list(ctx, "env");
	o.verbose = sbx_verbosity() > 0;
	o.args = argv + 1;
	o.nr_args = argc - 1;
	if (o.nr_args && !strcmp(o.args[0], "--")) {
		o.args++;
		o.nr_args--;
	}
	/* From here a signal is remembered, so the session can remove what it made. */
	sbx_catch_signals();
	ret = sbx_session_prepare(&s, &o);
	if (ret) {
		sbx_session_release(&s);
		return sbx_fail(ctx, ret == -2 ? 2 : 125);
	}
	/* What no bind protects: host git config that runs files of the project. */
	sbx_git_risks_warn_once(&s.project);
	/* One connect when the server runs; started (and waited for) when it does not. */
	sbx_notify_session_start(&s);
	/* The agent has the terminal: give it back as it was, whatever it left. */
	sbx_tty_save(&tty);
	ret = s.backend->run(&s);
	sbx_tty_restore(&tty);
	sbx_session_release(&s);
	if (ret < 0)
		ret = sbx_fail(ctx, 125);
	sig = sbx_pending_signal();
	if (sig)
		sbx_reraise(sig);
	return ret;
}
