/*
 * curl_lazy.c - the libcurl functions vmc uses, resolved on first use
 * (see curl_lazy.h). The variadic ones forward their argument with the
 * type libcurl reads it as: setopt by the option's range (CURLOPTTYPE_*),
 * getinfo always a pointer.
 */
#include <stdarg.h>
#include <string.h>

#include <curl/curl.h>

#include "core/lazylib.h"
#include "image/curl_lazy.h"

static struct lazylib curl_lib = {
#ifdef __APPLE__
	.soname = "libcurl.4.dylib",
	.package = "curl",
#else
	.soname = "libcurl.so.4",
	.package = "libcurl4",
#endif
};

int curl_lazy_failed(void)
{
	return lazylib_failed(&curl_lib);
}

LAZYLIB_WRAP(curl_lib, CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT)
LAZYLIB_WRAP(curl_lib, CURL *, curl_easy_init, (void), (), NULL)
LAZYLIB_WRAP_VOID(curl_lib, curl_easy_cleanup, (CURL *h), (h))
LAZYLIB_WRAP_VOID(curl_lib, curl_easy_reset, (CURL *h), (h))
LAZYLIB_WRAP(curl_lib, CURLcode, curl_easy_perform, (CURL *h), (h), CURLE_FAILED_INIT)
LAZYLIB_WRAP(curl_lib, struct curl_slist *, curl_slist_append,
	     (struct curl_slist *list, const char *data), (list, data), NULL)
LAZYLIB_WRAP_VOID(curl_lib, curl_slist_free_all, (struct curl_slist *list), (list))
LAZYLIB_WRAP(curl_lib, CURLU *, curl_url, (void), (), NULL)
LAZYLIB_WRAP(curl_lib, CURLUcode, curl_url_set,
	     (CURLU *u, CURLUPart what, const char *part, unsigned int flags),
	     (u, what, part, flags), CURLUE_OUT_OF_MEMORY)
LAZYLIB_WRAP(curl_lib, CURLUcode, curl_url_get,
	     (CURLU *u, CURLUPart what, char **part, unsigned int flags),
	     (u, what, part, flags), CURLUE_OUT_OF_MEMORY)
LAZYLIB_WRAP_VOID(curl_lib, curl_url_cleanup, (CURLU *u), (u))
LAZYLIB_WRAP_VOID(curl_lib, curl_free, (void *p), (p))
LAZYLIB_WRAP(curl_lib, CURLM *, curl_multi_init, (void), (), NULL)
LAZYLIB_WRAP(curl_lib, CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *h), (m, h),
	     CURLM_INTERNAL_ERROR)
LAZYLIB_WRAP(curl_lib, CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *h), (m, h),
	     CURLM_INTERNAL_ERROR)
LAZYLIB_WRAP(curl_lib, CURLMcode, curl_multi_perform, (CURLM *m, int *running), (m, running),
	     CURLM_INTERNAL_ERROR)
LAZYLIB_WRAP(curl_lib, CURLMsg *, curl_multi_info_read, (CURLM *m, int *queued), (m, queued),
	     NULL)
LAZYLIB_WRAP(curl_lib, CURLMcode, curl_multi_poll,
	     (CURLM *m, struct curl_waitfd extra_fds[], unsigned int extra_nfds, int timeout_ms,
	      int *numfds),
	     (m, extra_fds, extra_nfds, timeout_ms, numfds), CURLM_INTERNAL_ERROR)
LAZYLIB_WRAP(curl_lib, CURLMcode, curl_multi_cleanup, (CURLM *m), (m), CURLM_INTERNAL_ERROR)

/* When libcurl is missing, that stands in for the code's message. */
const char *lazy_curl_easy_strerror(CURLcode code)
{
	static void *slot;
	const char *(*fn)(CURLcode);
	void *p = lazylib_cached(&curl_lib, &slot, "curl_easy_strerror");

	if (!p)
		return "libcurl could not be loaded";
	memcpy(&fn, &p, sizeof(fn));
	return fn(code);
}

typedef void (*curl_lazy_fnptr)(void);

/* One setopt argument, read as libcurl reads it for option. */
union curl_lazy_arg {
	long l;
	void *p;
	curl_lazy_fnptr f;
	curl_off_t o;
};

static int curl_lazy_arg_read(int option, va_list ap, union curl_lazy_arg *arg)
{
	if (option < CURLOPTTYPE_OBJECTPOINT) {
		arg->l = va_arg(ap, long);
		return 0;
	}
	if (option < CURLOPTTYPE_FUNCTIONPOINT) {
		arg->p = va_arg(ap, void *);
		return 1;
	}
	if (option < CURLOPTTYPE_OFF_T) {
		arg->f = va_arg(ap, curl_lazy_fnptr);
		return 2;
	}
	if (option < CURLOPTTYPE_BLOB) {
		arg->o = va_arg(ap, curl_off_t);
		return 3;
	}
	arg->p = va_arg(ap, void *);
	return 1;
}

CURLcode lazy_curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	static void *slot;
	CURLcode (*fn)(CURL *, CURLoption, ...);
	void *p = lazylib_cached(&curl_lib, &slot, "curl_easy_setopt");
	union curl_lazy_arg arg;
	va_list ap;
	int kind;

	if (!p)
		return CURLE_FAILED_INIT;
	memcpy(&fn, &p, sizeof(fn));
	va_start(ap, option);
	kind = curl_lazy_arg_read((int)option, ap, &arg);
	va_end(ap);
	switch (kind) {
	case 0:
		return fn(h, option, arg.l);
	case 2:
		return fn(h, option, arg.f);
	case 3:
		return fn(h, option, arg.o);
	default:
		return fn(h, option, arg.p);
	}
}

CURLMcode lazy_curl_multi_setopt(CURLM *m, CURLMoption option, ...)
{
	static void *slot;
	CURLMcode (*fn)(CURLM *, CURLMoption, ...);
	void *p = lazylib_cached(&curl_lib, &slot, "curl_multi_setopt");
	union curl_lazy_arg arg;
	va_list ap;
	int kind;

	if (!p)
		return CURLM_INTERNAL_ERROR;
	memcpy(&fn, &p, sizeof(fn));
	va_start(ap, option);
	kind = curl_lazy_arg_read((int)option, ap, &arg);
	va_end(ap);
	switch (kind) {
	case 0:
		return fn(m, option, arg.l);
	case 2:
		return fn(m, option, arg.f);
	case 3:
		return fn(m, option, arg.o);
	default:
		return fn(m, option, arg.p);
	}
}

CURLcode lazy_curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	static void *slot;
	CURLcode (*fn)(CURL *, CURLINFO, ...);
	void *p = lazylib_cached(&curl_lib, &slot, "curl_easy_getinfo");
	void *out;
	va_list ap;

	if (!p)
		return CURLE_FAILED_INIT;
	memcpy(&fn, &p, sizeof(fn));
	va_start(ap, info);
	out = va_arg(ap, void *);
	va_end(ap);
	return fn(h, info, out);
}
