/* stdlib.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _STDLIB_H_
#define _STDLIB_H_
#include <stddef.h>
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void free(void *ptr);
char *getenv(const char *name);
long strtol(const char *str, char **endptr, int base);
#endif
