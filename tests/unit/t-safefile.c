/* Reading and removing what a hostile sandbox wrote: links, FIFOs, sizes, modes, depth. */
#include "tap.h"
#include "scratch.h"

#include "error.h"
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int exists(const char *rel)
{
	char *p = sbx_asprintf("%s/%s", scratch, rel);
	struct stat st;
	int ret = !lstat(p, &st);

	free(p);
	return ret;
}

static void reads(void)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *p;
	int dfd;

	sh("mkdir -p d/sub && printf hello >d/sub/f && printf secret >outside");
	sh("ln -s ../outside d/link && ln -s sub d/dirlink && mkfifo d/fifo");
	sh("head -c 5000 /dev/zero >d/big && ln -s /dev/zero d/zero");
	is_int(sbx_safe_read(scratch, "d/sub/f", 100, &b), 0, "a regular file is read");
	is_str(b.buf, "hello", "with its content");
	sbx_buf_reset(&b);
	is_int(sbx_safe_read(scratch, "d/nothing", 100, &b), 1, "a missing file is 1");
	is_int(sbx_safe_read(scratch, "d/link", 100, &b), -1, "a link as the last component is refused");
	like(sbx_last_error(), "symbolic link", "saying so");
	is_int(sbx_safe_read(scratch, "d/dirlink/f", 100, &b), -1, "a link on the way is refused");
	is_int(sbx_safe_read(scratch, "d/../outside", 100, &b), -1, "'..' is refused");
	/* Without O_NONBLOCK this open would wait for a writer forever. */
	is_int(sbx_safe_read(scratch, "d/fifo", 100, &b), -1, "a FIFO is refused without blocking");
	like(sbx_last_error(), "not a regular file", "as not a regular file");
	is_int(sbx_safe_read(scratch, "d/big", 4096, &b), -1, "a file over the bound is refused");
	like(sbx_last_error(), "larger than 4096", "naming the bound");
	is_int(sbx_safe_read(scratch, "d/zero", 4096, &b), -1, "a link to /dev/zero is refused");
	is_int(b.len, 0, "and nothing was read");
	p = sbx_asprintf("%s/d/sub/f", scratch);
	is_int(sbx_safe_read(NULL, p, 100, &b), 0, "without a directory: an absolute path");
	is_str(b.buf, "hello", "read");
	free(p);
	sbx_buf_reset(&b);
	p = sbx_asprintf("%s/d/dirlink/f", scratch);
	is_int(sbx_safe_read(NULL, p, 100, &b), -1, "whose links are refused on the way too");
	free(p);
	dfd = open(scratch, O_RDONLY | O_DIRECTORY);
	is_int(sbx_safe_read_at(dfd, "d/link", "~/the-file", 100, &b), -1, "below a descriptor");
	is_str(sbx_last_error(), "cannot read '~/the-file': it is a symbolic link",
	       "named as the caller says");
	is_int(sbx_safe_read_at(dfd, "d/fifo", "~/fifo", 100, &b), -1, "a FIFO there too");
	is_int(sbx_safe_read_at(dfd, "d/nothing", "~/nothing", 100, &b), 1, "and missing is 1");
	close(dfd);
	sbx_buf_release(&b);
	sbx_clear_error();
}

static void links_on_the_way(void)
{
	int dfd;

	sh("mkdir -p l/home/a beyond/b && ln -s ../../beyond l/home/out && ln -s /dev/null l/home/a/last");
	dfd = open(scratch, O_RDONLY | O_DIRECTORY);
	is_int(sbx_safe_find_link(dfd, "l/home/out/b/c", 0), 1, "a link on the way is found");
	ok(exists("l/home/out"), "and left alone without remove");
	is_int(sbx_safe_find_link(dfd, "l/home/a/last", 0), 1, "a link as the last component too");
	is_int(sbx_safe_find_link(dfd, "l/home/a/none/x", 0), 0, "a missing one ends the look");
	is_int(sbx_safe_find_link(dfd, "l/home/out/b/c", 1), 1, "with remove, it is removed");
	ok(!exists("l/home/out") && exists("beyond/b"), "the link, not what it pointed to");
	is_int(sbx_safe_find_link(dfd, "l/home/out/b/c", 1), 0, "and is gone");
	is_int(sbx_safe_find_link(dfd, "l/../beyond", 0), -1, "'..' is refused");
	close(dfd);
	sbx_clear_error();
}

static void removes(void)
{
	char *p;
	int fd;

	/* A home as an agent could leave it: modes taken away, links out, a FIFO. */
	sh("mkdir -p h/a/b/c h/x && printf 1 >h/a/b/c/f && printf keep >kept");
	sh("ln -s ../../kept h/a/link && ln -s %s h/x/abs && mkfifo h/a/b/fifo", scratch);
	sh("chmod 000 h/a/b/c && chmod 500 h/a/b && chmod 000 h/x");
	p = sbx_asprintf("%s/h", scratch);
	is_int(sbx_safe_remove_tree(p), 0, "a tree with unreadable and read-only directories is removed");
	ok(!exists("h"), "all of it");
	ok(exists("kept"), "a link's target outside is left alone");
	is_int(sbx_safe_remove_tree(p), 0, "a missing tree is fine");
	free(p);

	/* Deeper than PATH_MAX: nftw gives up there. */
	p = sbx_asprintf("%s/deep", scratch);
	mkdir(p, 0700);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < 400 && fd >= 0; i++) {
		const char *name = "a-rather-long-directory-name-to-pass-path-max-quickly";
		int sub;

		mkdirat(fd, name, 0700);
		sub = openat(fd, name, O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = sub;
	}
	if (fd >= 0) {
		close(openat(fd, "leaf", O_CREAT | O_WRONLY, 0600));
		fchmod(fd, 0);
		close(fd);
	}
	is_int(sbx_safe_remove_tree(p), 0, "a tree 20,000 bytes deep is removed");
	ok(!exists("deep"), "all of it");
	free(p);
	sbx_clear_error();
}

int main(void)
{
	scratch_init();
	reads();
	links_on_the_way();
	removes();
	scratch_done();
	return done_testing();
}
