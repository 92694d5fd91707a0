#ifndef SBX_CONFIG_H
#define SBX_CONFIG_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"
#include "project.h"
#include "sha256.h"
#include "strvec.h"
#include "trust.h"

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
 *   trust        { untrusted: "ignore" | "refuse" }   (your own configuration only)
 *
 * A project's files (the .sbx.json of the main checkout and of a linked
 * worktree) are written by whoever writes the project, a sandbox's agent
 * included: of what they say, only the keys marked SBX_CK_UNTRUSTED_OK
 * apply until you trust the file's exact content (`sbx trust`, lib/trust.h).
 * The rest is left out with one warning per file, or, with
 * trust.untrusted "refuse", the load fails with that line.
 */

enum sbx_layer {
	SBX_LAYER_DEFAULT,	/* built in */
	SBX_LAYER_USER,		/* $XDG_CONFIG_HOME/sbx/config.json */
	SBX_LAYER_REPO,		/* the main repository's .sbx.json */
	SBX_LAYER_WORKTREE,	/* the worktree's .sbx.json (linked worktrees only), then
				   the plugins `sbx setup` chose (sbx's own file) */
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
/*
 * Reads, parses (sbx_jsonc_parse) and merges a file; a missing file is fine
 * when missing_ok. For files only the host writes (yours, sbx's own): a
 * project's .sbx.json goes through sbx_project_files_read, which applies trust.
 */
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
 * repository's .sbx.json, the worktree's .sbx.json, the plugins setup chose,
 * SBX_* variables. Flags are merged afterwards by the command
 * (sbx_config_merge with SBX_LAYER_FLAG). Returns NULL after recording an
 * error. A project file that is not trusted gets its warning here (once per
 * file and process), or fails the load in "refuse" mode.
 */
struct sbx_config *sbx_config_load(const struct sbx_project *project);

enum {
	/*
	 * No warning and no refusal for a file that is not trusted (its keys
	 * that need trust are still left out): the caller shows them itself
	 * (`sbx config show`, `sbx trust`, `sbx doctor`, completion).
	 */
	SBX_CONFIG_QUIET_TRUST = 1 << 0,
};
struct sbx_config *sbx_config_load_flags(const struct sbx_project *project, unsigned flags);

/*
 * A project's .sbx.json, read once as a layer: never through a symbolic
 * link, never blocking on a FIFO, at most SBX_PROJECT_FILE_MAX bytes
 * (lib/safefile.h); hashed and parsed from the very bytes read.
 */
#define SBX_PROJECT_FILE_MAX (1 << 20)
struct sbx_project_file {
	char *path;			/* absolute, its directory resolved */
	enum sbx_layer layer;		/* SBX_LAYER_REPO or SBX_LAYER_WORKTREE */
	char hash[SBX_SHA256_HEX];	/* SHA-256 of the bytes read: what `sbx trust` records */
	cJSON *doc;			/* everything it says, validated */
	cJSON *allowed;			/* what of it applies without trust */
	cJSON *needs_trust;		/* the rest; NULL when it sets nothing that needs trust */
	struct sbx_strvec keys;		/* the keys in needs_trust ("mounts", "notify.sound") */
	int trust;			/* enum sbx_trust_state; meaningful with needs_trust */
};

/*
 * The project's files, lowest layer first: the main checkout's .sbx.json, a
 * linked worktree's own (trusted also when it is byte for byte the main
 * checkout's trusted file). Missing files are left out. 0, or -1 with a
 * message naming the file and the fix; free with sbx_project_files_free.
 */
int sbx_project_files_read(const struct sbx_project *p, struct sbx_project_file **files,
			   size_t *nr);
void sbx_project_files_free(struct sbx_project_file *files, size_t nr);
/*
 * One file by its path (`sbx trust FILE`): its directory is resolved, its
 * last component never followed. 0; 1 when it does not exist; -1 with a message.
 */
int sbx_project_file_read(struct sbx_project_file *f, const char *path);
/* The path a project file is known by (its directory resolved); NULL with a message. */
char *sbx_project_file_path(const char *path);
void sbx_project_file_release(struct sbx_project_file *f);

/*
 * The one line that says a file is not trusted and what of it is ignored,
 * or refused ("'/home/u/app/.sbx.json' is not trusted: ignoring mounts,
 * secrets (review it, then run 'sbx trust')"); the caller frees it.
 */
char *sbx_project_file_untrusted_line(const struct sbx_project_file *f, int refused);

/* The i-th project file whose keys needing trust were left out, or NULL past the last. */
const struct sbx_project_file *sbx_config_untrusted(const struct sbx_config *cfg, size_t i);

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
 * The values an untrusted project file set and that were left out follow,
 * marked "# FILE (not trusted: ignored)"; in JSON, an "ignored" object of
 * FILE: document.
 */
void sbx_config_show(const struct sbx_config *cfg, struct sbx_buf *out, int json);
/* The same lines for one document, each marked "# note" (`sbx trust`). */
void sbx_config_show_doc(const cJSON *doc, const char *note, struct sbx_buf *out);

/* Parses a size string ("8GiB", "512MiB", "100") into bytes; -1 when invalid. */
long long sbx_parse_size(const char *s);

#endif
