#ifndef SBX_NOTIFY_LISTEN_H
#define SBX_NOTIFY_LISTEN_H

#include <cjson/cJSON.h>
#include <sys/types.h>

#include "notify.h"
#include "strvec.h"

/*
 * The sockets the notification server listens on (notify-server.c): the
 * user's own, $(sbx_runtime_dir)/notify.sock, which no sandbox reaches, and
 * one per session, which only that session's sandbox reaches.
 *
 * The host's `sbx run` registers its session on the user's socket
 * (sbx_notify_register): the server makes the session's socket in the
 * session's directory (sbx_notify_session_dir), which bwrap binds into the
 * sandbox read-only and Lima's reverse forward serves, and keeps the
 * registration beside it (the directory's name + ".json"), so that a
 * restarted server makes the socket again in the same place. Every line
 * that arrives on it is that session's: project, sandbox and agent are the
 * registration's, never the line's.
 *
 * A session's socket lives while the session's owner record (owner.h) names
 * a live process: a pidfd says when that process ends (Linux), and a tmux
 * keeper that took the record over is watched in its turn; where there is
 * no pidfd the server asks sbx_notify_listener_ended every
 * SBX_NOTIFY_OWNER_CHECK_MS.
 */
#define SBX_NOTIFY_OWNER_CHECK_MS 10000

struct sbx_notify_listener {
	int fd;			/* the listening socket (non-blocking), or -1 */
	char *path;		/* its path */
	dev_t dev;
	ino_t ino;
	size_t nr_clients;	/* connected now (the server counts them) */
	/* A session's; NULL, 0 and -1 for the user's socket. */
	char *name;		/* the run's name, as its owner record has it */
	char *dir;		/* the socket's directory */
	char *project, *sandbox, *agent;	/* as registered: every line's origin */
	char *repo, *branch, *backend;		/* as registered, or NULL */
	/*
	 * The desktop variables of the run that registered it ("NAME=value",
	 * or "NAME" where it had none), with none when it had none of them;
	 * when it registered (ms since the epoch).
	 */
	struct sbx_strvec desktop;
	long long registered;
	pid_t owner;		/* the process watched */
	int pidfd;		/* readable once owner has ended, or -1 */
};

/*
 * The variables through which a notifier finds the desktop: the session
 * bus, X11, Wayland. The server takes them from registrations (the host's
 * sbx run), never from a line: a sandbox could point the notifier at a bus
 * of its choosing.
 */
extern const char *const sbx_notify_desktop_vars[];

/*
 * Listens on the user's socket at path (its directory made 0700, the socket
 * 0600). A socket left by a dead server is replaced (*replaced set); one that
 * answers, or a file that is not a socket, is refused.
 */
int sbx_notify_listen_user(struct sbx_notify_listener *l, const char *path, int *replaced);

/*
 * Listens on the socket of the session registration names
 * ({"name", "project", "sandbox", "agent", "repo", "branch", "backend",
 * "desktop": {NAME: value}, "registered"}), which must be a live session of
 * that project, in its directory; records the registration and watches the
 * owner. With l already listening for that name (a persistent sandbox's
 * next run) it takes the new registration and watches the record's owner
 * again. Returns 0, or -1 with a message (l still listening when it was,
 * else released). The caller makes sure no other session's socket is in
 * the same directory.
 */
int sbx_notify_listen_session(struct sbx_notify_listener *l, const cJSON *registration);

/*
 * Has l's session ended? After its pidfd said so, or every
 * SBX_NOTIFY_OWNER_CHECK_MS without one. 0 when a live process still owns
 * it (watched from now on); 1 when it ended.
 */
int sbx_notify_listener_ended(struct sbx_notify_listener *l);

/* Is the socket at l's path still the one l made (not removed, not another server's)? */
int sbx_notify_listener_ours(const struct sbx_notify_listener *l);

/*
 * Closes l, removing its socket when it is still the one l made. forget:
 * a session's directory and registration go too (it ended); without it they
 * stay for the next server.
 */
void sbx_notify_listener_close(struct sbx_notify_listener *l, int forget);

/*
 * The registrations a server left (an array, never NULL); directories
 * without one are removed.
 */
cJSON *sbx_notify_saved_sessions(void);
/* Removes a session's directory and registration. */
void sbx_notify_forget_session(const char *name);

#endif
