/* dlfcn.h (Darwin; macOS values). Stub: only what vmc uses. */
#ifndef _DLFCN_H_
#define _DLFCN_H_
#define RTLD_NOW 0x2
#define RTLD_LOCAL 0x4
void *dlopen(const char *__path, int __mode);
void *dlsym(void *__handle, const char *__symbol);
char *dlerror(void);
#endif
