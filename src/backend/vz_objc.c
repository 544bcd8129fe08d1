/*
 * vz_objc.c - typed objc_msgSend wrappers and the few Foundation objects
 * the vz backend needs (vz_objc.h). macOS only.
 */
#include <stdio.h>

#include "backend/vz_objc.h"

SEL vz_sel(const char *name)
{
	return sel_registerName(name);
}

id vz_cls(const char *name)
{
	return (id)objc_getClass(name);
}

id vz_msg_id(id o, const char *s)
{
	return ((id (*)(id, SEL))objc_msgSend)(o, vz_sel(s));
}

id vz_msg_id_id(id o, const char *s, id a)
{
	return ((id (*)(id, SEL, id))objc_msgSend)(o, vz_sel(s), a);
}

void vz_msg_void(id o, const char *s)
{
	((void (*)(id, SEL))objc_msgSend)(o, vz_sel(s));
}

void vz_msg_void_id(id o, const char *s, id a)
{
	((void (*)(id, SEL, id))objc_msgSend)(o, vz_sel(s), a);
}

BOOL vz_msg_bool(id o, const char *s)
{
	return ((BOOL (*)(id, SEL))objc_msgSend)(o, vz_sel(s));
}

vz_uint vz_msg_uint(id o, const char *s)
{
	return ((vz_uint (*)(id, SEL))objc_msgSend)(o, vz_sel(s));
}

uint64_t vz_msg_u64(id o, const char *s)
{
	return ((uint64_t (*)(id, SEL))objc_msgSend)(o, vz_sel(s));
}

id vz_alloc(const char *class_name)
{
	id c = vz_cls(class_name);

	return c ? vz_msg_id(c, "alloc") : NULL;
}

/* [[class alloc] init], +1; NULL when the class does not exist. */
id vz_new(const char *class_name)
{
	id o = vz_alloc(class_name);

	return o ? vz_msg_id(o, "init") : NULL;
}

void vz_release(id o)
{
	if (o)
		vz_msg_void(o, "release");
}

/* Autoreleased NSString / NSURL / NSArray of one object. */
id vz_str(const char *s)
{
	return ((id (*)(id, SEL, const char *))objc_msgSend)(vz_cls("NSString"),
							     vz_sel("stringWithUTF8String:"), s);
}

id vz_url(const char *path)
{
	return vz_msg_id_id(vz_cls("NSURL"), "fileURLWithPath:", vz_str(path));
}

id vz_array(id *objs, vz_uint n)
{
	return ((id (*)(id, SEL, const id *, vz_uint))objc_msgSend)(
		vz_cls("NSArray"), vz_sel("arrayWithObjects:count:"), objs, n);
}

/* An NSFileHandle owning fd (closed when the handle is deallocated). */
id vz_file_handle(int fd)
{
	id h = vz_alloc("NSFileHandle");

	return ((id (*)(id, SEL, int, BOOL))objc_msgSend)(h, vz_sel("initWithFileDescriptor:"
								 "closeOnDealloc:"), fd, YES);
}

void vz_error_text(id error, char *out, size_t len)
{
	id desc = error ? vz_msg_id(error, "localizedDescription") : NULL;
	const char *s = desc ? ((const char *(*)(id, SEL))objc_msgSend)(desc, vz_sel("UTF8String"))
			     : NULL;

	snprintf(out, len, "%s", s && *s ? s : "unknown error");
}

/* A pool around every block run on the queue: no ARC in C. */
id vz_pool_push(void)
{
	return vz_new("NSAutoreleasePool");
}

void vz_pool_pop(id pool)
{
	if (pool)
		vz_msg_void(pool, "drain");
}
