/*
 * The host's index rebuilt from the sandbox's (lib/gitdir.h): entries only,
 * nothing of them that host git would act on without looking again.
 */
#include "internal.h"
#include "buf.h"
#include "safefile.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A .git file's few bytes ("gitdir: PATH\n"). */
#define MAX_DOTGIT 4096

int sbx_git_ref_name_valid(const char *name)
{
	int valid = 0;

	sbx_git_init();
	if (git_reference_name_is_valid(&valid, name) < 0)
		git_error_clear();
	return valid;
}

/* path with "." and ".." taken out by its text alone, never the file system's. */
static char *normalize(const char *path)
{
	struct sbx_buf out = SBX_BUF_INIT;
	const char *p = path;

	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(out.buf, '/');

			sbx_buf_truncate(&out, slash ? (size_t)(slash - out.buf) : 0);
		} else if (len && !(len == 1 && p[0] == '.')) {
			sbx_buf_addch(&out, '/');
			sbx_buf_add(&out, p, len);
		}
		p += len;
		p += *p == '/';
	}
	if (!out.len)
		sbx_buf_addch(&out, '/');
	return sbx_buf_detach(&out);
}

/*
 * Does the gitlink at path lead into the host's modules/? Its .git must be a
 * file (reached without a link) naming a directory below COMMON/modules/.
 * Also 1 when there is no .git at all (a submodule not checked out: host
 * git has nothing to run there).
 */
static int gitlink_safe(const struct sbx_git_index_sync *r, const char *path)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *rel = sbx_asprintf("%s/.git", path), *target = NULL, *modules = NULL, *joined;
	int ret = 0, got;

	if (!r->workdir)
		goto out;
	got = sbx_safe_read(r->workdir, rel, MAX_DOTGIT, &b);
	if (got == 1) {
		/* Nothing at all, and the directory (if any) reached without a link. */
		int dfd = open(r->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int fd = dfd < 0 ? -1 : sbx_safe_openat(dfd, path, O_RDONLY | O_DIRECTORY, 0);

		ret = fd >= 0 || errno == ENOENT;
		if (fd >= 0)
			close(fd);
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	if (got < 0 || strncmp(b.buf, "gitdir: ", 8) || memchr(b.buf, '\0', b.len))
		goto out;
	b.buf[strcspn(b.buf, "\r\n")] = '\0';
	joined = b.buf[8] == '/' ? sbx_strdup(b.buf + 8) :
		 sbx_asprintf("%s/%s/%s", r->workdir, path, b.buf + 8);
	target = normalize(joined);
	free(joined);
	modules = sbx_asprintf("%s/modules/", r->commondir);
	if (!strncmp(target, modules, strlen(modules))) {
		int dfd = open(r->commondir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int fd = dfd < 0 ? -1 : sbx_safe_openat(dfd, target + strlen(r->commondir) + 1,
							O_RDONLY | O_DIRECTORY, 0);

		ret = fd >= 0;
		if (fd >= 0)
			close(fd);
		if (dfd >= 0)
			close(dfd);
	}
out:
	sbx_clear_error();
	sbx_buf_release(&b);
	free(rel);
	free(target);
	free(modules);
	return ret;
}

/* The host's current entry at path and stage, if it is the same file: its stat data is the host's. */
static void host_stat(git_index *old, git_index_entry *e)
{
	const git_index_entry *o = old ? git_index_get_bypath(old, e->path, GIT_INDEX_ENTRY_STAGE(e)) :
					 NULL;

	if (o && o->mode == e->mode && git_oid_equal(&o->id, &e->id)) {
		e->ctime = o->ctime;
		e->mtime = o->mtime;
		e->dev = o->dev;
		e->ino = o->ino;
		e->uid = o->uid;
		e->gid = o->gid;
		e->file_size = o->file_size;
	} else {
		memset(&e->ctime, 0, sizeof(e->ctime));
		memset(&e->mtime, 0, sizeof(e->mtime));
		e->dev = e->ino = e->uid = e->gid = e->file_size = 0;
	}
}

/* The host's index file is still what sbx saw last. */
static int unchanged(const struct sbx_git_index_sync *r)
{
	struct sbx_buf now = SBX_BUF_INIT;
	char *dir = sbx_strdup(r->host_index), *slash = strrchr(dir, '/');
	int got, same;

	*slash = '\0';
	got = sbx_safe_read(dir, slash + 1, r->expected ? r->expected_len : 1, &now);
	same = r->expected ? got == 0 && now.len == r->expected_len &&
			     !memcmp(now.buf, r->expected, now.len)
			   : got == 1;
	sbx_clear_error();
	sbx_buf_release(&now);
	free(dir);
	return same;
}

int sbx_git_index_sync(const struct sbx_git_index_sync *r)
{
	git_index *src = NULL, *dst = NULL, *old = NULL;
	size_t n;
	int ret = -1;

	sbx_git_init();
	if (git_index_open(&src, r->sandbox_index) < 0 || git_index_read(src, 1) < 0) {
		sbx_git_fail("left the index of '%s' as it is: the sandbox's cannot be read",
			     r->workdir ? r->workdir : r->host_index);
		goto out;
	}
	if (!unchanged(r)) {
		if (!r->quiet)
			sbx_warn("left the index '%s' as it is: it changed on the host during the "
				 "session", r->host_index);
		ret = 1;
		goto out;
	}
	if (git_index_open(&old, r->host_index) < 0 || git_index_open(&dst, r->host_index) < 0) {
		sbx_git_fail("cannot read the index '%s'", r->host_index);
		goto out;
	}
	if (git_index_clear(dst) < 0) {
		sbx_git_fail("cannot rewrite the index '%s'", r->host_index);
		goto out;
	}
	n = git_index_entrycount(src);
	for (size_t i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(src, i);
		git_index_entry copy;

		if (e->mode != GIT_FILEMODE_BLOB && e->mode != GIT_FILEMODE_BLOB_EXECUTABLE &&
		    e->mode != GIT_FILEMODE_LINK && e->mode != GIT_FILEMODE_COMMIT)
			continue;
		if (e->mode == GIT_FILEMODE_COMMIT && !gitlink_safe(r, e->path)) {
			if (!r->quiet)
				sbx_warn("left submodule '%s' out of the index '%s': its .git does not lead "
					 "into '%s/modules'", e->path, r->host_index, r->commondir);
			continue;
		}
		copy = *e;
		/* The stage only: no assume-valid, skip-worktree or intent-to-add from inside. */
		copy.flags = e->flags & GIT_INDEX_ENTRY_STAGEMASK;
		copy.flags_extended = 0;
		host_stat(old, &copy);
		if (git_index_add(dst, &copy) < 0) {
			if (!r->quiet)
				sbx_warn("left '%s' out of the index '%s': %s", e->path, r->host_index,
					 git_error_last() ? git_error_last()->message : "refused");
			git_error_clear();
		}
	}
	if (git_index_write(dst) < 0) {
		sbx_git_fail("cannot write the index '%s'", r->host_index);
		goto out;
	}
	ret = 0;
out:
	git_index_free(src);
	git_index_free(dst);
	git_index_free(old);
	return ret;
}
