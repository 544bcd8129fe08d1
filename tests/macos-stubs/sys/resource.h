/* sys/resource.h (Darwin; macOS values). Stub: only what vmc uses. */
#ifndef _SYS_RESOURCE_H_
#define _SYS_RESOURCE_H_
#include <stdint.h>
#include <sys/_types/_timeval.h>
typedef uint64_t rlim_t;
#define RLIM_INFINITY (((uint64_t)1 << 63) - 1)
#define RLIMIT_NOFILE 8
struct rlimit {
	rlim_t rlim_cur;
	rlim_t rlim_max;
};
int getrlimit(int resource, struct rlimit *rlp);
int setrlimit(int resource, const struct rlimit *rlp);
#endif
