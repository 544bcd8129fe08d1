/* sys/time.h (Darwin). Stub: only what vmc uses. */
#ifndef _SYS_TIME_H_
#define _SYS_TIME_H_
#include <sys/_types/_timeval.h>
#include <time.h>
#endif
