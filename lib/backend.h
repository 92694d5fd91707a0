#ifndef SBX_BACKEND_H
#define SBX_BACKEND_H

#include <cjson/cJSON.h>

#include "buf.h"

struct sbx_session;
struct sbx_config;

/* One line of `sbx doctor`. */
enum sbx_check { SBX_CHECK_OK, SBX_CHECK_WARN, SBX_CHECK_FAIL };
typedef void (*sbx_report_fn)(enum sbx_check level, const char *what, const char *detail,
			      const char *fix);

/*
 * A backend: one way of making sandboxes (Lima VMs, bubblewrap namespaces).
 * Commands only talk to this interface; every function returns a negative
 * value after recording a message, except run, whose result is the exit code.
 */
struct sbx_backend {
	const char *name;
	/* Is it usable here? On success info gets its version; on failure why not. */
	int (*probe)(struct sbx_buf *info);
	/* Builds (or, when unchanged and not s->force, keeps) the project's template. */
	int (*setup)(struct sbx_session *s);
	/*
	 * Runs s->command in a sandbox (ephemeral, or the persistent one) and
	 * cleans up. Returns the command's exit code, or -1 with a message when
	 * sbx failed before the command started (the caller exits 125).
	 */
	int (*run)(struct sbx_session *s);
	/* Appends one object per sandbox and template: name, backend, kind, project, status, owner. */
	int (*list)(cJSON *out);
	int (*stop)(const char *name);
	int (*remove)(const char *name, int force);
	/* Removes what no live session owns; appends the names to removed (also on dry_run). */
	int (*prune)(int dry_run, cJSON *removed);
	/* Adds its lines to `sbx doctor`. */
	void (*doctor)(const struct sbx_config *cfg, sbx_report_fn report);
	/*
	 * Attaches the terminal to the agent a run keeps in tmux (tmux.h), by the
	 * run's name or its sandbox's. Returns the agent's exit code when it ends
	 * while attached, 0 when detached again, -1 with a message.
	 */
	int (*attach)(const char *name);
};

extern const struct sbx_backend sbx_backend_lima;
extern const struct sbx_backend sbx_backend_bwrap;
/* Both, in the order `sbx ls` and `sbx doctor` visit them; NULL-terminated. */
extern const struct sbx_backend *const sbx_backends[];

const struct sbx_backend *sbx_backend_find(const char *name);
/*
 * The configured backend; with none configured, lima where limactl is found.
 * Never falls back to bwrap silently: without Lima and without a choice it
 * fails naming both ways forward.
 */
int sbx_backend_choose(const struct sbx_config *cfg, const struct sbx_backend **out);

/* Is prog found on PATH? */
int sbx_which(const char *prog);

#endif
