/*
 * clock.c - millisecond clocks and deadlines (see clock.h).
 */
#include <time.h>
#include "core/clock.h"

static int64_t read_clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_us(void)
{
	return read_clock_us(CLOCK_MONOTONIC);
}

int64_t clock_mono_ms(void)
{
	return read_clock_us(CLOCK_MONOTONIC) / 1000;
}

int64_t clock_real_ms(void)
{
	return read_clock_us(CLOCK_REALTIME) / 1000;
}

int64_t clock_deadline(int timeout_ms)
{
	if (timeout_ms < 0)
		return -1;
	return clock_mono_ms() + timeout_ms;
}

int clock_remaining_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - clock_mono_ms();
	if (left <= 0)
		return 0;
	if (left > 0x7fffffff)
		return 0x7fffffff;
	return (int)left;
}
