/*
 * Handing a line to the notification server so that it is not lost
 * (notify.h): `sbx hook`'s one job.
 *
 * A line written into a socket is not yet read: a server killed or
 * restarted before it reads the line drops it, and its client, already
 * gone, would never know. So the client says it is done (shutdown) and
 * waits for the server to close the connection, which the server does only
 * after reading, and acting on, everything before the end. A connection the
 * server never read is reset when it goes: the client connects again and
 * sends the line again. A socket that nothing listens on (a server
 * restarting) or that is not there is waited for: on Linux inotify says
 * when a socket appears in its directory, and the server puts a socket
 * there only once it listens (notify-listen.c renames it into place). A full
 * backlog is waited for by connect itself.
 */
#include "notify.h"
#include "unix-socket.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

static long long left_of(long long deadline)
{
	long long left = deadline - sbx_notify_now_ms();

	return left < 0 ? 0 : left;
}

/*
 * A blocking connect that waits, until the deadline, for room in a full
 * backlog (Linux: a non-blocking connect would say EAGAIN at once).
 */
static int connect_by(const char *path, long long deadline)
{
	struct sockaddr_un sa;
	struct timeval tv;
	long long left = left_of(deadline);
	int fd, err;

	fd = sbx_unix_stream_for(path, &sa);
	if (fd < 0)
		return -1;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000 * 1000 + (left ? 0 : 1000));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (errno == EINTR && left_of(deadline))
			continue;
		err = errno == EINPROGRESS ? ETIMEDOUT : errno;
		close(fd);
		errno = err;
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

void sbx_notify_waiter_init(struct sbx_notify_waiter *w, const char *path)
{
	const char *slash = strrchr(path, '/');

	w->fd = -1;
	w->dir = slash && slash != path ? sbx_strndup(path, (size_t)(slash - path)) : sbx_strdup("/");
}

void sbx_notify_waiter_release(struct sbx_notify_waiter *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->dir);
	w->dir = NULL;
}

int sbx_notify_waiter_arm(struct sbx_notify_waiter *w)
{
#ifdef __linux__
	if (w->fd >= 0)
		return 0;
	w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->fd < 0)
		return -1;
	/* A socket renamed into place, or made there; the directory itself made again. */
	if (inotify_add_watch(w->fd, w->dir, IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0) {
		close(w->fd);
		w->fd = -1;
		return -1;
	}
	return 0;
#else
	(void)w;
	return -1;
#endif
}

int sbx_notify_waiter_wait(struct sbx_notify_waiter *w, long long deadline)
{
	char events[4096];
	struct pollfd p = { w->fd, POLLIN, 0 };
	long long left = left_of(deadline);
	int r;

	if (w->fd < 0) {
		/* No inotify (or no such directory yet): look again a little later. */
		struct timespec ts = { 0, 20 * 1000000L };

		if (!left)
			return -1;
		if (left < 20)
			ts.tv_nsec = (long)left * 1000000L;
		nanosleep(&ts, NULL);
		return 0;
	}
	do
		r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
	while (r < 0 && errno == EINTR && (left = left_of(deadline)));
	if (r <= 0)
		return -1;
	while (read(w->fd, events, sizeof(events)) > 0)
		;
	return 0;
}

/* The server has read everything we sent once it closes its end: 0; -1 when it reset or timed out. */
static int wait_closed(int fd, long long deadline)
{
	char buf[256];

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = left_of(deadline);
		ssize_t n;
		int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			errno = ETIMEDOUT;
		if (r <= 0)
			return -1;
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

/* Errors after which the line is sent again: nobody read it. */
static int lost(int err)
{
	return err == ECONNRESET || err == EPIPE || err == ECONNREFUSED || err == ENOENT ||
	       err == ENOTCONN;
}

int sbx_notify_post(const char *path, const char *line, size_t len, long long deadline,
		    long long busy_deadline)
{
	struct sbx_notify_waiter w;
	int ret = -1, err = 0;

	sbx_notify_waiter_init(&w, path);
	for (;;) {
		/* A listener whose backlog is full is alive: waited for until the later deadline. */
		int fd = connect_by(path, busy_deadline);

		if (fd < 0) {
			err = errno;
			if ((err != ECONNREFUSED && err != ENOENT) || !left_of(deadline))
				break;
			/* Armed before the next try, so that a socket made in between is seen. */
			if (w.fd < 0 && !sbx_notify_waiter_arm(&w))
				continue;
			if (sbx_notify_waiter_wait(&w, deadline)) {
				err = ETIMEDOUT;
				break;
			}
			continue;
		}
		if (!sbx_notify_write_all(fd, line, len, busy_deadline) && !shutdown(fd, SHUT_WR) &&
		    !wait_closed(fd, busy_deadline)) {
			close(fd);
			ret = 0;
			break;
		}
		err = errno;
		close(fd);
		if (!lost(err) || !left_of(deadline))
			break;
	}
	sbx_notify_waiter_release(&w);
	errno = err;
	return ret;
}
