/*
 * headers_test.c - include/vmc.h stands alone: this file includes nothing
 * before it and is compiled with -std=c99 -pedantic -Werror (and the same
 * header is compiled as C++ when a C++ compiler is available), and the
 * header's version agrees with the library's.
 */
#include "vmc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static void headers__version_matches_library(void **state)
{
	(void)state;
	assert_int_equal(vmc_version_number(), VMC_VERSION_NUMBER);
}

static void headers__error_codes_are_stable(void **state)
{
	(void)state;
	/* append-only: these numbers are ABI */
	assert_int_equal(VMC_EINVAL, -2);
	assert_int_equal(VMC_ENOTFOUND, -4);
	assert_int_equal(VMC_EINVALSTATE, -7);
	assert_int_equal(VMC_ETIMEOUT, -8);
	assert_int_equal(VMC_STATE_FAILED, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(headers__version_matches_library),
		cmocka_unit_test(headers__error_codes_are_stable),
	};
	return cmocka_run_group_tests_name("headers", tests, NULL, NULL);
}
