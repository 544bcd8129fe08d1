/* stdio.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _STDIO_H_
#define _STDIO_H_
#include <stddef.h>
#include <stdarg.h>
#include <sys/types.h>
typedef struct __sFILE FILE;
extern FILE *__stderrp;
#define stderr __stderrp
int snprintf(char *str, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *str, size_t size, const char *format, va_list ap)
	__attribute__((format(printf, 3, 0)));
int fprintf(FILE *stream, const char *format, ...) __attribute__((format(printf, 2, 3)));
extern FILE *__stdinp;
extern FILE *__stdoutp;
#define stdin __stdinp
#define stdout __stdoutp
#define EOF (-1)
#define BUFSIZ 1024
int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int vfprintf(FILE *stream, const char *format, va_list ap) __attribute__((format(printf, 2, 0)));
int sscanf(const char *s, const char *format, ...) __attribute__((format(scanf, 2, 3)));
int fputs(const char *s, FILE *stream);
int puts(const char *s);
int fputc(int c, FILE *stream);
int putchar(int c);
int fflush(FILE *stream);
size_t fwrite(const void *ptr, size_t size, size_t nitems, FILE *stream);
int rename(const char *old, const char *new_);
int renameat(int fromfd, const char *from, int tofd, const char *to);
int asprintf(char **ret, const char *format, ...) __attribute__((format(printf, 2, 3)));
int vasprintf(char **ret, const char *format, va_list ap) __attribute__((format(printf, 2, 0)));
#define RENAME_EXCL 0x00000004
int renamex_np(const char *from, const char *to, unsigned int flags);
#endif
