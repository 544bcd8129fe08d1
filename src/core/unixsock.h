/*
 * unixsock.h - unix stream sockets by path, with paths longer than
 * sun_path handled through an O_PATH directory fd (/proc/self/fd/N/name)
 * on Linux and refused elsewhere, never silently truncated. Portable: on
 * macOS (no SOCK_CLOEXEC, accept4, MSG_NOSIGNAL) the sockets are made
 * close-on-exec with fcntl and carry SO_NOSIGPIPE instead.
 */
#ifndef VMC_CORE_UNIXSOCK_H
#define VMC_CORE_UNIXSOCK_H

#include <sys/socket.h>

/* send() flags for a socket from here: MSG_NOSIGNAL where it exists; on
 * macOS the socket itself has SO_NOSIGPIPE. */
#ifdef MSG_NOSIGNAL
#define UNIX_MSG_NOSIGNAL MSG_NOSIGNAL
#else
#define UNIX_MSG_NOSIGNAL 0
#endif

/* Binds and listens; a stale socket file (connect refused) is replaced.
 * *out is a SOCK_CLOEXEC listening fd. */
int unix_listen(const char *path, int backlog, int nonblock, int *out);
/* Connects; VMC_ENOTFOUND when nothing listens there. */
int unix_connect(const char *path, int *out);
/* Accepts a connection as a close-on-exec, non-blocking fd. Returns 0,
 * or -1 with errno set (EAGAIN when none is pending). */
int unix_accept(int listen_fd, int *out);
/* Sends all of buf (UNIX_MSG_NOSIGNAL). */
int unix_send_all(int fd, const void *buf, size_t len);

#endif
