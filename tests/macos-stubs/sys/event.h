/* sys/event.h (Darwin kqueue). Stub: only what vmc uses. */
#ifndef _SYS_EVENT_H_
#define _SYS_EVENT_H_
#include <stdint.h>
#include <sys/types.h>
struct timespec;
#define EVFILT_READ (-1)
#define EVFILT_SIGNAL (-6)
#define EVFILT_TIMER (-7)
#define EV_ADD 0x0001
#define EV_DELETE 0x0002
#define EV_ONESHOT 0x0010
struct kevent {
	uintptr_t ident;
	int16_t filter;
	uint16_t flags;
	uint32_t fflags;
	intptr_t data;
	void *udata;
};
#define EV_SET(kevp, a, b, c, d, e, f) do {     \
	struct kevent *__kevp__ = (kevp);       \
	__kevp__->ident = (a);                  \
	__kevp__->filter = (int16_t)(b);        \
	__kevp__->flags = (uint16_t)(c);        \
	__kevp__->fflags = (uint32_t)(d);       \
	__kevp__->data = (intptr_t)(e);         \
	__kevp__->udata = (f);                  \
} while (0)
int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist,
	   int nevents, const struct timespec *timeout);
#endif
