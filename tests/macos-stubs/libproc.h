/* libproc.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _LIBPROC_H_
#define _LIBPROC_H_
#include <stdint.h>
#include <sys/types.h>
#define PROC_PIDPATHINFO_MAXSIZE (4 * 1024)
int proc_pidpath(int pid, void *buffer, uint32_t buffersize);
#endif
