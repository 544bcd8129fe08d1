/* objc/objc.h (objc4, public): the basic Objective-C types. Stub: only
 * what vmc uses. On arm64, BOOL is bool (OBJC_BOOL_IS_BOOL). */
#ifndef _OBJC_OBJC_H_
#define _OBJC_OBJC_H_
#include <stdbool.h>
typedef struct objc_class *Class;
struct objc_object {
	Class isa;
};
typedef struct objc_object *id;
typedef struct objc_selector *SEL;
/* OBJC_OLD_DISPATCH_PROTOTYPES == 0 */
typedef void (*IMP)(void);
typedef bool BOOL;
#define YES ((BOOL)1)
#define NO ((BOOL)0)
#define nil ((id)0)
SEL sel_registerName(const char *str);
#endif
