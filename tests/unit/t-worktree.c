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

/* The listed worktree whose path is path, or NULL. */
static const struct sbx_git_worktree *listed(const struct sbx_git_worktree *w, size_t nr,
					     const char *path)
{
	for (size_t i = 1; i < nr; i++)
		if (!strcmp(w[i].path, path))
			return &w[i];
	return NULL;
}

/*
 * Records rewritten as a hostile sandbox would: listed as broken, never
 * removed, and what they name survives.
 */
static void test_hostile(const struct sbx_gitmod *git, const char *app, const char *common)
{
	struct sbx_git_worktree *w = NULL;
	const struct sbx_git_worktree *e;
	char *evil = sbx_asprintf("%s/wts/evil", scratch), *gone = sbx_asprintf("%s/wts/gone", scratch);
	char *self = sbx_asprintf("%s/wts/self", scratch);
	size_t nr = 0;
	int created;

	is_int(git->worktree_add(app, "evil", NULL, evil, &created), 0, "hostile: a worktree");
	sh("echo \"%s/.git\" >app/.git/worktrees/evil/gitdir", app);
	is_int(git->worktrees(app, SBX_GIT_WT_STATUS, &w, &nr), 0, "hostile: listed");
	e = listed(w, nr, app);
	ok(e && e->broken && !e->missing, "a record naming the main checkout is broken");
	like(e ? e->problem : NULL, "/.git/worktrees/evil/gitdir' points at '",
	     "naming the record's file");
	ok(e && e->dirty == -1, "and nothing is read through it");
	sbx_git_worktrees_free(w, nr);
	is_int(sbx_worktree_remove(common, "evil"), -1, "which is never removed");
	like(sbx_last_error(), "which holds the repository", "saying why");
	ok(succeeds("test -f app/a && test -d app/.git/objects"), "the main checkout survives");
	ok(succeeds("test -d app/.git/worktrees/evil && test -f wts/evil/.git"),
	   "and so do the record and the worktree");

	/* A directory whose .git is a directory: another checkout. */
	sh("git init -q wts/other && echo \"%s/wts/other/.git\" >app/.git/worktrees/evil/gitdir",
	   scratch);
	is_int(sbx_worktree_remove(common, "evil"), -1, "a checkout of its own is never removed");
	like(sbx_last_error(), "/wts/other', a checkout of its own (its .git is a directory)",
	     "naming it");
	ok(succeeds("test -d wts/other/.git"), "it survives");

	/* A directory whose .git file names another record. */
	sh("mkdir wts/self && echo 'gitdir: %s/worktrees/one' >wts/self/.git && "
	   "echo \"%s/.git\" >app/.git/worktrees/evil/gitdir", common, self);
	is_int(sbx_worktree_remove(common, "evil"), -1, "a .git file naming another record");
	like(sbx_last_error(), "/wts/self', whose .git file does not name the record back",
	     "is refused");
	ok(succeeds("test -f wts/self/.git"), "and kept");

	/* Links and FIFOs in the record are never followed or blocked on. */
	sh("rm app/.git/worktrees/evil/gitdir && ln -s ../../../wts/self/.git "
	   "app/.git/worktrees/evil/gitdir");
	is_int(sbx_worktree_remove(common, "evil"), -1, "a linked gitdir record");
	like(sbx_last_error(), "it is a symbolic link", "is refused");
	sh("rm app/.git/worktrees/evil/gitdir && mkfifo app/.git/worktrees/evil/gitdir");
	is_int(sbx_worktree_remove(common, "evil"), -1, "a FIFO as the record");
	like(sbx_last_error(), "not a regular file", "is refused without blocking");
	is_int(git->worktrees(app, 0, &w, &nr), 0, "listed with a FIFO as the record");
	sbx_git_worktrees_free(w, nr);

	/* Put right, it goes; a record whose directory is gone goes alone. */
	sh("rm app/.git/worktrees/evil/gitdir && echo \"%s/.git\" >app/.git/worktrees/evil/gitdir",
	   evil);
	is_int(sbx_worktree_remove(common, "evil"), 0, "a sound record is removed");
	ok(!succeeds("test -e wts/evil || test -e app/.git/worktrees/evil"), "with its directory");
	is_int(git->worktree_add(app, "gone", NULL, gone, &created), 0, "another worktree");
	sh("rm -r wts/gone");
	is_int(git->worktrees(app, 0, &w, &nr), 0, "listed once its directory is gone");
	e = listed(w, nr, gone);
	ok(e && e->missing && !e->broken, "as missing, not broken");
	sbx_git_worktrees_free(w, nr);
	is_int(sbx_worktree_remove(common, "gone"), 0, "its record is removed");
	ok(!succeeds("test -e app/.git/worktrees/gone"), "and is gone");
	free(evil);
	free(gone);
	free(self);
}

static void test_module(void)
{
	const struct sbx_gitmod *git = sbx_gitmod();
	struct sbx_git_worktree *w = NULL;
	char *app = sbx_asprintf("%s/app", scratch);
	char *one = sbx_asprintf("%s/wts/one", scratch);
	char *two = sbx_asprintf("%s/wts/two", scratch);
	char *common = sbx_asprintf("%s/.git", app);
	size_t nr = 0;
	int created = -1;
	char *id = NULL;

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
	is_int(git->resolve(app, "one~1", NULL), 0, "resolve: a revision");
	is_int(git->resolve(app, "nope", &id), -1, "resolve: nothing");
	ok(id == NULL, "resolve: and no id");
	is_int(git->resolve(app, "refs/heads/one", &id), 0, "resolve: a branch");
	ok(id && strlen(id) == 40, "resolve: its commit's id");
	free(id);
	is_int(sbx_worktree_remove(common, "two"), 0, "remove");
	ok(access(two, F_OK) != 0, "remove: the directory is gone");
	ok(!succeeds("test -e app/.git/worktrees/two"), "remove: and its record");
	is_int(sbx_worktree_remove(common, "two"), -1, "remove: twice is an error");
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
	test_hostile(git, app, common);
	free(app);
	free(one);
	free(two);
	free(common);
}

/* Where sbx wt new started a branch: on the host, per repository and branch. */
static void test_base_records(void)
{
	char *state = sbx_asprintf("%s/state", scratch);
	const char *a = "0123456789abcdef0123456789abcdef01234567";

	setenv("XDG_STATE_HOME", state, 1);
	ok(sbx_worktree_base_load("/r/.git", "b") == NULL, "base: none recorded");
	is_int(sbx_worktree_base_save("/r/.git", "b", a, "HEAD"), 0, "base: recorded");
	check(sbx_worktree_base_load("/r/.git", "b"), a, "base: read back");
	ok(sbx_worktree_base_load("/r/.git", "c") == NULL, "base: per branch");
	ok(sbx_worktree_base_load("/other/.git", "b") == NULL, "base: per repository");
	ok(sbx_worktree_base_load("/r/.git\nb", "") == NULL, "base: names kept apart");
	ok(succeeds("test \"$(stat -c %a state/sbx/worktrees)\" = 700"), "base: a private directory");
	ok(succeeds("grep -q '\"repository\":\"/r/.git\",\"branch\":\"b\"' state/sbx/worktrees/*.json"),
	   "base: the file names what it is for");
	/* A file whose content names another repository (copied, or a collision) is not this one's. */
	sh("sed -i 's|/r/.git|/x/.git|' state/sbx/worktrees/*.json");
	ok(sbx_worktree_base_load("/r/.git", "b") == NULL, "base: only when the file says so");
	sh("for f in state/sbx/worktrees/*.json; do echo '{\"repository\":\"/r/.git\","
	   "\"branch\":\"b\",\"base\":\"../../etc\"}' >$f; done");
	ok(sbx_worktree_base_load("/r/.git", "b") == NULL, "base: only a commit id");
	sh("for f in state/sbx/worktrees/*.json; do echo 'not json' >$f; done");
	ok(sbx_worktree_base_load("/r/.git", "b") == NULL, "base: not JSON is none");
	is_int(sbx_worktree_base_save("/r/.git", "b", a, "main"), 0, "base: recorded again");
	sbx_worktree_base_forget("/r/.git", "b");
	ok(sbx_worktree_base_load("/r/.git", "b") == NULL, "base: forgotten");
	sbx_worktree_base_forget("/r/.git", "b");
	ok(succeeds("test -z \"$(ls state/sbx/worktrees)\""), "base: nothing left");
	free(state);
	unsetenv("XDG_STATE_HOME");
}

/* What a branch is compared with: its start, or a later merge-base. */
static void test_range(const struct sbx_gitmod *git)
{
	struct sbx_git_range r;
	struct sbx_git_commit *c = NULL;
	size_t nr = 0;
	char *app = sbx_asprintf("%s/rng", scratch), *start = NULL, *mb = NULL;

	sh("git init -q -b main rng && cd rng && git commit -q --allow-empty -m one && "
	   "git branch other && git commit -q --allow-empty -m two && git branch feat && "
	   "git checkout -q feat && git commit -q --allow-empty -m f1 && git checkout -q main");
	is_int(git->resolve(app, "main", &start), 0, "range: the start");
	memset(&r, 0, sizeof(r));
	r.branch = "feat";
	is_int(git->log(app, &r, &c, &nr), 0, "range: nothing recorded");
	is_str(r.kind, "merge-base", "range: the merge-base then");
	is_str(r.base, start, "range: which is main");
	is_str(r.into, "main", "range: with the main checkout's branch");
	is_int(nr, 1, "range: one commit");
	if (nr == 1)
		is_str(c[0].subject, "f1", "range: its subject");
	sbx_git_commits_free(c, nr);
	sbx_git_range_release(&r);

	/* Started at "other", an ancestor of main: the start is earlier, and wins. */
	sh("cd rng && git branch -f feat2 other && git checkout -q feat2 && "
	   "git commit -q --allow-empty -m g1 && git checkout -q main");
	is_int(git->resolve(app, "other", &mb), 0, "range: another start");
	memset(&r, 0, sizeof(r));
	r.branch = "feat2";
	r.recorded = mb;
	is_int(git->log(app, &r, &c, &nr), 0, "range: recorded");
	is_str(r.kind, "start", "range: the start counts");
	is_int(nr, 1, "range: the branch's commits only");
	sbx_git_commits_free(c, nr);
	sbx_git_range_release(&r);

	/* Merged main since: the merge-base is later than the start, and wins. */
	sh("cd rng && git checkout -q feat2 && git merge -q --no-edit main && git checkout -q main");
	memset(&r, 0, sizeof(r));
	r.branch = "feat2";
	r.recorded = mb;
	is_int(git->log(app, &r, &c, &nr), 0, "range: main merged");
	is_str(r.kind, "merge-base", "range: the later merge-base");
	is_int(nr, 2, "range: g1 and the merge");
	sbx_git_commits_free(c, nr);
	sbx_git_range_release(&r);

	/* A recorded commit the branch no longer grows from is no start. */
	memset(&r, 0, sizeof(r));
	r.branch = "feat";
	r.recorded = "0123456789abcdef0123456789abcdef01234567";
	is_int(git->log(app, &r, &c, &nr), 0, "range: a start that is no commit");
	is_str(r.kind, "merge-base", "range: ignored");
	sbx_git_commits_free(c, nr);
	sbx_git_range_release(&r);

	/* No shared history: the whole branch. */
	sh("cd rng && git checkout -q --orphan lone && git commit -q --allow-empty -m l1 && "
	   "git commit -q --allow-empty -m l2 && git checkout -q main");
	memset(&r, 0, sizeof(r));
	r.branch = "lone";
	is_int(git->log(app, &r, &c, &nr), 0, "range: unrelated");
	is_str(r.kind, "none", "range: no base");
	ok(r.base == NULL, "range: none named");
	is_int(nr, 2, "range: all of it");
	sbx_git_commits_free(c, nr);
	sbx_git_range_release(&r);

	memset(&r, 0, sizeof(r));
	r.branch = "nope";
	is_int(git->log(app, &r, &c, &nr), -1, "range: no such branch");
	like(sbx_last_error(), "there is no branch 'nope'", "range: says so");
	sbx_git_range_release(&r);
	memset(&r, 0, sizeof(r));
	r.branch = "a..b";
	is_int(git->log(app, &r, &c, &nr), -2, "range: an invalid name is the caller's mistake");
	sbx_git_range_release(&r);
	free(start);
	free(mb);
	free(app);
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
	test_base_records();
	test_range(sbx_gitmod());
	scratch_done();
	return done_testing();
}
