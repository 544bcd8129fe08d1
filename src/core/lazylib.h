/*
 * lazylib.h - shared libraries loaded on first use (dlopen), so that a
 * vmc command that does not need libcurl, libarchive or libnftables does
 * not pay for loading them (and their dozens of dependencies) at start-up.
 * The per-library wrappers (image/curl_lazy.c, image/archive_lazy.c,
 * net/nft_lazy.c) resolve each function through lazylib_sym().
 */
#ifndef VMC_CORE_LAZYLIB_H
#define VMC_CORE_LAZYLIB_H

struct lazylib {
	const char *soname;  /* e.g. "libcurl.so.4" */
	const char *package; /* what to install when it is missing */
	void *handle;        /* set by the first successful lazylib_sym() */
	int failed;          /* the load failed once: not tried again */
	char why[256];       /* dlerror() of the failed load */
};

/* Loads lib once (thread-safe) and returns its symbol name. On failure
 * sets a vmc error ("<soname> could not be loaded (install <package>):
 * <dlerror>", or a missing symbol) and returns NULL. */
void *lazylib_sym(struct lazylib *lib, const char *name);

/* When lib could not be loaded (lazylib_sym() failed): sets the same vmc
 * error again and returns its code (< 0); otherwise 0. For callers that
 * turn an entry point's failure into an error. */
int lazylib_failed(struct lazylib *lib);

/* lazylib_sym() once per slot: the symbol is cached in *slot (atomically,
 * any thread may call). */
void *lazylib_cached(struct lazylib *lib, void **slot, const char *name);

/* Defines ret lazy_<name> params, calling lib's <name> with args, or
 * returning fail (the vmc error set) when lib or the symbol is missing. */
#define LAZYLIB_WRAP(lib, ret, name, params, args, fail)              \
	ret lazy_##name params                                        \
	{                                                             \
		static void *slot_;                                   \
		ret (*fn_) params;                                    \
		void *p_ = lazylib_cached(&(lib), &slot_, #name);     \
		if (!p_)                                              \
			return fail;                                  \
		memcpy(&fn_, &p_, sizeof(fn_));                       \
		return fn_ args;                                      \
	}
#define LAZYLIB_WRAP_VOID(lib, name, params, args)                    \
	void lazy_##name params                                       \
	{                                                             \
		static void *slot_;                                   \
		void (*fn_) params;                                   \
		void *p_ = lazylib_cached(&(lib), &slot_, #name);     \
		if (!p_)                                              \
			return;                                       \
		memcpy(&fn_, &p_, sizeof(fn_));                       \
		fn_ args;                                             \
	}

#endif
