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

/*
 * The npm packages of the configured agent and of every agent the
 * configuration defines; cmds (if not NULL) gets the commands they install.
 */
static void agent_packages(const struct sbx_config *cfg, struct sbx_strvec *pkgs,
			   struct sbx_strvec *cmds)
{
	const char *name = sbx_config_string(cfg, "agent");
	const cJSON *agents = sbx_config_get(cfg, "agents");
	struct sbx_agent a;

	if (!sbx_agent_resolve(&a, name && *name ? name : "claude", cfg)) {
		if (a.npm && *a.npm) {
			sbx_strvec_push(pkgs, a.npm);
			if (cmds && a.command)
				sbx_strvec_push(cmds, a.command);
		}
		sbx_agent_release(&a);
	} else {
		sbx_clear_error();
	}
	for (const cJSON *e = agents ? agents->child : NULL; e; e = e->next) {
		const char *npm = sbx_json_get_string(e, "npm");
		const char *cmd = sbx_json_get_string(e, "command");
		int seen = 0;

		for (size_t i = 0; npm && i < pkgs->nr; i++)
			seen |= !strcmp(pkgs->v[i], npm);
		if (npm && *npm && !seen) {
			sbx_strvec_push(pkgs, npm);
			if (cmds)
				sbx_strvec_push(cmds, cmd && *cmd ? cmd : e->string);
		}
	}
}

static void add_provision(cJSON *list, const char *mode, const char *step, const char *script)
{
	cJSON *p = sbx_json_append(list, sbx_json_new_object());

	sbx_json_add_string(p, "mode", mode);
	sbx_json_add_string(p, "script", script);
	sbx_json_add_string(p, "sbxStep", step);
}

static void add_provisioning(cJSON *yaml, const struct sbx_config *cfg)
{
	cJSON *list = sbx_json_add_item(yaml, "provision", sbx_json_new_array());
	struct sbx_strvec pkgs = SBX_STRVEC_INIT;
	struct sbx_buf npm = SBX_BUF_INIT;

	add_provision(list, "system", "the base packages",
		"#!/bin/sh\n"
		"set -eu\n"
		"export DEBIAN_FRONTEND=noninteractive\n"
		"apt-get update -q\n"
		"apt-get install -y -q --no-install-recommends git curl ca-certificates nodejs npm "
		"build-essential pkg-config libgit2-dev libcjson-dev nettle-dev tmux\n");
	agent_packages(cfg, &pkgs, NULL);
	if (pkgs.nr) {
		sbx_buf_adds(&npm, "#!/bin/sh\nset -eu\nnpm install -g --no-fund --no-audit ");
		sbx_sq_quote_argv(&npm, (const char *const *)pkgs.v);
		sbx_buf_addch(&npm, '\n');
		add_provision(list, "system", "the agents' npm packages", npm.buf);
	}
	/*
	 * Provisioning can run before Lima has mounted the source (reverse-sshfs
	 * mounts come up after ssh does): wait for it. Build outside the
	 * read-only mount, without the host's build trees.
	 */
	add_provision(list, "system", "sbx, built from its source",
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

/*
 * The last step, as the sandbox user: what every session needs is there
 * (a step can exit 0 and still not install what it should).
 */
static void add_tools_check(cJSON *list, const struct sbx_config *cfg)
{
	struct sbx_strvec pkgs = SBX_STRVEC_INIT, cmds = SBX_STRVEC_INIT;
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_strvec_pushv(&cmds, (const char *[]){ "sbx", "tmux", "git", NULL });
	agent_packages(cfg, &pkgs, &cmds);
	sbx_buf_adds(&b, "#!/bin/sh\nfor c in ");
	sbx_sq_quote_argv(&b, (const char *const *)cmds.v);
	sbx_buf_adds(&b, "; do\n"
		"\tcommand -v \"$c\" >/dev/null || { echo \"sbx: '$c' is not installed\" >&2; exit 1; }\n"
		"done\n");
	add_provision(list, "user", "the check that sbx, tmux, git and the agents are installed", b.buf);
	sbx_buf_release(&b);
	sbx_strvec_clear(&cmds);
	sbx_strvec_clear(&pkgs);
}

/* Where a failed step leaves "STEP CODE" and its last lines, in the guest home. */
#define FAILED_MARK ".sbx-provision-failed."
/* Left by the last step's wrapper, whatever its outcome: the first boot got to the end. */
#define RAN_MARK ".sbx-provision-ran"
#define STEP_TAIL 40

/*
 * Lima runs every provisioning script and only logs a failure (boot.sh:
 * `WARNING "Failed to execute $f"`, and `limactl start` succeeds): each
 * script runs inside a wrapper that, when it fails, leaves its number, its
 * exit code and its last lines in the guest home, which check_provisioning
 * reads after the first boot. Scripts are POSIX sh (plugin.h); the key
 * "sbxStep" (the step's name for messages) is taken out here.
 */
static void wrap_steps(cJSON *provision, struct sbx_strvec *steps)
{
	int n = cJSON_GetArraySize(provision), i = 0;

	for (cJSON *p = provision ? provision->child : NULL; p; p = p->next, i++) {
		const char *mode = sbx_json_get_string(p, "mode");
		const char *script = sbx_json_get_string(p, "script");
		const char *step = sbx_json_get_string(p, "sbxStep");
		struct sbx_buf w = SBX_BUF_INIT;
		char *label = step ? sbx_strdup(step) :
			sbx_asprintf("%s script %d", mode ? mode : "a", i + 1);

		sbx_strvec_push(steps, label);
		if (script) {
			sbx_buf_addf(&w, "#!/bin/sh\n# sbx: template step %d/%d (%s)\n"
				     "out=$(mktemp) st=$(mktemp)\n"
				     "{ /bin/sh -c ", i + 1, n, label);
			sbx_sq_quote(&w, script);
			/* Lima fills in {{.Home}}: the user's home, also when this runs as root. */
			sbx_buf_addf(&w, " sbx-step 2>&1; echo $? >\"$st\"; } | tee \"$out\"\n"
				     "code=$(cat \"$st\")\n"
				     "if [ \"$code\" != 0 ]; then\n"
				     "\tf=\"{{.Home}}/" FAILED_MARK "%d\"\n"
				     "\t{ echo \"%d $code\"; tail -n %d \"$out\"; } >\"$f\"\n"
				     "fi\n"
				     "rm -f \"$out\" \"$st\"\n"
				     "%s"
				     "exit \"$code\"\n", i + 1, i + 1, STEP_TAIL,
				     i + 1 == n ? ": >\"{{.Home}}/" RAN_MARK "\"\n" : "");
			cJSON_ReplaceItemInObjectCaseSensitive(p, "script", sbx_json_new_string(w.buf));
		}
		cJSON_DeleteItemFromObjectCaseSensitive(p, "sbxStep");
		sbx_buf_release(&w);
		free(label);
	}
}

/*
 * A readiness probe: Lima's start fails (degraded) unless the first boot got
 * to the last step or some step failed (which check_provisioning names). A
 * boot that never ran the steps (provisioning that did not happen, a boot.sh
 * that gave up) is then a failed start, never a built template.
 */
static void add_ran_probe(cJSON *yaml)
{
	cJSON *probes = sbx_json_add_item(yaml, "probes", sbx_json_new_array());
	cJSON *p = sbx_json_append(probes, sbx_json_new_object());

	sbx_json_add_string(p, "mode", "readiness");
	sbx_json_add_string(p, "description", "sbx: the first boot ran every provisioning step");
	sbx_json_add_string(p, "script", "#!/bin/sh\n"
			    "test -e \"$HOME/" RAN_MARK "\" && exit 0\n"
			    "for f in \"$HOME\"/" FAILED_MARK "*; do [ -f \"$f\" ] && exit 0; done\n"
			    "exit 1\n");
	sbx_json_add_string(p, "hint", "see /var/log/cloud-init-output.log in the guest");
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
 * The only mount is sbx's source, for the build, removed afterwards. A
 * base's mounts are appended to these when Lima embeds it (template:debian-12
 * is `base: [template:_images/debian-12, template:_default/mounts]`, whose
 * mount is the whole home): `create --set` replaces them after that
 * (build_template).
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
	free(t->mounts);
	sbx_strvec_clear(&t->steps);
	memset(t, 0, sizeof(*t));
}

int sbx_lima_spec_init(struct template_spec *t, const struct sbx_project *project,
		       const struct sbx_config *cfg)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *src = source_dir();
	cJSON *yaml;

	memset(t, 0, sizeof(*t));
	sbx_strvec_init(&t->steps);
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
	add_tools_check(cJSON_GetObjectItemCaseSensitive(yaml, "provision"), cfg);
	wrap_steps(cJSON_GetObjectItemCaseSensitive(yaml, "provision"), &t->steps);
	add_ran_probe(yaml);
	sbx_buf_adds(&b, ".mounts = ");
	sbx_json_print(&b, cJSON_GetObjectItemCaseSensitive(yaml, "mounts"), 0);
	t->mounts = sbx_buf_detach(&b);
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

/*
 * 1 when the template was built from these inputs and (unless trust_state:
 * then its state alone says so) still exists; 0 if not; -1 on error.
 */
int sbx_lima_template_fresh(const struct template_spec *t, int trust_state)
{
	char *hash = sbx_lima_built_hash(t->name);
	cJSON *inst = NULL;
	int ret = 0;

	if (hash && !strcmp(hash, t->hash))
		ret = trust_state ? 1 : sbx_lima_find(t->name, &inst);
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

/* Tries of a cleanup's delete: one killed by a signal or a passing failure is tried again. */
#define DELETE_TRIES 3

/*
 * Deletes an instance (running or not), its failure recorded; for cleaning
 * up after a failure or a signal. own: it is sbx's and nobody uses it.
 * limactl runs in a process group of its own, so that a second Ctrl-C, or
 * a signal to sbx's whole group (timeout(1) sends one), does not kill the
 * delete half-way and leave the clone running; sbx itself already holds
 * every such signal until the cleanup is done (sbx_catch_signals).
 */
int sbx_lima_delete(const char *name, int own)
{
	struct call c;
	int ret = -1;

	for (int i = 0; i < DELETE_TRIES && ret; i++) {
		if (i)
			sbx_lima_call_release(&c);
		sbx_lima_call_init(&c, name, "delete", "-f", name, NULL);
		c.own_group = 1;
		ret = sbx_lima_call_run(&c) ? -1 : 0;
		if (ret && own && !remove_half_made(&c, name))
			ret = 0;
		/* Lima's refusals (protected, ...) do not change by asking again. */
		if (ret && c.code == 1 && sbx_lima_call_said(&c, "level=fatal"))
			break;
	}
	if (ret && c.code > 128)
		sbx_error("cannot delete '%s': limactl delete was killed by signal %d (log: %s)", name,
			  c.code - 128, c.log);
	else if (ret)
		sbx_lima_call_fail(&c, "cannot delete '%s'", name);
	sbx_lima_call_release(&c);
	return ret;
}

/* One step of a build, shown as "[i/n] what". */
static int build_step(struct call *c, int i, int n, const char *what, const char *name,
		      int verbose)
{
	struct sbx_progress p;
	int ret;

	sbx_lima_progress_begin(&p, 0, verbose, "[%d/%d] %s", i, n, what);
	c->progress = &p;
	c->verbose = verbose;
	ret = sbx_lima_call_must(c, "cannot build the template '%s': step %d/%d (%s)", name, i, n,
				 c->step);
	sbx_progress_end(&p, !ret);
	sbx_lima_call_release(c);
	return ret;
}

#define STEPS 5

/*
 * After the first boot: the guest home holds a mark for each provisioning
 * step that failed (wrap_steps). Its lines go to the log; the first step
 * named in them fails the build, by its name.
 */
static int check_provisioning(const struct template_spec *t, int verbose)
{
	static const char show[] =
		"for f in \"$HOME\"/" FAILED_MARK "*; do [ -f \"$f\" ] && cat \"$f\"; done; exit 0";
	struct sbx_buf out = SBX_BUF_INIT;
	struct sbx_progress p;
	struct call c;
	int ret, step = 0, code = 0;

	sbx_lima_progress_begin(&p, 0, verbose, "[3/%d] check the first boot's steps", STEPS);
	sbx_lima_call_init(&c, t->name, "shell", "--workdir", "/", t->name, "sh", "-c", show, NULL);
	c.out = &out;
	c.out_max = 64 * 1024;
	c.progress = &p;
	ret = sbx_lima_call_must(&c, "cannot build the template '%s': step 3/%d (check)", t->name,
				 STEPS);
	if (!ret && out.len) {
		int fd;
		char *log = NULL;

		if ((fd = sbx_lima_log_open(t->name, &log)) >= 0) {
			static const char head[] = "--- sbx: the failed provisioning steps' last lines\n";

			if (write(fd, head, strlen(head)) < 0 || write(fd, out.buf, out.len) < 0)
				sbx_clear_error();
			close(fd);
		}
		sbx_clear_error();
		if (sscanf(out.buf, "%d %d", &step, &code) != 2 || step < 1 ||
		    (size_t)step > t->steps.nr)
			ret = sbx_error("cannot build the template '%s': step 3/%d (check): a "
					"provisioning step failed (log: %s)", t->name, STEPS, c.log);
		else
			ret = sbx_error("cannot build the template '%s': step 3/%d (check): "
					"provisioning step %d/%zu (%s) failed (exit %d); its last lines "
					"are in the log: %s", t->name, STEPS, step, t->steps.nr,
					t->steps.v[step - 1], code, c.log);
		free(log);
	}
	sbx_progress_end(&p, !ret);
	sbx_lima_call_release(&c);
	sbx_buf_release(&out);
	return ret;
}

/*
 * Builds the template: create (from templates/NAME.yaml, its mounts set
 * after Lima has embedded the base's), start (the first boot runs
 * provisioning), check that every provisioning step went well (Lima's own
 * start does not), stop, and edit away provisioning and the source mount so
 * that clones neither provision again nor see the source. Anything that
 * fails deletes the half-built template.
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
	sbx_lima_call_init(&c, t->name, "create", "--name", t->name, "--set", t->mounts, yaml_path,
			   NULL);
	ret = build_step(&c, 1, STEPS, "create the VM", t->name, verbose);
	if (!ret && !sbx_lima_interrupted()) {
		sbx_lima_call_init(&c, t->name, "start", "--timeout", SETUP_TIMEOUT, t->name, NULL);
		ret = build_step(&c, 2, STEPS, "first boot: install packages, agents and sbx",
				 t->name, verbose);
	}
	if (!ret && !sbx_lima_interrupted())
		ret = check_provisioning(t, verbose);
	if (!ret && !sbx_lima_interrupted()) {
		sbx_lima_call_init(&c, t->name, "stop", t->name, NULL);
		ret = build_step(&c, 4, STEPS, "stop", t->name, verbose);
	}
	if (!ret && !sbx_lima_interrupted()) {
		sbx_lima_call_init(&c, t->name, "edit", t->name, "--set", ".provision = []",
				   "--set", ".probes = []", "--set", ".mounts = []", NULL);
		ret = build_step(&c, 5, STEPS, "drop provisioning, its probe and the source mount",
				 t->name, verbose);
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
	sbx_note("sbx: the template %s is ready (%.0fs)\n", t->name, sbx_progress_elapsed(&t0));
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
 * trust_state: a state that says it was built is believed (a run, which
 * builds it again when the clone finds it gone).
 */
int sbx_lima_ensure_template(const struct template_spec *t, const struct sbx_project *project,
			     int force, int quiet, int verbose, int *lockfd, int trust_state)
{
	int fd = sbx_lima_lock_open(t->name, LOCK_SH), fresh;

	if (fd < 0)
		return -1;
	fresh = force ? 0 : sbx_lima_template_fresh(t, trust_state);
	if (!fresh) {
		/* Only one builds; the others find it fresh once they get the lock. */
		if (sbx_lima_relock(fd, LOCK_EX, t->name))
			goto fail;
		fresh = force ? 0 : sbx_lima_template_fresh(t, 0);
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

	if (sbx_lima_check_version(NULL, 0) || sbx_lima_spec_init(&t, &s->project, s->cfg))
		return -1;
	ret = sbx_lima_ensure_template(&t, &s->project, s->force, 0, s->verbose, NULL, 0);
	sbx_lima_spec_release(&t);
	return ret;
}
