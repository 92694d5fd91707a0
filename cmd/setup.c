#include "cmd.h"
#include "backend.h"
#include "config.h"
#include "error.h"
#include "plugin.h"
#include "session.h"
#include "spawn.h"
#include "term.h"
#include "xalloc.h"

#include <sbx/plugin.h>

#include <stdio.h>
#include <stdlib.h>

static const struct sbx_option options[] = {
	{ "backend", 0, SBX_OPT_STRING, "B", "lima or bwrap" },
	{ "node", 0, SBX_OPT_FLAG, NULL, "add the node plugin" },
	{ "docker", 0, SBX_OPT_FLAG, NULL, "add the docker plugin" },
	{ "chromium", 0, SBX_OPT_FLAG, NULL, "add the chromium plugin" },
	{ "gpg", 0, SBX_OPT_FLAG, NULL, "add the gpg plugin" },
	{ "python", 0, SBX_OPT_FLAG, NULL, "add the python plugin" },
	{ "all", 0, SBX_OPT_FLAG, NULL, "add every plugin" },
	{ "no-plugins", 0, SBX_OPT_FLAG, NULL, "forget the plugins an earlier setup chose" },
	{ "force", 0, SBX_OPT_FLAG, NULL, "rebuild even when the inputs are unchanged" },
	{ NULL, 0, 0, NULL, NULL },
};

/*
 * The plugin flags replace what an earlier setup chose for the template
 * (plugin.h: kept as a configuration file that later commands read). Each
 * is loaded and checked against the backend first, so that a bad choice is
 * refused before it is kept; --all takes the plugins the backend can have.
 * *path gets the file that keeps the choice, *old its earlier text (NULL:
 * none), which is put back when the setup fails.
 */
static int choose_plugins(struct sbx_ctx *ctx, struct sbx_strvec *wanted, char **path,
			  char **old)
{
	const char *flag = sbx_opt_value(ctx, "backend");
	const struct sbx_backend *b = flag ? sbx_backend_find(flag) : NULL;
	struct sbx_strvec keep = SBX_STRVEC_INIT;
	struct sbx_project project;
	struct sbx_config *cfg;
	int ret = -2;

	if (sbx_project_detect(&project, NULL))
		return -2;
	cfg = sbx_config_load(&project);
	if (flag && !b)
		sbx_error("unknown backend '%s': use lima or bwrap", flag);
	else if (cfg && !b && sbx_backend_choose(cfg, &b))
		ret = -1;
	for (size_t i = 0; cfg && b && i < wanted->nr; i++) {
		struct sbx_plugin_loaded *p;

		ret = sbx_plugin_load(wanted->v[i], &project, &p);
		if (ret)
			goto out;
		if (p->def->backends & sbx_plugin_backend_bit(b->name))
			sbx_strvec_push(&keep, wanted->v[i]);
		else if (sbx_opt_count(ctx, "all"))
			fprintf(stderr, "sbx setup: not %s: %s\n", wanted->v[i],
				p->def->refusal ? p->def->refusal : "it does not work with this backend");
		else
			ret = sbx_error("plugin %s does not work with the %s backend%s%s",
					wanted->v[i], b->name, p->def->refusal ? ": " : "",
					p->def->refusal ? p->def->refusal : "");
		if (ret)
			goto out;
	}
	if (cfg && b) {
		*path = sbx_plugins_setup_file(&project, cfg);
		*old = *path ? sbx_plugins_setup_read(*path) : NULL;
		ret = *path && !sbx_plugins_setup_save(&project, cfg, keep.nr ? &keep : NULL) ?
			0 : -1;
	}
out:
	sbx_strvec_clear(&keep);
	sbx_config_free(cfg);
	sbx_project_release(&project);
	return ret;
}

static int cmd_setup(int argc, char **argv, struct sbx_ctx *ctx)
{
	static const char *const plugins[] = { "node", "docker", "chromium", "gpg", "python", NULL };
	struct sbx_strvec wanted = SBX_STRVEC_INIT;
	struct sbx_session_opts o = { 0 };
	struct sbx_session s;
	char *path = NULL, *old = NULL;
	int ret;

	if (argc > 1)
		return sbx_usage_error(ctx, "unexpected argument '%s'", argv[1]);
	for (size_t i = 0; plugins[i]; i++)
		if (sbx_opt_count(ctx, "all") || sbx_opt_count(ctx, plugins[i]))
			sbx_strvec_push(&wanted, plugins[i]);
	if (wanted.nr && sbx_opt_count(ctx, "no-plugins")) {
		sbx_strvec_clear(&wanted);
		return sbx_usage_error(ctx, "--no-plugins and a plugin flag contradict each other");
	}
	ret = wanted.nr || sbx_opt_count(ctx, "no-plugins") ?
		choose_plugins(ctx, &wanted, &path, &old) : 0;
	sbx_strvec_clear(&wanted);
	if (ret) {
		free(path);
		free(old);
		return sbx_fail(ctx, ret == -2 ? 2 : 125);
	}
	o.command = "setup";
	o.backend = sbx_opt_value(ctx, "backend");
	o.verbose = sbx_verbosity() > 0;
	sbx_catch_signals();
	ret = sbx_session_prepare(&s, &o);
	if (!ret) {
		s.force = sbx_opt_count(ctx, "force") > 0;
		ret = s.backend->setup(&s) ? -1 : 0;
	}
	/* A template that could not be built leaves the earlier choice of plugins. */
	if (ret && path) {
		char *why = sbx_strdup(sbx_last_error());

		if (sbx_plugins_setup_restore(path, old))
			sbx_warn("%s", sbx_last_error());
		sbx_error("%s", why);
		free(why);
	}
	free(path);
	free(old);
	sbx_session_release(&s);
	if (ret)
		ret = sbx_fail(ctx, ret == -2 ? 2 : 125);
	if (sbx_pending_signal())
		sbx_reraise(sbx_pending_signal());
	return ret;
}

const struct sbx_cmd sbx_cmd_setup = {
	.name = "setup",
	.summary = "build the template the project's sandboxes are cloned from",
	.usage = "sbx setup [--backend B] [--node] [--docker] [--chromium] [--gpg] [--python] [--all] [--no-plugins] [--force]",
	.description = "Builds the project's template, or keeps it when its inputs are unchanged. "
		       "The plugin flags choose the template's plugins: the choice is kept for "
		       "the project (in $XDG_STATE_HOME/sbx/setup/TEMPLATE.json, read as "
		       "configuration after the project's .sbx.json), so every later run uses "
		       "the same template, until a setup with other plugin flags or with "
		       "--no-plugins. Plugins named in \"plugins\" of a configuration file are "
		       "added to them.",
	.options = options,
	.exec = cmd_setup,
};
