#include "gitlayout.h"
#include "buf.h"
#include "error.h"
#include "safefile.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UNSURE SBX_GIT_LAYOUT_UNSURE

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
static int config_matters(const char *path, const struct sbx_buf *text, int worktree)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *save = NULL, *line;
	int core = 0, matters = 0;

	/* The repository's own: the bytes sbx_git_check_files read, not the file again. */
	if (text) {
		sbx_buf_add(&b, text->buf, text->len);
	} else if (access(path, F_OK) && errno == ENOENT) {
		return 0;
	} else if (sbx_buf_read_file(&b, path)) {
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
static int any_config_matters(const struct sbx_git_files *f, int worktree)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	char *paths[3];
	int matters;

	if (!home || !*home)
		return 1;	/* libgit2 would look the home up: let it */
	matters = config_matters(NULL, &f->config, worktree);
	paths[0] = sbx_strdup("/etc/gitconfig");
	paths[1] = sbx_asprintf("%s/.gitconfig", home);
	paths[2] = xdg && *xdg ? sbx_asprintf("%s/git/config", xdg) :
				 sbx_asprintf("%s/.config/git/config", home);
	for (int i = 0; i < 3; i++) {
		matters = matters || config_matters(paths[i], NULL, worktree);
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

int sbx_git_layout(const struct sbx_git_files *f, struct sbx_git_repo *out)
{
	int worktree = f->kind == SBX_GIT_LINKED, unsure;
	char *dotgit;

	if (f->kind == SBX_GIT_NONE)
		return 1;
	if (f->kind == SBX_GIT_IN_GITDIR)
		return UNSURE;	/* a bare repository, or inside a git directory */
	dotgit = sbx_asprintf("%s/.git", f->top);
	unsure = any_config_matters(f, worktree) || !owned(f->top) || !owned(dotgit) ||
		 (strcmp(dotgit, f->gitdir) && !owned(f->gitdir));
	free(dotgit);
	if (unsure)
		return UNSURE;
	memset(out, 0, sizeof(*out));
	/* A linked worktree's record names top back (sbx_git_check_worktree): libgit2's workdir. */
	out->workdir = sbx_strdup(f->top);
	out->gitdir = sbx_strdup(f->gitdir);
	out->commondir = sbx_strdup(f->commondir);
	out->worktree = worktree;
	return 0;
}
