/*
 * Reviewing a branch (the libgit2 half of `sbx wt diff` and `sbx wt log`):
 * what it is compared with, its commits, its diff. Only objects and refs are
 * read here, and, for a diff with its worktree, the work tree through
 * snapshot.c; nothing is written to the repository.
 */
#include "internal.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static char *hex(const git_oid *id)
{
	char buf[GIT_OID_HEXSZ + 1];

	return sbx_strdup(git_oid_tostr(buf, sizeof(buf), id));
}

char *sbx_git_short_id(git_repository *repo, const git_oid *id)
{
	git_object *obj = NULL;
	git_buf buf = GIT_BUF_INIT;
	char full[GIT_OID_HEXSZ + 1];
	char *out;

	if (git_object_lookup(&obj, repo, id, GIT_OBJECT_ANY) == 0 &&
	    git_object_short_id(&buf, obj) == 0)
		out = sbx_strdup(buf.ptr);
	else
		out = sbx_strndup(git_oid_tostr(full, sizeof(full), id), 7);
	git_error_clear();
	git_buf_dispose(&buf);
	git_object_free(obj);
	return out;
}

/*
 * The repository's common directory opened by itself: its HEAD is the main
 * checkout's, and with bare set it has no work tree at all (snapshot.c
 * gives it one of its own).
 */
static int open_common(git_repository **out, const char *dir, int bare)
{
	git_repository *repo = NULL;
	int err;

	*out = NULL;
	if (sbx_git_open(&repo, dir))
		return -1;
	err = bare ? git_repository_open_bare(out, git_repository_commondir(repo))
		   : git_repository_open(out, git_repository_commondir(repo));
	if (err < 0)
		sbx_git_fail("cannot open the main repository of '%s'", dir);
	git_repository_free(repo);
	return err < 0 ? -1 : 0;
}

int sbx_git_main_branch(git_repository *repo, char **branch, git_oid *head)
{
	git_reference *ref = NULL;
	int ret = 0;

	*branch = NULL;
	memset(head, 0, sizeof(*head));
	if (git_reference_lookup(&ref, repo, "HEAD") < 0)
		return sbx_git_fail("cannot read the main checkout's HEAD");
	if (git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC &&
	    !strncmp(git_reference_symbolic_target(ref), "refs/heads/", 11))
		*branch = sbx_strdup(git_reference_symbolic_target(ref) + 11);
	if (git_reference_name_to_id(head, repo, "HEAD") < 0)
		ret = 1;	/* no commit yet */
	git_error_clear();
	git_reference_free(ref);
	return ret;
}

int sbx_git_check_branch_name(const char *branch)
{
	int valid = 0;

	if (git_branch_name_is_valid(&valid, branch) < 0 || !valid || branch[0] == '-') {
		git_error_clear();
		sbx_error("'%s' is not a valid branch name", branch);
		return -2;
	}
	return 0;
}

/* Is a an ancestor of b, or b itself? */
static int reaches(git_repository *repo, const git_oid *b, const git_oid *a)
{
	int r = git_oid_equal(a, b) ? 1 : git_graph_descendant_of(repo, b, a);

	git_error_clear();
	return r == 1;
}

/* struct sbx_git_range's rules, in repo (the common directory). */
static int find_range(git_repository *repo, struct sbx_git_range *r, git_oid *tip,
		      git_oid *base, int *has_base)
{
	git_oid main_head, recorded, merge_base;
	git_commit *c = NULL;
	int ret, have_main, have_rec = 0, have_mb = 0;

	*has_base = 0;
	r->kind = "none";
	if ((ret = sbx_git_check_branch_name(r->branch)))
		return ret;
	ret = sbx_git_main_branch(repo, &r->into, &main_head);
	if (ret < 0)
		return -1;
	have_main = ret == 0;
	if (r->into && !strcmp(r->into, r->branch)) {
		return sbx_error("branch '%s' is the main checkout's: name the branch of a "
				 "worktree (see 'sbx wt ls')", r->branch);
	}
	if (sbx_git_branch_tip(repo, r->branch, tip))
		return -1;
	r->tip = hex(tip);
	/* What sbx wt new recorded counts while the branch still grows from it. */
	if (r->recorded && git_oid_fromstr(&recorded, r->recorded) == 0 &&
	    git_commit_lookup(&c, repo, &recorded) == 0 && reaches(repo, tip, &recorded))
		have_rec = 1;
	git_commit_free(c);
	if (have_main && git_merge_base(&merge_base, repo, tip, &main_head) == 0)
		have_mb = 1;
	git_error_clear();
	/* Rebased onto the main branch, or merged it: what came from there is not the branch's. */
	if (have_rec && have_mb && !git_oid_equal(&merge_base, &recorded) &&
	    reaches(repo, &merge_base, &recorded))
		have_rec = 0;
	if (have_rec || have_mb) {
		git_oid_cpy(base, have_rec ? &recorded : &merge_base);
		r->base = hex(base);
		r->kind = have_rec ? "start" : "merge-base";
		*has_base = 1;
	}
	return 0;
}

int sbx_git_log(const char *dir, struct sbx_git_range *r, struct sbx_git_commit **out, size_t *nr)
{
	git_repository *repo = NULL;
	git_revwalk *walk = NULL;
	struct sbx_git_commit *list = NULL;
	size_t n = 0, alloc = 0;
	git_oid tip, base, id;
	int has_base, ret;

	*out = NULL;
	*nr = 0;
	if (open_common(&repo, dir, 1))
		return -1;
	ret = find_range(repo, r, &tip, &base, &has_base);
	if (ret)
		goto out;
	ret = -1;
	if (git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0 ||
	    git_revwalk_push(walk, &tip) < 0 || (has_base && git_revwalk_hide(walk, &base) < 0)) {
		sbx_git_fail("cannot walk the history of '%s'", r->branch);
		goto out;
	}
	while (git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL;
		const git_signature *a;
		const char *summary;

		if (git_commit_lookup(&c, repo, &id) < 0) {
			char buf[GIT_OID_HEXSZ + 1];

			sbx_git_fail("cannot read commit '%s'", git_oid_tostr(buf, sizeof(buf), &id));
			goto out;
		}
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			list = sbx_realloc(list, alloc * sizeof(*list));
		}
		memset(&list[n], 0, sizeof(list[n]));
		a = git_commit_author(c);
		summary = git_commit_summary(c);
		list[n].id = hex(&id);
		list[n].short_id = sbx_git_short_id(repo, &id);
		list[n].subject = sbx_strdup(summary ? summary : "");
		list[n].author = sbx_strdup(a && a->name ? a->name : "");
		list[n].email = sbx_strdup(a && a->email ? a->email : "");
		list[n].time = a ? (long long)a->when.time : 0;
		n++;
		git_commit_free(c);
	}
	git_error_clear();
	*out = list;
	*nr = n;
	list = NULL;
	ret = 0;
out:
	sbx_git_commits_free(list, n);
	git_revwalk_free(walk);
	git_repository_free(repo);
	return ret;
}

static int print_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
		      const git_diff_line *line, void *payload)
{
	const struct sbx_git_diff *d = payload;

	(void)delta;
	(void)hunk;
	d->line(line->origin, line->content, line->content_len, d->data);
	return 0;
}

static char status_letter(git_delta_t s)
{
	switch (s) {
	case GIT_DELTA_ADDED:
	case GIT_DELTA_UNTRACKED:
		return 'A';
	case GIT_DELTA_DELETED:
		return 'D';
	case GIT_DELTA_RENAMED:
		return 'R';
	case GIT_DELTA_COPIED:
		return 'C';
	case GIT_DELTA_TYPECHANGE:
		return 'T';
	default:
		return 'M';
	}
}

static int file_stats(git_diff *diff, struct sbx_git_diff *d)
{
	size_t n = git_diff_num_deltas(diff);

	d->files = sbx_calloc(n + 1, sizeof(*d->files));
	for (size_t i = 0; i < n; i++) {
		struct sbx_git_diff_file *f = &d->files[d->nr_files];
		git_patch *patch = NULL;
		const git_diff_delta *delta;
		size_t adds = 0, dels = 0;

		if (git_patch_from_diff(&patch, diff, i) < 0)
			return sbx_git_fail("cannot compare '%s'", git_diff_get_delta(diff, i)->new_file.path);
		delta = git_patch_get_delta(patch);
		git_patch_line_stats(NULL, &adds, &dels, patch);
		f->old_path = sbx_strdup(delta->old_file.path);
		f->new_path = sbx_strdup(delta->new_file.path);
		f->status = status_letter(delta->status);
		f->binary = !!(delta->flags & GIT_DIFF_FLAG_BINARY);
		f->adds = adds;
		f->dels = dels;
		f->old_size = (long long)delta->old_file.size;
		f->new_size = (long long)delta->new_file.size;
		d->nr_files++;
		git_patch_free(patch);
	}
	return 0;
}

int sbx_git_diff(const char *dir, struct sbx_git_diff *d)
{
	git_repository *repo = NULL;
	struct sbx_git_snapshot *snap = NULL;
	git_commit *tip_commit = NULL, *base_commit = NULL;
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_diff *diff = NULL;
	git_diff_options o;
	git_diff_find_options f;
	git_oid tip, base, tree;
	int has_base, ret;

	d->files = NULL;
	d->nr_files = 0;
	if (open_common(&repo, dir, 1))
		return -1;
	ret = find_range(repo, &d->range, &tip, &base, &has_base);
	if (ret)
		goto out;
	ret = -1;
	if (has_base && (git_commit_lookup(&base_commit, repo, &base) < 0 ||
			 git_commit_tree(&old_tree, base_commit) < 0)) {
		sbx_git_fail("cannot read commit '%s'", d->range.base);
		goto out;
	}
	if (d->worktree_name) {
		if (sbx_git_snapshot(repo, d->worktree_name, d->worktree_dir, &tree, &snap))
			goto out;
		if (git_tree_lookup(&new_tree, repo, &tree) < 0) {
			sbx_git_fail("cannot read the tree of '%s'", d->worktree_dir);
			goto out;
		}
	} else if (git_commit_lookup(&tip_commit, repo, &tip) < 0 ||
		   git_commit_tree(&new_tree, tip_commit) < 0) {
		sbx_git_fail("cannot read commit '%s'", d->range.tip);
		goto out;
	}
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	git_diff_find_options_init(&f, GIT_DIFF_FIND_OPTIONS_VERSION);
	f.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_tree_to_tree(&diff, repo, old_tree, new_tree, &o) < 0 ||
	    git_diff_find_similar(diff, &f) < 0) {
		sbx_git_fail("cannot compare '%s' with its base", d->range.branch);
		goto out;
	}
	if (file_stats(diff, d))
		goto out;
	if (d->line && git_diff_print(diff, GIT_DIFF_FORMAT_PATCH, print_line, d) < 0) {
		sbx_git_fail("cannot print the diff of '%s'", d->range.branch);
		goto out;
	}
	ret = 0;
out:
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	git_commit_free(base_commit);
	git_commit_free(tip_commit);
	/* The snapshot's objects live in repo's object database, and go with it. */
	git_repository_free(repo);
	sbx_git_snapshot_done(snap);
	return ret;
}
