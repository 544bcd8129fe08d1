/* strings.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _STRINGS_H_
#define _STRINGS_H_
#include <stddef.h>
int strcasecmp(const char *s1, const char *s2);
int strncasecmp(const char *s1, const char *s2, size_t n);
#endif
