/* Worktrees: list, add, remove (the libgit2 half of `sbx wt`). */
#include "internal.h"
#include "buf.h"
#include "gitcheck.h"
#include "paths.h"
#include "safefile.h"
#include "strvec.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *oid_hex(const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	return sbx_strdup(git_oid_tostr(hex, sizeof(hex), id));
}

/* HEAD read unresolved, so that a branch without commits still has its name. */
static void read_head(git_repository *repo, struct sbx_git_worktree *w)
{
	git_reference *head = NULL;
	git_oid id;

	if (git_reference_lookup(&head, repo, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		const char *target = git_reference_symbolic_target(head);

		if (!strncmp(target, "refs/heads/", 11))
			w->branch = sbx_strdup(target + 11);
	}
	git_reference_free(head);
	if (git_reference_name_to_id(&id, repo, "HEAD") == 0)
		w->head = oid_hex(&id);
	git_error_clear();
}

/*
 * The HEAD of a worktree whose directory is gone, from its record in the
 * common directory (libgit2 would open the missing worktree to read it).
 */
static void read_record_head(git_repository *repo, const char *common,
			     struct sbx_git_worktree *w)
{
	struct sbx_buf head = SBX_BUF_INIT;
	char *record = sbx_asprintf("%s/worktrees/%s", common, w->name);
	git_oid id;

	/* A sandbox may have written it: no link followed, no FIFO blocked on. */
	if (sbx_safe_read(record, "HEAD", 4096, &head) == 0) {
		while (head.len && (head.buf[head.len - 1] == '\n' || head.buf[head.len - 1] == '\r'))
			sbx_buf_truncate(&head, head.len - 1);
		if (!strncmp(head.buf, "ref: refs/heads/", 16)) {
			w->branch = sbx_strdup(head.buf + 16);
			if (git_reference_name_to_id(&id, repo, head.buf + 5) == 0)
				w->head = oid_hex(&id);
		} else if (git_oid_fromstr(&id, head.buf) == 0) {
			w->head = oid_hex(&id);
		}
	}
	sbx_clear_error();
	git_error_clear();
	sbx_buf_release(&head);
	free(record);
}

static int stop_at_first(const char *path, unsigned int flags, void *payload)
{
	(void)path;
	(void)flags;
	*(int *)payload = 1;
	return 1;
}

/* Like `git status --porcelain` being non-empty: staged, unstaged or untracked. */
static int is_dirty(git_repository *repo)
{
	git_status_options o;
	int found = 0;

	git_status_options_init(&o, GIT_STATUS_OPTIONS_VERSION);
	o.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	o.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED;
	if (git_status_foreach_ext(repo, &o, stop_at_first, &found) < 0 && !found)
		found = -1;
	git_error_clear();
	return found;
}

/* Long enough for libgit2 to look at a large work tree; a FIFO never answers. */
#define DIRTY_MS 30000

/*
 * is_dirty, in a child of its own with DIRTY_MS to answer: libgit2 reads the
 * work tree's .gitignore and .gitattributes files by path, and the sandbox
 * writes them; one made a FIFO would hold sbx forever. 1, 0, or -1 when it
 * cannot tell (said once).
 */
static int is_dirty_bounded(git_repository *repo, const char *path)
{
	struct pollfd pf;
	int p[2], ret = -1, r;
	char answer = 0;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		int d = is_dirty(repo);

		close(p[0]);
		answer = d < 0 ? 'e' : d ? '1' : '0';
		_exit(write(p[1], &answer, 1) == 1 ? 0 : 1);
	}
	close(p[1]);
	pf = (struct pollfd){ p[0], POLLIN, 0 };
	while ((r = poll(&pf, 1, DIRTY_MS)) < 0 && errno == EINTR)
		;
	if (pid > 0 && r == 1 && read(p[0], &answer, 1) == 1)
		ret = answer == '1' ? 1 : answer == '0' ? 0 : -1;
	else if (pid > 0)
		sbx_warn("cannot tell whether '%s' has changes: looking took longer than %d s "
			 "(a FIFO where git reads a .gitignore?)", path, DIRTY_MS / 1000);
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	close(p[0]);
	return ret;
}

/* base: the branch's upstream, else the main worktree's branch (unless it is that branch). */
static void count(git_repository *repo, struct sbx_git_worktree *w,
		  const struct sbx_git_worktree *main_wt)
{
	git_reference *branch = NULL, *up = NULL;	/* branch: up resolved */
	git_oid local, base;
	size_t ahead, behind;

	if (!w->head || git_oid_fromstr(&local, w->head))
		return;
	if (w->branch && sbx_git_upstream(repo, w->branch, &up) == 0 &&
	    git_reference_resolve(&branch, up) == 0 && git_reference_target(branch)) {
		w->base = sbx_strdup(git_reference_shorthand(up));
		git_oid_cpy(&base, git_reference_target(branch));
	} else if (!w->main && main_wt->branch && main_wt->head &&
		   !(w->branch && !strcmp(w->branch, main_wt->branch)) &&
		   !git_oid_fromstr(&base, main_wt->head)) {
		w->base = sbx_strdup(main_wt->branch);
	}
	if (w->base && git_graph_ahead_behind(&ahead, &behind, repo, &local, &base) == 0) {
		w->ahead = (int)ahead;
		w->behind = (int)behind;
	}
	git_reference_free(up);
	git_reference_free(branch);
	git_error_clear();
}

static void describe(git_repository *repo, struct sbx_git_worktree *w, unsigned flags)
{
	read_head(repo, w);
	if ((flags & SBX_GIT_WT_STATUS) && !w->bare)
		w->dirty = is_dirty_bounded(repo, w->path);
}

/*
 * A linked worktree, from its record in common (resolved). libgit2 reads
 * the record only once sbx_git_check_worktree found it sound: it would
 * block on a FIFO there and take whatever directory the record names.
 */
static void fill_linked(git_repository *repo, const char *common, struct sbx_git_worktree *w,
			unsigned flags)
{
	git_worktree *wt = NULL;
	git_repository *wtrepo = NULL;
	char *locked = sbx_asprintf("%s/worktrees/%s/locked", common, w->name);
	struct stat st;
	int sound = sbx_git_check_worktree(common, w->name, NULL, &w->path);

	w->locked = lstat(locked, &st) == 0;
	free(locked);
	if (!w->path)
		w->path = sbx_asprintf("%s/worktrees/%s", common, w->name);
	if (sound) {
		w->broken = sound < 0;
		w->missing = sound > 0;
		if (sound < 0)
			w->problem = sbx_strdup(sbx_last_error());
		sbx_clear_error();
		read_record_head(repo, common, w);
		return;
	}
	if (git_worktree_lookup(&wt, repo, w->name) < 0) {
		sbx_git_fail("cannot read the worktree record '%s/worktrees/%s'", common, w->name);
		w->broken = 1;
		w->problem = sbx_strdup(sbx_last_error());
		sbx_clear_error();
		return;
	}
	if (git_worktree_validate(wt) < 0 || git_repository_open_from_worktree(&wtrepo, wt) < 0) {
		w->missing = 1;
		read_record_head(repo, common, w);
	} else {
		describe(wtrepo, w, flags);
	}
	git_error_clear();
	git_repository_free(wtrepo);
	git_worktree_free(wt);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct sbx_git_worktree *)a)->path,
		      ((const struct sbx_git_worktree *)b)->path);
}

/*
 * The names of the records in common/worktrees: all of them, where
 * git_worktree_list skips those whose files are not regular (a FIFO, a
 * dangling link), which are then shown broken rather than hidden.
 */
static int record_names(const char *common, struct sbx_strvec *names)
{
	int cfd = sbx_safe_open_dir(common), fd;
	DIR *d;
	struct dirent *e;

	if (cfd < 0)
		return -1;
	fd = sbx_safe_openat(cfd, "worktrees", O_RDONLY | O_DIRECTORY, 0);
	close(cfd);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return sbx_error_errno("cannot list '%s/worktrees'", common);
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			sbx_strvec_push(names, e->d_name);
	closedir(d);
	return 0;
}

int sbx_git_worktrees(const char *dir, unsigned flags, struct sbx_git_worktree **out,
		      size_t *nr)
{
	git_repository *repo = NULL, *main_repo = NULL;
	struct sbx_strvec names = SBX_STRVEC_INIT;
	struct sbx_git_worktree *w = NULL;
	char *common = NULL;
	size_t n = 0;
	int ret = -1;

	*out = NULL;
	*nr = 0;
	if (sbx_git_open(&repo, dir))
		return -1;
	common = realpath(git_repository_commondir(repo), NULL);
	if (!common) {
		sbx_error_errno("cannot resolve '%s'", git_repository_commondir(repo));
		goto out;
	}
	if (git_repository_open(&main_repo, git_repository_commondir(repo)) < 0) {
		sbx_git_fail("cannot open the main repository of '%s'", dir);
		goto out;
	}
	if (record_names(common, &names))
		goto out;
	w = sbx_calloc(names.nr + 1, sizeof(*w));
	w[0].main = 1;
	w[0].bare = git_repository_is_bare(main_repo);
	w[0].path = sbx_git_without_slash(w[0].bare ? git_repository_path(main_repo)
						    : git_repository_workdir(main_repo));
	for (size_t i = 0; i <= names.nr; i++) {
		w[i].ahead = w[i].behind = w[i].dirty = -1;
		if (i)
			w[i].name = sbx_strdup(names.v[i - 1]);
	}
	describe(main_repo, &w[0], flags);
	for (n = 1; n <= names.nr; n++)
		fill_linked(repo, common, &w[n], flags);
	qsort(w + 1, n - 1, sizeof(*w), by_path);
	if (flags & SBX_GIT_WT_COUNTS)
		for (size_t i = 0; i < n; i++)
			count(repo, &w[i], &w[0]);
	*out = w;
	*nr = n;
	w = NULL;
	ret = 0;
out:
	sbx_git_worktrees_free(w, names.nr + 1);
	free(common);
	sbx_strvec_clear(&names);
	git_repository_free(main_repo);
	git_repository_free(repo);
	return ret;
}

/* "feature/x" -> "feature-x", then "feature-x-2" ... until COMMONDIR/worktrees/ has none such. */
static char *admin_name(git_repository *repo, const char *branch)
{
	char *base = sbx_strdup(branch), *name = NULL;
	struct stat st;

	for (char *p = base; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || (*p == '.' && p > base)))
			*p = '-';
	for (int i = 1;; i++) {
		char *path;

		name = i == 1 ? sbx_strdup(base) : sbx_asprintf("%s-%d", base, i);
		path = sbx_asprintf("%sworktrees/%s", git_repository_commondir(repo), name);
		if (lstat(path, &st)) {
			free(path);
			break;
		}
		free(path);
		free(name);
	}
	free(base);
	return name;
}

/* Where branch is checked out; NULL when nowhere (a bare repository's HEAD is no checkout). */
static char *checked_out_at(const char *dir, const char *branch, int *err)
{
	struct sbx_git_worktree *w;
	size_t nr;
	char *where = NULL;

	*err = sbx_git_worktrees(dir, 0, &w, &nr);
	for (size_t i = 0; !*err && i < nr && !where; i++)
		if (!w[i].bare && w[i].branch && !strcmp(w[i].branch, branch))
			where = sbx_strdup(w[i].path);
	if (!*err)
		sbx_git_worktrees_free(w, nr);
	return where;
}

/* The branch to check out: the existing one, or a new one at base. */
static int get_branch(git_repository *repo, const char *dir, const char *branch,
		      const char *base, const char *path, git_reference **ref, int *created)
{
	git_commit *commit = NULL;
	struct stat st;
	git_oid id;
	char *where;
	int err = 0, exists = git_branch_lookup(ref, repo, branch, GIT_BRANCH_LOCAL) == 0;

	git_error_clear();
	where = exists ? checked_out_at(dir, branch, &err) : NULL;
	if (where) {
		sbx_error("branch '%s' is checked out at '%s' already: work there, or choose "
			  "another branch", branch, where);
		free(where);
		return -1;
	}
	if (exists && err)
		return -1;
	if (!lstat(path, &st))
		return sbx_error("'%s' exists already: remove it, or choose another place with "
				 "--path DIR", path);
	if (exists) {
		if (base) {
			sbx_error("branch '%s' exists already: drop --base to check it out as "
				  "it is, or choose another name", branch);
			return -2;
		}
		return 0;
	}
	if (!base && git_repository_head_unborn(repo) == 1)
		return sbx_error("HEAD has no commit yet: make a first commit or give --base REF");
	if (sbx_git_commit_id(repo, base ? base : "HEAD", &id))
		return base ? -2 : -1;
	if (git_commit_lookup(&commit, repo, &id) < 0)
		return sbx_git_fail("cannot read commit '%s'", base ? base : "HEAD");
	err = git_branch_create(ref, repo, branch, commit, 0);
	git_commit_free(commit);
	if (err < 0)
		return sbx_git_fail("cannot create branch '%s'", branch);
	*created = 1;
	return 0;
}

/*
 * Undoes a failed git_worktree_add: its record, and the directory at path
 * it made (which did not exist before), without following a link in it.
 */
static void forget(git_repository *repo, const char *name, const char *path)
{
	git_worktree *wt = NULL;
	git_worktree_prune_options o = GIT_WORKTREE_PRUNE_OPTIONS_INIT;
	char *why = sbx_strdup(sbx_last_error());	/* the failure to report */

	o.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_LOCKED;
	if (git_worktree_lookup(&wt, repo, name) == 0)
		git_worktree_prune(wt, &o);
	git_worktree_free(wt);
	git_error_clear();
	sbx_safe_remove_tree(path);
	sbx_error("%s", why);
	free(why);
}

int sbx_git_worktree_add(const char *dir, const char *branch, const char *base,
			 const char *path, int *created)
{
	git_repository *repo = NULL;
	git_reference *ref = NULL;
	git_worktree *wt = NULL;
	git_worktree_add_options opts;
	char *name = NULL, *parent = NULL;
	int valid = 0, ret = -1;

	*created = 0;
	sbx_git_init();
	git_worktree_add_options_init(&opts, GIT_WORKTREE_ADD_OPTIONS_VERSION);
	if (git_branch_name_is_valid(&valid, branch) < 0 || !valid || branch[0] == '-') {
		git_error_clear();
		sbx_error("'%s' is not a valid branch name", branch);
		return -2;
	}
	if (sbx_git_open(&repo, dir))
		return -1;
	ret = get_branch(repo, dir, branch, base, path, &ref, created);
	if (ret)
		goto out;
	ret = -1;
	name = admin_name(repo, branch);
	parent = sbx_strndup(path, (size_t)(strrchr(path, '/') - path));
	if (*parent && sbx_mkdir_p(parent, 0755))
		goto undo;
	opts.ref = ref;
	if (git_worktree_add(&wt, repo, name, path, &opts) < 0) {
		sbx_git_fail("cannot add a worktree at '%s'", path);
		forget(repo, name, path);
		goto undo;
	}
	ret = 0;
	goto out;
undo:
	if (*created && sbx_git_delete_branch(repo, ref, branch) == 0)
		*created = 0;
	git_error_clear();
out:
	free(name);
	free(parent);
	git_worktree_free(wt);
	git_reference_free(ref);
	git_repository_free(repo);
	return ret;
}
