/* dirent.h (Darwin libc; the 64-bit-inode struct dirent). Stub: only what
 * vmc uses. */
#ifndef _DIRENT_H_
#define _DIRENT_H_
#include <stdint.h>
#include <sys/types.h>
typedef struct __dirdesc DIR;
struct dirent {
	uint64_t d_ino;
	uint64_t d_seekoff;
	uint16_t d_reclen;
	uint16_t d_namlen;
	uint8_t d_type;
	char d_name[1024];
};
#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10
DIR *opendir(const char *dirname);
DIR *fdopendir(int fd);
struct dirent *readdir(DIR *dirp);
int closedir(DIR *dirp);
int dirfd(DIR *dirp);
#endif
