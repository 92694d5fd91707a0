#ifndef SBX_PLUGIN_CTX_H
#define SBX_PLUGIN_CTX_H

/* The context behind the ABI's opaque struct sbx_plugin_ctx; shared by plugin-*.c only. */
#include "backend.h"
#include "plugin.h"
#include "strvec.h"

struct sbx_session;

enum sbx_plugin_step {
	SBX_STEP_PROVISION,
	SBX_STEP_PREPARE,
	SBX_STEP_SANDBOX,
	SBX_STEP_DOCTOR,
};

struct sbx_plugin_ctx {
	const struct sbx_plugin_loaded *plugin;
	enum sbx_plugin_step step;
	const char *backend;
	const char *project_dir;
	/* provision: where SYSTEM and USER scripts go */
	struct sbx_strvec *scripts;
	/* prepare, sandbox */
	struct sbx_session *session;
	const char *guest_dir;		/* the plugins' files, inside */
	struct sbx_strvec *session_scripts;	/* their paths inside, in order */
	int nr_files;
	/* doctor */
	sbx_report_fn report;
	/* what sbx_plugin_error (or a failing call) recorded */
	char *error;
};

/*
 * Runs one step of one plugin (a missing callback is success). A failure is
 * recorded as "plugin NAME: message" and returns -1.
 */
int sbx_plugin_step(struct sbx_plugin_ctx *ctx, enum sbx_plugin_step step);

/* The host directory of the plugin's files for this session, made on first use. */
char *sbx_plugin_files_dir(struct sbx_plugin_ctx *ctx);

#endif
