#include "gitmod.h"
#include "error.h"
#include "paths.h"
#include "xalloc.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Unit tests link the module's objects in; sbx itself finds sbx_gitmod_entry by dlopen. */
extern const struct sbx_gitmod *sbx_gitmod_entry(void) __attribute__((weak));

static const struct sbx_gitmod *loaded;

/* The directory sbx's own executable is in; NULL, with no error left set, if unknown. */
static char *exe_dir(void)
{
	char *exe = sbx_self_exe(), *slash, *dir = NULL;

	if (!exe) {
		sbx_clear_error();
		return NULL;
	}
	slash = strrchr(exe, '/');
	if (slash)
		dir = sbx_strndup(exe, (size_t)(slash - exe));
	free(exe);
	return dir;
}

static const struct sbx_gitmod *load(const char *path)
{
	/* Lazy: binding all of libgit2's dependency tree up front costs milliseconds. */
	void *h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	const struct sbx_gitmod *(*entry)(void);
	const struct sbx_gitmod *m;

	if (!h) {
		sbx_error("cannot load the git module '%s': %s (use ldd(1) to check its dependencies)",
			  path, dlerror());
		return NULL;
	}
	*(void **)&entry = dlsym(h, "sbx_gitmod_entry");
	m = entry ? entry() : NULL;
	if (!m || m->abi != SBX_GITMOD_ABI) {
		sbx_error("'%s' is not sbx's git module of this version (ABI %d, want %d): "
			  "reinstall sbx", path, m ? m->abi : -1, SBX_GITMOD_ABI);
		dlclose(h);
		return NULL;
	}
	return m;
}

const struct sbx_gitmod *sbx_gitmod(void)
{
	const char *env = getenv("SBX_GIT_MODULE");
	char *dir, *path = NULL;

	if (loaded)
		return loaded;
	if (sbx_gitmod_entry)
		return loaded = sbx_gitmod_entry();
	if (env && *env)
		return loaded = load(env);
	/* Beside the binary (a build tree), in ../lib/sbx (an install, wherever it moved), in LIBDIR. */
	dir = exe_dir();
	for (int i = 0; dir && i < 2 && !path; i++) {
		path = sbx_asprintf(i ? "%s/../lib/sbx/sbx-git.so" : "%s/sbx-git.so", dir);
		if (access(path, F_OK)) {
			free(path);
			path = NULL;
		}
	}
	free(dir);
	if (!path && access(SBX_LIBDIR "/sbx-git.so", F_OK) == 0)
		path = sbx_strdup(SBX_LIBDIR "/sbx-git.so");
	if (!path) {
		sbx_error("sbx's git module sbx-git.so is neither beside sbx nor in '%s': "
			  "reinstall sbx", SBX_LIBDIR);
		return NULL;
	}
	loaded = load(path);
	free(path);
	return loaded;
}

void sbx_git_repo_release(struct sbx_git_repo *r)
{
	free(r->workdir);
	free(r->gitdir);
	free(r->commondir);
	memset(r, 0, sizeof(*r));
}

void sbx_git_worktrees_free(struct sbx_git_worktree *wts, size_t nr)
{
	for (size_t i = 0; wts && i < nr; i++) {
		free(wts[i].name);
		free(wts[i].path);
		free(wts[i].branch);
		free(wts[i].head);
		free(wts[i].base);
		free(wts[i].problem);
	}
	free(wts);
}

void sbx_git_range_release(struct sbx_git_range *r)
{
	free(r->tip);
	free(r->base);
	free(r->into);
	r->tip = r->base = r->into = NULL;
}

void sbx_git_commits_free(struct sbx_git_commit *c, size_t nr)
{
	for (size_t i = 0; c && i < nr; i++) {
		free(c[i].id);
		free(c[i].short_id);
		free(c[i].subject);
		free(c[i].author);
		free(c[i].email);
	}
	free(c);
}

void sbx_git_diff_release(struct sbx_git_diff *d)
{
	sbx_git_range_release(&d->range);
	for (size_t i = 0; i < d->nr_files; i++) {
		free(d->files[i].old_path);
		free(d->files[i].new_path);
	}
	free(d->files);
	d->files = NULL;
	d->nr_files = 0;
}

void sbx_git_merge_release(struct sbx_git_merge *m)
{
	free(m->into);
	free(m->old_head);
	free(m->new_head);
	free(m->filter);
	m->into = m->old_head = m->new_head = m->filter = NULL;
}
