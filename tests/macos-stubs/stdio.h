/* stdio.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _STDIO_H_
#define _STDIO_H_
#include <stddef.h>
#include <stdarg.h>
typedef struct __sFILE FILE;
extern FILE *__stderrp;
#define stderr __stderrp
int snprintf(char *str, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *str, size_t size, const char *format, va_list ap)
	__attribute__((format(printf, 3, 0)));
int fprintf(FILE *stream, const char *format, ...) __attribute__((format(printf, 2, 3)));
#endif
