/*
 * Files for the sandbox home that travel in the environment script, so that
 * they take the secrets' path (session.h): a memory file copied into the
 * sandbox's tmpfs (bwrap), or the stdin of one `limactl shell` into /dev/shm
 * (Lima); the launcher sources the script and removes it.
 *
 * Every file's bytes are base64 in a here-document (binary-safe, and nothing
 * in them is ever shell text); every path is quoted with sbx_sq_quote.
 * A secret file is written into a private directory in /dev/shm and linked
 * from its place in the home; a watcher removes both when the command ends
 * (the command is the launcher's shell after its exec, so its pid is $$).
 */
#include "session.h"
#include "base64.h"
#include "quote.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define SHM_TEMPLATE "/dev/shm/sbx-cred.XXXXXX"

void sbx_session_add_file(struct sbx_session *s, const char *path, const void *data, size_t len,
			  enum sbx_home_file_kind kind)
{
	struct sbx_home_file *f;

	SBX_ALLOC_GROW(s->files, s->nr_files + 1, s->alloc_files);
	f = &s->files[s->nr_files++];
	f->path = sbx_strdup(path ? path : "");
	f->data = sbx_malloc(len + 1);
	if (len)
		memcpy(f->data, data, len);
	f->data[len] = '\0';
	f->len = len;
	f->kind = kind;
}

int sbx_session_has_env_script(const struct sbx_session *s)
{
	return s->env.nr || s->nr_files;
}

void sbx_home_files_release(struct sbx_session *s)
{
	for (size_t i = 0; i < s->nr_files; i++) {
		memset(s->files[i].data, 0, s->files[i].len);
		free(s->files[i].data);
		free(s->files[i].path);
	}
	free(s->files);
	s->files = NULL;
	s->nr_files = s->alloc_files = 0;
}

/* "$HOME"/'path' */
static void home_path(struct sbx_buf *out, const char *path)
{
	sbx_buf_adds(out, "\"$HOME\"/");
	sbx_sq_quote(out, path);
}

static void fail(struct sbx_buf *out, const char *what, const char *path)
{
	struct sbx_buf msg = SBX_BUF_INIT;

	sbx_buf_addf(&msg, "sbx: cannot %s ~/%s", what, path);
	sbx_buf_adds(out, " || { echo ");
	sbx_sq_quote(out, msg.buf);
	sbx_buf_adds(out, " >&2; exit 125; }");
	sbx_buf_release(&msg);
}

/* mkdir -p the parent of path (in the home). */
static void parent(struct sbx_buf *out, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (!slash)
		return;
	dir = sbx_strndup(path, (size_t)(slash - path));
	sbx_buf_adds(out, "mkdir -p ");
	home_path(out, dir);
	fail(out, "create", dir);
	sbx_buf_addch(out, '\n');
	free(dir);
}

/* CMD <<'SBX_EOF' || fail, then the data: base64 has no '_', so no line of it ends the document. */
static void heredoc(struct sbx_buf *out, const struct sbx_home_file *f, const char *cmd)
{
	sbx_buf_adds(out, cmd);
	sbx_buf_adds(out, " <<'SBX_EOF'");
	fail(out, "write", f->path);
	sbx_buf_addch(out, '\n');
	sbx_base64_encode(out, f->data, f->len, 1);
	sbx_buf_adds(out, "SBX_EOF\n");
}

/* Makes a path writable again (an old read-only copy) and removes it. */
static void remove_path(struct sbx_buf *out, const char *path)
{
	sbx_buf_adds(out, "if [ -e ");
	home_path(out, path);
	sbx_buf_adds(out, " ] || [ -L ");
	home_path(out, path);
	sbx_buf_adds(out, " ]; then chmod -R u+w ");
	home_path(out, path);
	sbx_buf_adds(out, " 2>/dev/null; rm -rf ");
	home_path(out, path);
	fail(out, "replace", path);
	sbx_buf_adds(out, "; fi\n");
}

static void write_file(struct sbx_buf *out, const struct sbx_home_file *f)
{
	struct sbx_buf cmd = SBX_BUF_INIT;

	parent(out, f->path);
	remove_path(out, f->path);
	sbx_buf_adds(&cmd, "base64 -d >");
	home_path(&cmd, f->path);
	heredoc(out, f, cmd.buf);
	if (f->kind == SBX_HOME_READONLY) {
		sbx_buf_adds(out, "chmod a-w ");
		home_path(out, f->path);
		sbx_buf_addch(out, '\n');
	}
	sbx_buf_release(&cmd);
}

static void write_secret(struct sbx_buf *out, const struct sbx_home_file *f, size_t n, int first)
{
	struct sbx_buf cmd = SBX_BUF_INIT;

	if (first)
		sbx_buf_adds(out, "sbx_cred=$(umask 077 && mktemp -d " SHM_TEMPLATE ") || { echo "
			     "'sbx: cannot make a private directory in /dev/shm' >&2; exit 125; }\n");
	sbx_buf_addf(&cmd, "(umask 077 && base64 -d >\"$sbx_cred/%zu\")", n);
	heredoc(out, f, cmd.buf);
	parent(out, f->path);
	remove_path(out, f->path);
	sbx_buf_addf(out, "ln -s \"$sbx_cred/%zu\" ", n);
	home_path(out, f->path);
	fail(out, "link", f->path);
	sbx_buf_addch(out, '\n');
	sbx_buf_release(&cmd);
}

void sbx_home_files_script(const struct sbx_session *s, struct sbx_buf *out)
{
	size_t secrets = 0;

	for (size_t i = 0; i < s->nr_files; i++) {
		const struct sbx_home_file *f = &s->files[i];

		switch (f->kind) {
		case SBX_HOME_FILE:
		case SBX_HOME_READONLY:
			write_file(out, f);
			break;
		case SBX_HOME_SEAL:
			sbx_buf_adds(out, "chmod -R a-w ");
			home_path(out, f->path);
			sbx_buf_addch(out, '\n');
			break;
		case SBX_HOME_REMOVE:
			remove_path(out, f->path);
			break;
		case SBX_HOME_SECRET:
			secrets++;
			write_secret(out, f, secrets, secrets == 1);
			break;
		case SBX_HOME_SCRIPT:
			sbx_buf_add(out, f->data, f->len);
			sbx_buf_addch(out, '\n');
			break;
		}
	}
	if (!secrets)
		return;
	/* Gone when the command ends: the tmpfs copies and the links (or what replaced them). */
	sbx_buf_adds(out, "(trap '' HUP INT TERM QUIT; while kill -0 $$ 2>/dev/null; do sleep 1; "
		     "done; rm -rf \"$sbx_cred\"");
	for (size_t i = 0; i < s->nr_files; i++) {
		if (s->files[i].kind == SBX_HOME_SECRET) {
			sbx_buf_addch(out, ' ');
			home_path(out, s->files[i].path);
		}
	}
	sbx_buf_adds(out, ") </dev/null >/dev/null 2>&1 &\nunset sbx_cred\n");
}
