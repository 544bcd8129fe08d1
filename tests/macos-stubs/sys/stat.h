/* sys/stat.h (Darwin). Stub: only what vmc uses. */
#ifndef _SYS_STAT_H_
#define _SYS_STAT_H_
#include <sys/types.h>
int mkdir(const char *path, mode_t mode);
#endif
