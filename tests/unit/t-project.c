/*
 * Project detection through the git module, in repositories the git CLI
 * makes: plain, linked worktree, bare and a worktree of it, submodule,
 * detached HEAD, no repository; and the names derived from them.
 */
#include "tap.h"

#include "error.h"
#include "names.h"
#include "paths.h"
#include "project.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

static char *scratch;

/* Runs a shell command in the scratch directory; the tests make no sense without it. */
static void sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd, *line;

	va_start(ap, fmt);
	cmd = sbx_vasprintf(fmt, ap);
	va_end(ap);
	line = sbx_asprintf("cd '%s' && { %s; } >/dev/null 2>&1", scratch, cmd);
	if (system(line) != 0) {
		printf("Bail out! '%s' failed\n", cmd);
		exit(1);
	}
	free(line);
	free(cmd);
}

static char *at(const char *rel)
{
	return rel ? sbx_asprintf("%s/%s", scratch, rel) : NULL;
}

struct want {
	const char *start, *dir, *main_dir, *git_dir, *common_dir, *name;
	int in_git, worktree, submodule, bare;
};

static void check(const struct want *w, int repo_mode)
{
	struct sbx_project p;
	char *start = at(w->start), *paths[5];
	const char *rel[5] = { w->dir, w->main_dir, w->git_dir, w->common_dir, NULL };
	int ret = repo_mode ? sbx_project_detect_repo(&p, start) : sbx_project_detect(&p, start);

	for (int i = 0; i < 5; i++)
		paths[i] = at(rel[i]);
	if (!ok(ret == 0, "%s: detected", w->start)) {
		diag("%s", sbx_last_error());
		goto out;
	}
	is_str(p.dir, paths[0], "%s: dir", w->start);
	is_str(p.main_dir, paths[1], "%s: main_dir", w->start);
	is_str(p.git_dir, paths[2], "%s: git_dir", w->start);
	is_str(p.common_dir, paths[3], "%s: common_dir", w->start);
	is_str(p.name, w->name, "%s: name", w->start);
	is_int(p.in_git, w->in_git, "%s: in git", w->start);
	is_int(p.is_worktree, w->worktree, "%s: linked worktree", w->start);
	is_int(p.is_submodule, w->submodule, "%s: submodule", w->start);
	is_int(p.is_bare, w->bare, "%s: bare", w->start);
	sbx_project_release(&p);
out:
	for (int i = 0; i < 5; i++)
		free(paths[i]);
	free(start);
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
	char tmpl[] = "/tmp/sbx-project.XXXXXX";
	struct sbx_project p;
	char *home, *path;

	if (!mkdtemp(tmpl))
		return 1;
	scratch = realpath(tmpl, NULL);
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

	check(&(struct want){ "app/sub/dir", "app", "app", "app/.git", "app/.git", "app", 1, 0, 0, 0 }, 0);
	check(&(struct want){ "app/.git", "app", "app", "app/.git", "app/.git", "app", 1, 0, 0, 0 }, 0);
	check(&(struct want){ "feat", "feat", "app", "app/.git/worktrees/feat", "app/.git", "app",
			      1, 1, 0, 0 }, 0);
	check(&(struct want){ "bare-wt", "bare-wt", NULL, "bare.git/worktrees/bare-wt", "bare.git",
			      "bare", 1, 1, 0, 0 }, 0);
	check(&(struct want){ "bare.git", "bare.git", NULL, "bare.git", "bare.git", "bare",
			      1, 0, 0, 1 }, 1);
	check(&(struct want){ "super/mods/lib", "super/mods/lib", "super/mods/lib",
			      "super/.git/modules/mods/lib", "super/.git/modules/mods/lib", "lib",
			      1, 0, 1, 0 }, 0);
	check(&(struct want){ "super/mods", "super", "super", "super/.git", "super/.git", "super",
			      1, 0, 0, 0 }, 0);
	check(&(struct want){ "det", "det", "det", "det/.git", "det/.git", "det", 1, 0, 0, 0 }, 0);
	check(&(struct want){ "plain/x", "plain/x", "plain/x", NULL, NULL, "x", 0, 0, 0, 0 }, 0);

	path = at("bare.git");
	is_int(sbx_project_detect(&p, path), -1, "a bare repository is refused");
	like(sbx_last_error(), "is a bare repository: run sbx in a worktree of it (sbx wt new BRANCH)",
	     "pointing to a worktree");
	free(path);

	path = at("app/.git");
	setenv("GIT_DIR", path, 1);
	free(path);
	check(&(struct want){ "plain/x", "plain/x", "plain/x", NULL, NULL, "x", 0, 0, 0, 0 }, 0);
	unsetenv("GIT_DIR");

	path = at("missing");
	is_int(sbx_project_detect(&p, path), -1, "a directory that does not exist");
	like(sbx_last_error(), "missing", "is named");
	free(path);

	test_names();
	sh("rm -rf '%s'", scratch);
	free(home);
	free(scratch);
	return done_testing();
}
