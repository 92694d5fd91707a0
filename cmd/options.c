/* Option parsing, help and error reporting shared by every command. */
#include "cmd.h"
#include "error.h"
#include "suggest.h"
#include "term.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t nr_options(const struct sbx_cmd *cmd)
{
	size_t n = 0;

	while (cmd->options && cmd->options[n].name)
		n++;
	return n;
}

static int find_option(const struct sbx_ctx *ctx, const char *name)
{
	size_t n = nr_options(ctx->cmd);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(ctx->cmd->options[i].name, name))
			return (int)i;
	fprintf(stderr, "sbx: BUG: command '%s' has no option '%s'\n", ctx->cmd->name, name);
	abort();
}

int sbx_opt_count(const struct sbx_ctx *ctx, const char *name)
{
	return ctx->counts[find_option(ctx, name)];
}

const char *sbx_opt_value(const struct sbx_ctx *ctx, const char *name)
{
	return ctx->values[find_option(ctx, name)];
}

const struct sbx_strvec *sbx_opt_list(const struct sbx_ctx *ctx, const char *name)
{
	return &ctx->lists[find_option(ctx, name)];
}

void sbx_ctx_release(struct sbx_ctx *ctx)
{
	size_t n = ctx->cmd ? nr_options(ctx->cmd) : 0;

	for (size_t i = 0; ctx->lists && i < n; i++)
		sbx_strvec_clear(&ctx->lists[i]);
	free(ctx->lists);
	free(ctx->counts);
	free((void *)ctx->values);
	ctx->lists = NULL;
	ctx->counts = NULL;
	ctx->values = NULL;
}

static int unknown_option(const struct sbx_ctx *ctx, const char *word)
{
	size_t n = nr_options(ctx->cmd), len = strcspn(word, "=");
	const char **names = sbx_calloc(n + 1, sizeof(*names));
	char *bare = sbx_strndup(word, len);
	const char *near;
	int ret;

	for (size_t i = 0; i < n; i++)
		names[i] = ctx->cmd->options[i].name;
	names[n] = "help";
	near = sbx_nearest(bare + strspn(bare, "-"), names, n + 1);
	if (near)
		ret = sbx_usage_error(ctx, "unknown option '%s' (did you mean '--%s'?)", bare, near);
	else
		ret = sbx_usage_error(ctx, "unknown option '%s' (see 'sbx %s --help')", bare,
				      ctx->cmd->name);
	free(bare);
	free(names);
	return ret;
}

static void take(struct sbx_ctx *ctx, size_t i, const char *value)
{
	ctx->counts[i]++;
	if (value) {
		ctx->values[i] = value;
		sbx_strvec_push(&ctx->lists[i], value);
	}
}

/* -q/--quiet and -v/--verbose: every command's, unless it has an option of that name. */
static int verbosity_option(const char *name, char short_name)
{
	if (!strcmp(name, "quiet") || short_name == 'q') {
		sbx_set_verbosity(-1);
		return 1;
	}
	if (!strcmp(name, "verbose") || short_name == 'v') {
		sbx_set_verbosity(sbx_verbosity() < 0 ? 1 : sbx_verbosity() + 1);
		return 1;
	}
	return 0;
}

int sbx_parse_options(struct sbx_ctx *ctx, int argc, char **argv, int *nr_args)
{
	size_t n = nr_options(ctx->cmd);
	char **pos = sbx_calloc((size_t)argc + 1, sizeof(*pos));
	int npos = 0, i, ret = 0, only_args = 0;

	ctx->counts = sbx_calloc(n + 1, sizeof(*ctx->counts));
	ctx->values = sbx_calloc(n + 1, sizeof(*ctx->values));
	ctx->lists = sbx_calloc(n + 1, sizeof(*ctx->lists));
	for (size_t k = 0; k < n; k++)
		sbx_strvec_init(&ctx->lists[k]);

	for (i = 1; i < argc; i++) {
		const char *w = argv[i];
		size_t k;

		if (only_args || w[0] != '-' || !w[1]) {
			pos[npos++] = argv[i];
			if (ctx->cmd->flags & SBX_CMD_STOP_AT_NONOPT)
				only_args = 1;
			continue;
		}
		if (!strcmp(w, "--")) {
			/* Kept, so a command can tell "-- ARGS" from its own words. */
			pos[npos++] = argv[i];
			only_args = 1;
			continue;
		}
		if (!strcmp(w, "--help") || !strcmp(w, "-h")) {
			sbx_print_command_help(ctx->cmd);
			ret = 1;
			goto out;
		}
		if (w[1] == '-') {
			const char *name = w + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			for (k = 0; k < n; k++)
				if (strlen(ctx->cmd->options[k].name) == len &&
				    !strncmp(ctx->cmd->options[k].name, name, len))
					break;
			if (k == n && !eq && verbosity_option(name, 0))
				continue;
			if (k == n) {
				ret = unknown_option(ctx, w);
				goto out;
			}
			if (ctx->cmd->options[k].type == SBX_OPT_FLAG) {
				if (eq) {
					ret = sbx_usage_error(ctx, "option '--%s' takes no value",
							      ctx->cmd->options[k].name);
					goto out;
				}
				take(ctx, k, NULL);
			} else if (eq) {
				take(ctx, k, eq + 1);
			} else if (i + 1 < argc) {
				take(ctx, k, argv[++i]);
			} else {
				ret = sbx_usage_error(ctx, "option '--%s' needs a value (%s)",
						      ctx->cmd->options[k].name,
						      ctx->cmd->options[k].arg);
				goto out;
			}
			continue;
		}
		/* Short options: -A, -e VALUE, -eVALUE; flags may be bundled (-qA). */
		for (const char *p = w + 1; *p; p++) {
			for (k = 0; k < n; k++)
				if (ctx->cmd->options[k].short_name == *p)
					break;
			if (k == n && verbosity_option("", *p))
				continue;
			if (k == n) {
				char bad[3] = { '-', *p, '\0' };

				ret = unknown_option(ctx, bad);
				goto out;
			}
			if (ctx->cmd->options[k].type == SBX_OPT_FLAG) {
				take(ctx, k, NULL);
				continue;
			}
			if (p[1]) {
				take(ctx, k, p + 1);
			} else if (i + 1 < argc) {
				take(ctx, k, argv[++i]);
			} else {
				ret = sbx_usage_error(ctx, "option '-%c' needs a value (%s)", *p,
						      ctx->cmd->options[k].arg);
				goto out;
			}
			break;
		}
	}
	for (i = 0; i < npos; i++)
		argv[i + 1] = pos[i];
	argv[npos + 1] = NULL;
	*nr_args = npos;
out:
	free(pos);
	return ret;
}

void sbx_print_command_help(const struct sbx_cmd *cmd)
{
	const char *u = cmd->usage;
	size_t n = nr_options(cmd);

	/* One usage line per form, as the man page's SYNOPSIS has them. */
	for (int first = 1; *u; first = 0) {
		size_t len = strcspn(u, "\n");

		printf("%s%.*s\n", first ? "usage: " : "       ", (int)len, u);
		u += len + (u[len] == '\n');
	}
	printf("\n%s\n", cmd->summary);
	if (cmd->description)
		printf("\n%s\n", cmd->description);
	if (n)
		printf("\noptions:\n");
	for (size_t i = 0; i < n; i++) {
		const struct sbx_option *o = &cmd->options[i];
		char left[64];

		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		printf("  %-26s %s\n", left, o->help);
	}
}

int sbx_fail(const struct sbx_ctx *ctx, int code)
{
	fprintf(stderr, "sbx %s: %s\n", ctx->cmd->name, sbx_last_error());
	return code;
}

int sbx_usage_error(const struct sbx_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sbx %s: ", ctx->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

int sbx_not_implemented(const struct sbx_ctx *ctx)
{
	fprintf(stderr, "sbx %s: not yet implemented\n", ctx->cmd->name);
	return 125;
}
