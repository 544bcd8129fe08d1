/*
 * hostnet_test.c - the parts of host (bridge) networks that need no root:
 * bridge names derived from network names (fit IFNAMSIZ, stable, distinct
 * for long names sharing a prefix), the host-object record (format ->
 * parse round trip, "forget", a torn last line, damaged records refused),
 * the nft command text of a network's NAT chain, and the --net bridge:
 * syntax through the config (JSON round trip, kind checks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config.h"
#include "core/fsutil.h"
#include "net/bridge.h"
#include "net/hostrec.h"
#include "net/nat.h"
#include "vmc.h"

static void hostnet__bridge_names(void **state)
{
	char a[IFNAMSIZ], b[IFNAMSIZ], c[IFNAMSIZ];

	(void)state;
	assert_int_equal(bridge_name("lan", a), 0);
	assert_string_equal(a, "vmc-lan");
	assert_int_equal(bridge_name("elevenchars", a), 0); /* 4 + 11 = 15: fits */
	assert_string_equal(a, "vmc-elevenchars");
	assert_int_equal(bridge_name("twelve-chars", a), 0);
	assert_int_equal(strlen(a), IFNAMSIZ - 1);
	assert_memory_equal(a, "vmc-twelv-", 10);
	assert_int_equal(bridge_name("twelve-chars", b), 0);
	assert_string_equal(a, b); /* a pure function of the name */
	assert_int_equal(bridge_name("twelve-charz", c), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(bridge_name("bad/name", a), VMC_EINVAL);
	assert_int_equal(bridge_name("", a), VMC_EINVAL);
	assert_int_equal(bridge_name(NULL, a), VMC_EINVAL);
}

static void add(char *text, size_t len, enum hostrec_kind k, const char *fam, const char *table,
		const char *name)
{
	struct hostrec_entry e;

	memset(&e, 0, sizeof(e));
	e.kind = k;
	snprintf(e.family, sizeof(e.family), "%s", fam);
	snprintf(e.table, sizeof(e.table), "%s", table);
	snprintf(e.name, sizeof(e.name), "%s", name);
	assert_true(hostrec_format_entry(&e, text + strlen(text), len - strlen(text)) > 0);
}

static void hostnet__record_round_trip(void **state)
{
	char text[1024] = "vmc-host-record 1\nowner 42 12345678901\n";
	struct hostrec r;

	(void)state;
	add(text, sizeof(text), HOSTREC_LINK, "", "", "vmc-lan");
	add(text, sizeof(text), HOSTREC_NFT_TABLE, "inet", "vmc", "");
	add(text, sizeof(text), HOSTREC_NFT_CHAIN, "inet", "vmc", "nat-vmc-lan");
	add(text, sizeof(text), HOSTREC_SYSCTL, "", "", "net.ipv4.ip_forward");
	assert_int_equal(hostrec_parse(text, strlen(text), &r), 0);
	assert_int_equal(r.owner_pid, 42);
	assert_true(r.owner_start == 12345678901ULL);
	assert_false(r.complete);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.e[0].kind, HOSTREC_LINK);
	assert_string_equal(r.e[0].name, "vmc-lan");
	assert_string_equal(r.e[2].family, "inet");
	assert_string_equal(r.e[2].table, "vmc");
	assert_string_equal(r.e[2].name, "nat-vmc-lan");
	assert_string_equal(r.e[3].name, "net.ipv4.ip_forward");
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "complete\n");
	assert_int_equal(hostrec_parse(text, strlen(text), &r), 0);
	assert_true(r.complete);

	/* forget removes the entry; a torn last line is ignored */
	snprintf(text, sizeof(text), "vmc-host-record 1\nowner 1 1\nlink vmc-a\nlink vmc-b\n"
		 "forget link vmc-a\nlin");
	assert_int_equal(hostrec_parse(text, strlen(text), &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.e[0].name, "vmc-b");

	/* a link with the MAC it was made with */
	snprintf(text, sizeof(text), "vmc-host-record 1\nowner 1 1\n");
	{
		struct hostrec_entry e;

		memset(&e, 0, sizeof(e));
		e.kind = HOSTREC_LINK;
		snprintf(e.name, sizeof(e.name), "vmc-lan");
		snprintf(e.mac, sizeof(e.mac), "02:ab:00:cd:ef:01");
		assert_true(hostrec_format_entry(&e, text + strlen(text),
						 sizeof(text) - strlen(text)) > 0);
		assert_non_null(strstr(text, "\nlink vmc-lan 02:ab:00:cd:ef:01\n"));
		snprintf(e.mac, sizeof(e.mac), "02:AB:00:cd:ef:01");
		assert_int_equal(hostrec_format_entry(&e, text, sizeof(text)), -1);
	}
	assert_int_equal(hostrec_parse(text, strlen(text), &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.e[0].name, "vmc-lan");
	assert_string_equal(r.e[0].mac, "02:ab:00:cd:ef:01");
	snprintf(text + strlen(text), sizeof(text) - strlen(text),
		 "forget link vmc-lan 02:ab:00:cd:ef:01\n");
	assert_int_equal(hostrec_parse(text, strlen(text), &r), 0);
	assert_int_equal(r.n, 0);

	/* a namespace of its own */
	snprintf(text, sizeof(text), "vmc-host-record 1\nowner 1 1\n");
	add(text, sizeof(text), HOSTREC_NETNS, "", "", "lab");
	assert_non_null(strstr(text, "\nnetns lab\n"));
	assert_int_equal(hostrec_parse(text, strlen(text), &r), 0);
	assert_int_equal(r.e[0].kind, HOSTREC_NETNS);
	assert_string_equal(r.e[0].name, "lab");
	assert_true(r.e[0].id == 0);
	/* with its id, and forgotten by name and id */
	snprintf(text, sizeof(text), "vmc-host-record 1\nowner 1 1\nnetns lab 4026532481\n");
	assert_int_equal(hostrec_parse(text, strlen(text), &r), 0);
	assert_true(r.e[0].id == 4026532481ULL);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "forget netns lab 4026532481\n");
	assert_int_equal(hostrec_parse(text, strlen(text), &r), 0);
	assert_int_equal(r.n, 0);
	{
		struct hostrec_entry e;

		memset(&e, 0, sizeof(e));
		e.kind = HOSTREC_NETNS;
		e.id = 77;
		snprintf(e.name, sizeof(e.name), "lab");
		assert_true(hostrec_format_entry(&e, text, sizeof(text)) > 0);
		assert_string_equal(text, "netns lab 77\n");
		e.kind = HOSTREC_LINK; /* an id is for a namespace only */
		assert_int_equal(hostrec_format_entry(&e, text, sizeof(text)), -1);
	}
}

static void hostnet__record_refuses_damage(void **state)
{
	const char *bad[] = {
		"",
		"vmc-host-record 2\nowner 1 1\n",
		"vmc-host-record 1\n",                                  /* no owner */
		"vmc-host-record 1\nlink vmc-a\nowner 1 1\n",           /* owner not second */
		"vmc-host-record 1\nowner 0 1\n",
		"vmc-host-record 1\nowner 1 1\nlink ../x\n",
		"vmc-host-record 1\nowner 1 1\nlink vmc-a-name-too-long\n",
		"vmc-host-record 1\nowner 1 1\nlink vmc a\n",
		"vmc-host-record 1\nowner 1 1\nnetns lab 0\n",
		"vmc-host-record 1\nowner 1 1\nnetns lab x1\n",
		"vmc-host-record 1\nowner 1 1\nnetns lab 99999999999999999999999\n",
		"vmc-host-record 1\nowner 1 1\nnetns lab 1\nforget netns lab 2\n",
		"vmc-host-record 1\nowner 1 1\nlink vmc-a 02:00:00:00:00\n",
		"vmc-host-record 1\nowner 1 1\nlink vmc-a 02:00:00:00:00:0g\n",
		"vmc-host-record 1\nowner 1 1\nlink vmc-a 02-00-00-00-00-01\n",
		"vmc-host-record 1\nowner 1 1\nlink vmc-a 02:00:00:00:00:01 x\n",
		"vmc-host-record 1\nowner 1 1\nlink vmc-a 02:00:00:00:00:01\n"
		"forget link vmc-a\n",                                   /* another entry */
		"vmc-host-record 1\nowner 1 1\nlink  vmc-a\n",
		"vmc-host-record 1\nowner 1 1\nnft-chain bridge vmc c\n",
		"vmc-host-record 1\nowner 1 1\nsysctl kernel.core_pattern\n",
		"vmc-host-record 1\nowner 1 1\nforget link vmc-a\n",     /* forgets nothing */
		"vmc-host-record 1\nowner 1 1\ncomplete\nlink vmc-a\n",
		"vmc-host-record 1\nowner 1 1\nrm -rf /\n",
	};
	struct hostrec r;
	char big[HOSTREC_MAX_BYTES + 64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hostrec_parse(bad[i], strlen(bad[i]), &r) != VMC_EPROTO)
			fail_msg("accepted record %zu: %s", i, bad[i]);
	/* a NUL inside a line */
	assert_int_equal(hostrec_parse("vmc-host-record 1\nowner 1 1\nlink vm\0c\n", 39, &r),
			 VMC_EPROTO);
	/* too many entries, too many bytes */
	snprintf(big, sizeof(big), "vmc-host-record 1\nowner 1 1\n");
	for (int i = 0; i <= HOSTREC_MAX_ENTRIES; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "link vmc-%d\n", i);
	assert_int_equal(hostrec_parse(big, strlen(big), &r), VMC_EPROTO);
	memset(big, 'x', sizeof(big));
	assert_int_equal(hostrec_parse(big, sizeof(big), &r), VMC_EPROTO);
}

static void hostnet__record_file(void **state)
{
	char dir[] = "/tmp/hostnet-test-XXXXXX";
	struct hostrec r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(hostrec_read(dir, &r), VMC_ENOTFOUND);
	assert_int_equal(hostrec_append(dir, "vmc-host-record 1\nowner 5 6\n"), 0);
	assert_int_equal(hostrec_append(dir, "link vmc-z\n"), 0);
	assert_int_equal(hostrec_read(dir, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.e[0].name, "vmc-z");
	fs_remove_tree(dir);
}

static void hostnet__nat_rules_text(void **state)
{
	char out[NAT_CMDS_MAX], chain[64];

	(void)state;
	assert_int_equal(nat_chain_name("vmc-lan", chain, sizeof(chain)), 0);
	assert_string_equal(chain, "nat-vmc-lan");
	assert_int_equal(nat_rules_text(chain, "10.7.0.0/24", NULL, out, sizeof(out)), 0);
	assert_string_equal(out,
			    "add table inet vmc\n"
			    "create chain inet vmc nat-vmc-lan { type nat hook postrouting "
			    "priority srcnat; policy accept; }\n"
			    "add rule inet vmc nat-vmc-lan ip saddr 10.7.0.0/24 ip daddr != "
			    "10.7.0.0/24 masquerade\n");
	assert_int_equal(nat_rules_text(chain, "10.7.0.0/24", "eth0", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "ip daddr != 10.7.0.0/24 oifname \"eth0\" masquerade\n"));
	/* nothing that could smuggle commands into the buffer */
	assert_int_equal(nat_rules_text("a;b", "10.7.0.0/24", NULL, out, sizeof(out)), VMC_EINVAL);
	assert_int_equal(nat_rules_text(chain, "10.7.0.0/24", "e\"th0", out, sizeof(out)),
			 VMC_EINVAL);
	assert_int_equal(nat_rules_text(chain, "10.7.0.1/24", NULL, out, sizeof(out)), VMC_EINVAL);
	assert_int_equal(nat_rules_text(chain, "10.7.0.0/24", NULL, out, 20), VMC_EINVAL);
	assert_int_equal(nat_chain_name("x y", chain, sizeof(chain)), VMC_EINVAL);
	assert_int_equal(nat_sysctl_set("kernel.core_pattern", "1"), VMC_EINVAL);
}

static void hostnet__bridge_nic_config(void **state)
{
	vmc_config *cfg = NULL, *back = NULL;
	char *json = NULL;

	(void)state;
	assert_int_equal(vmc_config_new(&cfg, "vm1"), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_BRIDGE, NULL, NULL, NULL, NULL),
			 VMC_EINVAL);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_BRIDGE, "lan", NULL, "fd00::2/64", NULL),
			 VMC_EINVAL);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_BRIDGE, "lan", NULL, "10.7.0.9/24",
					    "10.7.0.1"), 0);
	assert_int_equal(vmc_config_to_json(cfg, &json), 0);
	assert_non_null(strstr(json, "\"kind\":\"bridge\""));
	assert_non_null(strstr(json, "\"network\":\"lan\""));
	assert_int_equal(vmc_config_from_json(&back, json), 0);
	assert_int_equal(back->nics[0].kind, VMC_NIC_BRIDGE);
	assert_string_equal(back->nics[0].tap, "lan");
	assert_string_equal(back->nics[0].gateway, "10.7.0.1");
	assert_true(back->nics[0].queues <= 1);
	vmc_free(json);
	vmc_config_free(back);
	back = NULL;

	/* queues: bridge NICs only, 1..8, kept in JSON */
	assert_int_equal(vmc_config_set_nic_queues(cfg, 0, 4), 0);
	assert_int_equal(vmc_config_set_nic_queues(cfg, 0, 0), VMC_EINVAL);
	assert_int_equal(vmc_config_set_nic_queues(cfg, 0, VMC_NIC_QUEUES_MAX + 1), VMC_EINVAL);
	assert_int_equal(vmc_config_set_nic_queues(cfg, 1, 2), VMC_EINVAL);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_set_nic_queues(cfg, 1, 2), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "only a bridge nic"));
	assert_int_equal(vmc_config_to_json(cfg, &json), 0);
	assert_non_null(strstr(json, "\"queues\":4"));
	assert_int_equal(vmc_config_from_json(&back, json), 0);
	assert_int_equal(back->nics[0].queues, 4);
	vmc_free(json);
	vmc_config_free(back);
	assert_int_equal(vmc_config_from_json(&back, "{\"version\":1,\"name\":\"x\",\"nics\":"
					     "[{\"kind\":\"user\",\"queues\":2}]}"), VMC_EINVAL);
	assert_int_equal(vmc_config_from_json(&back, "{\"version\":1,\"name\":\"x\",\"nics\":"
					     "[{\"kind\":\"bridge\",\"network\":\"n\","
					     "\"queues\":99}]}"), VMC_EINVAL);
	vmc_config_free(cfg);
}

/* fs_lock (the networks' .lock, .host.lock and .undo.lock): exclusive
 * while held, free once closed; a missing directory is VMC_ENOTFOUND. */
static void hostnet__fs_lock(void **state)
{
	char dir[] = "/tmp/vmc-fslock-XXXXXX", *missing;
	int fd = -1, status = -1;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(fs_lock(dir, ".lock", &fd), 0);
	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *p = fs_join(dir, ".lock");
		int other = open(p, O_RDWR | O_CLOEXEC);

		_exit(other >= 0 && flock(other, LOCK_EX | LOCK_NB) < 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0); /* held */
	close(fd);
	assert_int_equal(fs_lock(dir, ".lock", &fd), 0); /* free again */
	close(fd);
	missing = fs_join(dir, "gone");
	assert_int_equal(fs_lock(missing, ".lock", &fd), VMC_ENOTFOUND);
	assert_int_equal(fd, -1);
	free(missing);
	assert_int_equal(fs_remove_tree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hostnet__bridge_names),
		cmocka_unit_test(hostnet__fs_lock),
		cmocka_unit_test(hostnet__record_round_trip),
		cmocka_unit_test(hostnet__record_refuses_damage),
		cmocka_unit_test(hostnet__record_file),
		cmocka_unit_test(hostnet__nat_rules_text),
		cmocka_unit_test(hostnet__bridge_nic_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
