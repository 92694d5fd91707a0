/*
 * A session's plugins: their prepare and sandbox steps, on the host, before
 * anything starts; what they add goes into the session (mounts, environment,
 * scripts) or into its sbx_plugin_session (forwards, for Lima).
 *
 * The plugins' files and session scripts live in one host directory per
 * session, $XDG_STATE_HOME/sbx/plugins/run-PID (a persistent sandbox's is
 * named after it and reused: a Lima VM keeps the mounts it was cloned with),
 * mounted read-only inside: at the same path on Lima, at /run/sbx/plugins on
 * bwrap.
 */
#include "plugin-ctx.h"
#include "config.h"
#include "error.h"
#include "fsutil.h"
#include "names.h"
#include "paths.h"
#include "safefile.h"
#include "session.h"
#include "xalloc.h"

#include <sbx/plugin.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BWRAP_GUEST_DIR "/run/sbx/plugins"

char *sbx_plugin_files_dir(struct sbx_plugin_ctx *ctx)
{
	char *dir = sbx_path_join(ctx->session->plugins->dir, ctx->plugin->def->name);

	if (sbx_mkdir_p(dir, 0755)) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Removes the run-PID directories of sessions whose sbx is gone. */
static void reap(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *end, *path;
		long pid;

		if (strncmp(e->d_name, "run-", 4))
			continue;
		pid = strtol(e->d_name + 4, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid() ||
		    !(kill((pid_t)pid, 0) && errno == ESRCH))
			continue;
		path = sbx_path_join(base, e->d_name);
		if (sbx_safe_remove_tree(path))
			sbx_clear_error();
		free(path);
	}
	if (d)
		closedir(d);
}

static char *session_dir(const struct sbx_session *s, int *keep)
{
	char *state = sbx_state_dir(), *base, *name, *dir;

	if (!state)
		return NULL;
	base = sbx_asprintf("%s/plugins", state);
	free(state);
	reap(base);
	*keep = s->persistent;
	name = s->persistent ? sbx_persistent_name(&s->project) :
			       sbx_asprintf("run-%ld", (long)getpid());
	dir = sbx_path_join(base, name);
	free(name);
	free(base);
	/* What an earlier run of a persistent sandbox left is stale. */
	if (sbx_safe_remove_tree(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

static int run_steps(struct sbx_session *s, const struct sbx_strvec *names,
		     struct sbx_strvec *scripts, int *nr_files)
{
	const char *backend = s->backend->name;
	const char *guest = !strcmp(backend, "bwrap") ? BWRAP_GUEST_DIR : s->plugins->dir;

	for (int step = SBX_STEP_PREPARE; step <= SBX_STEP_SANDBOX; step++) {
		for (size_t i = 0; i < names->nr; i++) {
			struct sbx_plugin_ctx ctx;
			struct sbx_plugin_loaded *p;
			int ret;

			if (sbx_plugin_load(names->v[i], &s->project, &p))
				return -1;
			memset(&ctx, 0, sizeof(ctx));
			ctx.plugin = p;
			ctx.backend = backend;
			ctx.project_dir = s->project.dir;
			ctx.session = s;
			ctx.guest_dir = guest;
			ctx.session_scripts = scripts;
			ret = sbx_plugin_step(&ctx, step);
			*nr_files += ctx.nr_files;
			if (ret)
				return -1;
		}
	}
	return 0;
}

int sbx_plugins_session(struct sbx_session *s, const char *command)
{
	struct sbx_strvec names = SBX_STRVEC_INIT, scripts = SBX_STRVEC_INIT;
	int ret, nr_files = 0, keep = 0;

	ret = sbx_plugins_load(s->cfg, &s->project, s->backend->name);
	sbx_plugins_enabled(s->cfg, &names);
	if (ret || !names.nr || !strcmp(command, "setup"))
		goto out;
	s->plugins = sbx_calloc(1, sizeof(*s->plugins));
	s->plugins->dir = session_dir(s, &keep);
	s->plugins->keep_dir = keep;
	ret = s->plugins->dir ? run_steps(s, &names, &scripts, &nr_files) : -1;
	if (ret || !nr_files)
		goto out;
	sbx_session_add_mount(s, s->plugins->dir, !strcmp(s->backend->name, "bwrap") ?
			      BWRAP_GUEST_DIR : s->plugins->dir, 0);
	/* The plugins' session scripts run first: a project's runtime script may rely on them. */
	sbx_strvec_pushv(&scripts, (const char *const *)s->scripts.v);
	sbx_strvec_clear(&s->scripts);
	s->scripts = scripts;
	sbx_strvec_init(&scripts);
out:
	sbx_strvec_clear(&scripts);
	sbx_strvec_clear(&names);
	return ret;
}

void sbx_plugin_session_free(struct sbx_plugin_session *ps)
{
	if (!ps)
		return;
	if (ps->dir && !ps->keep_dir && sbx_safe_remove_tree(ps->dir))
		sbx_warn("%s", sbx_last_error());
	for (size_t i = 0; i < ps->nr_forwards; i++) {
		free(ps->forwards[i].host_socket);
		free(ps->forwards[i].guest_socket);
	}
	free(ps->forwards);
	free(ps->dir);
	free(ps);
}
