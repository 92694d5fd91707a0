/* Text a sandbox wrote, made unable to steer a terminal (term.h). */
#include "tap.h"

#include "buf.h"
#include "term.h"

static void visible(const char *in, size_t len, const char *want, const char *what)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_term_visible(&b, in, len);
	is_str(b.buf, want, "%s", what);
	sbx_buf_release(&b);
}

#define VISIBLE(in, want, what) visible(in, sizeof(in) - 1, want, what)

int main(void)
{
	VISIBLE("plain text\tand a tab\n", "plain text\tand a tab\n", "text, tabs and newlines stay");
	VISIBLE("\033]0;title\007", "^[]0;title^G", "C0 controls as ^X");
	VISIBLE("a\rb\177", "a^Mb^?", "carriage return and DEL");
	VISIBLE("\302\233" "2J", "<U+009B>2J", "a C1 control (CSI) as its code point");
	VISIBLE("abc \342\200\256cba", "abc <U+202E>cba", "a right-to-left override");
	VISIBLE("\342\201\246x\342\201\251", "<U+2066>x<U+2069>", "isolates");
	VISIBLE("\342\200\217", "<U+200F>", "a right-to-left mark");
	VISIBLE("h\303\251 \360\237\230\200", "h\303\251 \360\237\230\200", "UTF-8 stays as it is");
	VISIBLE("\233[2J", "\\x9b[2J", "a byte that is not UTF-8 as \\xNN");
	VISIBLE("\300\200", "\\xc0\\x80", "an overlong form is no UTF-8");
	VISIBLE("\355\240\200", "\\xed\\xa0\\x80", "nor is a surrogate");
	VISIBLE("\342\200", "\\xe2\\x80", "nor a sequence cut short");
	visible("a\0b", 3, "a^@b", "a NUL inside");
	return done_testing();
}
