/* Unix stream sockets to connect with (unix-socket.h). */
#include "unix-socket.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int sbx_unix_stream_for(const char *path, struct sockaddr_un *sa)
{
	int fd;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
#ifdef SO_NOSIGPIPE
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &(int){ 1 }, sizeof(int));
#endif
	return fd;
}
