/* objc/message.h (objc4, public). With OBJC_OLD_DISPATCH_PROTOTYPES == 0
 * (the arm64 default) objc_msgSend has no usable prototype: every call
 * site casts it to the method's exact function type. */
#ifndef _OBJC_MESSAGE_H
#define _OBJC_MESSAGE_H
#include <objc/objc.h>
void objc_msgSend(void);
#endif
