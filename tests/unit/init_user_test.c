/*
 * init_user_test.c - cmocka tests for vmc-init's user lookup
 * (guest/init_user.c): numeric and named users and groups, the primary
 * group and home from /etc/passwd, supplementary groups from /etc/group,
 * names that are missing, and malformed or hostile files (short lines,
 * ids out of range, no trailing newline, embedded NULs) that must be
 * skipped, never trusted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "init_user.h"

#define PASSWD                                                    \
	"root:x:0:0:root:/root:/bin/sh\n"                         \
	"# comment\n"                                             \
	"broken:x:12\n"                                           \
	"big:x:4294967295:1:too big:/:/bin/sh\n"                  \
	"app:x:1234:2345:app user:/home/app:/bin/sh\n"            \
	"nohome:x:99:98::relative:/bin/sh"
#define GROUP                                                     \
	"root:x:0:\n"                                             \
	"app:x:2345:\n"                                           \
	"extra:x:777:other,app\n"                                 \
	"notme:x:778:application,ap\n"                            \
	"wheel:x:10:app\n"

static struct init_ids ids;
static char err[160];

static int resolve(const char *spec)
{
	err[0] = '\0';
	return init_user_resolve(spec, PASSWD, strlen(PASSWD), GROUP, strlen(GROUP), &ids, err,
				 sizeof(err));
}

static void init_user__name(void **state)
{
	assert_int_equal(resolve("app"), 0);
	assert_int_equal(ids.uid, 1234);
	assert_int_equal(ids.gid, 2345);
	assert_string_equal(ids.home, "/home/app");
	assert_int_equal(ids.n_groups, 3);
	assert_int_equal(ids.groups[0], 2345);
	assert_int_equal(ids.groups[1], 777);
	assert_int_equal(ids.groups[2], 10);
}

static void init_user__numeric(void **state)
{
	/* a uid with an entry gets its group and home */
	assert_int_equal(resolve("1234"), 0);
	assert_int_equal(ids.uid, 1234);
	assert_int_equal(ids.gid, 2345);
	assert_string_equal(ids.home, "/home/app");
	/* without one: gid 0, home / */
	assert_int_equal(resolve("4000"), 0);
	assert_int_equal(ids.uid, 4000);
	assert_int_equal(ids.gid, 0);
	assert_string_equal(ids.home, "/");
	assert_int_equal(ids.n_groups, 1);
	assert_int_equal(resolve("4000:4001"), 0);
	assert_int_equal(ids.gid, 4001);
	assert_int_equal(ids.groups[0], 4001);
	/* a relative home is ignored */
	assert_int_equal(resolve("nohome"), 0);
	assert_int_equal(ids.uid, 99);
	assert_string_equal(ids.home, "/");
}

static void init_user__group_by_name(void **state)
{
	assert_int_equal(resolve("app:wheel"), 0);
	assert_int_equal(ids.uid, 1234);
	assert_int_equal(ids.gid, 10);
	assert_int_equal(resolve("0:extra"), 0);
	assert_int_equal(ids.uid, 0);
	assert_int_equal(ids.gid, 777);
}

static void init_user__missing_and_malformed(void **state)
{
	assert_int_equal(resolve("nobody"), -1);
	assert_non_null(strstr(err, "'nobody' not found"));
	assert_int_equal(resolve("app:nogroup"), -1);
	assert_non_null(strstr(err, "'nogroup' not found"));
	assert_int_equal(resolve("broken"), -1);   /* a short line is no entry */
	assert_int_equal(resolve("big"), -1);      /* uid out of range */
	assert_int_equal(resolve(""), -1);
	assert_int_equal(resolve("app:"), -1);
	assert_int_equal(resolve("4294967295"), -1); /* (uid_t)-1 is a name here: not found */
	assert_int_equal(resolve("-1"), -1);
}

static void init_user__no_files(void **state)
{
	assert_int_equal(init_user_resolve("0", NULL, 0, NULL, 0, &ids, err, sizeof(err)), 0);
	assert_int_equal(ids.uid, 0);
	assert_int_equal(ids.gid, 0);
	assert_string_equal(ids.home, "/");
	assert_int_equal(init_user_resolve("root", NULL, 0, NULL, 0, &ids, err, sizeof(err)), -1);
}

static void init_user__nul_bytes_and_long_lines(void **state)
{
	static const char pw[] = "ro\0t:x:5:5::/r:/bin/sh\napp:x:7:8::/h\0me:/bin/sh\n";
	char longline[8192];

	assert_int_equal(init_user_resolve("root", pw, sizeof(pw) - 1, NULL, 0, &ids, err,
					   sizeof(err)), -1);
	assert_int_equal(init_user_resolve("app", pw, sizeof(pw) - 1, NULL, 0, &ids, err,
					   sizeof(err)), 0);
	assert_int_equal(ids.uid, 7);
	/* a home longer than the buffer is left out, not truncated */
	memcpy(longline, "u:x:1:1::/", 10);
	memset(longline + 10, 'a', sizeof(longline) - 20);
	memcpy(longline + sizeof(longline) - 10, ":/bin/sh\n", 10);
	assert_int_equal(init_user_resolve("u", longline, strlen(longline), NULL, 0, &ids, err,
					   sizeof(err)), 0);
	assert_string_equal(ids.home, "/");
}

static void init_user__many_groups_bounded(void **state)
{
	char grp[64 * 40], *p = grp;

	for (int i = 0; i < 60; i++)
		p += snprintf(p, sizeof(grp) - (size_t)(p - grp), "g%d:x:%d:app\n", i, 100 + i);
	assert_int_equal(init_user_resolve("app", PASSWD, strlen(PASSWD), grp, strlen(grp), &ids,
					   err, sizeof(err)), 0);
	assert_int_equal(ids.n_groups, INIT_GROUPS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_user__name),
		cmocka_unit_test(init_user__numeric),
		cmocka_unit_test(init_user__group_by_name),
		cmocka_unit_test(init_user__missing_and_malformed),
		cmocka_unit_test(init_user__no_files),
		cmocka_unit_test(init_user__nul_bytes_and_long_lines),
		cmocka_unit_test(init_user__many_groups_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
