/* dispatch/dispatch.h (libdispatch, public) as seen from C (not
 * Objective-C: OS_OBJECT_USE_OBJC == 0, so objects are released with
 * dispatch_release). Stub: only what vmc uses. */
#ifndef __DISPATCH_PUBLIC__
#define __DISPATCH_PUBLIC__
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct dispatch_queue_s *dispatch_queue_t;
typedef struct dispatch_queue_attr_s *dispatch_queue_attr_t;
typedef struct dispatch_semaphore_s *dispatch_semaphore_t;
typedef struct dispatch_source_s *dispatch_source_t;
typedef union {
	struct dispatch_object_s *_do;
	struct dispatch_queue_s *_dq;
	struct dispatch_semaphore_s *_dsema;
	struct dispatch_source_s *_ds;
} dispatch_object_t __attribute__((__transparent_union__));
typedef uint64_t dispatch_time_t;
typedef long dispatch_once_t;
typedef void (*dispatch_function_t)(void *);
typedef void (^dispatch_block_t)(void);

#define DISPATCH_QUEUE_SERIAL NULL
#define DISPATCH_TIME_NOW (0ull)
#define DISPATCH_TIME_FOREVER (~0ull)
#define NSEC_PER_MSEC 1000000ull

dispatch_queue_t dispatch_queue_create(const char *label, dispatch_queue_attr_t attr);
void dispatch_async(dispatch_queue_t queue, dispatch_block_t block);
void dispatch_sync(dispatch_queue_t queue, dispatch_block_t block);
void dispatch_once_f(dispatch_once_t *predicate, void *context, dispatch_function_t function);
void dispatch_release(dispatch_object_t object);
dispatch_time_t dispatch_time(dispatch_time_t when, int64_t delta);
dispatch_semaphore_t dispatch_semaphore_create(long value);
long dispatch_semaphore_wait(dispatch_semaphore_t dsema, dispatch_time_t timeout);
long dispatch_semaphore_signal(dispatch_semaphore_t dsema);
#endif
