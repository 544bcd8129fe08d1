/*
 * accel_test.c - accelerator choice against fake /dev and /sys trees in a
 * temporary directory (no KVM, KVM, PVM host, wrong API version) with an
 * injected KVM_GET_API_VERSION, and the cpuinfo TSC parser on fixed
 * inputs. The real host is probed once to check it answers consistently.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/accel.h"

struct tree {
	char root[64];
};

static void tree_path(const struct tree *t, const char *rel, char *out, size_t len)
{
	int n = snprintf(out, len, "%s%s", t->root, rel);

	assert_true(n > 0 && (size_t)n < len);
}

static void tree_mkdir(const struct tree *t, const char *rel)
{
	char p[256];

	tree_path(t, rel, p, sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
}

static void tree_file(const struct tree *t, const char *rel, const char *text, mode_t mode)
{
	char p[256];
	int fd;

	tree_path(t, rel, p, sizeof(p));
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->root, sizeof(t->root), "/tmp/vmc-accel-XXXXXX");
	if (!mkdtemp(t->root))
		return -1;
	tree_mkdir(t, "/dev");
	tree_mkdir(t, "/sys");
	tree_mkdir(t, "/sys/module");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	static const char *const paths[] = {
		"/dev/kvm", "/sys/module/kvm_pvm", "/sys/module", "/sys", "/dev", "/cpuinfo",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char p[256];

		tree_path(t, paths[i], p, sizeof(p));
		if (unlink(p) < 0)
			rmdir(p);
	}
	rmdir(t->root);
	free(t);
	return 0;
}

static int api_12(int fd)
{
	return 12;
}

static int api_11(int fd)
{
	return 11;
}

static int api_fails(int fd)
{
	errno = ENOTTY;
	return -1;
}

static void accel__no_kvm_auto_is_tcg(void **state)
{
	struct tree *t = *state;
	struct accel_probe p = { .root = t->root, .api_version = api_12 };
	vmc_accel out = VMC_ACCEL_AUTO;
	char why[256] = "";

	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_AUTO, &out, why, sizeof(why)), 0);
	assert_int_equal(out, VMC_ACCEL_TCG);
	assert_non_null(strstr(why, "cannot open /dev/kvm"));
}

static void accel__no_kvm_explicit_kvm_unsupported(void **state)
{
	struct tree *t = *state;
	struct accel_probe p = { .root = t->root, .api_version = api_12 };
	vmc_accel out = VMC_ACCEL_AUTO;

	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_KVM, &out, NULL, 0), VMC_EUNSUPPORTED);
	assert_non_null(strstr(vmc_error_last(), "accelerator kvm requested but unavailable"));
	assert_non_null(strstr(vmc_error_last(), "/dev/kvm"));
	assert_int_equal(out, VMC_ACCEL_AUTO);
}

static void accel__kvm_usable_auto_is_kvm(void **state)
{
	struct tree *t = *state;
	struct accel_probe p = { .root = t->root, .api_version = api_12 };
	vmc_accel out = VMC_ACCEL_AUTO;
	char why[256] = "";

	tree_file(t, "/dev/kvm", "", 0600);
	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_AUTO, &out, why, sizeof(why)), 0);
	assert_int_equal(out, VMC_ACCEL_KVM);
	assert_non_null(strstr(why, "kvm:"));
	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_KVM, &out, why, sizeof(why)), 0);
	assert_int_equal(out, VMC_ACCEL_KVM);
	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_TCG, &out, why, sizeof(why)), 0);
	assert_int_equal(out, VMC_ACCEL_TCG);
	assert_string_equal(why, "tcg: requested");
}

static void accel__pvm_host_auto_is_tcg(void **state)
{
	struct tree *t = *state;
	struct accel_probe p = { .root = t->root, .api_version = api_12 };
	vmc_accel out = VMC_ACCEL_AUTO;
	char why[256] = "";

	tree_file(t, "/dev/kvm", "", 0600);
	tree_mkdir(t, "/sys/module/kvm_pvm");
	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_AUTO, &out, why, sizeof(why)), 0);
	assert_int_equal(out, VMC_ACCEL_TCG);
	assert_non_null(strstr(why, "PVM"));
	/* Explicit KVM on PVM is the user's choice. */
	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_KVM, &out, why, sizeof(why)), 0);
	assert_int_equal(out, VMC_ACCEL_KVM);
	assert_non_null(strstr(why, "PVM"));
}

static void accel__wrong_api_version_is_unusable(void **state)
{
	struct tree *t = *state;
	struct accel_probe p = { .root = t->root, .api_version = api_11 };
	vmc_accel out = VMC_ACCEL_AUTO;
	char why[256] = "";

	tree_file(t, "/dev/kvm", "", 0600);
	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_AUTO, &out, why, sizeof(why)), 0);
	assert_int_equal(out, VMC_ACCEL_TCG);
	assert_non_null(strstr(why, "API version 11"));
	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_KVM, &out, NULL, 0), VMC_EUNSUPPORTED);
	p.api_version = api_fails;
	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_KVM, &out, NULL, 0), VMC_EUNSUPPORTED);
	assert_non_null(strstr(vmc_error_last(), "KVM_GET_API_VERSION"));
}

static void accel__real_kvm_ioctl_on_non_kvm_file(void **state)
{
	struct tree *t = *state;
	struct accel_probe p = { .root = t->root, .api_version = NULL };
	vmc_accel out = VMC_ACCEL_AUTO;
	char why[256] = "";

	tree_file(t, "/dev/kvm", "", 0600); /* a regular file: the ioctl fails */
	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_AUTO, &out, why, sizeof(why)), 0);
	assert_int_equal(out, VMC_ACCEL_TCG);
	assert_non_null(strstr(why, "KVM_GET_API_VERSION"));
}

static void accel__why_truncates(void **state)
{
	struct tree *t = *state;
	struct accel_probe p = { .root = t->root, .api_version = api_12 };
	vmc_accel out;
	char why[5];

	assert_int_equal(accel_resolve_with(&p, VMC_ACCEL_AUTO, &out, why, sizeof(why)), 0);
	assert_string_equal(why, "tcg:");
	assert_int_equal(accel_resolve_with(&p, (vmc_accel)7, &out, why, sizeof(why)), VMC_EINVAL);
}

static void accel__host_answers(void **state)
{
	vmc_accel out = VMC_ACCEL_AUTO;
	char why[256] = "";
	struct stat st;

	assert_int_equal(accel_resolve(VMC_ACCEL_AUTO, &out, why, sizeof(why)), 0);
	assert_true(out == VMC_ACCEL_KVM || out == VMC_ACCEL_TCG);
	if (stat("/sys/module/kvm_pvm", &st) == 0)
		assert_int_equal(out, VMC_ACCEL_TCG);
	print_message("host accelerator: %s\n", why);
}

static void expect_tsc(const struct tree *t, const char *text, int rc, unsigned long khz)
{
	char p[256];
	unsigned long out = 0;

	tree_file(t, "/cpuinfo", text, 0644);
	tree_path(t, "/cpuinfo", p, sizeof(p));
	assert_int_equal(accel_tsc_khz_from(p, &out), rc);
	if (rc == 0)
		assert_int_equal(out, khz);
}

static void accel__tsc_from_cpuinfo(void **state)
{
	struct tree *t = *state;
	char big[8192];

	expect_tsc(t, "processor\t: 0\ncpu MHz\t\t: 2596.122\ncpu MHz\t\t: 1.0\n", 0, 2596122);
	expect_tsc(t, "cpu MHz : 3000\n", 0, 3000000);
	expect_tsc(t, "cpu MHz\t: 2596.1225\n", 0, 2596123);
	expect_tsc(t, "cpu MHz\t: 2596.1224999\n", 0, 2596122);
	expect_tsc(t, "cpu MHz\t: 999.9\n", 0, 999900);
	expect_tsc(t, "cpu MHz\t: 2596.122", 0, 2596122); /* no final newline */
	expect_tsc(t, "processor\t: 0\n", VMC_ENOTFOUND, 0);
	expect_tsc(t, "", VMC_ENOTFOUND, 0);
	expect_tsc(t, "cpu MHz\t: \n", VMC_EPROTO, 0);
	expect_tsc(t, "cpu MHz\t2596\n", VMC_EPROTO, 0);
	expect_tsc(t, "cpu MHz\t: 25x96\n", VMC_EPROTO, 0);
	expect_tsc(t, "cpu MHz\t: 0.0001\n", VMC_EPROTO, 0);
	expect_tsc(t, "cpu MHz\t: 99999999999999999999999\n", VMC_EPROTO, 0);
	expect_tsc(t, "cpu MHz\t: -5\n", VMC_EPROTO, 0);

	/* A long line whose continuation begins with the key is not a match. */
	memset(big, 'f', sizeof(big));
	memcpy(big + 255, "cpu MHz : 1.0\n", 14);
	memcpy(big + 269, "cpu MHz : 7.0\n", 14);
	big[sizeof(big) - 1] = '\0';
	expect_tsc(t, big, 0, 7000);
	assert_int_equal(accel_tsc_khz_from("/nonexistent/cpuinfo", &(unsigned long){ 0 }),
			 VMC_ENOTFOUND);
}

static void accel__host_tsc(void **state)
{
	unsigned long khz = 0;
	int rc = accel_host_tsc_khz(&khz);

	/* Some architectures have no "cpu MHz"; x86 Linux always does. */
#if defined(__x86_64__) || defined(__i386__)
	assert_int_equal(rc, 0);
	assert_true(khz >= 1000);
	print_message("host tsc: %lu kHz\n", khz);
#else
	assert_true(rc == 0 || rc == VMC_ENOTFOUND);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(accel__no_kvm_auto_is_tcg, setup, teardown),
		cmocka_unit_test_setup_teardown(accel__no_kvm_explicit_kvm_unsupported, setup, teardown),
		cmocka_unit_test_setup_teardown(accel__kvm_usable_auto_is_kvm, setup, teardown),
		cmocka_unit_test_setup_teardown(accel__pvm_host_auto_is_tcg, setup, teardown),
		cmocka_unit_test_setup_teardown(accel__wrong_api_version_is_unusable, setup, teardown),
		cmocka_unit_test_setup_teardown(accel__real_kvm_ioctl_on_non_kvm_file, setup, teardown),
		cmocka_unit_test_setup_teardown(accel__why_truncates, setup, teardown),
		cmocka_unit_test_setup_teardown(accel__tsc_from_cpuinfo, setup, teardown),
		cmocka_unit_test(accel__host_answers),
		cmocka_unit_test(accel__host_tsc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
