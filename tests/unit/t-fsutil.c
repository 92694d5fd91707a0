/*
 * sbx_copy_tree over a tree a hostile sandbox wrote (the template home):
 * links copied as links and never followed, FIFOs never opened, modes the
 * agent took away given back for the copy and kept in it, holes kept,
 * set-user-ID dropped, a depth beyond reason refused.
 */
#include "tap.h"
#include "scratch.h"

#include "error.h"
#include "fsutil.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static int mode_of(const char *rel)
{
	char *p = sbx_asprintf("%s/%s", scratch, rel);
	struct stat st;
	int mode = lstat(p, &st) ? -1 : (int)(st.st_mode & 07777);

	free(p);
	return mode;
}

static int kind_of(const char *rel)
{
	char *p = sbx_asprintf("%s/%s", scratch, rel);
	struct stat st;
	int kind = lstat(p, &st) ? 0 : (int)(st.st_mode & S_IFMT);

	free(p);
	return kind;
}

static void copies(void)
{
	char *src = sbx_asprintf("%s/tmpl", scratch), *dst = sbx_asprintf("%s/copy", scratch);
	char target[256] = "";
	char *p;
	struct stat st;
	ssize_t n;

	sh("mkdir -p tmpl/a/b tmpl/ro tmpl/locked/in && printf secret >host-file");
	sh("printf 1 >tmpl/a/b/f && printf 2 >tmpl/ro/f && printf 3 >tmpl/locked/in/f && printf 4 >tmpl/nor");
	sh("ln -s %s/host-file tmpl/abs && ln -s ../host-file tmpl/rel && ln -s %s tmpl/up", scratch,
	   scratch);
	sh("mkfifo tmpl/fifo && mkfifo tmpl/a/fifo");
	sh("truncate -s 1G tmpl/sparse && printf x >>tmpl/sparse");
	sh("printf s >tmpl/suid && chmod 4755 tmpl/suid");
	sh("chmod 500 tmpl/ro && chmod 000 tmpl/locked/in tmpl/locked tmpl/nor");
	/* A copy that opened the FIFO for reading would wait here for ever. */
	alarm(60);
	if (!ok(!sbx_copy_tree(src, dst), "a hostile template home is copied"))
		diag("%s", sbx_last_error());
	alarm(0);
	ok(kind_of("copy/abs") == S_IFLNK, "a link to a host file is copied as a link");
	p = sbx_asprintf("%s/copy/abs", scratch);
	n = readlink(p, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	free(p);
	like(target, "/host-file", "with its target, not the file's content");
	ok(kind_of("copy/rel") == S_IFLNK && kind_of("copy/up") == S_IFLNK, "every link");
	ok(!kind_of("copy/fifo") && !kind_of("copy/a/fifo"), "FIFOs are left out");
	ok(kind_of("copy/a/b/f") == S_IFREG, "files deep down are copied");
	ok(kind_of("copy/ro/f") == S_IFREG, "into a directory the agent made read-only");
	is_int(mode_of("copy/ro"), 0500, "which keeps its mode");
	is_int(mode_of("copy/locked"), 0, "an unreadable directory keeps its mode 000");
	sh("chmod 700 copy/locked copy/locked/in copy/nor tmpl/locked tmpl/locked/in tmpl/nor");
	ok(kind_of("copy/locked/in/f") == S_IFREG, "and its content is copied");
	ok(succeeds("test \"$(cat copy/locked/in/f)\" = 3 && test \"$(cat copy/nor)\" = 4"),
	   "an unreadable file too");
	sh("chmod 000 tmpl/locked/in tmpl/locked tmpl/nor");
	is_int(mode_of("tmpl/locked"), 0, "the template's modes are given back");
	p = sbx_asprintf("%s/copy/sparse", scratch);
	ok(!stat(p, &st) && st.st_size == (1 << 30) + 1 && st.st_blocks < 1024,
	   "a sparse file stays sparse (%lld blocks)", (long long)st.st_blocks);
	free(p);
	ok(succeeds("test \"$(tail -c 1 copy/sparse)\" = x"), "with its data");
	is_int(mode_of("copy/suid"), 0755, "set-user-ID is dropped");
	sh("chmod -R u+rwx tmpl copy && rm -rf tmpl copy");
	free(src);
	free(dst);
}

static void refuses(void)
{
	char *src = sbx_asprintf("%s/deep", scratch), *dst = sbx_asprintf("%s/deep-copy", scratch);
	char *link = sbx_asprintf("%s/link", scratch);

	sh("mkdir deep && cd deep && for i in $(seq 300); do mkdir d && cd d || exit 1; done");
	is_int(sbx_copy_tree(src, dst), -1, "a tree 300 directories deep is refused");
	like(sbx_last_error(), "deeper than 256 directories", "saying why");
	sh("ln -s deep link");
	is_int(sbx_copy_tree(link, dst), -1, "a top that is a link is not followed");
	like(sbx_last_error(), "not a directory", "saying why");
	sbx_clear_error();
	free(src);
	free(dst);
	free(link);
}

int main(void)
{
	scratch_init();
	copies();
	refuses();
	scratch_done();
	return done_testing();
}
