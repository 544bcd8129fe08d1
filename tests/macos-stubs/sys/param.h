/* sys/param.h (Darwin). Stub: only what vmc uses. */
#ifndef _SYS_PARAM_H_
#define _SYS_PARAM_H_
#define MAXPATHLEN 1024
#endif
