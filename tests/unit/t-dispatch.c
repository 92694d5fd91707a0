/* argv[0] dispatch, the command table and the option parser. */
#include "tap.h"

#include "cmd.h"
#include "suggest.h"

static void test_argv0(void)
{
	const char *links[] = { "run", "hook", "notify", "wt" };

	for (size_t i = 0; i < 4; i++) {
		char path[64];
		const struct sbx_cmd *c;

		snprintf(path, sizeof(path), "/usr/local/bin/sbx-%s", links[i]);
		c = sbx_command_from_argv0(path);
		ok(c && !strcmp(c->name, links[i]), "'%s' dispatches to %s", path, links[i]);
		snprintf(path, sizeof(path), "sbx-%s", links[i]);
		c = sbx_command_from_argv0(path);
		ok(c && !strcmp(c->name, links[i]), "'%s' without a directory too", path);
	}
	ok(!sbx_command_from_argv0("sbx"), "'sbx' is the multi-call binary itself");
	ok(!sbx_command_from_argv0("/opt/bin/sbx"), "so is '/opt/bin/sbx'");
	ok(!sbx_command_from_argv0("sbx-nosuch"), "an unknown link name is no command");
	ok(!sbx_command_from_argv0("/x/sbx-run/sbx"), "only the base name counts");
	ok(!sbx_command_from_argv0("xsbx-run"), "the sbx- prefix must start the name");
}

static void test_table(void)
{
	int dup = 0, bad = 0;

	ok(sbx_nr_commands >= 20, "the table has every command of design.md");
	for (unsigned i = 0; i < sbx_nr_commands; i++) {
		const struct sbx_cmd *c = sbx_commands[i];
		char prefix[32];

		for (unsigned j = i + 1; j < sbx_nr_commands; j++)
			dup += !strcmp(c->name, sbx_commands[j]->name);
		snprintf(prefix, sizeof(prefix), "sbx %s", c->name);
		/* Each usage form names its command, as the man page's SYNOPSIS will. */
		for (const char *u = c->usage; u; u = strchr(u, '\n') ? strchr(u, '\n') + 1 : NULL)
			bad += strncmp(u, prefix, strlen(prefix)) != 0;
		bad += !c->summary || !c->exec;
	}
	is_int(dup, 0, "no command is listed twice");
	is_int(bad, 0, "every command has a summary, an exec and usage lines naming it");
	ok(sbx_find_command("run") && !sbx_find_command("ru"), "lookup is by exact name");
}

static int parse(const char *name, int argc, char **argv, struct sbx_ctx *ctx, int *nr)
{
	ctx->cmd = sbx_find_command(name);
	return sbx_parse_options(ctx, argc, argv, nr);
}

static void test_options(void)
{
	struct sbx_ctx ctx = { 0 };
	char *argv[] = { "run", "--agent", "codex", "-A", "--mount=/a", "--mount", "/b:/c:ro",
			 "-eK=V", "--keep", "--", "--resume", "x y", NULL };
	char *argv2[] = { "run", "--agent", NULL };
	char *argv3[] = { "run", "--keep=yes", NULL };
	char *argv4[] = { "shell", "echo", "--keep", NULL };
	int nr = -1;

	is_int(parse("run", 12, argv, &ctx, &nr), 0, "run's options parse");
	is_str(sbx_opt_value(&ctx, "agent"), "codex", "--agent A takes the next word");
	is_int(sbx_opt_count(&ctx, "forward-agent"), 1, "-A is the short form of --forward-agent");
	is_int(sbx_opt_count(&ctx, "keep"), 1, "--keep is counted");
	is_int((long long)sbx_opt_list(&ctx, "mount")->nr, 2, "--mount accumulates");
	is_str(sbx_opt_list(&ctx, "mount")->v[0], "/a", "--mount=VALUE is taken");
	is_str(sbx_opt_list(&ctx, "mount")->v[1], "/b:/c:ro", "in order");
	is_str(sbx_opt_value(&ctx, "env"), "K=V", "-eVALUE is taken");
	is_int(nr, 3, "'--' and what follows are positional");
	is_str(argv[1], "--", "'--' is kept for the command to see");
	is_str(argv[2], "--resume", "words after '--' are not options");
	is_str(argv[3], "x y", "and keep their spaces");
	sbx_ctx_release(&ctx);

	is_int(parse("run", 2, argv2, &ctx, &nr), 2, "a missing value is a usage error");
	sbx_ctx_release(&ctx);
	is_int(parse("run", 2, argv3, &ctx, &nr), 2, "a flag with a value is a usage error");
	sbx_ctx_release(&ctx);
	is_int(parse("shell", 3, argv4, &ctx, &nr), 0, "shell stops at its first word");
	is_int(sbx_opt_count(&ctx, "keep"), 0, "so a later --keep belongs to the command");
	is_int(nr, 2, "both words are positional");
	sbx_ctx_release(&ctx);
}

static void test_suggest(void)
{
	const char *names[] = { "run", "shell", "setup", "network", "notify", NULL };

	is_str(sbx_nearest("rn", names, 5), "run", "'rn' suggests 'run'");
	is_str(sbx_nearest("netwrok", names, 5), "network", "a transposition is one edit");
	is_str(sbx_nearest("shel", names, 5), "shell", "a prefix suggests its command");
	ok(!sbx_nearest("zzzzzz", names, 5), "nothing resembling gives no suggestion");
	is_int((long long)sbx_edit_distance("kitten", "sitting"), 3, "edit distance is Levenshtein");
}

int main(void)
{
	test_argv0();
	test_table();
	test_options();
	test_suggest();
	return done_testing();
}
