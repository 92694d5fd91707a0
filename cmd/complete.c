/*
 * Shell completion from the command table (complete.h): the commands, each
 * command's options, and the positional words its usage lines name.
 */
#include "complete.h"
#include "backend.h"
#include "cmd.h"
#include "agents.h"
#include "config.h"
#include "error.h"
#include "gitmod.h"
#include "json.h"
#include "paths.h"
#include "project.h"
#include "spawn.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind {
	K_NONE, K_AGENTS, K_BACKENDS, K_SANDBOXES, K_COMMANDS, K_PLUGINS, K_WORKTREES,
	K_FILES, K_DIRS, K_REFS, K_BRANCHES,
};

/* What a value's name in the option table or a usage line stands for. */
static const struct {
	const char *name;
	enum kind kind;
} kinds[] = {
	{ "A", K_AGENTS }, { "AGENT", K_AGENTS }, { "B", K_BACKENDS }, { "BACKEND", K_BACKENDS },
	{ "NAME", K_SANDBOXES }, { "COMMAND", K_COMMANDS }, { "PLUGIN", K_PLUGINS },
	{ "BRANCH", K_BRANCHES }, { "REF", K_REFS }, { "DIR", K_DIRS }, { "FILE", K_FILES },
	{ "SPEC", K_FILES }, { "ARGS", K_FILES }, { "CMD", K_FILES }, { "PATH", K_FILES },
};

/* Where a name means something narrower in one command (sub NULL: any form). */
static const struct {
	const char *cmd, *sub, *name;
	enum kind kind;
} special[] = {
	{ "wt", "rm", "BRANCH", K_WORKTREES },
	{ "notify", NULL, "NAME", K_NONE },	/* -sound NAME */
};

/* The global options, accepted before the command. */
static const struct {
	const char *name, *help;
} globals[] = {
	{ "--help", "show the commands" },
	{ "--version", "print the version" },
	{ "--quiet", "no progress or notes, only results and errors" },
	{ "--verbose", "more detail: stream the backends' logs" },
};

#define MAX_FORMS 8

/* One usage line ("sbx wt rm BRANCH... [--force]"), read for completion. */
struct form {
	struct sbx_strvec slots;	/* positional words: "rm", "bash|zsh", "BRANCH" */
	struct sbx_strvec flags;	/* every flag the line names */
	struct sbx_strvec required;	/* the flags not in brackets */
	struct sbx_strvec valued;	/* flags followed by a value, and (next) its name */
	int repeat_last;		/* the last slot ends in "..." */
};

struct emit {
	struct sbx_buf *out;
	const char *prefix;	/* candidates start with it */
	const char *lead;	/* printed before each ("--agent=") */
};

static void emit(const struct emit *e, const char *word, const char *desc)
{
	if (strncmp(word, e->prefix, strlen(e->prefix)))
		return;
	sbx_buf_addf(e->out, "%s%s", e->lead, word);
	if (desc && *desc) {
		sbx_buf_addch(e->out, '\t');
		sbx_buf_add(e->out, desc, strcspn(desc, "\t\n"));
	}
	sbx_buf_addch(e->out, '\n');
}

static const struct sbx_option *find_long(const struct sbx_cmd *cmd, const char *name, size_t len)
{
	for (const struct sbx_option *o = cmd->options; o && o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

static const struct sbx_option *find_short(const struct sbx_cmd *cmd, char c)
{
	for (const struct sbx_option *o = cmd->options; o && o->name; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

/* The option a flag word names ("--agent", "--agent=x", "-e"), or NULL. */
static const struct sbx_option *find_option(const struct sbx_cmd *cmd, const char *word)
{
	if (word[0] != '-' || !word[1])
		return NULL;
	if (word[1] == '-')
		return find_long(cmd, word + 2, strcspn(word + 2, "="));
	return word[2] ? NULL : find_short(cmd, word[1]);
}

/* ------------------------------------------------------------ usage lines */

static int is_placeholder(const char *t)
{
	return t[0] >= 'A' && t[0] <= 'Z';
}

/* Strips "[", "]" and "..." around a usage token; counts the brackets. */
static char *strip(char *tok, int *opens, int *closes, int *repeat)
{
	size_t n;

	*opens = (int)strspn(tok, "[");
	tok += *opens;
	n = strlen(tok);
	*closes = 0;
	*repeat = 0;
	for (;;) {
		if (n >= 3 && !strncmp(tok + n - 3, "...", 3)) {
			n -= 3;
			*repeat = 1;
		} else if (n && tok[n - 1] == ']') {
			n--;
			(*closes)++;
		} else {
			break;
		}
	}
	tok[n] = '\0';
	return tok;
}

static void parse_form(const struct sbx_cmd *cmd, const char *line, size_t len, struct form *f)
{
	char *copy = sbx_strndup(line, len), *save = NULL, *tok, *next;
	int depth = 0, word = 0;

	sbx_strvec_init(&f->slots);
	sbx_strvec_init(&f->flags);
	sbx_strvec_init(&f->required);
	sbx_strvec_init(&f->valued);
	f->repeat_last = 0;
	for (tok = strtok_r(copy, " ", &save); tok; tok = next, word++) {
		int opens, closes, repeat;
		char *t = strip(tok, &opens, &closes, &repeat);

		next = strtok_r(NULL, " ", &save);
		depth += opens;
		if (word < 2 || !*t || !strcmp(t, "|")) {
			/* "sbx" and the command's own name */
		} else if (!strcmp(t, "--")) {
			break;
		} else if (t[0] == '-') {
			const struct sbx_option *o = find_option(cmd, t);
			char *v = next ? sbx_strdup(next) : NULL, *vs = NULL;
			int o2 = 0, c2 = 0, r2 = 0, takes;

			if (v)
				vs = strip(v, &o2, &c2, &r2);
			sbx_strvec_push(&f->flags, t);
			if (!depth)
				sbx_strvec_push(&f->required, t);
			/* A flag the table does not know (a raw command's) takes the placeholder after it. */
			takes = o ? o->type != SBX_OPT_FLAG : vs && next[0] != '[' && is_placeholder(vs);
			if (takes) {
				sbx_strvec_push(&f->valued, t);
				sbx_strvec_push(&f->valued, vs && is_placeholder(vs) ? vs :
							    o && o->arg ? o->arg : "");
				if (vs && next[0] != '[' && is_placeholder(vs)) {
					depth += o2 - c2;
					next = strtok_r(NULL, " ", &save);
				}
			}
			free(v);
		} else {
			sbx_strvec_push(&f->slots, t);
			f->repeat_last = repeat;
		}
		depth -= closes;
	}
	free(copy);
}

static int parse_forms(const struct sbx_cmd *cmd, struct form *forms)
{
	const char *u = cmd->usage;
	int n = 0;

	while (*u && n < MAX_FORMS) {
		size_t len = strcspn(u, "\n");

		parse_form(cmd, u, len, &forms[n++]);
		u += len + (u[len] == '\n');
	}
	return n;
}

static void release_forms(struct form *forms, int n)
{
	for (int i = 0; i < n; i++) {
		sbx_strvec_clear(&forms[i].slots);
		sbx_strvec_clear(&forms[i].flags);
		sbx_strvec_clear(&forms[i].required);
		sbx_strvec_clear(&forms[i].valued);
	}
}

static int in_vec(const struct sbx_strvec *v, const char *s)
{
	for (size_t i = 0; i < v->nr; i++)
		if (!strcmp(v->v[i], s))
			return 1;
	return 0;
}

/* The value name a raw command's flag takes (from its usage lines), or NULL. */
static const char *raw_value_name(const struct form *forms, int n, const char *flag)
{
	for (int i = 0; i < n; i++)
		for (size_t k = 0; k + 1 < forms[i].valued.nr; k += 2)
			if (!strcmp(forms[i].valued.v[k], flag))
				return forms[i].valued.v[k + 1];
	return NULL;
}

/* ----------------------------------------------------------------- values */

static enum kind kind_of(const struct sbx_cmd *cmd, const char *sub, const char *name)
{
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (!strcmp(special[i].cmd, cmd->name) && !strcmp(special[i].name, name) &&
		    (!special[i].sub || (sub && !strcmp(special[i].sub, sub))))
			return special[i].kind;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, name))
			return kinds[i].kind;
	return K_NONE;
}

static void agents(const struct emit *e)
{
	struct sbx_project p;

	for (size_t i = 0; sbx_builtin_agents[i]; i++)
		emit(e, sbx_builtin_agents[i], "built in");
	/* And those the project's configuration adds. */
	if (!sbx_project_detect(&p, NULL)) {
		struct sbx_config *cfg = sbx_config_load(&p);
		const cJSON *conf = cfg ? sbx_config_get(cfg, "agents") : NULL;

		for (const cJSON *a = conf ? conf->child : NULL; a; a = a->next) {
			size_t i = 0;

			while (sbx_builtin_agents[i] && strcmp(sbx_builtin_agents[i], a->string))
				i++;
			if (!sbx_builtin_agents[i])
				emit(e, a->string, "from the configuration");
		}
		sbx_config_free(cfg);
		sbx_project_release(&p);
	}
	sbx_clear_error();
}

static void sandboxes(const struct emit *e)
{
	cJSON *all = sbx_list_sandboxes();

	for (const cJSON *s = all->child; s; s = s->next) {
		const char *name = sbx_json_get_string(s, "name");
		const char *project = sbx_json_get_string(s, "project");
		char *desc;

		if (!name)
			continue;
		desc = sbx_asprintf("%s %s, %s%s%s", sbx_json_get_string(s, "backend"),
				    sbx_json_get_string(s, "kind"), sbx_json_get_string(s, "status"),
				    project ? " in " : "", project ? project : "");
		emit(e, name, desc);
		free(desc);
	}
	cJSON_Delete(all);
}

/* From `sbx plugins --json` (one object per line, or an array), whatever it answers. */
static void plugins(const struct emit *e)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_buf out = SBX_BUF_INIT, err = SBX_BUF_INIT;
	char *self = sbx_self_exe();

	if (self) {
		sbx_strvec_pushv(&c.args, (const char *[]){ self, "plugins", "--json", NULL });
		if (!sbx_child_capture(&c, &out, &err)) {
			for (char *line = out.buf; *line;) {
				size_t len = strcspn(line, "\n");
				cJSON *doc = cJSON_ParseWithLength(line, len);
				const cJSON *items = cJSON_IsArray(doc) ? doc->child : doc;

				for (const cJSON *p = items; p; p = cJSON_IsArray(doc) ? p->next : NULL)
					if (sbx_json_get_string(p, "name"))
						emit(e, sbx_json_get_string(p, "name"),
						     sbx_json_get_string(p, "summary"));
				cJSON_Delete(doc);
				line += len + (line[len] == '\n');
			}
		}
	}
	sbx_child_release(&c);
	sbx_buf_release(&out);
	sbx_buf_release(&err);
	free(self);
	sbx_clear_error();
}

static void worktrees(const struct emit *e)
{
	const struct sbx_gitmod *git = sbx_gitmod();
	struct sbx_git_worktree *w = NULL;
	char *cwd = getcwd(NULL, 0);
	size_t nr = 0;

	if (git && cwd && !git->worktrees(cwd, 0, &w, &nr)) {
		for (size_t i = 0; i < nr; i++)
			if (!w[i].main && w[i].branch)
				emit(e, w[i].branch, w[i].path);
		sbx_git_worktrees_free(w, nr);
	}
	free(cwd);
	sbx_clear_error();
}

static void values(enum kind k, const struct emit *e)
{
	static const char *const shell_kinds[] = {
		[K_FILES] = ":files", [K_DIRS] = ":dirs", [K_REFS] = ":refs",
		[K_BRANCHES] = ":branches",
	};

	switch (k) {
	case K_NONE:
		return;
	case K_AGENTS:
		agents(e);
		return;
	case K_BACKENDS:
		for (size_t i = 0; sbx_backends[i]; i++)
			emit(e, sbx_backends[i]->name, NULL);
		return;
	case K_SANDBOXES:
		sandboxes(e);
		return;
	case K_COMMANDS:
		for (unsigned i = 0; i < sbx_nr_commands; i++)
			emit(e, sbx_commands[i]->name, sbx_commands[i]->summary);
		return;
	case K_PLUGINS:
		plugins(e);
		return;
	case K_WORKTREES:
		worktrees(e);
		return;
	case K_FILES:
	case K_DIRS:
	case K_REFS:
	case K_BRANCHES:
		sbx_buf_addf(e->out, "%s\n", shell_kinds[k]);
		return;
	}
}

/* A usage slot: "show" (a subcommand), "bash|zsh" (choices) or a value's name. */
static void slot_values(const struct sbx_cmd *cmd, const char *sub, const char *slot,
			const struct emit *e)
{
	if (strchr(slot, '|')) {
		char *copy = sbx_strdup(slot), *save = NULL;

		for (char *c = strtok_r(copy, "|", &save); c; c = strtok_r(NULL, "|", &save))
			emit(e, c, NULL);
		free(copy);
	} else if (!is_placeholder(slot)) {
		emit(e, slot, NULL);
	} else {
		values(kind_of(cmd, sub, slot), e);
	}
}

/* ---------------------------------------------------------------- parsing */

/* What the words before the cursor say. */
struct state {
	struct sbx_strvec args;		/* positional words */
	struct sbx_strvec flags;	/* the flags given */
	const char *pending;		/* the last word is a flag awaiting its value */
	int free_args;			/* past "--" or the agent's words: anything goes */
};

static void read_words(const struct sbx_cmd *cmd, const struct form *forms, int nforms,
		       int nr, char **w, struct state *st)
{
	int raw = (cmd->flags & SBX_CMD_RAW_ARGS) != 0;

	for (int i = 0; i < nr; i++) {
		const char *word = w[i];
		const struct sbx_option *o;

		if (st->free_args || word[0] != '-' || !word[1]) {
			sbx_strvec_push(&st->args, word);
			if (cmd->flags & SBX_CMD_STOP_AT_NONOPT)
				st->free_args = 1;
			continue;
		}
		if (!strcmp(word, "--")) {
			st->free_args = 1;
			continue;
		}
		sbx_strvec_pushf(&st->flags, "%.*s", (int)strcspn(word, "="), word);
		o = find_option(cmd, word);
		if (o && o->type != SBX_OPT_FLAG && !strchr(word, '=')) {
			/* Its value is the next word: the one being completed, or skipped. */
			if (i + 1 == nr)
				st->pending = word;
			i++;
		} else if (!o && raw && raw_value_name(forms, nforms, word)) {
			/* Its value is the next word: the one being completed, or skipped. */
			if (i + 1 == nr)
				st->pending = word;
			i++;
		} else if (!o && word[1] != '-' && !raw) {
			/* Bundled short flags, maybe ending in one that takes a value: -Ae K=V. */
			for (const char *p = word + 1; *p; p++) {
				o = find_short(cmd, *p);
				if (o && o->type != SBX_OPT_FLAG) {
					if (!p[1] && i + 1 == nr)
						st->pending = word;
					i += !p[1];
					break;
				}
			}
		} else if (!o && !raw && (cmd->flags & SBX_CMD_STOP_AT_NONOPT)) {
			/* An option sbx does not know starts the agent's own (sbxcc --resume). */
			st->free_args = 1;
		}
	}
}

/* The value name that the pending flag takes. */
static const char *pending_name(const struct sbx_cmd *cmd, const struct form *forms, int n,
				const char *flag)
{
	const struct sbx_option *o = find_option(cmd, flag);

	if (!o && flag[1] != '-') {
		for (const char *p = flag + 1; *p; p++)
			if ((o = find_short(cmd, *p)) && o->type != SBX_OPT_FLAG)
				break;
	}
	if (o)
		return o->arg ? o->arg : "";
	return raw_value_name(forms, n, flag);
}

/* Does form f agree with the positional words typed so far? */
static int form_matches(const struct form *f, const struct sbx_strvec *args)
{
	for (size_t j = 0; j < args->nr; j++) {
		const char *slot = j < f->slots.nr ? f->slots.v[j]
			: f->repeat_last && f->slots.nr ? f->slots.v[f->slots.nr - 1] : NULL;

		if (!slot)
			return 0;
		if (!is_placeholder(slot) && !strchr(slot, '|') && strcmp(slot, args->v[j]))
			return 0;
	}
	return 1;
}

/* How many of f's required flags were given; -1 when one is missing. */
static int required_given(const struct form *f, const struct state *st)
{
	for (size_t i = 0; i < f->required.nr; i++)
		if (!in_vec(&st->flags, f->required.v[i]))
			return -1;
	return (int)f->required.nr;
}

static void options(const struct sbx_cmd *cmd, const struct form *forms, int n,
		    const struct state *st, const struct emit *e)
{
	const char *sub = st->args.nr ? st->args.v[0] : NULL;

	for (const struct sbx_option *o = cmd->options; o && o->name; o++) {
		char *name = sbx_asprintf("--%s", o->name);

		emit(e, name, o->help);
		free(name);
	}
	/* A raw command's flags come from the usage lines of its subcommand. */
	if (cmd->flags & SBX_CMD_RAW_ARGS) {
		for (int i = 0; i < n; i++) {
			if (forms[i].slots.nr && (!sub || strcmp(forms[i].slots.v[0], sub)))
				continue;
			for (size_t k = 0; k < forms[i].flags.nr; k++)
				if (!find_option(cmd, forms[i].flags.v[k]))
					emit(e, forms[i].flags.v[k], NULL);
		}
	}
	emit(e, "--help", "show the command's help");
}

static void positional(const struct sbx_cmd *cmd, const struct form *forms, int n,
		       const struct state *st, const struct emit *e)
{
	const char *sub = st->args.nr ? st->args.v[0] : NULL;
	const char *slot[MAX_FORMS];
	int given[MAX_FORMS], best = 0;
	size_t k = st->args.nr;

	for (int i = 0; i < n; i++) {
		const struct form *f = &forms[i];

		slot[i] = NULL;
		given[i] = -1;
		if (!form_matches(f, &st->args))
			continue;
		if (k < f->slots.nr)
			slot[i] = f->slots.v[k];
		else if (f->repeat_last && f->slots.nr)
			slot[i] = f->slots.v[f->slots.nr - 1];
		given[i] = required_given(f, st);
		if (slot[i] && is_placeholder(slot[i]) && given[i] > best)
			best = given[i];
	}
	/* A value's form only counts with its flags given, and the most specific wins. */
	for (int i = 0; i < n; i++)
		if (slot[i] && is_placeholder(slot[i]) && given[i] < best)
			slot[i] = NULL;
	for (int i = 0; i < n; i++) {
		int seen = 0;

		for (int j = 0; j < i && slot[i]; j++)
			seen |= slot[j] && !strcmp(slot[j], slot[i]);
		if (slot[i] && !seen)
			slot_values(cmd, sub, slot[i], e);
	}
}

static void complete_command(const struct sbx_cmd *cmd, int nr, char **w, struct sbx_buf *out)
{
	struct form forms[MAX_FORMS];
	int n = parse_forms(cmd, forms);
	struct state st = { SBX_STRVEC_INIT, SBX_STRVEC_INIT, NULL, 0 };
	const char *cur = w[nr - 1];
	struct emit e = { out, cur, "" };

	read_words(cmd, forms, n, nr - 1, w, &st);
	if (st.pending) {
		const char *name = pending_name(cmd, forms, n, st.pending);

		values(kind_of(cmd, st.args.nr ? st.args.v[0] : NULL, name ? name : ""), &e);
	} else if (st.free_args) {
		values(K_FILES, &e);
	} else if (cur[0] == '-' && cur[1] == '-' && strchr(cur, '=')) {
		const struct sbx_option *o = find_option(cmd, cur);
		char *lead = sbx_strndup(cur, (size_t)(strchr(cur, '=') - cur) + 1);

		e.prefix = cur + strlen(lead);
		e.lead = lead;
		if (o && o->type != SBX_OPT_FLAG)
			values(kind_of(cmd, st.args.nr ? st.args.v[0] : NULL, o->arg ? o->arg : ""),
			       &e);
		free(lead);
	} else if (cur[0] == '-') {
		options(cmd, forms, n, &st, &e);
	} else {
		size_t before = out->len;

		positional(cmd, forms, n, &st, &e);
		/* Nothing goes here: the options are what is left to type. */
		if (out->len == before && !*cur)
			options(cmd, forms, n, &st, &e);
	}
	sbx_strvec_clear(&st.args);
	sbx_strvec_clear(&st.flags);
	release_forms(forms, n);
}

void sbx_complete(int nr, char **words, struct sbx_buf *out)
{
	const struct sbx_cmd *cmd;
	struct emit e = { out, "", "" };
	int i = 0;

	if (nr < 1)
		return;
	/* The global options before the command. */
	while (i < nr - 1 && words[i][0] == '-')
		i++;
	e.prefix = words[i];
	if (i == nr - 1) {
		if (words[i][0] == '-') {
			for (size_t k = 0; k < sizeof(globals) / sizeof(globals[0]); k++)
				emit(&e, globals[k].name, globals[k].help);
		} else {
			values(K_COMMANDS, &e);
		}
		return;
	}
	cmd = sbx_find_command(words[i]);
	if (cmd)
		complete_command(cmd, nr - i - 1, words + i + 1, out);
}
