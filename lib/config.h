#ifndef SBX_CONFIG_H
#define SBX_CONFIG_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"
#include "project.h"

/*
 * The configuration: JSON with comments, in layers, lowest first.
 * Arrays accumulate (each layer's elements appended after the lower ones'),
 * objects used as maps (env, secrets, agents, personal) merge per key, and
 * scalars override; an array still holding its built-in default (notify.events)
 * is replaced by the first layer that sets it. Every layer is validated against
 * one schema before it is merged; the first bad value is refused with the
 * layer's source, the key path, what was found and what was expected:
 *
 *   /home/u/app/.sbx.json: mounts[2].writable: found string "yes", expected true or false
 *   /home/u/app/.sbx.json: unknown key 'netwrok' (did you mean 'network'?)
 *   SBX_CPUS: cpus: found "lots", expected a whole number from 1 to 256
 *
 * Keys (all optional; see sbx.json(5) and `sbx config show`):
 *   backend      "lima" | "bwrap"   (no default: lima where limactl is found, else an error)
 *   agent        agent name                                 (default "claude")
 *   persistent   bool                                       (default false)
 *   tmux         bool                                       (default false)
 *   cpus         integer 1..256                             (default 4)
 *   memory, disk size string: a number with an optional KiB/MiB/GiB/TiB unit ("8GiB")
 *   vmType       "vz" | "qemu";  mountType "reverse-sshfs" | "9p" | "virtiofs"
 *   image        Lima base template, e.g. "template:debian-12"
 *   mounts       [ { location: abs or ~/ path (required), mountPoint: abs path,
 *                    writable: bool } ]
 *   env          { NAME: string }        envPass [ NAME ]
 *   secrets      { NAME: { command: string } | { env: NAME } | { file: path } }  (exactly one)
 *   agents       { NAME: { command: string, args: [string], npm: string } }
 *   scripts      [ path ]                (runtime scripts; relative to the project)
 *   plugins      [ name ]
 *   network      { mode: "host" | "none", egress: "open" | "allowlist", allow: [host] }
 *   ssh          { forwardAgent: bool }
 *   notify       { enabled: bool, events: [event name], sound: string }
 *   worktree     { path: string with {repo} and {branch}; relative to the main checkout }
 *   template     { name: string }        (one template shared across projects)
 *   warmPool     integer 0..8
 *   personal     { AGENT: [ relative path in the agent's config dir ] }
 */

enum sbx_layer {
	SBX_LAYER_DEFAULT,	/* built in */
	SBX_LAYER_USER,		/* $XDG_CONFIG_HOME/sbx/config.json */
	SBX_LAYER_REPO,		/* the main repository's .sbx.json */
	SBX_LAYER_WORKTREE,	/* the worktree's .sbx.json (linked worktrees only) */
	SBX_LAYER_ENV,		/* SBX_* variables */
	SBX_LAYER_FLAG,		/* command-line flags */
	SBX_NR_LAYERS
};

struct sbx_config;

/* A configuration holding only the built-in defaults. */
struct sbx_config *sbx_config_new(void);
void sbx_config_free(struct sbx_config *cfg);

/*
 * Validates doc and merges it as a layer. source names it in messages and in
 * `config show` (a file's path, "SBX_CPUS", "--mount").
 */
int sbx_config_merge(struct sbx_config *cfg, enum sbx_layer layer, const char *source,
		     const cJSON *doc);
/* Reads, parses (sbx_jsonc_parse) and merges a file; a missing file is fine when missing_ok. */
int sbx_config_merge_file(struct sbx_config *cfg, enum sbx_layer layer, const char *path,
			  int missing_ok);
/*
 * Merges the SBX_* variables of envp (scalars only: SBX_CPUS, SBX_NETWORK_MODE, ...).
 * Each is a layer of its own named after the variable; an empty one is unset;
 * SBX_* variables that are no key (SBX_PLUGIN_PATH) are not this module's.
 */
int sbx_config_merge_env(struct sbx_config *cfg, char *const *envp);
/* The i-th file merged (oldest first), or NULL past the last; borrowed. */
const char *sbx_config_file(const struct sbx_config *cfg, size_t i);

/*
 * The standard stack for a project: defaults, the user's file, the main
 * repository's .sbx.json, the worktree's .sbx.json, SBX_* variables.
 * Flags are merged afterwards by the command (sbx_config_merge with
 * SBX_LAYER_FLAG). Returns NULL after recording an error.
 */
struct sbx_config *sbx_config_load(const struct sbx_project *project);

/* Validates a document without merging it (`sbx config validate FILE`). */
int sbx_config_validate(const cJSON *doc, const char *source);

/* The merged value at a dotted path ("network.mode", "mounts", "env.FOO"); borrowed. */
const cJSON *sbx_config_get(const struct sbx_config *cfg, const char *path);
const char *sbx_config_string(const struct sbx_config *cfg, const char *path);
int sbx_config_bool(const struct sbx_config *cfg, const char *path);
long sbx_config_int(const struct sbx_config *cfg, const char *path);
/* The whole merged document; borrowed. */
const cJSON *sbx_config_json(const struct sbx_config *cfg);

/*
 * Where a value came from: the source of the layer that set it ("default",
 * a file's path, "SBX_CPUS", "--keep"). For array elements the path has an
 * index ("mounts[1]"), for map entries a dotted key ("env.FOO").
 */
const char *sbx_config_origin(const struct sbx_config *cfg, const char *path);

/*
 * `sbx config show`: one line per value, "path = json-value  # source";
 * with json set, the merged document with a parallel "origins" object.
 */
void sbx_config_show(const struct sbx_config *cfg, struct sbx_buf *out, int json);

/* Parses a size string ("8GiB", "512MiB", "100") into bytes; -1 when invalid. */
long long sbx_parse_size(const char *s);

#endif
