/* pthread.h (Darwin libc). Stub: only what vmc uses (opaque sizes as
 * on arm64). */
#ifndef _PTHREAD_H
#define _PTHREAD_H
#include <stddef.h>
typedef struct _opaque_pthread_t *pthread_t;
typedef struct { long __sig; char __opaque[56]; } pthread_mutex_t;
typedef struct { long __sig; char __opaque[56]; } pthread_attr_t;
typedef struct { long __sig; char __opaque[8]; } pthread_once_t;
#define PTHREAD_MUTEX_INITIALIZER {0x32AAABA7, {0}}
#define PTHREAD_ONCE_INIT {0x30B1BCBA, {0}}
int pthread_once(pthread_once_t *once_control, void (*init_routine)(void));
int pthread_mutex_lock(pthread_mutex_t *mutex);
int pthread_mutex_unlock(pthread_mutex_t *mutex);
typedef unsigned long pthread_key_t;
#endif
