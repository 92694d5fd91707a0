/* The Lima backend (lima.h): the command in tmux in the guest, and attaching to it. */
#include "lima.h"
#include "error.h"
#include "json.h"
#include "names.h"
#include "owner.h"
#include "session.h"
#include "spawn.h"
#include "tmux.h"
#include "xalloc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- tmux (tmux.h) */

/* "running\n" or a status: the guest's answer, which the agent could lengthen, is no longer. */
#define STATUS_MAX 16

/*
 * The terminal's tmux client in the guest, then whether the agent ended:
 * *ended is 0 when the client detached (or the terminal went away), else 1
 * with the agent's status returned.
 */
static int attach_guest(const char *dir, const char *name, const char *session, int *ended)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_buf out = SBX_BUF_INIT;
	struct call k;
	char *mark = sbx_tmux_mark(session);
	int code = -1;

	*ended = 0;
	/* Without a terminal the agent starts detached, for a later `sbx attach`. */
	if (!isatty(STDIN_FILENO)) {
		sbx_tmux_unmark(mark);
		return 0;
	}
	sbx_strvec_pushv(&c.args, (const char *[]){ "limactl", "shell", "--tty=false", "--workdir",
						    dir, name, NULL });
	/* The terminal's type, for tmux to draw on it (a leading NAME=value: limactl's assignment). */
	if (getenv("TERM") && *getenv("TERM"))
		sbx_strvec_pushf(&c.args, "TERM=%s", getenv("TERM"));
	sbx_tmux_attach_argv("tmux", SBX_TMUX_LIMA_SOCKET, session, &c.args);
	c.forward_signals = 1;
	if (!sbx_child_start(&c))
		code = sbx_lima_wait_command(&c);
	else if (errno == ENOENT)
		sbx_lima_not_found();
	sbx_child_release(&c);
	sbx_tmux_unmark(mark);
	if (code < 0 || sbx_pending_signal())
		return code < 0 ? -1 : 0;
	sbx_lima_call_init(&k, name, "shell", name, NULL);
	sbx_tmux_lima_state_argv(session, &k.args);
	k.out = &out;
	k.out_max = STATUS_MAX;
	if (!sbx_lima_call_run(&k) && strcmp(out.buf, "running\n")) {
		/* The agent can write its status: what is no number is none (129, as a missing one). */
		code = sbx_tmux_parse_status(out.buf);
		code = code < 0 ? 129 : code;
		*ended = 1;
	} else {
		code = 0;
	}
	sbx_lima_call_release(&k);
	sbx_buf_release(&out);
	return code;
}

/* The keeper: owns the run's record, then waits for the agent in tmux to end; its status. */
static int keep_tmux(const struct sbx_session *s, const char *name, const char *session,
		     const char *tmpl, int sync)
{
	cJSON *old = sbx_owner_read(name), *extra, *t;
	int st = -1, tries = 0, ret;

	extra = sbx_lima_record_extra(tmpl ? tmpl : sbx_json_get_string(old, "template"));
	if (sbx_json_get_string(old, "tty"))
		sbx_json_add_string(extra, "tty", sbx_json_get_string(old, "tty"));
	t = sbx_json_add_item(extra, "tmux", sbx_json_new_object());
	sbx_json_add_string(t, "session", session);
	ret = sbx_owner_write(name, BACKEND, s->persistent ? "persistent" : "session",
			      s->project.dir, extra);
	cJSON_Delete(old);
	if (!ret && write(sync, "1\n", 2) != 2)
		ret = sbx_error_errno("cannot hand '%s' over", name);
	close(sync);
	while (!ret) {
		struct sbx_buf out = SBX_BUF_INIT;
		struct call c;
		int code;

		sbx_lima_call_init(&c, name, "shell", name, NULL);
		sbx_tmux_lima_wait_argv(session, &c.args);
		c.out = &out;
		c.out_max = STATUS_MAX;
		code = sbx_lima_call_run(&c);
		if (!code) {
			st = sbx_tmux_parse_status(out.buf);
			if (st < 0)
				sbx_warn("the agent's status in '%s' is no number: the sandbox "
					 "changed it", name);
			st = st < 0 ? 129 : st;
		}
		/* A dropped connection (ssh's 255) is retried; anything else ends the wait. */
		else if (code == 255 && ++tries < 120 && !sbx_lima_interrupted())
			sleep(5);
		else
			sbx_lima_call_fail(&c, "lost the agent in tmux in '%s'", name);
		sbx_lima_call_release(&c);
		sbx_buf_release(&out);
		if (code != 255 || tries >= 120 || sbx_pending_signal())
			break;
	}
	return ret ? -1 : st;
}

/*
 * The command in tmux in the guest: the session starts detached, the keeper
 * waits for it to end (the caller's cleanup then runs in the keeper), the
 * foreground attaches the terminal and hands the run over (*handed_over).
 */
int sbx_lima_run_tmux(struct sbx_session *s, const char *name, const char *envfile,
		      const char *tmpl, int *handed_over)
{
	char *session = s->persistent ? sbx_session_name(&s->project) : sbx_strdup(name);
	int sync[2] = { -1, -1 }, ended, ret;
	char buf[4];
	struct call c;
	pid_t keeper;

	*handed_over = 0;
	sbx_lima_call_init(&c, name, "shell", "--workdir", s->project.dir, name, NULL);
	sbx_tmux_lima_start_argv(session, &c.args);
	sbx_session_launcher_argv(s, envfile, &c.args);
	ret = sbx_lima_call_must(&c, "cannot start tmux in '%s' (is tmux installed in the template?)",
				 name);
	sbx_lima_call_release(&c);
	if (!ret && pipe(sync))
		ret = sbx_error_errno("cannot create a pipe");
	if (ret || (ret = sbx_tmux_fork_keeper(name, &keeper)) < 0) {
		ret = -1;
	} else if (ret) {
		close(sync[0]);
		ret = keep_tmux(s, name, session, tmpl, sync[1]);
		sync[0] = sync[1] = -1;
	} else {
		*handed_over = 1;
		close(sync[1]);
		sync[1] = -1;
		/* Until the keeper owns the record, this process must stay its owner. */
		if (read(sync[0], buf, sizeof(buf)) <= 0) {
			ret = sbx_tmux_wait_keeper(keeper);
			sbx_error("the keeper of '%s' failed (exit %d)", name, ret);
			ret = -1;
		} else {
			ret = attach_guest(s->project.dir, name, session, &ended);
			if (ret >= 0 && ended)
				ret = sbx_tmux_wait_keeper(keeper);
			else if (ret >= 0)
				sbx_tmux_say_detached(s->persistent ? name : session);
		}
	}
	for (int i = 0; i < 2; i++)
		if (sync[i] >= 0)
			close(sync[i]);
	free(session);
	return ret;
}

int sbx_lima_attach(const char *name)
{
	cJSON *records = NULL;
	const cJSON *r;
	const cJSON *t;
	char *session = NULL, *dir = NULL;
	int ended, code = -1;

	if (sbx_owner_list(&records))
		return -1;
	r = sbx_lima_find_record(records, name);
	t = r && sbx_owner_alive(r) ? cJSON_GetObjectItemCaseSensitive(r, "tmux") : NULL;
	if (t && sbx_json_get_string(t, "session")) {
		session = sbx_strdup(sbx_json_get_string(t, "session"));
		dir = sbx_strdup(sbx_json_get_string(r, "project") ? sbx_json_get_string(r, "project")
								   : "/");
	}
	cJSON_Delete(records);
	if (!session) {
		sbx_error("'%s' runs no agent in tmux (see 'sbx ls')", name);
		goto out;
	}
	code = attach_guest(dir, name, session, &ended);
	if (code >= 0 && !ended) {
		sbx_tmux_say_detached(name);
	} else if (code >= 0) {
		/* The keeper is removing what the run made: wait for it, a while. */
		for (int i = 0; i < 600; i++) {
			cJSON *rec = sbx_owner_read(name);
			int gone = !rec || !sbx_owner_alive(rec);

			cJSON_Delete(rec);
			if (gone)
				break;
			poll(NULL, 0, 100);
		}
	}
out:
	free(session);
	free(dir);
	return code;
}
