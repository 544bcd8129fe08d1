/*
 * lazylib_test.c - libraries loaded on first use (core/lazylib.c): a
 * missing library gives NULL and an error naming it and its package (and
 * is not tried again); a present one (libc) loads and resolves symbols,
 * cached per slot; a missing symbol gives NULL and an error naming it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/lazylib.h"

#ifdef __APPLE__
#define LIBC_SONAME "libSystem.B.dylib"
#else
#define LIBC_SONAME "libc.so.6"
#endif

static void lazylib__missing_library(void **state)
{
	struct lazylib lib = { .soname = "libvmc-no-such-library.so.9", .package = "vmc-nothing" };

	(void)state;
	assert_null(lazylib_sym(&lib, "anything"));
	assert_int_equal(lib.failed, 1);
	assert_non_null(strstr(vmc_error_last(),
			       "libvmc-no-such-library.so.9 could not be loaded (install vmc-nothing): "));
	assert_int_equal(lazylib_failed(&lib), VMC_EUNSUPPORTED);
	assert_non_null(strstr(vmc_error_last(), "libvmc-no-such-library.so.9 could not be loaded"));
	/* not tried again, same answer */
	assert_null(lazylib_sym(&lib, "other"));
	assert_null(lib.handle);
}

static void lazylib__libc_resolves(void **state)
{
	struct lazylib lib = { .soname = LIBC_SONAME, .package = "libc6" };
	size_t (*len)(const char *);
	void *slot = NULL, *p;

	(void)state;
	p = lazylib_sym(&lib, "strlen");
	assert_non_null(p);
	assert_non_null(lib.handle);
	assert_int_equal(lazylib_failed(&lib), 0);
	memcpy(&len, &p, sizeof(len));
	assert_int_equal(len("vmc"), 3);

	assert_ptr_equal(lazylib_cached(&lib, &slot, "strlen"), p);
	assert_ptr_equal(slot, p);
	assert_ptr_equal(lazylib_cached(&lib, &slot, "strlen"), p);

	assert_null(lazylib_sym(&lib, "vmc_no_such_symbol"));
	assert_non_null(strstr(vmc_error_last(), "vmc_no_such_symbol"));
	assert_int_equal(lazylib_failed(&lib), 0); /* the library itself loaded */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lazylib__missing_library),
		cmocka_unit_test(lazylib__libc_resolves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
