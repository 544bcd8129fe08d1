/*
 * config_json_test.c - the JSON form of vmc_config: byte-exact round trips,
 * defaults for omitted keys, and rejection of unknown keys, wrong types,
 * other versions, NUL bytes, oversized input and every invalid field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/config_json.h"
#include "core/error.h"

static char *to_json(const vmc_config *cfg)
{
	char *s = NULL;

	assert_int_equal(vmc_config_to_json(cfg, &s), 0);
	assert_non_null(s);
	return s;
}

static vmc_config *full_cfg(void)
{
	vmc_config *cfg = NULL;
	const char *argv[] = { "/bin/echo", "hello world", "" };

	assert_int_equal(vmc_config_new(&cfg, "web.1"), 0);
	assert_int_equal(vmc_config_set_namespace(cfg, "team"), 0);
	assert_int_equal(vmc_config_set_kernel(cfg, "/boot/vmlinuz"), 0);
	assert_int_equal(vmc_config_set_initramfs(cfg, "/boot/initrd \"q\""), 0);
	assert_int_equal(vmc_config_set_cmdline(cfg, "console=ttyS0 \\ \"x\""), 0);
	assert_int_equal(vmc_config_set_serial_log(cfg, "/tmp/s\xc3\xa9rial \xe2\x82\xac.log"), 0);
	assert_int_equal(vmc_config_set_cpus(cfg, 4), 0);
	assert_int_equal(vmc_config_set_memory_mib(cfg, 1024), 0);
	assert_int_equal(vmc_config_set_boot_timeout_ms(cfg, 4000000000u), 0);
	assert_int_equal(vmc_config_set_backend(cfg, VMC_BACKEND_QEMU), 0);
	assert_int_equal(vmc_config_set_accel(cfg, VMC_ACCEL_TCG), 0);
	assert_int_equal(vmc_config_set_exec(cfg, 3, argv), 0);
	assert_int_equal(vmc_config_add_disk(cfg, "/img/root.raw", 0), 0);
	assert_int_equal(vmc_config_add_disk(cfg, "/img/ro.raw", 1), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "tap0", "52:54:00:AB:cd:01",
					    "fd00::2/64", "fd00::1"),
			 0);
	assert_int_equal(vmc_config_add_share(cfg, "/srv", "srv", 1), 0);
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, NULL, 8080, 80), 0);
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_UDP, "::1", 5353, 53), 0);
	return cfg;
}

static void config_json__round_trip_is_identical(void **state)
{
	vmc_config *cfg = full_cfg(), *back = NULL, *again = NULL;
	char *a = to_json(cfg), *b, *c;

	assert_int_equal(vmc_config_from_json(&back, a), 0);
	b = to_json(back);
	assert_string_equal(a, b);
	/* a derived MAC comes back exactly; a given one keeps its case */
	assert_string_equal(back->nics[0].mac, cfg->nics[0].mac);
	assert_string_equal(back->nics[1].mac, "52:54:00:AB:cd:01");
	assert_int_equal(back->boot_timeout_ms, 4000000000u);
	assert_int_equal(back->exec_argc, 3);
	assert_string_equal(back->exec_argv[2], "");
	assert_int_equal(vmc_config_from_json(&again, b), 0);
	c = to_json(again);
	assert_string_equal(b, c);
	vmc_config_free(cfg);
	vmc_config_free(back);
	vmc_config_free(again);
	free(a);
	free(b);
	free(c);
}

static void config_json__stable_form(void **state)
{
	vmc_config *cfg = NULL;
	char *s;

	assert_int_equal(vmc_config_new(&cfg, "a"), 0);
	s = to_json(cfg);
	assert_string_equal(s, "{\"version\":1,\"name\":\"a\",\"namespace\":\"default\",\"cpus\":1,"
			       "\"memory_mib\":256,\"boot_timeout_ms\":0,\"backend\":\"auto\","
			       "\"accel\":\"auto\",\"exec\":[],\"disks\":[],\"nics\":[],"
			       "\"shares\":[],\"forwards\":[]}");
	free(s);
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_UDP, NULL, 1, 2), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "t0", "02:00:00:00:00:01",
					    "10.0.0.2/24", NULL),
			 0);
	s = to_json(cfg);
	assert_non_null(strstr(s, "\"forwards\":[{\"proto\":\"udp\",\"host_port\":1,\"guest_port\":2}]"));
	assert_non_null(strstr(s, "\"nics\":[{\"kind\":\"tap\",\"tap\":\"t0\",\"mac\":\"02:00:00:00:00:01\","
				  "\"addr\":\"10.0.0.2/24\"}]"));
	free(s);
	vmc_config_free(cfg);
}

static void config_json__minimal_gets_defaults(void **state)
{
	vmc_config *cfg = NULL;

	assert_int_equal(vmc_config_from_json(&cfg, "{\"version\":1,\"name\":\"x\"}"), 0);
	assert_string_equal(vmc_config_name(cfg), "x");
	assert_string_equal(vmc_config_namespace(cfg), "default");
	assert_int_equal(vmc_config_cpus(cfg), 1);
	assert_int_equal(vmc_config_memory_mib(cfg), 256);
	vmc_config_free(cfg);
	assert_int_equal(vmc_config_from_json(&cfg, "{\"version\":1,\"name\":\"x\",\"nics\":"
						     "[{\"kind\":\"user\"}]}"),
			 0);
	assert_true(config_mac_valid(cfg->nics[0].mac));
	vmc_config_free(cfg);
}

/* Each document must be rejected with VMC_EINVAL and leave *out alone. */
static void expect_reject(const char *doc, const char *msg_part)
{
	vmc_config *cfg = (vmc_config *)(uintptr_t)0x1;

	vmc_error_clear();
	if (vmc_config_from_json(&cfg, doc) != VMC_EINVAL)
		fail_msg("accepted: %s", doc);
	assert_ptr_equal(cfg, (vmc_config *)(uintptr_t)0x1);
	if (msg_part && !strstr(vmc_error_last(), msg_part))
		fail_msg("message '%s' lacks '%s' for %s", vmc_error_last(), msg_part, doc);
}

#define V "{\"version\":1,\"name\":\"x\""

static void config_json__rejects_bad_documents(void **state)
{
	expect_reject("", "config json");
	expect_reject("[]", "not an object");
	expect_reject("{", "config json");
	expect_reject("{\"name\":\"x\"}", "version");
	expect_reject("{\"version\":2,\"name\":\"x\"}", "version");
	expect_reject("{\"version\":\"1\",\"name\":\"x\"}", "version");
	expect_reject("{\"version\":1.0,\"name\":\"x\"}", "version");
	expect_reject("{\"version\":1}", "name");
	expect_reject(V ",\"extra\":1}", "extra");
	expect_reject(V ",\"name\":\"y\"}", NULL); /* duplicate key */
	expect_reject(V "} trailing", NULL);
}

static void config_json__rejects_wrong_types(void **state)
{
	expect_reject("{\"version\":1,\"name\":5}", "name");
	expect_reject(V ",\"namespace\":null}", "namespace");
	expect_reject(V ",\"kernel\":[]}", "kernel");
	expect_reject(V ",\"cpus\":\"2\"}", "cpus");
	expect_reject(V ",\"cpus\":2.5}", "cpus");
	expect_reject(V ",\"cpus\":true}", "cpus");
	expect_reject(V ",\"memory_mib\":-1}", "memory_mib");
	expect_reject(V ",\"boot_timeout_ms\":4294967296}", "boot_timeout_ms");
	expect_reject(V ",\"backend\":1}", "backend");
	expect_reject(V ",\"exec\":\"/bin/sh\"}", "exec");
	expect_reject(V ",\"exec\":[1]}", "exec");
	expect_reject(V ",\"disks\":{}}", "disks");
	expect_reject(V ",\"disks\":[\"/d\"]}", "disks");
	expect_reject(V ",\"disks\":[{\"path\":\"/d\",\"read_only\":1}]}", "read_only");
	expect_reject(V ",\"disks\":[{\"path\":\"/d\",\"ro\":true}]}", "ro");
	expect_reject(V ",\"disks\":[{\"read_only\":true}]}", "path");
	expect_reject(V ",\"nics\":[{}]}", "kind");
	expect_reject(V ",\"nics\":[{\"kind\":\"vde\"}]}", "kind");
	expect_reject(V ",\"nics\":[{\"kind\":\"user\",\"mac\":7}]}", "mac");
	expect_reject(V ",\"nics\":[{\"kind\":\"user\",\"vlan\":7}]}", "vlan");
	expect_reject(V ",\"shares\":[{\"host_path\":\"/s\"}]}", "tag");
	expect_reject(V ",\"shares\":[{\"host_path\":\"/s\",\"tag\":\"t\",\"read_only\":\"yes\"}]}",
		      "read_only");
	expect_reject(V ",\"forwards\":[{\"proto\":\"tcp\",\"host_port\":80}]}", "guest_port");
	expect_reject(V ",\"forwards\":[{\"proto\":\"sctp\",\"host_port\":80,\"guest_port\":80}]}",
		      "proto");
	expect_reject(V ",\"forwards\":[{\"proto\":\"tcp\",\"host_port\":\"80\",\"guest_port\":80}]}",
		      "host_port");
}

static void config_json__rejects_invalid_values(void **state)
{
	expect_reject("{\"version\":1,\"name\":\"../x\"}", "name");
	expect_reject(V ",\"namespace\":\"a/b\"}", "namespace");
	expect_reject(V ",\"kernel\":\"\"}", "kernel");
	expect_reject(V ",\"kernel\":\"/a\\u0000b\"}", "NUL");
	expect_reject(V ",\"cmdline\":\"a\\nb\"}", "cmdline");
	expect_reject(V ",\"cpus\":0}", "cpus");
	expect_reject(V ",\"cpus\":257}", "cpus");
	expect_reject(V ",\"memory_mib\":16}", "memory_mib");
	expect_reject(V ",\"backend\":\"xen\"}", "backend");
	expect_reject(V ",\"accel\":\"hvf\"}", "accel");
	expect_reject(V ",\"exec\":[\"\"]}", "exec");
	expect_reject(V ",\"exec\":[\"a\\u0000b\"]}", "NUL");
	expect_reject(V ",\"nics\":[{\"kind\":\"tap\"}]}", "tap");
	expect_reject(V ",\"nics\":[{\"kind\":\"user\",\"tap\":\"t\"}]}", "tap");
	expect_reject(V ",\"nics\":[{\"kind\":\"user\",\"mac\":\"01:00:00:00:00:01\"}]}", "mac");
	expect_reject(V ",\"nics\":[{\"kind\":\"user\",\"addr\":\"10.0.2/24\"}]}", "addr");
	expect_reject(V ",\"nics\":[{\"kind\":\"user\",\"addr\":\"10.0.2.1/24\","
			"\"gateway\":\"::1\"}]}",
		      "gateway");
	expect_reject(V ",\"shares\":[{\"host_path\":\"/s\",\"tag\":\"a.b\"}]}", "tag");
	expect_reject(V ",\"shares\":[{\"host_path\":\"/s\",\"tag\":\"a\"},"
			"{\"host_path\":\"/t\",\"tag\":\"a\"}]}",
		      "tag");
	expect_reject(V ",\"forwards\":[{\"proto\":\"tcp\",\"host_port\":0,\"guest_port\":80}]}",
		      "host_port");
	expect_reject(V ",\"forwards\":[{\"proto\":\"tcp\",\"host_port\":1,\"guest_port\":65536}]}",
		      "guest_port");
	expect_reject(V ",\"forwards\":[{\"proto\":\"tcp\",\"host_addr\":\"999.1.1.1\","
			"\"host_port\":1,\"guest_port\":1}]}",
		      "host_addr");
	expect_reject(V ",\"forwards\":[{\"proto\":\"tcp\",\"host_port\":1,\"guest_port\":1},"
			"{\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\",\"host_port\":1,"
			"\"guest_port\":2}]}",
		      "forward");
}

static void config_json__rejects_too_many(void **state)
{
	char doc[8192];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(doc + n, sizeof(doc) - n, V ",\"disks\":[");
	for (i = 0; i <= VMC_DEVICES_MAX; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s{\"path\":\"/d%d\"}",
				      i ? "," : "", i);
	snprintf(doc + n, sizeof(doc) - n, "]}");
	expect_reject(doc, "disks");

	n = 0;
	n += (size_t)snprintf(doc + n, sizeof(doc) - n, V ",\"exec\":[");
	for (i = 0; i <= 64; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s\"a\"", i ? "," : "");
	snprintf(doc + n, sizeof(doc) - n, "]}");
	expect_reject(doc, "exec");
}

static void config_json__rejects_huge_input(void **state)
{
	size_t size = 1024 * 1024 + 64;
	char *doc = malloc(size + 1);
	size_t n;

	assert_non_null(doc);
	n = (size_t)snprintf(doc, size, V ",\"cmdline\":\"");
	memset(doc + n, ' ', size - n - 2);
	memcpy(doc + size - 2, "\"}", 3);
	expect_reject(doc, "1048576");
	/* deep nesting is bounded by jansson and rejected, not a crash */
	memset(doc, '[', size);
	doc[size] = '\0';
	expect_reject(doc, NULL);
	free(doc);
}

static void config_json__null_arguments(void **state)
{
	vmc_config *cfg = NULL;
	char *s = NULL;

	assert_int_equal(vmc_config_from_json(NULL, "{}"), VMC_EINVAL);
	assert_int_equal(vmc_config_from_json(&cfg, NULL), VMC_EINVAL);
	assert_int_equal(vmc_config_to_json(NULL, &s), VMC_EINVAL);
	assert_null(s);
	assert_int_equal(config_from_json_t(&cfg, NULL), VMC_EINVAL);
}

/* jansson values built in memory may hold NUL bytes the parser refuses. */
static void config_json__value_with_nul_rejected(void **state)
{
	vmc_config *cfg = NULL;
	json_t *obj = json_pack("{s:i,s:s}", "version", 1, "name", "x");
	json_t *argv = json_array();

	assert_non_null(obj);
	assert_int_equal(json_object_set_new(obj, "kernel", json_stringn("/a\0b", 4)), 0);
	assert_int_equal(config_from_json_t(&cfg, obj), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "kernel"));
	assert_int_equal(json_object_del(obj, "kernel"), 0);
	assert_int_equal(json_array_append_new(argv, json_stringn("a\0b", 3)), 0);
	assert_int_equal(json_object_set_new(obj, "exec", argv), 0);
	assert_int_equal(config_from_json_t(&cfg, obj), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "exec"));
	assert_null(cfg);
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_json__round_trip_is_identical),
		cmocka_unit_test(config_json__stable_form),
		cmocka_unit_test(config_json__minimal_gets_defaults),
		cmocka_unit_test(config_json__rejects_bad_documents),
		cmocka_unit_test(config_json__rejects_wrong_types),
		cmocka_unit_test(config_json__rejects_invalid_values),
		cmocka_unit_test(config_json__rejects_too_many),
		cmocka_unit_test(config_json__rejects_huge_input),
		cmocka_unit_test(config_json__null_arguments),
		cmocka_unit_test(config_json__value_with_nul_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
