#ifndef SBX_UNIX_SOCKET_H
#define SBX_UNIX_SOCKET_H

#include <sys/un.h>

/*
 * A stream socket (close-on-exec; no SIGPIPE where the system has a flag
 * for it) for connecting to path, whose address is filled into *sa. -1 with
 * errno set (ENAMETOOLONG: path does not fit in sun_path).
 */
int sbx_unix_stream_for(const char *path, struct sockaddr_un *sa);

#endif
