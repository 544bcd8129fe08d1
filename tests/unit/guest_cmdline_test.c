/*
 * guest_cmdline_test.c - the host side of the guest command-line contract:
 * exact lines for configs filled by hand (defaults, NICs, workload), the
 * VMC_CMDLINE_MAX bound, the vmc.exec limits, the percent-encoding
 * round trip for every byte value, and an image's root and workload keys
 * with the kernel's 2048-byte limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/guest_cmdline.h"
#include "core/config_image.h"
#include "vmc.h"

static void cfg_init(struct vmc_config *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "%s", name);
	snprintf(cfg->ns, sizeof(cfg->ns), "default");
}

static struct vmc_nic *cfg_nic(struct vmc_config *cfg, vmc_nic_kind kind, const char *mac,
			       const char *addr, const char *gw)
{
	struct vmc_nic *nic = &cfg->nics[cfg->n_nics++];

	nic->kind = kind;
	snprintf(nic->mac, sizeof(nic->mac), "%s", mac);
	nic->addr = (char *)addr;
	nic->gateway = (char *)gw;
	if (kind == VMC_NIC_TAP)
		nic->tap = (char *)"tap0";
	return nic;
}

static void expect_line(const struct vmc_config *cfg, const char *extra, const char *want)
{
	char *line = NULL;

	assert_int_equal(guest_cmdline_build(cfg, extra, &line), 0);
	assert_string_equal(line, want);
	free(line);
}

static void guest_cmdline__default_line(void **state)
{
	struct vmc_config cfg;

	cfg_init(&cfg, "web");
	expect_line(&cfg, NULL, "console=ttyS0 quiet cryptomgr.notests panic=-1 vmc.hostname=web");
	expect_line(&cfg, "", "console=ttyS0 quiet cryptomgr.notests panic=-1 vmc.hostname=web");
}

static void guest_cmdline__user_cmdline_and_accel_extra(void **state)
{
	struct vmc_config cfg;

	cfg_init(&cfg, "db-1");
	cfg.cmdline = (char *)"console=hvc0 loglevel=3";
	expect_line(&cfg, "tsc_early_khz=2596122",
		    "console=hvc0 loglevel=3 tsc_early_khz=2596122 vmc.hostname=db-1");
}

static void guest_cmdline__user_nic_defaults(void **state)
{
	struct vmc_config cfg;

	cfg_init(&cfg, "web");
	cfg_nic(&cfg, VMC_NIC_USER, "02:00:00:aa:bb:01", NULL, NULL);
	expect_line(&cfg, NULL,
		    "console=ttyS0 quiet cryptomgr.notests panic=-1 "
		    "vmc.net=02:00:00:aa:bb:01,10.0.2.15/24,10.0.2.2 vmc.dns=10.0.2.3 "
		    "vmc.hostname=web");
}

static void guest_cmdline__nics_by_mac(void **state)
{
	struct vmc_config cfg;

	cfg_init(&cfg, "web");
	cfg_nic(&cfg, VMC_NIC_USER, "02:00:00:aa:bb:01", "10.0.2.20/24", NULL);
	cfg_nic(&cfg, VMC_NIC_TAP, "02:00:00:aa:bb:02", NULL, NULL);          /* no vmc.net */
	cfg_nic(&cfg, VMC_NIC_TAP, "02:00:00:aa:bb:03", "192.168.77.2/24", "192.168.77.1");
	cfg_nic(&cfg, VMC_NIC_TAP, "02:00:00:aa:bb:04", "dhcp", "192.168.1.1");
	expect_line(&cfg, "tsc_early_khz=1",
		    "console=ttyS0 quiet cryptomgr.notests panic=-1 tsc_early_khz=1 "
		    "vmc.net=02:00:00:aa:bb:01,10.0.2.20/24 "
		    "vmc.net=02:00:00:aa:bb:03,192.168.77.2/24,192.168.77.1 "
		    "vmc.net=02:00:00:aa:bb:04,dhcp vmc.hostname=web");
}

static void guest_cmdline__exec_encoded_with_halt(void **state)
{
	struct vmc_config cfg;
	char *argv[] = { "/bin/sh", "-c", "echo 'a, b' 100%\n", "", "h\xc3\xa9", NULL };

	cfg_init(&cfg, "job");
	cfg.exec_argv = argv;
	cfg.exec_argc = 5;
	expect_line(&cfg, NULL,
		    "console=ttyS0 quiet cryptomgr.notests panic=-1 vmc.hostname=job "
		    "vmc.exec=/bin/sh,-c,echo%20%27a%2C%20b%27%20100%25%0A,,h%C3%A9 "
		    "vmc.halt=poweroff");
}

static void guest_cmdline__hostname_from_name(void **state)
{
	struct vmc_config cfg;
	char *line = NULL;

	cfg_init(&cfg, "my_vm.lab");
	expect_line(&cfg, NULL,
		    "console=ttyS0 quiet cryptomgr.notests panic=-1 vmc.hostname=my-vm.lab");
	/* Legal VM names that are no hostname: no vmc.hostname at all. */
	cfg_init(&cfg, "a..b");
	expect_line(&cfg, NULL, "console=ttyS0 quiet cryptomgr.notests panic=-1");
	cfg_init(&cfg, "web_");
	expect_line(&cfg, NULL, "console=ttyS0 quiet cryptomgr.notests panic=-1");
	cfg_init(&cfg, "web.");
	expect_line(&cfg, NULL, "console=ttyS0 quiet cryptomgr.notests panic=-1");
	cfg_init(&cfg, "a._b");
	expect_line(&cfg, NULL, "console=ttyS0 quiet cryptomgr.notests panic=-1");
	cfg_init(&cfg, "");
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), VMC_EINVAL);
	assert_null(line);
}

static void guest_cmdline__exec_needs_program(void **state)
{
	struct vmc_config cfg;
	char *argv[] = { "", "x", NULL };
	char *line = NULL;

	cfg_init(&cfg, "web");
	cfg.exec_argv = argv;
	cfg.exec_argc = 2;
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), VMC_EINVAL);
	assert_string_equal(vmc_error_last(), "exec: empty program name");
	assert_null(line);
}

static void guest_cmdline__length_bound(void **state)
{
	struct vmc_config cfg;
	const char *fixed = " vmc.hostname=x";
	size_t base_len = VMC_CMDLINE_MAX - strlen(fixed);
	char *base = malloc(base_len + 2);
	char *line = NULL;

	assert_non_null(base);
	cfg_init(&cfg, "x");
	memset(base, 'a', base_len + 1);
	base[base_len] = '\0';
	cfg.cmdline = base;
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), 0);
	assert_int_equal(strlen(line), VMC_CMDLINE_MAX);
	free(line);
	line = NULL;

	base[base_len] = 'a';
	base[base_len + 1] = '\0';
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), VMC_EINVAL);
	assert_null(line);
	free(base);
}

static void guest_cmdline__exec_limits(void **state)
{
	struct vmc_config cfg;
	char *argv[GUEST_EXEC_ARGS_MAX + 2];
	char *big = malloc(GUEST_EXEC_BYTES_MAX + 2);
	char *line = NULL;

	assert_non_null(big);
	cfg_init(&cfg, "x");
	for (int i = 0; i < GUEST_EXEC_ARGS_MAX + 1; i++)
		argv[i] = (char *)"a";
	argv[GUEST_EXEC_ARGS_MAX + 1] = NULL;
	cfg.exec_argv = argv;
	cfg.exec_argc = GUEST_EXEC_ARGS_MAX;
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), 0);
	free(line);
	line = NULL;
	cfg.exec_argc = GUEST_EXEC_ARGS_MAX + 1;
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), VMC_EINVAL);
	assert_null(line);

	/* 4097 decoded bytes break the contract; past 4007 plain bytes the
	 * 89 bytes of default line, hostname and halt overflow the line. */
	memset(big, 'b', GUEST_EXEC_BYTES_MAX + 1);
	big[GUEST_EXEC_BYTES_MAX + 1] = '\0';
	argv[0] = big;
	cfg.exec_argc = 1;
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), VMC_EINVAL);
	big[4007] = '\0';
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), 0);
	assert_int_equal(strlen(line), VMC_CMDLINE_MAX);
	free(line);
	line = NULL;
	big[4007] = 'b';
	big[4008] = '\0';
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), VMC_EINVAL);
	assert_null(line);
	free(big);
}

static void guest_cmdline__rejects_non_words(void **state)
{
	struct vmc_config cfg;
	char *line = NULL;

	cfg_init(&cfg, "web");
	assert_int_equal(guest_cmdline_build(&cfg, "a\"b", &line), VMC_EINVAL);
	assert_int_equal(guest_cmdline_build(&cfg, "a\nb", &line), VMC_EINVAL);
	cfg_nic(&cfg, VMC_NIC_TAP, "02:00:00:aa:bb:01", "10.0.0.2/24,evil", NULL);
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), VMC_EINVAL);
	cfg.nics[0].addr = (char *)"10.0.0.2/24";
	cfg.nics[0].gateway = (char *)"10.0.0.1 vmc.exec=/bin/sh";
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), VMC_EINVAL);
	assert_null(line);
}

static void guest_cmdline__encode_arg(void **state)
{
	char out[64];

	assert_int_equal(guest_cmdline_encode_arg("az.AZ_09/:=+@^-", out, sizeof(out)), 15);
	assert_string_equal(out, "az.AZ_09/:=+@^-");
	assert_int_equal(guest_cmdline_encode_arg(", %\"'", out, sizeof(out)), 15);
	assert_string_equal(out, "%2C%20%25%22%27");
	assert_int_equal(guest_cmdline_encode_arg("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(guest_cmdline_encode_arg("\xff", out, 4), 3);
	assert_string_equal(out, "%FF");
	assert_int_equal(guest_cmdline_encode_arg("\xff", out, 3), VMC_EINVAL);
	assert_int_equal(guest_cmdline_encode_arg("ab", out, 2), VMC_EINVAL);
}

static void expect_decode(const char *value, int argc, const char *const *want)
{
	char **argv = NULL;
	int n = -1;

	assert_int_equal(guest_cmdline_decode_exec(value, &argv, &n), 0);
	assert_int_equal(n, argc);
	for (int i = 0; i < argc; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[argc]);
	free(argv);
}

static void guest_cmdline__decode_exec(void **state)
{
	char **argv = NULL;
	int n = -1;
	const char *w1[] = { "/bin/sh", "-c", "exit 3" };
	const char *w2[] = { "", "", "" };
	const char *w3[] = { "" };
	const char *w4[] = { ",%\xab" };

	expect_decode("/bin/sh,-c,exit%203", 3, w1);
	expect_decode(",,", 3, w2);
	expect_decode("", 1, w3);
	expect_decode("%2c%25%aB", 1, w4);
	assert_int_equal(guest_cmdline_decode_exec("a%00b", &argv, &n), VMC_EINVAL);
	assert_int_equal(guest_cmdline_decode_exec("a%4", &argv, &n), VMC_EINVAL);
	assert_int_equal(guest_cmdline_decode_exec("a%", &argv, &n), VMC_EINVAL);
	assert_int_equal(guest_cmdline_decode_exec("%G1", &argv, &n), VMC_EINVAL);
	assert_int_equal(guest_cmdline_decode_exec("a b", &argv, &n), VMC_EINVAL);
	assert_int_equal(guest_cmdline_decode_exec("a\"b", &argv, &n), VMC_EINVAL);
	assert_null(argv);
	assert_int_equal(n, 0);
}

static void guest_cmdline__decode_limits(void **state)
{
	char value[3 * GUEST_EXEC_BYTES_MAX + 8];
	char **argv = NULL;
	int n = 0;

	memset(value, ',', GUEST_EXEC_ARGS_MAX - 1);
	value[GUEST_EXEC_ARGS_MAX - 1] = '\0';
	assert_int_equal(guest_cmdline_decode_exec(value, &argv, &n), 0);
	assert_int_equal(n, GUEST_EXEC_ARGS_MAX);
	free(argv);
	argv = NULL;
	value[GUEST_EXEC_ARGS_MAX - 1] = ',';
	value[GUEST_EXEC_ARGS_MAX] = '\0';
	assert_int_equal(guest_cmdline_decode_exec(value, &argv, &n), VMC_EINVAL);

	memset(value, 'x', GUEST_EXEC_BYTES_MAX);
	value[GUEST_EXEC_BYTES_MAX] = '\0';
	assert_int_equal(guest_cmdline_decode_exec(value, &argv, &n), 0);
	free(argv);
	argv = NULL;
	memcpy(value + GUEST_EXEC_BYTES_MAX, "%41", 4);
	assert_int_equal(guest_cmdline_decode_exec(value, &argv, &n), VMC_EINVAL);
	assert_null(argv);
}

/* Encode, join with ',', decode: arbitrary non-NUL bytes come back. */
static void guest_cmdline__round_trip_all_bytes(void **state)
{
	uint32_t seed = 12345;
	char args[8][64];
	char value[8 * 64 * 3 + 8];

	for (int round = 0; round < 2000; round++) {
		int argc = 1 + (int)(seed % 8);
		size_t off = 0;
		char **argv = NULL;
		int n = 0;

		for (int a = 0; a < argc; a++) {
			size_t len;

			seed = seed * 1103515245u + 12345u;
			len = (seed >> 8) % 63;
			for (size_t i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				args[a][i] = (char)(1 + (seed >> 16) % 255);
			}
			args[a][len] = '\0';
			if (a)
				value[off++] = ',';
			int rc = guest_cmdline_encode_arg(args[a], value + off, sizeof(value) - off);
			assert_true(rc >= 0);
			off += (size_t)rc;
		}
		assert_int_equal(guest_cmdline_decode_exec(value, &argv, &n), 0);
		assert_int_equal(n, argc);
		for (int a = 0; a < argc; a++)
			assert_string_equal(argv[a], args[a]);
		free(argv);
	}
}

static void guest_cmdline__image_workload(void **state)
{
	struct vmc_config cfg;
	struct config_image im;
	char *argv[] = { "/bin/sh", "-c", "echo hi", NULL };
	char *env[] = { "PATH=/bin", "A=hi \"x\", caf\xc3\xa9", NULL };
	char *mine[] = { "/bin/echo", "a b", NULL };

	cfg_init(&cfg, "img");
	memset(&im, 0, sizeof(im));
	im.ref = "docker.io/library/t:1";
	im.argv = argv;
	im.argc = 3;
	im.env = env;
	im.n_env = 2;
	im.workdir = "/work dir";
	im.user = "app:staff";
	cfg.image = &im;
	expect_line(&cfg, NULL,
		    "console=ttyS0 quiet cryptomgr.notests panic=-1 vmc.hostname=img "
		    "vmc.root=serial:vmc-root vmc.rootfstype=ext4 vmc.env=PATH=/bin "
		    "vmc.env=A=hi%20%22x%22%2C%20caf%C3%A9 vmc.workdir=/work%20dir "
		    "vmc.user=app:staff vmc.exec=/bin/sh,-c,echo%20hi vmc.halt=poweroff");
	/* the config's argv replaces Entrypoint + Cmd */
	cfg.exec_argv = mine;
	cfg.exec_argc = 2;
	im.env = NULL;
	im.n_env = 0;
	im.workdir = im.user = NULL;
	expect_line(&cfg, NULL,
		    "console=ttyS0 quiet cryptomgr.notests panic=-1 vmc.hostname=img "
		    "vmc.root=serial:vmc-root vmc.rootfstype=ext4 vmc.exec=/bin/echo,a%20b "
		    "vmc.halt=poweroff");
}

static void guest_cmdline__image_without_command(void **state)
{
	struct vmc_config cfg;
	struct config_image im;
	char *line = NULL;

	cfg_init(&cfg, "img");
	memset(&im, 0, sizeof(im));
	im.ref = "docker.io/library/t:1";
	cfg.image = &im;
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "no Entrypoint or Cmd"));
	assert_null(line);
}

/* The kernel keeps 2047 bytes of its command line on x86: an image's
 * workload that needs more is refused with the size, not cut short. */
static void guest_cmdline__image_kernel_limit(void **state)
{
	struct vmc_config cfg;
	struct config_image im;
	char *argv[] = { "/bin/true", NULL };
	char *env[2], big[1500];
	char *line = NULL;

	cfg_init(&cfg, "img");
	memset(&im, 0, sizeof(im));
	im.ref = "docker.io/library/t:1";
	im.argv = argv;
	im.argc = 1;
	im.env = env;
	im.n_env = 1;
	cfg.image = &im;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = 'K';
	big[1] = '=';
	env[0] = big;
	env[1] = NULL;
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), 0);
	assert_true(strlen(line) < 2048);
	free(line);
	line = NULL;
	big[1] = ' '; /* K aaa...: ' ' is encoded as 3 bytes, the rest fits, the '=' goes */
	big[2] = '=';
	memset(big + 3, ' ', 300);
	assert_int_equal(guest_cmdline_build(&cfg, NULL, &line), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "over the kernel's limit of 2047"));
	assert_null(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guest_cmdline__default_line),
		cmocka_unit_test(guest_cmdline__user_cmdline_and_accel_extra),
		cmocka_unit_test(guest_cmdline__user_nic_defaults),
		cmocka_unit_test(guest_cmdline__nics_by_mac),
		cmocka_unit_test(guest_cmdline__exec_encoded_with_halt),
		cmocka_unit_test(guest_cmdline__hostname_from_name),
		cmocka_unit_test(guest_cmdline__exec_needs_program),
		cmocka_unit_test(guest_cmdline__length_bound),
		cmocka_unit_test(guest_cmdline__exec_limits),
		cmocka_unit_test(guest_cmdline__rejects_non_words),
		cmocka_unit_test(guest_cmdline__encode_arg),
		cmocka_unit_test(guest_cmdline__decode_exec),
		cmocka_unit_test(guest_cmdline__decode_limits),
		cmocka_unit_test(guest_cmdline__round_trip_all_bytes),
		cmocka_unit_test(guest_cmdline__image_workload),
		cmocka_unit_test(guest_cmdline__image_without_command),
		cmocka_unit_test(guest_cmdline__image_kernel_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
