/* Branches: merged or not, deletion, naming a commit (the libgit2 half of `sbx wt rm`). */
#include "internal.h"

static int branch_tip(git_repository *repo, const char *branch, git_oid *out)
{
	git_reference *ref = NULL;
	git_object *commit = NULL;

	if (git_branch_lookup(&ref, repo, branch, GIT_BRANCH_LOCAL) < 0) {
		git_error_clear();
		return sbx_error("there is no branch '%s'", branch);
	}
	if (git_reference_peel(&commit, ref, GIT_OBJECT_COMMIT) < 0) {
		git_reference_free(ref);
		return sbx_git_fail("cannot read branch '%s'", branch);
	}
	git_oid_cpy(out, git_object_id(commit));
	git_object_free(commit);
	git_reference_free(ref);
	return 0;
}

int sbx_git_merged(const char *dir, const char *branch, const char *rev)
{
	git_repository *repo;
	git_oid tip, into;
	int ret = -1;

	if (sbx_git_open(&repo, dir))
		return -1;
	if (branch_tip(repo, branch, &tip) || sbx_git_commit_id(repo, rev, &into))
		goto out;
	if (git_oid_equal(&tip, &into)) {
		ret = 1;
		goto out;
	}
	ret = git_graph_descendant_of(repo, &into, &tip);
	if (ret < 0)
		ret = sbx_git_fail("cannot tell whether '%s' is merged into '%s'", branch, rev);
out:
	git_repository_free(repo);
	return ret;
}

int sbx_git_branch_delete(const char *dir, const char *branch)
{
	git_repository *repo;
	git_reference *ref = NULL;
	int ret = -1;

	if (sbx_git_open(&repo, dir))
		return -1;
	if (git_branch_lookup(&ref, repo, branch, GIT_BRANCH_LOCAL) < 0) {
		git_error_clear();
		ret = sbx_error("there is no branch '%s'", branch);
	} else if (git_branch_delete(ref) < 0) {
		ret = sbx_git_fail("cannot delete branch '%s'", branch);
	} else {
		ret = 0;
	}
	git_reference_free(ref);
	git_repository_free(repo);
	return ret;
}

int sbx_git_resolve(const char *dir, const char *rev)
{
	git_repository *repo;
	git_oid id;
	int ret;

	if (sbx_git_open(&repo, dir))
		return -1;
	ret = sbx_git_commit_id(repo, rev, &id);
	git_repository_free(repo);
	return ret;
}
