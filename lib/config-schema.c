/*
 * The configuration schema: every key, its type, its constraints, its
 * default and its SBX_* variable, in one table; and the validation that
 * walks it.
 */
#include "config-schema.h"
#include "config.h"
#include "error.h"
#include "json.h"
#include "net-policy.h"
#include "suggest.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define KiB 1024LL
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

/* String checks: 0 when s is good. */

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int check_nonempty(const struct sbx_config_key *k, const char *s)
{
	(void)k;
	return *s ? 0 : -1;
}

/* An absolute path, or one starting with ~/ (the host user's home). */
static int check_home_path(const struct sbx_config_key *k, const char *s)
{
	(void)k;
	return s[0] == '/' || (s[0] == '~' && s[1] == '/') ? 0 : -1;
}

/* A relative path that stays below its directory: no leading / or ~, no "..". */
static int check_relative(const struct sbx_config_key *k, const char *s)
{
	const char *p = s;

	(void)k;
	if (!*s || *s == '/' || *s == '~')
		return -1;
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		p += len;
		p += *p == '/';
	}
	return 0;
}

/* An environment variable's name: [A-Za-z_][A-Za-z0-9_]*. */
static int check_var_name(const struct sbx_config_key *k, const char *s)
{
	(void)k;
	if (!is_alpha(*s) && *s != '_')
		return -1;
	for (s++; *s; s++)
		if (!is_alpha(*s) && !is_digit(*s) && *s != '_')
			return -1;
	return 0;
}

/* The name of an agent, a plugin or a template: [A-Za-z0-9][A-Za-z0-9_-]*. */
static int check_name(const struct sbx_config_key *k, const char *s)
{
	(void)k;
	if (!is_alpha(*s) && !is_digit(*s))
		return -1;
	for (s++; *s; s++)
		if (!is_alpha(*s) && !is_digit(*s) && *s != '_' && *s != '-')
			return -1;
	return 0;
}

/* An entry of network.allow or network.deny: "host", "*.domain", either with ":port". */
static int check_net_entry(const struct sbx_config_key *k, const char *s)
{
	struct sbx_net_rule r;

	(void)k;
	if (sbx_net_rule_parse(s, &r))
		return -1;
	sbx_net_rule_release(&r);
	return 0;
}

/* A name of network.hosts. */
static int check_net_name(const struct sbx_config_key *k, const char *s)
{
	char norm[SBX_NET_NAME_MAX];

	(void)k;
	return sbx_net_normalize_host(s, strlen(s), norm) == 0 ? 0 : -1;
}

/* An address network.hosts pins a name to. */
static int check_net_address(const struct sbx_config_key *k, const char *s)
{
	struct sockaddr_storage sa;
	socklen_t len;

	(void)k;
	return sbx_net_parse_address(s, &sa, &len);
}

static int check_upstream(const struct sbx_config_key *k, const char *s)
{
	struct sbx_net_policy p;
	int ret;

	(void)k;
	sbx_net_policy_init(&p);
	ret = sbx_net_policy_upstream(&p, s);
	sbx_net_policy_release(&p);
	sbx_clear_error();
	return ret;
}

static int check_size(const struct sbx_config_key *k, const char *s)
{
	long long n = sbx_parse_size(s);

	return n < 0 || n < k->min ? -1 : 0;
}

/* A sandbox's memory limit: "0" (none), a size, or a share of the host's memory ("80%"). */
static int check_memory_limit(const struct sbx_config_key *k, const char *s)
{
	size_t len = strlen(s);
	char *end;
	long pct;

	if (!strcmp(s, "0"))
		return 0;
	if (len > 1 && s[len - 1] == '%') {
		if (!is_digit(*s))
			return -1;
		pct = strtol(s, &end, 10);
		return end == s + len - 1 && pct >= 1 && pct <= 100 ? 0 : -1;
	}
	return check_size(k, s);
}

/* Where `sbx wt new` puts worktrees: must name {branch}; {repo} is the only other field. */
static int check_worktree_path(const struct sbx_config_key *k, const char *s)
{
	const char *p = s;
	int branch = 0;

	(void)k;
	while ((p = strchr(p, '{'))) {
		if (!strncmp(p, "{branch}", 8)) {
			branch = 1;
			p += 8;
		} else if (!strncmp(p, "{repo}", 6)) {
			p += 6;
		} else {
			return -1;
		}
	}
	return branch ? 0 : -1;
}

#ifdef __APPLE__
#define DEFAULT_VM_TYPE "\"vz\""
#else
#define DEFAULT_VM_TYPE "\"qemu\""
#endif

/* The table. */

static const char *const backends[] = { "lima", "bwrap", NULL };
static const char *const vm_types[] = { "vz", "qemu", NULL };
static const char *const mount_types[] = { "reverse-sshfs", "9p", "virtiofs", NULL };
static const char *const network_modes[] = { "open", "allowlist", "none", "host", NULL };
/* The agents' hook events `sbx hook` forwards (Codex and OpenCode map onto these). */
static const char *const events[] = {
	"Notification", "Stop", "SubagentStop", "SessionStart", "SessionEnd",
	"UserPromptSubmit", "PreToolUse", "PostToolUse", "PreCompact", NULL,
};

#define HOME_PATH "an absolute path or one starting with ~/"
#define VAR_NAME "a variable name ([A-Za-z_][A-Za-z0-9_]*)"
#define NAME "a name of letters, digits, '-' and '_'"
#define SIZE(min) "a size of at least " min ", such as \"8GiB\" (a number with an optional " \
		  "KiB, MiB, GiB or TiB unit)"

static const struct sbx_config_key any_string = { .name = "", .type = SBX_CT_STRING };

static const struct sbx_config_key nonempty_string = {
	.name = "", .type = SBX_CT_STRING, .check = check_nonempty,
	.expect = "a non-empty string",
};

static const struct sbx_config_key var_name = {
	.name = "", .type = SBX_CT_STRING, .check = check_var_name, .expect = VAR_NAME,
};

static const struct sbx_config_key name_key = {
	.name = "", .type = SBX_CT_STRING, .check = check_name, .expect = NAME,
};

#define NET_ENTRY "a host name or \"*.domain\", either with an optional \":port\" (addresses " \
		  "and CIDR ranges are not entries: pin a name to an address in network.hosts)"

static const struct sbx_config_key net_entry = {
	.name = "", .type = SBX_CT_STRING, .check = check_net_entry, .expect = NET_ENTRY,
};

static const struct sbx_config_key net_name = {
	.name = "", .type = SBX_CT_STRING, .check = check_net_name, .expect = "a host name",
};

static const struct sbx_config_key net_address = {
	.name = "", .type = SBX_CT_STRING, .check = check_net_address,
	.expect = "an IPv4 or IPv6 address",
};

static const struct sbx_config_key registry = {
	.name = "", .type = SBX_CT_ENUM, .choices = sbx_net_registries,
};

static const struct sbx_config_key event = {
	.name = "", .type = SBX_CT_ENUM, .choices = events,
};

static const struct sbx_config_key mount_fields[] = {
	{ .name = "location", .type = SBX_CT_STRING, .flags = SBX_CK_REQUIRED,
	  .check = check_home_path, .expect = HOME_PATH },
	/* Here ~/ is the sandbox user's home, as in --mount HOST:~/dir. */
	{ .name = "mountPoint", .type = SBX_CT_STRING, .check = check_home_path,
	  .expect = "an absolute path, or one starting with ~/ for the sandbox home" },
	{ .name = "writable", .type = SBX_CT_BOOL },
	{ .name = NULL },
};

static const struct sbx_config_key mount = {
	.name = "", .type = SBX_CT_OBJECT, .fields = mount_fields,
	.expect = "an object such as {\"location\": \"~/data\", \"writable\": true}",
};

static const struct sbx_config_key secret_fields[] = {
	{ .name = "command", .type = SBX_CT_STRING, .check = check_nonempty,
	  .expect = "a non-empty string" },
	{ .name = "env", .type = SBX_CT_STRING, .check = check_var_name, .expect = VAR_NAME },
	{ .name = "file", .type = SBX_CT_STRING, .check = check_home_path, .expect = HOME_PATH },
	{ .name = NULL },
};

static const struct sbx_config_key secret = {
	.name = "", .type = SBX_CT_OBJECT, .flags = SBX_CK_ONE_OF, .fields = secret_fields,
	.expect = "an object with exactly one of command, env or file",
};

static const struct sbx_config_key home_relative = {
	.name = "", .type = SBX_CT_STRING, .check = check_relative,
	.expect = "a relative path inside the sandbox home",
};

/* How `sbx login` logs the agent in and what it keeps (lib/accounts.h). */
static const struct sbx_config_key login_fields[] = {
	{ .name = "args", .type = SBX_CT_ARRAY, .item = &any_string,
	  .expect = "an array of strings" },
	{ .name = "files", .type = SBX_CT_ARRAY, .item = &home_relative,
	  .expect = "an array of relative paths" },
	{ .name = "token", .type = SBX_CT_STRING, .check = check_var_name, .expect = VAR_NAME },
	{ .name = "tokenPrefix", .type = SBX_CT_STRING, .check = check_nonempty,
	  .expect = "a non-empty string" },
	{ .name = "check", .type = SBX_CT_ARRAY, .item = &any_string,
	  .expect = "an array of strings" },
	{ .name = NULL },
};

static const struct sbx_config_key agent_fields[] = {
	{ .name = "command", .type = SBX_CT_STRING, .check = check_nonempty,
	  .expect = "a non-empty string" },
	{ .name = "args", .type = SBX_CT_ARRAY, .item = &any_string,
	  .expect = "an array of strings" },
	{ .name = "npm", .type = SBX_CT_STRING, .check = check_nonempty,
	  .expect = "a non-empty string" },
	{ .name = "login", .type = SBX_CT_OBJECT, .fields = login_fields,
	  .expect = "an object with args, files, token, tokenPrefix and check" },
	{ .name = "allow", .type = SBX_CT_ARRAY, .item = &net_entry,
	  .expect = "an array of network entries" },
	{ .name = NULL },
};

static const struct sbx_config_key agent = {
	.name = "", .type = SBX_CT_OBJECT, .fields = agent_fields,
	.expect = "an object with command, args, npm, login and allow",
};

static const struct sbx_config_key relative_path = {
	.name = "", .type = SBX_CT_STRING, .check = check_relative,
	.expect = "a relative path inside the agent's configuration directory",
};

static const struct sbx_config_key personal_paths = {
	.name = "", .type = SBX_CT_ARRAY, .item = &relative_path,
	.expect = "an array of relative paths",
};

/*
 * The default list of network.allow: git hosting, which every agent's work
 * needs (clone, fetch, push). Entries of the configuration add to it;
 * network.deny takes any of it away.
 */
#define DEFAULT_ALLOW "[\"github.com\", \"*.github.com\", \"*.githubusercontent.com\", " \
		      "\"github.com:22\", \"gitlab.com\", \"*.gitlab.com\", \"gitlab.com:22\"]"

static const struct sbx_config_key network_fields[] = {
	{ .name = "mode", .type = SBX_CT_ENUM, .choices = network_modes, .def = "\"open\"",
	  .env = "SBX_NETWORK_MODE" },
	{ .name = "allow", .type = SBX_CT_ARRAY, .flags = SBX_CK_KEEP_DEFAULT, .item = &net_entry,
	  .def = DEFAULT_ALLOW, .expect = "an array of network entries" },
	{ .name = "deny", .type = SBX_CT_ARRAY, .item = &net_entry, .def = "[]",
	  .expect = "an array of network entries" },
	{ .name = "hosts", .type = SBX_CT_MAP, .map_key = &net_name, .item = &net_address,
	  .def = "{}", .expect = "an object of NAME: \"ADDRESS\"" },
	{ .name = "registries", .type = SBX_CT_ARRAY, .item = &registry, .def = "[]",
	  .expect = "an array of registry names" },
	{ .name = "upstream", .type = SBX_CT_STRING, .check = check_upstream,
	  .expect = "\"HOST:PORT\" or \"http://HOST:PORT\"", .env = "SBX_NETWORK_UPSTREAM" },
	/* Replaced by mode: said in one line, never silently ignored (it never did anything). */
	{ .name = "egress", .type = SBX_CT_STRING, .flags = SBX_CK_REMOVED,
	  .expect = "write \"network\": {\"mode\": \"allowlist\"} (or \"open\") instead" },
	{ .name = NULL },
};

static const struct sbx_config_key ssh_fields[] = {
	{ .name = "forwardAgent", .type = SBX_CT_BOOL, .def = "false",
	  .env = "SBX_SSH_FORWARD_AGENT" },
	{ .name = NULL },
};

static const struct sbx_config_key notify_fields[] = {
	{ .name = "enabled", .type = SBX_CT_BOOL, .flags = SBX_CK_UNTRUSTED_OK, .def = "true",
	  .env = "SBX_NOTIFY_ENABLED" },
	{ .name = "events", .type = SBX_CT_ARRAY, .flags = SBX_CK_UNTRUSTED_OK, .item = &event,
	  .def = "[\"Notification\", \"Stop\"]", .expect = "an array of event names" },
	{ .name = "sound", .type = SBX_CT_STRING, .env = "SBX_NOTIFY_SOUND" },
	{ .name = NULL },
};

static const struct sbx_config_key worktree_fields[] = {
	{ .name = "path", .type = SBX_CT_STRING, .check = check_worktree_path,
	  .expect = "a path with {branch} and optionally {repo}, such as "
		    "\"../{repo}.worktrees/{branch}\"",
	  .def = "\"../{repo}.worktrees/{branch}\"", .env = "SBX_WORKTREE_PATH" },
	{ .name = NULL },
};

/*
 * A bwrap sandbox's cgroup (lib/resources.h): on by default, so that a fork
 * bomb or a runaway build does not take the host down. 0 is no limit.
 */
static const struct sbx_config_key resources_fields[] = {
	{ .name = "pids", .type = SBX_CT_INT, .min = 0, .max = 4194304, .def = "4096",
	  .env = "SBX_RESOURCES_PIDS" },
	{ .name = "memory", .type = SBX_CT_STRING, .check = check_memory_limit, .min = 64 * MiB,
	  .expect = "\"0\", a share of the host's memory such as \"80%\", or a size of at "
		    "least 64MiB such as \"8GiB\"",
	  .def = "\"80%\"", .env = "SBX_RESOURCES_MEMORY" },
	{ .name = "cpus", .type = SBX_CT_INT, .min = 0, .max = 1024, .def = "0",
	  .env = "SBX_RESOURCES_CPUS" },
	{ .name = NULL },
};

static const struct sbx_config_key template_fields[] = {
	{ .name = "name", .type = SBX_CT_STRING, .check = check_name, .expect = NAME,
	  .env = "SBX_TEMPLATE_NAME" },
	{ .name = NULL },
};

static const char *const untrusted_modes[] = { "ignore", "refuse", NULL };

static const struct sbx_config_key trust_fields[] = {
	/* A project must not choose how its own untrusted file is treated. */
	{ .name = "untrusted", .type = SBX_CT_ENUM, .flags = SBX_CK_USER_ONLY,
	  .choices = untrusted_modes, .def = "\"ignore\"", .env = "SBX_TRUST_UNTRUSTED" },
	{ .name = NULL },
};

static const struct sbx_config_key root_fields[] = {
	/* No default: lima where limactl is found, and never a silent fallback to bwrap. */
	{ .name = "backend", .type = SBX_CT_ENUM, .choices = backends, .env = "SBX_BACKEND" },
	{ .name = "agent", .type = SBX_CT_STRING, .flags = SBX_CK_UNTRUSTED_OK, .check = check_name,
	  .expect = "an agent's name such as \"claude\"", .def = "\"claude\"",
	  .env = "SBX_AGENT" },
	{ .name = "persistent", .type = SBX_CT_BOOL, .flags = SBX_CK_UNTRUSTED_OK, .def = "false",
	  .env = "SBX_PERSISTENT" },
	{ .name = "tmux", .type = SBX_CT_BOOL, .flags = SBX_CK_UNTRUSTED_OK, .def = "false",
	  .env = "SBX_TMUX" },
	{ .name = "cpus", .type = SBX_CT_INT, .min = 1, .max = 256, .def = "4",
	  .env = "SBX_CPUS" },
	{ .name = "memory", .type = SBX_CT_STRING, .check = check_size, .min = 256 * MiB,
	  .expect = SIZE("256MiB"), .def = "\"4GiB\"", .env = "SBX_MEMORY" },
	{ .name = "disk", .type = SBX_CT_STRING, .check = check_size, .min = 1 * GiB,
	  .expect = SIZE("1GiB"), .def = "\"100GiB\"", .env = "SBX_DISK" },
	{ .name = "vmType", .type = SBX_CT_ENUM, .flags = SBX_CK_UNTRUSTED_OK, .choices = vm_types,
	  .def = DEFAULT_VM_TYPE, .env = "SBX_VM_TYPE" },
	{ .name = "mountType", .type = SBX_CT_ENUM, .flags = SBX_CK_UNTRUSTED_OK,
	  .choices = mount_types, .env = "SBX_MOUNT_TYPE" },
	{ .name = "image", .type = SBX_CT_STRING, .check = check_nonempty,
	  .expect = "a Lima template such as \"template:debian-12\"", .env = "SBX_IMAGE" },
	{ .name = "mounts", .type = SBX_CT_ARRAY, .item = &mount, .def = "[]",
	  .expect = "an array of mounts" },
	/* Set inside the sandbox only; envPass and secrets, which read the host, need trust. */
	{ .name = "env", .type = SBX_CT_MAP, .flags = SBX_CK_UNTRUSTED_OK, .map_key = &var_name,
	  .item = &any_string,
	  .def = "{}", .expect = "an object of NAME: \"value\"" },
	{ .name = "envPass", .type = SBX_CT_ARRAY, .item = &var_name, .def = "[]",
	  .expect = "an array of variable names" },
	{ .name = "secrets", .type = SBX_CT_MAP, .map_key = &var_name, .item = &secret,
	  .def = "{}", .expect = "an object of NAME: {command | env | file}" },
	{ .name = "agents", .type = SBX_CT_MAP, .map_key = &name_key, .item = &agent,
	  .def = "{}", .expect = "an object of NAME: {command, args, npm}" },
	/* Run inside the sandbox, where only what is mounted can be named. */
	{ .name = "scripts", .type = SBX_CT_ARRAY, .flags = SBX_CK_UNTRUSTED_OK,
	  .item = &nonempty_string, .def = "[]",
	  .expect = "an array of paths" },
	{ .name = "plugins", .type = SBX_CT_ARRAY, .item = &name_key, .def = "[]",
	  .expect = "an array of plugin names" },
	{ .name = "network", .type = SBX_CT_OBJECT, .fields = network_fields },
	{ .name = "ssh", .type = SBX_CT_OBJECT, .fields = ssh_fields },
	{ .name = "notify", .type = SBX_CT_OBJECT, .fields = notify_fields },
	{ .name = "worktree", .type = SBX_CT_OBJECT, .fields = worktree_fields },
	{ .name = "template", .type = SBX_CT_OBJECT, .fields = template_fields },
	{ .name = "resources", .type = SBX_CT_OBJECT, .fields = resources_fields },
	{ .name = "warmPool", .type = SBX_CT_INT, .min = 0, .max = 8, .def = "0",
	  .env = "SBX_WARM_POOL" },
	{ .name = "personal", .type = SBX_CT_MAP, .map_key = &name_key, .item = &personal_paths,
	  .def = "{}", .expect = "an object of AGENT: [relative paths]" },
	{ .name = "trust", .type = SBX_CT_OBJECT, .fields = trust_fields },
	{ .name = NULL },
};

const struct sbx_config_key sbx_config_schema = {
	.name = "", .type = SBX_CT_OBJECT, .fields = root_fields,
	.expect = "a JSON object such as {\"cpus\": 4}",
};

/* Validation. */

const struct sbx_config_key *sbx_config_field(const struct sbx_config_key *obj, const char *key)
{
	for (const struct sbx_config_key *f = obj->fields; f && f->name; f++)
		if (!strcmp(f->name, key))
			return f;
	return NULL;
}

void sbx_config_expect(const struct sbx_config_key *k, struct sbx_buf *out)
{
	size_t n = 0;

	switch (k->type) {
	case SBX_CT_BOOL:
		sbx_buf_adds(out, "true or false");
		return;
	case SBX_CT_INT:
		sbx_buf_addf(out, "a whole number from %lld to %lld", k->min, k->max);
		return;
	case SBX_CT_ENUM:
		while (k->choices[n])
			n++;
		for (size_t i = 0; i < n; i++)
			sbx_buf_addf(out, "%s\"%s\"", !i ? "" : i + 1 == n ? " or " : ", ",
				     k->choices[i]);
		return;
	case SBX_CT_STRING:
		sbx_buf_adds(out, k->expect ? k->expect : "a string");
		return;
	case SBX_CT_ARRAY:
		sbx_buf_adds(out, k->expect ? k->expect : "an array");
		return;
	case SBX_CT_MAP:
	case SBX_CT_OBJECT:
		sbx_buf_adds(out, k->expect ? k->expect : "an object");
		return;
	}
}

/* What was found, for a message: the variable's text, or the JSON value's type and value. */
static char *found(const cJSON *v, const char *raw)
{
	struct sbx_buf b = SBX_BUF_INIT;
	cJSON *s;

	if (!raw)
		return sbx_json_describe(v);
	s = sbx_json_new_string(raw);
	sbx_json_print(&b, s, 0);
	cJSON_Delete(s);
	return sbx_buf_detach(&b);
}

static int bad_value(const struct sbx_config_key *k, const cJSON *v, const char *source,
		     const struct sbx_buf *path, const char *raw)
{
	struct sbx_buf expect = SBX_BUF_INIT;
	char *what = found(v, raw);

	sbx_config_expect(k, &expect);
	if (path->len)
		sbx_error("%s: %s: found %s, expected %s", source, path->buf, what, expect.buf);
	else
		sbx_error("%s: found %s, expected %s", source, what, expect.buf);
	if (k->type == SBX_CT_ENUM && cJSON_IsString(v)) {
		size_t n = 0;
		const char *near;

		while (k->choices[n])
			n++;
		near = sbx_nearest(v->valuestring, k->choices, n);
		if (near)
			sbx_error("%s: %s: found %s, expected %s (did you mean \"%s\"?)", source,
				  path->buf, what, expect.buf, near);
	}
	free(what);
	sbx_buf_release(&expect);
	return -1;
}

static int check_int(const struct sbx_config_key *k, const cJSON *v)
{
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= (double)k->min && d <= (double)k->max))
		return -1;
	return (double)(long long)d == d ? 0 : -1;
}

static int check_enum(const struct sbx_config_key *k, const cJSON *v)
{
	if (!cJSON_IsString(v))
		return -1;
	for (size_t i = 0; k->choices[i]; i++)
		if (!strcmp(k->choices[i], v->valuestring))
			return 0;
	return -1;
}

/* Appends ".key" (or "key" at the top) to path. */
static void push_key(struct sbx_buf *path, const char *key)
{
	if (path->len)
		sbx_buf_addch(path, '.');
	sbx_buf_adds(path, key);
}

static int duplicate_key(const cJSON *obj, const cJSON *item)
{
	for (const cJSON *c = obj->child; c && c != item; c = c->next)
		if (!strcmp(c->string, item->string))
			return 1;
	return 0;
}

static int unknown_key(const struct sbx_config_key *k, const char *key, const char *source,
		       struct sbx_buf *path)
{
	size_t n = 0, len = path->len;
	const char **names;
	const char *near;
	char *full;

	while (k->fields[n].name)
		n++;
	names = sbx_calloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = k->fields[i].name;
	near = sbx_nearest(key, names, n);
	push_key(path, key);
	full = sbx_strdup(path->buf);
	sbx_buf_truncate(path, len);
	if (near) {
		push_key(path, near);
		sbx_error("%s: unknown key '%s' (did you mean '%s'?)", source, full, path->buf);
		sbx_buf_truncate(path, len);
	} else {
		struct sbx_buf known = SBX_BUF_INIT;

		for (size_t i = 0; i < n; i++)
			sbx_buf_addf(&known, "%s%s", i ? ", " : "", names[i]);
		sbx_error("%s: unknown key '%s' (known keys%s%s: %s)", source, full,
			  len ? " of " : "", len ? path->buf : "", known.buf);
		sbx_buf_release(&known);
	}
	free(full);
	free(names);
	return -1;
}

static int check_object(const struct sbx_config_key *k, const cJSON *v, const char *source,
			struct sbx_buf *path, const char *raw)
{
	size_t len = path->len;
	const cJSON *c;
	int nr = 0;

	cJSON_ArrayForEach(c, v) {
		const struct sbx_config_key *f = sbx_config_field(k, c->string);

		if (duplicate_key(v, c)) {
			push_key(path, c->string);
			sbx_error("%s: %s: duplicate key", source, path->buf);
			sbx_buf_truncate(path, len);
			return -1;
		}
		if (!f)
			return unknown_key(k, c->string, source, path);
		push_key(path, c->string);
		if (f->flags & SBX_CK_REMOVED) {
			sbx_error("%s: %s is no longer a key: %s", source, path->buf, f->expect);
			return -1;
		}
		if (sbx_config_check(f, c, source, path, raw))
			return -1;
		sbx_buf_truncate(path, len);
		nr++;
	}
	for (const struct sbx_config_key *f = k->fields; f->name; f++) {
		if ((f->flags & SBX_CK_REQUIRED) && !cJSON_GetObjectItemCaseSensitive(v, f->name)) {
			struct sbx_buf expect = SBX_BUF_INIT;

			sbx_config_expect(f, &expect);
			sbx_error("%s: %s: missing key '%s' (%s)", source, path->buf, f->name,
				  expect.buf);
			sbx_buf_release(&expect);
			return -1;
		}
	}
	if ((k->flags & SBX_CK_ONE_OF) && nr != 1) {
		struct sbx_buf keys = SBX_BUF_INIT;

		cJSON_ArrayForEach(c, v)
			sbx_buf_addf(&keys, "%s'%s'", keys.len ? (c->next ? ", " : " and ") : "",
				     c->string);
		if (nr)
			sbx_error("%s: %s: found %s together, expected %s", source, path->buf,
				  keys.buf, k->expect);
		else
			sbx_error("%s: %s: found an empty object, expected %s", source, path->buf,
				  k->expect);
		sbx_buf_release(&keys);
		return -1;
	}
	return 0;
}

static int check_map(const struct sbx_config_key *k, const cJSON *v, const char *source,
		     struct sbx_buf *path, const char *raw)
{
	size_t len = path->len;
	const cJSON *c;

	cJSON_ArrayForEach(c, v) {
		push_key(path, c->string);
		if (duplicate_key(v, c)) {
			sbx_error("%s: %s: duplicate key", source, path->buf);
			return -1;
		}
		if (k->map_key->check(k->map_key, c->string)) {
			cJSON *key = sbx_json_new_string(c->string);
			char *what = sbx_json_describe(key);

			sbx_buf_truncate(path, len);
			sbx_error("%s: %s: found key %s, expected %s", source, path->buf,
				  what + strlen("string "), k->map_key->expect);
			free(what);
			cJSON_Delete(key);
			return -1;
		}
		if (sbx_config_check(k->item, c, source, path, raw))
			return -1;
		sbx_buf_truncate(path, len);
	}
	return 0;
}

int sbx_config_check(const struct sbx_config_key *k, const cJSON *v, const char *source,
		     struct sbx_buf *path, const char *raw)
{
	size_t len = path->len;
	const cJSON *c;
	int i = 0;

	switch (k->type) {
	case SBX_CT_BOOL:
		return cJSON_IsBool(v) ? 0 : bad_value(k, v, source, path, raw);
	case SBX_CT_INT:
		return check_int(k, v) ? bad_value(k, v, source, path, raw) : 0;
	case SBX_CT_ENUM:
		return check_enum(k, v) ? bad_value(k, v, source, path, raw) : 0;
	case SBX_CT_STRING:
		if (!cJSON_IsString(v) || (k->check && k->check(k, v->valuestring)))
			return bad_value(k, v, source, path, raw);
		return 0;
	case SBX_CT_ARRAY:
		if (!cJSON_IsArray(v))
			return bad_value(k, v, source, path, raw);
		cJSON_ArrayForEach(c, v) {
			sbx_buf_addf(path, "[%d]", i++);
			if (sbx_config_check(k->item, c, source, path, raw))
				return -1;
			sbx_buf_truncate(path, len);
		}
		return 0;
	case SBX_CT_MAP:
		if (!cJSON_IsObject(v))
			return bad_value(k, v, source, path, raw);
		return check_map(k, v, source, path, raw);
	case SBX_CT_OBJECT:
		if (!cJSON_IsObject(v))
			return bad_value(k, v, source, path, raw);
		return check_object(k, v, source, path, raw);
	}
	return bad_value(k, v, source, path, raw);
}

/* Trust (lib/trust.h). */

/* Does an untrusted file get to set k, or some key inside it? */
static int any_untrusted_ok(const struct sbx_config_key *k)
{
	if (k->flags & SBX_CK_UNTRUSTED_OK)
		return 1;
	if (k->type != SBX_CT_OBJECT || (k->flags & SBX_CK_ONE_OF))
		return 0;
	for (const struct sbx_config_key *f = k->fields; f->name; f++)
		if (any_untrusted_ok(f))
			return 1;
	return 0;
}

static void split(const struct sbx_config_key *k, const cJSON *v, cJSON *ok, cJSON *denied,
		  struct sbx_buf *path, struct sbx_strvec *keys)
{
	size_t len = path->len;
	const cJSON *c;

	cJSON_ArrayForEach(c, v) {
		const struct sbx_config_key *f = sbx_config_field(k, c->string);

		push_key(path, c->string);
		if (f->flags & SBX_CK_UNTRUSTED_OK) {
			sbx_json_add_item(ok, c->string, sbx_json_dup(c));
		} else if (any_untrusted_ok(f)) {
			/* notify: enabled and events are free, sound is not. */
			cJSON *sub_ok = sbx_json_add_item(ok, c->string, sbx_json_new_object());
			cJSON *sub_denied = sbx_json_add_item(denied, c->string,
							      sbx_json_new_object());

			split(f, c, sub_ok, sub_denied, path, keys);
			if (!sub_ok->child)
				cJSON_DeleteItemFromObjectCaseSensitive(ok, c->string);
			if (!sub_denied->child)
				cJSON_DeleteItemFromObjectCaseSensitive(denied, c->string);
		} else if ((cJSON_IsArray(c) || cJSON_IsObject(c)) && !c->child) {
			/* [] or {} adds nothing to what the layers below set. */
		} else {
			sbx_json_add_item(denied, c->string, sbx_json_dup(c));
			sbx_strvec_push(keys, path->buf);
		}
		sbx_buf_truncate(path, len);
	}
}

cJSON *sbx_config_split_trust(const cJSON *doc, cJSON **needs_trust, struct sbx_strvec *keys)
{
	struct sbx_buf path = SBX_BUF_INIT;
	cJSON *ok = sbx_json_new_object(), *denied = sbx_json_new_object();

	split(&sbx_config_schema, doc, ok, denied, &path, keys);
	sbx_buf_release(&path);
	if (!denied->child) {
		cJSON_Delete(denied);
		denied = NULL;
	}
	*needs_trust = denied;
	return ok;
}

static int find_user_only(const struct sbx_config_key *k, const cJSON *v, struct sbx_buf *path)
{
	size_t len = path->len;
	const cJSON *c;

	cJSON_ArrayForEach(c, v) {
		const struct sbx_config_key *f = sbx_config_field(k, c->string);

		push_key(path, c->string);
		if (f->flags & SBX_CK_USER_ONLY)
			return -1;
		if (f->type == SBX_CT_OBJECT && !(f->flags & SBX_CK_ONE_OF) &&
		    find_user_only(f, c, path))
			return -1;
		sbx_buf_truncate(path, len);
	}
	return 0;
}

int sbx_config_find_user_only(const cJSON *doc, struct sbx_buf *path)
{
	return find_user_only(&sbx_config_schema, doc, path);
}
