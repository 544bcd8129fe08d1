/*
 * clock.h - monotonic and wall-clock readings in milliseconds, and the
 * deadline arithmetic every bounded wait in vmc uses. Deadlines are
 * CLOCK_MONOTONIC; wall time is only for the `since` of a state.
 */
#ifndef VMC_CORE_CLOCK_H
#define VMC_CORE_CLOCK_H

#include <stdint.h>

int64_t clock_mono_ms(void);
int64_t clock_mono_us(void);
int64_t clock_real_ms(void);
/* Deadline for a timeout in ms; a negative timeout gives -1 (never). */
int64_t clock_deadline(int timeout_ms);
/* poll(2) timeout left until `deadline` (-1 for never, 0 when passed). */
int clock_remaining_ms(int64_t deadline);

#endif
