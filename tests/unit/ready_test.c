/*
 * ready_test.c - the ready protocol: the pure line parser (every event
 * kind, every rejected form) and the streaming scanner (split writes,
 * partial lines, CRLF, overlong lines, NUL bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/ready.h"

static int parse(const char *line, struct ready_event *ev)
{
	return ready_parse_line(line, strlen(line), ev);
}

static void expect_none(const char *line)
{
	struct ready_event ev;

	if (parse(line, &ev) != 0)
		fail_msg("counted: '%s' (kind %d)", line, ev.kind);
}

static void expect_ready(const char *line, size_t n_ip, const char *ip0, const char *ip1)
{
	struct ready_event ev;

	if (parse(line, &ev) != 1)
		fail_msg("not counted: '%s'", line);
	assert_int_equal(ev.kind, READY_EV_READY);
	assert_int_equal(ev.n_ip, n_ip);
	if (ip0)
		assert_string_equal(ev.ip[0], ip0);
	if (ip1)
		assert_string_equal(ev.ip[1], ip1);
}

static void ready__plain_marker(void **state)
{
	struct ready_event ev;

	expect_ready("VMC_READY", 0, NULL, NULL);
	expect_ready("VMC_READY ", 0, NULL, NULL);
	expect_ready("VMC_READY\r", 0, NULL, NULL);
	assert_int_equal(parse("VMC_READY", &ev), 1);
	assert_int_equal(ev.legacy, 0);
}

static void ready__ip_tokens(void **state)
{
	struct ready_event ev;

	expect_ready("VMC_READY ip=10.0.2.15", 1, "10.0.2.15", NULL);
	expect_ready("VMC_READY ip=10.0.2.15 ip=fd00::2", 2, "10.0.2.15", "fd00::2");
	expect_ready("VMC_READY ip=fe80::1:2:3:4 boot_ms=120 svc=web", 1, "fe80::1:2:3:4", NULL);
	expect_ready("VMC_READY  ip=10.0.2.15   k=v ", 1, "10.0.2.15", NULL);
	expect_ready("VMC_READY ip=::ffff:10.0.0.1", 1, "::ffff:10.0.0.1", NULL);
	expect_ready("VMC_READY key_1=a/b:c", 0, NULL, NULL);
	assert_int_equal(parse("VMC_READY ip=1.1.1.1 ip=2.2.2.2 ip=3.3.3.3 ip=4.4.4.4 ip=5.5.5.5",
			       &ev),
			 1);
	assert_int_equal(ev.n_ip, VMC_STATE_IP_MAX);
	assert_string_equal(ev.ip[3], "4.4.4.4");
}

static void ready__bad_tokens_void_the_line(void **state)
{
	expect_none("VMC_READY ip=10.0.2");
	expect_none("VMC_READY ip=999.1.1.1");
	expect_none("VMC_READY ip=10.0.2.15 ip=999.1.1.1");
	expect_none("VMC_READY ip=1.1.1.1 ip=2.2.2.2 ip=3.3.3.3 ip=4.4.4.4 ip=bad");
	expect_none("VMC_READY ip=");
	expect_none("VMC_READY ip=10.0.2.15/24");
	expect_none("VMC_READY ip=localhost");
	expect_none("VMC_READY ip=10.0.2.15x");
	expect_none("VMC_READY 10.0.2.15");
	expect_none("VMC_READY [init]");
	expect_none("VMC_READY Key=v");
	expect_none("VMC_READY k-1=v");
	expect_none("VMC_READY =v");
	expect_none("VMC_READY k=");
	expect_none("VMC_READY k=\xc3\xa9");
	expect_none("VMC_READY k=a\tb");
	expect_none("VMC_READY\tip=10.0.2.15");
}

static void ready__marker_position(void **state)
{
	expect_none("VMC_READYX");
	expect_none("VMC_READY_");
	expect_none(" VMC_READY");
	expect_none("[    1.0] VMC_READY ip=10.0.2.15");
	expect_none("echo VMC_READY");
	expect_none("vmc_ready");
	expect_none("VMC_READ");
	expect_none("");
	expect_none("\r");
}

static void ready__control_bytes_void_the_line(void **state)
{
	struct ready_event ev;

	assert_int_equal(ready_parse_line("VMC_READY\0", 10, &ev), 0);
	assert_int_equal(ready_parse_line("VMC_READY ip=1.2.3.4\0", 21, &ev), 0);
	expect_none("VMC_READY\x1b[0m");
	expect_none("VMC_READY\r\r");
	expect_none("\rVMC_READY");
	expect_none("VMC_READY \x7f");
	expect_none("Kernel panic - not syncing: x\x01");
}

static void ready__legacy(void **state)
{
	struct ready_event ev;

	expect_ready("VMRS_READY 10.0.2.15", 1, "10.0.2.15", NULL);
	expect_ready("VMRS_READY ip=10.0.2.15", 1, "10.0.2.15", NULL);
	expect_ready("VMRS_READY ip=10.0.2.15 uptime=3.42", 1, "10.0.2.15", NULL);
	expect_ready("VMRS_READY ip=10.0.2.15 uptime=3", 1, "10.0.2.15", NULL);
	expect_ready("VMRS_READY fd00::2\r", 1, "fd00::2", NULL);
	assert_int_equal(parse("VMRS_READY 10.0.2.15", &ev), 1);
	assert_int_equal(ev.legacy, 1);
	expect_none("VMRS_READY");
	expect_none("VMRS_READY ");
	expect_none("VMRS_READY [init]");
	expect_none("VMRS_READY 10.0.2");
	expect_none("VMRS_READY 999.1.1.1");
	expect_none("VMRS_READY 10.0.2.15 10.0.2.16");
	expect_none("VMRS_READY 10.0.2.15 uptime=3");
	expect_none("VMRS_READY ip=10.0.2.15 uptime=");
	expect_none("VMRS_READY ip=10.0.2.15 uptime=x");
	expect_none("VMRS_READY ip=10.0.2.15 uptime=1.2.3");
	expect_none("VMRS_READY ip=10.0.2.15 foo=3");
	expect_none("VMRS_READY ip=10.0.2.15 uptime=3 x=1");
	expect_none("VMRS_READYX 10.0.2.15");
	expect_none(" VMRS_READY 10.0.2.15");
}

static void ready__exit(void **state)
{
	struct ready_event ev;

	assert_int_equal(parse("VMC_EXIT status=0", &ev), 1);
	assert_int_equal(ev.kind, READY_EV_EXIT);
	assert_int_equal(ev.exit_status, 0);
	assert_int_equal(ev.exit_signal, 0);
	assert_int_equal(parse("VMC_EXIT status=255\r", &ev), 1);
	assert_int_equal(ev.exit_status, 255);
	assert_int_equal(parse("VMC_EXIT signal=9", &ev), 1);
	assert_int_equal(ev.exit_status, -1);
	assert_int_equal(ev.exit_signal, 9);
	assert_int_equal(parse("VMC_EXIT signal=64", &ev), 1);
	expect_none("VMC_EXIT");
	expect_none("VMC_EXIT status=256");
	expect_none("VMC_EXIT status=-1");
	expect_none("VMC_EXIT status=01");
	expect_none("VMC_EXIT status=1x");
	expect_none("VMC_EXIT status=");
	expect_none("VMC_EXIT signal=0");
	expect_none("VMC_EXIT signal=65");
	expect_none("VMC_EXIT status=0 signal=9");
	expect_none("VMC_EXIT code=0");
	expect_none("VMC_EXITED status=0");
}

static void ready__error(void **state)
{
	struct ready_event ev;
	char line[400];

	assert_int_equal(parse("VMC_ERROR mount /proc: No such device\r", &ev), 1);
	assert_int_equal(ev.kind, READY_EV_ERROR);
	assert_string_equal(ev.text, "mount /proc: No such device");
	assert_int_equal(parse("VMC_ERROR", &ev), 1);
	assert_string_equal(ev.text, "");
	assert_int_equal(parse("VMC_ERROR a\tb caf\xc3\xa9", &ev), 1);
	assert_string_equal(ev.text, "ab caf");
	memset(line, 'e', sizeof(line));
	memcpy(line, "VMC_ERROR ", 10);
	assert_int_equal(ready_parse_line(line, sizeof(line), &ev), 1);
	assert_int_equal(strlen(ev.text), 200);
	expect_none("VMC_ERRORS x");
	expect_none("  VMC_ERROR x");
}

static void ready__panic(void **state)
{
	struct ready_event ev;

	assert_int_equal(parse("[    1.234567] Kernel panic - not syncing: VFS: Unable to mount "
			       "root fs on unknown-block(0,0)\r",
			       &ev),
			 1);
	assert_int_equal(ev.kind, READY_EV_PANIC);
	assert_string_equal(ev.text, "VFS: Unable to mount root fs on unknown-block(0,0)");
	assert_int_equal(parse("Kernel panic - not syncing", &ev), 1);
	assert_string_equal(ev.text, "");
	expect_none("Kernel panic - not synced");
	expect_none("kernel panic - not syncing: x");
}

struct collected {
	int n;
	struct ready_event ev[8];
};

static void collect(const struct ready_event *ev, void *payload)
{
	struct collected *c = payload;

	if (c->n < 8)
		c->ev[c->n] = *ev;
	c->n++;
}

static void ready__scanner_byte_by_byte(void **state)
{
	const char *text = "boot...\r\n[init] starting\nVMC_READY ip=10.0.2.15 ip=fd00::2\r\n"
			   "VMC_EXIT status=3\n";
	struct ready_scanner s;
	struct collected c = { 0 };
	size_t i, len = strlen(text), events = 0;
	size_t ready_nl = (size_t)(strchr(strstr(text, "VMC_READY"), '\n') - text);
	size_t exit_nl = len - 1;

	ready_scanner_init(&s);
	for (i = 0; i < len; i++) {
		events += ready_scanner_feed(&s, text + i, 1, collect, &c);
		/* each event appears exactly when its newline arrives */
		assert_int_equal(c.n, (i >= ready_nl) + (i >= exit_nl));
	}
	assert_int_equal(events, 2);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ev[0].kind, READY_EV_READY);
	assert_int_equal(c.ev[0].n_ip, 2);
	assert_string_equal(c.ev[0].ip[1], "fd00::2");
	assert_int_equal(c.ev[1].kind, READY_EV_EXIT);
	assert_int_equal(c.ev[1].exit_status, 3);
}

static void ready__partial_line_never_counts(void **state)
{
	struct ready_scanner s;
	struct collected c = { 0 };

	ready_scanner_init(&s);
	assert_int_equal(ready_scanner_feed(&s, "VMC_READY ip=10.0.2.15", 22, collect, &c), 0);
	assert_int_equal(ready_scanner_feed(&s, "\r", 1, collect, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(ready_scanner_feed(&s, "\n", 1, collect, &c), 1);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ev[0].ip[0], "10.0.2.15");
	/* an address cut short by the split is not read as complete */
	assert_int_equal(ready_scanner_feed(&s, "VMC_READY ip=10.0.2", 19, collect, &c), 0);
	assert_int_equal(ready_scanner_feed(&s, ".16\n", 4, collect, &c), 1);
	assert_string_equal(c.ev[1].ip[0], "10.0.2.16");
}

static void ready__legacy_empty_then_next_line(void **state)
{
	struct ready_scanner s;
	struct collected c = { 0 };
	const char *text = "VMRS_READY \n[init] network up\nVMRS_READY\n10.0.2.15\n";

	ready_scanner_init(&s);
	assert_int_equal(ready_scanner_feed(&s, text, strlen(text), collect, &c), 0);
	assert_int_equal(c.n, 0);
}

static void ready__overlong_line_discarded(void **state)
{
	struct ready_scanner s;
	struct collected c = { 0 };
	char big[READY_LINE_MAX + 100];
	char fits[READY_LINE_MAX + 1];

	ready_scanner_init(&s);
	memset(big, 'x', sizeof(big));
	memcpy(big, "VMC_READY ", 10);
	memset(big + 10, ' ', sizeof(big) - 10);
	/* an overlong ready line, fed in pieces, never matches ... */
	assert_int_equal(ready_scanner_feed(&s, big, 300, collect, &c), 0);
	assert_int_equal(ready_scanner_feed(&s, big + 300, sizeof(big) - 300, collect, &c), 0);
	assert_int_equal(ready_scanner_feed(&s, "VMC_READY\n", 10, collect, &c), 0);
	/* ... and the next line is scanned normally */
	assert_int_equal(ready_scanner_feed(&s, "VMC_READY\n", 10, collect, &c), 1);
	/* a line of exactly READY_LINE_MAX bytes still counts */
	memset(fits, ' ', sizeof(fits));
	memcpy(fits, "VMC_READY", 9);
	fits[READY_LINE_MAX] = '\n';
	assert_int_equal(ready_scanner_feed(&s, fits, sizeof(fits), collect, &c), 1);
	fits[READY_LINE_MAX - 1] = '\r';
	assert_int_equal(ready_scanner_feed(&s, fits, sizeof(fits), collect, &c), 1);
	assert_int_equal(c.n, 3);
}

static void ready__nul_in_stream(void **state)
{
	struct ready_scanner s;
	struct collected c = { 0 };

	ready_scanner_init(&s);
	assert_int_equal(ready_scanner_feed(&s, "VMC_\0READY\n", 11, collect, &c), 0);
	assert_int_equal(ready_scanner_feed(&s, "VMC_READY\0\n", 11, collect, &c), 0);
	assert_int_equal(ready_scanner_feed(&s, "VMC_READY\n\0", 11, collect, &c), 1);
	/* the NUL after the newline starts the next line, which must not count */
	assert_int_equal(ready_scanner_feed(&s, "VMC_READY\n", 10, collect, &c), 0);
	assert_int_equal(c.n, 1);
}

static void ready__many_lines_one_write(void **state)
{
	struct ready_scanner s;
	struct collected c = { 0 };
	const char *text = "VMC_READY ip=1.2.3.4\nVMC_ERROR oops\n\n"
			   "[ 2.0] Kernel panic - not syncing: Attempted to kill init!\n"
			   "VMC_EXIT signal=15\nVMC_READY";

	ready_scanner_init(&s);
	assert_int_equal(ready_scanner_feed(&s, text, strlen(text), NULL, NULL), 4);
	ready_scanner_init(&s);
	assert_int_equal(ready_scanner_feed(&s, text, strlen(text), collect, &c), 4);
	assert_int_equal(c.ev[0].kind, READY_EV_READY);
	assert_int_equal(c.ev[1].kind, READY_EV_ERROR);
	assert_string_equal(c.ev[1].text, "oops");
	assert_int_equal(c.ev[2].kind, READY_EV_PANIC);
	assert_string_equal(c.ev[2].text, "Attempted to kill init!");
	assert_int_equal(c.ev[3].kind, READY_EV_EXIT);
	assert_int_equal(c.ev[3].exit_signal, 15);
	assert_int_equal(ready_scanner_feed(&s, "\n", 1, collect, &c), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ready__plain_marker),
		cmocka_unit_test(ready__ip_tokens),
		cmocka_unit_test(ready__bad_tokens_void_the_line),
		cmocka_unit_test(ready__marker_position),
		cmocka_unit_test(ready__control_bytes_void_the_line),
		cmocka_unit_test(ready__legacy),
		cmocka_unit_test(ready__exit),
		cmocka_unit_test(ready__error),
		cmocka_unit_test(ready__panic),
		cmocka_unit_test(ready__scanner_byte_by_byte),
		cmocka_unit_test(ready__partial_line_never_counts),
		cmocka_unit_test(ready__legacy_empty_then_next_line),
		cmocka_unit_test(ready__overlong_line_discarded),
		cmocka_unit_test(ready__nul_in_stream),
		cmocka_unit_test(ready__many_lines_one_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
