#ifndef SBX_PLUGIN_INTERNAL_H
#define SBX_PLUGIN_INTERNAL_H

/*
 * sbx's side of the plugin ABI (include/sbx/plugin.h): finding and loading
 * plugins, running their steps, and handing what they add to the backends.
 *
 *   plugin-path.c     the search path and the checks on its directories
 *   plugin-load.c     dlopen, the checks on each plugin, the loaded set
 *   plugin-api.c      the functions plugins call (exported by the executable)
 *   plugin-steps.c    the enabled set: loaded, checked, provisioned; template scripts
 *   plugin-session.c  a session's additions
 *   plugin-lima.c     what the Lima backend makes of them (lima.yaml)
 *   plugin-doctor.c   their lines in `sbx doctor`
 *   plugin-list.c     every plugin of the path, for `sbx plugins ls`
 *   plugin-setup.c    the plugins `sbx setup --node ...` chose, remembered
 */

#include <cjson/cJSON.h>

#include "backend.h"
#include "buf.h"
#include "project.h"
#include "strvec.h"

struct sbx_config;
struct sbx_session;
struct sbx_plugin;

/* ------------------------------------------------------------ the search path */

/* One directory of the plugin path, in order; `why` says where it came from. */
struct sbx_plugin_dir {
	char *path;
	const char *why;	/* "SBX_PLUGIN_PATH", "XDG_DATA_HOME", "beside sbx", "libdir" */
};

/* The directories, de-duplicated; -1 with a message when SBX_PLUGIN_PATH is bad. */
int sbx_plugin_path(struct sbx_plugin_dir **dirs, size_t *nr);
void sbx_plugin_path_free(struct sbx_plugin_dir *dirs, size_t nr);
/*
 * Is the directory safe to load code from: owned by us or root, not writable
 * by group or others, outside the project? 1 when it does not exist, 0 when
 * safe, -1 with a message naming it and the fix.
 */
int sbx_plugin_dir_check(const char *dir, const struct sbx_project *project);

/* ---------------------------------------------------------------- loading */

struct sbx_plugin_loaded {
	char *path;
	void *handle;
	const struct sbx_plugin *def;
	/* Template scripts per backend, computed once: [backend][mode]. */
	struct sbx_strvec scripts[2][2];
	unsigned provisioned;	/* bit per backend */
};

/*
 * Finds NAME.so along the path and loads it, once per process. Errors name
 * the file: not found (with the directories searched), not a shared object
 * or a dependency missing (with ldd advice), no entry point, a wrong ABI
 * (both versions), a name that is not the file's, a name another plugin
 * has, an unsafe directory. Returns 0; -2 when no such plugin exists; -1.
 */
int sbx_plugin_load(const char *name, const struct sbx_project *project,
		    struct sbx_plugin_loaded **out);
/* Loads the file at path (for `sbx plugins ls`), with the same checks. */
int sbx_plugin_load_file(const char *path, struct sbx_plugin_loaded **out);

/* The plugins the configuration enables, in order, without repeats (borrowed names). */
void sbx_plugins_enabled(const struct sbx_config *cfg, struct sbx_strvec *names);
/* Is name among them? */
int sbx_plugin_is_enabled(const struct sbx_config *cfg, const char *name);

/* The backend's bit, or 0 for an unknown name. */
unsigned sbx_plugin_backend_bit(const char *backend);
/* "lima,bwrap" for a mask. */
void sbx_plugin_backends_text(unsigned mask, struct sbx_buf *out);

/*
 * Loads every enabled plugin, checks that each works with backend and runs
 * its provision step for it, so that nothing fails later. Returns 0, -2 for
 * an unknown plugin, -1 otherwise.
 */
int sbx_plugins_load(const struct sbx_config *cfg, const struct sbx_project *project,
		     const char *backend);

/*
 * Runs the plugin's provision step for backend once, keeping its scripts in
 * p->scripts (the plugin must support backend).
 */
int sbx_plugin_provision(struct sbx_plugin_loaded *p, const char *backend,
			 const char *project_dir);

/*
 * `sbx plugins ls`: appends one object per plugin file found along the path
 * (name, path, abi, summary, backends, enabled, status "ok", and its template
 * scripts per backend), per broken file or unsafe directory (status "error"
 * with the message), per file hidden by an earlier one of its name (status
 * "shadowed"), and per enabled plugin found nowhere (status "missing").
 * Returns the number of errors among them, or -1.
 */
int sbx_plugins_list(const struct sbx_config *cfg, const struct sbx_project *project,
		     cJSON *out);

/* ---------------------------------------------------------------- template */

/* Calls fn for each enabled plugin's template script of mode, in order. */
typedef int (*sbx_plugin_script_fn)(void *data, const char *plugin, const char *script);
int sbx_plugins_template_scripts(const struct sbx_config *cfg, const char *backend, int mode,
				 sbx_plugin_script_fn fn, void *data);
/* What of the plugins makes a template: their names, ABI and scripts (for its hash). */
int sbx_plugins_template_input(const struct sbx_config *cfg, const char *backend,
			       struct sbx_buf *in);

/* ---------------------------------------------------------------- sessions */

/* A socket or port forward a plugin asked for (Lima turns them into portForwards). */
struct sbx_plugin_forward {
	char *host_socket, *guest_socket;	/* or NULL for a port */
	int guest_port, host_port;
};

/* What the plugins added to one session, beyond its mounts, env and scripts. */
struct sbx_plugin_session {
	char *dir;		/* the host directory of the plugins' files */
	unsigned keep_dir : 1;	/* a persistent sandbox's: reused, not removed */
	struct sbx_plugin_forward *forwards;
	size_t nr_forwards, alloc_forwards;
};

/*
 * Loads the enabled plugins (sbx_plugins_load) and, for a session that runs
 * something (not setup), runs their prepare and sandbox steps and adds what
 * they ask for to s: mounts, environment, scripts first in s->scripts,
 * forwards in s->plugins. Returns 0, -2 (unknown plugin) or -1.
 */
int sbx_plugins_session(struct sbx_session *s, const char *command);
/* Removes the session's plugin files (unless kept) and frees it. */
void sbx_plugin_session_free(struct sbx_plugin_session *ps);

/* --------------------------------------------------------------- backends */

/* Appends the plugins' template scripts to a lima.yaml's provision list. */
int sbx_plugins_lima_template(const struct sbx_config *cfg, cJSON *yaml);
/* Adds `--set .portForwards = [...]` to a `limactl clone` for the session's forwards. */
void sbx_plugins_lima_clone(const struct sbx_session *s, struct sbx_strvec *args);

/* `sbx doctor`: each enabled plugin, loaded and checked, and its own checks. */
void sbx_plugins_doctor(const struct sbx_config *cfg, const struct sbx_project *project,
			sbx_report_fn report);

/* ------------------------------------------------------------------ setup */

/*
 * The plugins `sbx setup --node ...` chose for a template, kept in
 * $XDG_STATE_HOME/sbx/setup/TEMPLATE.json as a configuration file
 * ({"plugins": [...]}), which sbx_config_load merges after the project's.
 * names NULL (or empty) forgets the choice.
 */
char *sbx_plugins_setup_file(const struct sbx_project *project, const struct sbx_config *cfg);
int sbx_plugins_setup_save(const struct sbx_project *project, const struct sbx_config *cfg,
			   const struct sbx_strvec *names);
/*
 * The choice as it is now (the file's text, or NULL when there is none), and
 * putting it back: a setup that fails leaves the earlier choice in place.
 */
char *sbx_plugins_setup_read(const char *path);
int sbx_plugins_setup_restore(const char *path, const char *text);

#endif
