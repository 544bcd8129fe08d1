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
int getdtablesize(void);
int unlink(const char *path);
#define SEEK_END 2
off_t lseek(int fildes, off_t offset, int whence);
ssize_t pread(int d, void *buf, size_t nbyte, off_t offset);
#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4
#define SEEK_SET 0
#define SEEK_CUR 1
int dup(int fildes);
int dup2(int fildes, int fildes2);
pid_t fork(void);
pid_t setsid(void);
uid_t geteuid(void);
int execvp(const char *file, char *const argv[]);
int access(const char *path, int mode);
int unlinkat(int fd, const char *path, int flag);
int rmdir(const char *path);
char *getcwd(char *buf, size_t size);
ssize_t readlink(const char *path, char *buf, size_t bufsize);
int symlink(const char *path1, const char *path2);
int symlinkat(const char *name1, int fd, const char *name2);
int link(const char *path1, const char *path2);
int linkat(int fd1, const char *name1, int fd2, const char *name2, int flag);
int fsync(int fildes);
int ftruncate(int fildes, off_t length);
int truncate(const char *path, off_t length);
ssize_t pwrite(int fildes, const void *buf, size_t nbyte, off_t offset);
int isatty(int fildes);
#define _SC_PAGESIZE 29
#define _SC_NPROCESSORS_ONLN 58
int fchown(int fildes, uid_t owner, gid_t group);
int fchownat(int fd, const char *path, uid_t owner, gid_t group, int flag);
int setuid(uid_t uid);
int getopt(int argc, char *const argv[], const char *optstring);
#endif
