/*
 * init_cmdline_test.c - cmocka tests for vmc-init's kernel command-line
 * parser (guest/init_cmdline.c): every option, the kernel's quoting, and
 * hostile input (overlong values, missing separators, bad addresses, bytes
 * the parser must never trust). The parser runs in PID 1, so the rule under
 * test is: a bad option is reported and skipped, nothing overruns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "init_cmdline.h"

static struct init_config cfg;

/* the first problem reported, "" if none */
#define err (cfg.n_warnings > 0 ? cfg.warnings[0] : "")

static int parse(const char *cmdline)
{
	size_t n = init_cmdline_parse(&cfg, cmdline);

	assert_true(cfg.n_warnings <= INIT_MAX_WARN);
	assert_true(cfg.n_warnings == (n < INIT_MAX_WARN ? n : INIT_MAX_WARN));
	return (int)n;
}

static void assert_addr(const struct init_addr *a, const char *want)
{
	char buf[64];

	assert_string_equal(init_addr_format(a, buf, sizeof(buf)), want);
}

static void init_cmdline__empty_gives_defaults(void **state)
{
	assert_int_equal(parse(""), 0);
	assert_int_equal(cfg.n_nets, 0);
	assert_int_equal(cfg.argc, 0);
	assert_int_equal(cfg.ready, INIT_READY_INIT);
	assert_int_equal(cfg.halt, INIT_HALT_STAY);
	assert_int_equal(cfg.stop_timeout_s, 2);
	assert_string_equal(err, "");
	assert_int_equal(parse(NULL), 0);
}

static void init_cmdline__ignores_other_arguments(void **state)
{
	assert_int_equal(parse("console=ttyS0 quiet vmcx=1 vm.net=x "
			       "tsc_early_khz=2596148 vmc.hostname=web"), 0);
	assert_string_equal(cfg.hostname, "web");
}

static void init_cmdline__static_net_with_gateway(void **state)
{
	assert_int_equal(parse("vmc.net=eth0,10.0.2.15/24,10.0.2.2"), 0);
	assert_int_equal(cfg.n_nets, 1);
	assert_string_equal(cfg.nets[0].ifname, "eth0");
	assert_false(cfg.nets[0].by_mac);
	assert_false(cfg.nets[0].dhcp);
	assert_addr(&cfg.nets[0].addr, "10.0.2.15");
	assert_int_equal(cfg.nets[0].addr.prefix, 24);
	assert_addr(&cfg.nets[0].gateway, "10.0.2.2");
}

static void init_cmdline__net_by_mac_ipv6_and_repeat(void **state)
{
	static const unsigned char mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

	assert_int_equal(parse("vmc.net=52:54:00:AB:cd:ef,fd00::5/64,fd00::1 "
			       "vmc.net=eth1,192.168.1.2/32"), 0);
	assert_int_equal(cfg.n_nets, 2);
	assert_true(cfg.nets[0].by_mac);
	assert_memory_equal(cfg.nets[0].mac, mac, 6);
	assert_int_equal(cfg.nets[0].addr.family, AF_INET6);
	assert_addr(&cfg.nets[0].addr, "fd00::5");
	assert_int_equal(cfg.nets[0].addr.prefix, 64);
	assert_addr(&cfg.nets[0].gateway, "fd00::1");
	assert_string_equal(cfg.nets[1].ifname, "eth1");
	assert_int_equal(cfg.nets[1].gateway.family, 0);
}

static void init_cmdline__net_dhcp_forms(void **state)
{
	assert_int_equal(parse("vmc.net=dhcp vmc.net=eth1,dhcp"), 0);
	assert_int_equal(cfg.n_nets, 2);
	assert_true(cfg.nets[0].dhcp);
	assert_string_equal(cfg.nets[0].ifname, "");
	assert_false(cfg.nets[0].by_mac);
	assert_true(cfg.nets[1].dhcp);
	assert_string_equal(cfg.nets[1].ifname, "eth1");
}

static void init_cmdline__net_rejects_bad_input(void **state)
{
	static const char *const bad[] = {
		"vmc.net=eth0",                          /* missing address */
		"vmc.net=eth0;10.0.0.1/24",              /* wrong separator */
		"vmc.net=eth0,10.0.0.1",                 /* no prefix */
		"vmc.net=eth0,10.0.0.1/33",              /* prefix too long */
		"vmc.net=eth0,10.0.0.1/-1",
		"vmc.net=eth0,10.0.0.1/2x",
		"vmc.net=eth0,10.0.0.1/",
		"vmc.net=eth0,10.0.0.256/24",            /* bad octet */
		"vmc.net=eth0,10.0.0/24",
		"vmc.net=eth0,fd00::1/129",
		"vmc.net=eth0,10.0.0.1/24,fd00::1",      /* family mismatch */
		"vmc.net=eth0,10.0.0.1/24,10.0.0.2/24",  /* gateway with prefix */
		"vmc.net=eth0,10.0.0.1/24,10.0.0.2,x",   /* too many fields */
		"vmc.net=eth0,dhcp,10.0.0.1",
		"vmc.net=averyveryverylongname,10.0.0.1/24", /* > IFNAMSIZ */
		"vmc.net=a/b,10.0.0.1/24",
		"vmc.net=..,10.0.0.1/24",
		"vmc.net=,10.0.0.1/24",
		"vmc.net=52:54:00:ab:cd,10.0.0.1/24",    /* short MAC, has ':' */
		"vmc.net=",
		"vmc.net",
		"vmc.net=,,,,,,,,,,,,",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i]) != 1)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(cfg.n_nets, 0);
		assert_true(strncmp(err, "vmc.net", 7) == 0);
	}
}

static void init_cmdline__too_many_nets(void **state)
{
	char line[1024] = "";
	int i;

	for (i = 0; i < INIT_MAX_NETS + 2; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "vmc.net=eth%d,10.0.%d.2/24 ", i, i);
	assert_int_equal(parse(line), 2);
	assert_int_equal(cfg.n_nets, INIT_MAX_NETS);
}

static void init_cmdline__exec_splits_and_decodes(void **state)
{
	assert_int_equal(parse("vmc.exec=/bin/echo,hello%20world,a%2Cb,100%25,,%22q%22"), 0);
	assert_int_equal(cfg.argc, 6);
	assert_string_equal(cfg.argv[0], "/bin/echo");
	assert_string_equal(cfg.argv[1], "hello world");
	assert_string_equal(cfg.argv[2], "a,b");
	assert_string_equal(cfg.argv[3], "100%");
	assert_string_equal(cfg.argv[4], "");
	assert_string_equal(cfg.argv[5], "\"q\"");
	assert_null(cfg.argv[6]);
	assert_int_equal(cfg.halt, INIT_HALT_POWEROFF);
}

static void init_cmdline__exec_rejects_bad_escapes(void **state)
{
	static const char *const bad[] = {
		"vmc.exec=", "vmc.exec=/bin/x,%", "vmc.exec=/bin/x,%2", "vmc.exec=/bin/x,%zz",
		"vmc.exec=/bin/x,%00", "vmc.exec=,arg", "vmc.exec=%2",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i]) != 1)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(cfg.argc, 0);
		assert_int_equal(cfg.halt, INIT_HALT_STAY);
	}
}

static void init_cmdline__exec_overlong_and_too_many_args(void **state)
{
	size_t n = INIT_EXEC_BYTES + 100, i;
	char *line = malloc(n + 16);

	assert_non_null(line);
	memcpy(line, "vmc.exec=", sizeof("vmc.exec="));
	memset(line + 9, 'a', n);
	line[9 + n] = '\0';
	assert_int_equal(parse(line), 1);
	assert_int_equal(cfg.argc, 0);
	assert_non_null(strstr(err, "longer"));

	/* every byte is a separator: INIT_MAX_ARGS + many arguments */
	for (i = 9; i < 9 + 200; i++)
		line[i] = (i == 9) ? 'x' : ',';
	line[9 + 200] = '\0';
	assert_int_equal(parse(line), 1);
	assert_int_equal(cfg.argc, 0);

	/* exactly at the limits is fine */
	line[9] = 'x';
	for (i = 1; i < INIT_MAX_ARGS; i++)
		line[9 + i] = ',';
	line[9 + INIT_MAX_ARGS] = '\0';
	assert_int_equal(parse(line), 0);
	assert_int_equal(cfg.argc, INIT_MAX_ARGS);
	free(line);
}

static void init_cmdline__exec_quoted_by_kernel_rules(void **state)
{
	assert_int_equal(parse("vmc.exec=\"/bin/echo,a b\" quiet"), 0);
	assert_int_equal(cfg.argc, 2);
	assert_string_equal(cfg.argv[1], "a b");
	assert_int_equal(parse("\"vmc.hostname=h1\" vmc.exec=/bin/true"), 0);
	assert_string_equal(cfg.hostname, "h1");
	assert_string_equal(cfg.argv[0], "/bin/true");
	/* an unterminated quote swallows the rest of the line, as in the kernel */
	assert_int_equal(parse("vmc.exec=\"/bin/true vmc.hostname=x"), 0);
	assert_string_equal(cfg.argv[0], "/bin/true vmc.hostname=x");
	assert_string_equal(cfg.hostname, "");
}

static void init_cmdline__stops_at_double_dash(void **state)
{
	assert_int_equal(parse("vmc.hostname=a -- vmc.hostname=b vmc.bogus=1"), 0);
	assert_string_equal(cfg.hostname, "a");
}

static void init_cmdline__ready_halt_timeout_debug(void **state)
{
	assert_int_equal(parse("vmc.ready=exec vmc.halt=stay vmc.exec=/bin/true "
			       "vmc.stop_timeout=0 vmc.debug=1"), 0);
	assert_int_equal(cfg.ready, INIT_READY_EXEC);
	assert_int_equal(cfg.halt, INIT_HALT_STAY);
	assert_int_equal(cfg.stop_timeout_s, 0);
	assert_int_equal(cfg.debug, 1);
	assert_int_equal(parse("vmc.ready=now vmc.halt=reboot vmc.stop_timeout=99999999999 "
			       "vmc.debug=2 vmc.stop_timeout=-1"), 5);
	assert_int_equal(cfg.ready, INIT_READY_INIT);
	assert_int_equal(cfg.stop_timeout_s, 2);
	assert_string_equal(err, "vmc.ready: must be init or exec");
}

static void init_cmdline__hostname_rules(void **state)
{
	static const char *const bad[] = {
		"vmc.hostname=bad_name", "vmc.hostname=", "vmc.hostname=-a", "vmc.hostname=a-",
		"vmc.hostname=a..b", "vmc.hostname=.a", "vmc.hostname=a.", "vmc.hostname=a.-b",
		"vmc.hostname=a%20b",
	};
	char line[200];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i]) != 1)
			fail_msg("accepted '%s'", bad[i]);
		assert_string_equal(cfg.hostname, "");
	}
	assert_int_equal(parse("vmc.hostname=web-1.example.org"), 0);
	assert_string_equal(cfg.hostname, "web-1.example.org");
	/* 64 bytes in two labels is the limit; one 64-byte label is not */
	snprintf(line, sizeof(line), "vmc.hostname=%031d.%032d", 0, 0);
	assert_int_equal(parse(line), 0);
	assert_int_equal(strlen(cfg.hostname), INIT_HOSTNAME_MAX);
	snprintf(line, sizeof(line), "vmc.hostname=%031d.%033d", 0, 0);
	assert_int_equal(parse(line), 1);
	snprintf(line, sizeof(line), "vmc.hostname=%064d", 0);
	assert_int_equal(parse(line), 1);
}

static void init_cmdline__thousands_of_keys(void **state)
{
	size_t n = 5000, i, off = 0, cap = n * 40 + 64;
	char *line = malloc(cap);

	assert_non_null(line);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(line + off, cap - off, "vmc.k%zu=v vmc.dns=1.1.1.%zu ",
					i, i % 250);
	/* every unknown key and every DNS server past the 4th is a problem */
	assert_int_equal(parse(line), (int)(n + n - INIT_MAX_DNS));
	assert_int_equal(cfg.n_dns, INIT_MAX_DNS);
	assert_int_equal(cfg.n_warnings, INIT_MAX_WARN);
	assert_string_equal(cfg.warnings[0], "unknown option 'vmc.k0' ignored");
	free(line);
}

static void init_cmdline__dns(void **state)
{
	assert_int_equal(parse("vmc.dns=10.0.2.3,fd00::3 vmc.dns=1.1.1.1"), 0);
	assert_int_equal(cfg.n_dns, 3);
	assert_addr(&cfg.dns[1], "fd00::3");
	assert_int_equal(parse("vmc.dns=1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5"), 1);
	assert_int_equal(cfg.n_dns, 0);
	assert_int_equal(parse("vmc.dns=1.1.1.1/32"), 1);
	assert_int_equal(parse("vmc.dns=localhost"), 1);
	assert_int_equal(parse("vmc.dns=1.1.1.1,"), 1);
}

static void init_cmdline__mounts(void **state)
{
	char line[600];

	assert_int_equal(parse("vmc.mount=share:/mnt/data:ro vmc.mount=t2:/srv"), 0);
	assert_int_equal(cfg.n_mounts, 2);
	assert_string_equal(cfg.mounts[0].tag, "share");
	assert_string_equal(cfg.mounts[0].path, "/mnt/data");
	assert_true(cfg.mounts[0].read_only);
	assert_false(cfg.mounts[1].read_only);
	assert_int_equal(parse("vmc.mount=share"), 1);
	assert_int_equal(parse("vmc.mount=share:relative"), 1);
	assert_int_equal(parse("vmc.mount=share:/"), 1);
	assert_int_equal(parse("vmc.mount=:/mnt"), 1);
	assert_int_equal(parse("vmc.mount=s:/mnt:rx"), 1);
	assert_int_equal(parse("vmc.mount=s:/mnt:ro:extra"), 1);
	assert_int_equal(parse("vmc.mount=0123456789012345678901234567890123456:/m"), 1);
	snprintf(line, sizeof(line), "vmc.mount=t:/%0*d", INIT_PATH_MAX, 0);
	assert_int_equal(parse(line), 1);
	assert_int_equal(cfg.n_mounts, 0);
}

static void init_cmdline__modules(void **state)
{
	assert_int_equal(parse("vmc.modules=9p,9pnet_virtio vmc.modules=virtio-rng"), 0);
	assert_int_equal(cfg.n_modules, 3);
	assert_string_equal(cfg.modules[2], "virtio-rng");
	assert_int_equal(parse("vmc.modules=../../etc/x"), 1);
	assert_int_equal(parse("vmc.modules=a,,b"), 1);
	assert_int_equal(cfg.n_modules, 0);
}

static void init_cmdline__unknown_and_valueless_keys(void **state)
{
	assert_int_equal(parse("vmc.hostnmae=x vmc.hostname vmc. vmc.=x"), 4);
	assert_string_equal(err, "unknown option 'vmc.hostnmae' ignored");
	assert_string_equal(cfg.warnings[1], "vmc.hostname: needs a value");
}

/* A cheap deterministic fuzz: random bytes and random mixes of real tokens. */
static void init_cmdline__random_input_never_crashes(void **state)
{
	static const char *const pieces[] = {
		"vmc.net=", "vmc.exec=", "vmc.mount=", "vmc.dns=", "vmc.hostname=",
		"vmc.modules=", "vmc.ready=", ",", ":", "/", "%", "%2", "\"", " ", "dhcp",
		"eth0", "10.0.0.1", "fd00::", "52:54:00:00:00:01", "ro", "--", "=", "\t",
	};
	unsigned int seed = 12345;
	char line[3000];
	int iter;

	for (iter = 0; iter < 20000; iter++) {
		size_t len = 0, target;

		seed = seed * 1103515245u + 12345u;
		target = (seed >> 8) % (sizeof(line) - 40);
		while (len < target) {
			seed = seed * 1103515245u + 12345u;
			if (iter & 1) {
				line[len++] = (char)((seed >> 16) % 255 + 1);
			} else {
				const char *p = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
				size_t n = strlen(p);

				memcpy(line + len, p, n);
				len += n;
			}
		}
		line[len] = '\0';
		parse(line);
		assert_true(cfg.n_nets <= INIT_MAX_NETS);
		assert_true(cfg.n_mounts <= INIT_MAX_MOUNTS);
		assert_true(cfg.n_dns <= INIT_MAX_DNS);
		assert_true(cfg.argc <= INIT_MAX_ARGS);
		for (size_t w = 0; w < cfg.n_warnings; w++)
			assert_true(strlen(cfg.warnings[w]) < INIT_ERR_MAX);
		if (cfg.argc > 0)
			assert_null(cfg.argv[cfg.argc]);
	}
}


static void init_cmdline__image_root(void **state)
{
	assert_int_equal(parse("vmc.root=serial:vmc-root vmc.rootfstype=ext4"), 0);
	assert_string_equal(cfg.root_serial, "vmc-root");
	assert_string_equal(cfg.root_dev, "");
	assert_string_equal(cfg.rootfstype, "ext4");
	assert_int_equal(parse("vmc.root=/dev/vda"), 0);
	assert_string_equal(cfg.root_dev, "/dev/vda");
	assert_string_equal(cfg.rootfstype, "ext4"); /* the default */
	assert_int_equal(parse("vmc.rootfstype=xfs"), 0);
	assert_string_equal(cfg.rootfstype, "xfs");
	/* refused: not under /dev, '..', bad serial bytes, too long, bad type */
	assert_int_equal(parse("vmc.root=/etc/passwd"), 1);
	assert_string_equal(cfg.root_dev, "");
	assert_int_equal(parse("vmc.root=/dev/../etc/x"), 1);
	assert_int_equal(parse("vmc.root=/dev/"), 1);
	assert_int_equal(parse("vmc.root=serial:a/b"), 1);
	assert_int_equal(parse("vmc.root=serial:123456789012345678901"), 1);
	assert_string_equal(cfg.root_serial, "");
	assert_int_equal(parse("vmc.root=serial:12345678901234567890"), 0);
	assert_int_equal(parse("vmc.root=vda"), 1);
	assert_int_equal(parse("vmc.rootfstype=Ext4"), 1);
	assert_int_equal(parse("vmc.rootfstype=ext4,x"), 1);
	assert_int_equal(parse("vmc.rootfstype=0123456789abcdef"), 1);
	assert_string_equal(cfg.rootfstype, "ext4");
}

static void init_cmdline__image_env(void **state)
{
	assert_int_equal(parse("vmc.env=PATH=/bin vmc.env=A=hi%20%22there%22%2C%20caf%C3%A9 "
			       "vmc.env=EMPTY= vmc.env=EQ=a=b"), 0);
	assert_int_equal(cfg.n_env, 4);
	assert_string_equal(cfg.env[0], "PATH=/bin");
	assert_string_equal(cfg.env[1], "A=hi \"there\", caf\xc3\xa9");
	assert_string_equal(cfg.env[2], "EMPTY=");
	assert_string_equal(cfg.env[3], "EQ=a=b");
	assert_null(cfg.env[4]);
	/* no '=' or an empty key, %00, a bad escape: skipped, others kept */
	assert_int_equal(parse("vmc.env=NOEQ vmc.env==x vmc.env=A=%00 vmc.env=B=%4 vmc.env=C=1"), 4);
	assert_int_equal(cfg.n_env, 1);
	assert_string_equal(cfg.env[0], "C=1");
	assert_null(cfg.env[1]);
}

static void init_cmdline__image_env_limits(void **state)
{
	size_t len = 16 * (INIT_MAX_ENV + 2);
	char *line = malloc(len), *p = line;
	char *big = malloc(INIT_ENV_BYTES + 64);

	assert_non_null(line);
	assert_non_null(big);
	for (int i = 0; i < INIT_MAX_ENV + 1; i++)
		p += snprintf(p, len - (size_t)(p - line), "vmc.env=K%d=v ", i);
	assert_int_equal(parse(line), 1);
	assert_int_equal(cfg.n_env, INIT_MAX_ENV);
	assert_null(cfg.env[INIT_MAX_ENV]);
	assert_non_null(strstr(err, "more than"));
	/* the decoded bytes of all entries are bounded */
	memcpy(big, "vmc.env=X=", 10);
	memset(big + 10, 'a', 6000);
	big[6010] = '\0';
	free(line);
	line = malloc(2 * 6020);
	assert_non_null(line);
	snprintf(line, 2 * 6020, "%s %s", big, big);
	assert_int_equal(parse(line), 1);
	assert_int_equal(cfg.n_env, 1);
	free(line);
	free(big);
}

static void init_cmdline__image_workdir_user(void **state)
{
	assert_int_equal(parse("vmc.workdir=/work%20dir vmc.user=app:staff"), 0);
	assert_string_equal(cfg.workdir, "/work dir");
	assert_string_equal(cfg.user, "app:staff");
	assert_int_equal(parse("vmc.user=1000"), 0);
	assert_string_equal(cfg.user, "1000");
	assert_int_equal(parse("vmc.workdir=relative vmc.user=:grp"), 2);
	assert_string_equal(cfg.workdir, "");
	assert_string_equal(cfg.user, "");
	assert_int_equal(parse("vmc.workdir=%2Fa%00"), 1);
	assert_string_equal(cfg.workdir, "");
	assert_int_equal(parse("vmc.user="), 1);
	assert_string_equal(cfg.user, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_cmdline__empty_gives_defaults),
		cmocka_unit_test(init_cmdline__ignores_other_arguments),
		cmocka_unit_test(init_cmdline__static_net_with_gateway),
		cmocka_unit_test(init_cmdline__net_by_mac_ipv6_and_repeat),
		cmocka_unit_test(init_cmdline__net_dhcp_forms),
		cmocka_unit_test(init_cmdline__net_rejects_bad_input),
		cmocka_unit_test(init_cmdline__too_many_nets),
		cmocka_unit_test(init_cmdline__exec_splits_and_decodes),
		cmocka_unit_test(init_cmdline__exec_rejects_bad_escapes),
		cmocka_unit_test(init_cmdline__exec_overlong_and_too_many_args),
		cmocka_unit_test(init_cmdline__exec_quoted_by_kernel_rules),
		cmocka_unit_test(init_cmdline__stops_at_double_dash),
		cmocka_unit_test(init_cmdline__ready_halt_timeout_debug),
		cmocka_unit_test(init_cmdline__hostname_rules),
		cmocka_unit_test(init_cmdline__thousands_of_keys),
		cmocka_unit_test(init_cmdline__dns),
		cmocka_unit_test(init_cmdline__mounts),
		cmocka_unit_test(init_cmdline__modules),
		cmocka_unit_test(init_cmdline__unknown_and_valueless_keys),
		cmocka_unit_test(init_cmdline__random_input_never_crashes),
		cmocka_unit_test(init_cmdline__image_root),
		cmocka_unit_test(init_cmdline__image_env),
		cmocka_unit_test(init_cmdline__image_env_limits),
		cmocka_unit_test(init_cmdline__image_workdir_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
