/*
 * Shell completion from the command table (complete.h): the commands, each
 * command's options, and the positional words its usage lines name.
 */
#include "complete.h"
#include "cmd.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* What a value's name in the option table or a usage line stands for. */
static const struct {
	const char *name;
	enum sbx_complete_kind kind;
} kinds[] = {
	{ "A", SBX_COMP_AGENTS }, { "AGENT", SBX_COMP_AGENTS }, { "B", SBX_COMP_BACKENDS }, { "BACKEND", SBX_COMP_BACKENDS },
	{ "NAME", SBX_COMP_SANDBOXES }, { "COMMAND", SBX_COMP_COMMANDS }, { "PLUGIN", SBX_COMP_PLUGINS },
	{ "BRANCH", SBX_COMP_BRANCHES }, { "REF", SBX_COMP_REFS }, { "DIR", SBX_COMP_DIRS }, { "FILE", SBX_COMP_FILES },
	{ "SPEC", SBX_COMP_FILES }, { "ARGS", SBX_COMP_FILES }, { "CMD", SBX_COMP_FILES }, { "PATH", SBX_COMP_FILES },
};

/* Where a name means something narrower in one command (sub NULL: any form). */
static const struct {
	const char *cmd, *sub, *name;
	enum sbx_complete_kind kind;
} special[] = {
	{ "wt", "rm", "BRANCH", SBX_COMP_WORKTREES },
	{ "wt", "diff", "BRANCH", SBX_COMP_WORKTREES },
	{ "wt", "log", "BRANCH", SBX_COMP_WORKTREES },
	{ "wt", "merge", "BRANCH", SBX_COMP_WORKTREES },
	{ "notify", NULL, "NAME", SBX_COMP_NONE },	/* -sound NAME */
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

static enum sbx_complete_kind kind_of(const struct sbx_cmd *cmd, const char *sub, const char *name)
{
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (!strcmp(special[i].cmd, cmd->name) && !strcmp(special[i].name, name) &&
		    (!special[i].sub || (sub && !strcmp(special[i].sub, sub))))
			return special[i].kind;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, name))
			return kinds[i].kind;
	return SBX_COMP_NONE;
}

/* A usage slot: "show" (a subcommand), "bash|zsh" (choices) or a value's name. */
static void slot_values(const struct sbx_cmd *cmd, const char *sub, const char *slot,
			const struct sbx_complete_emit *e)
{
	if (strchr(slot, '|')) {
		char *copy = sbx_strdup(slot), *save = NULL;

		for (char *c = strtok_r(copy, "|", &save); c; c = strtok_r(NULL, "|", &save))
			sbx_complete_emit(e, c, NULL);
		free(copy);
	} else if (!is_placeholder(slot)) {
		sbx_complete_emit(e, slot, NULL);
	} else {
		sbx_complete_values(kind_of(cmd, sub, slot), e);
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
		    const struct state *st, const struct sbx_complete_emit *e)
{
	const char *sub = st->args.nr ? st->args.v[0] : NULL;

	for (const struct sbx_option *o = cmd->options; o && o->name; o++) {
		char *name = sbx_asprintf("--%s", o->name);

		sbx_complete_emit(e, name, o->help);
		free(name);
	}
	/* A raw command's flags come from the usage lines of its subcommand. */
	if (cmd->flags & SBX_CMD_RAW_ARGS) {
		for (int i = 0; i < n; i++) {
			if (forms[i].slots.nr && (!sub || strcmp(forms[i].slots.v[0], sub)))
				continue;
			for (size_t k = 0; k < forms[i].flags.nr; k++)
				if (!find_option(cmd, forms[i].flags.v[k]))
					sbx_complete_emit(e, forms[i].flags.v[k], NULL);
		}
	}
	sbx_complete_emit(e, "--help", "show the command's help");
}

static void positional(const struct sbx_cmd *cmd, const struct form *forms, int n,
		       const struct state *st, const struct sbx_complete_emit *e)
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
	struct sbx_complete_emit e = { out, cur, "" };

	read_words(cmd, forms, n, nr - 1, w, &st);
	if (st.pending) {
		const char *name = pending_name(cmd, forms, n, st.pending);

		sbx_complete_values(kind_of(cmd, st.args.nr ? st.args.v[0] : NULL, name ? name : ""), &e);
	} else if (st.free_args) {
		sbx_complete_values(SBX_COMP_FILES, &e);
	} else if (cur[0] == '-' && cur[1] == '-' && strchr(cur, '=')) {
		const struct sbx_option *o = find_option(cmd, cur);
		char *lead = sbx_strndup(cur, (size_t)(strchr(cur, '=') - cur) + 1);

		e.prefix = cur + strlen(lead);
		e.lead = lead;
		if (o && o->type != SBX_OPT_FLAG)
			sbx_complete_values(kind_of(cmd, st.args.nr ? st.args.v[0] : NULL, o->arg ? o->arg : ""),
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
	struct sbx_complete_emit e = { out, "", "" };
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
				sbx_complete_emit(&e, globals[k].name, globals[k].help);
		} else {
			sbx_complete_values(SBX_COMP_COMMANDS, &e);
		}
		return;
	}
	cmd = sbx_find_command(words[i]);
	if (cmd)
		complete_command(cmd, nr - i - 1, words + i + 1, out);
}
