/*
 * unixsock.h - unix stream sockets by path, with paths longer than
 * sun_path handled through an O_PATH directory fd (/proc/self/fd/N/name),
 * never silently truncated.
 */
#ifndef VMC_CORE_UNIXSOCK_H
#define VMC_CORE_UNIXSOCK_H

/* Binds and listens; a stale socket file (connect refused) is replaced.
 * *out is a SOCK_CLOEXEC listening fd. */
int unix_listen(const char *path, int backlog, int nonblock, int *out);
/* Connects; VMC_ENOTFOUND when nothing listens there. */
int unix_connect(const char *path, int *out);
/* Sends all of buf (MSG_NOSIGNAL). */
int unix_send_all(int fd, const void *buf, size_t len);

#endif
