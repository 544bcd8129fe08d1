/*
 * cloud_init_config_test.c - a cloud-init seed and disk formats inside a
 * vmc_config: byte-exact JSON round trips (binary file contents, every
 * field), a fresh instance-id for every copy, validation of the
 * "cloud_init" object by the vmc_seed setters on load (bad host names,
 * keys, users, base64, unknown keys, NUL bytes), disk formats in JSON and
 * `--disk PATH[:ro][:qcow2]` parsing, and the per-VM seed the manager
 * writes (network-config by MAC for the config's NICs, read back with
 * isoinfo when it is installed).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/spec.h"
#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "image/seed.h"
#include "image/seed_attach.h"
#include "run_tool.h"

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK18mnIplWEtp0c/sWKFXdZaeQ/jroUlLZH0ziEuyd2v vmc"

static vmc_seed *full_seed(void)
{
	static const unsigned char bin[] = { 0, 1, 2, 0xff, '\n', '"', 0x80, 'x' };
	const char *cmd[] = { "/bin/sh", "-c", "echo \"a b\"\n'c'" };
	const char *wl[] = { "/usr/bin/env", "X=\xc3\xa9" };
	vmc_seed *s = NULL;

	assert_int_equal(vmc_seed_new(&s), 0);
	assert_int_equal(vmc_seed_set_hostname(s, "web-1.example"), 0);
	assert_int_equal(vmc_seed_add_user(s, "alice", VMC_SEED_USER_SUDO), 0);
	assert_int_equal(vmc_seed_add_user(s, "bob", 0), 0);
	assert_int_equal(vmc_seed_add_ssh_key(s, NULL, KEY), 0);
	assert_int_equal(vmc_seed_add_ssh_key(s, "bob", KEY " bob@\xe2\x82\xac"), 0);
	assert_int_equal(vmc_seed_add_write_file(s, "/etc/a b", bin, sizeof(bin), 0600), 0);
	assert_int_equal(vmc_seed_add_write_file(s, "/etc/empty", NULL, 0, 0644), 0);
	assert_int_equal(vmc_seed_add_write_file(s, "/etc/two", "ab", 2, 0644), 0);
	assert_int_equal(vmc_seed_add_runcmd(s, 3, cmd), 0);
	assert_int_equal(vmc_seed_set_workload(s, 2, wl), 0);
	assert_int_equal(vmc_seed_add_nic(s, "52:54:00:AA:00:01", "192.168.1.5/24", "192.168.1.1"),
			 0);
	assert_int_equal(vmc_seed_add_nic(s, "52:54:00:aa:00:02", NULL, NULL), 0);
	assert_int_equal(vmc_seed_add_dns(s, "1.1.1.1"), 0);
	assert_int_equal(vmc_seed_add_dns(s, "fd00::53"), 0);
	return s;
}

static vmc_config *cfg_with(vmc_seed *seed)
{
	vmc_config *cfg = NULL;

	assert_int_equal(vmc_config_new(&cfg, "web"), 0);
	assert_int_equal(vmc_config_set_kernel(cfg, "/boot/vmlinux"), 0);
	assert_int_equal(vmc_config_add_disk_format(cfg, "/img/a.qcow2", 0, VMC_DISK_QCOW2), 0);
	assert_int_equal(vmc_config_add_disk_format(cfg, "/img/b.raw", 1, VMC_DISK_RAW), 0);
	assert_int_equal(vmc_config_add_disk(cfg, "/img/c.raw", 0), 0);
	if (seed)
		assert_int_equal(vmc_config_set_cloud_init(cfg, seed), 0);
	return cfg;
}

/* noinline: GCC 12 takes the result for a pointer to the local `s` */
__attribute__((noinline)) static char *to_json(const vmc_config *cfg)
{
	char *s = NULL;

	assert_int_equal(vmc_config_to_json(cfg, &s), 0);
	return s;
}

static void cloud_init_config__round_trip_is_identical(void **state)
{
	vmc_seed *seed = full_seed();
	vmc_config *cfg = cfg_with(seed), *back = NULL, *dup = NULL;
	char *a = to_json(cfg), *b, *c;

	(void)state;
	assert_non_null(strstr(a, "\"cloud_init\":{\"hostname\":\"web-1.example\""));
	assert_non_null(strstr(a, "\"format\":\"qcow2\""));
	assert_null(strstr(a, "instance"));
	assert_int_equal(vmc_config_from_json(&back, a), 0);
	b = to_json(back);
	assert_string_equal(a, b);
	assert_int_equal(back->disks[0].format, VMC_DISK_QCOW2);
	assert_int_equal(back->disks[1].format, VMC_DISK_RAW);
	assert_int_equal(back->disks[1].read_only, 1);
	assert_int_equal(back->cloud_init->files[0].len, 8);
	assert_memory_equal(back->cloud_init->files[0].content, seed->files[0].content, 8);
	/* every copy is a new instance */
	assert_string_not_equal(vmc_seed_instance_id(back->cloud_init),
				vmc_seed_instance_id(seed));
	assert_int_equal(vmc_config_dup(&dup, back), 0);
	c = to_json(dup);
	assert_string_equal(a, c);
	assert_string_not_equal(vmc_seed_instance_id(dup->cloud_init),
				vmc_seed_instance_id(back->cloud_init));
	/* detach */
	assert_int_equal(vmc_config_set_cloud_init(dup, NULL), 0);
	vmc_free(c);
	c = to_json(dup);
	assert_null(strstr(c, "cloud_init"));
	vmc_free(a);
	vmc_free(b);
	vmc_free(c);
	vmc_config_free(cfg);
	vmc_config_free(back);
	vmc_config_free(dup);
	vmc_seed_free(seed);
}

/* Replaces the first `from` in the JSON of a seeded config with `to` and
 * expects the load to fail with `code`. */
static void expect_load(const char *from, const char *to, int code)
{
	vmc_seed *seed = full_seed();
	vmc_config *cfg = cfg_with(seed), *back = NULL;
	char *a = to_json(cfg), *p = strstr(a, from), *text;
	size_t n;

	assert_non_null(p);
	n = strlen(a) - strlen(from) + strlen(to) + 1;
	text = malloc(n);
	assert_non_null(text);
	snprintf(text, n, "%.*s%s%s", (int)(p - a), a, to, p + strlen(from));
	assert_int_equal(vmc_config_from_json(&back, text), code);
	if (code == 0)
		vmc_config_free(back);
	else
		assert_null(back);
	free(text);
	vmc_free(a);
	vmc_config_free(cfg);
	vmc_seed_free(seed);
}

static void cloud_init_config__load_validates_like_setters(void **state)
{
	(void)state;
	expect_load("\"web-1.example\"", "\"-bad-\"", VMC_EINVAL);
	expect_load("\"web-1.example\"", "\"a\\nb\"", VMC_EINVAL);
	expect_load("\"name\":\"alice\"", "\"name\":\"Alice\"", VMC_EINVAL);
	expect_load("\"name\":\"bob\"", "\"name\":\"alice\"", VMC_EEXISTS);
	expect_load("\"user\":\"bob\"", "\"user\":\"carol\"", VMC_ENOTFOUND);
	expect_load("\"key\":\"ssh-ed25519 ", "\"key\":\"ssh-dss ", VMC_EINVAL);
	expect_load("\"sudo\":true", "\"sudo\":1", VMC_EINVAL);
	expect_load("\"mode\":384", "\"mode\":4096", VMC_EINVAL);
	expect_load("\"content_base64\":\"YWI=\"", "\"content_base64\":\"YWI\"", VMC_EINVAL);
	expect_load("\"content_base64\":\"YWI=\"", "\"content_base64\":\"Y W=\"", VMC_EINVAL);
	expect_load("\"content_base64\":\"YWI=\"", "\"content_base64\":\"YWJj\"", 0);
	expect_load("\"path\":\"/etc/two\"", "\"path\":\"etc/two\"", VMC_EINVAL);
	expect_load("\"192.168.1.1\"", "\"fd00::1\"", VMC_EINVAL);
	expect_load("\"52:54:00:aa:00:02\"", "\"01:54:00:aa:00:02\"", VMC_EINVAL);
	expect_load("\"1.1.1.1\"", "\"1.1.1\"", VMC_EINVAL);
	expect_load("\"workload\":[", "\"workload\":[1,", VMC_EINVAL);
	expect_load("\"runcmd\":[[", "\"runcmd\":[[],[", VMC_EINVAL);
	expect_load("\"dns\":[", "\"dns\":[\"a\\u0000b\",", VMC_EINVAL);
	expect_load("\"hostname\":", "\"extra\":1,\"hostname\":", VMC_EINVAL);
	expect_load("\"cloud_init\":{", "\"cloud_init\":[],\"x\":{", VMC_EINVAL);
	expect_load("\"format\":\"qcow2\"", "\"format\":\"vmdk\"", VMC_EINVAL);
	expect_load("\"format\":\"qcow2\"", "\"format\":\"raw\"", 0);
}

static void cloud_init_config__disk_format_setter(void **state)
{
	vmc_config *cfg = NULL;
	char *a;

	(void)state;
	assert_int_equal(vmc_config_new(&cfg, "d"), 0);
	assert_int_equal(vmc_config_add_disk_format(cfg, "/x", 0, (vmc_disk_format)7), VMC_EINVAL);
	assert_int_equal(cfg->n_disks, 0);
	assert_int_equal(vmc_config_add_disk(cfg, "/x", 0), 0);
	a = to_json(cfg);
	assert_null(strstr(a, "format")); /* raw is the default and not written */
	vmc_free(a);
	vmc_config_free(cfg);
}

static void cloud_init_config__cli_disk_spec(void **state)
{
	struct cli_disk d;
	char err[CLI_SPEC_ERR_MAX];

	(void)state;
	assert_int_equal(cli_parse_disk("/a.img", &d, err, sizeof(err)), 0);
	assert_int_equal(d.format, VMC_DISK_RAW);
	assert_int_equal(d.read_only, 0);
	assert_int_equal(cli_parse_disk("/a.img:qcow2", &d, err, sizeof(err)), 0);
	assert_string_equal(d.path, "/a.img");
	assert_int_equal(d.format, VMC_DISK_QCOW2);
	assert_int_equal(cli_parse_disk("/a.img:ro:qcow2", &d, err, sizeof(err)), 0);
	assert_int_equal(d.read_only, 1);
	assert_int_equal(d.format, VMC_DISK_QCOW2);
	assert_int_equal(cli_parse_disk("/a:b.img:qcow2:ro", &d, err, sizeof(err)), 0);
	assert_string_equal(d.path, "/a:b.img");
	assert_int_equal(d.read_only, 1);
	assert_int_equal(cli_parse_disk("/a.img:raw:rw", &d, err, sizeof(err)), 0);
	assert_int_equal(d.format, VMC_DISK_RAW);
	/* one of each kind: the second format is part of the path */
	assert_int_equal(cli_parse_disk("/a:qcow2:raw", &d, err, sizeof(err)), 0);
	assert_string_equal(d.path, "/a:qcow2");
	assert_int_not_equal(cli_parse_disk(":qcow2", &d, err, sizeof(err)), 0);
}

/* The ISO's network-config through isoinfo (an independent reader). */
static char *iso_file(const char *iso, const char *name)
{
	const char *argv[] = { "isoinfo", "-i", iso, "-J", "-x", name, NULL };
	char *buf = NULL;

	assert_int_equal(run_tool(argv, &buf, NULL), 0);
	return buf;
}

static void cloud_init_config__vm_seed_follows_nics(void **state)
{
	char dir[] = "/tmp/vmc-ci-test-XXXXXX", *iso, *net, *meta;
	vmc_seed *seed = NULL;
	vmc_config *cfg = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(vmc_seed_new(&seed), 0);
	assert_int_equal(vmc_seed_add_nic(seed, "52:54:00:00:00:09", "10.9.0.2/24", NULL), 0);
	assert_int_equal(vmc_config_new(&cfg, "web"), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "tap0", "52:54:00:00:00:02",
					    "192.168.7.2/24", "192.168.7.1"),
			 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "tap1", "52:54:00:00:00:09", NULL,
					    NULL),
			 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "tap2", "52:54:00:00:00:03", NULL,
					    NULL),
			 0);
	/* no seed: nothing written */
	assert_int_equal(seed_attach_write(dir, cfg), 0);
	iso = fs_join(dir, SEED_ATTACH_FILE);
	assert_int_not_equal(access(iso, F_OK), 0);
	assert_int_equal(vmc_config_set_cloud_init(cfg, seed), 0);
	assert_int_equal(seed_attach_write(dir, cfg), 0);
	assert_int_equal(access(iso, F_OK), 0);
	if (access("/usr/bin/isoinfo", X_OK) != 0) {
		print_message("isoinfo not installed: ISO contents not checked\n");
	} else {
		net = iso_file(iso, "/network-config");
		meta = iso_file(iso, "/meta-data");
		/* the seed's own entry for tap1's MAC wins; the others follow the config */
		assert_non_null(strstr(net, cfg->nics[0].mac));
		assert_non_null(strstr(net, "\"10.0.2.15/24\""));
		assert_non_null(strstr(net, "via: \"10.0.2.2\""));
		assert_non_null(strstr(net, "\"10.0.2.3\""));
		assert_non_null(strstr(net, "\"192.168.7.2/24\""));
		assert_non_null(strstr(net, "via: \"192.168.7.1\""));
		assert_non_null(strstr(net, "\"10.9.0.2/24\""));
		assert_non_null(strstr(net, "dhcp4: true"));
		assert_non_null(strstr(meta, "local-hostname: \"web\""));
		assert_null(strstr(meta, vmc_seed_instance_id(seed)));
		free(net);
		free(meta);
	}
	unlink(iso);
	rmdir(dir);
	free(iso);
	vmc_config_free(cfg);
	vmc_seed_free(seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cloud_init_config__round_trip_is_identical),
		cmocka_unit_test(cloud_init_config__load_validates_like_setters),
		cmocka_unit_test(cloud_init_config__disk_format_setter),
		cmocka_unit_test(cloud_init_config__cli_disk_spec),
		cmocka_unit_test(cloud_init_config__vm_seed_follows_nics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
