/* Host git configuration that points into the project (gitrisk.h). */
#include "gitrisk.h"
#include "buf.h"
#include "error.h"
#include "gitmod.h"
#include "json.h"
#include "names.h"
#include "paths.h"
#include "strvec.h"
#include "worktree.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum value_kind {
	PATH,		/* a path, relative to the work tree's top (core.hooksPath) */
	INCLUDE,	/* a config file, relative to the file that includes it */
	COMMAND,	/* a command line: any word with a '/' is a path */
	ALIAS,		/* a command line when it starts with '!' */
};

/*
 * What git on the host runs or reads as configuration, by key. sub: 1 the
 * key has a subsection ("filter.NAME.clean"), 0 it has none, -1 either.
 * key NULL: any key of the section (alias.NAME).
 */
static const struct {
	const char *section;
	int sub;
	const char *key;
	enum value_kind kind;
} keys[] = {
	{ "core", 0, "hooksPath", PATH },
	{ "core", 0, "fsmonitor", COMMAND },
	{ "core", 0, "sshCommand", COMMAND },
	{ "core", 0, "editor", COMMAND },
	{ "core", 0, "pager", COMMAND },
	{ "core", 0, "askPass", COMMAND },
	{ "core", 0, "gitProxy", COMMAND },
	{ "include", 0, "path", INCLUDE },
	{ "includeIf", 1, "path", INCLUDE },
	{ "filter", 1, "clean", COMMAND },
	{ "filter", 1, "smudge", COMMAND },
	{ "filter", 1, "process", COMMAND },
	{ "diff", 0, "external", COMMAND },
	{ "diff", 1, "textconv", COMMAND },
	{ "diff", 1, "command", COMMAND },
	{ "merge", 1, "driver", COMMAND },
	{ "difftool", 1, "cmd", COMMAND },
	{ "mergetool", 1, "cmd", COMMAND },
	{ "gpg", -1, "program", COMMAND },
	{ "gpg", 1, "defaultKeyCommand", COMMAND },
	{ "credential", -1, "helper", COMMAND },
	{ "sequence", 0, "editor", COMMAND },
	{ "interactive", 0, "diffFilter", COMMAND },
	{ "uploadpack", 0, "packObjectsHook", COMMAND },
	{ "remote", 1, "uploadpack", COMMAND },
	{ "remote", 1, "receivepack", COMMAND },
	{ "pager", 0, NULL, COMMAND },
	{ "alias", 0, NULL, ALIAS },
};

/* What the walk over the entries keeps. */
struct walk {
	const struct sbx_project *p;
	char *home;
	/* The file each include depth reads: [0] the level's, [d + 1] what depth d includes. */
	char *files[11];
	struct sbx_strvec included;	/* every file an include names */
	struct sbx_git_risk *risks;
	size_t nr, alloc;
};

static int at_or_under(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return !strncmp(path, dir, len) && (!path[len] || path[len] == '/');
}

/* Can a sandbox of p write path? Its work tree and git directories, but what is bound read-only. */
static int writable(const struct sbx_project *p, const char *path)
{
	static const char *const bound[] = { "hooks", "config", "config.worktree" };
	const char *dirs[2] = { p->git_dir, p->common_dir };

	for (int d = 0; d < 2; d++) {
		for (size_t i = 0; dirs[d] && i < sizeof(bound) / sizeof(*bound); i++) {
			char *ro = sbx_asprintf("%s/%s", dirs[d], bound[i]);
			int in = at_or_under(path, ro);

			free(ro);
			if (in)
				return 0;
		}
	}
	return at_or_under(path, p->dir) || (p->git_dir && at_or_under(path, p->git_dir)) ||
	       (p->common_dir && at_or_under(path, p->common_dir));
}

/* path absolute and normalized ("~/" is the home, a relative one against base); NULL if neither. */
static char *absolute(const struct walk *w, const char *path, const char *base)
{
	/* ~user/ and git's %(prefix)/ name no place inside a project. */
	if ((path[0] == '~' && path[1] != '/') || !strncmp(path, "%(", 2))
		return NULL;
	if (!strncmp(path, "~/", 2))
		return w->home ? sbx_path_normalize(w->home, path + 2) : NULL;
	if (path[0] != '/' && !base)
		return NULL;
	return sbx_path_normalize(base ? base : "/", path);
}

/*
 * path (absolute, normalized) with its links resolved as far as they go:
 * unlike realpath(3), a link to what does not exist yet is followed too,
 * since the sandbox can make what it points to.
 */
static char *resolve_links(const char *path)
{
	char *cur = sbx_path_normalize("/", path), *next;
	size_t done = 0;	/* cur[0..done) has no link */

	for (int links = 0; links < 40;) {
		size_t end = done + 1 + strcspn(cur + done + 1, "/");
		char *part = sbx_strndup(cur, end), target[4096];
		ssize_t n = readlink(part, target, sizeof(target) - 1);
		struct stat st;

		if (n < 0 && (lstat(part, &st) || !cur[end])) {
			free(part);
			break;	/* missing, or the end: the rest as written */
		}
		free(part);
		if (n < 0) {
			done = end;
			continue;
		}
		target[n] = '\0';
		cur[done] = '\0';
		next = target[0] == '/' ? sbx_asprintf("%s%s", target, cur + end) :
		       sbx_asprintf("%s/%s%s", cur, target, cur + end);
		free(cur);
		cur = sbx_path_normalize("/", next);
		free(next);
		done = 0;
		links++;
	}
	return cur;
}

/* Inside what a sandbox writes, as written or once its links are resolved: the path to name. */
static char *inside(const struct walk *w, const char *path)
{
	char *real = resolve_links(path);

	if (writable(w->p, path) || (real && writable(w->p, real))) {
		free(real);
		return sbx_strdup(path);
	}
	free(real);
	return NULL;
}

/* The first word of a command line that names a path a sandbox writes; NULL if none. */
static char *command_target(const struct walk *w, const char *value)
{
	char *copy = sbx_strdup(value), *save = NULL, *word, *found = NULL;

	/* Words as a shell would split them, near enough: quotes dropped, operators split. */
	for (char *c = copy; *c; c++)
		if (strchr("'\"`;|&(){}<>", *c))
			*c = ' ';
	for (word = strtok_r(copy, " \t\n", &save); word && !found;
	     word = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(word, '='), *path;

		word += *word == '!';
		/* --file=PATH, VAR=PATH */
		if (eq)
			word = eq + 1;
		/* Not a path sbx can tell: a variable, another user's home, a URL. */
		if (!strchr(word, '/') || strchr(word, '$') || (word[0] == '~' && word[1] != '/') ||
		    strstr(word, "://"))
			continue;
		path = absolute(w, word, w->p->dir);
		found = path ? inside(w, path) : NULL;
		free(path);
	}
	free(copy);
	return found;
}

static void add_risk(struct walk *w, const char *key, char *target, const char *file)
{
	SBX_ALLOC_GROW(w->risks, w->nr + 1, w->alloc);
	w->risks[w->nr].key = sbx_strdup(key);
	w->risks[w->nr].target = target;
	w->risks[w->nr].file = file ? sbx_strdup(file) : NULL;
	w->nr++;
}

/* "section.sub.key" split; sub NULL when there is none. Returns the copy holding them. */
static char *split_name(const char *name, const char **section, const char **sub,
			const char **key)
{
	char *copy = sbx_strdup(name), *first = strchr(copy, '.'), *last = strrchr(copy, '.');

	*section = copy;
	*sub = NULL;
	*key = NULL;
	if (!first)
		return copy;
	*first = '\0';
	*key = last + 1;
	if (last != first) {
		*last = '\0';
		*sub = first + 1;
	}
	return copy;
}

static void each_entry(const struct sbx_git_config_entry *e, void *data)
{
	struct walk *w = data;
	const char *section, *sub, *key, *value = e->value ? e->value : "";
	const size_t max_depth = sizeof(w->files) / sizeof(*w->files) - 1;
	char *copy = split_name(e->name, &section, &sub, &key), *target = NULL, *display;
	const char *file;
	size_t i;

	if (e->depth == 0) {
		free(w->files[0]);
		w->files[0] = e->file ? sbx_strdup(e->file) : NULL;
	}
	file = e->depth <= max_depth ? w->files[e->depth] : NULL;
	for (i = 0; key && i < sizeof(keys) / sizeof(*keys); i++)
		if (!strcasecmp(section, keys[i].section) &&
		    (keys[i].sub < 0 || keys[i].sub == (sub != NULL)) &&
		    (!keys[i].key || !strcasecmp(key, keys[i].key)))
			break;
	if (!key || i == sizeof(keys) / sizeof(*keys))
		goto out;
	switch (keys[i].kind) {
	case PATH:
		target = absolute(w, value, w->p->dir);
		break;
	case INCLUDE: {
		char *base = file ? sbx_strdup(file) : NULL, *slash = base ? strrchr(base, '/') : NULL;

		if (slash)
			*slash = '\0';
		target = *value ? absolute(w, value, slash ? base : NULL) : NULL;
		free(base);
		if (target)
			sbx_strvec_push(&w->included, target);
		/* What it includes comes next, one level deeper. */
		if (e->depth < max_depth) {
			free(w->files[e->depth + 1]);
			w->files[e->depth + 1] = target ? sbx_strdup(target) : NULL;
		}
		break;
	}
	case ALIAS:
	case COMMAND:
		/* An alias runs a command only when it starts with '!'. */
		if (keys[i].kind == ALIAS && value[0] != '!')
			goto out;
		target = command_target(w, value);
		break;
	}
	if (target && keys[i].kind != COMMAND && keys[i].kind != ALIAS) {
		char *in = inside(w, target);

		free(target);
		target = in;
	}
	if (!target)
		goto out;
	/* Spelled as git's documentation does; the subsection and alias names as written. */
	display = sub ? sbx_asprintf("%s.%s.%s", keys[i].section, sub,
				     keys[i].key ? keys[i].key : key) :
		  sbx_asprintf("%s.%s", keys[i].section, keys[i].key ? keys[i].key : key);
	add_risk(w, display, target, file);
	free(display);
out:
	free(copy);
}

/* Walks p's configuration into w (which the caller releases with walk_release). */
static int walk_config(const struct sbx_project *p, struct walk *w)
{
	const struct sbx_gitmod *git;

	memset(w, 0, sizeof(*w));
	sbx_strvec_init(&w->included);
	w->p = p;
	if (!p->in_git)
		return 0;
	git = sbx_gitmod();
	if (!git)
		return -1;
	w->home = sbx_home_dir();
	sbx_clear_error();
	return git->config(p->git_dir, each_entry, w);
}

static void walk_release(struct walk *w)
{
	for (size_t i = 0; i < sizeof(w->files) / sizeof(*w->files); i++)
		free(w->files[i]);
	free(w->home);
	sbx_strvec_clear(&w->included);
	sbx_git_risks_free(w->risks, w->nr);
	memset(w, 0, sizeof(*w));
}

int sbx_git_risks(const struct sbx_project *p, struct sbx_git_risk **out, size_t *nr)
{
	struct walk w;
	int ret = walk_config(p, &w);

	*out = ret ? NULL : w.risks;
	*nr = ret ? 0 : w.nr;
	if (!ret)
		w.risks = NULL;
	walk_release(&w);
	return ret;
}

void sbx_git_risks_free(struct sbx_git_risk *r, size_t nr)
{
	for (size_t i = 0; r && i < nr; i++) {
		free(r[i].key);
		free(r[i].target);
		free(r[i].file);
	}
	free(r);
}

/* The explanation, and the fix, of a risk. */
static char *detail(const struct sbx_git_risk *r)
{
	return sbx_asprintf("%s%s%s%s names '%s' inside the project, which a sandbox can write: "
			    "git on the host would run or read what the agent put there", r->key,
			    r->file ? " in '" : "", r->file ? r->file : "", r->file ? "'" : "",
			    r->target);
}

static char *fix(const struct sbx_git_risk *r)
{
	return sbx_asprintf("move it out of the project, or unset it (git config%s%s%s --unset %s)",
			    r->file ? " --file '" : "", r->file ? r->file : "", r->file ? "'" : "",
			    r->key);
}

char *sbx_git_risk_describe(const struct sbx_git_risk *r, int with_fix)
{
	char *d = detail(r), *f, *line;

	if (!with_fix)
		return d;
	f = fix(r);
	line = sbx_asprintf("git config %s; %s", d, f);
	free(d);
	free(f);
	return line;
}

void sbx_git_risks_doctor(const struct sbx_project *p, sbx_report_fn report)
{
	struct sbx_git_risk *r;
	size_t nr;

	if (!p->in_git)
		return;
	if (sbx_git_risks(p, &r, &nr)) {
		report(SBX_CHECK_WARN, "git config", sbx_last_error(), NULL);
		sbx_clear_error();
		return;
	}
	for (size_t i = 0; i < nr; i++) {
		char *d = detail(&r[i]), *f = fix(&r[i]);

		report(SBX_CHECK_WARN, "git config", d, f);
		free(d);
		free(f);
	}
	if (!nr)
		report(SBX_CHECK_OK, "git config", "runs and includes nothing inside the project", NULL);
	sbx_git_risks_free(r, nr);
}

/* Warn once: the state kept per project. */

/* Whatever changes when the file is edited or replaced; "-" when it is missing. */
static char *signature(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return sbx_strdup("-");
#ifdef __APPLE__
	return sbx_asprintf("%llu:%llu:%lld:%lld.%ld:%lld.%ld", (unsigned long long)st.st_dev,
			    (unsigned long long)st.st_ino, (long long)st.st_size,
			    (long long)st.st_mtimespec.tv_sec, st.st_mtimespec.tv_nsec,
			    (long long)st.st_ctimespec.tv_sec, st.st_ctimespec.tv_nsec);
#else
	return sbx_asprintf("%llu:%llu:%lld:%lld.%ld:%lld.%ld", (unsigned long long)st.st_dev,
			    (unsigned long long)st.st_ino, (long long)st.st_size,
			    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			    (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
#endif
}

/* The files git reads for p before any include (as lib/gitlayout.c and libgit2 find them). */
static void base_files(const struct sbx_project *p, cJSON *files)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	char *paths[4];

	paths[0] = sbx_asprintf("%s/config", p->common_dir);
	paths[1] = sbx_strdup("/etc/gitconfig");
	paths[2] = home && *home ? sbx_asprintf("%s/.gitconfig", home) : NULL;
	paths[3] = xdg && *xdg ? sbx_asprintf("%s/git/config", xdg) :
		   home && *home ? sbx_asprintf("%s/.config/git/config", home) : NULL;
	for (int i = 0; i < 4; i++) {
		if (paths[i] && !cJSON_GetObjectItemCaseSensitive(files, paths[i])) {
			char *sig = signature(paths[i]);

			sbx_json_add_string(files, paths[i], sig);
			free(sig);
		}
		free(paths[i]);
	}
}

/* Has any file recorded in state changed since? */
static int changed(const struct sbx_project *p, const cJSON *state)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(state, "files");
	cJSON *now;
	int differs = !cJSON_IsObject(files);

	for (const cJSON *f = files ? files->child : NULL; f && !differs; f = f->next) {
		char *sig = signature(f->string);

		differs = !cJSON_IsString(f) || strcmp(sig, f->valuestring);
		free(sig);
	}
	/* A file that appeared where git looks first (a new ~/.gitconfig). */
	now = sbx_json_new_object();
	base_files(p, now);
	for (const cJSON *f = now->child; f && !differs; f = f->next)
		differs = !cJSON_GetObjectItemCaseSensitive(files, f->string);
	cJSON_Delete(now);
	return differs;
}

static char *state_file(const struct sbx_project *p)
{
	char *state = sbx_state_dir(), *hash, *path;

	if (!state)
		return NULL;
	hash = sbx_hash_hex(p->dir, strlen(p->dir), 16);
	path = sbx_asprintf("%s/git-config/%s.json", state, hash);
	free(hash);
	free(state);
	return path;
}

static int warned_before(const cJSON *state, const char *line)
{
	const cJSON *warned = cJSON_GetObjectItemCaseSensitive(state, "warned");

	for (const cJSON *l = warned ? warned->child : NULL; l; l = l->next)
		if (cJSON_IsString(l) && !strcmp(l->valuestring, line))
			return 1;
	return 0;
}

void sbx_git_risks_warn_once(const struct sbx_project *p)
{
	struct sbx_buf b = SBX_BUF_INIT;
	struct walk w;
	char *path, *dir = NULL;
	cJSON *state = NULL, *next = NULL, *files, *warned;

	memset(&w, 0, sizeof(w));
	sbx_strvec_init(&w.included);
	if (!p->in_git)
		return;
	path = state_file(p);
	if (!path)
		goto out;
	/* The common path: nothing changed, nothing read but the state and a few stat calls. */
	if (sbx_buf_read_file(&b, path) == 0)
		state = cJSON_ParseWithLength(b.buf, b.len);
	sbx_clear_error();
	if (state && !changed(p, state))
		goto out;
	walk_release(&w);
	if (walk_config(p, &w)) {
		sbx_warn("cannot read the git configuration to check it: %s", sbx_last_error());
		goto out;
	}
	next = sbx_json_new_object();
	sbx_json_add_string(next, "project", p->dir);
	files = sbx_json_add_item(next, "files", sbx_json_new_object());
	warned = sbx_json_add_item(next, "warned", sbx_json_new_array());
	for (size_t i = 0; i < w.nr; i++) {
		char *line = sbx_git_risk_describe(&w.risks[i], 1);

		if (!warned_before(state, line))
			sbx_warn("%s", line);
		sbx_json_append(warned, sbx_json_new_string(line));
		free(line);
	}
	base_files(p, files);
	/* An included file is read again when it changes too. */
	for (size_t i = 0; i < w.included.nr; i++) {
		if (!cJSON_GetObjectItemCaseSensitive(files, w.included.v[i])) {
			char *sig = signature(w.included.v[i]);

			sbx_json_add_string(files, w.included.v[i], sig);
			free(sig);
		}
	}
	dir = sbx_strndup(path, (size_t)(strrchr(path, '/') - path));
	if (sbx_mkdir_p(dir, 0700) || sbx_json_write_file(path, next, 0600, 0))
		sbx_warn("%s", sbx_last_error());
out:
	sbx_clear_error();
	walk_release(&w);
	sbx_buf_release(&b);
	cJSON_Delete(state);
	cJSON_Delete(next);
	free(path);
	free(dir);
}
