/* time.h (Darwin libc; macOS clock ids). Stub: only what vmc uses. */
#ifndef _TIME_H_
#define _TIME_H_
#include <stddef.h>
#include <sys/_types/_timeval.h>
struct timespec {
	time_t tv_sec;
	long tv_nsec;
};
struct tm {
	int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst;
	long tm_gmtoff;
	char *tm_zone;
};
typedef enum {
	_CLOCK_REALTIME = 0,
	_CLOCK_MONOTONIC = 6,
	_CLOCK_MONOTONIC_RAW = 4,
	_CLOCK_UPTIME_RAW = 8,
} clockid_t;
#define CLOCK_REALTIME _CLOCK_REALTIME
#define CLOCK_MONOTONIC _CLOCK_MONOTONIC
int clock_gettime(clockid_t clock_id, struct timespec *tp);
time_t time(time_t *tloc);
struct tm *gmtime_r(const time_t *clock, struct tm *result);
size_t strftime(char *s, size_t maxsize, const char *format, const struct tm *timeptr);
#endif
