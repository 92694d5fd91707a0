/* Branches: merged or not, deletion, naming a commit (the libgit2 half of `sbx wt rm`). */
#include "internal.h"
#include "buf.h"
#include "strvec.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

int sbx_git_branch_tip(git_repository *repo, const char *branch, git_oid *out)
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
	if (sbx_git_branch_tip(repo, branch, &tip) || sbx_git_commit_id(repo, rev, &into))
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

/*
 * The branch's own section of the repository's configuration (branch.NAME.*).
 * git_branch_delete would do this through git_config_rename_section, whose
 * regular expression matching leaks in libgit2 1.5 (with PCRE2): names are
 * compared here instead.
 */
static int forget_config(git_repository *repo, const char *branch)
{
	git_config *all = NULL, *local = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	struct sbx_buf prefix = SBX_BUF_INIT;
	struct sbx_strvec names = SBX_STRVEC_INIT;
	int ret = 0;

	if (git_repository_config(&all, repo) < 0 ||
	    git_config_open_level(&local, all, GIT_CONFIG_LEVEL_LOCAL) < 0 ||
	    git_config_iterator_new(&it, local) < 0) {
		ret = sbx_git_fail("cannot read the configuration of branch '%s'", branch);
		goto out;
	}
	sbx_buf_addf(&prefix, "branch.%s.", branch);
	while (git_config_next(&e, it) == 0)
		if (!strncmp(e->name, prefix.buf, prefix.len) && !strchr(e->name + prefix.len, '.'))
			sbx_strvec_push(&names, e->name);
	git_error_clear();
	for (size_t i = 0; i < names.nr && !ret; i++) {
		/* A repeated key (several merge lines) can only go as a multivar. */
		if (git_config_delete_entry(local, names.v[i]) < 0 &&
		    git_config_delete_multivar(local, names.v[i], ".*") < 0)
			ret = sbx_git_fail("cannot remove '%s' from the configuration", names.v[i]);
	}
out:
	sbx_strvec_clear(&names);
	sbx_buf_release(&prefix);
	git_config_iterator_free(it);
	git_config_free(local);
	git_config_free(all);
	return ret;
}

int sbx_git_delete_branch(git_repository *repo, git_reference *ref, const char *branch)
{
	if (git_branch_is_checked_out(ref) == 1)
		return sbx_error("branch '%s' is checked out: remove its worktree first", branch);
	if (git_reference_delete(ref) < 0)
		return sbx_git_fail("cannot delete branch '%s'", branch);
	return forget_config(repo, branch);
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
		sbx_error("there is no branch '%s'", branch);
	} else {
		ret = sbx_git_delete_branch(repo, ref, branch);
	}
	git_reference_free(ref);
	git_repository_free(repo);
	return ret;
}

/* The remote-tracking ref that remote's fetch refspecs map merge to. */
static char *tracking_ref(git_config *cfg, const char *remote, const char *merge)
{
	git_config_iterator *it = NULL;
	git_config_entry *e;
	git_buf out = GIT_BUF_INIT;
	char *key = sbx_asprintf("remote.%s.fetch", remote), *ref = NULL;

	if (git_config_multivar_iterator_new(&it, cfg, key, NULL) == 0) {
		while (!ref && git_config_next(&e, it) == 0) {
			git_refspec *spec = NULL;

			if (git_refspec_parse(&spec, e->value, 1) == 0 &&
			    git_refspec_src_matches(spec, merge) &&
			    git_refspec_transform(&out, spec, merge) == 0)
				ref = sbx_strdup(out.ptr);
			git_refspec_free(spec);
		}
	}
	git_buf_dispose(&out);
	git_config_iterator_free(it);
	free(key);
	return ref;
}

/*
 * git_branch_upstream without git_remote_lookup, whose url.*.insteadOf
 * matching leaks in libgit2 1.5 (with PCRE2); sbx needs no URL here.
 */
int sbx_git_upstream(git_repository *repo, const char *branch, git_reference **out)
{
	git_config *cfg = NULL;
	git_buf remote = GIT_BUF_INIT, merge = GIT_BUF_INIT;
	char *key_remote = sbx_asprintf("branch.%s.remote", branch);
	char *key_merge = sbx_asprintf("branch.%s.merge", branch);
	char *ref = NULL;
	int ret = -1;

	*out = NULL;
	if (git_repository_config_snapshot(&cfg, repo) < 0 ||
	    git_config_get_string_buf(&remote, cfg, key_remote) < 0 ||
	    git_config_get_string_buf(&merge, cfg, key_merge) < 0)
		goto out;
	ref = !strcmp(remote.ptr, ".") ? sbx_strdup(merge.ptr) : tracking_ref(cfg, remote.ptr, merge.ptr);
	if (ref && git_reference_lookup(out, repo, ref) == 0)
		ret = 0;
out:
	git_error_clear();
	free(ref);
	free(key_remote);
	free(key_merge);
	git_buf_dispose(&remote);
	git_buf_dispose(&merge);
	git_config_free(cfg);
	return ret;
}

int sbx_git_resolve(const char *dir, const char *rev, char **out)
{
	git_repository *repo;
	git_oid id;
	char hex[GIT_OID_HEXSZ + 1];
	int ret;

	if (out)
		*out = NULL;
	if (sbx_git_open(&repo, dir))
		return -1;
	ret = sbx_git_commit_id(repo, rev, &id);
	if (!ret && out)
		*out = sbx_strdup(git_oid_tostr(hex, sizeof(hex), &id));
	git_repository_free(repo);
	return ret;
}
