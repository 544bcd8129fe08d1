/* string.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _STRING_H_
#define _STRING_H_
#include <stddef.h>
void *memset(void *b, int c, size_t len);
void *memcpy(void *dst, const void *src, size_t n);
size_t strlen(const char *s);
int strcmp(const char *s1, const char *s2);
char *strncat(char *s1, const char *s2, size_t n);
char *strrchr(const char *s, int c);
char *strdup(const char *s1);
char *strsignal(int sig);
char *strerror(int errnum);
#endif
