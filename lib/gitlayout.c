#include "gitlayout.h"
#include "buf.h"
#include "error.h"
#include "safefile.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UNSURE SBX_GIT_LAYOUT_UNSURE

static int has(const char *dir, const char *name, mode_t type)
{
	struct stat st;
	char *path = sbx_asprintf("%s/%s", dir, name);
	int found = !stat(path, &st) && (st.st_mode & S_IFMT) == type;

	free(path);
	return found;
}

/*
 * dir/name's content without trailing white space; NULL when unreadable.
 * A sandbox may have written it: no link followed, no FIFO blocked on.
 */
static char *read_small(const char *dir, const char *name)
{
	struct sbx_buf b = SBX_BUF_INIT;

	if (sbx_safe_read(dir, name, PATH_MAX, &b) || memchr(b.buf, '\0', b.len)) {
		sbx_clear_error();
		sbx_buf_release(&b);
		return NULL;
	}
	while (b.len && isspace((unsigned char)b.buf[b.len - 1]))
		sbx_buf_truncate(&b, b.len - 1);
	return sbx_buf_detach(&b);
}

/* path resolved; relative ones against base. */
static char *resolve(const char *base, const char *path)
{
	char *joined = path[0] == '/' ? sbx_strdup(path) : sbx_asprintf("%s/%s", base, path);
	char *real = realpath(joined, NULL);

	free(joined);
	return real;
}

/*
 * libgit2's is_valid_repository_path: HEAD in the git directory, objects and
 * refs in the common one (the commondir file's, else the git directory).
 * 1 valid, 0 not, UNSURE.
 */
static int valid_gitdir(const char *gitdir, char **common)
{
	char *file = sbx_asprintf("%s/commondir", gitdir), *link;

	*common = NULL;
	if (access(file, F_OK) == 0) {
		link = read_small(gitdir, "commondir");
		*common = link ? resolve(gitdir, link) : NULL;
		free(link);
	} else {
		*common = sbx_strdup(gitdir);
	}
	free(file);
	if (!*common)
		return UNSURE;
	return has(gitdir, "HEAD", S_IFREG) && has(*common, "objects", S_IFDIR) &&
	       has(*common, "refs", S_IFDIR);
}

static int true_value(const char *v)
{
	return !*v || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
	       (isdigit((unsigned char)*v) && strtol(v, NULL, 10) != 0);
}

/*
 * Could this configuration file change what libgit2 finds? Includes,
 * extensions, a format version other than 0, and (unless in a linked
 * worktree, where libgit2 ignores them) core.worktree and a true core.bare.
 * Anything this reader does not follow (a continuation line anywhere, quotes
 * in [core], a key on a section's line) counts as yes.
 */
static int config_matters(const char *path, int worktree, const char *gitdir)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *save = NULL, *line;
	int core = 0, matters = 0;

	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	/* The repository's own (in gitdir) is where a sandbox may have written. */
	if (gitdir ? sbx_safe_read(gitdir, "config", 1 << 20, &b) : sbx_buf_read_file(&b, path)) {
		sbx_clear_error();
		sbx_buf_release(&b);
		return 1;
	}
	for (line = strtok_r(b.buf, "\n", &save); line && !matters;
	     line = strtok_r(NULL, "\n", &save)) {
		char *end, *eq, *key, *value;

		while (isspace((unsigned char)*line))
			line++;
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*line || *line == '#' || *line == ';')
			continue;
		if (end[-1] == '\\' || (core && *line != '[' && strchr(line, '"'))) {
			matters = 1;
		} else if (*line == '[') {
			char *close = strchr(line, ']');

			if (!close || (close[1] && close[1] != '#' && close[1] != ';' &&
				       !isspace((unsigned char)close[1]))) {
				matters = 1;
				continue;
			}
			*close = '\0';
			key = line + 1;
			core = !strcasecmp(key, "core");
			matters = !strncasecmp(key, "include", 7) || !strcasecmp(key, "extensions");
		} else if (core) {
			eq = strchr(line, '=');
			key = line;
			value = eq ? eq + 1 : end;
			if (eq) {
				*eq = '\0';
				for (char *k = eq; k > line && isspace((unsigned char)k[-1]); k--)
					k[-1] = '\0';
				while (isspace((unsigned char)*value))
					value++;
				/* No quotes here (see above): a comment ends the value. */
				value[strcspn(value, "#;")] = '\0';
				for (char *v = value + strlen(value); v > value &&
				     isspace((unsigned char)v[-1]); v--)
					v[-1] = '\0';
			}
			if (!strcasecmp(key, "repositoryformatversion"))
				matters = strcmp(value, "0") != 0;
			else if (!worktree && !strcasecmp(key, "worktree"))
				matters = 1;
			else if (!worktree && !strcasecmp(key, "bare"))
				matters = true_value(value);
		}
	}
	sbx_buf_release(&b);
	return matters;
}

/* The configuration files libgit2 merges, besides the repository's own. */
static int any_config_matters(const char *common, int worktree)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	char *paths[4];
	int matters = 0;

	if (!home || !*home)
		return 1;	/* libgit2 would look the home up: let it */
	paths[0] = sbx_asprintf("%s/config", common);
	paths[1] = sbx_strdup("/etc/gitconfig");
	paths[2] = sbx_asprintf("%s/.gitconfig", home);
	paths[3] = xdg && *xdg ? sbx_asprintf("%s/git/config", xdg) :
				 sbx_asprintf("%s/.config/git/config", home);
	for (int i = 0; i < 4; i++) {
		matters = matters || config_matters(paths[i], worktree, i ? NULL : common);
		free(paths[i]);
	}
	return matters;
}

/* libgit2 refuses a repository whose files belong to another user (safe.directory). */
static int owned(const char *path)
{
	struct stat st;

	return !path || (!lstat(path, &st) && st.st_uid == geteuid());
}

/* What libgit2 makes of a git directory found from workdir (gitlink: its .git file). */
static int describe(const char *workdir, const char *gitdir, const char *gitlink,
		    const char *common, struct sbx_git_repo *out)
{
	int worktree = strcmp(common, gitdir) && has(gitdir, "gitdir", S_IFREG);

	if (worktree) {
		/* libgit2 takes a linked worktree's top from its record: it must be this one. */
		char *link = read_small(gitdir, "gitdir");
		char *slash = link ? strrchr(link, '/') : NULL, *top = NULL;
		int same;

		if (slash && slash != link) {
			*slash = '\0';
			top = realpath(link, NULL);
		}
		same = top && !strcmp(top, workdir);
		free(link);
		free(top);
		if (!same)
			return UNSURE;
	}
	if (any_config_matters(common, worktree) || !owned(workdir) || !owned(gitlink) ||
	    !owned(gitdir))
		return UNSURE;
	memset(out, 0, sizeof(*out));
	out->workdir = sbx_strdup(workdir);
	out->gitdir = sbx_strdup(gitdir);
	out->commondir = sbx_strdup(common);
	out->worktree = worktree;
	return 0;
}

/* D/.git exists: a directory or a "gitdir: PATH" file that names a valid git directory. */
static int from_dotgit(const char *dir, const char *dotgit, const struct stat *st,
		       struct sbx_git_repo *out)
{
	char *gitdir = NULL, *common = NULL, *content = NULL;
	int ret = UNSURE;

	if (S_ISDIR(st->st_mode)) {
		gitdir = realpath(dotgit, NULL);
	} else if (S_ISREG(st->st_mode)) {
		content = read_small(dir, ".git");
		if (content && !strncmp(content, "gitdir:", 7)) {
			const char *p = content + 7;

			while (isspace((unsigned char)*p))
				p++;
			gitdir = *p ? resolve(dir, p) : NULL;
		}
	}
	if (gitdir && valid_gitdir(gitdir, &common) == 1)
		ret = describe(dir, gitdir, S_ISREG(st->st_mode) ? dotgit : NULL, common, out);
	free(content);
	free(gitdir);
	free(common);
	return ret;
}

int sbx_git_layout(const char *start, struct sbx_git_repo *out)
{
	char *dir = sbx_strdup(start);
	dev_t device = 0;
	int have_device = 0, ret = 1;
	struct stat st;

	if (!strcmp(start, "/")) {
		free(dir);
		return UNSURE;	/* the only start from which libgit2 looks at / itself */
	}
	/* libgit2 looks at DIR/.git, then DIR, for each DIR up to (not including) "/". */
	while (strcmp(dir, "/") && ret == 1) {
		char *dotgit = sbx_asprintf("%s/.git", dir), *slash;

		for (int i = 0; i < 2 && ret == 1; i++) {
			if (stat(i ? dir : dotgit, &st))
				continue;
			/* libgit2 stops at a file system boundary: let it. */
			if (have_device && st.st_dev != device)
				ret = UNSURE;
			device = st.st_dev;
			have_device = 1;
			if (ret != 1)
				break;
			if (!i)
				ret = from_dotgit(dir, dotgit, &st, out);
			else if (S_ISDIR(st.st_mode) && has(dir, "HEAD", S_IFREG))
				ret = UNSURE;	/* a bare repository, or inside a git directory */
		}
		free(dotgit);
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		slash[slash == dir] = '\0';
	}
	free(dir);
	return ret;
}
