/*
 * error.c - the thread-local error state behind vmc_error_last(): one
 * bounded message buffer and the last code per thread, the helpers that set
 * and prefix it (error.h), the static text of every public error code
 * (vmc_strerror), vmc_free and the library version. This is the only
 * mutable process state in libvmc, and it is per thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define ERROR_MSG_MAX 1024

struct error_state {
	int code;
	int set;
	char msg[ERROR_MSG_MAX];
};

static __thread struct error_state error_tls;

int vmc_version_number(void)
{
	return VMC_VERSION_NUMBER;
}

void vmc_free(void *ptr)
{
	free(ptr);
}

const char *vmc_error_last(void)
{
	if (!error_tls.set || error_tls.msg[0] == '\0')
		return "no error";
	return error_tls.msg;
}

const char *vmc_strerror(int code)
{
	switch (code) {
	case VMC_OK:
		return "success";
	case VMC_ERROR:
		return "generic failure";
	case VMC_EINVAL:
		return "invalid argument";
	case VMC_ENOMEM:
		return "out of memory";
	case VMC_ENOTFOUND:
		return "not found";
	case VMC_EEXISTS:
		return "already exists";
	case VMC_EUNSUPPORTED:
		return "not supported by the backend";
	case VMC_EINVALSTATE:
		return "invalid state for this operation";
	case VMC_ETIMEOUT:
		return "timed out";
	case VMC_EIO:
		return "i/o error";
	case VMC_EPROTO:
		return "protocol error";
	case VMC_EBUSY:
		return "resource busy";
	case VMC_EAUTH:
		return "authentication required or refused";
	default:
		return "unknown error";
	}
}

/* Formats into a local buffer first: an argument may be vmc_error_last(). */
static VMC_PRINTF(2, 0) void error_vformat(int code, const char *fmt, va_list ap)
{
	char buf[ERROR_MSG_MAX];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		buf[0] = '\0';
	memcpy(error_tls.msg, buf, sizeof(buf));
	error_tls.code = code;
	error_tls.set = 1;
}

/* Appends ": <text>" to the message, truncating at the buffer's end. */
static void error_append(const char *text)
{
	size_t len = strnlen(error_tls.msg, sizeof(error_tls.msg) - 1);
	size_t room = sizeof(error_tls.msg) - 1 - len;
	size_t n;

	if (room >= 2) {
		memcpy(error_tls.msg + len, ": ", 2);
		len += 2;
		room -= 2;
	} else {
		room = 0;
	}
	n = strnlen(text, room);
	memcpy(error_tls.msg + len, text, n);
	error_tls.msg[len + n] = '\0';
}

int vmc_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	error_vformat(code, fmt, ap);
	va_end(ap);
	errno = saved;
	return code;
}

int vmc_error_set_errno(int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	char reason[256];
	int saved = errno;

	va_start(ap, fmt);
	error_vformat(code, fmt, ap);
	va_end(ap);

#ifdef __GLIBC__
	/* strerror_r (GNU) may return a static string or fill `reason`. */
	const char *text = strerror_r(errnum, reason, sizeof(reason));
	if (!text)
		text = "unknown error";
#else
	/* strerror_r (XSI: macOS, musl) fills `reason` and returns 0 */
	const char *text = reason;
	if (strerror_r(errnum, reason, sizeof(reason)) != 0)
		snprintf(reason, sizeof(reason), "error %d", errnum);
#endif
	error_append(text);
	errno = saved;
	return code;
}

int vmc_error_prefix(int code, const char *fmt, ...)
{
	va_list ap;
	char old[ERROR_MSG_MAX];
	int had = error_tls.set && error_tls.msg[0] != '\0';
	int saved = errno;

	if (had)
		memcpy(old, error_tls.msg, sizeof(old));
	va_start(ap, fmt);
	error_vformat(code, fmt, ap);
	va_end(ap);
	if (had)
		error_append(old);
	errno = saved;
	return code;
}

int vmc_error_oom(void)
{
	return vmc_error_set(VMC_ENOMEM, "out of memory");
}

void vmc_error_clear(void)
{
	error_tls.set = 0;
	error_tls.code = 0;
	error_tls.msg[0] = '\0';
}
