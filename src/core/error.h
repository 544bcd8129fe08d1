/*
 * error.h - setting and reading the thread-local error message behind
 * vmc_error_last(). Every failing internal function sets a message and
 * returns the code in one line: `return vmc_error_set(VMC_EINVAL, "...")`.
 * Context is added on the way up with vmc_error_prefix(), never replaced.
 */
#ifndef VMC_CORE_ERROR_H
#define VMC_CORE_ERROR_H

#include "vmc.h"

#define VMC_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Sets the message and returns `code`. */
int vmc_error_set(int code, const char *fmt, ...) VMC_PRINTF(2, 3);
/* Same, appending ": <strerror(errnum)>". */
int vmc_error_set_errno(int code, int errnum, const char *fmt, ...) VMC_PRINTF(3, 4);
/* Prepends "<context>: " to the current message and returns `code`. */
int vmc_error_prefix(int code, const char *fmt, ...) VMC_PRINTF(2, 3);
/* VMC_ENOMEM with "out of memory". */
int vmc_error_oom(void);
/* Forgets the current message (for deliberately ignored failures). */
void vmc_error_clear(void);

#endif
