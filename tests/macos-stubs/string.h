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
void *memmove(void *dst, const void *src, size_t len);
int memcmp(const void *s1, const void *s2, size_t n);
void *memchr(const void *s, int c, size_t n);
void *memmem(const void *big, size_t big_len, const void *little, size_t little_len);
int strncmp(const char *s1, const char *s2, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
char *strndup(const char *s1, size_t n);
size_t strnlen(const char *s, size_t maxlen);
size_t strspn(const char *s, const char *charset);
size_t strcspn(const char *s, const char *charset);
char *strtok_r(char *str, const char *sep, char **lasts);
int strerror_r(int errnum, char *strerrbuf, size_t buflen);
#include <strings.h> /* as Darwin's string.h does */
#endif
