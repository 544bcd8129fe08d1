/*
 * lazylib.c - dlopen on first use (see lazylib.h). One process-wide mutex
 * guards every lazylib's load: it is taken once per resolved symbol, the
 * wrappers cache the symbol themselves.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "core/error.h"
#include "core/lazylib.h"

static pthread_mutex_t lazylib_lock = PTHREAD_MUTEX_INITIALIZER;

static int lazylib_error(const struct lazylib *lib)
{
	return vmc_error_set(VMC_EUNSUPPORTED, "%s could not be loaded (install %s): %s",
			     lib->soname, lib->package, lib->why);
}

void *lazylib_sym(struct lazylib *lib, const char *name)
{
	void *handle, *sym;
	const char *err;

	pthread_mutex_lock(&lazylib_lock);
	if (!lib->handle && !lib->failed) {
		lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
		if (!lib->handle) {
			err = dlerror();
			snprintf(lib->why, sizeof(lib->why), "%s", err ? err : "unknown error");
			lib->failed = 1;
		}
	}
	handle = lib->handle;
	pthread_mutex_unlock(&lazylib_lock);
	if (!handle) {
		lazylib_error(lib);
		return NULL;
	}
	sym = dlsym(handle, name);
	if (!sym) {
		vmc_error_set(VMC_EUNSUPPORTED, "%s has no %s (install a newer %s)",
			      lib->soname, name, lib->package);
		return NULL;
	}
	return sym;
}

int lazylib_failed(struct lazylib *lib)
{
	int failed;

	pthread_mutex_lock(&lazylib_lock);
	failed = lib->failed;
	pthread_mutex_unlock(&lazylib_lock);
	return failed ? lazylib_error(lib) : 0;
}

void *lazylib_cached(struct lazylib *lib, void **slot, const char *name)
{
	void *sym = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (sym)
		return sym;
	sym = lazylib_sym(lib, name);
	if (sym)
		__atomic_store_n(slot, sym, __ATOMIC_RELEASE);
	return sym;
}
