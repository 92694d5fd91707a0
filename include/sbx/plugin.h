/*
 * sbx plugin ABI: the only header a plugin sees.
 *
 * A plugin is a shared object (NAME.so) in the plugin path: $SBX_PLUGIN_PATH
 * (colon-separated), then $XDG_DATA_HOME/sbx/plugins, then sbx's libdir
 * (PREFIX/lib/sbx/plugins). It exports ONE symbol, sbx_plugin_entry, which
 * returns ONE constant struct sbx_plugin whose first field is the ABI version
 * it was built for. sbx refuses a plugin whose version is not SBX_PLUGIN_ABI,
 * whose name is not its file's name, or whose name another loaded plugin has.
 *
 * Build it as sbx's own plugins are built:
 *   cc -std=c17 -fPIC -fvisibility=hidden -shared -o NAME.so NAME.c   (Linux)
 *   cc -std=c17 -fvisibility=hidden -bundle -undefined dynamic_lookup -o NAME.so NAME.c   (macOS)
 * and reach sbx only through the functions declared here, which the sbx
 * executable exports; anything else of sbx is no interface.
 *
 * What a plugin can do, each step optional:
 *   provision  scripts that build the template: SYSTEM ones run as root at the
 *              template's first boot (Lima only: on bwrap the host's /usr is
 *              read-only); USER ones as the sandbox user in its home (Lima: at
 *              first boot; bwrap: in a sandbox over the template home). Their
 *              text is part of the template's hash: changing a script, or
 *              enabling or disabling a plugin, rebuilds the template. They
 *              must depend on nothing but the backend.
 *   prepare    per session, on the host, before the sandbox starts: run host
 *              programs, write files for the sandbox.
 *   sandbox    per session: mounts, sockets forwarded from the host, ports,
 *              environment, SESSION scripts (run in the sandbox before the
 *              agent, after the environment is set).
 *   doctor     lines for `sbx doctor`.
 * Every callback returns 0, or -1 after sbx_plugin_error(); a failure stops
 * sbx before anything starts, with the plugin's message.
 */
#ifndef SBX_PLUGIN_H
#define SBX_PLUGIN_H

#include <stddef.h>

#define SBX_PLUGIN_ABI 1

/* The entry point's name, for dlsym. */
#define SBX_PLUGIN_ENTRY "sbx_plugin_entry"

#if defined(__GNUC__) || defined(__clang__)
#define SBX_PLUGIN_EXPORT __attribute__((visibility("default")))
#define SBX_PLUGIN_FORMAT(f, a) __attribute__((format(printf, f, a)))
#else
#define SBX_PLUGIN_EXPORT
#define SBX_PLUGIN_FORMAT(f, a)
#endif

/* The backends a plugin works with (struct sbx_plugin.backends). */
#define SBX_PLUGIN_LIMA  (1u << 0)
#define SBX_PLUGIN_BWRAP (1u << 1)

enum sbx_plugin_script {
	SBX_PLUGIN_SCRIPT_SYSTEM,	/* template, as root (Lima) */
	SBX_PLUGIN_SCRIPT_USER,		/* template, as the sandbox user */
	SBX_PLUGIN_SCRIPT_SESSION,	/* every session, before the agent */
};

enum sbx_plugin_check { SBX_PLUGIN_OK, SBX_PLUGIN_WARN, SBX_PLUGIN_FAIL };

/* What sbx hands each callback; opaque. */
struct sbx_plugin_ctx;

struct sbx_plugin {
	int abi;			/* SBX_PLUGIN_ABI: always first */
	const char *name;		/* [a-z0-9_-]+, the file's name without .so */
	const char *summary;		/* one line: what it adds and where from */
	unsigned backends;		/* SBX_PLUGIN_LIMA | SBX_PLUGIN_BWRAP */
	/* Why the backends it lacks are refused (shown in the error), or NULL. */
	const char *refusal;
	int (*provision)(struct sbx_plugin_ctx *ctx);
	int (*prepare)(struct sbx_plugin_ctx *ctx);
	int (*sandbox)(struct sbx_plugin_ctx *ctx);
	void (*doctor)(struct sbx_plugin_ctx *ctx);
};

/* The one symbol a plugin exports; it defines it. */
SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void);

/* ---- every step ---- */

/* "lima" or "bwrap". */
const char *sbx_plugin_backend(const struct sbx_plugin_ctx *ctx);
/*
 * The project's root (mounted read-write at the same path inside); NULL when
 * there is none (a provision step must not depend on it anyway).
 */
const char *sbx_plugin_project_dir(const struct sbx_plugin_ctx *ctx);
/* Records why the step failed (one line, lowercase, no full stop); returns -1. */
int sbx_plugin_error(struct sbx_plugin_ctx *ctx, const char *fmt, ...) SBX_PLUGIN_FORMAT(2, 3);
/* "sbx: warning: NAME: ..." on stderr; the work goes on. */
void sbx_plugin_warn(struct sbx_plugin_ctx *ctx, const char *fmt, ...) SBX_PLUGIN_FORMAT(2, 3);

/* ---- provision (SYSTEM, USER) and sandbox (SESSION) ---- */

/*
 * A POSIX sh script. SESSION scripts run in the sandbox's launcher shell, in
 * a subshell of their own, with SBX_PLUGIN_DIR naming the directory that
 * holds the plugin's files (sbx_plugin_add_file); a failing one stops the
 * session before the agent starts.
 */
int sbx_plugin_add_script(struct sbx_plugin_ctx *ctx, enum sbx_plugin_script mode,
			  const char *text);

/* ---- prepare and sandbox ---- */

/*
 * Runs a host program (argv[0] looked up on PATH) with sbx's environment.
 * With out, its stdout is returned in *out (NUL-terminated; *len bytes when
 * len is not NULL; free it with sbx_plugin_free); without, it is discarded.
 * Its stderr is shown only when it fails. Returns its exit code (128+N when
 * killed by signal N), or -1 when it could not be started (message recorded).
 */
int sbx_plugin_run(struct sbx_plugin_ctx *ctx, const char *const argv[], char **out,
		   size_t *len);
void sbx_plugin_free(void *p);
/*
 * A file for the sandbox, read-only inside at "$SBX_PLUGIN_DIR/NAME". It is
 * written to the host's disk for the session: never a secret.
 */
int sbx_plugin_add_file(struct sbx_plugin_ctx *ctx, const char *name, const void *data,
			size_t len);
/* A host path at guest ("~/..." is the sandbox home); read-only unless writable. */
int sbx_plugin_add_mount(struct sbx_plugin_ctx *ctx, const char *host, const char *guest,
			 int writable);
/*
 * A unix socket of the host made to appear at guest inside the sandbox
 * (Lima: a reverse portForward; bwrap: a bind mount). guest: absolute or "~/...".
 */
int sbx_plugin_forward_socket(struct sbx_plugin_ctx *ctx, const char *host, const char *guest);
/*
 * A TCP port of the guest reachable at host_port on the host's loopback
 * (Lima; on bwrap only with network.mode "host", where the sandbox shares
 * the host's network and the port is there already: in every other mode sbx
 * says in one line that it is not forwarded, and goes on).
 */
int sbx_plugin_forward_port(struct sbx_plugin_ctx *ctx, int guest_port, int host_port);
/* An environment variable inside the sandbox. */
int sbx_plugin_setenv(struct sbx_plugin_ctx *ctx, const char *name, const char *value);

/* ---- doctor ---- */

/* One line of `sbx doctor` for this plugin; fix may be NULL. */
void sbx_plugin_report(struct sbx_plugin_ctx *ctx, enum sbx_plugin_check level,
		       const char *detail, const char *fix);

#endif
