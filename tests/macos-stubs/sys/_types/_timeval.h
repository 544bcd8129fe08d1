/* sys/_types/_timeval.h (Darwin). Stub: struct timeval. */
#ifndef _STRUCT_TIMEVAL
#define _STRUCT_TIMEVAL struct timeval
#include <stdint.h>
typedef int32_t suseconds_t;
typedef long time_t;
struct timeval {
	time_t tv_sec;
	suseconds_t tv_usec;
};
#endif
