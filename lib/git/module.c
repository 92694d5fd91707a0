/*
 * sbx-git.so: everything sbx asks of libgit2. Loaded on first use (see
 * lib/gitmod.h); only sbx_gitmod_entry is exported.
 */
#include "internal.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

#ifdef SBX_LIBGIT2_MBEDTLS
/*
 * Debian's libgit2 is built with mbedTLS, whose global init parses the whole
 * CA bundle (about 3 ms) for HTTPS that sbx never does through libgit2: it
 * only reads local repositories. libgit2.so imports these two functions, and
 * this module comes before mbedTLS in the lookup scope of what it loads, so
 * the bundle is not parsed. Any HTTPS through libgit2 in this process would
 * then fail certificate verification, never pass it.
 */
struct mbedtls_x509_crt;
EXPORT int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path);
EXPORT int mbedtls_x509_crt_parse_path(struct mbedtls_x509_crt *chain, const char *path);

int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}

int mbedtls_x509_crt_parse_path(struct mbedtls_x509_crt *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}
#endif

static void shutdown_git(void)
{
	git_libgit2_shutdown();
}

void sbx_git_init(void)
{
	static int done;
	const char *file, *dir;
	char *saved_file, *saved_dir;

	if (done)
		return;
	done = 1;
	/* The same for a libgit2 built with OpenSSL (macOS): point it at no bundle during init. */
	file = getenv("SSL_CERT_FILE");
	dir = getenv("SSL_CERT_DIR");
	saved_file = file ? sbx_strdup(file) : NULL;
	saved_dir = dir ? sbx_strdup(dir) : NULL;
	setenv("SSL_CERT_FILE", "/dev/null", 1);
	setenv("SSL_CERT_DIR", "/dev/null", 1);
	git_libgit2_init();
	if (saved_file)
		setenv("SSL_CERT_FILE", saved_file, 1);
	else
		unsetenv("SSL_CERT_FILE");
	if (saved_dir)
		setenv("SSL_CERT_DIR", saved_dir, 1);
	else
		unsetenv("SSL_CERT_DIR");
	free(saved_file);
	free(saved_dir);
	atexit(shutdown_git);
}

static void version(int *major, int *minor, int *rev)
{
	git_libgit2_version(major, minor, rev);
}

int sbx_git_fail(const char *fmt, ...)
{
	const git_error *e = git_error_last();
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	msg = sbx_vasprintf(fmt, ap);
	va_end(ap);
	sbx_error("%s: %s", msg, e && e->message ? e->message : "unknown error");
	free(msg);
	git_error_clear();
	return -1;
}

int sbx_git_open(git_repository **repo, const char *dir)
{
	sbx_git_init();
	/* flags 0: GIT_DIR and GIT_WORK_TREE from the environment are ignored. */
	if (git_repository_open_ext(repo, dir, 0, NULL) < 0)
		return sbx_git_fail("cannot open the git repository at '%s'", dir);
	return 0;
}

int sbx_git_commit_id(git_repository *repo, const char *rev, git_oid *out)
{
	git_object *obj = NULL, *commit = NULL;

	if (git_revparse_single(&obj, repo, rev) < 0 ||
	    git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		git_object_free(obj);
		return sbx_git_fail("'%s' names no commit", rev);
	}
	git_oid_cpy(out, git_object_id(commit));
	git_object_free(commit);
	git_object_free(obj);
	return 0;
}

char *sbx_git_without_slash(const char *path)
{
	size_t len = path ? strlen(path) : 0;

	if (!path)
		return NULL;
	while (len > 1 && path[len - 1] == '/')
		len--;
	return sbx_strndup(path, len);
}

/*
 * A repository of another user is refused (git's "dubious ownership"), and
 * libgit2 1.5 reports it as no repository at all when no safe.directory is
 * configured. Looks again without the check to say so; 1 after recording it.
 */
static int other_owner(const char *start)
{
	git_repository *repo = NULL;
	const char *top;
	int len;

	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	if (git_repository_open_ext(&repo, start, 0, NULL) < 0) {
		git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 1);
		git_error_clear();
		return 0;
	}
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 1);
	top = git_repository_workdir(repo) ? git_repository_workdir(repo) : git_repository_path(repo);
	len = (int)strlen(top) - (top[0] && top[strlen(top) - 1] == '/');
	sbx_error("the git repository at '%.*s' belongs to another user: run sbx as its owner, "
		  "or trust it (git config --global --add safe.directory '%.*s')", len, top, len, top);
	git_repository_free(repo);
	return 1;
}

static int discover(const char *start, struct sbx_git_repo *out)
{
	git_repository *repo = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	sbx_git_init();
	/* flags 0: GIT_DIR and GIT_WORK_TREE from the environment are ignored. */
	err = git_repository_open_ext(&repo, start, 0, NULL);
	if (err == GIT_ENOTFOUND || err == GIT_EOWNER)
		return other_owner(start) ? -1 : err == GIT_ENOTFOUND ? 1 : sbx_git_fail(
			"cannot open the git repository at '%s'", start);
	if (err < 0) {
		const git_error *e = git_error_last();

		return sbx_error("cannot open the git repository at '%s': %s", start,
				 e ? e->message : "unknown error");
	}
	out->bare = git_repository_is_bare(repo);
	out->worktree = git_repository_is_worktree(repo) == 1;
	out->workdir = sbx_git_without_slash(git_repository_workdir(repo));
	out->gitdir = sbx_git_without_slash(git_repository_path(repo));
	out->commondir = sbx_git_without_slash(git_repository_commondir(repo));
	git_repository_free(repo);
	return 0;
}

static const struct sbx_gitmod module = {
	.abi = SBX_GITMOD_ABI,
	.version = version,
	.discover = discover,
	.worktrees = sbx_git_worktrees,
	.worktree_add = sbx_git_worktree_add,
	.merged = sbx_git_merged,
	.branch_delete = sbx_git_branch_delete,
	.resolve = sbx_git_resolve,
	.ref_name_valid = sbx_git_ref_name_valid,
	.index_sync = sbx_git_index_sync,
	.config = sbx_git_config,
	.log = sbx_git_log,
	.diff = sbx_git_diff,
	.merge = sbx_git_merge,
};

EXPORT const struct sbx_gitmod *sbx_gitmod_entry(void)
{
	return &module;
}
