/* errno.h (Darwin libc; macOS values). Stub: only what vmc uses. */
#ifndef _ERRNO_H_
#define _ERRNO_H_
int *__error(void);
#define errno (*__error())
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define EEXIST 17
#define EAGAIN 35
#define EADDRINUSE 48
#define ECONNREFUSED 61
#define EWOULDBLOCK EAGAIN
#define EPROTO 100
#endif
