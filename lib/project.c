#include "project.h"
#include "error.h"
#include "gitcheck.h"
#include "gitlayout.h"
#include "gitmod.h"
#include "safefile.h"
#include "xalloc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static char *resolved(const char *path)
{
	char *r = realpath(path, NULL);
	size_t len;

	if (!r) {
		sbx_error_errno("cannot resolve '%s'", path);
		return NULL;
	}
	len = strlen(r);
	while (len > 1 && r[len - 1] == '/')
		r[--len] = '\0';
	return r;
}

static char *dirname_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return sbx_strdup("/");
	return sbx_strndup(path, (size_t)(slash - path));
}

static char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return sbx_strdup(slash ? slash + 1 : path);
}

/* "/src/app.git" -> "app", "/src/app/.git" -> "app". */
static char *repo_name(const char *common_dir)
{
	char *base = basename_of(common_dir);
	size_t len = strlen(base);

	if (!strcmp(base, ".git")) {
		char *parent = dirname_of(common_dir);

		free(base);
		base = basename_of(parent);
		free(parent);
	} else if (len > 4 && !strcmp(base + len - 4, ".git")) {
		base[len - 4] = '\0';
	}
	return base;
}

int sbx_project_detect_flags(struct sbx_project *p, const char *dir, unsigned flags)
{
	const struct sbx_gitmod *git;
	struct sbx_git_repo repo;
	struct sbx_git_files files;
	char *start;
	int ret = -1, found = -1, by_files;

	memset(p, 0, sizeof(*p));
	start = resolved(dir ? dir : ".");
	if (!start)
		return -1;
	/*
	 * What a sandbox could have written is checked first, so that neither
	 * answer below reads a file that blocks or names another repository.
	 */
	if (sbx_git_check_files(start, &files)) {
		free(start);
		return -2;
	}
	/* The files answer for the common layouts; libgit2 (about 2 ms to load) for the rest. */
	found = flags & SBX_PROJECT_LIBGIT2 ? SBX_GIT_LAYOUT_UNSURE : sbx_git_layout(&files, &repo);
	by_files = found == 0;
	if (found == SBX_GIT_LAYOUT_UNSURE) {
		git = sbx_gitmod();
		found = git ? git->discover(start, &repo) : -1;
	}
	if (found == 1) {
		/* Nothing but start is mounted. */
		sbx_git_files_release(&files);
		p->dir = start;
		p->main_dir = sbx_strdup(start);
		p->name = basename_of(start);
		return 0;
	}
	if (found < 0)
		goto out;
	if (repo.bare && !(flags & SBX_PROJECT_BARE_OK)) {
		sbx_error("'%s' is a bare repository: run sbx in a worktree of it "
			  "(sbx wt new BRANCH)", start);
		goto out;
	}
	p->in_git = 1;
	p->is_bare = repo.bare;
	/* The files' answer is resolved already (gitcheck.h); libgit2's may not be. */
	p->dir = by_files ? sbx_strdup(repo.workdir) : resolved(repo.bare ? repo.gitdir : repo.workdir);
	p->git_dir = by_files ? sbx_strdup(repo.gitdir) : resolved(repo.gitdir);
	p->common_dir = by_files ? sbx_strdup(repo.commondir) : resolved(repo.commondir);
	if (!p->dir || !p->git_dir || !p->common_dir)
		goto out;
	p->is_worktree = repo.worktree;
	if (sbx_git_check_answer(&files, p)) {
		ret = -2;
		goto out;
	}
	/* A submodule's git directory lives in its superproject's .git/modules/. */
	p->is_submodule = files.kind == SBX_GIT_SUBMODULE ||
			  strstr(p->common_dir, "/.git/modules/") != NULL;
	if (p->is_bare) {
		p->name = repo_name(p->common_dir);
	} else if (p->is_worktree) {
		const char *base = strrchr(p->common_dir, '/');

		p->main_dir = base && !strcmp(base, "/.git") ? dirname_of(p->common_dir) : NULL;
		p->name = repo_name(p->common_dir);
	} else {
		p->main_dir = sbx_strdup(p->dir);
		p->name = basename_of(p->dir);
	}
	ret = 0;
out:
	if (found == 0)
		sbx_git_repo_release(&repo);
	sbx_git_files_release(&files);
	free(start);
	if (ret)
		sbx_project_release(p);
	return ret;
}

int sbx_project_detect(struct sbx_project *p, const char *dir)
{
	return sbx_project_detect_flags(p, dir, 0);
}

int sbx_project_detect_repo(struct sbx_project *p, const char *dir)
{
	return sbx_project_detect_flags(p, dir, SBX_PROJECT_BARE_OK);
}

void sbx_project_release(struct sbx_project *p)
{
	free(p->dir);
	free(p->main_dir);
	free(p->git_dir);
	free(p->common_dir);
	free(p->name);
	memset(p, 0, sizeof(*p));
}

#define HEAD_MAX 512

char *sbx_project_branch(const struct sbx_project *p)
{
	struct sbx_buf head = SBX_BUF_INIT;
	char *branch = NULL;
	size_t len;

	if (!p->git_dir || sbx_safe_read(p->git_dir, "HEAD", HEAD_MAX, &head)) {
		sbx_clear_error();
		sbx_buf_release(&head);
		return NULL;
	}
	len = strcspn(head.buf, "\n");
	if (len > 16 && !strncmp(head.buf, "ref: refs/heads/", 16) && !memchr(head.buf, '\0', len))
		branch = sbx_strndup(head.buf + 16, len - 16);
	sbx_buf_release(&head);
	return branch;
}
