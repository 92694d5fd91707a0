#include "credentials.h"
#include "backend.h"
#include "base64.h"
#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "paths.h"
#include "safefile.h"
#include "spawn.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYCHAIN_SERVICE "sbx"
/* security's "The specified item could not be found in the keychain." */
#define SECURITY_NOT_FOUND 44
/* A pipe's buffer takes the command before security starts reading it. */
#define KEYCHAIN_MAX 49152

static int use_keychain(void)
{
	const char *choice = getenv("SBX_CREDENTIAL_STORE");

	if (choice && !strcmp(choice, "keychain"))
		return 1;
	if (choice && !strcmp(choice, "file"))
		return 0;
#ifdef __APPLE__
	return sbx_which("security");
#else
	return 0;
#endif
}

static int valid_agent(const char *agent)
{
	if (!*agent || strchr(agent, '/') || !strcmp(agent, ".") || !strcmp(agent, ".."))
		return sbx_error("'%s' is not an agent's name", agent);
	return 0;
}

/* ----------------------------------------------------------------- file store */

static char *store_dir(const char *agent)
{
	char *data = sbx_data_dir(), *dir;

	if (!data)
		return NULL;
	dir = agent ? sbx_asprintf("%s/credentials/%s", data, agent)
		    : sbx_asprintf("%s/credentials", data);
	free(data);
	return dir;
}

/* 1 when path exists and is private (the user's, nothing for group or others); 0 missing. */
static int private_entry(const char *path, int dir)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : sbx_error_errno("cannot stat '%s'", path);
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return sbx_error("the credential store's '%s' is not a %s", path,
				 dir ? "directory" : "regular file");
	if (st.st_uid != getuid())
		return sbx_error("the credential store's '%s' is owned by uid %ld, not by you: "
				 "remove it", path, (long)st.st_uid);
	if (st.st_mode & 077)
		return sbx_error("the credential store's '%s' is open to others (mode %04o): "
				 "'chmod %s %s', or remove it and log in again", path,
				 (unsigned)(st.st_mode & 07777), dir ? "700" : "600", path);
	return 1;
}

static int file_load(const char *agent, cJSON **out)
{
	char *top = store_dir(NULL), *dir = store_dir(agent), *file = NULL;
	int ret = -1;

	if (!top || !dir)
		goto out;
	file = sbx_path_join(dir, "credentials.json");
	ret = private_entry(top, 1);
	if (ret > 0)
		ret = private_entry(dir, 1);
	if (ret > 0)
		ret = private_entry(file, 0);
	if (ret > 0)
		ret = sbx_jsonc_read_file(file, out) ? -1 : 1;
out:
	free(top);
	free(dir);
	free(file);
	return ret;
}

static int private_dir(const char *path)
{
	int ret = private_entry(path, 1);

	if (ret)
		return ret < 0 ? -1 : 0;
	if (mkdir(path, 0700) && errno != EEXIST)
		return sbx_error_errno("cannot create '%s'", path);
	return private_entry(path, 1) < 0 ? -1 : 0;
}

static int file_save(const char *agent, const cJSON *cred)
{
	char *data = sbx_data_dir(), *top = store_dir(NULL), *dir = store_dir(agent);
	char *file = NULL;
	int ret = -1;

	if (!data || !top || !dir || sbx_mkdir_p(data, 0700) || private_dir(top) ||
	    private_dir(dir))
		goto out;
	file = sbx_path_join(dir, "credentials.json");
	if (private_entry(file, 0) >= 0)
		ret = sbx_json_write_file(file, cred, 0600, 1);
out:
	free(data);
	free(top);
	free(dir);
	free(file);
	return ret;
}

static int file_remove(const char *agent)
{
	char *dir = store_dir(agent);
	int ret = -1;

	if (dir) {
		ret = access(dir, F_OK) ? 0 : 1;
		if (ret && sbx_safe_remove_tree(dir))
			ret = -1;
	}
	free(dir);
	return ret;
}

/* ------------------------------------------------------------------ keychain */

static int security(const char *const *args, const struct sbx_buf *input, struct sbx_buf *out)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_buf ignored = SBX_BUF_INIT;
	int p[2] = { -1, -1 }, code;

	sbx_strvec_push(&c.args, "security");
	sbx_strvec_pushv(&c.args, args);
	if (input) {
		if (input->len > KEYCHAIN_MAX)
			return sbx_error("the credentials are too large for the Keychain");
		if (pipe(p))
			return sbx_error_errno("cannot create a pipe");
		if (write(p[1], input->buf, input->len) != (ssize_t)input->len) {
			close(p[0]);
			close(p[1]);
			return sbx_error_errno("cannot talk to security");
		}
		close(p[1]);
		c.in = p[0];
	}
	code = sbx_child_capture(&c, out ? out : &ignored, NULL);
	if (p[0] >= 0)
		close(p[0]);
	sbx_child_release(&c);
	sbx_buf_release(&ignored);
	return code;
}

static int keychain_load(const char *agent, cJSON **out)
{
	struct sbx_buf text = SBX_BUF_INIT, json = SBX_BUF_INIT;
	int code, ret = -1;

	code = security((const char *[]){ "find-generic-password", "-s", KEYCHAIN_SERVICE, "-a",
					  agent, "-w", NULL }, NULL, &text);
	if (code == SECURITY_NOT_FOUND)
		ret = 0;
	else if (code)
		sbx_error("cannot read the Keychain ('security find-generic-password' exited %d)",
			  code);
	else if (sbx_base64_decode(&json, text.buf, text.len) ||
		 sbx_jsonc_parse(json.buf, json.len, "the Keychain item", out))
		sbx_error("the Keychain item of '%s' (service %s) is not sbx's: remove it with "
			  "'sbx logout --agent %s'", agent, KEYCHAIN_SERVICE, agent);
	else
		ret = 1;
	memset(text.buf, 0, text.len);
	memset(json.buf, 0, json.len);
	sbx_buf_release(&text);
	sbx_buf_release(&json);
	return ret;
}

static int keychain_save(const char *agent, const cJSON *cred)
{
	struct sbx_buf json = SBX_BUF_INIT, cmd = SBX_BUF_INIT;
	int code;

	sbx_json_print(&json, cred, 0);
	/* -U updates an existing item; the words are base64 and a checked name: no quoting. */
	sbx_buf_addf(&cmd, "add-generic-password -U -s %s -a %s -w ", KEYCHAIN_SERVICE, agent);
	sbx_base64_encode(&cmd, json.buf, json.len, 0);
	sbx_buf_addch(&cmd, '\n');
	code = security((const char *[]){ "-i", NULL }, &cmd, NULL);
	memset(json.buf, 0, json.len);
	memset(cmd.buf, 0, cmd.len);
	sbx_buf_release(&json);
	sbx_buf_release(&cmd);
	if (code)
		return sbx_error("cannot write to the Keychain ('security add-generic-password' "
				 "exited %d)", code);
	return 0;
}

static int keychain_remove(const char *agent)
{
	int code = security((const char *[]){ "delete-generic-password", "-s", KEYCHAIN_SERVICE,
					      "-a", agent, NULL }, NULL, NULL);

	if (code == SECURITY_NOT_FOUND)
		return 0;
	if (code)
		return sbx_error("cannot remove the Keychain item ('security "
				 "delete-generic-password' exited %d)", code);
	return 1;
}

/* -------------------------------------------------------------------- public */

int sbx_credentials_load(const char *agent, cJSON **out)
{
	*out = NULL;
	if (valid_agent(agent))
		return -1;
	return use_keychain() ? keychain_load(agent, out) : file_load(agent, out);
}

int sbx_credentials_save(const char *agent, const cJSON *cred)
{
	if (valid_agent(agent))
		return -1;
	return use_keychain() ? keychain_save(agent, cred) : file_save(agent, cred);
}

int sbx_credentials_remove(const char *agent)
{
	if (valid_agent(agent))
		return -1;
	return use_keychain() ? keychain_remove(agent) : file_remove(agent);
}

char *sbx_credentials_where(const char *agent)
{
	char *dir, *where;

	if (use_keychain())
		return sbx_asprintf("the Keychain (service %s, account %s)", KEYCHAIN_SERVICE, agent);
	dir = store_dir(agent);
	where = sbx_asprintf("%s/credentials.json", dir ? dir : "?");
	free(dir);
	sbx_clear_error();
	return where;
}

static void wipe(cJSON *item)
{
	for (; item; item = item->next) {
		if (cJSON_IsString(item) && item->valuestring)
			memset(item->valuestring, 0, strlen(item->valuestring));
		wipe(item->child);
	}
}

void sbx_credentials_free(cJSON *cred)
{
	if (cred)
		wipe(cred->child);
	cJSON_Delete(cred);
}
