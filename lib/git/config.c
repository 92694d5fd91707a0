/* A repository's configuration as git reads it (the libgit2 half of lib/gitrisk.h). */
#include "internal.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The file a level of libgit2's configuration starts from; NULL when it has none. */
static char *level_file(git_repository *repo, git_config_level_t level)
{
	git_buf buf = GIT_BUF_INIT;
	int err;
	char *path = NULL;

	switch (level) {
	case GIT_CONFIG_LEVEL_PROGRAMDATA:
		err = git_config_find_programdata(&buf);
		break;
	case GIT_CONFIG_LEVEL_SYSTEM:
		err = git_config_find_system(&buf);
		break;
	case GIT_CONFIG_LEVEL_XDG:
		err = git_config_find_xdg(&buf);
		break;
	case GIT_CONFIG_LEVEL_GLOBAL:
		err = git_config_find_global(&buf);
		break;
	case GIT_CONFIG_LEVEL_LOCAL:
		err = git_repository_item_path(&buf, repo, GIT_REPOSITORY_ITEM_CONFIG);
		break;
	default:
		err = -1;
		break;
	}
	if (err == 0 && buf.ptr)
		path = sbx_strdup(buf.ptr);
	git_buf_dispose(&buf);
	git_error_clear();
	return path;
}

int sbx_git_config(const char *dir, void (*each)(const struct sbx_git_config_entry *e, void *data),
		   void *data)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	git_config_level_t level = GIT_CONFIG_HIGHEST_LEVEL;
	char *file = NULL;
	int err, ret = -1;

	if (sbx_git_open(&repo, dir))
		return -1;
	if (git_repository_config_snapshot(&cfg, repo) < 0 || git_config_iterator_new(&it, cfg) < 0) {
		sbx_git_fail("cannot read the git configuration of '%s'", dir);
		goto out;
	}
	/* A level's entries come together, each file's in order with its includes inlined. */
	while ((err = git_config_next(&entry, it)) == 0) {
		struct sbx_git_config_entry e;

		if (entry->level != level) {
			free(file);
			level = entry->level;
			file = level_file(repo, level);
		}
		e.name = entry->name;
		e.value = entry->value;
		e.file = file;
		e.depth = entry->include_depth;
		each(&e, data);
	}
	if (err != GIT_ITEROVER) {
		sbx_git_fail("cannot read the git configuration of '%s'", dir);
		goto out;
	}
	ret = 0;
out:
	free(file);
	git_config_iterator_free(it);
	git_config_free(cfg);
	git_repository_free(repo);
	return ret;
}
