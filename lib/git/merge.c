/*
 * Merging a branch into the main checkout's (the libgit2 half of `sbx wt
 * merge`), all or nothing.
 *
 * Nothing a sandbox wrote runs: libgit2 runs no hook and has no filter or
 * merge driver that is a program (the checkout turns even its built-in
 * filters off, so files are written as committed); the merge is made in
 * memory (git_merge_commits: no MERGE_HEAD, no conflict markers anywhere)
 * and only a clean result is checked out. The checkout comes before the
 * branch moves, and moves it only from the commit it started from; it
 * refuses, before writing anything, to overwrite a file git does not
 * track, and sbx refuses first when a link in the main checkout lies on
 * the way to a path the merge writes (libgit2 would write through it).
 * Where libgit2 1.5 would merge otherwise than git (a merge driver of the
 * user's configuration, a directory rename, merge.renormalize, a sparse
 * checkout, signing) the merge is refused rather than made differently.
 */
#include "internal.h"
#include "buf.h"
#include "safefile.h"
#include "strvec.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Conflicting paths named in the one line of a refusal. */
struct paths {
	char *first;
	size_t nr;
};

struct merge {
	struct sbx_git_merge *m;
	git_repository *repo;	/* the common directory, its work tree the main checkout */
	char *top;		/* the main checkout */
	git_config *cfg;	/* a snapshot */
	git_reference *head;	/* the main checkout's branch, as it was */
	git_commit *ours, *theirs;
	git_tree *ours_tree, *target_tree;
	git_oid target;
};

static char *hex(const git_oid *id)
{
	char buf[GIT_OID_HEXSZ + 1];

	return sbx_strdup(git_oid_tostr(buf, sizeof(buf), id));
}

static void paths_add(struct paths *p, const char *path)
{
	if (!p->first)
		p->first = sbx_strdup(path);
	p->nr++;
}

/* " and 3 more", or "". */
static char *more(const struct paths *p)
{
	return p->nr > 1 ? sbx_asprintf(" and %zu more", p->nr - 1) : sbx_strdup("");
}

static int config_true(struct merge *mg, const char *key)
{
	int v = 0;

	if (git_config_get_bool(&v, mg->cfg, key) < 0)
		v = 0;
	git_error_clear();
	return v;
}

static int reaches(git_repository *repo, const git_oid *b, const git_oid *a)
{
	int r = git_oid_equal(a, b) ? 1 : git_graph_descendant_of(repo, b, a);

	git_error_clear();
	return r == 1;
}

static int open_main(struct merge *mg, const char *dir)
{
	git_repository *cur = NULL;
	struct sbx_git_merge *m = mg->m;
	git_oid head;
	int ret;

	if (sbx_git_open(&cur, dir))
		return -1;
	ret = git_repository_open(&mg->repo, git_repository_commondir(cur));
	git_repository_free(cur);
	if (ret < 0)
		return sbx_git_fail("cannot open the main repository of '%s'", dir);
	if (git_repository_is_bare(mg->repo))
		return sbx_error("the repository is bare: there is no main checkout to merge into");
	mg->top = sbx_git_without_slash(git_repository_workdir(mg->repo));
	if (git_repository_config_snapshot(&mg->cfg, mg->repo) < 0)
		return sbx_git_fail("cannot read the configuration of '%s'", mg->top);
	ret = sbx_git_main_branch(mg->repo, &m->into, &head);
	if (ret < 0)
		return -1;
	if (!m->into)
		return sbx_error("the main checkout '%s' has no branch checked out (a detached HEAD): "
				 "check out the branch to merge into", mg->top);
	if (ret > 0)
		return sbx_error("branch '%s' of the main checkout '%s' has no commit yet", m->into,
				 mg->top);
	if (!strcmp(m->into, m->branch))
		return sbx_error("branch '%s' is the main checkout's: name the branch of a worktree "
				 "(see 'sbx wt ls')", m->branch);
	if (git_branch_lookup(&mg->head, mg->repo, m->into, GIT_BRANCH_LOCAL) < 0 ||
	    git_commit_lookup(&mg->ours, mg->repo, &head) < 0 ||
	    git_commit_tree(&mg->ours_tree, mg->ours) < 0)
		return sbx_git_fail("cannot read branch '%s'", m->into);
	m->old_head = hex(&head);
	return 0;
}

static const char *operation(int state)
{
	switch (state) {
	case GIT_REPOSITORY_STATE_MERGE:
		return "a merge";
	case GIT_REPOSITORY_STATE_REVERT:
	case GIT_REPOSITORY_STATE_REVERT_SEQUENCE:
		return "a revert";
	case GIT_REPOSITORY_STATE_CHERRYPICK:
	case GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE:
		return "a cherry-pick";
	case GIT_REPOSITORY_STATE_BISECT:
		return "a bisect";
	case GIT_REPOSITORY_STATE_APPLY_MAILBOX:
	case GIT_REPOSITORY_STATE_APPLY_MAILBOX_OR_REBASE:
		return "git am";
	default:
		return "a rebase";
	}
}

static int first_delta(git_diff *diff, struct paths *p)
{
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		paths_add(p, d->new_file.path ? d->new_file.path : d->old_file.path);
	}
	return p->nr > 0;
}

/*
 * The main checkout must be as its branch's commit says (untracked files
 * aside, as for git merge: the checkout refuses to overwrite one), with no
 * operation under way.
 */
static int check_clean(struct merge *mg)
{
	git_index *index = NULL;
	git_diff *staged = NULL, *unstaged = NULL;
	git_diff_options o;
	struct paths p = { NULL, 0 };
	int state = git_repository_state(mg->repo), ret = -1;
	char *and = NULL;

	if (state != GIT_REPOSITORY_STATE_NONE)
		return sbx_error("%s is under way in the main checkout '%s': finish or abort it, "
				 "then merge again", operation(state), mg->top);
	if (git_repository_index(&index, mg->repo) < 0)
		return sbx_git_fail("cannot read the index of '%s'", mg->top);
	if (git_index_has_conflicts(index)) {
		sbx_error("the main checkout '%s' has unmerged files: resolve them, then merge again",
			  mg->top);
		goto out;
	}
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	if (git_diff_tree_to_index(&staged, mg->repo, mg->ours_tree, index, &o) < 0)
		goto fail;
	/* A submodule whose own files changed is no change git merge minds. */
	o.ignore_submodules = GIT_SUBMODULE_IGNORE_DIRTY;
	if (git_diff_index_to_workdir(&unstaged, mg->repo, index, &o) < 0)
		goto fail;
	if (first_delta(staged, &p) || first_delta(unstaged, &p)) {
		and = more(&p);
		sbx_error("the main checkout '%s' has changes ('%s'%s): commit or stash them, then "
			  "merge again", mg->top, p.first, and);
		goto out;
	}
	ret = 0;
	goto out;
fail:
	sbx_git_fail("cannot tell whether '%s' has changes", mg->top);
out:
	free(and);
	free(p.first);
	git_diff_free(staged);
	git_diff_free(unstaged);
	git_index_free(index);
	return ret;
}

/* The names of the merge drivers the configuration defines (merge.NAME.driver). */
static void configured_drivers(struct merge *mg, struct sbx_strvec *names)
{
	git_config_iterator *it = NULL;
	git_config_entry *e;

	/* Compared by hand: libgit2 1.5's pattern iterators leak (branch.c). */
	if (git_config_iterator_new(&it, mg->cfg) == 0) {
		while (git_config_next(&e, it) == 0) {
			size_t len = strlen(e->name);

			if (len > 13 && !strncmp(e->name, "merge.", 6) &&
			    !strcmp(e->name + len - 7, ".driver"))
				sbx_strvec_pushf(names, "%.*s", (int)(len - 13), e->name + 6);
		}
	}
	git_config_iterator_free(it);
	git_error_clear();
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Paths base and tree differ in, appended. */
static int changed_paths(git_repository *repo, git_tree *base, git_tree *tree,
			 struct sbx_strvec *out)
{
	git_diff *diff = NULL;

	if (git_diff_tree_to_tree(&diff, repo, base, tree, NULL) < 0)
		return sbx_git_fail("cannot compare trees");
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		sbx_strvec_push(out, d->old_file.path);
		if (strcmp(d->old_file.path, d->new_file.path))
			sbx_strvec_push(out, d->new_file.path);
	}
	git_diff_free(diff);
	return 0;
}

/*
 * git merges a file both sides changed with the driver its `merge`
 * attribute (else merge.default) names, running merge.NAME.driver when the
 * configuration has one; libgit2 knows only its built-in drivers and falls
 * back to "text", which would make another merge than git. So such a file
 * refuses the merge.
 */
static int check_drivers(struct merge *mg)
{
	struct sbx_strvec drivers = SBX_STRVEC_INIT, ours = SBX_STRVEC_INIT, theirs = SBX_STRVEC_INIT;
	git_oidarray bases = { NULL, 0 };
	git_buf fallback = GIT_BUF_INIT;
	int ret = 0;

	configured_drivers(mg, &drivers);
	if (!drivers.nr)
		return 0;
	if (git_config_get_string_buf(&fallback, mg->cfg, "merge.default") < 0)
		git_error_clear();
	if (git_merge_bases(&bases, mg->repo, git_commit_id(mg->ours), git_commit_id(mg->theirs)) < 0)
		git_error_clear();
	for (size_t i = 0; i < bases.count && !ret; i++) {
		git_commit *c = NULL;
		git_tree *t = NULL, *theirs_tree = NULL;

		if (git_commit_lookup(&c, mg->repo, &bases.ids[i]) < 0 || git_commit_tree(&t, c) < 0 ||
		    git_commit_tree(&theirs_tree, mg->theirs) < 0)
			ret = sbx_git_fail("cannot read the merge base");
		else
			ret = changed_paths(mg->repo, t, mg->ours_tree, &ours) ||
			      changed_paths(mg->repo, t, theirs_tree, &theirs) ? -1 : 0;
		git_tree_free(theirs_tree);
		git_tree_free(t);
		git_commit_free(c);
	}
	qsort(ours.v, ours.nr, sizeof(*ours.v), by_name);
	for (size_t i = 0; i < theirs.nr && !ret; i++) {
		const char *value = NULL, *name;

		if (!bsearch(&theirs.v[i], ours.v, ours.nr, sizeof(*ours.v), by_name))
			continue;
		if (git_attr_get(&value, mg->repo, GIT_ATTR_CHECK_FILE_THEN_INDEX, theirs.v[i],
				 "merge") < 0)
			git_error_clear();
		name = git_attr_value(value) == GIT_ATTR_VALUE_STRING ? value
		     : git_attr_value(value) == GIT_ATTR_VALUE_UNSPECIFIED && fallback.ptr ? fallback.ptr
		     : NULL;
		for (size_t k = 0; name && k < drivers.nr; k++)
			if (!strcmp(name, drivers.v[k]))
				ret = sbx_error("'%s' is merged with the driver '%s' of your git "
						"configuration (merge.%s.driver), which sbx does not run: "
						"merge it yourself (git merge %s)", theirs.v[i], name, name,
						mg->m->branch);
	}
	git_oidarray_dispose(&bases);
	git_buf_dispose(&fallback);
	sbx_strvec_clear(&drivers);
	sbx_strvec_clear(&ours);
	sbx_strvec_clear(&theirs);
	return ret;
}

/* Does tree hold a directory at path? */
static int has_dir(git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	int found = git_tree_entry_bypath(&e, tree, path) == 0 &&
		    git_tree_entry_type(e) == GIT_OBJECT_TREE;

	git_tree_entry_free(e);
	git_error_clear();
	return found;
}

/* Did other (since base, diff) rename a file out of the directory dir? */
static int moved_out(git_diff *other, const char *dir)
{
	size_t len = strlen(dir);

	for (size_t i = 0; i < git_diff_num_deltas(other); i++) {
		const git_diff_delta *d = git_diff_get_delta(other, i);

		if (d->status == GIT_DELTA_RENAMED && !strncmp(d->old_file.path, dir, len) &&
		    d->old_file.path[len] == '/' &&
		    !(!strncmp(d->new_file.path, dir, len) && d->new_file.path[len] == '/'))
			return 1;
	}
	return 0;
}

/*
 * A file side added (since base) in a directory of base that other moved
 * away (it has the directory no more, and renamed a file out of it); else 0.
 */
static int added_where_moved(struct merge *mg, git_tree *base, git_tree *side, git_tree *other)
{
	git_diff *added = NULL, *moved = NULL;
	git_diff_find_options f;
	int ret = 0;

	git_diff_find_options_init(&f, GIT_DIFF_FIND_OPTIONS_VERSION);
	f.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_tree_to_tree(&added, mg->repo, base, side, NULL) < 0 ||
	    git_diff_tree_to_tree(&moved, mg->repo, base, other, NULL) < 0 ||
	    git_diff_find_similar(moved, &f) < 0) {
		ret = sbx_git_fail("cannot compare trees");
		goto out;
	}
	for (size_t i = 0; i < git_diff_num_deltas(added) && !ret; i++) {
		const git_diff_delta *d = git_diff_get_delta(added, i);
		const char *path = d->new_file.path, *slash = strrchr(path, '/');
		char *dir;

		if (d->status != GIT_DELTA_ADDED || !slash)
			continue;
		dir = sbx_strndup(path, (size_t)(slash - path));
		if (has_dir(base, dir) && !has_dir(other, dir) && moved_out(moved, dir))
			ret = sbx_error("'%s' is added in '%s', which the other side moved: git would "
					"follow the directory or stop, libgit2 1.5 would leave the file "
					"behind; merge it yourself (git merge %s)", path, dir,
					mg->m->branch);
		free(dir);
	}
out:
	git_diff_free(added);
	git_diff_free(moved);
	return ret;
}

/*
 * git follows a directory one side renamed: a file the other side added to
 * it goes where it went, or the merge stops (merge.directoryRenames).
 * libgit2 1.5 knows no directory renames and would leave the file behind,
 * alone in a directory that is gone otherwise: refused instead.
 */
static int check_moved_dirs(struct merge *mg)
{
	git_oidarray bases = { NULL, 0 };
	git_tree *theirs_tree = NULL;
	int ret = 0;

	if (git_merge_bases(&bases, mg->repo, git_commit_id(mg->ours), git_commit_id(mg->theirs)) < 0 ||
	    git_commit_tree(&theirs_tree, mg->theirs) < 0) {
		git_oidarray_dispose(&bases);
		return sbx_git_fail("cannot read the merge base");
	}
	for (size_t i = 0; i < bases.count && !ret; i++) {
		git_commit *c = NULL;
		git_tree *t = NULL;

		if (git_commit_lookup(&c, mg->repo, &bases.ids[i]) < 0 || git_commit_tree(&t, c) < 0)
			ret = sbx_git_fail("cannot read the merge base");
		else
			ret = added_where_moved(mg, t, theirs_tree, mg->ours_tree) ||
			      added_where_moved(mg, t, mg->ours_tree, theirs_tree) ? -1 : 0;
		git_tree_free(t);
		git_commit_free(c);
	}
	git_tree_free(theirs_tree);
	git_oidarray_dispose(&bases);
	return ret;
}

/* The branch's commits the main branch lacks, oldest first; how many. */
static size_t branch_commits(struct merge *mg, struct sbx_strvec *subjects)
{
	git_revwalk *walk = NULL;
	git_oid id;
	size_t n = 0;

	if (git_revwalk_new(&walk, mg->repo) == 0 &&
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE) == 0 &&
	    git_revwalk_push(walk, git_commit_id(mg->theirs)) == 0 &&
	    git_revwalk_hide(walk, git_commit_id(mg->ours)) == 0) {
		while (git_revwalk_next(&id, walk) == 0) {
			git_commit *c = NULL;

			if (subjects && git_commit_lookup(&c, mg->repo, &id) == 0)
				sbx_strvec_push(subjects, git_commit_summary(c) ? git_commit_summary(c) : "");
			git_commit_free(c);
			n++;
		}
	}
	git_error_clear();
	git_revwalk_free(walk);
	return n;
}

/* git's messages: "Merge branch 'x'" (into another branch than main: "... into y"). */
static char *message(struct merge *mg)
{
	struct sbx_strvec subjects = SBX_STRVEC_INIT;
	struct sbx_buf b = SBX_BUF_INIT;
	const char *into = mg->m->into;

	if (!mg->m->squash) {
		sbx_buf_addf(&b, "Merge branch '%s'", mg->m->branch);
		if (strcmp(into, "main") && strcmp(into, "master"))
			sbx_buf_addf(&b, " into %s", into);
		sbx_buf_addch(&b, '\n');
		return sbx_buf_detach(&b);
	}
	branch_commits(mg, &subjects);
	if (subjects.nr == 1) {
		sbx_strvec_clear(&subjects);
		return sbx_strdup(git_commit_message(mg->theirs));
	}
	sbx_buf_addf(&b, "Squashed branch '%s' (%zu commits)\n\n", mg->m->branch, subjects.nr);
	for (size_t i = 0; i < subjects.nr; i++)
		sbx_buf_addf(&b, "* %s\n", subjects.v[i]);
	sbx_strvec_clear(&subjects);
	return sbx_buf_detach(&b);
}

static int commit(struct merge *mg, const git_oid *tree_id)
{
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	const git_commit *parents[2] = { mg->ours, mg->theirs };
	char *msg = NULL;
	int ret = -1;

	if (git_signature_default(&sig, mg->repo) < 0) {
		git_error_clear();
		return sbx_error("cannot make the merge commit: no identity (git config --global "
				 "user.name 'Your Name'; git config --global user.email you@example.com)");
	}
	if (git_tree_lookup(&tree, mg->repo, tree_id) < 0) {
		sbx_git_fail("cannot read the merged tree");
		goto out;
	}
	msg = message(mg);
	if (git_commit_create(&mg->target, mg->repo, NULL, sig, sig, NULL, msg, tree,
			      mg->m->squash ? 1 : 2, parents) < 0) {
		sbx_git_fail("cannot make the merge commit");
		goto out;
	}
	mg->target_tree = tree;
	tree = NULL;
	ret = 0;
out:
	free(msg);
	git_tree_free(tree);
	git_signature_free(sig);
	return ret;
}

/* A merge commit (or squash), made in memory; refused whole when it conflicts. */
static int merge_commits(struct merge *mg)
{
	git_merge_options o;
	git_index *index = NULL;
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *anc, *our, *their;
	struct paths p = { NULL, 0 };
	git_oid tree, base;
	char *and = NULL;
	int ret = -1;

	if (config_true(mg, "commit.gpgsign"))
		return sbx_error("commit.gpgSign is set and sbx cannot sign the merge commit (it "
				 "runs no gpg): merge it yourself (git merge %s), or rebase the "
				 "branch onto '%s' so that it fast-forwards", mg->m->branch, mg->m->into);
	if (config_true(mg, "merge.renormalize"))
		return sbx_error("merge.renormalize is set, which libgit2 1.5 does not do: merge it "
				 "yourself (git merge %s)", mg->m->branch);
	/* As git merge without --allow-unrelated-histories. */
	if (git_merge_base(&base, mg->repo, git_commit_id(mg->ours), git_commit_id(mg->theirs)) ==
	    GIT_ENOTFOUND) {
		git_error_clear();
		return sbx_error("'%s' shares no history with '%s': merge it yourself (git merge "
				 "--allow-unrelated-histories %s)", mg->m->branch, mg->m->into,
				 mg->m->branch);
	}
	git_error_clear();
	if (check_drivers(mg) || check_moved_dirs(mg))
		return -1;
	git_merge_options_init(&o, GIT_MERGE_OPTIONS_VERSION);
	if (git_merge_commits(&index, mg->repo, mg->ours, mg->theirs, &o) < 0)
		return sbx_git_fail("cannot merge '%s' into '%s'", mg->m->branch, mg->m->into);
	if (git_index_has_conflicts(index)) {
		if (git_index_conflict_iterator_new(&it, index) == 0)
			while (git_index_conflict_next(&anc, &our, &their, it) == 0)
				paths_add(&p, our ? our->path : their ? their->path : anc->path);
		and = more(&p);
		sbx_error("merging '%s' into '%s' conflicts in '%s'%s: nothing was changed; merge it "
			  "yourself (git merge %s), or have the agent rebase it onto '%s'",
			  mg->m->branch, mg->m->into, p.first ? p.first : "?", and, mg->m->branch,
			  mg->m->into);
		goto out;
	}
	if (git_index_write_tree_to(&tree, index, mg->repo) < 0) {
		sbx_git_fail("cannot write the merged tree");
		goto out;
	}
	ret = commit(mg, &tree);
out:
	free(and);
	free(p.first);
	git_index_conflict_iterator_free(it);
	git_index_free(index);
	return ret;
}

/*
 * libgit2 makes the directories on the way to a file it writes, and takes a
 * link to a directory that is there as that directory: refused before the
 * checkout for every path the merge changes.
 */
static int check_links(struct merge *mg)
{
	git_diff *diff = NULL;
	int fd = sbx_safe_open_dir(mg->top), ret = 0;

	if (fd < 0)
		return -1;
	if (git_diff_tree_to_tree(&diff, mg->repo, mg->ours_tree, mg->target_tree, NULL) < 0) {
		close(fd);
		return sbx_git_fail("cannot compare the trees");
	}
	for (size_t i = 0; i < git_diff_num_deltas(diff) && !ret; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *paths[2] = { d->old_file.path, d->new_file.path };

		for (int k = 0; k < 2 && !ret; k++) {
			const char *slash = strrchr(paths[k], '/');
			char *parent = slash ? sbx_strndup(paths[k], (size_t)(slash - paths[k])) : NULL;
			int link = parent ? sbx_safe_find_link(fd, parent, 0) : 0;

			if (link > 0)
				ret = sbx_error("a symbolic link in the main checkout '%s' is on the way to "
						"'%s', which the merge writes: remove it, then merge again",
						mg->top, paths[k]);
			else if (link < 0)
				ret = -1;
			free(parent);
		}
	}
	git_diff_free(diff);
	close(fd);
	return ret;
}

static int on_conflict(git_checkout_notify_t why, const char *path, const git_diff_file *baseline,
		       const git_diff_file *target, const git_diff_file *workdir, void *payload)
{
	(void)why;
	(void)baseline;
	(void)target;
	(void)workdir;
	paths_add(payload, path);
	return 0;
}

/*
 * The main checkout's work tree and index from baseline to tree. SAFE:
 * libgit2 finds every conflict (a file git does not track, or changed, in
 * the way) before it writes anything. No filter, not even libgit2's own.
 */
static int checkout(struct merge *mg, git_tree *tree, git_tree *baseline, unsigned strategy,
		    struct paths *conflicts)
{
	git_checkout_options o;

	git_checkout_options_init(&o, GIT_CHECKOUT_OPTIONS_VERSION);
	o.checkout_strategy = strategy;
	o.disable_filters = 1;
	o.baseline = baseline;
	o.notify_flags = GIT_CHECKOUT_NOTIFY_CONFLICT;
	o.notify_cb = on_conflict;
	o.notify_payload = conflicts;
	return git_checkout_tree(mg->repo, (const git_object *)tree, &o);
}

/* Back to the branch's tree after a checkout that failed part way, or a branch that moved. */
static void put_back(struct merge *mg)
{
	struct paths ignore = { NULL, 0 };

	if (checkout(mg, mg->ours_tree, mg->target_tree, GIT_CHECKOUT_FORCE, &ignore) < 0)
		sbx_warn("cannot put the main checkout '%s' back as it was: %s (git checkout -f %s "
			 "does)", mg->top, git_error_last() ? git_error_last()->message : "unknown error",
			 mg->m->into);
	git_error_clear();
	free(ignore.first);
}

static int update(struct merge *mg)
{
	struct paths p = { NULL, 0 };
	git_reference *moved = NULL;
	char *msg, *and = NULL;
	int ret = -1;

	if (check_links(mg))
		return -1;
	if (checkout(mg, mg->target_tree, mg->ours_tree, GIT_CHECKOUT_SAFE, &p) < 0) {
		if (p.nr) {
			git_error_clear();
			and = more(&p);
			sbx_error("the merge would overwrite '%s'%s in the main checkout '%s', which git "
				  "does not track or which changed: move it away, then merge again",
				  p.first, and, mg->top);
		} else {
			sbx_git_fail("cannot update the main checkout '%s'", mg->top);
			put_back(mg);
		}
		goto out;
	}
	msg = sbx_asprintf("merge %s: %s (sbx wt merge)", mg->m->branch,
			   mg->m->result == SBX_GIT_MERGE_FAST_FORWARD ? "Fast-forward"
			   : mg->m->result == SBX_GIT_MERGE_SQUASH ? "Squash" : "Merge");
	/* Only from the commit the merge started from: a branch moved meanwhile is left alone. */
	if (git_reference_set_target(&moved, mg->head, &mg->target, msg) < 0) {
		sbx_git_fail("cannot move branch '%s'", mg->m->into);
		put_back(mg);
	} else {
		git_reference *orig = NULL;

		/* As git merge leaves it: the way back. */
		if (git_reference_create(&orig, mg->repo, "ORIG_HEAD", git_commit_id(mg->ours), 1,
					 NULL) < 0)
			git_error_clear();
		git_reference_free(orig);
		ret = 0;
	}
	free(msg);
out:
	free(and);
	free(p.first);
	git_reference_free(moved);
	return ret;
}

/* Files written as committed whose attributes name a filter (Git LFS: pointers). */
static void count_unfiltered(struct merge *mg)
{
	git_diff *diff = NULL;

	if (git_diff_tree_to_tree(&diff, mg->repo, mg->ours_tree, mg->target_tree, NULL) < 0) {
		git_error_clear();
		return;
	}
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *value = NULL;

		if (d->status == GIT_DELTA_DELETED || d->new_file.mode == GIT_FILEMODE_COMMIT ||
		    d->new_file.mode == GIT_FILEMODE_LINK)
			continue;
		/* From the index the checkout wrote: nothing more of the work tree is read. */
		if (git_attr_get(&value, mg->repo, GIT_ATTR_CHECK_INDEX_ONLY, d->new_file.path,
				 "filter") == 0 && git_attr_value(value) == GIT_ATTR_VALUE_STRING) {
			mg->m->unfiltered++;
			if (!mg->m->filter)
				mg->m->filter = sbx_strdup(value);
		}
	}
	git_error_clear();
	git_diff_free(diff);
}

int sbx_git_merge(const char *dir, struct sbx_git_merge *m)
{
	struct merge mg;
	git_oid theirs;
	int ret;

	memset(&mg, 0, sizeof(mg));
	mg.m = m;
	m->result = SBX_GIT_MERGE_UP_TO_DATE;
	m->commits = m->unfiltered = 0;
	sbx_git_init();
	if ((ret = sbx_git_check_branch_name(m->branch)))
		return ret;
	ret = -1;
	if (open_main(&mg, dir))
		goto out;
	if (sbx_git_branch_tip(mg.repo, m->branch, &theirs))
		goto out;
	if (git_commit_lookup(&mg.theirs, mg.repo, &theirs) < 0) {
		sbx_git_fail("cannot read branch '%s'", m->branch);
		goto out;
	}
	/* Merged already: nothing to change, whatever the main checkout holds. */
	if (reaches(mg.repo, git_commit_id(mg.ours), &theirs)) {
		m->new_head = sbx_strdup(m->old_head);
		ret = 0;
		goto out;
	}
	if (check_clean(&mg))
		goto out;
	/* libgit2 1.5 would check out every file, sparse or not. */
	if (config_true(&mg, "core.sparsecheckout")) {
		sbx_error("the main checkout '%s' is a sparse checkout, which libgit2 1.5 cannot "
			  "keep: merge it yourself (git merge %s)", mg.top, m->branch);
		goto out;
	}
	m->commits = branch_commits(&mg, NULL);
	if (!m->squash && reaches(mg.repo, &theirs, git_commit_id(mg.ours))) {
		m->result = SBX_GIT_MERGE_FAST_FORWARD;
		git_oid_cpy(&mg.target, &theirs);
		if (git_commit_tree(&mg.target_tree, mg.theirs) < 0) {
			sbx_git_fail("cannot read branch '%s'", m->branch);
			goto out;
		}
	} else {
		m->result = m->squash ? SBX_GIT_MERGE_SQUASH : SBX_GIT_MERGE_COMMIT;
		if (merge_commits(&mg))
			goto out;
	}
	if (update(&mg))
		goto out;
	m->new_head = hex(&mg.target);
	count_unfiltered(&mg);
	ret = 0;
out:
	free(mg.top);
	git_config_free(mg.cfg);
	git_reference_free(mg.head);
	git_commit_free(mg.ours);
	git_commit_free(mg.theirs);
	git_tree_free(mg.ours_tree);
	git_tree_free(mg.target_tree);
	git_repository_free(mg.repo);
	return ret;
}
