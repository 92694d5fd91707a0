#include "session.h"
#include "accounts.h"
#include "backend.h"
#include "config.h"
#include "error.h"
#include "json.h"
#include "paths.h"
#include "plugin.h"
#include "quote.h"
#include "spawn.h"
#include "unix-socket.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

/* The configuration layer of the command line's flags, by its name (config.h). */
#define FLAGS_SOURCE "the command line"

const char sbx_launcher[] =
	"sbx_env=$1 sbx_missing=$2 sbx_n=$3\n"
	"shift 3\n"
	"if [ -n \"$sbx_env\" ]; then\n"
	"\t. \"$sbx_env\" || { echo \"sbx: cannot read the environment\" >&2; exit 125; }\n"
	"\trm -f \"$sbx_env\"\n"
	"fi\n"
	"sbx_script=\n"
	"trap 'sbx_st=$?; echo \"sbx: runtime script $sbx_script failed (exit $sbx_st)\" >&2; exit 125' EXIT\n"
	"set -e\n"
	"while [ \"$sbx_n\" -gt 0 ]; do\n"
	"\tsbx_script=$1\n"
	"\tshift\n"
	"\tsbx_n=$((sbx_n - 1))\n"
	"\t. \"$sbx_script\"\n"
	"done\n"
	"set +e\n"
	"trap - EXIT\n"
	"command -v -- \"$1\" >/dev/null 2>&1 || { printf '%s\\n' \"$sbx_missing\" >&2; exit 127; }\n"
	"unset sbx_env sbx_missing sbx_n sbx_script sbx_st\n"
	"exec \"$@\"\n";

static void add_mount(struct sbx_session *s, const char *host, const char *guest, int writable)
{
	struct sbx_mount *m;

	/* A later mount of the same target replaces the earlier one. */
	for (size_t i = 0; i < s->nr_mounts; i++) {
		if (!strcmp(s->mounts[i].guest, guest)) {
			free(s->mounts[i].host);
			s->mounts[i].host = sbx_strdup(host);
			s->mounts[i].writable = writable;
			return;
		}
	}
	SBX_ALLOC_GROW(s->mounts, s->nr_mounts + 1, s->alloc_mounts);
	m = &s->mounts[s->nr_mounts++];
	m->host = sbx_strdup(host);
	m->guest = sbx_strdup(guest);
	m->writable = writable;
}

int sbx_parse_mount_spec(const char *spec, struct sbx_mount *out)
{
	char *copy = sbx_strdup(spec), *parts[3] = { NULL, NULL, NULL };
	int n = 0, writable = 1;
	char *p = copy;

	memset(out, 0, sizeof(*out));
	while (n < 3) {
		parts[n++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (p) {
		free(copy);
		return sbx_error("mount '%s': expected HOST[:GUEST][:ro]", spec);
	}
	if (n > 1 && (!strcmp(parts[n - 1], "ro") || !strcmp(parts[n - 1], "rw"))) {
		writable = !strcmp(parts[n - 1], "rw");
		parts[--n] = NULL;
	}
	if (n == 3 || !*parts[0] || (n == 2 && !*parts[1])) {
		free(copy);
		return sbx_error("mount '%s': expected HOST[:GUEST][:ro]", spec);
	}
	/* The messages quote parts of copy: record them before freeing it. */
	if (parts[0][0] != '/' && strncmp(parts[0], "~/", 2) && strcmp(parts[0], "~")) {
		sbx_error("mount '%s': '%s' is relative; give an absolute path or one "
			  "starting with ~/", spec, parts[0]);
		free(copy);
		return -1;
	}
	if (n == 2 && parts[1][0] != '/' && strncmp(parts[1], "~/", 2)) {
		sbx_error("mount '%s': the sandbox path '%s' must be absolute", spec, parts[1]);
		free(copy);
		return -1;
	}
	out->host = sbx_path_expand_home(parts[0]);
	out->guest = sbx_strdup(n == 2 ? parts[1] : out->host);
	out->writable = writable;
	free(copy);
	return out->host ? 0 : -1;
}

/* The command line's flags as one configuration layer, so they are validated like files. */
static int merge_flags(struct sbx_config *cfg, const struct sbx_session_opts *o)
{
	cJSON *doc = sbx_json_new_object();
	int ret = -1;

	if (o->backend)
		sbx_json_add_string(doc, "backend", o->backend);
	if (o->agent)
		sbx_json_add_string(doc, "agent", o->agent);
	if (o->keep)
		sbx_json_add_bool(doc, "persistent", 1);
	if (o->tmux)
		sbx_json_add_bool(doc, "tmux", 1);
	if (o->forward_agent)
		sbx_json_add_bool(sbx_json_add_item(doc, "ssh", sbx_json_new_object()),
				  "forwardAgent", 1);
	if (o->mounts && o->mounts->nr) {
		cJSON *arr = sbx_json_add_item(doc, "mounts", sbx_json_new_array());

		for (size_t i = 0; i < o->mounts->nr; i++) {
			struct sbx_mount m;
			cJSON *obj;

			if (sbx_parse_mount_spec(o->mounts->v[i], &m))
				goto out;
			obj = sbx_json_append(arr, sbx_json_new_object());
			sbx_json_add_string(obj, "location", m.host);
			sbx_json_add_string(obj, "mountPoint", m.guest);
			sbx_json_add_bool(obj, "writable", m.writable);
			free(m.host);
			free(m.guest);
		}
	}
	if (o->env && o->env->nr) {
		cJSON *env = sbx_json_add_item(doc, "env", sbx_json_new_object());

		for (size_t i = 0; i < o->env->nr; i++) {
			const char *kv = o->env->v[i], *eq = strchr(kv, '=');
			char *name;

			if (!eq || eq == kv) {
				sbx_error("--env '%s': expected NAME=VALUE", kv);
				goto out;
			}
			name = sbx_strndup(kv, (size_t)(eq - kv));
			cJSON_DeleteItemFromObjectCaseSensitive(env, name);
			sbx_json_add_string(env, name, eq + 1);
			free(name);
		}
	}
	if (o->plugins && o->plugins->nr) {
		cJSON *arr = sbx_json_add_item(doc, "plugins", sbx_json_new_array());

		for (size_t i = 0; i < o->plugins->nr; i++)
			sbx_json_append(arr, sbx_json_new_string(o->plugins->v[i]));
	}
	ret = sbx_config_merge(cfg, SBX_LAYER_FLAG, FLAGS_SOURCE, doc);
out:
	cJSON_Delete(doc);
	return ret;
}

static int valid_env_name(const char *name)
{
	if (!*name || (!isalpha((unsigned char)*name) && *name != '_'))
		return 0;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && *name != '_')
			return 0;
	return 1;
}

/* Names are pasted into the environment script: only real variable names get there. */
static int set_env(struct sbx_strvec *env, const char *name, const char *value)
{
	size_t len = strlen(name);

	if (!valid_env_name(name))
		return sbx_error("'%s' is not a valid variable name", name);

	for (size_t i = 0; i < env->nr; i++) {
		if (!strncmp(env->v[i], name, len) && env->v[i][len] == '=') {
			free(env->v[i]);
			env->v[i] = sbx_asprintf("%s=%s", name, value);
			return 0;
		}
	}
	sbx_strvec_pushf(env, "%s=%s", name, value);
	return 0;
}

int sbx_session_setenv(struct sbx_session *s, const char *name, const char *value)
{
	return set_env(&s->env, name, value);
}

int sbx_session_setenv_public(struct sbx_session *s, const char *name, const char *value)
{
	return set_env(&s->public_env, name, value);
}

void sbx_session_wrap_public_env(struct sbx_session *s)
{
	struct sbx_strvec cmd = SBX_STRVEC_INIT;

	if (!s->public_env.nr)
		return;
	/* Names were checked by set_env: `export "NAME=value"` sets exactly that. */
	sbx_strvec_pushv(&cmd, (const char *[]){ "sh", "-c",
		"while [ \"$1\" != -- ]; do export \"$1\"; shift; done; shift; exec \"$@\"",
		"sbx-env", NULL });
	sbx_strvec_pushv(&cmd, (const char *const *)s->public_env.v);
	sbx_strvec_push(&cmd, "--");
	sbx_strvec_pushv(&cmd, (const char *const *)s->command.v);
	sbx_strvec_clear(&s->command);
	s->command = cmd;
}

const char *sbx_session_getenv(const struct sbx_session *s, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < s->env.nr; i++)
		if (!strncmp(s->env.v[i], name, len) && s->env.v[i][len] == '=')
			return s->env.v[i] + len + 1;
	return NULL;
}

void sbx_session_add_mount(struct sbx_session *s, const char *host, const char *guest,
			   int writable)
{
	add_mount(s, host, guest, writable);
}

/* Runs a secret's command on the host; its stdout, less one trailing newline, is the value. */
static char *secret_from_command(const char *name, const char *command)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_buf out = SBX_BUF_INIT;
	int code;

	/* The user's own command line from their configuration, run as git runs helpers. */
	sbx_strvec_pushv(&c.args, (const char *[]){ "sh", "-c", command, NULL });
	code = sbx_child_capture(&c, &out, NULL);
	sbx_child_release(&c);
	if (code != 0) {
		sbx_buf_release(&out);
		sbx_error("secret '%s': its command failed (exit %d)", name, code);
		return NULL;
	}
	if (out.len && out.buf[out.len - 1] == '\n')
		sbx_buf_truncate(&out, out.len - 1);
	return sbx_buf_detach(&out);
}

/*
 * A secret and a value set by env or --env of one name: which should win is
 * a guess either way, so say so, naming both. (envPass only copies what the
 * host happens to export: a secret wins over it, silently.)
 */
static int secrets_conflict(const struct sbx_session *s)
{
	const cJSON *secrets = sbx_config_get(s->cfg, "secrets");
	const cJSON *env = sbx_config_get(s->cfg, "env");

	for (const cJSON *e = secrets ? secrets->child : NULL; e; e = e->next) {
		char *key, *skey;
		const char *from;

		if (!cJSON_GetObjectItemCaseSensitive(env, e->string))
			continue;
		key = sbx_asprintf("env.%s", e->string);
		skey = sbx_asprintf("secrets.%s", e->string);
		from = sbx_config_origin(s->cfg, key);
		if (from && !strcmp(from, FLAGS_SOURCE))
			sbx_error("'%s' is both a secret (in '%s') and set by --env: keep one of them",
				  e->string, sbx_config_origin(s->cfg, skey));
		else
			sbx_error("'%s' is both a secret (in '%s') and a variable of env (in '%s'): "
				  "keep one of them", e->string, sbx_config_origin(s->cfg, skey),
				  from ? from : "the configuration");
		free(key);
		free(skey);
		return -1;
	}
	return 0;
}

static int resolve_secrets(struct sbx_session *s)
{
	const cJSON *secrets = sbx_config_get(s->cfg, "secrets");
	int ret;

	for (const cJSON *e = secrets ? secrets->child : NULL; e; e = e->next) {
		const char *cmd = sbx_json_get_string(e, "command");
		const char *var = sbx_json_get_string(e, "env");
		const char *file = sbx_json_get_string(e, "file");
		char *value = NULL;

		if (cmd) {
			value = secret_from_command(e->string, cmd);
		} else if (var) {
			const char *v = getenv(var);

			if (!v)
				sbx_error("secret '%s': the variable '%s' is not set", e->string, var);
			else
				value = sbx_strdup(v);
		} else if (file) {
			struct sbx_buf b = SBX_BUF_INIT;
			char *path = sbx_path_expand_home(file);

			if (path && !sbx_buf_read_file(&b, path)) {
				if (b.len && b.buf[b.len - 1] == '\n')
					sbx_buf_truncate(&b, b.len - 1);
				value = sbx_buf_detach(&b);
			}
			sbx_buf_release(&b);
			free(path);
		}
		if (!value)
			return -1;
		ret = set_env(&s->env, e->string, value);
		memset(value, 0, strlen(value));
		free(value);
		if (ret)
			return -1;
	}
	return 0;
}

/*
 * envPass, then env. A login's sandbox gets env only: host variables (an
 * API key among them) would change the flow, and what it leaves must be the
 * login's own.
 */
static int resolve_env(struct sbx_session *s, int login)
{
	const cJSON *env = sbx_config_get(s->cfg, "env");
	const cJSON *pass = login ? NULL : sbx_config_get(s->cfg, "envPass");

	for (const cJSON *p = pass ? pass->child : NULL; p; p = p->next) {
		const char *v = cJSON_IsString(p) ? getenv(p->valuestring) : NULL;

		if (v && set_env(&s->env, p->valuestring, v))
			return -1;
	}
	for (const cJSON *e = env ? env->child : NULL; e; e = e->next)
		if (cJSON_IsString(e) && set_env(&s->env, e->string, e->valuestring))
			return -1;
	return 0;
}

static void missing_mount(const struct sbx_session *s, const char *host, int i)
{
	int err = errno;
	char *key = sbx_asprintf("mounts[%d]", i);
	const char *from = sbx_config_origin(s->cfg, key);

	if (from && !strcmp(from, FLAGS_SOURCE))
		from = "--mount";
	if (err == ENOENT)
		sbx_error("cannot mount '%s': it does not exist (create it, or drop the mount from %s)",
			  host, from ? from : "the configuration");
	else
		sbx_error("cannot mount '%s' (from %s): %s", host, from ? from : "the configuration",
			  strerror(err));
	free(key);
}

/* The project, Claude's transcripts, the configured mounts; those must exist unless for setup. */
static int resolve_mounts(struct sbx_session *s, int setup)
{
	const cJSON *mounts = sbx_config_get(s->cfg, "mounts");
	int i = 0;

	/* The git directory is the backend's to show, as a private one (gitdir.h). */
	add_mount(s, s->project.dir, s->project.dir, 1);
	if (s->agent.config_dir && !strcmp(s->agent.name, "claude")) {
		char *home = sbx_home_dir(), *enc = sbx_claude_project_dirname(s->project.dir);
		char *host, *guest;

		if (!home) {
			free(enc);
			return -1;
		}
		host = sbx_asprintf("%s/.claude/projects/%s", home, enc);
		guest = sbx_asprintf("~/.claude/projects/%s", enc);
		if (sbx_mkdir_p(host, 0700) == 0)
			add_mount(s, host, guest, 1);
		else
			sbx_clear_error();
		free(host);
		free(guest);
		free(home);
		free(enc);
	}
	for (const cJSON *m = mounts ? mounts->child : NULL; m; m = m->next, i++) {
		const char *loc = sbx_json_get_string(m, "location");
		const char *point = sbx_json_get_string(m, "mountPoint");
		char *host = loc ? sbx_path_expand_home(loc) : NULL;
		struct stat st;

		if (!host)
			return -1;
		/* Else the backend's own message, after the sandbox began to start, reads as the agent's. */
		if (!setup && stat(host, &st)) {
			missing_mount(s, host, i);
			free(host);
			return -1;
		}
		add_mount(s, host, point ? point : host, sbx_json_get_bool(m, "writable", 0));
		free(host);
	}
	return 0;
}

/*
 * -A needs an agent to forward: a socket that answers. Without one, bwrap
 * fails to bind it (and ssh inside Lima finds none) after the start, in
 * words that read as the agent's.
 */
static int check_ssh_agent(void)
{
	static const char fix[] = "start ssh-agent, or run without -A (and ssh.forwardAgent)";
	const char *sock = getenv("SSH_AUTH_SOCK");
	struct sockaddr_un sa;
	struct stat st;
	int fd, err = 0;

	if (!sock || !*sock)
		return sbx_error("cannot forward the ssh agent: SSH_AUTH_SOCK is not set; %s", fix);
	if (stat(sock, &st))
		return sbx_error("cannot forward the ssh agent: '%s' (SSH_AUTH_SOCK): %s; %s", sock,
				 strerror(errno), fix);
	if (!S_ISSOCK(st.st_mode) || strlen(sock) >= sizeof(sa.sun_path))
		return sbx_error("cannot forward the ssh agent: '%s' (SSH_AUTH_SOCK) is no socket; %s",
				 sock, fix);
	fd = sbx_unix_stream_for(sock, &sa);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err)
		return sbx_error("cannot forward the ssh agent: '%s' (SSH_AUTH_SOCK) does not answer: "
				 "%s; %s", sock, strerror(err), fix);
	return 0;
}

static void resolve_scripts(struct sbx_session *s)
{
	const cJSON *scripts = sbx_config_get(s->cfg, "scripts");
	char *runtime = sbx_asprintf("%s/.sbx/runtime.sh", s->project.dir);

	if (!access(runtime, F_OK))
		sbx_strvec_push(&s->scripts, runtime);
	free(runtime);
	for (const cJSON *e = scripts ? scripts->child : NULL; e; e = e->next) {
		if (!cJSON_IsString(e))
			continue;
		if (e->valuestring[0] == '/')
			sbx_strvec_push(&s->scripts, e->valuestring);
		else
			sbx_strvec_pushf(&s->scripts, "%s/%s", s->project.dir, e->valuestring);
	}
}

/* The network policy, with the names of the configured agent and of the one run (a shell runs agents too). */
static int resolve_network(struct sbx_session *s)
{
	const char *agents[] = { sbx_config_string(s->cfg, "agent"), s->agent.name, NULL };

	if (!agents[0])
		agents[0] = s->agent.name;
	return sbx_net_policy_from_config(&s->net, s->cfg, agents);
}

int sbx_session_prepare(struct sbx_session *s, const struct sbx_session_opts *o)
{
	const char *agent;
	int ret, login;

	memset(s, 0, sizeof(*s));
	sbx_strvec_init(&s->env);
	sbx_strvec_init(&s->public_env);
	sbx_strvec_init(&s->scripts);
	sbx_strvec_init(&s->command);
	s->command_name = o->command;
	if (sbx_project_detect(&s->project, NULL))
		return -2;
	s->cfg = sbx_config_load(&s->project);
	if (!s->cfg || merge_flags(s->cfg, o))
		return -2;
	if (sbx_backend_choose(s->cfg, &s->backend))
		return -1;
	agent = !strcmp(o->command, "shell") ? "shell" : sbx_config_string(s->cfg, "agent");
	if (sbx_agent_resolve(&s->agent, agent ? agent : "claude", s->cfg))
		return -2;
	s->persistent = sbx_config_bool(s->cfg, "persistent");
	s->forward_ssh_agent = sbx_config_bool(s->cfg, "ssh.forwardAgent");
	/* Only a session's sandbox gets the agent; setup builds, login logs in. */
	if (s->forward_ssh_agent && (!strcmp(o->command, "run") || !strcmp(o->command, "shell")) &&
	    check_ssh_agent())
		return -1;
	/* Only an agent runs in tmux: `sbx shell -- CMD` stays a plain command. */
	s->tmux = !strcmp(o->command, "run") && sbx_config_bool(s->cfg, "tmux");
	s->verbose = o->verbose;
	if (resolve_network(s))
		return -2;
	if (resolve_mounts(s, !strcmp(o->command, "setup")))
		return -1;
	login = !strcmp(o->command, "login");
	if (resolve_env(s, login) || secrets_conflict(s))
		return -2;
	/* Nor its secrets: read on the host for a login that does not use them. */
	if (!login && resolve_secrets(s))
		return -1;
	resolve_scripts(s);
	ret = sbx_accounts_session(s, o->command);
	if (ret)
		return ret;
	ret = sbx_plugins_session(s, o->command);
	if (ret)
		return ret;
	/* The shell agent runs its arguments as a command, as `sbx shell -- CMD` does. */
	if ((!strcmp(o->command, "shell") || !strcmp(s->agent.name, "shell")) && o->nr_args) {
		for (int i = 0; i < o->nr_args; i++)
			sbx_strvec_push(&s->command, o->args[i]);
	} else {
		sbx_strvec_push(&s->command, s->agent.command);
		sbx_strvec_pushv(&s->command, (const char *const *)s->agent.args.v);
		for (int i = 0; i < o->nr_args; i++)
			sbx_strvec_push(&s->command, o->args[i]);
	}
	return 0;
}

void sbx_session_release(struct sbx_session *s)
{
	for (size_t i = 0; i < s->nr_mounts; i++) {
		free(s->mounts[i].host);
		free(s->mounts[i].guest);
	}
	free(s->mounts);
	/* Values may be secrets: wipe them before giving the memory back. */
	for (size_t i = 0; i < s->env.nr; i++)
		memset(s->env.v[i], 0, strlen(s->env.v[i]));
	sbx_strvec_clear(&s->env);
	sbx_strvec_clear(&s->public_env);
	sbx_strvec_clear(&s->scripts);
	sbx_strvec_clear(&s->command);
	sbx_agent_release(&s->agent);
	sbx_home_files_release(s);
	sbx_plugin_session_free(s->plugins);
	sbx_net_policy_release(&s->net);
	sbx_config_free(s->cfg);
	sbx_project_release(&s->project);
	free(s->notify_dir);
	memset(s, 0, sizeof(*s));
}

void sbx_session_env_script(const struct sbx_session *s, struct sbx_buf *out)
{
	for (size_t i = 0; i < s->env.nr; i++) {
		const char *kv = s->env.v[i], *eq = strchr(kv, '=');

		sbx_buf_adds(out, "export ");
		sbx_buf_add(out, kv, (size_t)(eq - kv));
		sbx_buf_addch(out, '=');
		sbx_sq_quote(out, eq + 1);
		sbx_buf_addch(out, '\n');
	}
	sbx_home_files_script(s, out);
}

/* What the launcher says when the command is not found: for the agent, how to install it. */
static char *missing_message(const struct sbx_session *s)
{
	const char *cmd = s->command.nr ? s->command.v[0] : "";

	if (strcmp(s->command_name, "run") || strcmp(cmd, s->agent.command))
		return sbx_asprintf("sbx %s: '%s' was not found in the sandbox", s->command_name, cmd);
	if (s->agent.npm)
		return sbx_asprintf("sbx run: the agent '%s' ('%s') was not found in the sandbox: install "
				    "it (npm install -g %s) or name its program in agents.%s.command",
				    s->agent.name, cmd, s->agent.npm, s->agent.name);
	return sbx_asprintf("sbx run: the agent '%s' ('%s') was not found in the sandbox: install it "
			    "or name its program in agents.%s.command", s->agent.name, cmd,
			    s->agent.name);
}

void sbx_session_launcher_argv(const struct sbx_session *s, const char *envfile,
			       struct sbx_strvec *argv)
{
	char *missing = missing_message(s);

	sbx_strvec_pushv(argv, (const char *[]){ "sh", "-c", sbx_launcher, "sbx", envfile, missing,
		NULL });
	free(missing);
	sbx_strvec_pushf(argv, "%zu", s->scripts.nr);
	sbx_strvec_pushv(argv, (const char *const *)s->scripts.v);
	sbx_strvec_pushv(argv, (const char *const *)s->command.v);
}
