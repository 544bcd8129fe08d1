/*
 * config_test.c - the vmc_config builder: defaults, every setter's accepted
 * and rejected values at their boundaries, configs left unchanged by a
 * failing setter, MAC derivation and validation, deep copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/error.h"

static char *snapshot(const vmc_config *cfg)
{
	char *s = NULL;

	assert_int_equal(vmc_config_to_json(cfg, &s), 0);
	return s;
}

/* Runs `call`, expects `code`, and checks cfg did not change. */
#define EXPECT_UNCHANGED(cfg, code, call)                                  \
	do {                                                               \
		char *before_ = snapshot(cfg), *after_;                   \
		assert_int_equal((call), (code));                          \
		after_ = snapshot(cfg);                                    \
		assert_string_equal(before_, after_);                      \
		free(before_);                                             \
		free(after_);                                              \
	} while (0)

static vmc_config *new_cfg(void)
{
	vmc_config *cfg = NULL;

	assert_int_equal(vmc_config_new(&cfg, "vm1"), 0);
	return cfg;
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void config__defaults(void **state)
{
	vmc_config *cfg = new_cfg();

	assert_string_equal(vmc_config_name(cfg), "vm1");
	assert_string_equal(vmc_config_namespace(cfg), "default");
	assert_int_equal(vmc_config_cpus(cfg), 1);
	assert_int_equal(vmc_config_memory_mib(cfg), 256);
	assert_int_equal(vmc_config_backend(cfg), VMC_BACKEND_AUTO);
	assert_int_equal(vmc_config_accel(cfg), VMC_ACCEL_AUTO);
	assert_null(vmc_config_kernel(cfg));
	assert_null(vmc_config_initramfs(cfg));
	assert_null(vmc_config_cmdline(cfg));
	assert_int_equal(cfg->boot_timeout_ms, 0);
	assert_int_equal(cfg->n_disks + cfg->n_nics + cfg->n_shares + cfg->n_forwards, 0);
	assert_int_equal(cfg->exec_argc, 0);
	vmc_config_free(cfg);
	vmc_config_free(NULL);
}

static void config__names(void **state)
{
	static const char *const good[] = { "a", "A", "0", "vm-1", "vm_1", "vm.1", "a..b", "9x-" };
	static const char *const bad[] = { "", ".", "..", "-a", "_a", ".a", "a/b", "a b", "../x",
					   "a\\b", "a:b", "é", "a\tb", "a\n" };
	char *n63 = repeat('x', 63), *n64 = repeat('x', 64);
	vmc_config *cfg = NULL;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_true(config_name_valid(good[i]));
		assert_int_equal(vmc_config_new(&cfg, good[i]), 0);
		assert_string_equal(vmc_config_name(cfg), good[i]);
		vmc_config_free(cfg);
		cfg = NULL;
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(config_name_valid(bad[i]));
		assert_int_equal(vmc_config_new(&cfg, bad[i]), VMC_EINVAL);
		assert_null(cfg);
	}
	assert_false(config_name_valid(NULL));
	assert_int_equal(vmc_config_new(&cfg, NULL), VMC_EINVAL);
	assert_true(config_name_valid(n63));
	assert_false(config_name_valid(n64));

	cfg = new_cfg();
	assert_int_equal(vmc_config_set_name(cfg, n63), 0);
	assert_string_equal(vmc_config_name(cfg), n63);
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_name(cfg, n64));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_name(cfg, "../etc"));
	assert_non_null(strstr(vmc_error_last(), "name"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_namespace(cfg, ".."));
	assert_non_null(strstr(vmc_error_last(), "namespace"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_namespace(cfg, NULL));
	assert_int_equal(vmc_config_set_namespace(cfg, "team-a"), 0);
	assert_string_equal(vmc_config_namespace(cfg), "team-a");
	assert_int_equal(vmc_config_set_name(NULL, "x"), VMC_EINVAL);
	vmc_config_free(cfg);
	free(n63);
	free(n64);
}

static void config__cpus_and_memory(void **state)
{
	vmc_config *cfg = new_cfg();

	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_cpus(cfg, 0));
	assert_string_equal(vmc_error_last(), "invalid cpus 0: must be 1..256");
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_cpus(cfg, 257));
	assert_int_equal(vmc_config_set_cpus(cfg, 256), 0);
	assert_int_equal(vmc_config_cpus(cfg), 256);
	assert_int_equal(vmc_config_set_cpus(cfg, 1), 0);

	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_memory_mib(cfg, 31));
	assert_non_null(strstr(vmc_error_last(), "memory_mib 31"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_memory_mib(cfg, 1024 * 1024 + 1));
	assert_int_equal(vmc_config_set_memory_mib(cfg, 32), 0);
	assert_int_equal(vmc_config_set_memory_mib(cfg, 1024 * 1024), 0);
	assert_int_equal(vmc_config_memory_mib(cfg), 1024 * 1024);
	assert_int_equal(vmc_config_set_boot_timeout_ms(cfg, 30000), 0);
	assert_int_equal(cfg->boot_timeout_ms, 30000);
	vmc_config_free(cfg);
}

static void config__backend_and_accel(void **state)
{
	vmc_config *cfg = new_cfg();

	assert_int_equal(vmc_config_set_backend(cfg, VMC_BACKEND_VZ), 0);
	assert_int_equal(vmc_config_backend(cfg), VMC_BACKEND_VZ);
	assert_int_equal(vmc_config_set_backend(cfg, VMC_BACKEND_QEMU), 0);
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_backend(cfg, (vmc_backend)4));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_backend(cfg, (vmc_backend)-1));
	assert_int_equal(vmc_config_backend(cfg), VMC_BACKEND_QEMU);
	assert_int_equal(vmc_config_set_accel(cfg, VMC_ACCEL_TCG), 0);
	assert_int_equal(vmc_config_accel(cfg), VMC_ACCEL_TCG);
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_accel(cfg, (vmc_accel)3));
	assert_non_null(strstr(vmc_error_last(), "accel"));
	vmc_config_free(cfg);
}

static void config__paths(void **state)
{
	vmc_config *cfg = new_cfg();
	char cwd[4096], want[8192];
	char *long_path = repeat('a', 4096), *ok_path = repeat('b', 4095);

	ok_path[0] = '/';
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(vmc_config_set_kernel(cfg, "/boot/vmlinuz"), 0);
	assert_string_equal(vmc_config_kernel(cfg), "/boot/vmlinuz");
	assert_int_equal(vmc_config_set_kernel(cfg, "k/vmlinuz"), 0);
	snprintf(want, sizeof(want), "%s/k/vmlinuz", strcmp(cwd, "/") ? cwd : "");
	assert_string_equal(vmc_config_kernel(cfg), want);
	/* nothing else is normalised */
	assert_int_equal(vmc_config_set_initramfs(cfg, "/a/../b//c"), 0);
	assert_string_equal(vmc_config_initramfs(cfg), "/a/../b//c");
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_kernel(cfg, ""));
	assert_non_null(strstr(vmc_error_last(), "kernel"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_initramfs(cfg, long_path));
	assert_non_null(strstr(vmc_error_last(), "initramfs"));
	/* only UTF-8 travels in the JSON form */
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_kernel(cfg, "/boot/caf\xe9"));
	assert_non_null(strstr(vmc_error_last(), "utf-8"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_kernel(cfg, "/x\xc0\xaf"));     /* overlong */
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_kernel(cfg, "/x\xed\xa0\x80")); /* surrogate */
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_kernel(cfg, "/x\xf4\x90\x80\x80"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_kernel(cfg, "/x\xe2\x82"));     /* cut */
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_disk(cfg, "/x\xff", 0));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_share(cfg, "/x\x80", "t", 0));
	assert_int_equal(vmc_config_set_kernel(cfg, "/boot/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80"), 0);
	assert_int_equal(vmc_config_set_serial_log(cfg, ok_path), 0);
	assert_int_equal(vmc_config_set_serial_log(cfg, NULL), 0);
	assert_null(cfg->serial_log);
	assert_int_equal(vmc_config_set_initramfs(cfg, NULL), 0);
	assert_null(vmc_config_initramfs(cfg));
	vmc_config_free(cfg);
	free(long_path);
	free(ok_path);
}

static void config__cmdline(void **state)
{
	vmc_config *cfg = new_cfg();
	char *max = repeat('c', VMC_CMDLINE_MAX), *over = repeat('c', VMC_CMDLINE_MAX + 1);

	assert_int_equal(vmc_config_set_cmdline(cfg, "console=ttyS0 quiet"), 0);
	assert_string_equal(vmc_config_cmdline(cfg), "console=ttyS0 quiet");
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_cmdline(cfg, "a\nb"));
	assert_non_null(strstr(vmc_error_last(), "cmdline"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_cmdline(cfg, "a\tb"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_cmdline(cfg, "caf\xc3\xa9"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_cmdline(cfg, "\x7f"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_cmdline(cfg, over));
	assert_int_equal(vmc_config_set_cmdline(cfg, max), 0);
	assert_int_equal(vmc_config_set_cmdline(cfg, ""), 0);
	assert_string_equal(vmc_config_cmdline(cfg), "");
	assert_int_equal(vmc_config_set_cmdline(cfg, NULL), 0);
	assert_null(vmc_config_cmdline(cfg));
	vmc_config_free(cfg);
	free(max);
	free(over);
}

static void config__exec(void **state)
{
	vmc_config *cfg = new_cfg();
	const char *argv[66];
	const char *two[] = { "/bin/echo", "hello world" };
	const char *empty0[] = { "" };
	const char *nullarg[] = { "/bin/x", NULL };
	char *a4096 = repeat('a', 4096), *a4095 = repeat('a', 4095);
	int i;

	for (i = 0; i < 66; i++)
		argv[i] = "x";
	assert_int_equal(vmc_config_set_exec(cfg, 2, two), 0);
	assert_int_equal(cfg->exec_argc, 2);
	assert_string_equal(cfg->exec_argv[1], "hello world");
	assert_null(cfg->exec_argv[2]);
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_exec(cfg, 65, argv));
	assert_non_null(strstr(vmc_error_last(), "exec"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_exec(cfg, -1, argv));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_exec(cfg, 1, NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_exec(cfg, 1, empty0));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_exec(cfg, 2, nullarg));
	argv[0] = "/bin/echo";
	argv[1] = "caf\xe9";
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_exec(cfg, 2, argv));
	assert_non_null(strstr(vmc_error_last(), "argv[1]"));
	argv[1] = "caf\xc3\xa9";
	assert_int_equal(vmc_config_set_exec(cfg, 2, argv), 0);
	argv[0] = argv[1] = "x";
	assert_int_equal(vmc_config_set_exec(cfg, 64, argv), 0);
	argv[0] = a4096;
	assert_int_equal(vmc_config_set_exec(cfg, 1, argv), 0);
	argv[0] = a4095;
	argv[1] = "xy"; /* 4097 in total */
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_set_exec(cfg, 2, argv));
	assert_int_equal(vmc_config_set_exec(cfg, 0, NULL), 0);
	assert_int_equal(cfg->exec_argc, 0);
	assert_null(cfg->exec_argv);
	vmc_config_free(cfg);
	free(a4096);
	free(a4095);
}

static void config__disks(void **state)
{
	vmc_config *cfg = new_cfg();
	char path[64];
	int i;

	assert_int_equal(vmc_config_add_disk(cfg, "/img/root.raw", 7), 0);
	assert_int_equal(cfg->n_disks, 1);
	assert_int_equal(cfg->disks[0].read_only, 1);
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_disk(cfg, "/img/root.raw", 0));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_disk(cfg, "", 0));
	assert_non_null(strstr(vmc_error_last(), "disk"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_disk(cfg, NULL, 0));
	for (i = 1; i < VMC_DEVICES_MAX; i++) {
		snprintf(path, sizeof(path), "/img/d%d", i);
		assert_int_equal(vmc_config_add_disk(cfg, path, 0), 0);
	}
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_disk(cfg, "/img/one-more", 0));
	vmc_config_free(cfg);
}

static void config__nics(void **state)
{
	vmc_config *cfg = new_cfg();
	char *tap16 = repeat('t', 16), *tap15 = repeat('t', 15);
	int i;

	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	assert_true(config_mac_valid(cfg->nics[0].mac));
	assert_int_equal(cfg->nics[0].mac_given, 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, tap15, "52:54:00:12:34:56",
					    "192.168.10.2/24", "192.168.10.1"),
			 0);
	assert_string_equal(cfg->nics[1].mac, "52:54:00:12:34:56");
	assert_int_equal(cfg->nics[1].mac_given, 1);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "tap.0-x_", NULL, "fd00::2/64",
					    "fd00::1"),
			 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "t1", NULL, "10.0.0.1/0", NULL), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "t2", NULL, "10.0.0.1/32", NULL), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "t3", NULL, "::1/128", NULL), 0);

	/* kinds and tap names */
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, (vmc_nic_kind)2, NULL, NULL, NULL, NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, "tap0", NULL, NULL, NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_TAP, NULL, NULL, NULL, NULL));
	assert_non_null(strstr(vmc_error_last(), "tap"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_TAP, "", NULL, NULL, NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_TAP, tap16, NULL, NULL, NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_TAP, "tap/0", NULL, NULL, NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_TAP, "..", NULL, NULL, NULL));
	/* macs */
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, "01:00:5e:00:00:01", NULL, NULL));
	assert_non_null(strstr(vmc_error_last(), "mac"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, "52:54:00:12:34", NULL, NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, "52:54:00:12:34:567", NULL, NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, "52-54-00-12-34-56", NULL, NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, "00:00:00:00:00:00", NULL, NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, "g2:54:00:12:34:56", NULL, NULL));
	/* addresses */
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "10.0.2.15", NULL));
	assert_non_null(strstr(vmc_error_last(), "addr"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "10.0.2.15/33", NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "fd00::1/129", NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "10.0.2/24", NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "10.0.2.15/", NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "10.0.2.15/-1", NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "10.0.2.15/024", NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "10.0.2.15/2/4", NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "/24", NULL));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "10.0.2.15/24", "fd00::1"));
	assert_non_null(strstr(vmc_error_last(), "gateway"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "10.0.2.15/24", "10.0.2.2/24"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, "10.0.2.15/24", "999.0.0.1"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, "10.0.2.2"));
	/* count limit */
	for (i = (int)cfg->n_nics; i < VMC_DEVICES_MAX; i++)
		assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL));
	vmc_config_free(cfg);
	free(tap16);
	free(tap15);
}

static void config__derived_mac_stable_and_distinct(void **state)
{
	char a[VMC_MAC_STRLEN], b[VMC_MAC_STRLEN], c[VMC_MAC_STRLEN], d[VMC_MAC_STRLEN];
	unsigned int i, j;
	char macs[16][VMC_MAC_STRLEN];

	config_derive_mac("default", "web", 0, a);
	config_derive_mac("default", "web", 0, b);
	assert_string_equal(a, b);
	config_derive_mac("default", "web", 1, c);
	assert_string_not_equal(a, c);
	config_derive_mac("other", "web", 0, d);
	assert_string_not_equal(a, d);
	config_derive_mac("default", "web2", 0, d);
	assert_string_not_equal(a, d);
	for (i = 0; i < 16; i++) {
		unsigned int o;

		config_derive_mac("default", "web", i, macs[i]);
		assert_true(config_mac_valid(macs[i]));
		assert_int_equal(strlen(macs[i]), 17);
		assert_int_equal(sscanf(macs[i], "%2x", &o), 1);
		assert_int_equal(o & 0x03, 0x02); /* local, unicast */
		for (j = 0; j < i; j++)
			assert_string_not_equal(macs[i], macs[j]);
	}
}

static void config__derived_mac_follows_name(void **state)
{
	vmc_config *cfg = new_cfg();
	char want[VMC_MAC_STRLEN];

	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "tap0", "52:54:00:00:00:01", NULL, NULL), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "tap1", NULL, NULL, NULL), 0);
	config_derive_mac("default", "vm1", 0, want);
	assert_string_equal(cfg->nics[0].mac, want);
	config_derive_mac("default", "vm1", 2, want);
	assert_string_equal(cfg->nics[2].mac, want);
	assert_int_equal(vmc_config_set_name(cfg, "vm2"), 0);
	assert_int_equal(vmc_config_set_namespace(cfg, "ns"), 0);
	config_derive_mac("ns", "vm2", 2, want);
	assert_string_equal(cfg->nics[2].mac, want);
	assert_string_equal(cfg->nics[1].mac, "52:54:00:00:00:01");
	vmc_config_free(cfg);
}

static void config__mac_valid(void **state)
{
	assert_true(config_mac_valid("02:00:00:00:00:01"));
	assert_true(config_mac_valid("AA:BB:CC:DD:EE:FF"));
	assert_false(config_mac_valid("ab:bb:cc:dd:ee:ff")); /* multicast */
	assert_false(config_mac_valid("ff:ff:ff:ff:ff:ff"));
	assert_false(config_mac_valid(NULL));
	assert_false(config_mac_valid(""));
	assert_false(config_mac_valid("02:00:00:00:00:0"));
	assert_false(config_mac_valid("02:00:00:00:00:001"));
	assert_false(config_mac_valid("02:00:00:00:00 01"));
}

static void config__shares(void **state)
{
	vmc_config *cfg = new_cfg();
	char *tag36 = repeat('t', 36), *tag37 = repeat('t', 37), tag[16];
	int i;

	assert_int_equal(vmc_config_add_share(cfg, "/srv/data", "data_1-x", 1), 0);
	assert_string_equal(cfg->shares[0].tag, "data_1-x");
	assert_int_equal(cfg->shares[0].read_only, 1);
	assert_int_equal(vmc_config_add_share(cfg, "/srv/data", tag36, 0), 0);
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_share(cfg, "/srv/x", tag37, 0));
	assert_non_null(strstr(vmc_error_last(), "tag"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_share(cfg, "/srv/x", "", 0));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_share(cfg, "/srv/x", NULL, 0));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_share(cfg, "/srv/x", "a.b", 0));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_share(cfg, "/srv/x", "a b", 0));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_share(cfg, "/srv/x", "data_1-x", 0));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_share(cfg, "", "t", 0));
	assert_non_null(strstr(vmc_error_last(), "share"));
	for (i = 2; i < VMC_DEVICES_MAX; i++) {
		snprintf(tag, sizeof(tag), "t%d", i);
		assert_int_equal(vmc_config_add_share(cfg, "/srv", tag, 0), 0);
	}
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_share(cfg, "/srv", "last", 0));
	vmc_config_free(cfg);
	free(tag36);
	free(tag37);
}

static void config__forwards(void **state)
{
	vmc_config *cfg = new_cfg();
	unsigned int i;

	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, NULL, 8080, 80), 0);
	assert_null(cfg->forwards[0].host_addr);
	/* NULL is 127.0.0.1: the same forward again */
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, "127.0.0.1", 8080, 81));
	assert_non_null(strstr(vmc_error_last(), "forward"));
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_UDP, NULL, 8080, 80), 0);
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, "0.0.0.0", 8080, 80), 0);
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, "::1", 1, 65535), 0);
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, "::1", 1, 2));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, NULL, 0, 80));
	assert_non_null(strstr(vmc_error_last(), "host_port"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, NULL, 65536, 80));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, NULL, 9000, 0));
	assert_non_null(strstr(vmc_error_last(), "guest_port"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, NULL, 9000, 65536));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, (vmc_proto)2, NULL, 9000, 80));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, "localhost", 9000, 80));
	assert_non_null(strstr(vmc_error_last(), "host_addr"));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, "10.0.2", 9000, 80));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, "999.1.1.1", 9000, 80));
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, "", 9000, 80));
	for (i = (unsigned int)cfg->n_forwards; i < VMC_DEVICES_MAX; i++)
		assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, NULL, 10000 + i, 80), 0);
	EXPECT_UNCHANGED(cfg, VMC_EINVAL, vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, NULL, 20000, 80));
	vmc_config_free(cfg);
}

static void config__dup_is_deep(void **state)
{
	vmc_config *cfg = new_cfg(), *copy = NULL;
	const char *argv[] = { "/bin/sh", "-c", "true" };
	char *a, *b;

	assert_int_equal(vmc_config_set_kernel(cfg, "/k"), 0);
	assert_int_equal(vmc_config_set_initramfs(cfg, "/i"), 0);
	assert_int_equal(vmc_config_set_cmdline(cfg, "quiet"), 0);
	assert_int_equal(vmc_config_set_serial_log(cfg, "/log"), 0);
	assert_int_equal(vmc_config_set_exec(cfg, 3, argv), 0);
	assert_int_equal(vmc_config_add_disk(cfg, "/d", 1), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "tap0", NULL, "10.1.1.2/24", "10.1.1.1"), 0);
	assert_int_equal(vmc_config_add_share(cfg, "/s", "tag", 0), 0);
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_UDP, "::", 53, 53), 0);
	assert_int_equal(vmc_config_dup(&copy, cfg), 0);
	a = snapshot(cfg);
	b = snapshot(copy);
	assert_string_equal(a, b);
	assert_ptr_not_equal(copy->kernel, cfg->kernel);
	assert_ptr_not_equal(copy->exec_argv, cfg->exec_argv);
	assert_ptr_not_equal(copy->exec_argv[2], cfg->exec_argv[2]);
	assert_ptr_not_equal(copy->nics[0].tap, cfg->nics[0].tap);
	assert_ptr_not_equal(copy->forwards[0].host_addr, cfg->forwards[0].host_addr);
	vmc_config_free(cfg); /* the copy must stand alone (ASan would see a use after free) */
	free(b);
	b = snapshot(copy);
	assert_string_equal(a, b);
	assert_int_equal(vmc_config_dup(&copy, NULL), VMC_EINVAL);
	vmc_config_free(copy);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config__defaults),
		cmocka_unit_test(config__names),
		cmocka_unit_test(config__cpus_and_memory),
		cmocka_unit_test(config__backend_and_accel),
		cmocka_unit_test(config__paths),
		cmocka_unit_test(config__cmdline),
		cmocka_unit_test(config__exec),
		cmocka_unit_test(config__disks),
		cmocka_unit_test(config__nics),
		cmocka_unit_test(config__derived_mac_stable_and_distinct),
		cmocka_unit_test(config__derived_mac_follows_name),
		cmocka_unit_test(config__mac_valid),
		cmocka_unit_test(config__shares),
		cmocka_unit_test(config__forwards),
		cmocka_unit_test(config__dup_is_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
