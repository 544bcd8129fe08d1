/* sys/xattr.h (Darwin: position and options arguments). Stub: only what
 * vmc uses. */
#ifndef _SYS_XATTR_H_
#define _SYS_XATTR_H_
#include <stddef.h>
#include <stdint.h>
int fsetxattr(int fd, const char *name, const void *value, size_t size, uint32_t position,
	      int options);
#endif
