#include "cmd.h"
#include "backend.h"
#include "session.h"
#include "spawn.h"

static const struct sbx_option options[] = {
	{ "backend", 0, SBX_OPT_STRING, "B", "lima or bwrap" },
	{ "node", 0, SBX_OPT_FLAG, NULL, "add the node plugin" },
	{ "docker", 0, SBX_OPT_FLAG, NULL, "add the docker plugin" },
	{ "chromium", 0, SBX_OPT_FLAG, NULL, "add the chromium plugin" },
	{ "gpg", 0, SBX_OPT_FLAG, NULL, "add the gpg plugin" },
	{ "python", 0, SBX_OPT_FLAG, NULL, "add the python plugin" },
	{ "all", 0, SBX_OPT_FLAG, NULL, "add every plugin" },
	{ "force", 0, SBX_OPT_FLAG, NULL, "rebuild even when the inputs are unchanged" },
	{ "verbose", 'v', SBX_OPT_FLAG, NULL, "stream the backend's log" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cmd_setup(int argc, char **argv, struct sbx_ctx *ctx)
{
	static const char *const plugins[] = { "node", "docker", "chromium", "gpg", "python", NULL };
	struct sbx_strvec wanted = SBX_STRVEC_INIT;
	struct sbx_session_opts o = { 0 };
	struct sbx_session s;
	int ret;

	if (argc > 1)
		return sbx_usage_error(ctx, "unexpected argument '%s'", argv[1]);
	for (size_t i = 0; plugins[i]; i++)
		if (sbx_opt_count(ctx, "all") || sbx_opt_count(ctx, plugins[i]))
			sbx_strvec_push(&wanted, plugins[i]);
	o.command = "setup";
	o.backend = sbx_opt_value(ctx, "backend");
	o.verbose = sbx_opt_count(ctx, "verbose");
	o.plugins = &wanted;
	sbx_catch_signals();
	ret = sbx_session_prepare(&s, &o);
	sbx_strvec_clear(&wanted);
	if (ret) {
		sbx_session_release(&s);
		return sbx_fail(ctx, ret == -2 ? 2 : 125);
	}
	s.force = sbx_opt_count(ctx, "force") > 0;
	ret = s.backend->setup(&s);
	sbx_session_release(&s);
	if (ret < 0)
		ret = sbx_fail(ctx, 125);
	if (sbx_pending_signal())
		sbx_reraise(sbx_pending_signal());
	return ret;
}

const struct sbx_cmd sbx_cmd_setup = {
	.name = "setup",
	.summary = "build the template the project's sandboxes are cloned from",
	.usage = "sbx setup [--backend B] [--node] [--docker] [--chromium] [--gpg] [--python] [--all] [--force] [--verbose]",
	.options = options,
	.exec = cmd_setup,
};
