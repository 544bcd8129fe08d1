/*
 * switch_req_test.c - vmc-switch's control request parser
 * (src/net/switch_req.c): each op, the fields each needs, and what is
 * refused with which code (EPROTO: not a request at all, so the switch
 * drops the client; EINVAL: a request it answers with an error).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/switch_req.h"
#include "vmc.h"

static struct vsw_request r;

static int parse(const char *line)
{
	return vsw_request_parse(line, strlen(line), &r);
}

static void switch_req__ops(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"op\":\"add_port\",\"name\":\"10.0.0.2\",\"peer\":\"/a/b.sock\"}"), 0);
	assert_int_equal(r.op, VSW_OP_ADD_PORT);
	assert_string_equal(r.name, "10.0.0.2");
	assert_string_equal(r.peer, "/a/b.sock");
	assert_int_equal(r.socketpair, 0);
	assert_int_equal(parse("{\"op\":\"add_port\",\"name\":\"vz0\",\"socketpair\":true}"), 0);
	assert_int_equal(r.socketpair, 1);
	assert_string_equal(r.peer, "");
	assert_int_equal(parse("{\"op\":\"remove_port\",\"name\":\"p-1_x\"}"), 0);
	assert_int_equal(r.op, VSW_OP_REMOVE_PORT);
	assert_int_equal(parse("{\"op\":\"ports\"}"), 0);
	assert_int_equal(r.op, VSW_OP_PORTS);
	assert_int_equal(parse("{\"op\":\"shutdown\",\"extra\":1}"), 0);
	assert_int_equal(r.op, VSW_OP_SHUTDOWN);
}

static void switch_req__refused(void **state)
{
	(void)state;
	assert_int_equal(parse("garbage"), VMC_EPROTO);
	assert_int_equal(parse("[\"op\"]"), VMC_EPROTO);
	assert_int_equal(parse("{\"op\":1}"), VMC_EPROTO);
	assert_int_equal(parse("{\"op\":\"ports\",\"op\":\"ports\"}"), VMC_EPROTO);
	assert_int_equal(parse("{\"op\":\"reboot\"}"), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "unknown operation 'reboot'"));
	assert_int_equal(parse("{\"op\":\"remove_port\"}"), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "needs a name"));
	assert_int_equal(parse("{\"op\":\"remove_port\",\"name\":\"../x\"}"), VMC_EINVAL);
	assert_int_equal(parse("{\"op\":\"remove_port\",\"name\":\".x\"}"), VMC_EINVAL);
	/* jansson refuses an escaped NUL in strings: not even a request */
	assert_int_equal(parse("{\"op\":\"remove_port\",\"name\":\"a\\u0000b\"}"), VMC_EPROTO);
	assert_int_equal(parse("{\"op\":\"remove_port\",\"name\":"
			       "\"123456789012345678901234567890123\"}"), VMC_EINVAL);
	assert_int_equal(parse("{\"op\":\"add_port\",\"name\":\"p\",\"peer\":\"rel\"}"), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "absolute"));
	assert_int_equal(parse("{\"op\":\"add_port\",\"name\":\"p\"}"), VMC_EINVAL);
	assert_int_equal(parse("{\"op\":\"add_port\",\"name\":\"p\",\"socketpair\":true,"
			       "\"peer\":\"/x\"}"), VMC_EINVAL);
	assert_int_equal(parse("{\"op\":\"add_port\",\"name\":\"p\",\"socketpair\":1}"), VMC_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(switch_req__ops),
		cmocka_unit_test(switch_req__refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
