/*
 * The sandbox's own git directory (gitdir.h): built before the run,
 * synced back to the host's HEAD and index during and after it.
 */
#include "gitdir.h"
#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "gitmod.h"
#include "paths.h"
#include "safefile.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#define MAX_SMALL (64 * 1024)
#define MAX_CONFIG (4 * 1024 * 1024)
#define MAX_BIG (2048LL * 1024 * 1024)
/* Submodules inside submodules: deeper than this is left out of the sandbox's view. */
#define MAX_MODULE_DEPTH 4

/*
 * Appended to the private config: nothing the sandbox runs by itself rewrites
 * the shared refs or drops objects the host still needs (its index, other
 * worktrees' HEADs, which the sandbox cannot see). packed-refs is a
 * read-only copy besides, so that `git pack-refs` fails instead of moving
 * shared refs into a private file.
 */
static const char private_config[] =
	"\n# sbx: the sandbox's own copy (the host's config is not visible here).\n"
	"[gc]\n\tauto = 0\n\tpackRefs = false\n\twriteCommitGraph = false\n"
	"\tpruneExpire = never\n\tworktreePruneExpire = never\n\treflogExpire = never\n"
	"\treflogExpireUnreachable = never\n"
	"[maintenance]\n\tauto = false\n"
	"[fetch]\n\twriteCommitGraph = false\n"
	"[core]\n\tfsmonitor = false\n";

/* A git directory whose HEAD and index follow the sandbox's private copy. */
struct sbx_gitdir_repo {
	char *host;		/* the host's git directory (holds HEAD and index) */
	char *private;		/* its private copy */
	char *workdir;		/* its work tree, where gitlinks are checked; NULL if none */
	char *common;		/* the host's common directory (for modules/) */
	struct sbx_buf head;	/* the host's HEAD as last copied or written */
	struct sbx_buf index;	/* the host's index as last copied or written ("" when none) */
	unsigned had_index : 1;
};

/* dst shows base/rel (rel "" for base itself); dst NULL: the same path. */
static void add_bind(struct sbx_gitdir *g, const char *base, const char *rel, const char *dst,
		     int ro)
{
	struct sbx_gitdir_bind *b;

	SBX_ALLOC_GROW(g->binds, g->nr_binds + 1, g->alloc_binds);
	b = &g->binds[g->nr_binds++];
	b->base = sbx_strdup(base);
	b->rel = sbx_strdup(rel);
	b->dst = dst ? sbx_strdup(dst) : *rel ? sbx_path_join(base, rel) : sbx_strdup(base);
	b->ro = ro;
}

int sbx_gitdir_bind_open(const struct sbx_gitdir_bind *b)
{
#ifdef O_PATH
	int dfd = open(b->base, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;
	struct stat st;

	if (dfd < 0)
		return sbx_error_errno("cannot open '%s'", b->base);
	if (!*b->rel)
		return dfd;
	fd = sbx_safe_openat(dfd, b->rel, O_PATH, 0);
	close(dfd);
	if (fd < 0 || fstat(fd, &st) || (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))) {
		if (fd >= 0)
			close(fd);
		return sbx_error("cannot show '%s/%s' in the sandbox: not a directory or regular "
				 "file reached without a symbolic link", b->base, b->rel);
	}
	return fd;
#else
	return sbx_error("cannot open '%s/%s' by descriptor here", b->base, b->rel);
#endif
}

/* Is dir/rel of this type, reached without a link? */
static int is_type(const char *dir, const char *rel, mode_t type)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	struct stat st;
	int ret;

	if (dfd < 0)
		return 0;
	fd = sbx_safe_openat(dfd, rel, O_RDONLY | O_NONBLOCK, 0);
	close(dfd);
	if (fd < 0)
		return 0;
	ret = !fstat(fd, &st) && (st.st_mode & S_IFMT) == type;
	close(fd);
	return ret;
}

static int is_dir(const char *dir, const char *rel)
{
	return is_type(dir, rel, S_IFDIR);
}

static int is_regular(const char *dir, const char *rel)
{
	return is_type(dir, rel, S_IFREG);
}

/*
 * Copies host_dir/rel to private_dir/rel (mode 0644 for the sandbox's git to
 * rewrite); 1 when there is none, with *out (if given) left empty.
 */
static int copy_in(const char *host_dir, const char *rel, const char *private_dir, size_t max,
		   const char *extra, struct sbx_buf *out)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *dst;
	int ret = sbx_safe_read(host_dir, rel, max, &b);

	if (ret) {
		sbx_buf_release(&b);
		return ret;
	}
	if (out)
		sbx_buf_add(out, b.buf, b.len);
	if (extra)
		sbx_buf_adds(&b, extra);
	dst = sbx_path_join(private_dir, rel);
	ret = sbx_write_file(dst, b.buf, b.len, 0644);
	free(dst);
	sbx_buf_release(&b);
	return ret;
}

static int make_dir(const char *parent, const char *name)
{
	char *path = sbx_path_join(parent, name);
	int ret = mkdir(path, 0755) && errno != EEXIST ?
		sbx_error_errno("cannot create '%s'", path) : 0;

	free(path);
	return ret;
}

static struct sbx_gitdir_repo *add_repo(struct sbx_gitdir *g, const char *host,
					const char *private, const char *common,
					const char *workdir)
{
	struct sbx_gitdir_repo *r;

	SBX_ALLOC_GROW(g->repos, g->nr_repos + 1, g->alloc_repos);
	r = &g->repos[g->nr_repos++];
	memset(r, 0, sizeof(*r));
	r->host = sbx_strdup(host);
	r->private = sbx_strdup(private);
	r->common = sbx_strdup(common);
	r->workdir = workdir ? sbx_strdup(workdir) : NULL;
	sbx_buf_init(&r->head);
	sbx_buf_init(&r->index);
	return r;
}

/* HEAD and index of a git directory whose HEAD and index follow: copied, and remembered. */
static int copy_head_index(struct sbx_gitdir_repo *r)
{
	int ret = copy_in(r->host, "HEAD", r->private, MAX_SMALL, NULL, &r->head);

	if (ret)
		return ret < 0 ? -1 : sbx_error("'%s/HEAD' is missing", r->host);
	ret = copy_in(r->host, "index", r->private, MAX_BIG, NULL, &r->index);
	r->had_index = ret == 0;
	return ret < 0 ? -1 : 0;
}

/*
 * The other worktrees' HEADs, so that git inside knows which branches are
 * checked out elsewhere; never their indexes. own: the run's, copied whole by
 * the caller.
 */
static int copy_worktree_heads(const char *common, const char *private, const char *own)
{
	char *dir = sbx_path_join(common, "worktrees");
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	if (d && make_dir(private, "worktrees"))
		ret = -1;
	while (!ret && d && (e = readdir(d))) {
		char *rel, *host_wt;

		if (e->d_name[0] == '.' || (own && !strcmp(e->d_name, own)))
			continue;
		rel = sbx_asprintf("worktrees/%s", e->d_name);
		host_wt = sbx_path_join(common, rel);
		if (is_dir(common, rel)) {
			char *priv_wt = sbx_path_join(private, rel);

			ret = make_dir(private, rel);
			for (int i = 0; !ret && i < 3; i++)
				ret = copy_in(host_wt, (const char *[]){ "HEAD", "commondir", "gitdir" }[i],
					      priv_wt, MAX_SMALL, NULL, NULL) < 0 ? -1 : 0;
			free(priv_wt);
		}
		free(host_wt);
		free(rel);
	}
	if (d)
		closedir(d);
	free(dir);
	return ret;
}

static int overlay(struct sbx_gitdir *g, const char *common, const char *private,
		   const char *workdir, const char *own_worktree, int depth);

/*
 * Submodules' git directories under common/modules/, each private the same
 * way; prefix is the path below modules/ so far. Their work trees are where
 * the default naming puts them (workdir/NAME): a .git file there that says
 * otherwise leaves the submodule's HEAD and index alone.
 */
static int overlay_modules(struct sbx_gitdir *g, const char *common, const char *private,
			   const char *workdir, const char *prefix, int depth)
{
	char *rel = prefix ? sbx_asprintf("modules/%s", prefix) : sbx_strdup("modules");
	char *dir = sbx_path_join(common, rel);
	DIR *d = depth < MAX_MODULE_DEPTH && is_dir(common, rel) ? opendir(dir) : NULL;
	struct dirent *e;
	int ret = 0;

	if (d)
		ret = make_dir(private, rel);
	while (!ret && d && (e = readdir(d))) {
		char *name, *sub_rel, *host_sub, *priv_sub, *sub_work;

		if (e->d_name[0] == '.')
			continue;
		name = prefix ? sbx_asprintf("%s/%s", prefix, e->d_name) : sbx_strdup(e->d_name);
		sub_rel = sbx_asprintf("modules/%s", name);
		host_sub = sbx_path_join(common, sub_rel);
		priv_sub = sbx_path_join(private, sub_rel);
		sub_work = workdir ? sbx_path_join(workdir, name) : NULL;
		if (!is_dir(common, sub_rel)) {
			/* not a directory: nothing of it shows */
		} else if (is_dir(host_sub, "objects") && is_dir(host_sub, "refs")) {
			ret = make_dir(private, sub_rel) ||
			      overlay(g, host_sub, priv_sub, sub_work, NULL, depth + 1);
		} else {
			/* A submodule named with a '/' (modules/libs/a): look one level down. */
			ret = overlay_modules(g, common, private, workdir, name, depth + 1);
		}
		free(name);
		free(sub_rel);
		free(host_sub);
		free(priv_sub);
		free(sub_work);
	}
	if (d)
		closedir(d);
	free(rel);
	free(dir);
	return ret;
}

/*
 * A submodule's work tree inside the project: its .git file bound read-only,
 * and it and every directory above it up to the project made mount points,
 * which cannot be renamed away to put another .git file in their place.
 */
static void pin_work_tree(struct sbx_gitdir *g, const char *top, const char *workdir)
{
	size_t len = strlen(top);
	const char *rel = workdir + len + 1, *slash;
	char *dotgit;

	if (strncmp(workdir, top, len) || workdir[len] != '/')
		return;
	dotgit = sbx_path_join(rel, ".git");
	/* Only a .git file, reached through directories alone, is the submodule's. */
	if (is_regular(top, dotgit)) {
		for (slash = strchr(rel, '/'); ; slash = strchr(slash + 1, '/')) {
			char *dir = slash ? sbx_strndup(rel, (size_t)(slash - rel)) : sbx_strdup(rel);

			add_bind(g, top, dir, NULL, 0);
			free(dir);
			if (!slash)
				break;
		}
		add_bind(g, top, dotgit, NULL, 1);
	}
	free(dotgit);
}

/*
 * The sandbox's view of the git directory common (a repository's common
 * directory, or a submodule's), built in private. workdir: its work tree,
 * for a module found below the project; own_worktree: the linked worktree the
 * run is in, whose HEAD and index follow.
 */
static int overlay(struct sbx_gitdir *g, const char *common, const char *private,
		   const char *workdir, const char *own_worktree, int depth)
{
	static const char *const mount_points[] = { "objects", "refs", "logs", "hooks", "info", NULL };
	struct sbx_gitdir_repo *r;
	char *host_path;
	int ret;

	ret = copy_in(common, "config", private, MAX_CONFIG, private_config, NULL);
	if (ret > 0) {
		/* git reads a repository without one as all defaults: so does the copy, with ours. */
		char *path = sbx_path_join(private, "config");

		ret = sbx_write_file(path, private_config, strlen(private_config), 0644);
		free(path);
	}
	if (ret || copy_in(common, "shallow", private, MAX_BIG, NULL, NULL) < 0)
		return -1;
	/* Always there, so that nothing inside can create a private one. */
	ret = copy_in(common, "packed-refs", private, MAX_BIG, NULL, NULL);
	if (ret > 0) {
		char *empty = sbx_path_join(private, "packed-refs");

		ret = sbx_write_file(empty, "", 0, 0644);
		free(empty);
	}
	if (ret)
		return -1;
	for (size_t i = 0; mount_points[i]; i++)
		if (make_dir(private, mount_points[i]))
			return -1;
	/* A fresh repository may lack them; made on the host, as git would at its first need. */
	if (make_dir(common, "logs") || make_dir(common, "objects/info"))
		return -1;
	add_bind(g, private, "", common, 0);
	for (size_t i = 0; mount_points[i]; i++) {
		if (is_dir(common, mount_points[i]))
			add_bind(g, common, mount_points[i], NULL,
				 !strcmp(mount_points[i], "hooks") || !strcmp(mount_points[i], "info"));
		if (!strcmp(mount_points[i], "objects"))
			add_bind(g, common, "objects/info", NULL, 1);
	}
	/* git-lfs keeps its objects beside git's. */
	if (is_dir(common, "lfs")) {
		if (make_dir(private, "lfs"))
			return -1;
		add_bind(g, common, "lfs", NULL, 0);
	}
	host_path = sbx_path_join(common, "packed-refs");
	add_bind(g, private, "packed-refs", host_path, 1);
	free(host_path);

	if (copy_worktree_heads(common, private, own_worktree))
		return -1;
	if (own_worktree) {
		char *rel = sbx_asprintf("worktrees/%s", own_worktree);
		char *host_wt = sbx_path_join(common, rel), *priv_wt = sbx_path_join(private, rel);

		/* HEAD first: a checkout without its own HEAD is not the common one's. */
		ret = make_dir(private, "worktrees") || make_dir(private, rel) ||
		      copy_in(common, "HEAD", private, MAX_SMALL, NULL, NULL) < 0 ||
		      copy_in(host_wt, "commondir", priv_wt, MAX_SMALL, NULL, NULL) < 0 ||
		      copy_in(host_wt, "gitdir", priv_wt, MAX_SMALL, NULL, NULL) < 0 ? -1 : 0;
		r = ret ? NULL : add_repo(g, host_wt, priv_wt, common, workdir);
		free(rel);
		free(host_wt);
		free(priv_wt);
		if (!r || copy_head_index(r))
			return -1;
	} else {
		r = add_repo(g, common, private, common, workdir);
		if (copy_head_index(r))
			return -1;
		if (depth && workdir && g->nr_repos > 1)
			pin_work_tree(g, g->repos[0].workdir, workdir);
	}
	return overlay_modules(g, common, private, workdir, NULL, depth);
}

/*
 * A persistent sandbox keeps its private directory's place (its VM mounts
 * it) but not what the sandbox left in it, which may be links to anywhere:
 * built afresh, nothing in it followed.
 */
static int empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return sbx_error_errno("cannot read '%s'", dir);
	while (!ret && (e = readdir(d))) {
		char *path;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		path = sbx_path_join(dir, e->d_name);
		ret = sbx_safe_remove_tree(path);
		free(path);
	}
	closedir(d);
	return ret;
}

int sbx_gitdir_prepare(struct sbx_gitdir *g, const struct sbx_project *p, const char *run_dir)
{
	char *own = NULL;
	int ret;

	memset(g, 0, sizeof(*g));
	g->watch.fd = -1;
	if (!p->in_git || !p->common_dir || !p->git_dir)
		return 0;
	g->scratch = sbx_strdup(run_dir);
	g->root = sbx_path_join(run_dir, "git");
	if (sbx_mkdir_private(run_dir, 0700) || make_dir(run_dir, "git") || empty_dir(g->root))
		return -1;
	/* A linked worktree's own directory is COMMON/worktrees/NAME (checked by detection). */
	if (strcmp(p->git_dir, p->common_dir)) {
		size_t len = strlen(p->common_dir);

		if (strncmp(p->git_dir, p->common_dir, len) ||
		    strncmp(p->git_dir + len, "/worktrees/", 11) || strchr(p->git_dir + len + 11, '/'))
			return sbx_error("'%s' is not a worktree of '%s': sbx cannot give it a git "
					 "directory of its own", p->git_dir, p->common_dir);
		own = sbx_strdup(p->git_dir + len + 11);
	}
	ret = overlay(g, p->common_dir, g->root, p->dir, own, 0);
	/* A .git file (worktree, submodule, separate git directory) is never rewritten inside. */
	if (!ret && is_regular(p->dir, ".git"))
		add_bind(g, p->dir, ".git", NULL, 1);
	free(own);
	return ret;
}

void sbx_gitdir_release(struct sbx_gitdir *g)
{
	for (size_t i = 0; i < g->nr_binds; i++) {
		free(g->binds[i].base);
		free(g->binds[i].rel);
		free(g->binds[i].dst);
	}
	free(g->binds);
	for (size_t i = 0; i < g->nr_repos; i++) {
		struct sbx_gitdir_repo *r = &g->repos[i];

		free(r->host);
		free(r->private);
		free(r->workdir);
		free(r->common);
		sbx_buf_release(&r->head);
		sbx_buf_release(&r->index);
	}
	free(g->repos);
	free(g->root);
	free(g->scratch);
	if (g->watch.fd >= 0)
		close(g->watch.fd);
	memset(g, 0, sizeof(*g));
	g->watch.fd = -1;
}

/* Syncing back. */

static int same(const struct sbx_buf *a, const struct sbx_buf *b)
{
	return a->len == b->len && !memcmp(a->buf, b->buf, a->len);
}

/* "ref: refs/heads/NAME\n" or a commit id; NULL when the sandbox wrote anything else. */
static const char *valid_head(const struct sbx_buf *head, const struct sbx_gitmod *m)
{
	const char *s = head->buf;
	size_t len = head->len;

	if (len && s[len - 1] == '\n')
		len--;
	if (memchr(s, '\0', head->len) || memchr(s, '\n', len))
		return NULL;
	if (len == 40 && strspn(s, "0123456789abcdef") == 40)
		return s;
	if (len > 16 && !strncmp(s, "ref: refs/heads/", 16)) {
		char *name = sbx_strndup(s + 5, len - 5);
		int ok = m->ref_name_valid(name);

		free(name);
		return ok ? s : NULL;
	}
	return NULL;
}

/* Writes the host's file as git does: NAME.lock created exclusively, then renamed. */
static int write_locked(const char *dir, const char *name, const struct sbx_buf *data)
{
	char *lock = sbx_asprintf("%s/%s.lock", dir, name), *path = sbx_path_join(dir, name);
	int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644), ret = 0;

	if (fd < 0) {
		ret = sbx_error_errno("cannot lock '%s'", path);
		goto out;
	}
	if (sbx_write_all(fd, data->buf, data->len))
		ret = sbx_error_errno("cannot write '%s'", lock);
	if (close(fd) && !ret)
		ret = sbx_error_errno("cannot write '%s'", lock);
	if (!ret && rename(lock, path))
		ret = sbx_error_errno("cannot write '%s'", path);
	if (ret)
		unlink(lock);
out:
	free(lock);
	free(path);
	return ret;
}

static int sync_head(struct sbx_gitdir_repo *r, const struct sbx_buf *inside,
		     const struct sbx_gitmod *m, int quiet)
{
	struct sbx_buf now = SBX_BUF_INIT;
	int ret = 0;

	if (!valid_head(inside, m)) {
		if (!quiet)
				sbx_warn("left HEAD of '%s' as it is: the sandbox's names neither a branch "
				 "nor a commit", r->host);
		return 0;
	}
	if (sbx_safe_read(r->host, "HEAD", MAX_SMALL, &now) < 0)
		return -1;
	if (!same(&now, &r->head)) {
		if (!quiet)
			sbx_warn("left HEAD of '%s' as it is: it changed on the host during the session "
				 "(the sandbox's: %.*s)", r->host, (int)strcspn(inside->buf, "\n"),
				 inside->buf);
	} else if (!(ret = write_locked(r->host, "HEAD", inside))) {
		sbx_buf_reset(&r->head);
		sbx_buf_add(&r->head, inside->buf, inside->len);
	}
	sbx_buf_release(&now);
	return ret;
}

static int sync_index(struct sbx_gitdir *g, struct sbx_gitdir_repo *r, const struct sbx_buf *inside,
		      const struct sbx_gitmod *m, int quiet)
{
	struct sbx_git_index_sync req;
	char *copy = sbx_path_join(g->scratch, "index.sandbox"), *host = sbx_path_join(r->host, "index");
	struct sbx_buf now = SBX_BUF_INIT;
	int ret;

	/* libgit2 reads a path: a copy the sandbox cannot reach, of the bytes checked here. */
	ret = sbx_write_file(copy, inside->buf, inside->len, 0600);
	memset(&req, 0, sizeof(req));
	req.sandbox_index = copy;
	req.host_index = host;
	req.workdir = r->workdir;
	req.commondir = r->common;
	req.expected = r->had_index ? r->index.buf : NULL;
	req.expected_len = r->had_index ? r->index.len : 0;
	req.quiet = quiet;
	if (!ret)
		ret = m->index_sync(&req);
	if (ret == 0) {
		/* What is on the host now is what the next sync compares against. */
		if (sbx_safe_read(r->host, "index", MAX_BIG, &now) < 0) {
			ret = -1;
		} else {
			sbx_buf_reset(&r->index);
			sbx_buf_add(&r->index, now.buf, now.len);
			r->had_index = 1;
		}
	}
	unlink(copy);
	sbx_buf_release(&now);
	free(copy);
	free(host);
	return ret < 0 ? -1 : 0;
}

int sbx_gitdir_sync(struct sbx_gitdir *g, int quiet)
{
	const struct sbx_gitmod *m = NULL;
	int ret = 0;

	for (size_t i = 0; i < g->nr_repos; i++) {
		struct sbx_gitdir_repo *r = &g->repos[i];
		struct sbx_buf head = SBX_BUF_INIT, index = SBX_BUF_INIT;
		int h = sbx_safe_read(r->private, "HEAD", MAX_SMALL, &head);
		int x = sbx_safe_read(r->private, "index", MAX_BIG, &index);
		int head_changed = !h && !same(&head, &r->head);
		int index_changed = !x && !(r->had_index && same(&index, &r->index));

		if (h < 0 || x < 0) {
			if (!quiet)
				sbx_warn("left HEAD and index of '%s' as they are: %s", r->host,
					 sbx_last_error());
			sbx_clear_error();
		} else if ((head_changed || index_changed) && !m && !(m = sbx_gitmod())) {
			ret = -1;
		} else {
			if (head_changed && sync_head(r, &head, m, quiet))
				ret = -1;
			if (index_changed && sync_index(g, r, &index, m, quiet))
				ret = -1;
		}
		sbx_buf_release(&head);
		sbx_buf_release(&index);
		if (ret)
			break;
	}
	return ret;
}

/* Following the sandbox while it runs. */

/* After the sandbox's git last wrote HEAD or index: long enough for a burst of commands to end. */
#define SETTLE_MS 150

#ifdef __linux__
/* Which files were written: only HEAD and index matter (their .lock is renamed onto them). */
static int touched_head_or_index(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int touched = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			if (e->len && (!strcmp(e->name, "HEAD") || !strcmp(e->name, "index")))
				touched = 1;
			p += sizeof(*e) + e->len;
		}
	}
	return touched;
}

static long on_event(void *data, int ready)
{
	struct sbx_gitdir *g = data;

	if (ready) {
		if (touched_head_or_index(g->watch.fd))
			g->watch_pending = 1;
		return g->watch_pending ? SETTLE_MS : -1;
	}
	g->watch_pending = 0;
	if (sbx_gitdir_sync(g, 1))
		sbx_clear_error();
	return -1;
}
#endif

void sbx_gitdir_watch(struct sbx_gitdir *g)
{
#ifdef __linux__
	int fd;

	if (!g->nr_repos || g->watch.fd >= 0)
		return;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return;
	for (size_t i = 0; i < g->nr_repos; i++)
		inotify_add_watch(fd, g->repos[i].private, IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR);
	g->watch.fd = fd;
	g->watch.on_event = on_event;
	g->watch.data = g;
#else
	(void)g;
#endif
}
