/*
 * libFuzzer harness for what detection reads of a repository a sandbox could
 * have written (gitcheck.h, gitlayout.h): whatever bytes are a repository's
 * config, a .git file, a worktree record's gitdir or commondir, checking
 * never crashes or leaks, and what it accepts stays inside the one scratch
 * tree the repositories are in (a .git file or record never lends the
 * project another directory). The first byte chooses the file.
 */
#include "gitcheck.h"
#include "gitlayout.h"
#include "safefile.h"
#include "xalloc.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *root;

static void put(const char *rel, const uint8_t *data, size_t size)
{
	char *path = sbx_asprintf("%s/%s", root, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
	free(path);
}

static void mkdirs(const char *rel)
{
	char *path = sbx_asprintf("%s/%s", root, rel);

	if (mkdir(path, 0755) && access(path, F_OK))
		abort();
	free(path);
}

static void cleanup(void)
{
	sbx_safe_remove_tree(root);
}

/* A main checkout app and its linked worktree wt, as git writes them. */
static void setup(void)
{
	char tmpl[] = "/tmp/sbx-fuzz.XXXXXX", *text;

	if (!mkdtemp(tmpl) || !(root = realpath(tmpl, NULL)))
		abort();
	atexit(cleanup);
	mkdirs("app");
	mkdirs("app/.git");
	mkdirs("app/.git/objects");
	mkdirs("app/.git/refs");
	mkdirs("app/.git/worktrees");
	mkdirs("app/.git/worktrees/wt");
	mkdirs("wt");
	put("app/.git/HEAD", (const uint8_t *)"ref: refs/heads/main\n", 21);
	put("app/.git/worktrees/wt/HEAD", (const uint8_t *)"ref: refs/heads/wt\n", 19);
	put("app/.git/worktrees/wt/commondir", (const uint8_t *)"../..\n", 6);
	text = sbx_asprintf("%s/wt/.git\n", root);
	put("app/.git/worktrees/wt/gitdir", (const uint8_t *)text, strlen(text));
	free(text);
	text = sbx_asprintf("gitdir: %s/app/.git/worktrees/wt\n", root);
	put("wt/.git", (const uint8_t *)text, strlen(text));
	free(text);
}

static void check(const char *start_rel)
{
	struct sbx_git_files f;
	struct sbx_git_repo repo;
	char *start = sbx_asprintf("%s/%s", root, start_rel);
	size_t len = strlen(root);

	if (sbx_git_check_files(start, &f) == 0) {
		if (f.kind != SBX_GIT_NONE &&
		    (strncmp(f.gitdir, root, len) || strncmp(f.commondir, root, len) ||
		     (f.top && strncmp(f.top, root, len))))
			abort();
		if (sbx_git_layout(&f, &repo) == 0)
			sbx_git_repo_release(&repo);
		sbx_git_files_release(&f);
	}
	free(start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[] = {
		"app/.git/config", "wt/.git", "app/.git/worktrees/wt/gitdir",
		"app/.git/worktrees/wt/commondir",
	};
	char *text;
	int which;

	if (!root)
		setup();
	if (!size)
		return 0;
	which = data[0] % 4;
	put(files[which], data + 1, size - 1);
	check("app");
	check("wt");
	/* Put back what git wrote. */
	switch (which) {
	case 0:
		put(files[0], NULL, 0);
		break;
	case 1:
		text = sbx_asprintf("gitdir: %s/app/.git/worktrees/wt\n", root);
		put(files[1], (const uint8_t *)text, strlen(text));
		free(text);
		break;
	case 2:
		text = sbx_asprintf("%s/wt/.git\n", root);
		put(files[2], (const uint8_t *)text, strlen(text));
		free(text);
		break;
	default:
		put(files[3], (const uint8_t *)"../..\n", 6);
		break;
	}
	return 0;
}
