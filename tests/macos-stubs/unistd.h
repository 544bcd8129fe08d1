/* unistd.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _UNISTD_H_
#define _UNISTD_H_
#include <sys/types.h>
#define STDERR_FILENO 2
int close(int fd);
ssize_t read(int fd, void *buf, size_t nbyte);
ssize_t write(int fd, const void *buf, size_t nbyte);
int pipe(int fildes[2]);
pid_t getpid(void);
int unlink(const char *path);
#define SEEK_END 2
off_t lseek(int fildes, off_t offset, int whence);
ssize_t pread(int d, void *buf, size_t nbyte, off_t offset);
#endif
