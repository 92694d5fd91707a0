#ifndef SBX_SESSION_H
#define SBX_SESSION_H

#include "agents.h"
#include "buf.h"
#include "net-policy.h"
#include "project.h"
#include "strvec.h"

struct sbx_config;
struct sbx_backend;
struct sbx_plugin_session;
struct sbx_gitdir;

/* A mount: host path, where it appears inside ("~/" = the sandbox home), rw or not. */
struct sbx_mount {
	char *host;
	char *guest;
	unsigned writable : 1;
};

/*
 * A file the environment script writes into the sandbox home before the
 * command runs (lib/home-files.c), by its path in the home.
 */
enum sbx_home_file_kind {
	SBX_HOME_FILE,		/* written, writable by the agent */
	SBX_HOME_READONLY,	/* written, then made read-only (a personal file's copy) */
	SBX_HOME_SEAL,		/* an earlier written directory made read-only; no data */
	SBX_HOME_REMOVE,	/* removed first (an old copy); no data */
	SBX_HOME_SECRET,	/* in tmpfs, linked from the home, removed when the command ends */
	SBX_HOME_SCRIPT,	/* data is shell text run at that point (no value pasted in it) */
};

struct sbx_home_file {
	char *path;
	char *data;
	size_t len;
	enum sbx_home_file_kind kind;
};

/* What `sbx run` / `sbx shell` / `sbx setup` were asked, before configuration. */
struct sbx_session_opts {
	const char *command;		/* "run", "shell", "setup", "login" */
	const char *agent;		/* --agent, or NULL */
	const char *backend;		/* --backend, or NULL */
	int keep;			/* --keep */
	int forward_agent;		/* -A */
	int tmux;			/* --tmux */
	int verbose;
	const struct sbx_strvec *mounts;	/* --mount SPEC... */
	const struct sbx_strvec *env;		/* --env K=V... */
	const struct sbx_strvec *plugins;	/* setup's --node ... */
	char **args;			/* the agent's arguments / the shell command */
	int nr_args;
};

/*
 * Everything a backend needs to start one sandbox, resolved on the host:
 * the project, the merged configuration, the agent, the mounts, the
 * environment (values that may be secret: they only ever travel through the
 * environment file, never argv, lima.yaml or disk) and the command.
 */
struct sbx_session {
	struct sbx_project project;
	struct sbx_config *cfg;
	const struct sbx_backend *backend;
	struct sbx_agent agent;
	struct sbx_mount *mounts;
	size_t nr_mounts, alloc_mounts;
	struct sbx_strvec env;		/* NAME=value */
	/*
	 * NAME=value that are not secret (SBX_PROJECT, ...): they may travel
	 * in a process's environment or argv, which costs less than the
	 * environment file (bwrap: bwrap's environment; Lima: see
	 * sbx_session_wrap_public_env).
	 */
	struct sbx_strvec public_env;
	struct sbx_strvec scripts;	/* runtime scripts, absolute paths */
	/* Files for the home, written by the environment script: they may be secret too. */
	struct sbx_home_file *files;
	size_t nr_files, alloc_files;
	struct sbx_strvec command;	/* what runs inside: argv */
	const char *command_name;	/* "run", "shell", ... for messages */
	struct sbx_plugin_session *plugins;	/* what plugins added beyond the above (plugin.h) */
	/* The private git directory the backend built for the run (gitdir.h), or NULL. */
	struct sbx_gitdir *gitdir;
	/* The directory of the session's notification socket, once registered (notify.h), or NULL. */
	char *notify_dir;
	/* The network's mode and what the proxy lets through (net-policy.h). */
	struct sbx_net_policy net;
	unsigned persistent : 1;
	unsigned forward_ssh_agent : 1;
	unsigned tmux : 1;
	unsigned verbose : 1;
	unsigned force : 1;
	unsigned notify_off : 1;	/* notifications failed to start: no socket, no warning again */
};

/*
 * Detects the project, loads the configuration with the flags on top, resolves
 * the rest. Returns 0; -2 for what the user can fix in the configuration or
 * the command line (exit 2); -1 for anything else (exit 125).
 */
int sbx_session_prepare(struct sbx_session *s, const struct sbx_session_opts *opts);
void sbx_session_release(struct sbx_session *s);

/* Sets NAME=value in s->env (replacing an earlier value); NAME must be a variable name. */
int sbx_session_setenv(struct sbx_session *s, const char *name, const char *value);
/* The same in s->public_env, for values that are not secret. */
int sbx_session_setenv_public(struct sbx_session *s, const char *name, const char *value);
/*
 * Makes s->command set s->public_env itself: `sh -c 'export ...; exec "$@"'
 * sbx-env NAME=value... -- COMMAND...` (the values are arguments, never
 * pasted into the script). For backends with no cheaper way.
 */
void sbx_session_wrap_public_env(struct sbx_session *s);
/* The value of NAME in the session's environment, or NULL; borrowed. */
const char *sbx_session_getenv(const struct sbx_session *s, const char *name);
/* A mount (a later one of the same target replaces it). */
void sbx_session_add_mount(struct sbx_session *s, const char *host, const char *guest,
			   int writable);

/*
 * Parses a docker-style mount "HOST[:GUEST][:ro|:rw]" into a configuration
 * mount object {location, mountPoint, writable}. HOST must be absolute or
 * start with "~/"; mounts given on the command line are writable unless :ro.
 */
int sbx_parse_mount_spec(const char *spec, struct sbx_mount *out);

/* Adds a file for the home (kind: see sbx_home_file); data is copied. */
void sbx_session_add_file(struct sbx_session *s, const char *path, const void *data, size_t len,
			  enum sbx_home_file_kind kind);
/* Is there an environment script to hand over (variables or files)? */
int sbx_session_has_env_script(const struct sbx_session *s);

/*
 * The environment as a shell script the launcher sources: one
 * `export NAME='value'` per line, each value quoted with sbx_sq_quote; then
 * the files (sbx_home_files_script).
 */
void sbx_session_env_script(const struct sbx_session *s, struct sbx_buf *out);
/* lib/home-files.c: the part of the environment script that writes s->files. */
void sbx_home_files_script(const struct sbx_session *s, struct sbx_buf *out);
void sbx_home_files_release(struct sbx_session *s);

/*
 * The launcher that runs inside a sandbox, in the same shell: it sources
 * the environment file (and removes it), then each runtime script with
 * `set -e` (a failing one stops everything with exit 125 and a message naming
 * it), then execs the command, or prints MISSING and exits 127 when there is
 * no such command (for the agent: how to install it). It is a constant: every
 * value reaches it as a positional argument, never pasted into shell text.
 * argv: sh -c LAUNCHER sbx ENVFILE|"" MISSING N SCRIPT1..SCRIPTN COMMAND...
 */
extern const char sbx_launcher[];
/* Appends that argv for s (envfile "" when there is no environment). */
void sbx_session_launcher_argv(const struct sbx_session *s, const char *envfile,
			       struct sbx_strvec *argv);

#endif
