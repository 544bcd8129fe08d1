/* sys/clonefile.h (Darwin, macOS 10.12+). Stub: only what vmc uses. */
#ifndef _SYS_CLONEFILE_H_
#define _SYS_CLONEFILE_H_
#include <stdint.h>
#define CLONE_NOFOLLOW 0x0001
#define CLONE_NOOWNERCOPY 0x0002
int clonefile(const char *src, const char *dst, uint32_t flags);
#endif
