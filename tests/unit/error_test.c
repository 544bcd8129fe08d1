/*
 * error_test.c - the thread-local error state: set, set_errno, prefix,
 * clear, truncation, per-thread separation, vmc_strerror for every code.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"

static void error__none_when_clear(void **state)
{
	vmc_error_clear();
	assert_string_equal(vmc_error_last(), "no error");
}

static void error__set_returns_code(void **state)
{
	assert_int_equal(vmc_error_set(VMC_EINVAL, "invalid cpus %u: must be 1..%d", 0u, 256),
			 VMC_EINVAL);
	assert_string_equal(vmc_error_last(), "invalid cpus 0: must be 1..256");
}

static void error__set_errno_appends_reason(void **state)
{
	errno = 0;
	assert_int_equal(vmc_error_set_errno(VMC_EIO, ENOENT, "open '%s'", "x"), VMC_EIO);
	assert_string_equal(vmc_error_last(), "open 'x': No such file or directory");
	assert_int_equal(errno, 0); /* errno is preserved */
}

static void error__prefix_keeps_old_message(void **state)
{
	vmc_error_set(VMC_ENOTFOUND, "qmp: connect 'qmp.sock': refused");
	assert_int_equal(vmc_error_prefix(VMC_EIO, "starting vm '%s'", "web"), VMC_EIO);
	assert_string_equal(vmc_error_last(), "starting vm 'web': qmp: connect 'qmp.sock': refused");
}

static void error__prefix_without_message(void **state)
{
	vmc_error_clear();
	vmc_error_prefix(VMC_ERROR, "context");
	assert_string_equal(vmc_error_last(), "context");
}

static void error__set_may_quote_last_message(void **state)
{
	vmc_error_set(VMC_ERROR, "inner");
	vmc_error_set(VMC_ERROR, "outer (%s)", vmc_error_last());
	assert_string_equal(vmc_error_last(), "outer (inner)");
}

static void error__long_message_truncated(void **state)
{
	char big[3000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	vmc_error_set(VMC_ERROR, "%s", big);
	assert_int_equal(strlen(vmc_error_last()), 1023);
	vmc_error_prefix(VMC_ERROR, "ctx");
	assert_int_equal(strlen(vmc_error_last()), 1023);
	assert_memory_equal(vmc_error_last(), "ctx: aaa", 8);
}

static void error__oom(void **state)
{
	assert_int_equal(vmc_error_oom(), VMC_ENOMEM);
	assert_string_equal(vmc_error_last(), "out of memory");
}

static void error__clear_forgets(void **state)
{
	vmc_error_set(VMC_ERROR, "something");
	vmc_error_clear();
	assert_string_equal(vmc_error_last(), "no error");
}

struct thread_arg {
	pthread_barrier_t *barrier;
	const char *msg;
	char seen[64];
	char initial[64];
};

static void *error_thread(void *p)
{
	struct thread_arg *a = p;

	snprintf(a->initial, sizeof(a->initial), "%s", vmc_error_last());
	vmc_error_set(VMC_ERROR, "%s", a->msg);
	pthread_barrier_wait(a->barrier); /* both have set their message */
	snprintf(a->seen, sizeof(a->seen), "%s", vmc_error_last());
	return NULL;
}

static void error__threads_keep_separate_messages(void **state)
{
	pthread_barrier_t barrier;
	struct thread_arg a = { &barrier, "thread one", "", "" };
	struct thread_arg b = { &barrier, "thread two", "", "" };
	pthread_t ta, tb;

	vmc_error_set(VMC_ERROR, "main thread");
	assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
	assert_int_equal(pthread_create(&ta, NULL, error_thread, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, error_thread, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&barrier);
	assert_string_equal(a.initial, "no error");
	assert_string_equal(b.initial, "no error");
	assert_string_equal(a.seen, "thread one");
	assert_string_equal(b.seen, "thread two");
	assert_string_equal(vmc_error_last(), "main thread");
}

static void error__strerror_every_code(void **state)
{
	static const struct {
		int code;
		const char *text;
	} codes[] = {
		{ VMC_OK, "success" },
		{ VMC_ERROR, "generic failure" },
		{ VMC_EINVAL, "invalid argument" },
		{ VMC_ENOMEM, "out of memory" },
		{ VMC_ENOTFOUND, "not found" },
		{ VMC_EEXISTS, "already exists" },
		{ VMC_EUNSUPPORTED, "not supported by the backend" },
		{ VMC_EINVALSTATE, "invalid state for this operation" },
		{ VMC_ETIMEOUT, "timed out" },
		{ VMC_EIO, "i/o error" },
		{ VMC_EPROTO, "protocol error" },
		{ VMC_EBUSY, "resource busy" },
		{ VMC_EAUTH, "authentication required or refused" },
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_string_equal(vmc_strerror(codes[i].code), codes[i].text);
	assert_string_equal(vmc_strerror(-13), "unknown error");
	assert_string_equal(vmc_strerror(5), "unknown error");
}

static void error__version_and_free(void **state)
{
	assert_int_equal(vmc_version_number(), VMC_VERSION_NUMBER);
	vmc_free(NULL);
	vmc_free(strdup("x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(error__none_when_clear),
		cmocka_unit_test(error__set_returns_code),
		cmocka_unit_test(error__set_errno_appends_reason),
		cmocka_unit_test(error__prefix_keeps_old_message),
		cmocka_unit_test(error__prefix_without_message),
		cmocka_unit_test(error__set_may_quote_last_message),
		cmocka_unit_test(error__long_message_truncated),
		cmocka_unit_test(error__oom),
		cmocka_unit_test(error__clear_forgets),
		cmocka_unit_test(error__threads_keep_separate_messages),
		cmocka_unit_test(error__strerror_every_code),
		cmocka_unit_test(error__version_and_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
