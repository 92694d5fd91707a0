/* The Lima backend (lima.h): the template, its lima.yaml and the hash it was built from. */
#include "lima.h"
#include "accounts.h"
#include "config.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "names.h"
#include "notify.h"
#include "paths.h"
#include "plugin.h"
#include "quote.h"
#include "safefile.h"
#include "session.h"
#include "term.h"
#include "xalloc.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------- the template */

static int is_source_dir(const char *dir)
{
	char *mk = sbx_path_join(dir, "Makefile"), *lib = sbx_path_join(dir, "lib/session.c");
	int ok = !access(mk, R_OK) && !access(lib, R_OK);

	free(mk);
	free(lib);
	return ok;
}

/*
 * sbx's own source, which the template builds sbx from so that `sbx hook`
 * runs inside: $SBX_SOURCE_DIR, else the tree sbx was built in, else the
 * copy `make install` puts in the data directory.
 */
static char *source_dir(void)
{
	const char *env = getenv("SBX_SOURCE_DIR");
	static const char *const built_in[] = {
#ifdef SBX_SRCDIR
		SBX_SRCDIR,
#endif
		SBX_DISTDIR "/src", NULL
	};

	if (env && *env) {
		if (*env == '/' && is_source_dir(env))
			return sbx_strdup(env);
		sbx_error("SBX_SOURCE_DIR='%s' is not an absolute path to sbx's source (a directory "
			  "with its Makefile and lib/)", env);
		return NULL;
	}
	for (size_t i = 0; built_in[i]; i++)
		if (is_source_dir(built_in[i]))
			return sbx_strdup(built_in[i]);
	sbx_error("cannot find sbx's source, which the template builds sbx from: set "
		  "SBX_SOURCE_DIR to a checkout of sbx");
	return NULL;
}

/* The npm packages of the configured agent and of every agent the configuration defines. */
static void agent_packages(const struct sbx_config *cfg, struct sbx_strvec *pkgs)
{
	const char *name = sbx_config_string(cfg, "agent");
	const cJSON *agents = sbx_config_get(cfg, "agents");
	struct sbx_agent a;

	if (!sbx_agent_resolve(&a, name && *name ? name : "claude", cfg)) {
		if (a.npm && *a.npm)
			sbx_strvec_push(pkgs, a.npm);
		sbx_agent_release(&a);
	} else {
		sbx_clear_error();
	}
	for (const cJSON *e = agents ? agents->child : NULL; e; e = e->next) {
		const char *npm = sbx_json_get_string(e, "npm");
		int seen = 0;

		for (size_t i = 0; npm && i < pkgs->nr; i++)
			seen |= !strcmp(pkgs->v[i], npm);
		if (npm && *npm && !seen)
			sbx_strvec_push(pkgs, npm);
	}
}

static void add_provision(cJSON *list, const char *script)
{
	cJSON *p = sbx_json_append(list, sbx_json_new_object());

	sbx_json_add_string(p, "mode", "system");
	sbx_json_add_string(p, "script", script);
}

static void add_provisioning(cJSON *yaml, const struct sbx_config *cfg)
{
	cJSON *list = sbx_json_add_item(yaml, "provision", sbx_json_new_array());
	struct sbx_strvec pkgs = SBX_STRVEC_INIT;
	struct sbx_buf npm = SBX_BUF_INIT;

	add_provision(list,
		"#!/bin/sh\n"
		"set -eu\n"
		"export DEBIAN_FRONTEND=noninteractive\n"
		"apt-get update -q\n"
		"apt-get install -y -q --no-install-recommends git curl ca-certificates nodejs npm "
		"build-essential pkg-config libgit2-dev libcjson-dev nettle-dev tmux\n");
	agent_packages(cfg, &pkgs);
	if (pkgs.nr) {
		sbx_buf_adds(&npm, "#!/bin/sh\nset -eu\nnpm install -g --no-fund --no-audit ");
		sbx_sq_quote_argv(&npm, (const char *const *)pkgs.v);
		sbx_buf_addch(&npm, '\n');
		add_provision(list, npm.buf);
	}
	/*
	 * Provisioning can run before Lima has mounted the source (reverse-sshfs
	 * mounts come up after ssh does): wait for it. Build outside the
	 * read-only mount, without the host's build trees.
	 */
	add_provision(list,
		"#!/bin/sh\n"
		"set -eu\n"
		"src=" SOURCE_MOUNT "\n"
		"i=0\n"
		"while [ ! -f \"$src/Makefile\" ]; do\n"
		"\ti=$((i + 1))\n"
		"\t[ \"$i\" -le 300 ] || { echo \"sbx: $src is not mounted\" >&2; exit 1; }\n"
		"\tsleep 1\n"
		"done\n"
		"build=$(mktemp -d)\n"
		"tar -C \"$src\" --exclude=./.git --exclude='./build*' -cf - . | tar -C \"$build\" -xf -\n"
		"make -C \"$build\" -j\"$(nproc)\" PREFIX=/usr/local install\n"
		"rm -rf \"$build\"\n");
	sbx_buf_release(&npm);
	sbx_strvec_clear(&pkgs);
}

/* A Lima template ("template:debian-12", a .yaml) is inherited; anything else is an image. */
static void add_image(cJSON *yaml, const char *image)
{
	size_t len = strlen(image);

	if (!strncmp(image, "template:", 9) || (len > 5 && !strcmp(image + len - 5, ".yaml")) ||
	    (len > 4 && !strcmp(image + len - 4, ".yml"))) {
		sbx_json_append(sbx_json_add_item(yaml, "base", sbx_json_new_array()),
				sbx_json_new_string(image));
	} else {
		cJSON *img = sbx_json_append(sbx_json_add_item(yaml, "images", sbx_json_new_array()),
					     sbx_json_new_object());

		sbx_json_add_string(img, "location", image);
	}
}

/*
 * The template's lima.yaml, as JSON (which is YAML). Only the configuration's
 * VM settings and the agents' package names go in: never an env value.
 * The inherited mounts are replaced (the default template mounts the whole
 * home); the only mount is sbx's source, for the build, removed afterwards.
 */
static cJSON *template_yaml(const struct sbx_config *cfg, const char *srcdir)
{
	static const char *const settings[] = { "vmType", "mountType", "cpus", "memory", "disk", NULL };
	cJSON *yaml = sbx_json_new_object(), *obj;
	const char *image = sbx_config_string(cfg, "image");

	add_image(yaml, image && *image ? image : DEFAULT_IMAGE);
	for (size_t i = 0; settings[i]; i++) {
		const cJSON *v = sbx_config_get(cfg, settings[i]);

		if (v && !cJSON_IsNull(v))
			sbx_json_add_item(yaml, settings[i], sbx_json_dup(v));
	}
	obj = sbx_json_append(sbx_json_add_item(yaml, "mounts", sbx_json_new_array()),
			      sbx_json_new_object());
	sbx_json_add_string(obj, "location", srcdir);
	sbx_json_add_string(obj, "mountPoint", SOURCE_MOUNT);
	sbx_json_add_bool(obj, "writable", 0);
	obj = sbx_json_add_item(yaml, "containerd", sbx_json_new_object());
	sbx_json_add_bool(obj, "system", 0);
	sbx_json_add_bool(obj, "user", 0);
	obj = sbx_json_add_item(yaml, "ssh", sbx_json_new_object());
	sbx_json_add_bool(obj, "forwardAgent", 0);
	sbx_json_add_bool(obj, "loadDotSSHPubKeys", 0);
	add_provisioning(yaml, cfg);
	sbx_notify_lima_provision(cfg, cJSON_GetObjectItemCaseSensitive(yaml, "provision"));
	sbx_agent_state_lima_provision(cJSON_GetObjectItemCaseSensitive(yaml, "provision"));
	return yaml;
}

void sbx_lima_spec_release(struct template_spec *t)
{
	free(t->name);
	free(t->yaml);
	free(t->hash);
	memset(t, 0, sizeof(*t));
}

int sbx_lima_spec_init(struct template_spec *t, const struct sbx_project *project,
		       const struct sbx_config *cfg)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *src = source_dir();
	cJSON *yaml;

	memset(t, 0, sizeof(*t));
	if (!src)
		return -1;
	t->name = sbx_template_name(project, sbx_config_string(cfg, "template.name"));
	yaml = template_yaml(cfg, src);
	/* The plugins' provisioning is in the yaml, and so in the hash. */
	if (sbx_plugins_lima_template(cfg, yaml)) {
		cJSON_Delete(yaml);
		free(src);
		sbx_lima_spec_release(t);
		return -1;
	}
	/* Last of the system scripts: the network rules, installed for each session's boot. */
	sbx_lima_net_provision(cJSON_GetObjectItemCaseSensitive(yaml, "provision"));
	sbx_json_print(&b, yaml, 1);
	t->yaml = sbx_strdup(b.buf);
	sbx_buf_adds(&b, SBX_VERSION);
	t->hash = sbx_hash_hex(b.buf, b.len, 16);
	cJSON_Delete(yaml);
	sbx_buf_release(&b);
	free(src);
	return 0;
}

/* The hash templates/NAME.json holds, or NULL. */
char *sbx_lima_built_hash(const char *name)
{
	char *path = sbx_lima_state_file("templates", name, ".json");
	cJSON *state = NULL;
	char *hash = NULL;

	if (path && !access(path, F_OK) && !sbx_jsonc_read_file(path, &state) &&
	    sbx_json_get_string(state, "hash"))
		hash = sbx_strdup(sbx_json_get_string(state, "hash"));
	sbx_clear_error();
	cJSON_Delete(state);
	free(path);
	return hash;
}

/* 1 when the template was built from these inputs and still exists; 0 if not; -1 on error. */
int sbx_lima_template_fresh(const struct template_spec *t)
{
	char *hash = sbx_lima_built_hash(t->name);
	cJSON *inst = NULL;
	int ret = 0;

	if (hash && !strcmp(hash, t->hash))
		ret = sbx_lima_find(t->name, &inst);
	cJSON_Delete(inst);
	free(hash);
	return ret;
}

static int save_state(const struct template_spec *t, const struct sbx_project *project)
{
	char *path = sbx_lima_state_file("templates", t->name, ".json");
	cJSON *state = sbx_json_new_object();
	int ret = -1;

	sbx_json_add_string(state, "name", t->name);
	sbx_json_add_string(state, "hash", t->hash);
	sbx_json_add_string(state, "project", project->main_dir ? project->main_dir : project->dir);
	sbx_json_add_string(state, "sbxVersion", SBX_VERSION);
	sbx_json_add_number(state, "created", (double)time(NULL));
	if (path)
		ret = sbx_json_write_file(path, state, 0600, 1);
	cJSON_Delete(state);
	free(path);
	return ret;
}

void sbx_lima_forget_template(const char *name)
{
	char *path = sbx_lima_state_file("templates", name, ".json");

	if (path)
		unlink(path);
	free(path);
	sbx_clear_error();
}

/*
 * Lima will not delete an instance directory whose lima.yaml cannot be read
 * (it could be a clone in progress) and asks for it to be removed by hand;
 * a clone that failed half-way leaves exactly that. For a VM of sbx's own
 * that nobody else uses (this run's, or an orphan's) sbx does it, and only
 * to the directory Lima names for that instance.
 */
static int remove_half_made(const struct call *c, const char *name)
{
	const char *p = strstr(c->err.buf, "directory `"), *end;
	char *dir;
	const char *base;
	struct stat st;
	int ret = -1;

	if (!p || !sbx_lima_call_said(c, "could not be read"))
		return -1;
	p += strlen("directory `");
	end = strchr(p, '`');
	if (!end)
		return -1;
	dir = sbx_strndup(p, (size_t)(end - p));
	base = strrchr(dir, '/');
	if (base && !strcmp(base + 1, name) && !lstat(dir, &st) && S_ISDIR(st.st_mode))
		ret = sbx_safe_remove_tree(dir);
	free(dir);
	return ret;
}

/*
 * Deletes an instance (running or not), its failure recorded; for cleaning
 * up after a failure or a signal. own: it is sbx's and nobody uses it.
 */
int sbx_lima_delete(const char *name, int own)
{
	struct call c;
	int ret;

	sbx_lima_call_init(&c, name, "delete", "-f", name, NULL);
	ret = sbx_lima_call_run(&c) ? -1 : 0;
	if (ret && own && !remove_half_made(&c, name))
		ret = 0;
	else if (ret)
		sbx_lima_call_fail(&c, "cannot delete '%s'", name);
	sbx_lima_call_release(&c);
	return ret;
}

/* One step of a build, shown as "[i/n] what". */
static int build_step(struct call *c, int i, int n, const char *what, const char *name,
		      int verbose)
{
	struct progress p;
	int ret;

	sbx_lima_progress_begin(&p, 0, verbose, "[%d/%d] %s", i, n, what);
	c->progress = &p;
	c->verbose = verbose;
	ret = sbx_lima_call_must(c, "cannot build the template '%s': step %d/%d (%s)", name, i, n,
				 c->step);
	sbx_lima_progress_end(&p, !ret);
	sbx_lima_call_release(c);
	return ret;
}

/*
 * Builds the template: create (from templates/NAME.yaml), start (the first
 * boot runs provisioning), stop, and edit away provisioning and the source
 * mount so that clones neither provision again nor see the source. Anything
 * that fails deletes the half-built template.
 */
static int build_template(const struct template_spec *t, const struct sbx_project *project,
			  int verbose)
{
	char *yaml_path = sbx_lima_state_file("templates", t->name, ".yaml");
	char *log = sbx_lima_state_file("logs", t->name, ".log");
	struct timespec t0;
	struct call c;
	cJSON *old = NULL;
	int ret = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!yaml_path || !log || sbx_write_file(yaml_path, t->yaml, strlen(t->yaml), 0600))
		goto out;
	sbx_lima_forget_template(t->name);
	unlink(log);
	sbx_note("sbx: building the template %s (log: %s)\n", t->name, log);
	ret = sbx_lima_find(t->name, &old);
	cJSON_Delete(old);
	if (ret > 0)
		ret = sbx_lima_delete(t->name, 1);
	if (ret < 0)
		goto out;
	sbx_lima_call_init(&c, t->name, "create", "--name", t->name, yaml_path, NULL);
	ret = build_step(&c, 1, 4, "create the VM", t->name, verbose);
	if (!ret && !sbx_lima_interrupted()) {
		sbx_lima_call_init(&c, t->name, "start", "--timeout", SETUP_TIMEOUT, t->name, NULL);
		ret = build_step(&c, 2, 4, "first boot: install packages, agents and sbx",
				 t->name, verbose);
	}
	if (!ret && !sbx_lima_interrupted()) {
		sbx_lima_call_init(&c, t->name, "stop", t->name, NULL);
		ret = build_step(&c, 3, 4, "stop", t->name, verbose);
	}
	if (!ret && !sbx_lima_interrupted()) {
		sbx_lima_call_init(&c, t->name, "edit", t->name, "--set", ".provision = []",
				   "--set", ".mounts = []", NULL);
		ret = build_step(&c, 4, 4, "drop provisioning and the source mount", t->name,
				 verbose);
	}
	if (!ret && sbx_lima_interrupted())
		ret = -1;
	if (!ret)
		ret = save_state(t, project);
	if (ret) {
		char *why = sbx_strdup(sbx_last_error());

		/* A half-built template must not be cloned: it goes, and the first error stays. */
		if (sbx_lima_delete(t->name, 1))
			sbx_warn("%s", sbx_last_error());
		sbx_lima_forget_template(t->name);
		sbx_error("%s", why);
		free(why);
		goto out;
	}
	sbx_note("sbx: the template %s is ready (%.0fs)\n", t->name, sbx_lima_elapsed(&t0));
out:
	free(yaml_path);
	free(log);
	return ret ? -1 : 0;
}

/*
 * Makes sure the template exists and matches its inputs, building it when
 * not (or always, with force). With lockfd the caller keeps a shared lock
 * until it has cloned the template, so that no `sbx setup --force` deletes
 * it under the clone; concurrent runs wait for one build instead of eight.
 */
int sbx_lima_ensure_template(const struct template_spec *t, const struct sbx_project *project,
			     int force, int quiet, int verbose, int *lockfd)
{
	int fd = sbx_lima_lock_open(t->name, LOCK_SH), fresh;

	if (fd < 0)
		return -1;
	fresh = force ? 0 : sbx_lima_template_fresh(t);
	if (!fresh) {
		/* Only one builds; the others find it fresh once they get the lock. */
		if (sbx_lima_relock(fd, LOCK_EX, t->name))
			goto fail;
		fresh = force ? 0 : sbx_lima_template_fresh(t);
		if (!fresh && build_template(t, project, verbose))
			goto fail;
		if (sbx_lima_relock(fd, LOCK_SH, t->name))
			goto fail;
	} else if (fresh < 0) {
		goto fail;
	} else if (!quiet) {
		sbx_note("sbx: the template %s is up to date\n", t->name);
	}
	if (lockfd)
		*lockfd = fd;
	else
		close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

int sbx_lima_setup(struct sbx_session *s)
{
	struct template_spec t;
	int ret;

	if (sbx_lima_check_version(NULL) || sbx_lima_spec_init(&t, &s->project, s->cfg))
		return -1;
	ret = sbx_lima_ensure_template(&t, &s->project, s->force, 0, s->verbose, NULL);
	sbx_lima_spec_release(&t);
	return ret;
}
