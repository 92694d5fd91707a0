/*
 * The completion engine (cmd/complete.h) against the real command table, and
 * the global -q/-v options: the candidates for words, without a shell.
 */
#include "tap.h"

#include "cmd.h"
#include "commands.h"
#include "complete.h"
#include "term.h"
#include "xalloc.h"

/* The candidates for the words (the last one being completed), without descriptions. */
static char *complete(const char *const *words)
{
	struct sbx_buf out = SBX_BUF_INIT, words_only = SBX_BUF_INIT;
	char *w[16];
	int n = 0;

	while (words[n] && n < 15) {
		w[n] = sbx_strdup(words[n]);
		n++;
	}
	sbx_complete(n, w, &out);
	while (n--)
		free(w[n]);
	for (char *line = out.buf; *line;) {
		size_t len = strcspn(line, "\n");

		sbx_buf_add(&words_only, line, strcspn(line, "\t\n"));
		sbx_buf_addch(&words_only, ' ');
		line += len + (line[len] == '\n');
	}
	sbx_buf_release(&out);
	return sbx_buf_detach(&words_only);
}

#define expect(want, ...) do { \
		char *got_ = complete((const char *const[]){ __VA_ARGS__, NULL }); \
		is_str(got_, want, "complete %s", #__VA_ARGS__); \
		free(got_); \
	} while (0)

static void test_words(void)
{
	expect("run ", "ru");
	expect("config completion ", "co");
	expect("--version --verbose ", "--ver");
	expect("run ", "-q", "-v", "ru");
	expect("--keep ", "run", "--ke");
	expect("--forward-agent ", "shell", "--f");
	expect("--agent=codex ", "run", "--agent=co");
	expect("lima ", "run", "--backend", "l");
	expect("lima ", "run", "--backend=bwrap", "--backend", "l");
	/* A value flag given earlier does not make the current word its value. */
	expect("--keep ", "run", "--agent", "claude", "--ke");
	expect("bash zsh ", "init", "--prefix", "lm", "");
	expect("show validate ", "config", "");
	expect(":files ", "config", "validate", "");
	expect("new ls diff log merge rm ", "wt", "");
	expect("--squash ", "wt", "merge", "x", "--sq");
	expect("--delete-branch ", "wt", "merge", "x", "--rm", "--del");
	expect(":branches ", "wt", "new", "");
	expect(":refs ", "wt", "new", "x", "--base", "");
	expect(":refs ", "wt", "rm", "--merged", "");
	expect(":files ", "run", "--", "");
	/* An option sbx does not know starts the agent's words (sbxcc --resume). */
	expect(":files ", "run", "--keep", "--resume", "");
	expect("-subtitle -sound ", "notify", "send", "-s");
	expect("", "notify", "send", "-sound", "");
	expect("", "run", "--env", "");
	expect("--json --watch --help ", "ls", "");
	expect("wt ", "help", "w");
	expect("", "no-such-command", "");
}

static void test_kinds(void)
{
	char *got = complete((const char *const[]){ "run", "--agent", "", NULL });

	like(got, "claude codex opencode gemini shell", "every built-in agent");
	free(got);
	got = complete((const char *const[]){ "", NULL });
	for (unsigned i = 0; i < sbx_nr_commands; i++) {
		char word[64];

		snprintf(word, sizeof(word), "%s ", sbx_commands[i]->name);
		like(got, word, "the command %s", sbx_commands[i]->name);
	}
	free(got);
}

static int parse(const char *const *words)
{
	struct sbx_ctx ctx = { &sbx_cmd_ls, NULL, NULL, NULL };
	char *argv[8];
	int argc = 0, nr, ret;

	char *copies[8];

	while (words[argc] && argc < 7) {
		argv[argc] = copies[argc] = sbx_strdup(words[argc]);
		argc++;
	}
	argv[argc] = NULL;
	ret = sbx_parse_options(&ctx, argc, argv, &nr);
	sbx_ctx_release(&ctx);
	while (argc--)
		free(copies[argc]);
	return ret;
}

static void test_verbosity(void)
{
	sbx_set_verbosity(0);
	is_int(parse((const char *const[]){ "ls", "-q", NULL }), 0, "ls -q parses");
	is_int(sbx_verbosity(), -1, "-q is quiet");
	is_int(parse((const char *const[]){ "ls", "--verbose", "-v", NULL }), 0, "ls --verbose -v");
	is_int(sbx_verbosity(), 2, "each -v adds one, after -q too");
	sbx_set_verbosity(0);
	is_int(parse((const char *const[]){ "ls", "--quiet=1", NULL }), 2, "--quiet takes no value");
	is_int(parse((const char *const[]){ "ls", "-x", NULL }), 2, "-x is still unknown");
	sbx_set_verbosity(0);
}

int main(void)
{
	test_words();
	test_kinds();
	test_verbosity();
	return done_testing();
}
