/* limits.h (Darwin libc): PATH_MAX from sys/syslimits.h, the rest from
 * clang's own limits.h. Stub: only what vmc uses. */
#ifndef _VMC_STUB_LIMITS_H_
#define _VMC_STUB_LIMITS_H_
#include_next <limits.h>
#define PATH_MAX 1024
#define NAME_MAX 255
#endif
