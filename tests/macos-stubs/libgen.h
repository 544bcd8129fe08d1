/* libgen.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _LIBGEN_H_
#define _LIBGEN_H_
char *basename(char *path);
char *dirname(char *path);
#endif
