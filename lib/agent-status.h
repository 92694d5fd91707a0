#ifndef SBX_AGENT_STATUS_H
#define SBX_AGENT_STATUS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"

/*
 * What each session's agent is doing, kept by the notification server from
 * the hook events it gets (notify-agents.c) and from what the host's
 * `sbx run` tells it (the session registered, the agent's exit code), and
 * kept in $XDG_STATE_HOME/sbx/agents/NAME.json, which no sandbox reaches,
 * so that a restarted server and every terminal agree (`sbx ls`,
 * `sbx wt ls`, `sbx attach`).
 *
 *   started   registered; no event yet
 *   working   a prompt was submitted, or a tool runs (UserPromptSubmit,
 *             PreToolUse, PostToolUse)
 *   waiting   for the user: a Notification (a permission, idle input), with
 *             its message
 *   done      a turn ended (Stop; Codex's turn end), with the last message
 *   exited    the agent's process ended, with its exit code (-1: unknown,
 *             as when its run was killed)
 *
 * "since" is the time of the last change, by the host's clock (ms since the
 * epoch); an event that changes nothing (another tool) does not move it. A
 * message is the sandbox's text: cleaned (notify.h) when kept, and again
 * when read back. An exited session's status stays until a later session
 * of the same project (worktree) registers, or for a week.
 */
enum sbx_agent_state {
	SBX_AGENT_STARTED,
	SBX_AGENT_WORKING,
	SBX_AGENT_WAITING,
	SBX_AGENT_DONE,
	SBX_AGENT_EXITED,
};

#define SBX_AGENT_MESSAGE_MAX 300
#define SBX_AGENT_KEEP_MS (7LL * 24 * 3600 * 1000)

struct sbx_agent_status {
	char *name;		/* the run's name (owner.h): the key */
	char *sandbox;
	char *project;		/* the project (worktree) directory */
	char *agent;		/* "claude", ... or NULL */
	char *backend;		/* or NULL */
	char *repo;		/* the main repository's name, or NULL outside git */
	char *branch;		/* or NULL (detached, outside git) */
	enum sbx_agent_state state;
	long long since;
	char *message;		/* or NULL */
	int code;		/* exited: the exit code, or -1 */
};

const char *sbx_agent_state_name(enum sbx_agent_state state);
/* The state named name, or -1. */
int sbx_agent_state_parse(const char *name);

void sbx_agent_status_release(struct sbx_agent_status *st);

/*
 * An event of kind ("Stop", ...; type: a Notification's notification_type,
 * or NULL) with its message, at now: 1 when the state or the message
 * changed, 0 when the event changes nothing. An exited status never changes.
 */
int sbx_agent_status_event(struct sbx_agent_status *st, const char *kind, const char *type,
			   const char *message, long long now);
/* The agent's process ended with code (-1: unknown). 1 when that is news. */
int sbx_agent_status_exit(struct sbx_agent_status *st, int code, long long now);

/* {"name", "sandbox", "project", "agent", "backend", "repo", "branch", "state", "since", "message", "code"} */
cJSON *sbx_agent_status_json(const struct sbx_agent_status *st);
/* The reverse, checked (names, lengths, a state); the message cleaned again. 0, or -1 with a message. */
int sbx_agent_status_from_json(struct sbx_agent_status *st, const cJSON *o);

/* The store. */
int sbx_agent_status_save(const struct sbx_agent_status *st);
void sbx_agent_status_forget(const char *name);
/* Every status kept (an empty list when there is none); ones that do not parse are skipped. */
void sbx_agent_status_list(struct sbx_agent_status **out, size_t *nr);
void sbx_agent_status_list_free(struct sbx_agent_status *list, size_t nr);
/* Of list, the live (not exited) one of session or sandbox name, else the latest of it; or NULL. */
const struct sbx_agent_status *sbx_agent_status_find(const struct sbx_agent_status *list, size_t nr,
						     const char *name);

/* For people: "12s", "4m", "3h", "2d" since since, at now. */
void sbx_agent_age(struct sbx_buf *out, long long since, long long now);
/* "waiting", "exited 0", "exited" (code unknown). */
void sbx_agent_state_text(struct sbx_buf *out, const struct sbx_agent_status *st);
/* "app feat/x", "app" (detached), or the project's last name outside git. */
void sbx_agent_where(struct sbx_buf *out, const struct sbx_agent_status *st);
/* The message cut to max bytes (at a character), cleaned for a terminal; nothing when none. */
void sbx_agent_message_head(struct sbx_buf *out, const struct sbx_agent_status *st, size_t max);

/* The host's clock, ms since the epoch. */
long long sbx_agent_now(void);

#endif
