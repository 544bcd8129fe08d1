/*
 * vz_objc.h - the Objective-C messaging vz.c and vz_config.c use, in
 * plain C (macOS only): each helper is objc_msgSend cast to one exact
 * function type, so a call site cannot pass the wrong argument types.
 * Objects made with vz_alloc/vz_new are +1 (vz_release them; no ARC in
 * C); vz_str/vz_url/vz_array return autoreleased objects, so callers run
 * between vz_pool_push() and vz_pool_pop(). docs/vz-selectors.md lists
 * every selector sent.
 */
#ifndef VMC_BACKEND_VZ_OBJC_H
#define VMC_BACKEND_VZ_OBJC_H

#include <stddef.h>
#include <stdint.h>

#include <objc/message.h>
#include <objc/runtime.h>

typedef unsigned long vz_uint; /* NSUInteger on 64-bit macOS */
typedef long vz_int;           /* NSInteger */

SEL vz_sel(const char *name);
/* The class object, or NULL when this macOS lacks it. */
id vz_cls(const char *name);
/* [o s] returning id / nothing / BOOL / NSUInteger / uint64_t. */
id vz_msg_id(id o, const char *s);
id vz_msg_id_id(id o, const char *s, id a);
void vz_msg_void(id o, const char *s);
void vz_msg_void_id(id o, const char *s, id a);
BOOL vz_msg_bool(id o, const char *s);
vz_uint vz_msg_uint(id o, const char *s);
uint64_t vz_msg_u64(id o, const char *s);
/* [class alloc]; [[class alloc] init] (+1). NULL if the class is missing. */
id vz_alloc(const char *class_name);
id vz_new(const char *class_name);
void vz_release(id o); /* NULL: no-op */
/* Autoreleased NSString, file NSURL, NSArray of n objects. */
id vz_str(const char *s);
id vz_url(const char *path);
id vz_array(id *objs, vz_uint n);
/* An NSFileHandle (+1) owning fd: closed when it is deallocated. */
id vz_file_handle(int fd);
/* error.localizedDescription as UTF-8 into out ("unknown error" for nil). */
void vz_error_text(id error, char *out, size_t len);
/* An NSAutoreleasePool around each block run on a queue. */
id vz_pool_push(void);
void vz_pool_pop(id pool);

#endif
