/* stdlib.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _STDLIB_H_
#define _STDLIB_H_
#include <stddef.h>
#include <stdint.h>
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void free(void *ptr);
char *getenv(const char *name);
long strtol(const char *str, char **endptr, int base);
#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
void *realloc(void *ptr, size_t size);
void exit(int status) __attribute__((noreturn));
void _exit(int status) __attribute__((noreturn));
void abort(void) __attribute__((noreturn));
unsigned long strtoul(const char *str, char **endptr, int base);
char *realpath(const char *file_name, char *resolved_name);
char *mkdtemp(char *path);
int mkostemp(char *path, int oflags);
void qsort(void *base, size_t nel, size_t width, int (*compar)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t nel, size_t width,
	      int (*compar)(const void *, const void *));
int abs(int i);
void arc4random_buf(void *buf, size_t nbytes);
int mkstemp(char *path);
int setenv(const char *name, const char *value, int overwrite);
int unsetenv(const char *name);
#endif
