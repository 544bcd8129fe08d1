/* sys/types.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _SYS_TYPES_H_
#define _SYS_TYPES_H_
#include <stddef.h>
#include <stdint.h>
typedef int32_t pid_t;
typedef long ssize_t;
typedef int64_t off_t;
typedef uint16_t mode_t;
typedef uint32_t uid_t;
typedef uint32_t gid_t;
typedef uint32_t id_t;
typedef unsigned int u_int;
typedef int32_t dev_t;
typedef uint64_t ino_t;
typedef long time_t;
/* fd_set (sys/_types/_fd_def.h, which sys/types.h includes) */
#define FD_SETSIZE 1024
typedef struct fd_set {
	int32_t fds_bits[FD_SETSIZE / 32];
} fd_set;
#define major(x) ((int32_t)(((uint32_t)(x) >> 24) & 0xff))
#define minor(x) ((int32_t)((x) & 0xffffff))
#define makedev(x, y) ((dev_t)(((x) << 24) | (y)))
#endif
