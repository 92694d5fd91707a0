#ifndef SBX_CMD_H
#define SBX_CMD_H

#include "strvec.h"

struct sbx_ctx;

enum sbx_opt_type {
	SBX_OPT_FLAG,		/* --keep; counted */
	SBX_OPT_STRING,		/* --agent A; the last one wins */
	SBX_OPT_LIST,		/* --mount SPEC; every one kept, in order */
};

struct sbx_option {
	const char *name;	/* long name, without "--" */
	char short_name;	/* or 0 */
	enum sbx_opt_type type;
	const char *arg;	/* the value's name in help ("A", "SPEC") */
	const char *help;
};

enum {
	/* Options end at the first non-option word (the rest is a command's argv). */
	SBX_CMD_STOP_AT_NONOPT = 1 << 0,
	/* The command parses argv itself (terminal-notifier style flags). */
	SBX_CMD_RAW_ARGS = 1 << 1,
};

struct sbx_cmd {
	const char *name;
	const char *summary;		/* one line, for `sbx --help` */
	const char *usage;		/* one line per form, "sbx NAME ..." */
	const char *description;	/* a paragraph for `sbx help NAME`, or NULL */
	const struct sbx_option *options; /* ends with { NULL } */
	int (*exec)(int argc, char **argv, struct sbx_ctx *ctx);
	unsigned flags;
};

/* What a command's exec gets: its parsed options and positional words. */
struct sbx_ctx {
	const struct sbx_cmd *cmd;
	int *counts;			/* per option */
	const char **values;		/* per option: last value */
	struct sbx_strvec *lists;	/* per option: every value */
};

/* Lookup of parsed options by long name; asking for an undeclared name is a bug. */
int sbx_opt_count(const struct sbx_ctx *ctx, const char *name);
const char *sbx_opt_value(const struct sbx_ctx *ctx, const char *name);
const struct sbx_strvec *sbx_opt_list(const struct sbx_ctx *ctx, const char *name);

/*
 * Parses argv[1..] against cmd's options; positional words are moved to the
 * front of argv (after argv[0]) and their count returned via *nr_args.
 * Returns 0, 1 when --help was answered, or 2 after printing a usage error.
 */
int sbx_parse_options(struct sbx_ctx *ctx, int argc, char **argv, int *nr_args);
void sbx_ctx_release(struct sbx_ctx *ctx);

/* Prints the command's help (usage, description, options) to stdout. */
void sbx_print_command_help(const struct sbx_cmd *cmd);

/*
 * Reports an error for the running command on stderr as
 * "sbx NAME: message" and returns code (so `return sbx_fail(ctx, 125);`).
 * The message is the last one recorded in lib/ (sbx_last_error()).
 */
int sbx_fail(const struct sbx_ctx *ctx, int code);
/* Prints "sbx NAME: message" and "see 'sbx NAME --help'"-free one line; returns 2. */
int sbx_usage_error(const struct sbx_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* For commands whose issue has not landed yet: exit 125. */
int sbx_not_implemented(const struct sbx_ctx *ctx);

/* `sbx run` and `sbx shell`: the session the flags describe, run by its backend. */
int sbx_run_session(struct sbx_ctx *ctx, int argc, char **argv, const char *command);

/*
 * Every sandbox and template of every usable backend, as listed by the
 * backends (objects with name, backend, kind, project, status, owner).
 */
struct cJSON;
struct cJSON *sbx_list_sandboxes(void);
const struct cJSON *sbx_find_sandbox(const struct cJSON *all, const char *name);

/* The command table, in the order `sbx --help` lists it. */
extern const struct sbx_cmd *const sbx_commands[];
extern const unsigned sbx_nr_commands;
const struct sbx_cmd *sbx_find_command(const char *name);
/*
 * argv[0] dispatch, as busybox does: "sbx-run" (any directory) is the run
 * command; NULL for "sbx" itself or a name that is no command.
 */
const struct sbx_cmd *sbx_command_from_argv0(const char *argv0);
/* `sbx --help`: the commands and their summaries. */
void sbx_print_main_help(void);

#endif
