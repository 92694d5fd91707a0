/* `sbx notify send`: one notification, shown now (notify.h). */
#include "notify.h"
#include "error.h"
#include "fsutil.h"
#include "names.h"
#include "paths.h"
#include "spawn.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where notify-send's id of a group is kept between two sends. */
static char *id_file(const char *group)
{
	char *dir = sbx_runtime_dir(), *hash, *path = NULL;

	if (!dir)
		return NULL;
	hash = sbx_hash_hex(group, strlen(group), 16);
	if (!sbx_mkdir_private(dir, 0700)) {
		char *ids = sbx_path_join(dir, "notify-ids");

		if (!sbx_mkdir_private(ids, 0700))
			path = sbx_path_join(ids, hash);
		free(ids);
	}
	free(hash);
	free(dir);
	return path;
}

static unsigned read_id(const char *path)
{
	struct sbx_buf b = SBX_BUF_INIT;
	unsigned id = 0;

	if (path && !access(path, F_OK) && !sbx_buf_read_file(&b, path))
		id = sbx_notifier_parse_id(b.buf);
	sbx_clear_error();
	sbx_buf_release(&b);
	return id;
}

static int to_own_terminal(const struct sbx_notification *n)
{
	for (int fd = 2; fd >= 0; fd--) {
		const char *tty = isatty(fd) ? ttyname(fd) : NULL;

		if (tty)
			return sbx_notify_terminal_write(tty, n);
	}
	return sbx_error("no notifier: install notify-send (libnotify-bin), or run this "
			 "in a terminal");
}

int sbx_notify_send(const struct sbx_notification *n)
{
	enum sbx_notifier which = sbx_notifier_detect();
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_buf out = SBX_BUF_INIT, err = SBX_BUF_INIT;
	char *ids = NULL;
	int code, ret = -1;

	if (which == SBX_NOTIFIER_TERMINAL)
		return to_own_terminal(n);
	if (which == SBX_NOTIFIER_NOTIFY_SEND && n->group && *n->group)
		ids = id_file(n->group);
	sbx_clear_error();
	sbx_notifier_argv(which, n, read_id(ids), &c.args);
	code = sbx_child_capture(&c, &out, &err);
	if (code == 127) {
		sbx_error("cannot run '%s': command not found", sbx_notifier_name(which));
	} else if (code) {
		err.len = strcspn(err.buf, "\n");
		err.buf[err.len] = '\0';
		if (code > 0)
			sbx_error("%s failed (exit %d)%s%s", sbx_notifier_name(which), code,
				  err.len ? ": " : "", err.buf);
	} else {
		unsigned id = sbx_notifier_parse_id(out.buf);

		ret = 0;
		if (ids && id) {
			char text[16];
			int len = snprintf(text, sizeof(text), "%u\n", id);

			/* Only a later replace depends on it: failing to keep it is no failure. */
			if (sbx_write_file(ids, text, (size_t)len, 0600))
				sbx_clear_error();
		}
	}
	sbx_child_release(&c);
	sbx_buf_release(&out);
	sbx_buf_release(&err);
	free(ids);
	return ret;
}
