/* objc/runtime.h (objc4, public). Stub: only what vmc uses. */
#ifndef _OBJC_RUNTIME_H
#define _OBJC_RUNTIME_H
#include <stddef.h>
#include <stdint.h>
#include <objc/objc.h>
typedef struct objc_ivar *Ivar;
typedef struct objc_object Protocol;
id objc_getClass(const char *name);
Class object_getClass(id obj);
Class objc_allocateClassPair(Class superclass, const char *name, size_t extraBytes);
void objc_registerClassPair(Class cls);
Protocol *objc_getProtocol(const char *name);
BOOL class_addProtocol(Class cls, Protocol *protocol);
BOOL class_addMethod(Class cls, SEL name, IMP imp, const char *types);
BOOL class_addIvar(Class cls, const char *name, size_t size, uint8_t alignment,
		   const char *types);
Ivar class_getInstanceVariable(Class cls, const char *name);
ptrdiff_t ivar_getOffset(Ivar v);
BOOL class_respondsToSelector(Class cls, SEL sel);
#endif
