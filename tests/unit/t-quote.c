/*
 * Property test of the one quoting function: for random and hostile words,
 * a real shell given "printf %s <quoted>" prints the word byte for byte.
 * Words are checked in batches (one shell run prints many words separated by
 * NUL, which no argv word can contain) so that 10,000+ cases stay fast.
 */
#include "tap.h"

#include "quote.h"
#include "spawn.h"
#include "xalloc.h"

#include <unistd.h>

#define NR_RANDOM 10000
#define BATCH 500

static const char *hostile[] = {
	"", " ", "  two  spaces ", "'", "''", "\"", "'\\''", "a'b", "it's", "\\", "\\\\'",
	"$(touch pwned)", "`touch pwned`", "${HOME}", "$HOME", "$0", "$@", "$*", "$$",
	"\n", "line1\nline2", "\r\n", "\t", "tab\there", "-n", "-e", "--", "-", "--help",
	"-c", "*", "?", "[a]", "~", "~root", "#comment", "a;b", "a&&b", "a|b", "a>b", "<",
	"!", "!!", "!$", "héllo wörld", "日本語", "emoji \xf0\x9f\x98\x80", "\x7f", "\xff\xfe",
	"a=b", "FOO=bar baz", "%s", "%%", "%n", "\x01\x02\x03", "'$(x)'\"`y`\"",
	"end with backslash\\", "x\\\ny", NULL,
};

struct batch {
	struct sbx_buf script;
	char *words[BATCH];
	int nr;
};

static void check_batch(const char *shell, struct batch *b, int *failures)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_buf out = SBX_BUF_INIT, err = SBX_BUF_INIT;
	char dir[] = "/tmp/sbx-quote.XXXXXX";
	size_t off = 0;
	int code;

	/* A broken quoter makes the shell run bits of words: let it do so in a scratch dir. */
	if (!mkdtemp(dir))
		abort();
	c.dir = dir;
	sbx_strvec_push(&c.args, shell);
	sbx_strvec_push(&c.args, "-c");
	sbx_strvec_push(&c.args, b->script.buf);
	code = sbx_child_capture(&c, &out, &err);
	{
		struct sbx_child rm = SBX_CHILD_INIT;

		sbx_strvec_pushv(&rm.args, (const char *[]){ "rm", "-rf", dir, NULL });
		sbx_child_run(&rm);
		sbx_child_release(&rm);
	}
	if (code != 0) {
		diag("%s exited %d", shell, code);
		(*failures)++;
	}
	for (int i = 0; i < b->nr; i++) {
		size_t len = strlen(b->words[i]);

		if (off + len + 1 > out.len || memcmp(out.buf + off, b->words[i], len) ||
		    out.buf[off + len] != '\0') {
			if (*failures < 5)
				diag("%s: word %d ('%s') did not come back", shell, i, b->words[i]);
			(*failures)++;
			break;
		}
		off += len + 1;
	}
	sbx_buf_release(&out);
	sbx_buf_release(&err);
	sbx_child_release(&c);
}

static void add_word(const char *shell, struct batch *b, const char *word, int *failures)
{
	b->words[b->nr++] = sbx_strdup(word);
	sbx_buf_adds(&b->script, "printf %s ");
	sbx_sq_quote(&b->script, word);
	sbx_buf_adds(&b->script, "; printf '\\000'\n");
	if (b->nr == BATCH) {
		check_batch(shell, b, failures);
		for (int i = 0; i < b->nr; i++)
			free(b->words[i]);
		b->nr = 0;
		sbx_buf_reset(&b->script);
	}
}

static void flush(const char *shell, struct batch *b, int *failures)
{
	if (b->nr)
		check_batch(shell, b, failures);
	for (int i = 0; i < b->nr; i++)
		free(b->words[i]);
	b->nr = 0;
	sbx_buf_release(&b->script);
}

static void random_word(char *w, size_t max, unsigned *seed)
{
	size_t len = (size_t)(rand_r(seed) % (int)max);
	/* Mostly shell-special ASCII, with any non-NUL byte now and then. */
	static const char special[] = " '\"\\$`!*?[]{}()<>|&;#~=%\n\t-";

	for (size_t i = 0; i < len; i++) {
		int r = rand_r(seed) % 4;

		if (r == 0)
			w[i] = special[rand_r(seed) % (int)(sizeof(special) - 1)];
		else if (r == 1)
			w[i] = (char)(1 + rand_r(seed) % 255);
		else
			w[i] = (char)('a' + rand_r(seed) % 26);
	}
	w[len] = '\0';
}

static void run_property(const char *shell)
{
	struct batch b = { SBX_BUF_INIT, { 0 }, 0 };
	unsigned seed = 20261124;
	char word[64];
	int failures = 0, cases = 0;

	for (int i = 0; hostile[i]; i++, cases++)
		add_word(shell, &b, hostile[i], &failures);
	for (int i = 0; i < NR_RANDOM; i++, cases++) {
		random_word(word, sizeof(word), &seed);
		add_word(shell, &b, word, &failures);
	}
	flush(shell, &b, &failures);
	ok(failures == 0, "%s gives back %d quoted words byte for byte", shell, cases);
}

static void test_shapes(void)
{
	struct sbx_buf b = SBX_BUF_INIT;
	const char *argv[] = { "a b", "it's", "", NULL };

	sbx_sq_quote(&b, "plain");
	is_str(b.buf, "'plain'", "a plain word is wrapped in single quotes");
	sbx_buf_reset(&b);
	sbx_sq_quote(&b, "it's");
	is_str(b.buf, "'it'\\''s'", "a single quote becomes '\\''");
	sbx_buf_reset(&b);
	sbx_sq_quote_argv(&b, argv);
	is_str(b.buf, "'a b' 'it'\\''s' ''", "argv words are quoted and joined by spaces");
	sbx_buf_release(&b);
}

int main(void)
{
	test_shapes();
	run_property("sh");
	if (!access("/bin/bash", X_OK))
		run_property("bash");
	return done_testing();
}
