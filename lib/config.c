/*
 * The configuration in layers: each layer is checked against the schema
 * (lib/config-schema.c) as a whole, then merged into one document, and the
 * source of every value is kept beside it.
 */
#include "config.h"
#include "config-schema.h"
#include "json.h"
#include "paths.h"
#include "plugin.h"
#include "strvec.h"
#include "xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

struct origin {
	char *path;		/* "cpus", "mounts[1]", "env.FOO", "agents.codex.args[0]" */
	const char *source;	/* interned in sbx_config.sources */
	enum sbx_layer layer;
};

struct sbx_config {
	cJSON *doc;			/* the merged document; never NULL */
	struct origin *origins;
	size_t nr_origins, alloc_origins;
	struct sbx_strvec sources;	/* every layer's source, once */
	struct sbx_strvec files;	/* the files merged, in order */
	/* Project files not trusted: what of them was left out. */
	struct sbx_project_file *untrusted;
	size_t nr_untrusted, alloc_untrusted;
};

static const char *intern(struct sbx_config *cfg, const char *source)
{
	for (size_t i = 0; i < cfg->sources.nr; i++)
		if (!strcmp(cfg->sources.v[i], source))
			return cfg->sources.v[i];
	sbx_strvec_push(&cfg->sources, source);
	return cfg->sources.v[cfg->sources.nr - 1];
}

static struct origin *find_origin(const struct sbx_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->nr_origins; i++)
		if (!strcmp(cfg->origins[i].path, path))
			return &cfg->origins[i];
	return NULL;
}

static void add_origin(struct sbx_config *cfg, const char *path, const char *source,
		       enum sbx_layer layer)
{
	struct origin *o;

	SBX_ALLOC_GROW(cfg->origins, cfg->nr_origins + 1, cfg->alloc_origins);
	o = &cfg->origins[cfg->nr_origins++];
	o->path = sbx_strdup(path);
	o->source = source;
	o->layer = layer;
}

/* Forgets path and everything below it ("env.FOO", "env.FOO.x", "env.FOO[2]"). */
static void drop_origins(struct sbx_config *cfg, const char *path)
{
	size_t len = strlen(path), kept = 0;

	for (size_t i = 0; i < cfg->nr_origins; i++) {
		const char *p = cfg->origins[i].path;

		if (!strncmp(p, path, len) && (!p[len] || p[len] == '.' || p[len] == '[')) {
			free(cfg->origins[i].path);
			continue;
		}
		cfg->origins[kept++] = cfg->origins[i];
	}
	cfg->nr_origins = kept;
}

/* Merging one layer that has passed the schema. */

struct merge {
	struct sbx_config *cfg;
	enum sbx_layer layer;
	const char *source;
	struct sbx_buf path;
};

static void push_key(struct sbx_buf *path, const char *key)
{
	if (path->len)
		sbx_buf_addch(path, '.');
	sbx_buf_adds(path, key);
}

/* Records m's source for the value at m->path and for everything inside it. */
static void record_all(struct merge *m, const struct sbx_config_key *k, const cJSON *v)
{
	size_t len = m->path.len;
	const cJSON *c;
	int i = 0;

	add_origin(m->cfg, m->path.buf, m->source, m->layer);
	cJSON_ArrayForEach(c, v) {
		const struct sbx_config_key *item = k->item;

		if (k->type == SBX_CT_ARRAY) {
			sbx_buf_addf(&m->path, "[%d]", i++);
		} else {
			push_key(&m->path, c->string);
			if (k->type == SBX_CT_OBJECT)
				item = sbx_config_field(k, c->string);
		}
		if (item)
			record_all(m, item, c);
		sbx_buf_truncate(&m->path, len);
	}
}

/* parent[key] = item, in place of the old value if there was one. */
static void put(cJSON *parent, const char *key, cJSON *item)
{
	if (cJSON_GetObjectItemCaseSensitive(parent, key) &&
	    cJSON_ReplaceItemInObjectCaseSensitive(parent, key, item))
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
	sbx_json_add_item(parent, key, item);
}

/* Puts a copy of src at parent[key], replacing what was there, with its origins. */
static void replace(struct merge *m, const struct sbx_config_key *k, cJSON *parent,
		    const char *key, const cJSON *src)
{
	put(parent, key, sbx_json_dup(src));
	drop_origins(m->cfg, m->path.buf);
	record_all(m, k, src);
}

static cJSON *container(cJSON *parent, const char *key, int array)
{
	cJSON *dst = cJSON_GetObjectItemCaseSensitive(parent, key);

	if (dst)
		return dst;
	return sbx_json_add_item(parent, key, array ? sbx_json_new_array() :
				 sbx_json_new_object());
}

static void merge_value(struct merge *m, const struct sbx_config_key *k, cJSON *parent,
			const char *key, const cJSON *src);

static void merge_array(struct merge *m, const struct sbx_config_key *k, cJSON *parent,
			const char *key, const cJSON *src)
{
	cJSON *dst = container(parent, key, 1);
	size_t len = m->path.len;
	const struct origin *first;
	struct origin *o;
	const cJSON *c;
	int n;

	/*
	 * Arrays accumulate, except over the built-in default (notify.events):
	 * the first layer that sets such an array replaces it. A default list
	 * that layers add to (network.allow) stays.
	 */
	sbx_buf_adds(&m->path, "[0]");
	first = find_origin(m->cfg, m->path.buf);
	sbx_buf_truncate(&m->path, len);
	if (m->layer != SBX_LAYER_DEFAULT && first && first->layer == SBX_LAYER_DEFAULT &&
	    !(k->flags & SBX_CK_KEEP_DEFAULT)) {
		dst = sbx_json_new_array();
		put(parent, key, dst);
		drop_origins(m->cfg, m->path.buf);
	}
	/* The array itself: its source is the last layer that set it, even to []. */
	if ((o = find_origin(m->cfg, m->path.buf))) {
		o->source = m->source;
		o->layer = m->layer;
	} else {
		add_origin(m->cfg, m->path.buf, m->source, m->layer);
	}
	n = cJSON_GetArraySize(dst);
	cJSON_ArrayForEach(c, src) {
		sbx_json_append(dst, sbx_json_dup(c));
		sbx_buf_addf(&m->path, "[%d]", n++);
		record_all(m, k->item, c);
		sbx_buf_truncate(&m->path, len);
	}
}

static void merge_value(struct merge *m, const struct sbx_config_key *k, cJSON *parent,
			const char *key, const cJSON *src)
{
	size_t len = m->path.len;
	const cJSON *c;
	cJSON *dst;

	switch (k->type) {
	case SBX_CT_ARRAY:
		merge_array(m, k, parent, key, src);
		return;
	case SBX_CT_MAP:
		dst = container(parent, key, 0);
		if (!find_origin(m->cfg, m->path.buf))
			add_origin(m->cfg, m->path.buf, m->source, m->layer);
		cJSON_ArrayForEach(c, src) {
			push_key(&m->path, c->string);
			merge_value(m, k->item, dst, c->string, c);
			sbx_buf_truncate(&m->path, len);
		}
		return;
	case SBX_CT_OBJECT:
		if (k->flags & SBX_CK_ONE_OF)
			break;
		dst = container(parent, key, 0);
		if (!find_origin(m->cfg, m->path.buf))
			add_origin(m->cfg, m->path.buf, m->source, m->layer);
		cJSON_ArrayForEach(c, src) {
			push_key(&m->path, c->string);
			merge_value(m, sbx_config_field(k, c->string), dst, c->string, c);
			sbx_buf_truncate(&m->path, len);
		}
		return;
	default:
		break;
	}
	/* Scalars, and objects that hold exactly one of their keys, override whole. */
	replace(m, k, parent, key, src);
}

static int merge_layer(struct sbx_config *cfg, enum sbx_layer layer, const char *source,
		       const cJSON *doc, const char *raw)
{
	struct merge m = { cfg, layer, NULL, SBX_BUF_INIT };
	const cJSON *c;

	if (sbx_config_check(&sbx_config_schema, doc, source, &m.path, raw)) {
		sbx_buf_release(&m.path);
		return -1;
	}
	sbx_buf_reset(&m.path);
	m.source = intern(cfg, source);
	cJSON_ArrayForEach(c, doc) {
		sbx_buf_adds(&m.path, c->string);
		merge_value(&m, sbx_config_field(&sbx_config_schema, c->string), cfg->doc,
			    c->string, c);
		sbx_buf_reset(&m.path);
	}
	sbx_buf_release(&m.path);
	return 0;
}

int sbx_config_merge(struct sbx_config *cfg, enum sbx_layer layer, const char *source,
		     const cJSON *doc)
{
	return merge_layer(cfg, layer, source, doc, NULL);
}

int sbx_config_validate(const cJSON *doc, const char *source)
{
	struct sbx_buf path = SBX_BUF_INIT;
	int ret = sbx_config_check(&sbx_config_schema, doc, source, &path, NULL);

	sbx_buf_release(&path);
	return ret;
}

/* The defaults: the table's def values, as one layer. */

static void add_defaults(const struct sbx_config_key *k, cJSON *obj)
{
	for (const struct sbx_config_key *f = k->fields; f->name; f++) {
		if (f->type == SBX_CT_OBJECT && !(f->flags & SBX_CK_ONE_OF)) {
			cJSON *child = sbx_json_new_object();

			add_defaults(f, child);
			if (child->child)
				sbx_json_add_item(obj, f->name, child);
			else
				cJSON_Delete(child);
		} else if (f->def) {
			cJSON *v = cJSON_Parse(f->def);

			if (!v) {
				fprintf(stderr, "sbx: BUG: bad default for '%s': %s\n", f->name, f->def);
				abort();
			}
			sbx_json_add_item(obj, f->name, v);
		}
	}
}

struct sbx_config *sbx_config_new(void)
{
	struct sbx_config *cfg = sbx_calloc(1, sizeof(*cfg));
	cJSON *defaults = sbx_json_new_object();

	cfg->doc = sbx_json_new_object();
	sbx_strvec_init(&cfg->sources);
	sbx_strvec_init(&cfg->files);
	add_defaults(&sbx_config_schema, defaults);
	if (merge_layer(cfg, SBX_LAYER_DEFAULT, "default", defaults, NULL)) {
		fprintf(stderr, "sbx: BUG: the built-in defaults are invalid: %s\n",
			sbx_last_error());
		abort();
	}
	cJSON_Delete(defaults);
	return cfg;
}

void sbx_config_free(struct sbx_config *cfg)
{
	if (!cfg)
		return;
	cJSON_Delete(cfg->doc);
	for (size_t i = 0; i < cfg->nr_origins; i++)
		free(cfg->origins[i].path);
	free(cfg->origins);
	sbx_strvec_clear(&cfg->sources);
	sbx_strvec_clear(&cfg->files);
	sbx_project_files_free(cfg->untrusted, cfg->nr_untrusted);
	free(cfg);
}

int sbx_config_merge_file(struct sbx_config *cfg, enum sbx_layer layer, const char *path,
			  int missing_ok)
{
	cJSON *doc = NULL;
	struct stat st;
	int ret;

	if (missing_ok && stat(path, &st) && errno == ENOENT)
		return 0;
	if (sbx_jsonc_read_file(path, &doc))
		return -1;
	ret = merge_layer(cfg, layer, path, doc, NULL);
	if (!ret)
		sbx_strvec_push(&cfg->files, path);
	cJSON_Delete(doc);
	return ret;
}

const char *sbx_config_file(const struct sbx_config *cfg, size_t i)
{
	return i < cfg->files.nr ? cfg->files.v[i] : NULL;
}

/* The SBX_* variables. */

static const char *env_value(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, len) && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/* "1", "yes", "TRUE" ...; or a string, which the schema then refuses naming the text. */
static cJSON *env_to_json(const struct sbx_config_key *k, const char *s)
{
	static const char *const yes[] = { "true", "1", "yes", "on", NULL };
	static const char *const no[] = { "false", "0", "no", "off", NULL };

	if (k->type == SBX_CT_BOOL) {
		for (size_t i = 0; yes[i]; i++) {
			if (!strcasecmp(s, yes[i]))
				return cJSON_CreateTrue();
			if (!strcasecmp(s, no[i]))
				return cJSON_CreateFalse();
		}
	} else if (k->type == SBX_CT_INT) {
		const char *p = s + (*s == '-');
		size_t digits = strspn(p, "0123456789");

		if (digits && digits <= 18 && !p[digits])
			return cJSON_CreateNumber((double)strtoll(s, NULL, 10));
	}
	return cJSON_CreateString(s);
}

static int merge_env_keys(struct sbx_config *cfg, const struct sbx_config_key *k,
			  const char **keys, int depth, char *const *envp)
{
	for (const struct sbx_config_key *f = k->fields; f->name; f++) {
		const char *val;
		cJSON *doc;
		int ret;

		keys[depth] = f->name;
		if (f->type == SBX_CT_OBJECT && !(f->flags & SBX_CK_ONE_OF) && depth < 7) {
			if (merge_env_keys(cfg, f, keys, depth + 1, envp))
				return -1;
			continue;
		}
		if (!f->env || !(val = env_value(envp, f->env)) || !*val)
			continue;
		/* {"network": {"mode": VALUE}}, built from the inside out. */
		doc = env_to_json(f, val);
		if (!doc)
			return sbx_error("out of memory");
		for (int i = depth; i >= 0; i--) {
			cJSON *obj = sbx_json_new_object();

			sbx_json_add_item(obj, keys[i], doc);
			doc = obj;
		}
		ret = merge_layer(cfg, SBX_LAYER_ENV, f->env, doc, val);
		cJSON_Delete(doc);
		if (ret)
			return -1;
	}
	return 0;
}

int sbx_config_merge_env(struct sbx_config *cfg, char *const *envp)
{
	const char *keys[8];

	return merge_env_keys(cfg, &sbx_config_schema, keys, 0, envp);
}

/*
 * A project's file as a layer: all of it when it needs no trust or you
 * trusted this content, else only what may be set untrusted (the rest is
 * kept aside, for the warning and `sbx config show`). Takes f's contents.
 */
static int merge_project_file(struct sbx_config *cfg, struct sbx_project_file *f)
{
	int trusted = !f->needs_trust || f->trust == SBX_TRUST_TRUSTED;

	if (merge_layer(cfg, f->layer, f->path, trusted ? f->doc : f->allowed, NULL))
		return -1;
	sbx_strvec_push(&cfg->files, f->path);
	if (trusted)
		return 0;
	SBX_ALLOC_GROW(cfg->untrusted, cfg->nr_untrusted + 1, cfg->alloc_untrusted);
	cfg->untrusted[cfg->nr_untrusted++] = *f;
	memset(f, 0, sizeof(*f));
	sbx_strvec_init(&f->keys);
	return 0;
}

/* One warning per file and process: a command may load the configuration twice. */
static int warned_before(const char *path)
{
	static struct sbx_strvec warned = SBX_STRVEC_INIT;

	for (size_t i = 0; i < warned.nr; i++)
		if (!strcmp(warned.v[i], path))
			return 1;
	sbx_strvec_push(&warned, path);
	return 0;
}

/* Warns about, or refuses, the project files that are not trusted. */
static int check_untrusted(struct sbx_config *cfg, unsigned flags)
{
	const char *mode = sbx_config_string(cfg, "trust.untrusted");
	int refuse = mode && !strcmp(mode, "refuse");

	if (flags & SBX_CONFIG_QUIET_TRUST)
		return 0;
	for (size_t i = 0; i < cfg->nr_untrusted; i++) {
		char *line = sbx_project_file_untrusted_line(&cfg->untrusted[i], refuse);

		if (refuse) {
			sbx_error("%s", line);
			free(line);
			return -1;
		}
		if (!warned_before(cfg->untrusted[i].path))
			sbx_warn("%s", line);
		free(line);
	}
	return 0;
}

struct sbx_config *sbx_config_load_flags(const struct sbx_project *project, unsigned flags)
{
	struct sbx_config *cfg = sbx_config_new();
	char *dir = sbx_config_dir(), *file = NULL;
	struct sbx_project_file *files = NULL;
	size_t nr = 0;

	if (!dir)
		goto fail;
	file = sbx_path_join(dir, "config.json");
	if (sbx_config_merge_file(cfg, SBX_LAYER_USER, file, 1))
		goto fail;
	free(file);
	file = NULL;
	/* The project's own files, which whoever writes the project writes. */
	if (project && sbx_project_files_read(project, &files, &nr))
		goto fail;
	for (size_t i = 0; i < nr; i++)
		if (merge_project_file(cfg, &files[i]))
			goto fail;
	/*
	 * The plugins `sbx setup --node ...` chose for the project's template:
	 * sbx's own file in $XDG_STATE_HOME, which no sandbox can write, so no
	 * trust applies (it is a layer of the worktree's rank, not a project file).
	 */
	if (project && project->dir && project->name) {
		file = sbx_plugins_setup_file(project, cfg);
		if (!file || sbx_config_merge_file(cfg, SBX_LAYER_WORKTREE, file, 1))
			goto fail;
		free(file);
		file = NULL;
	}
	if (sbx_config_merge_env(cfg, environ) || check_untrusted(cfg, flags))
		goto fail;
	sbx_project_files_free(files, nr);
	free(dir);
	return cfg;
fail:
	sbx_project_files_free(files, nr);
	free(file);
	free(dir);
	sbx_config_free(cfg);
	return NULL;
}

struct sbx_config *sbx_config_load(const struct sbx_project *project)
{
	return sbx_config_load_flags(project, 0);
}

const struct sbx_project_file *sbx_config_untrusted(const struct sbx_config *cfg, size_t i)
{
	return i < cfg->nr_untrusted ? &cfg->untrusted[i] : NULL;
}

/* Reading the merged configuration. */

const cJSON *sbx_config_get(const struct sbx_config *cfg, const char *path)
{
	const cJSON *v = cfg->doc;
	const char *p = path;

	while (*p && v) {
		if (*p == '[') {
			char *end;
			long i;

			if (!cJSON_IsArray(v) || p[1] < '0' || p[1] > '9')
				return NULL;
			i = strtol(p + 1, &end, 10);
			if (*end != ']' || i > 1000000)
				return NULL;
			v = cJSON_GetArrayItem(v, (int)i);
			p = end + 1;
		} else {
			size_t len;
			char *key;

			if (*p == '.' && p != path)
				p++;
			len = strcspn(p, ".[");
			if (!len || !cJSON_IsObject(v))
				return NULL;
			key = sbx_strndup(p, len);
			v = cJSON_GetObjectItemCaseSensitive(v, key);
			free(key);
			p += len;
		}
	}
	return v;
}

const char *sbx_config_string(const struct sbx_config *cfg, const char *path)
{
	const cJSON *v = sbx_config_get(cfg, path);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int sbx_config_bool(const struct sbx_config *cfg, const char *path)
{
	return cJSON_IsTrue(sbx_config_get(cfg, path));
}

long sbx_config_int(const struct sbx_config *cfg, const char *path)
{
	const cJSON *v = sbx_config_get(cfg, path);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
}

const cJSON *sbx_config_json(const struct sbx_config *cfg)
{
	return cfg->doc;
}

/* The nearest recorded origin at or above path. */
static const char *origin_above(const struct sbx_config *cfg, const char *path)
{
	char *p = sbx_strdup(path);
	const char *source = NULL;

	for (;;) {
		const struct origin *o = find_origin(cfg, p);
		char *dot = strrchr(p, '.'), *bracket = strrchr(p, '['), *cut;

		if (o) {
			source = o->source;
			break;
		}
		cut = dot > bracket ? dot : bracket;
		if (!cut)
			break;
		*cut = '\0';
	}
	free(p);
	return source;
}

const char *sbx_config_origin(const struct sbx_config *cfg, const char *path)
{
	if (!*path || !sbx_config_get(cfg, path))
		return NULL;
	return origin_above(cfg, path);
}

/* `sbx config show`. */

struct show {
	const struct sbx_config *cfg;	/* sources from its origins; or NULL: */
	const char *note;		/* every line's */
	struct sbx_buf *out;
	cJSON *origins;		/* the JSON form's "origins", or NULL for text */
	struct sbx_buf path;
};

static void show_leaf(struct show *s, const cJSON *v)
{
	const char *source = s->cfg ? origin_above(s->cfg, s->path.buf) : s->note;

	if (!source)
		source = "default";
	if (s->origins) {
		sbx_json_add_string(s->origins, s->path.buf, source);
		return;
	}
	sbx_buf_addf(s->out, "%s = ", s->path.buf);
	sbx_json_print(s->out, v, 0);
	sbx_buf_addf(s->out, "  # %s\n", source);
}

static void show_value(struct show *s, const struct sbx_config_key *k, const cJSON *v)
{
	size_t len = s->path.len;
	const cJSON *c;
	int i = 0;

	switch (k->type) {
	case SBX_CT_OBJECT:
		for (const struct sbx_config_key *f = k->fields; f->name; f++) {
			c = cJSON_GetObjectItemCaseSensitive(v, f->name);
			if (!c)
				continue;
			push_key(&s->path, f->name);
			show_value(s, f, c);
			sbx_buf_truncate(&s->path, len);
		}
		return;
	case SBX_CT_MAP:
	case SBX_CT_ARRAY:
		if (!v->child) {
			show_leaf(s, v);
			return;
		}
		cJSON_ArrayForEach(c, v) {
			if (k->type == SBX_CT_ARRAY)
				sbx_buf_addf(&s->path, "[%d]", i++);
			else
				push_key(&s->path, c->string);
			show_value(s, k->item, c);
			sbx_buf_truncate(&s->path, len);
		}
		return;
	default:
		show_leaf(s, v);
		return;
	}
}

/* A copy of v with every object's keys in schema order. */
static cJSON *ordered(const struct sbx_config_key *k, const cJSON *v)
{
	cJSON *copy;
	const cJSON *c;

	switch (k->type) {
	case SBX_CT_OBJECT:
		copy = sbx_json_new_object();
		for (const struct sbx_config_key *f = k->fields; f->name; f++)
			if ((c = cJSON_GetObjectItemCaseSensitive(v, f->name)))
				sbx_json_add_item(copy, f->name, ordered(f, c));
		return copy;
	case SBX_CT_MAP:
		copy = sbx_json_new_object();
		cJSON_ArrayForEach(c, v)
			sbx_json_add_item(copy, c->string, ordered(k->item, c));
		return copy;
	case SBX_CT_ARRAY:
		copy = sbx_json_new_array();
		cJSON_ArrayForEach(c, v)
			sbx_json_append(copy, ordered(k->item, c));
		return copy;
	default:
		return sbx_json_dup(v);
	}
}

void sbx_config_show_doc(const cJSON *doc, const char *note, struct sbx_buf *out)
{
	struct show s = { NULL, note, out, NULL, SBX_BUF_INIT };

	show_value(&s, &sbx_config_schema, doc);
	sbx_buf_release(&s.path);
}

void sbx_config_show(const struct sbx_config *cfg, struct sbx_buf *out, int json)
{
	struct show s = { cfg, NULL, out, NULL, SBX_BUF_INIT };
	cJSON *doc = NULL, *ignored = NULL;

	if (json) {
		doc = sbx_json_new_object();
		sbx_json_add_item(doc, "config", ordered(&sbx_config_schema, cfg->doc));
		s.origins = sbx_json_add_item(doc, "origins", sbx_json_new_object());
	}
	show_value(&s, &sbx_config_schema, cfg->doc);
	if (json && cfg->nr_untrusted)
		ignored = sbx_json_add_item(doc, "ignored", sbx_json_new_object());
	for (size_t i = 0; i < cfg->nr_untrusted; i++) {
		const struct sbx_project_file *f = &cfg->untrusted[i];
		char *note;

		if (json) {
			sbx_json_add_item(ignored, f->path,
					  ordered(&sbx_config_schema, f->needs_trust));
			continue;
		}
		note = sbx_asprintf("%s (not trusted: ignored)", f->path);
		sbx_config_show_doc(f->needs_trust, note, out);
		free(note);
	}
	if (json) {
		sbx_json_print(out, doc, 1);
		sbx_buf_addch(out, '\n');
		cJSON_Delete(doc);
	}
	sbx_buf_release(&s.path);
}

/* Sizes. */

long long sbx_parse_size(const char *s)
{
	static const struct {
		const char *unit;
		int shift;
	} units[] = { { "", 0 }, { "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 }, { "TiB", 40 } };
	unsigned long long whole = 0, frac = 0, scale = 1, bytes;
	const char *p = s;
	int shift = -1;

	if (!s || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > (unsigned long long)LLONG_MAX / 10)
			return -1;
		whole = whole * 10 + (unsigned)(*p - '0');
	}
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		/* Six digits are more than a TiB needs to count bytes; the rest are dropped. */
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale < 1000000) {
				frac = frac * 10 + (unsigned)(*p - '0');
				scale *= 10;
			}
		}
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(p, units[i].unit))
			shift = units[i].shift;
	if (shift < 0 || (scale > 1 && !shift))
		return -1;
	if (whole > (unsigned long long)LLONG_MAX >> shift)
		return -1;
	bytes = (whole << shift) + ((frac << shift) / scale);
	if (bytes > (unsigned long long)LLONG_MAX)
		return -1;
	return (long long)bytes;
}
