/*
 * A worktree's work tree as a tree object, for `sbx wt diff` (internal.h).
 *
 * The work tree is what a sandbox writes, while it runs too, so it is never
 * handed to libgit2's work tree code, which opens paths and takes what is
 * at them: a directory swapped for a link after it was looked at leads out
 * of the tree, a FIFO blocks the open, a .gitignore that is a link is read
 * wherever it leads. Here every name is opened below its directory's
 * descriptor without following a link (lib/safefile.h); only regular files
 * are read, each and all of them boundedly; a link is its target, as git
 * stores it. The .gitignore and .gitattributes files are copied the same
 * way into a private directory that libgit2 then takes as the work tree:
 * ignore rules and attributes come from those copies and nothing else.
 *
 * What is written (blobs, trees) stays in an object database in memory: the
 * repository's own backends are left able to read only, so a diff writes
 * nothing to the shared object directory and touches nothing there (libgit2
 * "freshens" an object it would write again by setting its time, through
 * any link a sandbox put in objects/).
 */
#include "internal.h"
#include "buf.h"
#include "fsutil.h"
#include "paths.h"
#include "safefile.h"
#include "strvec.h"
#include "xalloc.h"

#include <git2/sys/filter.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One file read from the work tree; a larger one is taken as the index has it. */
#define FILE_MAX (64u << 20)
/* All files read together: past that the diff is refused rather than memory used up. */
#define TOTAL_MAX (512u << 20)
/* Deeper directories are not read (each level holds a descriptor while below it). */
#define DEPTH_MAX 200
/* A .gitignore or .gitattributes. */
#define RULES_MAX (1u << 20)
/* Files left out are named up to this many times, then counted. */
#define WARN_MAX 10

#ifdef __APPLE__
#define MTIME(st) ((st)->st_mtimespec)
#define CTIME(st) ((st)->st_ctimespec)
#else
#define MTIME(st) ((st)->st_mtim)
#define CTIME(st) ((st)->st_ctim)
#endif

struct sbx_git_snapshot {
	char *mirror;		/* the copies of .gitignore and .gitattributes */
};

struct walk {
	git_repository *repo;
	git_index *index;	/* the worktree's: what is tracked, and the stat data seen last */
	git_index *out;		/* what the work tree holds */
	unsigned char *seen;	/* per entry of index: found in the work tree */
	struct sbx_strvec unread;	/* directories not read ("a/b/"): their entries stay */
	struct sbx_buf path;	/* the name being looked at, relative to top */
	const char *top;
	const char *mirror;
	int filemode;		/* core.filemode: the executable bit counts */
	long long racy;		/* the index's mtime: entries as recent may hide a change */
	size_t total;		/* bytes read */
	unsigned warned;
};

static void left_out(struct walk *w, const char *fmt, ...) SBX_PRINTF(2, 3);
static void left_out(struct walk *w, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (w->warned++ >= WARN_MAX)
		return;
	va_start(ap, fmt);
	msg = sbx_vasprintf(fmt, ap);
	va_end(ap);
	sbx_warn("%s", msg);
	free(msg);
}

/*
 * The repository's object database writes to memory only: its backends on
 * disk may read, never write or freshen (repo is this snapshot's alone).
 */
static int memory_only(git_repository *repo)
{
	git_odb *odb = NULL;
	git_odb_backend *mem = NULL;
	int ret = -1;

	if (git_repository_odb(&odb, repo) < 0)
		return sbx_git_fail("cannot open the object database");
	for (size_t i = 0; i < git_odb_num_backends(odb); i++) {
		git_odb_backend *b;

		if (git_odb_get_backend(&b, odb, i) < 0)
			continue;
		b->write = NULL;
		b->writestream = NULL;
		b->writepack = NULL;
		b->writemidx = NULL;
		b->freshen = NULL;
	}
	/* Ahead of the others: writes go to the first backend that takes them. */
	if (git_mempack_new(&mem) < 0 || git_odb_add_backend(odb, mem, 1000) < 0) {
		if (mem)
			mem->free(mem);
		sbx_git_fail("cannot keep objects in memory");
		goto out;
	}
	ret = 0;
out:
	git_odb_free(odb);
	return ret;
}

/* A private directory of the user's, for the copies of the rules. */
static char *private_dir(void)
{
	char *run = sbx_runtime_dir(), *tmpl = NULL;

	if (!run || sbx_mkdir_private(run, 0700))
		goto fail;
	tmpl = sbx_asprintf("%s/wt-diff.XXXXXX", run);
	if (!mkdtemp(tmpl)) {
		sbx_error_errno("cannot make a directory in '%s'", run);
		goto fail;
	}
	free(run);
	return tmpl;
fail:
	free(run);
	free(tmpl);
	return NULL;
}

/* Copies the .gitignore and .gitattributes of the directory at w->path into the mirror. */
static void copy_rules(struct walk *w, int dirfd)
{
	static const char *const names[] = { ".gitignore", ".gitattributes" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct sbx_buf b = SBX_BUF_INIT;
		char *what = sbx_asprintf("%s/%s%s", w->top, w->path.buf, names[i]);
		char *dir = NULL, *file = NULL;
		int got = sbx_safe_read_at(dirfd, names[i], what, RULES_MAX, &b);

		/* As git since 2.32: a link is not followed, its rules do not apply. */
		if (got < 0) {
			sbx_warn("%s: its rules do not apply", sbx_last_error());
		} else if (got == 0) {
			dir = sbx_asprintf("%s/%s", w->mirror, w->path.buf);
			file = sbx_asprintf("%s%s", dir, names[i]);
			if (sbx_mkdir_p(dir, 0700) || sbx_write_file(file, b.buf, b.len, 0600))
				sbx_warn("%s: the rules of '%s' do not apply", sbx_last_error(), what);
		}
		sbx_clear_error();
		sbx_buf_release(&b);
		free(what);
		free(dir);
		free(file);
	}
}

static int ignored(struct walk *w, const char *rel)
{
	int ign = 0;

	if (git_ignore_path_is_ignored(&ign, w->repo, rel) < 0) {
		git_error_clear();
		return 0;
	}
	return ign;
}

/* Is rel in the index, at any stage? */
static int tracked(struct walk *w, const char *rel)
{
	size_t pos;
	int found = git_index_find(&pos, w->index, rel) == 0;

	git_error_clear();
	return found;
}

/* Has the index an entry below the directory prefix ("a/")? */
static int tracked_below(struct walk *w, const char *prefix)
{
	size_t pos;
	int found = git_index_find_prefix(&pos, w->index, prefix) == 0;

	git_error_clear();
	return found;
}

static void mark_seen(struct walk *w, const char *rel)
{
	size_t pos, n = git_index_entrycount(w->index);

	if (git_index_find(&pos, w->index, rel) < 0) {
		git_error_clear();
		return;
	}
	for (; pos < n && !strcmp(git_index_get_byindex(w->index, pos)->path, rel); pos++)
		w->seen[pos] = 1;
}

static void add(struct walk *w, const char *rel, unsigned mode, const git_oid *id, size_t size)
{
	git_index_entry e;

	memset(&e, 0, sizeof(e));
	e.path = rel;
	e.mode = mode;
	e.file_size = (uint32_t)size;
	git_oid_cpy(&e.id, id);
	/* libgit2 refuses names git never tracks (".git" by another spelling, ...). */
	if (git_index_add(w->out, &e) < 0)
		left_out(w, "'%s/%s' cannot be in a git tree: left out", w->top, rel);
	git_error_clear();
	mark_seen(w, rel);
}

/* The index's entry, as it is: what the work tree could not tell better. */
static void keep(struct walk *w, const git_index_entry *e)
{
	add(w, e->path, e->mode, &e->id, e->file_size);
}

static int unchanged(const struct walk *w, const git_index_entry *e, const struct stat *st)
{
	if (e->mode != GIT_FILEMODE_BLOB && e->mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return 0;
	if (w->filemode && (e->mode == GIT_FILEMODE_BLOB_EXECUTABLE) != !!(st->st_mode & S_IXUSR))
		return 0;
	/* As git: a file changed in the second the index was written may look the same. */
	return e->file_size == (uint32_t)st->st_size && e->ino == (uint32_t)st->st_ino &&
	       e->mtime.seconds == (int32_t)MTIME(st).tv_sec &&
	       e->mtime.nanoseconds == (uint32_t)MTIME(st).tv_nsec &&
	       e->ctime.seconds == (int32_t)CTIME(st).tv_sec &&
	       e->ctime.nanoseconds == (uint32_t)CTIME(st).tv_nsec &&
	       (long long)e->mtime.seconds < w->racy;
}

/*
 * The blob of a file's bytes as git would store them: through libgit2's own
 * end-of-line and ident filters where the attributes ask for them, never a
 * filter driver (were any registered, the bytes are taken as they are).
 */
static int blob_of(struct walk *w, const char *rel, const struct sbx_buf *b, git_oid *id)
{
	git_filter_list *fl = NULL;
	git_buf out = GIT_BUF_INIT;
	int err;

	if (git_filter_list_load(&fl, w->repo, NULL, rel, GIT_FILTER_TO_ODB, GIT_FILTER_DEFAULT) == 0 &&
	    fl && git_filter_list_length(fl) == (size_t)(git_filter_list_contains(fl, "crlf") +
							 git_filter_list_contains(fl, "ident")) &&
	    git_filter_list_apply_to_buffer(&out, fl, b->buf, b->len) == 0)
		err = git_blob_create_from_buffer(id, w->repo, out.ptr, out.size);
	else
		err = git_blob_create_from_buffer(id, w->repo, b->buf, b->len);
	git_buf_dispose(&out);
	git_filter_list_free(fl);
	if (err < 0)
		return sbx_git_fail("cannot hash '%s/%s'", w->top, rel);
	git_error_clear();
	return 0;
}

static int add_link(struct walk *w, int dirfd, const char *name, const git_index_entry *e)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target));
	git_oid id;

	if (n < 0 || (size_t)n >= sizeof(target)) {
		/* Changed meanwhile (no link any more), or a target no path can have. */
		if (e)
			keep(w, e);
		return 0;
	}
	if (git_blob_create_from_buffer(&id, w->repo, target, (size_t)n) < 0)
		return sbx_git_fail("cannot hash '%s/%s'", w->top, w->path.buf);
	add(w, w->path.buf, GIT_FILEMODE_LINK, &id, (size_t)n);
	return 0;
}

static int add_file(struct walk *w, int dirfd, const char *name, const struct stat *st,
		    const git_index_entry *e)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *what;
	unsigned mode;
	git_oid id;
	int fd, ret = 0;

	if (e && unchanged(w, e, st)) {
		keep(w, e);
		return 0;
	}
	what = sbx_asprintf("%s/%s", w->top, w->path.buf);
	if ((unsigned long long)st->st_size > FILE_MAX) {
		left_out(w, "'%s' is larger than %u MiB: %s", what, FILE_MAX >> 20,
			 e ? "taken as staged" : "left out");
		goto keep;
	}
	/* Before reading, by its size; after, by what was read (it may have grown). */
	if (w->total + (unsigned long long)st->st_size > TOTAL_MAX)
		goto too_much;
	fd = sbx_safe_openat(dirfd, name, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0) {
		left_out(w, "cannot read '%s': %s; %s", what,
			 errno == ELOOP ? "it became a symbolic link" : strerror(errno),
			 e ? "taken as staged" : "left out");
		goto keep;
	}
	ret = sbx_safe_read_fd(fd, what, FILE_MAX, &b);
	close(fd);
	if (ret) {
		left_out(w, "%s; %s", sbx_last_error(), e ? "taken as staged" : "left out");
		sbx_clear_error();
		ret = 0;
		goto keep;
	}
	w->total += b.len;
	if (w->total > TOTAL_MAX)
		goto too_much;
	ret = blob_of(w, w->path.buf, &b, &id);
	if (ret)
		goto out;
	if (w->filemode)
		mode = st->st_mode & S_IXUSR ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
	else
		mode = e && e->mode == GIT_FILEMODE_BLOB_EXECUTABLE ? GIT_FILEMODE_BLOB_EXECUTABLE
								     : GIT_FILEMODE_BLOB;
	add(w, w->path.buf, mode, &id, b.len);
	goto out;
too_much:
	ret = sbx_error("the work tree '%s' has more than %u MiB of changed and untracked files, "
			"more than sbx wt diff reads: commit some (sbx wt diff then reads less)",
			w->top, TOTAL_MAX >> 20);
	goto out;
keep:
	if (e)
		keep(w, e);
out:
	sbx_buf_release(&b);
	free(what);
	return ret;
}

static int walk_dir(struct walk *w, int dirfd, int depth);

static int walk_subdir(struct walk *w, int dirfd, const char *name, const git_index_entry *e,
		       int depth)
{
	struct stat st;
	int fd, ret, below;

	/* A submodule: as staged (its own repository is not read). */
	if (e && e->mode == GIT_FILEMODE_COMMIT) {
		keep(w, e);
		return 0;
	}
	sbx_buf_addch(&w->path, '/');
	below = tracked_below(w, w->path.buf);
	if (!below && ignored(w, w->path.buf))
		return 0;
	if (depth >= DEPTH_MAX) {
		left_out(w, "'%s/%s' is more than %d directories deep: not read", w->top,
			 w->path.buf, DEPTH_MAX);
		sbx_strvec_push(&w->unread, w->path.buf);
		return 0;
	}
	fd = sbx_safe_openat(dirfd, name, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		left_out(w, "cannot read '%s/%s': %s; what git tracks there is taken as staged",
			 w->top, w->path.buf,
			 errno == ELOOP ? "it became a symbolic link" : strerror(errno));
		sbx_strvec_push(&w->unread, w->path.buf);
		return 0;
	}
	/* Another repository (not a submodule of this one): git shows no file of it either. */
	if (!below && fstatat(fd, ".git", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		close(fd);
		return 0;
	}
	ret = walk_dir(w, fd, depth + 1);
	close(fd);
	return ret;
}

static int walk_entry(struct walk *w, int dirfd, const char *name, int depth)
{
	const git_index_entry *e;
	struct stat st;

	/* The worktree's own .git file, or another repository's: git never tracks one. */
	if (!strcmp(name, ".git"))
		return 0;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return 0;	/* gone meanwhile */
	e = git_index_get_bypath(w->index, w->path.buf, 0);
	git_error_clear();
	if (S_ISDIR(st.st_mode))
		return walk_subdir(w, dirfd, name, e, depth);
	if (!e && !tracked(w, w->path.buf) && ignored(w, w->path.buf))
		return 0;
	if (S_ISLNK(st.st_mode))
		return add_link(w, dirfd, name, e);
	if (S_ISREG(st.st_mode))
		return add_file(w, dirfd, name, &st, e);
	/* A FIFO, socket or device: nothing git could hold. */
	return 0;
}

static int list_names(struct walk *w, int dirfd, struct sbx_strvec *names)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		left_out(w, "cannot list '%s/%s': %s; what git tracks there is taken as staged",
			 w->top, w->path.buf, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			sbx_strvec_push(names, de->d_name);
	closedir(d);
	return 0;
}

static int walk_dir(struct walk *w, int dirfd, int depth)
{
	struct sbx_strvec names = SBX_STRVEC_INIT;
	size_t base = w->path.len;
	int ret = 0;

	copy_rules(w, dirfd);
	if (list_names(w, dirfd, &names)) {
		sbx_strvec_push(&w->unread, w->path.buf);
		return 0;
	}
	for (size_t i = 0; i < names.nr && !ret; i++) {
		sbx_buf_truncate(&w->path, base);
		sbx_buf_adds(&w->path, names.v[i]);
		ret = walk_entry(w, dirfd, names.v[i], depth);
	}
	sbx_buf_truncate(&w->path, base);
	sbx_strvec_clear(&names);
	return ret;
}

static int below_unread(const struct walk *w, const char *path)
{
	for (size_t i = 0; i < w->unread.nr; i++)
		if (!strncmp(path, w->unread.v[i], strlen(w->unread.v[i])))
			return 1;
	return 0;
}

/* What the walk did not find: gone, but for what it could not look at. */
static void finish(struct walk *w)
{
	size_t n = git_index_entrycount(w->index);

	for (size_t i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(w->index, i);

		if (w->seen[i] || git_index_entry_stage(e) != 0)
			continue;
		/* A submodule not checked out, or a file a sparse checkout leaves out. */
		if (e->mode == GIT_FILEMODE_COMMIT ||
		    (e->flags_extended & GIT_INDEX_ENTRY_SKIP_WORKTREE) || below_unread(w, e->path))
			keep(w, e);
	}
}

static void config_bool(git_repository *repo, const char *key, int *value)
{
	git_config *cfg = NULL;

	if (git_repository_config_snapshot(&cfg, repo) == 0)
		git_config_get_bool(value, cfg, key);
	git_config_free(cfg);
	git_error_clear();
}

int sbx_git_snapshot(git_repository *repo, const char *name, const char *top, git_oid *tree,
		     struct sbx_git_snapshot **out)
{
	struct sbx_git_snapshot *s = sbx_calloc(1, sizeof(*s));
	struct walk w;
	struct stat st;
	char *index_path;
	int topfd = -1, ret = -1;

	memset(&w, 0, sizeof(w));
	sbx_strvec_init(&w.unread);
	sbx_buf_init(&w.path);
	*out = s;
	w.repo = repo;
	w.top = top;
	w.filemode = 1;
	index_path = sbx_asprintf("%sworktrees/%s/index", git_repository_commondir(repo), name);
	if (memory_only(repo) || !(s->mirror = private_dir()))
		goto out;
	w.mirror = s->mirror;
	/* From here on libgit2's work tree is the mirror: it reads nothing of the real one. */
	if (git_repository_set_workdir(repo, s->mirror, 0) < 0) {
		sbx_git_fail("cannot use '%s'", s->mirror);
		goto out;
	}
	/* The host's copy of the worktree's index, which the sandbox never writes. */
	if (git_index_open(&w.index, index_path) < 0 || git_index_new(&w.out) < 0) {
		sbx_git_fail("cannot read the index '%s'", index_path);
		goto out;
	}
	w.racy = stat(index_path, &st) == 0 ? (long long)MTIME(&st).tv_sec : 0;
	config_bool(repo, "core.filemode", &w.filemode);
	w.seen = sbx_calloc(git_index_entrycount(w.index) + 1, 1);
	topfd = sbx_safe_open_dir(top);
	if (topfd < 0 || walk_dir(&w, topfd, 0))
		goto out;
	finish(&w);
	if (w.warned > WARN_MAX)
		sbx_warn("%u more files of '%s' were left out or taken as staged", w.warned - WARN_MAX,
			 top);
	if (git_index_write_tree_to(tree, w.out, repo) < 0) {
		sbx_git_fail("cannot make a tree of '%s'", top);
		goto out;
	}
	ret = 0;
out:
	if (topfd >= 0)
		close(topfd);
	git_index_free(w.index);
	git_index_free(w.out);
	free(w.seen);
	free(index_path);
	sbx_strvec_clear(&w.unread);
	sbx_buf_release(&w.path);
	return ret;
}

void sbx_git_snapshot_done(struct sbx_git_snapshot *s)
{
	if (!s)
		return;
	if (s->mirror && sbx_safe_remove_tree(s->mirror))
		sbx_clear_error();
	free(s->mirror);
	free(s);
}
