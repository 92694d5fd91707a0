/*
 * The configuration: every key of the schema, good and bad; unknown keys;
 * layers and origins; SBX_* variables; files; `config show`; sizes.
 */
#include "tap.h"

#include "config.h"
#include "config-schema.h"
#include "json.h"
#include "paths.h"
#include "spawn.h"
#include "strvec.h"
#include "xalloc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char *scratch;

static cJSON *parse(const char *text)
{
	cJSON *j = NULL;

	if (sbx_jsonc_parse(text, strlen(text), "t.json", &j)) {
		diag("cannot parse %s: %s", text, sbx_last_error());
		return NULL;
	}
	return j;
}

/* 0 or -1, as sbx_config_validate gives for text under the name "t.json". */
static int validate(const char *text)
{
	cJSON *j = parse(text);
	int ret;

	if (!j)
		return -2;
	sbx_clear_error();
	ret = sbx_config_validate(j, "t.json");
	cJSON_Delete(j);
	return ret;
}

static int merge(struct sbx_config *cfg, enum sbx_layer layer, const char *source,
		 const char *text)
{
	cJSON *j = parse(text);
	int ret;

	if (!j)
		return -2;
	ret = sbx_config_merge(cfg, layer, source, j);
	cJSON_Delete(j);
	return ret;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/*
 * One good and one bad value for every key. schema is the key's path in the
 * schema ("mounts[].writable", "secrets.*.env"); every schema key must have a
 * row. path is what the message for the bad value must name.
 */
static const struct {
	const char *schema, *good, *bad, *path;
} keys[] = {
	{ "backend", "{\"backend\": \"bwrap\"}", "{\"backend\": \"docker\"}", "backend" },
	{ "agent", "{\"agent\": \"codex\"}", "{\"agent\": \"my agent\"}", "agent" },
	{ "persistent", "{\"persistent\": true}", "{\"persistent\": \"yes\"}", "persistent" },
	{ "tmux", "{\"tmux\": false}", "{\"tmux\": 1}", "tmux" },
	{ "cpus", "{\"cpus\": 256}", "{\"cpus\": 0}", "cpus" },
	{ "cpus", "{\"cpus\": 1}", "{\"cpus\": 257}", "cpus" },
	{ "cpus", "{\"cpus\": 2}", "{\"cpus\": 2.5}", "cpus" },
	{ "cpus", "{\"cpus\": 2}", "{\"cpus\": \"4\"}", "cpus" },
	{ "memory", "{\"memory\": \"8GiB\"}", "{\"memory\": \"lots\"}", "memory" },
	{ "memory", "{\"memory\": \"1.5GiB\"}", "{\"memory\": \"1MiB\"}", "memory" },
	{ "memory", "{\"memory\": \"536870912\"}", "{\"memory\": 8}", "memory" },
	{ "disk", "{\"disk\": \"50GiB\"}", "{\"disk\": \"50GB\"}", "disk" },
	{ "vmType", "{\"vmType\": \"vz\"}", "{\"vmType\": \"kvm\"}", "vmType" },
	{ "mountType", "{\"mountType\": \"9p\"}", "{\"mountType\": \"nfs\"}", "mountType" },
	{ "image", "{\"image\": \"template:debian-12\"}", "{\"image\": \"\"}", "image" },
	{ "mounts", "{\"mounts\": []}", "{\"mounts\": {}}", "mounts" },
	{ "mounts[].location", "{\"mounts\": [{\"location\": \"~/data\"}]}",
	  "{\"mounts\": [{\"location\": \"data\"}]}", "mounts[0].location" },
	{ "mounts[].location", "{\"mounts\": [{\"location\": \"/srv\"}]}",
	  "{\"mounts\": [{\"writable\": true}]}", "mounts[0]" },
	{ "mounts[].mountPoint", "{\"mounts\": [{\"location\": \"/a\", \"mountPoint\": \"~/b\"}]}",
	  "{\"mounts\": [{\"location\": \"/a\", \"mountPoint\": \"b\"}]}",
	  "mounts[0].mountPoint" },
	{ "mounts[].writable",
	  "{\"mounts\": [{\"location\": \"/a\"}, {\"location\": \"/b\"}, "
	  "{\"location\": \"/c\", \"writable\": true}]}",
	  "{\"mounts\": [{\"location\": \"/a\"}, {\"location\": \"/b\"}, "
	  "{\"location\": \"/c\", \"writable\": \"yes\"}]}", "mounts[2].writable" },
	{ "env", "{\"env\": {\"FOO\": \"bar\", \"_X1\": \"\"}}", "{\"env\": {\"FOO\": 1}}",
	  "env.FOO" },
	{ "env", "{\"env\": {}}", "{\"env\": {\"1X\": \"a\"}}", "env" },
	{ "env", "{\"env\": {}}", "{\"env\": [\"A=b\"]}", "env" },
	{ "envPass", "{\"envPass\": [\"TERM_X\", \"LANG\"]}", "{\"envPass\": [\"LANG\", \"A-B\"]}",
	  "envPass[1]" },
	{ "secrets", "{\"secrets\": {\"TOKEN\": {\"command\": \"pass show t\"}}}",
	  "{\"secrets\": []}", "secrets" },
	{ "secrets", "{\"secrets\": {}}", "{\"secrets\": {\"TOKEN\": \"s3cret\"}}",
	  "secrets.TOKEN" },
	{ "secrets", "{\"secrets\": {}}", "{\"secrets\": {\"A.B\": {\"env\": \"X\"}}}",
	  "secrets" },
	{ "secrets.*.command", "{\"secrets\": {\"T\": {\"command\": \"x\"}}}",
	  "{\"secrets\": {\"T\": {\"command\": \"\"}}}", "secrets.T.command" },
	{ "secrets.*.env", "{\"secrets\": {\"T\": {\"env\": \"GH_TOKEN\"}}}",
	  "{\"secrets\": {\"T\": {\"env\": \"GH TOKEN\"}}}", "secrets.T.env" },
	{ "secrets.*.file", "{\"secrets\": {\"T\": {\"file\": \"~/.t\"}}}",
	  "{\"secrets\": {\"T\": {\"file\": \".t\"}}}", "secrets.T.file" },
	{ "agents", "{\"agents\": {\"aider\": {}}}", "{\"agents\": {\"aider\": \"aider\"}}",
	  "agents.aider" },
	{ "agents.*.command", "{\"agents\": {\"x\": {\"command\": \"x --go\"}}}",
	  "{\"agents\": {\"x\": {\"command\": 1}}}", "agents.x.command" },
	{ "agents.*.args", "{\"agents\": {\"x\": {\"args\": [\"a\", \"\"]}}}",
	  "{\"agents\": {\"x\": {\"args\": [\"a\", 2]}}}", "agents.x.args[1]" },
	{ "agents.*.npm", "{\"agents\": {\"x\": {\"npm\": \"@x/cli\"}}}",
	  "{\"agents\": {\"x\": {\"npm\": \"\"}}}", "agents.x.npm" },
	{ "agents.*.login", "{\"agents\": {\"x\": {\"login\": {}}}}",
	  "{\"agents\": {\"x\": {\"login\": [\"login\"]}}}", "agents.x.login" },
	{ "agents.*.login.args", "{\"agents\": {\"x\": {\"login\": {\"args\": [\"login\"]}}}}",
	  "{\"agents\": {\"x\": {\"login\": {\"args\": \"login\"}}}}", "agents.x.login.args" },
	{ "agents.*.login.files", "{\"agents\": {\"x\": {\"login\": {\"files\": [\".x/auth\"]}}}}",
	  "{\"agents\": {\"x\": {\"login\": {\"files\": [\"/etc/x\"]}}}}",
	  "agents.x.login.files[0]" },
	{ "agents.*.login.token", "{\"agents\": {\"x\": {\"login\": {\"token\": \"X_TOKEN\"}}}}",
	  "{\"agents\": {\"x\": {\"login\": {\"token\": \"X-TOKEN\"}}}}", "agents.x.login.token" },
	{ "agents.*.login.tokenPrefix",
	  "{\"agents\": {\"x\": {\"login\": {\"tokenPrefix\": \"x-\"}}}}",
	  "{\"agents\": {\"x\": {\"login\": {\"tokenPrefix\": \"\"}}}}",
	  "agents.x.login.tokenPrefix" },
	{ "agents.*.login.check", "{\"agents\": {\"x\": {\"login\": {\"check\": [\"status\"]}}}}",
	  "{\"agents\": {\"x\": {\"login\": {\"check\": [1]}}}}", "agents.x.login.check[0]" },
	{ "agents.*.allow", "{\"agents\": {\"x\": {\"allow\": [\"api.x.test\"]}}}",
	  "{\"agents\": {\"x\": {\"allow\": [\"1.2.3.4\"]}}}", "agents.x.allow[0]" },
	{ "scripts", "{\"scripts\": [\".sbx/a.sh\", \"/opt/b.sh\"]}", "{\"scripts\": [\"\"]}",
	  "scripts[0]" },
	{ "plugins", "{\"plugins\": [\"node\", \"docker\"]}", "{\"plugins\": [\"no de\"]}",
	  "plugins[0]" },
	{ "network", "{\"network\": {}}", "{\"network\": \"open\"}", "network" },
	{ "network.mode", "{\"network\": {\"mode\": \"none\"}}",
	  "{\"network\": {\"mode\": \"bridge\"}}", "network.mode" },
	{ "network.allow",
	  "{\"network\": {\"allow\": [\"example.com\", \"*.github.com\", \"Git.Example.com.:22\"]}}",
	  "{\"network\": {\"allow\": [\"https://example.com\"]}}", "network.allow[0]" },
	{ "network.allow", "{\"network\": {\"allow\": []}}",
	  "{\"network\": {\"allow\": [\"a.com\", \"10.0.0.0/8\"]}}", "network.allow[1]" },
	{ "network.deny", "{\"network\": {\"deny\": [\"*.evil.test\", \"a.test:8080\"]}}",
	  "{\"network\": {\"deny\": [\"a.test:0\"]}}", "network.deny[0]" },
	{ "network.hosts", "{\"network\": {\"hosts\": {\"db.test\": \"10.0.0.5\", \"v6.test\": \"::1\"}}}",
	  "{\"network\": {\"hosts\": {\"db.test\": \"db.internal\"}}}", "network.hosts.db.test" },
	{ "network.hosts", "{\"network\": {\"hosts\": {}}}",
	  "{\"network\": {\"hosts\": {\"a b\": \"10.0.0.5\"}}}", "network.hosts" },
	{ "network.registries", "{\"network\": {\"registries\": [\"npm\", \"pypi\"]}}",
	  "{\"network\": {\"registries\": [\"cpan\"]}}", "network.registries[0]" },
	{ "network.upstream", "{\"network\": {\"upstream\": \"http://proxy.corp:3128\"}}",
	  "{\"network\": {\"upstream\": \"proxy.corp\"}}", "network.upstream" },
	{ "ssh", "{\"ssh\": {}}", "{\"ssh\": true}", "ssh" },
	{ "ssh.forwardAgent", "{\"ssh\": {\"forwardAgent\": true}}",
	  "{\"ssh\": {\"forwardAgent\": \"true\"}}", "ssh.forwardAgent" },
	{ "notify", "{\"notify\": {}}", "{\"notify\": []}", "notify" },
	{ "notify.enabled", "{\"notify\": {\"enabled\": false}}",
	  "{\"notify\": {\"enabled\": \"no\"}}", "notify.enabled" },
	{ "notify.events", "{\"notify\": {\"events\": [\"Stop\", \"Notification\"]}}",
	  "{\"notify\": {\"events\": [\"stop\"]}}", "notify.events[0]" },
	{ "notify.sound", "{\"notify\": {\"sound\": \"Glass\"}}", "{\"notify\": {\"sound\": 1}}",
	  "notify.sound" },
	{ "worktree", "{\"worktree\": {}}", "{\"worktree\": \"../wt\"}", "worktree" },
	{ "worktree.path", "{\"worktree\": {\"path\": \"~/wt/{repo}/{branch}\"}}",
	  "{\"worktree\": {\"path\": \"../wt\"}}", "worktree.path" },
	{ "worktree.path", "{\"worktree\": {\"path\": \"{branch}\"}}",
	  "{\"worktree\": {\"path\": \"../{bramch}\"}}", "worktree.path" },
	{ "template", "{\"template\": {}}", "{\"template\": \"shared\"}", "template" },
	{ "template.name", "{\"template\": {\"name\": \"shared\"}}",
	  "{\"template\": {\"name\": \"a b\"}}", "template.name" },
	{ "resources", "{\"resources\": {}}", "{\"resources\": 4096}", "resources" },
	{ "resources.pids", "{\"resources\": {\"pids\": 0}}",
	  "{\"resources\": {\"pids\": -1}}", "resources.pids" },
	{ "resources.pids", "{\"resources\": {\"pids\": 64}}",
	  "{\"resources\": {\"pids\": \"64\"}}", "resources.pids" },
	{ "resources.memory", "{\"resources\": {\"memory\": \"50%\"}}",
	  "{\"resources\": {\"memory\": \"101%\"}}", "resources.memory" },
	{ "resources.memory", "{\"resources\": {\"memory\": \"64MiB\"}}",
	  "{\"resources\": {\"memory\": \"63MiB\"}}", "resources.memory" },
	{ "resources.memory", "{\"resources\": {\"memory\": \"0\"}}",
	  "{\"resources\": {\"memory\": \"x%\"}}", "resources.memory" },
	{ "resources.cpus", "{\"resources\": {\"cpus\": 2}}",
	  "{\"resources\": {\"cpus\": 1.5}}", "resources.cpus" },
	{ "warmPool", "{\"warmPool\": 8}", "{\"warmPool\": 9}", "warmPool" },
	{ "warmPool", "{\"warmPool\": 0}", "{\"warmPool\": -1}", "warmPool" },
	{ "personal", "{\"personal\": {\"claude\": [\"CLAUDE.md\", \"agents/x.md\"]}}",
	  "{\"personal\": {\"claude\": \"CLAUDE.md\"}}", "personal.claude" },
	{ "personal", "{\"personal\": {}}", "{\"personal\": {\"claude\": [\"a\", \"../x\"]}}",
	  "personal.claude[1]" },
	{ "personal", "{\"personal\": {}}", "{\"personal\": {\"claude\": [\"/etc/x\"]}}",
	  "personal.claude[0]" },
	{ "trust", "{\"trust\": {}}", "{\"trust\": \"refuse\"}", "trust" },
	{ "trust.untrusted", "{\"trust\": {\"untrusted\": \"refuse\"}}",
	  "{\"trust\": {\"untrusted\": \"deny\"}}", "trust.untrusted" },
};

#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

static void test_every_key(void)
{
	for (size_t i = 0; i < NR_KEYS; i++) {
		char *want = sbx_asprintf("t.json: %s: ", keys[i].path);

		is_int(validate(keys[i].good), 0, "%s: good %s", keys[i].schema, keys[i].good);
		if (validate(keys[i].good))
			diag("%s", sbx_last_error());
		is_int(validate(keys[i].bad), -1, "%s: bad %s", keys[i].schema, keys[i].bad);
		like(sbx_last_error(), want, "%s: the message names the key", keys[i].path);
		free(want);
	}
}

/* Every named key of the schema, as "mounts[].location", "secrets.*.env". */
static void schema_paths(const struct sbx_config_key *k, struct sbx_buf *path,
			 struct sbx_strvec *out)
{
	size_t len = path->len;

	if (k->type == SBX_CT_OBJECT) {
		for (const struct sbx_config_key *f = k->fields; f->name; f++) {
			if (f->flags & SBX_CK_REMOVED)
				continue;
			sbx_buf_addf(path, "%s%s", len ? "." : "", f->name);
			sbx_strvec_push(out, path->buf);
			schema_paths(f, path, out);
			sbx_buf_truncate(path, len);
		}
	} else if (k->type == SBX_CT_ARRAY) {
		sbx_buf_adds(path, "[]");
		schema_paths(k->item, path, out);
		sbx_buf_truncate(path, len);
	} else if (k->type == SBX_CT_MAP) {
		sbx_buf_adds(path, ".*");
		schema_paths(k->item, path, out);
		sbx_buf_truncate(path, len);
	}
}

static void test_coverage(void)
{
	struct sbx_strvec paths = SBX_STRVEC_INIT;
	struct sbx_buf path = SBX_BUF_INIT;
	int missing = 0;

	schema_paths(&sbx_config_schema, &path, &paths);
	for (size_t i = 0; i < paths.nr; i++) {
		size_t j;

		for (j = 0; j < NR_KEYS; j++)
			if (!strcmp(keys[j].schema, paths.v[i]))
				break;
		if (j == NR_KEYS) {
			diag("no good/bad test for the key '%s'", paths.v[i]);
			missing++;
		}
	}
	ok(paths.nr >= 40 && !missing, "every one of the %zu schema keys has a test", paths.nr);
	sbx_strvec_clear(&paths);
	sbx_buf_release(&path);
}

/*
 * What a project's .sbx.json may set without `sbx trust`: only keys that
 * cannot reach outside the sandbox. Changing this list is a security
 * decision (README "Configuration trust").
 */
static const char *const untrusted_ok[] = {
	"agent", "persistent", "tmux", "env", "scripts", "notify.enabled", "notify.events",
	"vmType", "mountType", NULL,
};

/* Is the schema path ("notify.events", "env.*") in the list, or below an entry of it? */
static int in_untrusted_ok(const char *schema)
{
	for (size_t i = 0; untrusted_ok[i]; i++) {
		size_t len = strlen(untrusted_ok[i]);

		if (!strncmp(schema, untrusted_ok[i], len) &&
		    (!schema[len] || schema[len] == '.' || schema[len] == '['))
			return 1;
	}
	return 0;
}

static void flagged(const struct sbx_config_key *k, unsigned flag, struct sbx_buf *path,
		    struct sbx_strvec *out)
{
	size_t len = path->len;

	if (k->type != SBX_CT_OBJECT)
		return;
	for (const struct sbx_config_key *f = k->fields; f->name; f++) {
		sbx_buf_addf(path, "%s%s", len ? "." : "", f->name);
		if (f->flags & flag)
			sbx_strvec_push(out, path->buf);
		flagged(f, flag, path, out);
		sbx_buf_truncate(path, len);
	}
}

static void test_allowlist(void)
{
	struct sbx_strvec marked = SBX_STRVEC_INIT, user_only = SBX_STRVEC_INIT;
	struct sbx_buf path = SBX_BUF_INIT;
	size_t n = 0;
	int wrong = 0;

	flagged(&sbx_config_schema, SBX_CK_UNTRUSTED_OK, &path, &marked);
	for (size_t i = 0; i < marked.nr; i++)
		if (!in_untrusted_ok(marked.v[i])) {
			diag("'%s' is marked SBX_CK_UNTRUSTED_OK but is not in the allow-list",
			     marked.v[i]);
			wrong++;
		}
	while (untrusted_ok[n])
		n++;
	ok(!wrong && marked.nr == n, "the schema marks exactly the %zu allowed keys (%zu marked)",
	   n, marked.nr);
	flagged(&sbx_config_schema, SBX_CK_USER_ONLY, &path, &user_only);
	ok(user_only.nr == 1 && !strcmp(user_only.v[0], "trust.untrusted"),
	   "only trust.untrusted is for your own configuration alone");

	/* Every key's good value: free when allowed or empty, else needs trust. */
	for (size_t i = 0; i < NR_KEYS; i++) {
		struct sbx_strvec names = SBX_STRVEC_INIT;
		cJSON *doc = parse(keys[i].good), *needs = NULL, *allowed;
		const cJSON *top = doc ? doc->child : NULL;
		int empty = top && (cJSON_IsArray(top) || cJSON_IsObject(top)) && !top->child;
		int want = !in_untrusted_ok(keys[i].schema) && !empty;

		if (!doc)
			continue;
		allowed = sbx_config_split_trust(doc, &needs, &names);
		if (!ok((needs != NULL) == want, "%s %s: %s", keys[i].schema,
			want ? "needs trust" : "needs none", keys[i].good))
			diag("needs trust: %s", names.nr ? names.v[0] : "nothing");
		if (want)
			ok(names.nr == 1 && !strncmp(keys[i].schema, names.v[0], strlen(names.v[0])),
			   "and is named as '%s'", names.nr ? names.v[0] : "");
		else
			ok(!names.nr && (empty || allowed->child), "and is kept");
		cJSON_Delete(allowed);
		cJSON_Delete(needs);
		cJSON_Delete(doc);
		sbx_strvec_clear(&names);
	}
	sbx_strvec_clear(&marked);
	sbx_strvec_clear(&user_only);
	sbx_buf_release(&path);
}

static void test_messages(void)
{
	is_int(validate("{\"mounts\": [{\"location\": \"/a\"}, {\"location\": \"/b\"}, "
			"{\"location\": \"/c\", \"writable\": \"yes\"}]}"), -1, "a bad mount");
	is_str(sbx_last_error(),
	       "t.json: mounts[2].writable: found string \"yes\", expected true or false",
	       "names the source, the path, what was found and what was expected");
	validate("{\"cpus\": 0}");
	is_str(sbx_last_error(), "t.json: cpus: found number 0, expected a whole number from 1 to 256",
	       "cpus 0 is out of range");
	validate("{\"memory\": \"lots\"}");
	like(sbx_last_error(), "t.json: memory: found string \"lots\", expected a size",
	     "memory \"lots\" is not a size");
	validate("{\"mounts\": [{\"location\": \"src\"}]}");
	is_str(sbx_last_error(), "t.json: mounts[0].location: found string \"src\", expected an "
	       "absolute path or one starting with ~/", "a relative location is refused");
	validate("{\"mounts\": [{\"writable\": true}]}");
	like(sbx_last_error(), "mounts[0]: missing key 'location'", "a mount needs its location");
	validate("{\"secrets\": {\"TOKEN\": {\"command\": \"x\", \"env\": \"Y\"}}}");
	is_str(sbx_last_error(), "t.json: secrets.TOKEN: found 'command' and 'env' together, "
	       "expected an object with exactly one of command, env or file",
	       "a secret of two kinds is refused");
	validate("{\"secrets\": {\"TOKEN\": {}}}");
	like(sbx_last_error(), "secrets.TOKEN: found an empty object, expected an object with "
	     "exactly one", "a secret of no kind is refused");
	validate("{\"env\": {\"1X\": \"a\"}}");
	like(sbx_last_error(), "env: found key \"1X\", expected a variable name",
	     "a bad name in a map names the key");
	validate("{\"vmType\": \"qemy\"}");
	like(sbx_last_error(), "expected \"vz\" or \"qemu\" (did you mean \"qemu\"?)",
	     "an enum lists its values and the nearest");
	is_int(validate("{\"network\": {\"egress\": \"allowlist\"}}"), -1,
	       "network.egress, which network.mode replaced, is refused");
	is_str(sbx_last_error(), "t.json: network.egress is no longer a key: write \"network\": "
	       "{\"mode\": \"allowlist\"} (or \"open\") instead", "in one line saying what to write");
	validate("{\"network\": {\"allow\": [\"10.0.0.0/8\"]}}");
	like(sbx_last_error(), "addresses and CIDR ranges are not entries: pin a name to an address "
	     "in network.hosts", "an old allow entry of addresses says what to write instead");
	validate("{\"mountType\": \"nfs\"}");
	like(sbx_last_error(), "expected \"reverse-sshfs\", \"9p\" or \"virtiofs\"",
	     "three values are listed with commas and 'or'");
	is_int(validate("[1, 2]"), -1, "a document that is an array is refused");
	like(sbx_last_error(), "t.json: found array, expected a JSON object", "as not an object");
	is_int(validate("\"cpus\""), -1, "a document that is a string is refused");
	is_int(validate("{\"cpus\": 2, \"cpus\": 3}"), -1, "a duplicate key is refused");
	like(sbx_last_error(), "t.json: cpus: duplicate key", "naming it");
	is_int(validate("{\"env\": {\"A\": \"1\", \"A\": \"2\"}}"), -1,
	       "a duplicate key in a map is refused");
	like(sbx_last_error(), "env.A: duplicate key", "naming it");
}

static void test_unknown_keys(void)
{
	is_int(validate("{\"netwrok\": {}}"), -1, "an unknown top-level key is refused");
	is_str(sbx_last_error(), "t.json: unknown key 'netwrok' (did you mean 'network'?)",
	       "with the nearest key");
	is_int(validate("{\"network\": {\"mdoe\": \"none\"}}"), -1, "an unknown nested key too");
	is_str(sbx_last_error(), "t.json: unknown key 'network.mdoe' (did you mean 'network.mode'?)",
	       "with the nearest key at its level");
	validate("{\"mounts\": [{\"location\": \"/a\"}, {\"location\": \"/b\", \"writeable\": true}]}");
	is_str(sbx_last_error(),
	       "t.json: unknown key 'mounts[1].writeable' (did you mean 'mounts[1].writable'?)",
	       "inside an array element");
	validate("{\"agents\": {\"x\": {\"arg\": []}}}");
	like(sbx_last_error(), "unknown key 'agents.x.arg' (did you mean 'agents.x.args'?)",
	     "inside a map entry");
	validate("{\"zzzzzzzzzzzz\": 1}");
	like(sbx_last_error(), "unknown key 'zzzzzzzzzzzz' (known keys: backend, agent,",
	     "without a near key, the known keys are listed");
	validate("{\"ssh\": {\"qqqqqqqq\": 1}}");
	like(sbx_last_error(), "unknown key 'ssh.qqqqqqqq' (known keys of ssh: forwardAgent)",
	     "at any level");
	validate("{\"Cpus\": 2}");
	like(sbx_last_error(), "did you mean 'cpus'", "keys are case-sensitive");
}

static void test_defaults(void)
{
	struct sbx_config *cfg = sbx_config_new();

	is_int(sbx_config_int(cfg, "cpus"), 4, "cpus defaults to 4");
	is_str(sbx_config_string(cfg, "agent"), "claude", "the agent defaults to claude");
	is_str(sbx_config_string(cfg, "network.mode"), "open", "the network is open, through the proxy");
	is_str(sbx_config_string(cfg, "network.allow[0]"), "github.com", "the default list allows git hosting");
	is_int(sbx_config_bool(cfg, "notify.enabled"), 1, "notifications are on");
	is_int(sbx_config_bool(cfg, "persistent"), 0, "sessions are ephemeral");
	ok(sbx_config_get(cfg, "backend") == NULL, "no backend is chosen (the backend module does)");
	is_str(sbx_config_origin(cfg, "cpus"), "default", "a default's origin is 'default'");
	is_str(sbx_config_origin(cfg, "notify.events[1]"), "default", "so is an element's");
	is_str(sbx_config_string(cfg, "notify.events[1]"), "Stop", "events default to Stop too");
	ok(sbx_config_get(cfg, "mountType") == NULL, "mountType has no default (Lima chooses)");
	ok(sbx_config_origin(cfg, "mountType") == NULL, "and so no origin");
	ok(sbx_config_get(cfg, "nope.x") == NULL, "an unknown path is NULL");
	ok(sbx_config_get(cfg, "cpus[0]") == NULL, "an index into a scalar is NULL");
	ok(cJSON_IsObject(sbx_config_json(cfg)), "the whole document is an object");
	ok(sbx_config_file(cfg, 0) == NULL, "no file was read");
	sbx_config_free(cfg);
}

static void test_layers(void)
{
	struct sbx_config *cfg = sbx_config_new();
	char *env[] = { "SBX_CPUS=5", NULL };

	is_int(merge(cfg, SBX_LAYER_USER, "user.json",
	      "{\"cpus\": 2, \"mounts\": [{\"location\": \"/a\"}], \"env\": {\"A\": \"1\", \"B\": \"2\"},"
	      " \"agents\": {\"codex\": {\"command\": \"codex\", \"args\": [\"--a\"]}},"
	      " \"secrets\": {\"T\": {\"command\": \"pass t\"}}, \"notify\": {\"events\": [\"Stop\"]},"
	      " \"personal\": {\"claude\": [\"CLAUDE.md\"]}, \"network\": {\"allow\": [\"a.com\"]}}"),
	       0, "the user layer merges");
	is_int(merge(cfg, SBX_LAYER_REPO, "repo/.sbx.json",
	      "{\"cpus\": 3, \"mounts\": [{\"location\": \"/b\", \"writable\": true}],"
	      " \"env\": {\"B\": \"3\", \"C\": \"4\"}, \"network\": {\"mode\": \"none\"},"
	      " \"agents\": {\"codex\": {\"args\": [\"--b\"], \"command\": \"codex2\"}},"
	      " \"secrets\": {\"T\": {\"env\": \"GH_TOKEN\"}},"
	      " \"notify\": {\"events\": [\"Notification\"]}, \"personal\": {\"claude\": [\"x\"]}}"),
	       0, "the repository layer merges");
	is_int(merge(cfg, SBX_LAYER_WORKTREE, "wt/.sbx.json",
	      "{\"mounts\": [{\"location\": \"/c\"}], \"network\": {\"allow\": [\"b.com\"]}}"),
	       0, "the worktree layer merges");
	is_int(sbx_config_merge_env(cfg, env), 0, "SBX_CPUS merges");
	is_int(merge(cfg, SBX_LAYER_FLAG, "--mount", "{\"mounts\": [{\"location\": \"/d\"}]}"), 0,
	       "the flag layer merges");

	is_int(cJSON_GetArraySize(sbx_config_get(cfg, "mounts")), 4, "mounts accumulate");
	is_str(sbx_config_string(cfg, "mounts[0].location"), "/a", "the user's first");
	is_str(sbx_config_string(cfg, "mounts[1].location"), "/b", "the repository's second");
	is_str(sbx_config_string(cfg, "mounts[2].location"), "/c", "the worktree's third");
	is_str(sbx_config_string(cfg, "mounts[3].location"), "/d", "the flag's last");
	is_str(sbx_config_origin(cfg, "mounts[0]"), "user.json", "mounts[0] comes from the user");
	is_str(sbx_config_origin(cfg, "mounts[1]"), "repo/.sbx.json", "mounts[1] from the repo");
	is_str(sbx_config_origin(cfg, "mounts[1].writable"), "repo/.sbx.json",
	       "and so do its fields");
	is_str(sbx_config_origin(cfg, "mounts[2]"), "wt/.sbx.json", "mounts[2] from the worktree");
	is_str(sbx_config_origin(cfg, "mounts[3]"), "--mount", "mounts[3] from the flag");

	is_int(sbx_config_int(cfg, "cpus"), 5, "scalars override: SBX_CPUS wins over files");
	is_str(sbx_config_origin(cfg, "cpus"), "SBX_CPUS", "and is its origin");
	is_str(sbx_config_string(cfg, "network.mode"), "none", "a nested scalar overrides");
	is_str(sbx_config_origin(cfg, "network.mode"), "repo/.sbx.json", "with its origin");
	is_str(sbx_config_origin(cfg, "network.deny"), "default", "its sibling stays default");
	is_str(sbx_config_string(cfg, "network.allow[0]"), "github.com",
	       "network.allow keeps its default list");
	is_str(sbx_config_origin(cfg, "network.allow[0]"), "default", "as the default's");
	is_str(sbx_config_string(cfg, "network.allow[7]"), "a.com", "the user's entry after it");
	is_str(sbx_config_string(cfg, "network.allow[8]"), "b.com", "a nested array accumulates");
	is_str(sbx_config_origin(cfg, "network.allow[7]"), "user.json", "keeping origins");

	is_str(sbx_config_string(cfg, "env.A"), "1", "env.A is kept from the user");
	is_str(sbx_config_origin(cfg, "env.A"), "user.json", "with its origin");
	is_str(sbx_config_string(cfg, "env.B"), "3", "env.B is replaced by the repository's");
	is_str(sbx_config_origin(cfg, "env.B"), "repo/.sbx.json", "with its origin");
	is_str(sbx_config_string(cfg, "env.C"), "4", "env.C is added");

	is_str(sbx_config_string(cfg, "agents.codex.command"), "codex2",
	       "agents.NAME.command overrides");
	is_str(sbx_config_origin(cfg, "agents.codex.command"), "repo/.sbx.json", "its origin");
	is_int(cJSON_GetArraySize(sbx_config_get(cfg, "agents.codex.args")), 2,
	       "agents.NAME.args accumulates");
	is_str(sbx_config_string(cfg, "agents.codex.args[1]"), "--b", "in order");
	is_str(sbx_config_origin(cfg, "agents.codex.args[0]"), "user.json", "args[0]'s origin");
	is_str(sbx_config_origin(cfg, "agents.codex.args[1]"), "repo/.sbx.json",
	       "args[1]'s origin");

	is_str(sbx_config_string(cfg, "secrets.T.env"), "GH_TOKEN", "a secret is replaced");
	ok(sbx_config_get(cfg, "secrets.T.command") == NULL, "whole, not mixed with the older kind");
	is_str(sbx_config_origin(cfg, "secrets.T"), "repo/.sbx.json", "the secret's origin");
	is_str(sbx_config_origin(cfg, "secrets.T.env"), "repo/.sbx.json", "and its leaf's");

	is_int(cJSON_GetArraySize(sbx_config_get(cfg, "notify.events")), 2,
	       "the default events are replaced by the first layer, then accumulate");
	is_str(sbx_config_string(cfg, "notify.events[0]"), "Stop", "the user's event first");
	is_str(sbx_config_origin(cfg, "notify.events[0]"), "user.json", "from the user's file");
	is_str(sbx_config_string(cfg, "notify.events[1]"), "Notification", "the repo's second");

	is_int(cJSON_GetArraySize(sbx_config_get(cfg, "personal.claude")), 2,
	       "personal.AGENT accumulates");
	sbx_config_free(cfg);

	/* A bad layer is not merged at all. */
	cfg = sbx_config_new();
	ok(merge(cfg, SBX_LAYER_USER, "user.json", "{\"cpus\": 7, \"memory\": \"lots\"}") == -1,
	   "a layer with a bad value is refused");
	is_int(sbx_config_int(cfg, "cpus"), 4, "and none of its values is merged");
	is_int(merge(cfg, SBX_LAYER_USER, "user.json", "{\"notify\": {\"events\": []}}"), 0,
	       "an empty events list");
	is_int(cJSON_GetArraySize(sbx_config_get(cfg, "notify.events")), 0,
	       "replaces the default events");
	is_str(sbx_config_origin(cfg, "notify.events"), "user.json", "from the user");
	sbx_config_free(cfg);
}

static void test_env(void)
{
	struct sbx_config *cfg = sbx_config_new();
	char *good[] = {
		"SBX_VM_TYPE=vz", "SBX_SSH_FORWARD_AGENT=yes", "SBX_WARM_POOL=2",
		"SBX_NETWORK_MODE=none", "SBX_TMUX=1", "SBX_PERSISTENT=FALSE", "SBX_AGENT=",
		"SBX_BUILD=/x", "SBX_PLUGIN_PATH=/y", "SBX_NOT_A_KEY=z", "SBX=1",
		"SBX_MEMORY=2GiB", "SBX_TEMPLATE_NAME=shared", "SBX_NOTIFY_ENABLED=off",
		"XSBX_CPUS=9", "SBX_CPUSX=9", NULL,
	};
	char *bad_int[] = { "SBX_CPUS=lots", NULL };
	char *range[] = { "SBX_CPUS=0", NULL };
	char *spaced[] = { "SBX_CPUS= 4", NULL };
	char *bad_bool[] = { "SBX_SSH_FORWARD_AGENT=maybe", NULL };
	char *bad_enum[] = { "SBX_NETWORK_MODE=bridge", NULL };
	char *bad_size[] = { "SBX_DISK=big", NULL };

	is_int(sbx_config_merge_env(cfg, good), 0, "good SBX_* variables merge; others are ignored");
	is_str(sbx_config_string(cfg, "vmType"), "vz", "SBX_VM_TYPE sets vmType");
	is_str(sbx_config_origin(cfg, "vmType"), "SBX_VM_TYPE", "with the variable as origin");
	is_int(sbx_config_bool(cfg, "ssh.forwardAgent"), 1, "SBX_SSH_FORWARD_AGENT=yes is true");
	is_str(sbx_config_origin(cfg, "ssh.forwardAgent"), "SBX_SSH_FORWARD_AGENT", "its origin");
	is_int(sbx_config_int(cfg, "warmPool"), 2, "SBX_WARM_POOL sets warmPool");
	is_str(sbx_config_string(cfg, "network.mode"), "none", "SBX_NETWORK_MODE sets network.mode");
	is_int(sbx_config_bool(cfg, "tmux"), 1, "SBX_TMUX=1 is true");
	is_int(sbx_config_bool(cfg, "persistent"), 0, "SBX_PERSISTENT=FALSE is false");
	is_int(sbx_config_bool(cfg, "notify.enabled"), 0, "SBX_NOTIFY_ENABLED=off is false");
	is_str(sbx_config_string(cfg, "agent"), "claude", "an empty SBX_AGENT is unset");
	is_str(sbx_config_string(cfg, "memory"), "2GiB", "SBX_MEMORY sets memory");
	is_str(sbx_config_string(cfg, "template.name"), "shared", "SBX_TEMPLATE_NAME");
	is_int(sbx_config_int(cfg, "cpus"), 4, "XSBX_CPUS and SBX_CPUSX are not SBX_CPUS");

	is_int(sbx_config_merge_env(cfg, bad_int), -1, "SBX_CPUS=lots is refused");
	is_str(sbx_last_error(), "SBX_CPUS: cpus: found \"lots\", expected a whole number from 1 to 256",
	       "naming the variable, the key and the text");
	is_int(sbx_config_merge_env(cfg, range), -1, "SBX_CPUS=0 is refused");
	is_str(sbx_last_error(), "SBX_CPUS: cpus: found \"0\", expected a whole number from 1 to 256",
	       "as out of range");
	is_int(sbx_config_merge_env(cfg, spaced), -1, "integers are parsed strictly");
	is_int(sbx_config_merge_env(cfg, bad_bool), -1, "SBX_SSH_FORWARD_AGENT=maybe is refused");
	is_str(sbx_last_error(), "SBX_SSH_FORWARD_AGENT: ssh.forwardAgent: found \"maybe\", "
	       "expected true or false", "naming the nested key");
	is_int(sbx_config_merge_env(cfg, bad_enum), -1, "SBX_NETWORK_MODE=bridge is refused");
	like(sbx_last_error(), "SBX_NETWORK_MODE: network.mode: found \"bridge\"", "naming it");
	is_int(sbx_config_merge_env(cfg, bad_size), -1, "SBX_DISK=big is refused");
	like(sbx_last_error(), "SBX_DISK: disk: found \"big\", expected a size", "naming it");
	is_int(sbx_config_int(cfg, "cpus"), 4, "refused values change nothing");
	sbx_config_free(cfg);
}

/* SBX_ + the path, '.' as '_', camelCase split: ssh.forwardAgent -> SBX_SSH_FORWARD_AGENT. */
static char *env_name(const char *path)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_buf_adds(&b, "SBX_");
	for (const char *p = path; *p; p++) {
		if (*p == '.')
			sbx_buf_addch(&b, '_');
		else if (*p >= 'A' && *p <= 'Z')
			sbx_buf_addf(&b, "_%c", *p);
		else
			sbx_buf_addch(&b, (char)(*p - 'a' + 'A'));
	}
	return sbx_buf_detach(&b);
}

static void check_env_names(const struct sbx_config_key *k, struct sbx_buf *path, int *bad,
			    int *nr)
{
	size_t len = path->len;

	for (const struct sbx_config_key *f = k->fields; f->name; f++) {
		if (f->flags & SBX_CK_REMOVED)
			continue;
		sbx_buf_addf(path, "%s%s", len ? "." : "", f->name);
		if (f->type == SBX_CT_OBJECT) {
			check_env_names(f, path, bad, nr);
		} else if (sbx_config_is_scalar(f)) {
			char *want = env_name(path->buf);

			(*nr)++;
			if (!f->env || strcmp(f->env, want)) {
				diag("%s: variable %s, want %s", path->buf, f->env ? f->env : "none",
				     want);
				(*bad)++;
			}
			free(want);
		} else if (f->env) {
			diag("%s is no scalar but has %s", path->buf, f->env);
			(*bad)++;
		}
		sbx_buf_truncate(path, len);
	}
}

static void test_env_names(void)
{
	struct sbx_buf path = SBX_BUF_INIT;
	int bad = 0, nr = 0;

	check_env_names(&sbx_config_schema, &path, &bad, &nr);
	ok(!bad && nr >= 18, "each of the %d scalars has its SBX_* variable, named by the rule", nr);
	sbx_buf_release(&path);
}

static void test_files(void)
{
	struct sbx_config *cfg = sbx_config_new();
	char *good = sbx_path_join(scratch, "good.json");
	char *empty = sbx_path_join(scratch, "empty.json");
	char *broken = sbx_path_join(scratch, "broken.json");
	char *dir = sbx_path_join(scratch, "dir.json");
	char *missing = sbx_path_join(scratch, "missing.json");
	char *badkey = sbx_path_join(scratch, "badkey.json");
	char *want;

	write_file(good, "// JSON with comments\n{\n  /* the VM */ \"cpus\": 6, // six\n"
		   "  \"plugins\": [\"node\", \"docker\",],\n}\n");
	write_file(empty, "  \n");
	write_file(broken, "{\n  \"cpus\": 2\n  \"tmux\": true\n}\n");
	write_file(badkey, "{\"mounts\": [{\"location\": \"rel\"}]}\n");
	mkdir(dir, 0755);

	is_int(sbx_config_merge_file(cfg, SBX_LAYER_USER, good, 0), 0,
	       "comments and trailing commas are accepted");
	is_int(sbx_config_int(cfg, "cpus"), 6, "and the values merged");
	is_str(sbx_config_origin(cfg, "cpus"), good, "the file is the origin");
	is_str(sbx_config_origin(cfg, "plugins[1]"), good, "of array elements too");
	is_str(sbx_config_file(cfg, 0), good, "the file is listed as read");
	is_int(sbx_config_merge_file(cfg, SBX_LAYER_REPO, missing, 1), 0,
	       "a missing file is fine when missing_ok");
	ok(sbx_config_file(cfg, 1) == NULL, "and is not listed");
	is_int(sbx_config_merge_file(cfg, SBX_LAYER_REPO, missing, 0), -1,
	       "but not otherwise");
	like(sbx_last_error(), missing, "naming it");

	is_int(sbx_config_merge_file(cfg, SBX_LAYER_REPO, empty, 1), -1, "an empty file is refused");
	want = sbx_asprintf("%s: the file is empty", empty);
	like(sbx_last_error(), want, "naming it");
	free(want);
	is_int(sbx_config_merge_file(cfg, SBX_LAYER_REPO, broken, 1), -1, "invalid JSON is refused");
	want = sbx_asprintf("%s:3:3: invalid JSON", broken);
	like(sbx_last_error(), want, "with file:line:col");
	free(want);
	is_int(sbx_config_merge_file(cfg, SBX_LAYER_REPO, dir, 1), -1,
	       "an unreadable file (a directory) is refused");
	want = sbx_asprintf("cannot read '%s'", dir);
	like(sbx_last_error(), want, "naming it");
	free(want);
	is_int(sbx_config_merge_file(cfg, SBX_LAYER_REPO, badkey, 1), -1, "a bad value is refused");
	want = sbx_asprintf("%s: mounts[0].location: found string \"rel\"", badkey);
	like(sbx_last_error(), want, "naming the file and the key");
	free(want);
	if (geteuid()) {
		chmod(good, 0);
		is_int(sbx_config_merge_file(cfg, SBX_LAYER_REPO, good, 1), -1,
		       "a file of mode 000 is refused");
		like(sbx_last_error(), "Permission denied", "as unreadable");
		chmod(good, 0644);
	} else {
		ok(1, "# skip a file of mode 000 is readable by root");
		ok(1, "# skip a file of mode 000 is readable by root");
	}
	ok(sbx_config_file(cfg, 1) == NULL, "failed files are not listed as read");
	sbx_config_free(cfg);
	free(good);
	free(empty);
	free(broken);
	free(dir);
	free(missing);
	free(badkey);
}

/* `sbx trust` of every file of the project. */
static void trust_project(const struct sbx_project *p)
{
	struct sbx_project_file *files;
	size_t nr;

	if (sbx_project_files_read(p, &files, &nr)) {
		diag("%s", sbx_last_error());
		return;
	}
	for (size_t i = 0; i < nr; i++)
		if (sbx_trust_record(files[i].path, files[i].hash))
			diag("%s", sbx_last_error());
	sbx_project_files_free(files, nr);
}

static void test_load(void)
{
	struct sbx_project p = { 0 };
	struct sbx_config *cfg;
	char *xdg = sbx_path_join(scratch, "xdg");
	char *main_dir = sbx_path_join(scratch, "main");
	char *wt = sbx_path_join(scratch, "wt");
	char *user = sbx_path_join(xdg, "sbx/config.json");
	char *repo = sbx_path_join(main_dir, ".sbx.json");
	char *wt_file = sbx_path_join(wt, ".sbx.json");

	sbx_mkdir_p(xdg, 0755);
	sbx_mkdir_p(main_dir, 0755);
	sbx_mkdir_p(wt, 0755);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	setenv("XDG_STATE_HOME", xdg, 1);
	setenv("SBX_WARM_POOL", "3", 1);
	unsetenv("SBX_CPUS");

	p.dir = wt;
	p.main_dir = main_dir;
	p.is_worktree = 1;
	cfg = sbx_config_load(&p);
	ok(cfg != NULL, "no files at all is fine");
	is_int(sbx_config_int(cfg, "warmPool"), 3, "the environment is merged");
	is_str(sbx_config_origin(cfg, "warmPool"), "SBX_WARM_POOL", "named by its variable");
	sbx_config_free(cfg);

	sbx_mkdir_p(user, 0755);
	rmdir(user);
	write_file(user, "{\"cpus\": 2, \"tmux\": true, \"mounts\": [{\"location\": \"/u\"}]}");
	write_file(repo, "{\"cpus\": 3, \"mounts\": [{\"location\": \"/r\"}]}");
	write_file(wt_file, "{\"cpus\": 4, \"mounts\": [{\"location\": \"/w\"}]}");
	cfg = sbx_config_load_flags(&p, SBX_CONFIG_QUIET_TRUST);
	is_int(sbx_config_int(cfg, "cpus"), 2, "the project's files are not trusted yet");
	is_int(cJSON_GetArraySize(sbx_config_get(cfg, "mounts")), 1, "their mounts are left out");
	sbx_config_free(cfg);
	trust_project(&p);
	cfg = sbx_config_load(&p);
	ok(cfg != NULL, "the stack loads");
	is_int(sbx_config_int(cfg, "cpus"), 4, "the worktree's file is above the repository's");
	is_str(sbx_config_origin(cfg, "cpus"), wt_file, "cpus comes from the worktree");
	is_str(sbx_config_origin(cfg, "tmux"), user, "tmux from the user's file");
	is_str(sbx_config_origin(cfg, "mounts[0]"), user, "the user's mount first");
	is_str(sbx_config_origin(cfg, "mounts[1]"), repo, "the repository's second");
	is_str(sbx_config_origin(cfg, "mounts[2]"), wt_file, "the worktree's third");
	is_str(sbx_config_file(cfg, 0), user, "files read: the user's,");
	is_str(sbx_config_file(cfg, 1), repo, "the repository's,");
	is_str(sbx_config_file(cfg, 2), wt_file, "the worktree's");
	sbx_config_free(cfg);

	p.is_worktree = 0;
	p.dir = main_dir;
	cfg = sbx_config_load(&p);
	is_int(sbx_config_int(cfg, "cpus"), 3, "in the main checkout only its own file counts");
	is_int(cJSON_GetArraySize(sbx_config_get(cfg, "mounts")), 2, "once");
	sbx_config_free(cfg);

	p.main_dir = NULL;
	p.is_worktree = 1;
	p.dir = wt;
	cfg = sbx_config_load(&p);
	is_int(cJSON_GetArraySize(sbx_config_get(cfg, "mounts")), 2,
	       "without a main checkout (bare) the repository layer is skipped");
	sbx_config_free(cfg);

	p.main_dir = main_dir;
	write_file(repo, "{\"cpus\": 0}");
	cfg = sbx_config_load(&p);
	ok(cfg == NULL, "a bad file stops the load");
	like(sbx_last_error(), repo, "naming the file");
	like(sbx_last_error(), "cpus: found number 0", "and the key");
	unsetenv("SBX_WARM_POOL");
	free(xdg);
	free(main_dir);
	free(wt);
	free(user);
	free(repo);
	free(wt_file);
}

static void test_show(void)
{
	struct sbx_config *cfg = sbx_config_new();
	struct sbx_buf out = SBX_BUF_INIT;
	cJSON *j;
	const cJSON *origins;
	const char *cpus, *env_a;

	is_int(merge(cfg, SBX_LAYER_USER, "u.json", "{\"cpus\": 2, \"env\": {\"A\": \"x \\\"y\\\"\"},"
	      " \"mounts\": [{\"location\": \"/a\", \"writable\": true}]}"),
	       0, "a layer merges");
	is_int(merge(cfg, SBX_LAYER_FLAG, "--keep", "{\"persistent\": true}"), 0, "a flag merges");
	sbx_config_show(cfg, &out, 0);
	like(out.buf, "\ncpus = 2  # u.json\n", "a scalar with its source");
	like(out.buf, "\npersistent = true  # --keep\n", "a flag's value");
	like(out.buf, "\nenv.A = \"x \\\"y\\\"\"  # u.json\n", "a string, JSON-quoted");
	like(out.buf, "\nmounts[0].location = \"/a\"  # u.json\nmounts[0].writable = true  # u.json\n",
	     "an array element's fields");
	like(out.buf, "\nmemory = \"4GiB\"  # default\n", "a default");
	like(out.buf, "\nplugins = []  # default\n", "an empty array");
	cpus = strstr(out.buf, "\ncpus =");
	env_a = strstr(out.buf, "\nenv.A =");
	ok(strncmp(out.buf, "agent = ", 8) == 0 && cpus && env_a && cpus < env_a &&
	   strstr(out.buf, "\npersonal = {}") > env_a, "lines are in schema order");
	sbx_buf_reset(&out);

	sbx_config_show(cfg, &out, 1);
	j = cJSON_Parse(out.buf);
	ok(j != NULL, "the JSON form parses");
	is_int((int)sbx_json_get_number(cJSON_GetObjectItemCaseSensitive(j, "config"), "cpus", 0), 2,
	       "config holds the merged values");
	origins = cJSON_GetObjectItemCaseSensitive(j, "origins");
	is_str(sbx_json_get_string(origins, "cpus"), "u.json", "origins names each value's source");
	is_str(sbx_json_get_string(origins, "mounts[0].writable"), "u.json", "by its path");
	is_str(sbx_json_get_string(origins, "memory"), "default", "defaults too");
	is_str(cJSON_GetObjectItemCaseSensitive(j, "config")->child->string, "agent",
	       "keys in schema order");
	cJSON_Delete(j);
	sbx_buf_release(&out);
	sbx_config_free(cfg);
}

static void test_sizes(void)
{
	static const struct {
		const char *s;
		long long want;
	} cases[] = {
		{ "8GiB", 8LL << 30 }, { "512MiB", 512LL << 20 }, { "100", 100 }, { "0", 0 },
		{ "1KiB", 1024 }, { "1.5GiB", 3LL << 29 }, { "0.5KiB", 512 }, { "2TiB", 2LL << 40 },
		{ "007MiB", 7LL << 20 }, { "1.0000001KiB", 1024 },
		{ "lots", -1 }, { "", -1 }, { "8 GiB", -1 }, { "8GB", -1 }, { "8gib", -1 },
		{ "8G", -1 }, { "1.5", -1 }, { "-1", -1 }, { "+1", -1 }, { ".5GiB", -1 },
		{ "1.GiB", -1 }, { " 8GiB", -1 }, { "8GiB ", -1 }, { "GiB", -1 }, { "1e3", -1 },
		{ "99999999999999999999", -1 }, { "9223372036854775807", 9223372036854775807LL },
		{ "8388608TiB", -1 }, { "8388607TiB", 8388607LL << 40 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(sbx_parse_size(cases[i].s), cases[i].want, "size \"%s\"", cases[i].s);
	is_int(sbx_parse_size(NULL), -1, "size NULL");
}

int main(void)
{
	char tmpl[] = "/tmp/sbx-t-config.XXXXXX";
	struct sbx_child rm = SBX_CHILD_INIT;

	scratch = mkdtemp(tmpl);
	if (!scratch)
		return 1;
	test_every_key();
	test_coverage();
	test_allowlist();
	test_messages();
	test_unknown_keys();
	test_defaults();
	test_layers();
	test_env();
	test_env_names();
	test_files();
	test_load();
	test_show();
	test_sizes();
	sbx_strvec_pushv(&rm.args, (const char *[]){ "rm", "-rf", scratch, NULL });
	if (sbx_child_run(&rm))
		diag("cannot remove %s", scratch);
	sbx_child_release(&rm);
	return done_testing();
}
