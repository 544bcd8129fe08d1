/* sys/event.h (Darwin kqueue). Stub: only what vmc uses. */
#ifndef _SYS_EVENT_H_
#define _SYS_EVENT_H_
#include <stdint.h>
#include <sys/types.h>
struct timespec;
#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)
#define EVFILT_VNODE (-4)
#define EVFILT_PROC (-5)
#define EVFILT_SIGNAL (-6)
#define EVFILT_TIMER (-7)
#define EVFILT_USER (-10)
#define EV_ADD 0x0001
#define EV_DELETE 0x0002
#define EV_ENABLE 0x0004
#define EV_DISABLE 0x0008
#define EV_ONESHOT 0x0010
#define EV_CLEAR 0x0020
#define EV_EOF 0x8000
#define EV_ERROR 0x4000
/* EVFILT_USER */
#define NOTE_TRIGGER 0x01000000
/* EVFILT_VNODE */
#define NOTE_DELETE 0x00000001
#define NOTE_WRITE 0x00000002
#define NOTE_EXTEND 0x00000004
#define NOTE_RENAME 0x00000020
/* EVFILT_PROC */
#define NOTE_EXIT 0x80000000
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
