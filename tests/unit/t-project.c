/*
 * Project detection through the git module, in repositories the git CLI
 * makes: plain, linked worktree, bare and a worktree of it, submodule,
 * detached HEAD, no repository; and the names derived from them.
 */
#include "tap.h"
#include "scratch.h"

#include "error.h"
#include "gitcheck.h"
#include "gitlayout.h"
#include "names.h"
#include "paths.h"
#include "project.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

static char *at(const char *rel)
{
	return rel ? sbx_asprintf("%s/%s", scratch, rel) : NULL;
}

struct want {
	const char *start, *dir, *main_dir, *git_dir, *common_dir, *name;
	int in_git, worktree, submodule, bare;
};

/* What the files say of start (lib/gitlayout.h), after sbx_git_check_files. */
static int layout(const char *start)
{
	struct sbx_git_files files;
	struct sbx_git_repo repo;
	int ret = sbx_git_check_files(start, &files);

	if (!ret)
		ret = sbx_git_layout(&files, &repo);
	if (ret == 0)
		sbx_git_repo_release(&repo);
	sbx_git_files_release(&files);
	return ret;
}

/*
 * Detects from w->start twice, the files first (lib/gitlayout.c) and libgit2
 * alone: both must give what w wants. fast says whether the files answer
 * (1) or leave it to libgit2 (0).
 */
static void check(const struct want *w, int repo_mode, int fast)
{
	const char *how[2] = { "", " (libgit2)" };
	char *start = at(w->start), *paths[5];
	const char *rel[5] = { w->dir, w->main_dir, w->git_dir, w->common_dir, NULL };

	is_int(layout(start) != SBX_GIT_LAYOUT_UNSURE, fast, "%s: the files %s", w->start,
	       fast ? "answer" : "leave it to libgit2");
	for (int i = 0; i < 5; i++)
		paths[i] = at(rel[i]);
	for (int k = 0; k < 2; k++) {
		unsigned flags = (repo_mode ? SBX_PROJECT_BARE_OK : 0) | (k ? SBX_PROJECT_LIBGIT2 : 0);
		struct sbx_project p;

		if (!ok(sbx_project_detect_flags(&p, start, flags) == 0, "%s%s: detected", w->start,
			how[k])) {
			diag("%s", sbx_last_error());
			continue;
		}
		is_str(p.dir, paths[0], "%s%s: dir", w->start, how[k]);
		is_str(p.main_dir, paths[1], "%s%s: main_dir", w->start, how[k]);
		is_str(p.git_dir, paths[2], "%s%s: git_dir", w->start, how[k]);
		is_str(p.common_dir, paths[3], "%s%s: common_dir", w->start, how[k]);
		is_str(p.name, w->name, "%s%s: name", w->start, how[k]);
		is_int(p.in_git, w->in_git, "%s%s: in git", w->start, how[k]);
		is_int(p.is_worktree, w->worktree, "%s%s: linked worktree", w->start, how[k]);
		is_int(p.is_submodule, w->submodule, "%s%s: submodule", w->start, how[k]);
		is_int(p.is_bare, w->bare, "%s%s: bare", w->start, how[k]);
		sbx_project_release(&p);
	}
	for (int i = 0; i < 5; i++)
		free(paths[i]);
	free(start);
}

/*
 * Detecting from start is refused, the files first and libgit2 alone, with
 * one line that contains before, rel (relative to the scratch directory),
 * then after.
 */
static void refused(const char *start, const char *before, const char *rel, const char *after)
{
	char *path = at(start), *file = at(rel), *want = sbx_asprintf("%s%s%s", before, file, after);

	for (int k = 0; k < 2; k++) {
		struct sbx_project p;
		int ret = sbx_project_detect_flags(&p, path, k ? SBX_PROJECT_LIBGIT2 : 0);

		if (!ret)
			sbx_project_release(&p);
		is_int(ret, -2, "%s%s: refused", start, k ? " (libgit2)" : "");
		like(sbx_last_error(), want, "%s%s: naming '%s'", start, k ? " (libgit2)" : "", rel);
		ok(!strchr(sbx_last_error(), '\n'), "%s%s: in one line", start, k ? " (libgit2)" : "");
	}
	free(path);
	free(file);
	free(want);
}

/* Layouts written as a hostile sandbox (or a tarball) would: refused by both ways. */
static void test_hostile(void)
{
	const char *wt = "h-wt/.git/worktrees/h-wt-side";

	sh("git init -q -b main h-main && git -C h-main commit -q --allow-empty -m h && "
	   "echo \"$PWD/other/.git\" >h-main/.git/commondir");
	refused("h-main", "'", "h-main/.git/commondir", "' points git at another repository's "
		"objects and refs, and git writes one only in a linked worktree's record "
		"(.git/worktrees/NAME): remove it (rm '");
	refused("h-main/.git", "'", "h-main/.git/commondir", "' points git at another");

	sh("mkdir h-plain && echo \"gitdir: $PWD/other/.git\" >h-plain/.git");
	refused("h-plain", "'", "h-plain", "/.git' names '");
	refused("h-plain", "which is neither inside '", "h-plain", "' nor a linked worktree's "
		"record nor a submodule's git directory: move that git directory here");

	sh("mkdir h-link && ln -s ../other/.git h-link/.git");
	refused("h-link", "'", "h-link/.git", "' is a symbolic link, which sbx does not follow");
	sh("mkdir h-fifo && mkfifo h-fifo/.git");
	refused("h-fifo", "'", "h-fifo/.git", "' is neither a git directory nor a .git file");

	sh("git init -q -b main h-cfifo && git -C h-cfifo commit -q --allow-empty -m h && "
	   "mkfifo h-cfifo/.git/commondir");
	refused("h-cfifo", "'", "h-cfifo/.git/commondir", "' points git at another");
	sh("git init -q -b main h-gitdir && git -C h-gitdir commit -q --allow-empty -m h && "
	   "echo \"$PWD/home/.git\" >h-gitdir/.git/gitdir");
	refused("h-gitdir", "'", "h-gitdir/.git/gitdir", "' names a work tree for libgit2, and "
		"git writes one only in a linked worktree's record");

	/* A linked worktree whose record was turned to the main checkout, or elsewhere. */
	sh("git init -q -b main h-wt && git -C h-wt commit -q --allow-empty -m h && "
	   "git -C h-wt worktree add -q -b side ../h-wt-side && "
	   "echo \"$PWD/h-wt/.git\" >%s/gitdir", wt);
	refused("h-wt-side", "'", wt, "/gitdir' points at '");
	refused("h-wt-side", "not at '", "h-wt-side", "/.git' which names the record: repair it "
		"(git -C '");
	sh("git -C h-wt worktree repair ../h-wt-side && echo \"$PWD/other/.git\" >%s/commondir",
	   wt);
	refused("h-wt-side", "'", wt, "/commondir' names '");
	sh("rm %s/commondir && ln -s ../../../other/.git %s/commondir", wt, wt);
	refused("h-wt-side", "cannot read '", wt, "/commondir': it is a symbolic link");
	sh("rm %s/commondir && mkfifo %s/commondir", wt, wt);
	refused("h-wt-side", "cannot read '", wt, "/commondir': not a regular file");

	/* A submodule's git directory must be in its superproject's modules/. */
	sh("mkdir super/h-sub && echo \"gitdir: $PWD/other/.git\" >super/h-sub/.git");
	refused("super/h-sub", "'", "super/h-sub", "/.git' names '");
	sh("mkdir super/h-sub2 && "
	   "echo 'gitdir: ../.git/modules/../../../other/.git' >super/h-sub2/.git");
	refused("super/h-sub2", "'", "super/h-sub2", "/.git' names '");

	/* What libgit2 1.5 cannot read right, named rather than misread. */
	sh("git init -q -b main h-ext1 && git -C h-ext1 config extensions.worktreeConfig true");
	refused("h-ext1", "'", "h-ext1/.git/config", "' sets extensions.worktreeConfig, which "
		"sbx's libgit2 cannot handle");
	sh("git init -q -b main h-ext2 && git -C h-ext2 config core.repositoryformatversion 1 && "
	   "printf '[extensions]\\n\\trefStorage = reftable\\n' >>h-ext2/.git/config");
	refused("h-ext2", "'", "h-ext2/.git/config", "' sets extensions.refStorage to "
		"'reftable', which sbx's libgit2 cannot handle");
	sh("git init -q -b main h-ext3 && git -C h-ext3 config core.repositoryformatversion 1 && "
	   "printf '[Extensions] objectformat = \"sha256\"\\n' >>h-ext3/.git/config");
	refused("h-ext3", "'", "h-ext3/.git/config", "' sets extensions.objectFormat to "
		"'sha256', which sbx's libgit2 cannot handle");

	/* A .git file naming a git directory inside the project is no wider. */
	check(&(struct want){ "in-sub", "in-sub", "in-sub", "in-sub/.gitdir", "in-sub/.gitdir",
			      "in-sub", 1, 0, 0, 0 }, 0, 1);
}

static char *template_of(const char *rel, int persistent)
{
	struct sbx_project p;
	char *start = at(rel), *name = NULL;

	if (!sbx_project_detect(&p, start)) {
		name = persistent ? sbx_persistent_name(&p) : sbx_template_name(&p, NULL);
		sbx_project_release(&p);
	}
	free(start);
	return name;
}

static void test_names(void)
{
	char *main_t = template_of("app", 0), *wt_t = template_of("feat", 0);
	char *other_t = template_of("bare-wt", 0);
	char *main_k = template_of("app", 1), *wt_k = template_of("feat", 1);

	ok(main_t && wt_t && !strcmp(main_t, wt_t), "a worktree shares its main repository's template");
	like(main_t, "sbx-app-", "named from the main repository");
	ok(other_t && strcmp(other_t, main_t), "another repository of the same commits has its own");
	ok(main_k && wt_k && strcmp(main_k, wt_k), "persistent sandboxes are per worktree");
	free(main_t);
	free(wt_t);
	free(other_t);
	free(main_k);
	free(wt_k);
}

int main(void)
{
	struct sbx_project p;
	char *home, *path;

	scratch_init();
	home = at("home");
	setenv("HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@t", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@t", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	sh("mkdir home plain plain/x && git init -q -b main app && echo a >app/a && "
	   "git -C app add a && git -C app commit -q -m a && mkdir -p app/sub/dir");
	sh("git -C app worktree add -q -b feat ../feat");
	sh("git clone -q --bare app bare.git && git -C bare.git worktree add -q ../bare-wt main");
	sh("git init -q -b main lib && git -C lib commit -q --allow-empty -m l && "
	   "git init -q -b main super && git -C super commit -q --allow-empty -m s && "
	   "git -C super -c protocol.file.allow=always submodule add -q ../lib mods/lib && "
	   "git -C super commit -q -m sub");
	sh("git clone -q app det && git -C det checkout -q --detach HEAD");

	sh("git init -q -b main --separate-git-dir seps.git sep && git -C sep commit -q --allow-empty -m s");
	sh("git init -q -b main cw && git -C cw commit -q --allow-empty -m c && mkdir cw-top && "
	   "git -C cw config core.worktree ../../cw-top");
	sh("git init -q -b main inc && git -C inc commit -q --allow-empty -m i && "
	   "git -C inc config include.path /nonexistent");
	sh("git init -q -b main fmt1 && git -C fmt1 commit -q --allow-empty -m f && "
	   "git -C fmt1 config core.repositoryformatversion 1");
	sh("git init -q -b main other && git -C other commit -q --allow-empty -m o");

	check(&(struct want){ "app/sub/dir", "app", "app", "app/.git", "app/.git", "app", 1, 0, 0, 0 },
	      0, 1);
	check(&(struct want){ "app", "app", "app", "app/.git", "app/.git", "app", 1, 0, 0, 0 }, 0, 1);
	check(&(struct want){ "app/.git", "app", "app", "app/.git", "app/.git", "app", 1, 0, 0, 0 },
	      0, 0);
	check(&(struct want){ "app/.git/refs", "app", "app", "app/.git", "app/.git", "app",
			      1, 0, 0, 0 }, 0, 0);
	check(&(struct want){ "feat", "feat", "app", "app/.git/worktrees/feat", "app/.git", "app",
			      1, 1, 0, 0 }, 0, 1);
	check(&(struct want){ "bare-wt", "bare-wt", NULL, "bare.git/worktrees/bare-wt", "bare.git",
			      "bare", 1, 1, 0, 0 }, 0, 1);
	check(&(struct want){ "bare.git", "bare.git", NULL, "bare.git", "bare.git", "bare",
			      1, 0, 0, 1 }, 1, 0);
	check(&(struct want){ "super/mods/lib", "super/mods/lib", "super/mods/lib",
			      "super/.git/modules/mods/lib", "super/.git/modules/mods/lib", "lib",
			      1, 0, 1, 0 }, 0, 0);
	check(&(struct want){ "super/mods", "super", "super", "super/.git", "super/.git", "super",
			      1, 0, 0, 0 }, 0, 1);
	check(&(struct want){ "det", "det", "det", "det/.git", "det/.git", "det", 1, 0, 0, 0 }, 0, 1);
	check(&(struct want){ "cw-top", "cw-top", "cw-top", NULL, NULL, "cw-top", 0, 0, 0, 0 }, 0, 1);
	check(&(struct want){ "cw", "cw-top", "cw-top", "cw/.git", "cw/.git", "cw-top", 1, 0, 0, 0 },
	      0, 0);
	check(&(struct want){ "inc", "inc", "inc", "inc/.git", "inc/.git", "inc", 1, 0, 0, 0 }, 0, 0);
	check(&(struct want){ "plain/x", "plain/x", "plain/x", NULL, NULL, "x", 0, 0, 0, 0 }, 0, 1);
	path = at("fmt1");
	is_int(layout(path), SBX_GIT_LAYOUT_UNSURE,
	       "format version 1: left to libgit2");
	free(path);
	if (geteuid() == 0) {
		sh("chown -R 12345 other");
		path = at("other");
		is_int(layout(path), SBX_GIT_LAYOUT_UNSURE,
		       "another user's repository: left to libgit2");
		is_int(sbx_project_detect(&p, path), -1, "which refuses it");
		like(sbx_last_error(), "belongs to another user: run sbx as its owner, or trust it "
		     "(git config --global --add safe.directory", "saying why and what to do");
		free(path);
	} else {
		ok(1, "# skip another user's repository needs root to make");
		ok(1, "# skip");
		ok(1, "# skip");
	}

	path = at("bare.git");
	is_int(sbx_project_detect(&p, path), -1, "a bare repository is refused");
	like(sbx_last_error(), "is a bare repository: run sbx in a worktree of it (sbx wt new BRANCH)",
	     "pointing to a worktree");
	free(path);

	path = at("app/.git");
	setenv("GIT_DIR", path, 1);
	free(path);
	check(&(struct want){ "plain/x", "plain/x", "plain/x", NULL, NULL, "x", 0, 0, 0, 0 }, 0, 1);
	unsetenv("GIT_DIR");

	path = at("missing");
	is_int(sbx_project_detect(&p, path), -1, "a directory that does not exist");
	like(sbx_last_error(), "missing", "is named");
	free(path);

	/* git init --separate-git-dir: a .git file naming what is not this project's. */
	refused("sep", "'", "sep", "/.git' names '");
	sh("git init -q -b main in-sub && git -C in-sub commit -q --allow-empty -m i && "
	   "mv in-sub/.git in-sub/.gitdir && echo 'gitdir: .gitdir' >in-sub/.git");
	test_hostile();
	test_names();
	scratch_done();
	free(home);
	return done_testing();
}
