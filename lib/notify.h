#ifndef SBX_NOTIFY_H
#define SBX_NOTIFY_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "backend.h"
#include "buf.h"
#include "strvec.h"

struct sbx_config;
struct sbx_session;

/*
 * Hooks and notifications. Inside a sandbox the agent's hook command,
 * `sbx hook`, wraps the agent's event in an event line and writes it to a
 * unix socket; on the host `sbx notify serve` reads event lines and shows
 * desktop notifications.
 *
 * An event line is one compact JSON object and a newline:
 *
 *   {"v":1,"project":"/home/u/app","sandbox":"sbx-app-1a2b3c-k3x9q","agent":"claude",
 *    "time":1718000000123,"event":{...the agent's JSON...}}
 *
 * "time" is the hook's clock in milliseconds since the epoch; "event" is the
 * agent's JSON object (a Claude Code hook event, a Codex notify payload) or,
 * when the agent gave something else (text, a bare JSON value), that text as
 * a string. project, sandbox and agent may be null. A line of at most
 * SBX_NOTIFY_LINE_MAX bytes (newline included) is served; longer ones are
 * skipped.
 *
 * A line {"stats":true} asks the server for its counters, answered with one
 * line on the same connection (see notify-server.c).
 */
#define SBX_NOTIFY_VERSION 1
#define SBX_NOTIFY_LINE_MAX (64 * 1024)

/* Where the hook's line comes from. */
struct sbx_notify_origin {
	const char *project;	/* the project directory, or NULL */
	const char *sandbox;	/* the sandbox's name, or NULL */
	const char *agent;	/* "claude", "codex", ... or NULL */
	long long time_ms;
	/* Only a session's registration (the host) knows these: never a line's. */
	const char *repo;	/* the main repository's name, or NULL */
	const char *branch;	/* the branch the session started on, or NULL */
};

/*
 * Appends the event line for payload (the agent's bytes), newline included.
 * A payload that is not JSON travels as a string; one that would make the
 * line too long is cut down to the fields a notification uses, each string
 * shortened. The result always fits SBX_NOTIFY_LINE_MAX.
 */
void sbx_notify_wrap(struct sbx_buf *out, const struct sbx_notify_origin *o,
		     const char *payload, size_t len);

/* A notification, as terminal-notifier takes it; NULL fields are left out. */
struct sbx_notification {
	const char *title;
	const char *subtitle;
	const char *message;
	const char *sound;
	const char *group;	/* a later notification of the group replaces the earlier */
	const char *open;	/* a URL to open on click (where the notifier can) */
};

/* What the server makes of an event line; strings owned. */
struct sbx_notify_event {
	char *kind;		/* "Notification", "Stop", ... (Codex's turn end is "Stop") */
	char *type;		/* a Notification's notification_type, or NULL */
	char *title;		/* "app feat/x: Claude is waiting" */
	char *message;		/* the agent's message, cleaned and shortened */
	char *group;		/* one per session: "sbx:" + sandbox (or project) */
	char *sandbox;		/* or NULL */
};

/*
 * Parses an event line (without its newline). Returns 0 with ev filled;
 * 1 when the line is a request ({"stats":true}, {"watch":true},
 * {"session":{...}} or {"exit":{...}}), *request then holding it for the
 * caller to cJSON_Delete; -1 with a message when it is malformed. With
 * trusted (a session's socket: what its host registered), project, sandbox
 * and agent are trusted's, whatever the line claims; without it they are
 * the line's. The title names the repository and branch where trusted has
 * them ("app feat/x: Claude finished"), else the project's last name.
 */
int sbx_notify_parse_line(const char *line, size_t len, const struct sbx_notify_origin *trusted,
			  struct sbx_notify_event *ev, cJSON **request);
void sbx_notify_event_release(struct sbx_notify_event *ev);

/*
 * Text fit for a notification (notify-text.c): valid UTF-8 (bad bytes
 * become '?'); control characters (C0, DEL, C1), U+2028, U+2029 and runs of
 * white space become one space; bidirectional marks, embeddings, overrides
 * and isolates (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are
 * removed; trimmed, cut at a character boundary to at most max bytes with
 * "..." appended when cut.
 */
void sbx_notify_clean_text(struct sbx_buf *out, const char *s, size_t max);

/* ------------------------------------------------------------------ notifiers */

enum sbx_notifier {
	SBX_NOTIFIER_TERMINAL_NOTIFIER,	/* macOS, when installed */
	SBX_NOTIFIER_OSASCRIPT,		/* macOS */
	SBX_NOTIFIER_NOTIFY_SEND,	/* Linux (libnotify) */
	SBX_NOTIFIER_TERMINAL,		/* a bell and OSC 9 on the terminal that runs sbx */
};

/*
 * The notifier for this host: $SBX_NOTIFIER when set to one of the names
 * below; on macOS terminal-notifier when found on PATH, else osascript;
 * elsewhere notify-send when found, else the terminal.
 */
enum sbx_notifier sbx_notifier_detect(void);
/* sbx doctor's lines: on or off, the notifier and whether it can show, the server. */
struct sbx_config;
void sbx_notify_doctor(const struct sbx_config *cfg, sbx_report_fn report);
/* "terminal-notifier", "osascript", "notify-send", "terminal". */
const char *sbx_notifier_name(enum sbx_notifier n);

/*
 * The notifier's argv for n (not for the terminal). replace_id is
 * notify-send's id of the notification to replace (0: none); notify-send is
 * always asked to print the id of the one it shows (-p).
 */
void sbx_notifier_argv(enum sbx_notifier which, const struct sbx_notification *n,
		       unsigned replace_id, struct sbx_strvec *argv);
/* The id notify-send -p printed, or 0. */
unsigned sbx_notifier_parse_id(const char *out);

/* A bell and an OSC 9 notification, as bytes for a terminal. */
void sbx_notify_terminal_text(const struct sbx_notification *n, struct sbx_buf *out);
/*
 * Writes that to tty (a terminal device of ours; anything else is refused),
 * without ever blocking.
 */
int sbx_notify_terminal_write(const char *tty, const struct sbx_notification *n);
/* The terminal of the live `sbx run` that owns sandbox, from its owner record; or NULL. */
char *sbx_notify_session_tty(const char *sandbox);

/*
 * Shows n now and waits for the notifier (`sbx notify send`). With a group,
 * notify-send's id is kept under $(sbx_runtime_dir)/notify-ids/ so that a
 * later send of the group replaces it. The terminal notifier writes to the
 * terminal of stderr, stdout or stdin.
 */
int sbx_notify_send(const struct sbx_notification *n);

/* ---------------------------------------------------------------- the socket */

/*
 * The user's socket, $(sbx_runtime_dir)/notify.sock, which no sandbox
 * reaches, and the server's log $XDG_STATE_HOME/sbx/notify.log.
 */
char *sbx_notify_socket_path(void);
char *sbx_notify_log_path(void);

/*
 * A session's own socket (notify-listen.h) is SBX_NOTIFY_SESSION_SOCKET in
 * its directory, $(sbx_runtime_dir)/notify/ + 12 hex digits of a hash of
 * the run's name: short, as Lima's forward needs it within macOS's 104
 * bytes. The sandbox sees that directory, never the user's socket.
 */
#define SBX_NOTIFY_SESSION_SOCKET "notify.sock"
char *sbx_notify_session_dir(const char *name);

/*
 * One request on the user's socket and the server's one-line answer
 * (*answer the caller's), within timeout_ms; -1 with a message.
 */
int sbx_notify_ask(const cJSON *req, cJSON **answer, int timeout_ms);

/* What the host's `sbx run` says of its session when it registers it. */
struct sbx_notify_registration {
	const char *name;	/* the run's name (its owner record's) */
	const char *project, *sandbox, *agent;
	const char *repo;	/* the main repository's name, or NULL outside git */
	const char *branch;	/* the branch the checkout is on, or NULL */
	const char *backend;
};

/*
 * Asks the server, on the user's socket, for a socket of the session r
 * names (a run whose owner record, owner.h, is written and alive), whose
 * lines are then project's, sandbox's and agent's whatever they say. The
 * registration also hands the server this process's desktop variables
 * (DBUS_SESSION_BUS_ADDRESS, DISPLAY, WAYLAND_DISPLAY): its notifiers use
 * the latest run's that had any. Returns 0 once it listens, -1 with a
 * message.
 */
int sbx_notify_register(const struct sbx_notify_registration *r);
/*
 * Tells the server that the agent of session name exited with code (the
 * run's owner, once the agent ended: agent-status.h). Quiet: a server that
 * is not there is no reason to say anything.
 */
void sbx_notify_exited(const char *name, int code);

/* CLOCK_MONOTONIC in milliseconds: the clock of every deadline here. */
long long sbx_notify_now_ms(void);

/*
 * A connected, non-blocking socket to path, within timeout_ms; -1 with errno
 * set (and no message recorded: callers that care record their own).
 */
int sbx_notify_connect(const char *path, int timeout_ms);
/* Writes all of buf to a non-blocking fd before the deadline (CLOCK_MONOTONIC ms). */
int sbx_notify_write_all(int fd, const char *buf, size_t len, long long deadline_ms);
/* Reads from fd into b until b holds a newline, before the deadline; -1 with a message. */
int sbx_notify_read_line(int fd, struct sbx_buf *b, long long deadline_ms);

/*
 * Hands line (newline included) to the server on the socket at path and
 * waits until the server has read it: it closes the connection only after
 * reading to its end (notify-post.c). A connection reset unread, a socket
 * nothing listens on (a server restarting) or one not there yet are tried
 * again until deadline_ms (CLOCK_MONOTONIC); a server that is there but
 * busy (a full backlog, a line not read yet) is waited for until
 * busy_deadline_ms, as long as a burst of events needs on a loaded machine.
 * Returns 0, or -1 with errno set (no message recorded).
 */
int sbx_notify_post(const char *path, const char *line, size_t len, long long deadline_ms,
		    long long busy_deadline_ms);

/*
 * Waiting for a socket to appear in its directory: inotify on Linux,
 * a short sleep elsewhere. arm before the try that may fail, then wait
 * (0 on a change, -1 past the deadline).
 */
struct sbx_notify_waiter {
	int fd;
	char *dir;
};
void sbx_notify_waiter_init(struct sbx_notify_waiter *w, const char *socket_path);
int sbx_notify_waiter_arm(struct sbx_notify_waiter *w);
int sbx_notify_waiter_wait(struct sbx_notify_waiter *w, long long deadline_ms);
void sbx_notify_waiter_release(struct sbx_notify_waiter *w);

/*
 * Makes sure a server listens on the socket: one connect when it does;
 * otherwise starts `sbx notify serve` detached and waits until it says it
 * listens. Starters serialise on a lock, so two runs start one server.
 */
int sbx_notify_ensure_server(void);

/*
 * For `sbx run` and `sbx shell` when notify.enabled: starts the server
 * (a failure is a warning: the session runs without notifications, and
 * s->notify_off says so).
 */
void sbx_notify_session_start(struct sbx_session *s);
/*
 * Once the run's owner record is written: registers the session name
 * (sbx_notify_register; the notifications' group is sandbox's), sets
 * s->notify_dir to its socket's directory and adds SBX_PROJECT,
 * SBX_SANDBOX, SBX_AGENT and SBX_NOTIFY_SOCKET (socket, the path inside
 * the sandbox) to the session's public environment (not secret; bwrap puts
 * it in its own environment). A registration that fails is a warning, and
 * the session runs without notifications (nothing set). Does nothing
 * unless notify.enabled.
 */
int sbx_notify_session_env(struct sbx_session *s, const char *name, const char *sandbox,
			   const char *socket);
/*
 * The run that owns session name says its agent ended with code (>= 0),
 * when its session is registered: sbx_notify_exited.
 */
void sbx_notify_session_exit(const struct sbx_session *s, const char *name, int code);
/*
 * The same, then the command made to set them itself
 * (sbx_session_wrap_public_env): for Lima, where an environment file costs
 * one more `limactl shell`.
 */
int sbx_notify_session_command(struct sbx_session *s, const char *name, const char *sandbox,
			       const char *socket);

/*
 * Lima: the session's socket appears in the guest at SBX_NOTIFY_LIMA_SOCKET
 * (unconfirmed on a real Lima: the guest's /tmp, where Lima's reverse
 * forward creates it for the guest user) through a reverse portForward
 * that sbx_notify_lima_clone adds to the clone name's --set flags (Lima
 * connects to the host's socket for each connection in the guest, so a
 * restarted server's socket is found in the same place);
 * sbx_notify_lima_provision adds the user provisioning script that writes
 * the agents' hooks (both only when notify.enabled).
 */
#define SBX_NOTIFY_LIMA_SOCKET "/tmp/sbx-notify.sock"
void sbx_notify_lima_clone(const struct sbx_session *s, const char *name, struct sbx_strvec *args);
/*
 * Does the instance (limactl list --json) forward the user's socket, as a
 * persistent VM cloned by an sbx before sessions had sockets of their own
 * does? Its sandbox could then speak for any session.
 */
int sbx_notify_lima_forwards_user_socket(const cJSON *instance);
void sbx_notify_lima_provision(const struct sbx_config *cfg, cJSON *provision);

/* ----------------------------------------------------------------- the server */

struct sbx_notify_serve_opts {
	const char *socket;	/* default sbx_notify_socket_path() */
	int ready_fd;		/* >= 0: detach, and write "ready\n" here once listening */
};

/* Runs the server until SIGTERM or SIGINT. Returns 0, or -1 with a message. */
int sbx_notify_serve(const struct sbx_notify_serve_opts *o);

/* ------------------------------------------------------------- agent wiring */

/* The events that become notifications: notify.events, or none when notify.enabled is false. */
void sbx_hook_events(const struct sbx_config *cfg, struct sbx_strvec *events);
/*
 * The events to wire: those, then what the agents' states need
 * (UserPromptSubmit, PreToolUse, PostToolUse, Notification, Stop); none
 * when notify.enabled is false.
 */
void sbx_hook_wired_events(const struct sbx_config *cfg, struct sbx_strvec *events);
/*
 * Claude Code's settings.json: {"hooks": {EVENT: [{"matcher": "", "hooks":
 * [{"type": "command", "command": "sbx hook --agent claude", "timeout": 5}]}]}}.
 */
cJSON *sbx_claude_hook_settings(const struct sbx_strvec *events);
/* Codex's config.toml: notify = ["sbx", "hook", "--agent", "codex"] when Stop is chosen; else "". */
void sbx_codex_hook_toml(const struct sbx_strvec *events, struct sbx_buf *out);
/* Writes both into a sandbox home on this host (home/.claude/, home/.codex/). */
int sbx_write_agent_hooks(const char *home, const struct sbx_config *cfg);
/* The same as a shell script that writes them into $HOME (Lima's user provisioning). */
void sbx_agent_hooks_script(const struct sbx_config *cfg, struct sbx_buf *out);

#endif
