/*
 * state_test.c - the VM state machine: the full transition table, state
 * names, state_init, and the JSON form of vmc_state (round trip and
 * rejection of hostile documents).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/state.h"

#define C VMC_STATE_CREATED
#define S VMC_STATE_STARTING
#define R VMC_STATE_RUNNING
#define Y VMC_STATE_READY
#define P VMC_STATE_PAUSED
#define G VMC_STATE_STOPPING
#define X VMC_STATE_STOPPED
#define F VMC_STATE_FAILED

static void state__transition_table(void **state)
{
	/* allowed[from][to], in enum order C S R Y P G X F */
	static const int allowed[8][8] = {
		/* C */ { 0, 1, 0, 0, 0, 0, 1, 1 },
		/* S */ { 0, 0, 1, 0, 1, 0, 1, 1 }, /* ->P: a paused VM restored */
		/* R */ { 0, 0, 0, 1, 1, 1, 1, 1 },
		/* Y */ { 0, 0, 1, 0, 1, 1, 1, 1 },
		/* P */ { 0, 0, 1, 1, 0, 1, 1, 1 },
		/* G */ { 0, 0, 0, 0, 0, 0, 1, 1 },
		/* X */ { 0, 0, 0, 0, 0, 0, 0, 0 },
		/* F */ { 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	int from, to;

	for (from = 0; from < 8; from++)
		for (to = 0; to < 8; to++)
			if (state_transition_valid((vmc_state_kind)from, (vmc_state_kind)to) !=
			    allowed[from][to])
				fail_msg("%s -> %s: want %d", vmc_state_name((vmc_state_kind)from),
					 vmc_state_name((vmc_state_kind)to), allowed[from][to]);
	assert_false(state_transition_valid((vmc_state_kind)8, C));
	assert_false(state_transition_valid(C, (vmc_state_kind)-1));
	assert_true(state_transition_valid(S, F));
	assert_false(state_transition_valid(X, F));
}

static void state__names(void **state)
{
	static const char *const names[] = { "created", "starting", "running", "ready",
					     "paused",  "stopping", "stopped", "failed" };
	vmc_state_kind k;
	int i;

	for (i = 0; i < 8; i++) {
		assert_string_equal(vmc_state_name((vmc_state_kind)i), names[i]);
		assert_int_equal(vmc_state_from_name(&k, names[i]), 0);
		assert_int_equal(k, i);
		assert_int_equal(vmc_state_is_final((vmc_state_kind)i), i == X || i == F);
	}
	assert_string_equal(vmc_state_name((vmc_state_kind)99), "unknown");
	k = C;
	assert_int_equal(vmc_state_from_name(&k, "Ready"), VMC_EINVAL);
	assert_int_equal(vmc_state_from_name(&k, "ready "), VMC_EINVAL);
	assert_int_equal(vmc_state_from_name(&k, ""), VMC_EINVAL);
	assert_int_equal(vmc_state_from_name(&k, NULL), VMC_EINVAL);
	assert_int_equal(vmc_state_from_name(&k, "unknown"), VMC_EINVAL);
	assert_int_equal(k, C);
}

static void state__init(void **state)
{
	vmc_state s;
	int64_t before = state_now_ms();

	memset(&s, 0x5a, sizeof(s));
	state_init(&s, VMC_STATE_STARTING);
	assert_int_equal(s.kind, VMC_STATE_STARTING);
	assert_int_equal(s.exit_code, -1);
	assert_int_equal(s.boot_ms, -1);
	assert_int_equal(s.signal, 0);
	assert_int_equal(s.pid, 0);
	assert_string_equal(s.reason, "");
	assert_string_equal(s.ip[0], "");
	assert_true(s.since_ms >= before && s.since_ms <= state_now_ms());
	assert_true(before > 1600000000000LL);
}

static void state__json_round_trip(void **state)
{
	vmc_state s, back;
	json_t *j;
	char *text;

	state_init(&s, VMC_STATE_READY);
	snprintf(s.ip[0], sizeof(s.ip[0]), "10.0.2.15");
	snprintf(s.ip[1], sizeof(s.ip[1]), "fd00::2");
	s.pid = 4242;
	s.boot_ms = 812;
	s.since_ms = 1700000000123LL;
	j = state_to_json(&s);
	assert_non_null(j);
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(text, "{\"state\":\"ready\",\"reason\":\"\",\"ip\":[\"10.0.2.15\","
				  "\"fd00::2\"],\"exit_code\":-1,\"signal\":0,"
				  "\"since_ms\":1700000000123,\"pid\":4242,\"boot_ms\":812}");
	free(text);
	memset(&back, 0x5a, sizeof(back));
	assert_int_equal(state_from_json(j, &back), 0);
	assert_memory_equal(&s, &back, sizeof(s));
	json_decref(j);

	state_init(&s, VMC_STATE_FAILED);
	snprintf(s.reason, sizeof(s.reason), "hypervisor killed by signal 9 \"x\"");
	s.signal = 9;
	memset(s.reason, 'r', sizeof(s.reason) - 1); /* the longest reason */
	j = state_to_json(&s);
	assert_int_equal(state_from_json(j, &back), 0);
	assert_memory_equal(&s, &back, sizeof(s));
	json_decref(j);
}

static void state__json_reason_not_utf8(void **state)
{
	vmc_state s, back;
	json_t *j;

	state_init(&s, VMC_STATE_FAILED);
	snprintf(s.reason, sizeof(s.reason), "guest said caf\xe9 \xc3\xa9");
	j = state_to_json(&s);
	assert_non_null(j);
	assert_int_equal(state_from_json(j, &back), 0);
	assert_string_equal(back.reason, "guest said caf? ??");
	json_decref(j);
	snprintf(s.reason, sizeof(s.reason), "caf\xc3\xa9");
	j = state_to_json(&s);
	assert_int_equal(state_from_json(j, &back), 0);
	assert_string_equal(back.reason, "caf\xc3\xa9");
	json_decref(j);
}

static void expect_bad(const char *doc, const char *msg_part)
{
	json_error_t err;
	json_t *j = json_loads(doc, JSON_ALLOW_NUL, &err);
	vmc_state s, orig;

	if (!j)
		fail_msg("test document does not parse: %s (%s)", doc, err.text);
	memset(&s, 0x33, sizeof(s));
	orig = s;
	if (state_from_json(j, &s) != VMC_EPROTO)
		fail_msg("accepted: %s", doc);
	assert_memory_equal(&s, &orig, sizeof(s));
	if (msg_part && !strstr(vmc_error_last(), msg_part))
		fail_msg("message '%s' lacks '%s'", vmc_error_last(), msg_part);
	json_decref(j);
}

#define TAIL "\"exit_code\":-1,\"signal\":0,\"since_ms\":1,\"pid\":0,\"boot_ms\":-1}"
#define HEAD "{\"state\":\"ready\",\"reason\":\"\",\"ip\":[],"

static void state__json_hostile(void **state)
{
	char doc[1024], reason[300];
	json_t *j;
	vmc_state s;

	/* the reference document is fine */
	j = json_loads(HEAD TAIL, 0, NULL);
	assert_int_equal(state_from_json(j, &s), 0);
	json_decref(j);

	expect_bad("[]", "not an object");
	expect_bad("{}", "missing");
	expect_bad("{\"state\":\"ready\",\"reason\":\"\",\"ip\":[],\"x\":1," TAIL, "unknown key");
	expect_bad("{\"state\":\"readyy\",\"reason\":\"\",\"ip\":[]," TAIL, "state");
	expect_bad("{\"state\":\"READY\",\"reason\":\"\",\"ip\":[]," TAIL, "state");
	expect_bad("{\"state\":3,\"reason\":\"\",\"ip\":[]," TAIL, "state");
	expect_bad("{\"reason\":\"\",\"ip\":[]," TAIL, "state");
	expect_bad("{\"state\":\"ready\",\"reason\":null,\"ip\":[]," TAIL, "reason");
	expect_bad("{\"state\":\"ready\",\"reason\":\"a\\u0000b\",\"ip\":[]," TAIL, "NUL");
	memset(reason, 'r', 256);
	reason[256] = '\0';
	snprintf(doc, sizeof(doc), "{\"state\":\"ready\",\"reason\":\"%s\",\"ip\":[]," TAIL, reason);
	expect_bad(doc, "reason");
	expect_bad("{\"state\":\"ready\",\"reason\":\"\",\"ip\":\"10.0.2.15\"," TAIL, "ip");
	expect_bad("{\"state\":\"ready\",\"reason\":\"\",\"ip\":[\"10.0.2\"]," TAIL, "ip");
	expect_bad("{\"state\":\"ready\",\"reason\":\"\",\"ip\":[\"999.1.1.1\"]," TAIL, "ip");
	expect_bad("{\"state\":\"ready\",\"reason\":\"\",\"ip\":[\"\"]," TAIL, "ip");
	expect_bad("{\"state\":\"ready\",\"reason\":\"\",\"ip\":[1]," TAIL, "ip");
	expect_bad("{\"state\":\"ready\",\"reason\":\"\",\"ip\":[\"1.1.1.1\",\"1.1.1.2\","
		   "\"1.1.1.3\",\"1.1.1.4\",\"1.1.1.5\"]," TAIL,
		   "ip");
	expect_bad("{\"state\":\"ready\",\"reason\":\"\"," TAIL, "ip");
	expect_bad(HEAD "\"exit_code\":256,\"signal\":0,\"since_ms\":1,\"pid\":0,\"boot_ms\":-1}",
		   "exit_code");
	expect_bad(HEAD "\"exit_code\":-2,\"signal\":0,\"since_ms\":1,\"pid\":0,\"boot_ms\":-1}",
		   "exit_code");
	expect_bad(HEAD "\"exit_code\":0.5,\"signal\":0,\"since_ms\":1,\"pid\":0,\"boot_ms\":-1}",
		   "exit_code");
	expect_bad(HEAD "\"exit_code\":0,\"signal\":-1,\"since_ms\":1,\"pid\":0,\"boot_ms\":-1}",
		   "signal");
	expect_bad(HEAD "\"exit_code\":0,\"signal\":129,\"since_ms\":1,\"pid\":0,\"boot_ms\":-1}",
		   "signal");
	expect_bad(HEAD "\"exit_code\":0,\"signal\":0,\"since_ms\":-5,\"pid\":0,\"boot_ms\":-1}",
		   "since_ms");
	expect_bad(HEAD "\"exit_code\":0,\"signal\":0,\"since_ms\":1,\"pid\":-1,\"boot_ms\":-1}",
		   "pid");
	expect_bad(HEAD "\"exit_code\":0,\"signal\":0,\"since_ms\":1,\"pid\":4294967296,"
			"\"boot_ms\":-1}",
		   "pid");
	expect_bad(HEAD "\"exit_code\":0,\"signal\":0,\"since_ms\":1,\"pid\":\"1\",\"boot_ms\":-1}",
		   "pid");
	expect_bad(HEAD "\"exit_code\":0,\"signal\":0,\"since_ms\":1,\"pid\":1,\"boot_ms\":-2}",
		   "boot_ms");
	expect_bad(HEAD "\"exit_code\":0,\"signal\":0,\"since_ms\":1,\"pid\":1}", "boot_ms");
	assert_int_equal(state_from_json(NULL, &s), VMC_EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state__transition_table),
		cmocka_unit_test(state__names),
		cmocka_unit_test(state__init),
		cmocka_unit_test(state__json_round_trip),
		cmocka_unit_test(state__json_reason_not_utf8),
		cmocka_unit_test(state__json_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
