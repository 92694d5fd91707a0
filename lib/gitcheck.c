/*
 * Trust in a repository's layout from its own files, read without following
 * a link or blocking (gitcheck.h).
 */
#include "gitcheck.h"
#include "buf.h"
#include "error.h"
#include "safefile.h"
#include "worktree.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* A .git file, commondir or gitdir: one path and a newline. */
#define LINK_MAX_BYTES (2 * PATH_MAX)
/* A repository's config; git's own are a few hundred bytes. */
#define CONFIG_MAX_BYTES (1 << 20)

/* dir/rel with trailing white space dropped; NULL with *missing set, or with a message. */
static char *read_link_file(const char *dir, const char *rel, int *missing)
{
	struct sbx_buf b = SBX_BUF_INIT;
	int r = sbx_safe_read(dir, rel, LINK_MAX_BYTES, &b);

	*missing = r == 1;
	if (r) {
		sbx_buf_release(&b);
		return NULL;
	}
	if (memchr(b.buf, '\0', b.len)) {
		sbx_error("cannot read '%s/%s': it holds a NUL byte", dir, rel);
		sbx_buf_release(&b);
		return NULL;
	}
	while (b.len && isspace((unsigned char)b.buf[b.len - 1]))
		sbx_buf_truncate(&b, b.len - 1);
	return sbx_buf_detach(&b);
}

/* path resolved, relative ones against base; NULL when it does not exist. */
static char *resolve(const char *base, const char *path)
{
	char *joined = path[0] == '/' ? sbx_strdup(path) : sbx_asprintf("%s/%s", base, path);
	char *real = realpath(joined, NULL);

	free(joined);
	return real;
}

/* Are a and b the same file (b relative to base when it is relative)? Links followed. */
static int same_file(const char *a, const char *base, const char *b)
{
	char *joined = b[0] == '/' || !base ? sbx_strdup(b) : sbx_asprintf("%s/%s", base, b);
	struct stat sa, sb;
	int same = !stat(a, &sa) && !stat(joined, &sb) && sa.st_dev == sb.st_dev &&
		   sa.st_ino == sb.st_ino;

	free(joined);
	return same;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash != path ? sbx_strndup(path, (size_t)(slash - path)) : sbx_strdup("/");
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Is path dir itself or below it? */
static int at_or_under(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	if (!strcmp(dir, "/"))
		return 1;
	return !strncmp(path, dir, len) && (!path[len] || path[len] == '/');
}

static int is_type(const char *dir, const char *name, mode_t type)
{
	struct stat st;
	char *path = sbx_asprintf("%s/%s", dir, name);
	int found = !stat(path, &st) && (st.st_mode & S_IFMT) == type;

	free(path);
	return found;
}

static int exists(const char *dir, const char *name)
{
	struct stat st;
	char *path = sbx_asprintf("%s/%s", dir, name);
	int found = !lstat(path, &st);

	free(path);
	return found;
}

/* libgit2's is_valid_repository_path: HEAD in the git directory, objects and refs in common. */
static int valid_repository(const char *gitdir, const char *common)
{
	return is_type(gitdir, "HEAD", S_IFREG) && is_type(common, "objects", S_IFDIR) &&
	       is_type(common, "refs", S_IFDIR);
}

static int true_value(const char *v)
{
	return !*v || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
	       (isdigit((unsigned char)*v) && strtol(v, NULL, 10) != 0);
}

/* What a repository may set in [extensions] for sbx to work in it; -1 with a message. */
static int check_extension(const char *file, const char *key, const char *value)
{
	if (!strcasecmp(key, "worktreeConfig") && true_value(value))
		return sbx_error("'%s' sets extensions.worktreeConfig, which sbx's libgit2 cannot "
				 "handle (it would miss each worktree's config): unset it if no "
				 "worktree needs its own config (git config --unset "
				 "extensions.worktreeConfig)", file);
	if (!strcasecmp(key, "refStorage") && strcasecmp(value, "files"))
		return sbx_error("'%s' sets extensions.refStorage to '%s', which sbx's libgit2 "
				 "cannot handle: convert the refs to files (git refs migrate "
				 "--ref-format=files)", file, value);
	if (!strcasecmp(key, "objectFormat") && strcasecmp(value, "sha1"))
		return sbx_error("'%s' sets extensions.objectFormat to '%s', which sbx's libgit2 "
				 "cannot handle: sbx cannot work in this repository", file, value);
	return 0;
}

/*
 * The [extensions] of common/config, read as git reads them: from that file
 * alone, never through its includes. A line this reader does not take apart
 * is skipped: libgit2 refuses a format version 1 repository whose extension
 * it does not know anyway, this only gives the reason.
 */
static int check_extensions(const char *common, struct sbx_buf *text)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *file = sbx_asprintf("%s/config", common), *save = NULL, *line;
	int ret = sbx_safe_read(common, "config", CONFIG_MAX_BYTES, text), in_ext = 0;

	if (ret) {
		ret = ret < 0 ? -1 : 0;
		goto out;
	}
	sbx_buf_add(&b, text->buf, text->len);
	for (line = strtok_r(b.buf, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save)) {
		char *key, *value, *end;

		while (isspace((unsigned char)*line))
			line++;
		if (*line == '[') {
			char *close = strchr(line, ']');

			if (!close)
				continue;
			*close = '\0';
			for (key = line + 1; isspace((unsigned char)*key); key++)
				;
			for (end = key + strlen(key); end > key && isspace((unsigned char)end[-1]);)
				*--end = '\0';
			in_ext = !strcasecmp(key, "extensions");
			/* git takes a key on the section's line too. */
			for (line = close + 1; isspace((unsigned char)*line); line++)
				;
		}
		if (!in_ext || !isalpha((unsigned char)*line))
			continue;
		key = line;
		for (end = key; isalnum((unsigned char)*end) || *end == '-'; end++)
			;
		value = end + strspn(end, " \t");
		/* A key alone is true; its value is then the empty string at end. */
		value = *value == '=' ? value + 1 : end;
		*end = '\0';
		value += strspn(value, " \t");
		if (*value == '"') {
			value++;
			value[strcspn(value, "\"")] = '\0';
		} else {
			value[strcspn(value, "#;")] = '\0';
		}
		for (end = value + strlen(value); end > value && isspace((unsigned char)end[-1]);)
			*--end = '\0';
		ret = check_extension(file, key, value);
	}
out:
	sbx_buf_release(&b);
	free(file);
	return ret;
}

/*
 * A git directory found other than as a linked worktree's record: git
 * writes neither commondir nor gitdir there, and both would redirect git or
 * libgit2 to what they name.
 */
static int check_plain_gitdir(const char *gitdir)
{
	if (exists(gitdir, "commondir"))
		return sbx_error("'%s/commondir' points git at another repository's objects and "
				 "refs, and git writes one only in a linked worktree's record "
				 "(.git/worktrees/NAME): remove it (rm '%s/commondir')", gitdir, gitdir);
	if (exists(gitdir, "gitdir"))
		return sbx_error("'%s/gitdir' names a work tree for libgit2, and git writes one only "
				 "in a linked worktree's record (.git/worktrees/NAME): remove it "
				 "(rm '%s/gitdir')", gitdir, gitdir);
	return 0;
}

/* sbx_git_check_worktree; named: the caller read top/.git and it names the record. */
static int check_record(const char *commondir, const char *name, const char *top, int named_back,
			char **top_out)
{
	char *record = sbx_asprintf("%s/worktrees/%s", commondir, name);
	char *common_link = NULL, *gitdir_link = NULL, *wt = NULL, *real = NULL;
	char *dotgit = NULL, *named = NULL;
	struct stat st;
	int missing, ret = -1;

	if (top_out)
		*top_out = NULL;
	if (lstat(record, &st) || !S_ISDIR(st.st_mode)) {
		sbx_error("'%s' is not a worktree's record (a directory): remove it (rm '%s')",
			  record, record);
		goto out;
	}
	common_link = read_link_file(record, "commondir", &missing);
	if (!common_link) {
		if (missing)
			sbx_error("'%s/commondir' is missing: '%s' is not a worktree's record",
				  record, record);
		goto out;
	}
	if (!same_file(commondir, record, common_link)) {
		sbx_error("'%s/commondir' names '%s', not the repository '%s' it is in: repair "
			  "it (echo ../.. >'%s/commondir')", record, common_link, commondir, record);
		goto out;
	}
	gitdir_link = read_link_file(record, "gitdir", &missing);
	if (!gitdir_link) {
		if (missing)
			sbx_error("'%s/gitdir' is missing: '%s' is not a worktree's record",
				  record, record);
		goto out;
	}
	/* git writes an absolute path; with worktree.useRelativePaths one relative to the record. */
	wt = gitdir_link[0] == '/' ? sbx_path_normalize("/", gitdir_link) :
				    sbx_path_normalize(record, gitdir_link);
	if (strcmp(base_of(wt), ".git") || !strcmp(wt, "/.git")) {
		sbx_error("'%s/gitdir' names '%s', which is no worktree's .git file: remove the "
			  "record (rm -r '%s')", record, gitdir_link, record);
		goto out;
	}
	wt[strlen(wt) - 5] = '\0';
	if (!*wt)
		strcpy(wt, "/");
	if (top_out)
		*top_out = sbx_strdup(wt);
	if (top && strcmp(top, wt) && !same_file(top, NULL, wt)) {
		sbx_error("'%s/gitdir' points at '%s', not at '%s/.git' which names the record: "
			  "repair it (git -C '%s' worktree repair)", record, gitdir_link, top, top);
		goto out;
	}
	if (top) {
		/* The same directory, by the name sbx resolved. */
		free(wt);
		wt = sbx_strdup(top);
	}
	if (lstat(wt, &st)) {
		if (errno == ENOENT)
			ret = 1;
		else
			sbx_error_errno("cannot read '%s'", wt);
		goto out;
	}
	/* What is listed and removed is reached without a link (top is resolved already). */
	real = top ? NULL : realpath(wt, NULL);
	if ((!top && (!real || strcmp(real, wt))) || !S_ISDIR(st.st_mode)) {
		sbx_error("'%s/gitdir' names '%s', which is not a directory reached without a "
			  "symbolic link: remove the record (rm -r '%s')", record, gitdir_link, record);
		goto out;
	}
	if (at_or_under(commondir, wt)) {
		sbx_error("'%s/gitdir' points at '%s', which holds the repository '%s' and is "
			  "never a linked worktree: remove the record (rm -r '%s')", record, wt,
			  commondir, record);
		goto out;
	}
	if (at_or_under(wt, commondir)) {
		sbx_error("'%s/gitdir' points into the git directory '%s', never a linked "
			  "worktree: remove the record (rm -r '%s')", record, commondir, record);
		goto out;
	}
	if (named_back) {
		ret = 0;
		goto out;
	}
	dotgit = sbx_asprintf("%s/.git", strcmp(wt, "/") ? wt : "");
	if (lstat(dotgit, &st) == 0 && S_ISDIR(st.st_mode)) {
		sbx_error("'%s/gitdir' points at '%s', a checkout of its own (its .git is a "
			  "directory), never a linked worktree: remove the record (rm -r '%s')",
			  record, wt, record);
		goto out;
	}
	named = read_link_file(wt, ".git", &missing);
	if (!named) {
		if (missing)
			sbx_error("'%s/gitdir' points at '%s', which has no .git file: remove the "
				  "record (rm -r '%s')", record, wt, record);
		goto out;
	}
	if (strncmp(named, "gitdir:", 7) ||
	    !same_file(record, wt, named + 7 + strspn(named + 7, " \t"))) {
		sbx_error("'%s/gitdir' points at '%s', whose .git file does not name the record "
			  "back: repair it (git -C '%s' worktree repair) or remove the record "
			  "(rm -r '%s')", record, wt, wt, record);
		goto out;
	}
	ret = 0;
out:
	free(record);
	free(common_link);
	free(gitdir_link);
	free(wt);
	free(real);
	free(dotgit);
	free(named);
	return ret;
}

int sbx_git_check_worktree(const char *commondir, const char *name, const char *top,
			   char **top_out)
{
	return check_record(commondir, name, top, 0, top_out);
}

static int find_files(const char *start, struct sbx_git_files *out);

/* The checks of a .git file at top naming gitdir (resolved). */
static int check_dotgit_file(const char *top, const char *gitdir, struct sbx_git_files *out)
{
	struct sbx_git_files super = { .config = SBX_BUF_INIT };
	char *parent = NULL, *inner = NULL, *outer = NULL;
	int ret = -1;

	if (exists(gitdir, "commondir")) {
		char *worktrees = dir_of(gitdir);
		int record = !strcmp(base_of(worktrees), "worktrees");

		/* Only a linked worktree's record, COMMON/worktrees/NAME, has one. */
		if (record) {
			out->kind = SBX_GIT_LINKED;
			out->commondir = dir_of(worktrees);
		}
		free(worktrees);
		if (!record)
			return check_plain_gitdir(gitdir);
		/* top/.git names the record: it was just read. */
		ret = check_record(out->commondir, base_of(gitdir), top, 1, NULL);
		if (ret == 1)
			ret = sbx_error("'%s' is gone while being checked", top);
		return ret;
	}
	if (check_plain_gitdir(gitdir))
		return -1;
	out->commondir = sbx_strdup(gitdir);
	inner = sbx_asprintf("%s/", top);
	if (!strncmp(gitdir, inner, strlen(inner))) {
		out->kind = SBX_GIT_INSIDE;
		ret = 0;
		goto out;
	}
	/*
	 * A submodule's: in the git directory of the repository around top, under
	 * modules/ (whatever extensions that one has: they are not this one's).
	 */
	parent = dir_of(top);
	if (strcmp(top, "/") && find_files(parent, &super))
		goto out;
	if (super.kind != SBX_GIT_NONE) {
		free(inner);
		inner = sbx_asprintf("%s/modules/", super.gitdir);
		outer = sbx_asprintf("%s/modules/", super.commondir);
		if (!strncmp(gitdir, inner, strlen(inner)) || !strncmp(gitdir, outer, strlen(outer))) {
			out->kind = SBX_GIT_SUBMODULE;
			ret = 0;
			goto out;
		}
	}
	sbx_error("'%s/.git' names '%s', which is neither inside '%s' nor a linked worktree's "
		  "record nor a submodule's git directory: move that git directory here "
		  "(rm '%s/.git' && mv '%s' '%s/.git')", top, gitdir, top, top, gitdir, top);
out:
	sbx_git_files_release(&super);
	free(parent);
	free(inner);
	free(outer);
	return ret;
}

/* top/.git exists: 0 with out filled, 1 when it is no repository (libgit2 looks on), -1. */
static int from_dotgit(const char *top, const struct stat *st, struct sbx_git_files *out)
{
	char *dotgit = sbx_asprintf("%s/.git", strcmp(top, "/") ? top : ""), *content = NULL;
	char *gitdir = NULL;
	int missing, ret = -1;

	if (S_ISLNK(st->st_mode)) {
		sbx_error("'%s' is a symbolic link, which sbx does not follow (a sandbox could "
			  "have made it): replace it with the git directory it points to", dotgit);
	} else if (S_ISDIR(st->st_mode)) {
		/*
		 * libgit2 looks further up when a .git directory is no repository
		 * (nor one through a commondir, which is refused).
		 */
		ret = 1;
		if (is_type(dotgit, "HEAD", S_IFREG)) {
			ret = check_plain_gitdir(dotgit);
			if (!ret && !valid_repository(dotgit, dotgit))
				ret = 1;
			out->kind = SBX_GIT_MAIN;
			out->gitdir = sbx_strdup(dotgit);
			out->commondir = sbx_strdup(dotgit);
		}
	} else if (!S_ISREG(st->st_mode)) {
		sbx_error("'%s' is neither a git directory nor a .git file: remove it", dotgit);
	} else if (!(content = read_link_file(top, ".git", &missing))) {
		if (missing)
			sbx_error("'%s' is gone while being checked", dotgit);
	} else if (strncmp(content, "gitdir:", 7)) {
		sbx_error("'%s' is not a .git file ('gitdir: PATH'): remove it", dotgit);
	} else {
		/* libgit2 stops at a .git file: one naming no repository means none. */
		gitdir = resolve(top, content + 7 + strspn(content + 7, " \t"));
		if (!gitdir) {
			sbx_error("'%s' names '%s', which does not exist: remove it", dotgit,
				  content + 7 + strspn(content + 7, " \t"));
		} else if (!is_type(gitdir, "HEAD", S_IFREG)) {
			out->kind = SBX_GIT_NONE;
			ret = 0;
		} else {
			out->gitdir = sbx_strdup(gitdir);
			ret = check_dotgit_file(top, gitdir, out);
		}
	}
	if (ret == 0 && out->kind != SBX_GIT_NONE)
		out->top = sbx_strdup(top);
	free(dotgit);
	free(content);
	free(gitdir);
	return ret;
}

/* The start is in the git directory dir (it has HEAD): 0, or -1. */
static int from_gitdir(const char *dir, struct sbx_git_files *out)
{
	char *parent = dir_of(dir);
	int record = !strcmp(base_of(parent), "worktrees") && exists(dir, "commondir");

	free(parent);
	if (record)
		return sbx_error("'%s' is a linked worktree's record: run sbx in the worktree "
				 "itself", dir);
	if (check_plain_gitdir(dir))
		return -1;
	out->kind = SBX_GIT_IN_GITDIR;
	out->gitdir = sbx_strdup(dir);
	out->commondir = sbx_strdup(dir);
	return 0;
}

/* sbx_git_check_files but for the extensions: the layout alone. */
static int find_files(const char *start, struct sbx_git_files *out)
{
	char *dir = sbx_strdup(start);
	dev_t device = 0;
	int ret = 1, first = 1, have_device = 0;
	struct stat st;

	memset(out, 0, sizeof(*out));
	sbx_buf_init(&out->config);
	/* libgit2 looks at DIR/.git, then DIR, for each DIR up to "/" (only from "/" at "/"). */
	while (ret == 1 && (first || strcmp(dir, "/"))) {
		char *dotgit = sbx_asprintf("%s/.git", strcmp(dir, "/") ? dir : ""), *slash;
		int boundary = 0;

		first = 0;
		/* It stops at another file system than the first path it found (stat follows links). */
		if (stat(dotgit, &st) == 0) {
			boundary = have_device && st.st_dev != device;
			device = st.st_dev;
			have_device = 1;
		}
		if (!boundary && lstat(dotgit, &st) == 0)
			ret = from_dotgit(dir, &st, out);
		if (!boundary && ret == 1 && stat(dir, &st) == 0) {
			boundary = have_device && st.st_dev != device;
			device = st.st_dev;
			have_device = 1;
			/* A commondir makes libgit2 look for objects and refs elsewhere. */
			if (!boundary && is_type(dir, "HEAD", S_IFREG) &&
			    (exists(dir, "commondir") || valid_repository(dir, dir)))
				ret = from_gitdir(dir, out);
		}
		free(dotgit);
		if (boundary)
			break;
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		slash[slash == dir] = '\0';
	}
	free(dir);
	/* Found as libgit2 finds them, but no repository it opens: nothing to mount. */
	if (!ret && out->kind != SBX_GIT_NONE && out->kind != SBX_GIT_MAIN &&
	    !valid_repository(out->gitdir, out->commondir))
		ret = 1;
	if (ret) {
		sbx_git_files_release(out);
		return ret == 1 ? 0 : -1;
	}
	return 0;
}

int sbx_git_check_files(const char *start, struct sbx_git_files *out)
{
	if (find_files(start, out))
		return -1;
	if (out->kind != SBX_GIT_NONE && check_extensions(out->commondir, &out->config)) {
		sbx_git_files_release(out);
		return -1;
	}
	return 0;
}

int sbx_git_check_answer(const struct sbx_git_files *f, const struct sbx_project *p)
{
	const char *what = NULL, *found = NULL, *want = NULL;

	if (!p->in_git)
		return 0;
	if (f->kind == SBX_GIT_NONE)
		return sbx_error("libgit2 finds the git directory '%s' for '%s', where sbx finds "
				 "none it can check: run sbx where git's own files are", p->git_dir,
				 p->dir);
	if (strcmp(p->git_dir, f->gitdir)) {
		what = "git directory";
		found = p->git_dir;
		want = f->gitdir;
	} else if (strcmp(p->common_dir, f->commondir)) {
		what = "common directory";
		found = p->common_dir;
		want = f->commondir;
	} else if (p->is_worktree != (f->kind == SBX_GIT_LINKED)) {
		return sbx_error("libgit2 %s '%s' a linked worktree, its files %s: repair it "
				 "(git worktree repair)", p->is_worktree ? "takes" : "does not take",
				 f->gitdir, p->is_worktree ? "do not" : "do");
	}
	if (what)
		return sbx_error("libgit2 finds the %s '%s' where its files name '%s': run sbx "
				 "where git's own files agree", what, found, want);
	/* A .git file's work tree is where it is; only core.worktree would move it. */
	if (f->kind != SBX_GIT_MAIN && f->kind != SBX_GIT_IN_GITDIR &&
	    (p->is_bare || strcmp(p->dir, f->top)))
		return sbx_error("'%s/config' moves the work tree of '%s' to '%s' (core.worktree), "
				 "away from its .git file: remove it (git config --file "
				 "'%s/config' --unset core.worktree)", f->gitdir, f->top,
				 p->is_bare ? "nowhere" : p->dir, f->gitdir);
	return 0;
}

void sbx_git_files_release(struct sbx_git_files *f)
{
	free(f->top);
	free(f->gitdir);
	free(f->commondir);
	sbx_buf_release(&f->config);
	memset(f, 0, sizeof(*f));
	sbx_buf_init(&f->config);
}
