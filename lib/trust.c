/* The record of the project configuration files you trusted (trust.h). */
#include "trust.h"
#include "buf.h"
#include "error.h"
#include "json.h"
#include "paths.h"
#include "safefile.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD "trust.json"
/* Thousands of files; a record larger than this was not written by sbx. */
#define RECORD_MAX (4 << 20)

/*
 * Reads the record in dir into *out: 0, with *out NULL when there is none
 * yet; -1 with a message naming the file and the fix.
 */
static int read_record(const char *dir, cJSON **out)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *path = sbx_path_join(dir, RECORD);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1, ret = 0;
	const cJSON *files, *c;
	struct stat st;

	*out = NULL;
	if (dfd < 0) {
		if (errno != ENOENT)
			ret = sbx_error_errno("cannot open '%s'", dir);
		goto out;
	}
	fd = sbx_safe_openat(dfd, RECORD, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0) {
		if (errno != ENOENT)
			ret = sbx_error_errno("cannot read '%s' (remove it, then run 'sbx trust' "
					      "again)", path);
		goto out;
	}
	/* Whoever else could write it could trust files for you. */
	if (fstat(fd, &st) || st.st_uid != getuid() || (st.st_mode & 022)) {
		ret = sbx_error("'%s' is not yours alone: sbx uses no trust record another user "
				"could change (remove it, then run 'sbx trust' again)", path);
		goto out;
	}
	if (sbx_safe_read_fd(fd, path, RECORD_MAX, &b) ||
	    sbx_jsonc_parse(b.buf, b.len, path, out)) {
		ret = sbx_error("%s (remove it, then run 'sbx trust' again)", sbx_last_error());
		goto out;
	}
	files = cJSON_GetObjectItemCaseSensitive(*out, "files");
	for (c = cJSON_IsObject(files) ? files->child : NULL; c; c = c->next)
		if (!cJSON_IsString(c))
			break;
	if (!cJSON_IsObject(files) || c) {
		ret = sbx_error("'%s' is not a trust record of sbx (remove it, then run "
				"'sbx trust' again)", path);
		goto out;
	}
out:
	if (ret) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	sbx_buf_release(&b);
	free(path);
	return ret;
}

int sbx_trust_lookup(const char *path, const char *twin, const char *hash)
{
	char *dir = sbx_state_dir();
	const char *mine, *twins;
	const cJSON *files;
	cJSON *doc = NULL;
	int state = SBX_TRUST_UNKNOWN;

	if (!dir || read_record(dir, &doc)) {
		free(dir);
		return -1;
	}
	files = cJSON_GetObjectItemCaseSensitive(doc, "files");
	mine = sbx_json_get_string(files, path);
	twins = twin ? sbx_json_get_string(files, twin) : NULL;
	if (mine)
		state = strcmp(mine, hash) ? SBX_TRUST_CHANGED : SBX_TRUST_TRUSTED;
	if (twins && !strcmp(twins, hash))
		state = SBX_TRUST_TRUSTED;
	cJSON_Delete(doc);
	free(dir);
	return state;
}

int sbx_trust_record(const char *path, const char *hash)
{
	char *dir = sbx_state_dir(), *lock_path = NULL, *record = NULL;
	cJSON *doc = NULL, *files;
	int lock = -1, ret = -1;

	if (!dir || sbx_mkdir_private(dir, 0700))
		goto out;
	/* The record is replaced by rename, so the lock is a file of its own. */
	lock_path = sbx_path_join(dir, "trust.lock");
	lock = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0) {
		sbx_error_errno("cannot open '%s'", lock_path);
		goto out;
	}
	while (flock(lock, LOCK_EX))
		if (errno != EINTR) {
			sbx_error_errno("cannot lock '%s'", lock_path);
			goto out;
		}
	if (read_record(dir, &doc))
		goto out;
	if (!doc) {
		doc = sbx_json_new_object();
		sbx_json_add_item(doc, "files", sbx_json_new_object());
	}
	files = cJSON_GetObjectItemCaseSensitive(doc, "files");
	if (!hash && !cJSON_GetObjectItemCaseSensitive(files, path)) {
		ret = 1;
		goto out;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(files, path);
	if (hash)
		sbx_json_add_string(files, path, hash);
	record = sbx_path_join(dir, RECORD);
	ret = sbx_json_write_file(record, doc, 0600, 1);
out:
	if (lock >= 0)
		close(lock);
	cJSON_Delete(doc);
	free(record);
	free(lock_path);
	free(dir);
	return ret;
}
