/*
 * cli_args_test.c - unit tests of the pure parts of the `vmc` CLI: the
 * option parser (global flags anywhere, --opt=value, "--"), strict number
 * parsing, NAME qualification, the --disk/--share/--net/--publish syntax,
 * the default guest directory lookup and the JSON/human state rendering.
 * No manager, no VM: src/cli/{args,spec,output}.c are compiled in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/args.h"
#include "cli/output.h"
#include "cli/spec.h"

enum { T_DETACH = 1, T_NAME, T_CPUS };

static const struct cli_option t_opts[] = {
	{ "detach", 'd', 0, T_DETACH },
	{ "name", 0, 1, T_NAME },
	{ "cpus", 0, 1, T_CPUS },
	{ NULL, 0, 0, 0 },
};

static const struct cli_command t_cmd = { "test", "test [-d] [--name N]", "", NULL };

static void cli_args__getopt_mixed(void **state)
{
	char *argv[] = { "--json", "web", "--name=x", "-d", "--cpus", "2", "--", "-q", "a" };
	struct cli_getopt g;
	struct cli_ctx ctx = { 0 };

	(void)state;
	cli_getopt_init(&g, 9, argv, t_opts);
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_JSON);
	assert_int_equal(cli_common_option(&ctx, &t_cmd, &g, CLI_OPT_JSON), -1);
	assert_int_equal(ctx.json, 1);
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_POSITIONAL);
	assert_string_equal(g.arg, "web");
	assert_int_equal(cli_getopt_next(&g), T_NAME);
	assert_string_equal(g.arg, "x");
	assert_int_equal(cli_getopt_next(&g), T_DETACH);
	assert_int_equal(cli_getopt_next(&g), T_CPUS);
	assert_string_equal(g.arg, "2");
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_DASHDASH);
	assert_int_equal(g.index, 7);
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_POSITIONAL);
	assert_string_equal(g.arg, "-q");
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_POSITIONAL);
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_END);
}

static void cli_args__getopt_globals_after_command(void **state)
{
	char *argv[] = { "--state-dir", "/tmp/s", "-q", "--namespace=dev", "-v" };
	struct cli_getopt g;
	struct cli_ctx ctx = { 0 };
	int id;

	(void)state;
	cli_getopt_init(&g, 5, argv, t_opts);
	for (;;) {
		id = cli_getopt_next(&g);
		if (id == CLI_OPT_END)
			break;
		assert_int_equal(cli_common_option(&ctx, &t_cmd, &g, id), -1);
	}
	assert_string_equal(ctx.state_dir, "/tmp/s");
	assert_string_equal(ctx.ns, "dev");
	assert_int_equal(ctx.verbose, 1);
	assert_int_equal(ctx.quiet, 0);
}

static void cli_args__getopt_errors(void **state)
{
	char *a1[] = { "--bogus" };
	char *a2[] = { "--name" };
	char *a3[] = { "-dq" };
	char *a4[] = { "--detach=1" };
	char *a5[] = { "-" };
	struct cli_getopt g;

	(void)state;
	cli_getopt_init(&g, 1, a1, t_opts);
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_ERROR);
	assert_non_null(strstr(g.err, "--bogus"));
	cli_getopt_init(&g, 1, a2, t_opts);
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_ERROR);
	assert_non_null(strstr(g.err, "needs a value"));
	cli_getopt_init(&g, 1, a3, t_opts);
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_ERROR);
	cli_getopt_init(&g, 1, a4, t_opts);
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_ERROR);
	assert_non_null(strstr(g.err, "takes no value"));
	cli_getopt_init(&g, 1, a5, t_opts);
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_POSITIONAL);
	assert_string_equal(g.arg, "-");
}

static void cli_args__value_may_look_like_option(void **state)
{
	char *argv[] = { "--name", "--json" };
	struct cli_getopt g;

	(void)state;
	cli_getopt_init(&g, 2, argv, t_opts);
	assert_int_equal(cli_getopt_next(&g), T_NAME);
	assert_string_equal(g.arg, "--json");
	assert_int_equal(cli_getopt_next(&g), CLI_OPT_END);
}

static void cli_args__parse_uint_strict(void **state)
{
	unsigned long v = 7;
	int ms = 0;

	(void)state;
	assert_int_equal(cli_parse_uint("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli_parse_uint("256", 256, &v), 0);
	assert_int_equal(v, 256);
	assert_int_equal(cli_parse_uint("257", 256, &v), -1);
	assert_int_equal(cli_parse_uint("", 10, &v), -1);
	assert_int_equal(cli_parse_uint("-1", 10, &v), -1);
	assert_int_equal(cli_parse_uint("+1", 10, &v), -1);
	assert_int_equal(cli_parse_uint(" 1", 10, &v), -1);
	assert_int_equal(cli_parse_uint("1x", 10, &v), -1);
	assert_int_equal(cli_parse_uint("0x10", 100, &v), -1);
	assert_int_equal(cli_parse_uint("99999999999999999999999", (unsigned long)-1, &v), -1);
	assert_int_equal(cli_parse_seconds_ms("10", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(cli_parse_seconds_ms("2147484", &ms), -1);
	assert_int_equal(cli_parse_seconds_ms("1.5", &ms), -1);
}

static void cli_args__qualify(void **state)
{
	char buf[128], ns[64], name[64];

	(void)state;
	assert_int_equal(cli_qualify(NULL, "web", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "web");
	assert_int_equal(cli_qualify("dev", "web", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "dev/web");
	assert_int_equal(cli_qualify("dev", "prod/web", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "prod/web");
	assert_int_equal(cli_qualify("dev", "", buf, sizeof(buf)), -1);
	assert_int_equal(cli_qualify("dev", "web", buf, 7), -1);
	assert_int_equal(cli_split_name("dev/web", ns, sizeof(ns), name, sizeof(name)), 0);
	assert_string_equal(ns, "dev");
	assert_string_equal(name, "web");
	assert_int_equal(cli_split_name("web", ns, sizeof(ns), name, sizeof(name)), 0);
	assert_string_equal(ns, "default");
	assert_string_equal(name, "web");
}

static void cli_args__disk_and_share(void **state)
{
	struct cli_disk d;
	struct cli_share s;
	char err[200];

	(void)state;
	assert_int_equal(cli_parse_disk("/a/b.img", &d, err, sizeof(err)), 0);
	assert_string_equal(d.path, "/a/b.img");
	assert_int_equal(d.read_only, 0);
	assert_int_equal(cli_parse_disk("/a:b.img:ro", &d, err, sizeof(err)), 0);
	assert_string_equal(d.path, "/a:b.img");
	assert_int_equal(d.read_only, 1);
	assert_int_equal(cli_parse_disk(":ro", &d, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_share("/srv/data:data", &s, err, sizeof(err)), 0);
	assert_string_equal(s.host_path, "/srv/data");
	assert_string_equal(s.tag, "data");
	assert_int_equal(s.read_only, 0);
	assert_int_equal(cli_parse_share("/srv/x:y:tag:ro", &s, err, sizeof(err)), 0);
	assert_string_equal(s.host_path, "/srv/x:y");
	assert_string_equal(s.tag, "tag");
	assert_int_equal(s.read_only, 1);
	assert_int_equal(cli_parse_share("/srv/data", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "HOSTPATH:TAG"));
	assert_int_equal(cli_parse_share(":tag", &s, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_share("/p:", &s, err, sizeof(err)), -1);
}

static void cli_args__net(void **state)
{
	struct cli_net n;
	char err[200];

	(void)state;
	assert_int_equal(cli_parse_net("user", &n, err, sizeof(err)), 0);
	assert_int_equal(n.kind, VMC_NIC_USER);
	assert_string_equal(n.ip, "");
	assert_int_equal(cli_parse_net("user,ip=10.0.2.15/24", &n, err, sizeof(err)), 0);
	assert_string_equal(n.ip, "10.0.2.15/24");
	assert_int_equal(cli_parse_net("tap:tap0,mac=52:54:00:12:34:56,ip=192.168.1.2/24,gw=192.168.1.1",
				       &n, err, sizeof(err)),
			 0);
	assert_int_equal(n.kind, VMC_NIC_TAP);
	assert_string_equal(n.tap, "tap0");
	assert_string_equal(n.mac, "52:54:00:12:34:56");
	assert_string_equal(n.gw, "192.168.1.1");
	assert_int_equal(cli_parse_net("switch:lan,ip=10.100.0.9/24", &n, err, sizeof(err)), 0);
	assert_int_equal(n.kind, VMC_NIC_SWITCH);
	assert_string_equal(n.tap, "lan"); /* the network's name */
	assert_string_equal(n.ip, "10.100.0.9/24");
	assert_int_equal(cli_parse_net("switch:lan", &n, err, sizeof(err)), 0);
	assert_string_equal(n.ip, "");
	assert_int_equal(cli_parse_net("switch:", &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "switch:NETWORK"));
	assert_int_equal(cli_parse_net("tap:", &n, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_net("bridge", &n, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_net("bridge:", &n, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_net("bridge:wan,ip=10.7.0.5/24", &n, err, sizeof(err)), 0);
	assert_int_equal(n.kind, VMC_NIC_BRIDGE);
	assert_string_equal(n.tap, "wan");
	assert_string_equal(n.ip, "10.7.0.5/24");
	assert_int_equal(n.queues, 0);
	assert_int_equal(cli_parse_net("bridge:wan,queues=4", &n, err, sizeof(err)), 0);
	assert_int_equal(n.queues, 4);
	assert_int_equal(cli_parse_net("bridge:wan,queues=0", &n, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_net("bridge:wan,queues=x", &n, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_net("bridge:wan,queues=2,queues=2", &n, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_net("user,foo=1", &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "foo"));
	assert_int_equal(cli_parse_net("user,ip=1.2.3.4/8,ip=5.6.7.8/8", &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(cli_parse_net("user,ip=", &n, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_net("user,", &n, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_net("users", &n, err, sizeof(err)), -1);
}

static void cli_args__publish(void **state)
{
	struct cli_publish p;
	char err[200];

	(void)state;
	assert_int_equal(cli_parse_publish("8080:80", &p, err, sizeof(err)), 0);
	assert_string_equal(p.addr, "");
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.guest_port, 80);
	assert_int_equal(p.proto, VMC_PROTO_TCP);
	assert_int_equal(cli_parse_publish("0.0.0.0:5353:53/udp", &p, err, sizeof(err)), 0);
	assert_string_equal(p.addr, "0.0.0.0");
	assert_int_equal(p.host_port, 5353);
	assert_int_equal(p.guest_port, 53);
	assert_int_equal(p.proto, VMC_PROTO_UDP);
	assert_int_equal(cli_parse_publish("[::1]:2222:22/tcp", &p, err, sizeof(err)), 0);
	assert_string_equal(p.addr, "::1");
	assert_int_equal(p.host_port, 2222);
	assert_int_equal(cli_parse_publish("80", &p, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_publish("0:80", &p, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_publish("70000:80", &p, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_publish("8080:-80", &p, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_publish(":8080:80", &p, err, sizeof(err)), -1);
	assert_int_equal(cli_parse_publish("8080:80/sctp", &p, err, sizeof(err)), -1);
}

static char *fake_getenv_impl(const char *name, const char *const vars[][2], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (vars[i][0] && strcmp(vars[i][0], name) == 0)
			return (char *)vars[i][1];
	}
	return NULL;
}

static char *env_none(const char *name)
{
	(void)name;
	return NULL;
}

static char *env_home(const char *name)
{
	static const char *const vars[][2] = { { "HOME", "/home/u" } };

	return fake_getenv_impl(name, vars, 1);
}

static char *env_xdg(const char *name)
{
	static const char *const vars[][2] = { { "HOME", "/home/u" }, { "XDG_DATA_HOME", "/x" } };

	return fake_getenv_impl(name, vars, 2);
}

static char *env_data(const char *name)
{
	static const char *const vars[][2] = { { "VMC_DATA_DIR", "/d" }, { "HOME", "/home/u" } };

	return fake_getenv_impl(name, vars, 2);
}

static char *env_guest(const char *name)
{
	static const char *const vars[][2] = { { "VMC_DATA_DIR", "/d" }, { "VMC_GUEST_DIR", "/g" } };

	return fake_getenv_impl(name, vars, 2);
}

static void cli_args__default_guest_dir(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(cli_default_guest_dir(buf, sizeof(buf), env_guest, 0), 0);
	assert_string_equal(buf, "/g");
	assert_int_equal(cli_default_guest_dir(buf, sizeof(buf), env_data, 1), 0);
	assert_string_equal(buf, "/d/guest");
	assert_int_equal(cli_default_guest_dir(buf, sizeof(buf), env_home, 1), 0);
	assert_string_equal(buf, "/var/lib/vmc/guest");
	assert_int_equal(cli_default_guest_dir(buf, sizeof(buf), env_xdg, 0), 0);
	assert_string_equal(buf, "/x/vmc/guest");
	assert_int_equal(cli_default_guest_dir(buf, sizeof(buf), env_home, 0), 0);
	assert_string_equal(buf, "/home/u/.local/share/vmc/guest");
	assert_int_equal(cli_default_guest_dir(buf, sizeof(buf), env_none, 0), -1);
	assert_int_equal(cli_default_guest_dir(buf, 8, env_home, 0), -1);
}

static void cli_args__random_name(void **state)
{
	char a[32], b[32];
	size_t i;

	(void)state;
	assert_int_equal(cli_random_name(a, sizeof(a)), 0);
	assert_int_equal(cli_random_name(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), 9);
	assert_memory_equal(a, "vm-", 3);
	for (i = 3; i < 9; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_int_equal(cli_random_name(a, 9), -1);
}

static void cli_args__duration_and_timestamp(void **state)
{
	char buf[64];

	(void)state;
	output_duration(buf, sizeof(buf), -5);
	assert_string_equal(buf, "0s");
	output_duration(buf, sizeof(buf), 45999);
	assert_string_equal(buf, "45s");
	output_duration(buf, sizeof(buf), 192000);
	assert_string_equal(buf, "3m12s");
	output_duration(buf, sizeof(buf), (2 * 3600 + 5 * 60 + 7) * 1000LL);
	assert_string_equal(buf, "2h05m");
	output_duration(buf, sizeof(buf), (4 * 86400 + 3 * 3600) * 1000LL);
	assert_string_equal(buf, "4d03h");
	output_timestamp(buf, sizeof(buf), 1795796069123LL);
	assert_string_equal(buf, "2026-11-27T16:14:29.123Z");
	output_timestamp(buf, sizeof(buf), 0);
	assert_string_equal(buf, "");
}

static void cli_args__state_json(void **state)
{
	vmc_state st;
	json_t *obj;
	char *text;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.kind = VMC_STATE_READY;
	snprintf(st.ip[0], sizeof(st.ip[0]), "10.0.2.15");
	st.exit_code = -1;
	st.pid = 42;
	st.boot_ms = 812;
	st.since_ms = 1795796069123LL;
	obj = output_vm_object_q("dev/web", &st);
	assert_non_null(obj);
	text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(text);
	assert_string_equal(text,
			    "{\"boot_ms\":812,\"exit_code\":null,\"ip\":[\"10.0.2.15\"],\"name\":\"web\","
			    "\"namespace\":\"dev\",\"pid\":42,\"reason\":\"\",\"signal\":0,"
			    "\"since\":\"2026-11-27T16:14:29.123Z\",\"since_ms\":1795796069123,"
			    "\"state\":\"ready\"}");
	free(text);
	json_decref(obj);

	st.kind = VMC_STATE_FAILED;
	st.boot_ms = -1;
	snprintf(st.reason, sizeof(st.reason), "guest \xff panicked");
	obj = output_vm_object_q("web", &st);
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "namespace")), "default");
	assert_string_equal(json_string_value(json_object_get(obj, "state")), "failed");
	assert_string_equal(json_string_value(json_object_get(obj, "reason")), "guest ? panicked");
	assert_true(json_is_null(json_object_get(obj, "boot_ms")));
	json_decref(obj);
}

static void cli_args__state_line(void **state)
{
	vmc_state st;
	char buf[512];

	(void)state;
	memset(&st, 0, sizeof(st));
	st.kind = VMC_STATE_READY;
	output_state_line(buf, sizeof(buf), &st);
	assert_string_equal(buf, "ready");
	snprintf(st.ip[0], sizeof(st.ip[0]), "10.0.2.15");
	output_state_line(buf, sizeof(buf), &st);
	assert_string_equal(buf, "ready (ip 10.0.2.15)");
	st.kind = VMC_STATE_STOPPED;
	st.exit_code = 3;
	output_state_line(buf, sizeof(buf), &st);
	assert_string_equal(buf, "stopped (exit 3)");
	st.kind = VMC_STATE_FAILED;
	snprintf(st.reason, sizeof(st.reason), "boot timed out");
	output_state_line(buf, sizeof(buf), &st);
	assert_string_equal(buf, "failed: boot timed out");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cli_args__getopt_mixed),
		cmocka_unit_test(cli_args__getopt_globals_after_command),
		cmocka_unit_test(cli_args__getopt_errors),
		cmocka_unit_test(cli_args__value_may_look_like_option),
		cmocka_unit_test(cli_args__parse_uint_strict),
		cmocka_unit_test(cli_args__qualify),
		cmocka_unit_test(cli_args__disk_and_share),
		cmocka_unit_test(cli_args__net),
		cmocka_unit_test(cli_args__publish),
		cmocka_unit_test(cli_args__default_guest_dir),
		cmocka_unit_test(cli_args__random_name),
		cmocka_unit_test(cli_args__duration_and_timestamp),
		cmocka_unit_test(cli_args__state_json),
		cmocka_unit_test(cli_args__state_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
