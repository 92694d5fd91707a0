/*
 * sbx wt's pieces: worktree paths from worktree.path, running sandboxes from
 * ownership records, and the git module's worktree and branch operations on
 * a repository the git CLI makes.
 */
#include "tap.h"
#include "scratch.h"

#include "error.h"
#include "gitmod.h"
#include "json.h"
#include "owner.h"
#include "project.h"
#include "worktree.h"
#include "xalloc.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

static void check(char *got, const char *want, const char *what)
{
	is_str(got, want, "%s", what);
	free(got);
}

static void test_paths(void)
{
	struct sbx_project p = { 0 };

	check(sbx_path_normalize("/a/b", "../c"), "/a/c", "normalize: .. against the base");
	check(sbx_path_normalize("/a/b", "./c//d/"), "/a/b/c/d", "normalize: . and doubled /");
	check(sbx_path_normalize("/a", "/x/../../y"), "/y", "normalize: .. stops at /");
	check(sbx_path_normalize("/a", "/"), "/", "normalize: / stays /");

	p.name = (char *)"app";
	p.main_dir = (char *)"/src/app";
	p.common_dir = (char *)"/src/app/.git";
	check(sbx_worktree_path("../{repo}.worktrees/{branch}", &p, "fix"), "/src/app.worktrees/fix",
	      "the default: a sibling of the main checkout");
	check(sbx_worktree_path("../{repo}.worktrees/{branch}", &p, "feature/x"),
	      "/src/app.worktrees/feature/x", "a branch's slashes are directories");
	check(sbx_worktree_path("/wt/{repo}-{branch}-{repo}", &p, "b"), "/wt/app-b-app",
	      "absolute, fields repeated");
	check(sbx_worktree_path("~/wt/{branch}", &p, "b"), "/home/t/wt/b", "~/ is the home");
	check(sbx_worktree_path("{branch}", &p, "b"), "/src/app/b", "inside the checkout, if asked");
	p.main_dir = NULL;
	p.common_dir = (char *)"/src/app.git";
	check(sbx_worktree_path("../{repo}.worktrees/{branch}", &p, "b"), "/src/app.worktrees/b",
	      "a bare repository: beside it");
}

static void test_sandboxes(void)
{
	cJSON *records = sbx_json_new_array(), *out = sbx_json_new_array(), *r;
	char start[32];

	snprintf(start, sizeof(start), "%llu", sbx_process_start_time(getpid()));
	r = sbx_json_append(records, sbx_json_new_object());
	sbx_json_add_string(r, "name", "live");
	sbx_json_add_string(r, "kind", "session");
	sbx_json_add_string(r, "project", "/wt/a");
	sbx_json_add_number(r, "pid", getpid());
	sbx_json_add_string(r, "start", start);
	r = sbx_json_append(records, sbx_json_dup(r));
	cJSON_ReplaceItemInObjectCaseSensitive(r, "kind", cJSON_CreateString("template"));
	r = sbx_json_append(records, sbx_json_dup(r));
	cJSON_ReplaceItemInObjectCaseSensitive(r, "kind", cJSON_CreateString("persistent"));
	cJSON_ReplaceItemInObjectCaseSensitive(r, "start", cJSON_CreateString("1"));
	r = sbx_json_append(records, sbx_json_dup(r));
	cJSON_ReplaceItemInObjectCaseSensitive(r, "project", cJSON_CreateString("/wt/b"));
	cJSON_ReplaceItemInObjectCaseSensitive(r, "start", cJSON_CreateString(start));

	is_int(sbx_worktree_sandboxes(records, "/wt/a", out), 1,
	       "a live session counts; a template build and a reused pid do not");
	is_str(sbx_json_get_string(out->child, "name"), "live", "its record is copied out");
	is_int(sbx_worktree_sandboxes(records, "/wt/b", NULL), 1, "per project directory");
	is_int(sbx_worktree_sandboxes(records, "/wt", NULL), 0, "a parent directory is not it");
	is_int(sbx_worktree_sandboxes(NULL, "/wt/a", NULL), 0, "no records, nothing running");
	cJSON_Delete(records);
	cJSON_Delete(out);
}

static void test_prune_parents(void)
{
	char *path = sbx_asprintf("%s/wts/feature/deep/x", scratch);
	char *keep = sbx_asprintf("%s/wts/feature/other", scratch);
	char *deep = sbx_asprintf("%s/wts/feature/deep", scratch);
	char *wts = sbx_asprintf("%s/wts", scratch);
	struct stat st;

	sh("mkdir -p wts/feature/deep wts/feature/other");
	sbx_worktree_prune_parents(path, "feature/deep/x");
	ok(stat(deep, &st) != 0, "the empty directories of the branch's name go");
	ok(stat(keep, &st) == 0, "up to the first that is not empty");
	sbx_worktree_prune_parents(keep, "x/other");
	ok(stat(wts, &st) == 0, "nothing when the path does not end in the branch");
	free(path);
	free(keep);
	free(deep);
	free(wts);
}

static void test_module(void)
{
	const struct sbx_gitmod *git = sbx_gitmod();
	struct sbx_git_worktree *w = NULL;
	char *app = sbx_asprintf("%s/app", scratch);
	char *one = sbx_asprintf("%s/wts/one", scratch);
	char *two = sbx_asprintf("%s/wts/two", scratch);
	size_t nr = 0;
	int created = -1;

	if (!ok(git != NULL, "the module is linked in"))
		return;
	sh("git init -q -b main app && echo a >app/a && git -C app add a && git -C app commit -q -m a");
	is_int(git->worktree_add(app, "one", NULL, one, &created), 0, "add: a new branch");
	is_int(created, 1, "add: created says so");
	is_int(git->worktree_add(app, "one", NULL, two, &created), -1, "add: one branch, one worktree");
	like(sbx_last_error(), "is checked out at", "add: and says where");
	like(sbx_last_error(), one, "add: naming the path");
	sh("git -C app branch two");
	is_int(git->worktree_add(app, "two", "HEAD", two, &created), -2,
	       "add: --base for an existing branch is the caller's mistake");
	is_int(git->worktree_add(app, "two", NULL, two, &created), 0, "add: an existing branch");
	is_int(created, 0, "add: not created");
	is_int(git->worktree_add(app, "-x", NULL, "/nonexistent/x", &created), -2, "add: a bad name");

	sh("echo b >wts/one/b && git -C wts/one add b && git -C wts/one commit -q -m b && "
	   "echo dirty >wts/two/untracked");
	is_int(git->worktrees(app, SBX_GIT_WT_STATUS | SBX_GIT_WT_COUNTS, &w, &nr), 0, "list");
	is_int(nr, 3, "list: the main worktree and two linked ones");
	if (nr == 3) {
		ok(w[0].main && !w[0].name && !strcmp(w[0].branch, "main"), "list: main first");
		is_str(w[1].path, one, "list: sorted by path");
		is_str(w[1].name, "one", "list: the record's name");
		is_int(w[1].ahead, 1, "list: one ahead");
		is_int(w[1].behind, 0, "list: none behind");
		is_str(w[1].base, "main", "list: of the main branch");
		is_int(w[1].dirty, 0, "list: clean");
		is_int(w[2].dirty, 1, "list: an untracked file is dirty");
		is_int(w[0].ahead, -1, "list: main has no base without an upstream");
	}
	sbx_git_worktrees_free(w, nr);

	is_int(git->merged(app, "one", "main"), 0, "merged: not yet");
	is_int(git->merged(app, "two", "main"), 1, "merged: the same commit");
	is_int(git->merged(app, "main", "one"), 1, "merged: an ancestor");
	is_int(git->merged(app, "nope", "main"), -1, "merged: no such branch");
	is_int(git->resolve(app, "one~1"), 0, "resolve: a revision");
	is_int(git->resolve(app, "nope"), -1, "resolve: nothing");
	is_int(git->worktree_remove(app, "two", 0), 0, "remove");
	ok(access(two, F_OK) != 0, "remove: the directory is gone");
	is_int(git->worktree_remove(app, "two", 0), -1, "remove: twice is an error");
	is_int(git->branch_delete(app, "one"), -1, "delete: not a branch checked out");
	sh("git -C app config branch.two.remote origin && git -C app config branch.two.merge "
	   "refs/heads/two && git -C app config branch.two.x.y keep && "
	   "git -C app config branch.two2.remote other");
	is_int(git->branch_delete(app, "two"), 0, "delete: a branch no worktree uses");
	ok(!succeeds("git -C app config branch.two.remote"), "delete: its configuration goes");
	ok(!succeeds("git -C app config branch.two.merge"), "delete: all of it");
	ok(succeeds("git -C app config branch.two.x.y"), "delete: not a deeper section");
	ok(succeeds("git -C app config branch.two2.remote"), "delete: nor another branch's");
	is_int(git->branch_delete(app, "two"), -1, "delete: twice is an error");
	free(app);
	free(one);
	free(two);
}

int main(void)
{

	scratch_init();
	setenv("HOME", "/home/t", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@t", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@t", 1);
	test_paths();
	test_sandboxes();
	test_prune_parents();
	test_module();
	scratch_done();
	return done_testing();
}
