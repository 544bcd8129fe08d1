/*
 * network_test.c - switch network addressing without a switch: subnet
 * parsing and printing, the VM host range (.1 kept for a gateway, VMs
 * from .2, never the broadcast), checks of given addresses, overlap,
 * picking a free 10.x.y.0/24, and the address files of a network in a
 * scratch state directory: two VMs get .2 and .3, a taken address is
 * refused naming its holder, an address is released when its VM is
 * removed and given again, a full /29 runs out with VMC_EBUSY.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "manager/manager.h"
#include "manager/network.h"
#include "net/netaddr.h"
#include "vmc.h"

static void network__parse_and_format(void **state)
{
	struct netaddr_subnet s;
	char out[NETADDR_STRLEN];

	(void)state;
	assert_int_equal(netaddr_parse_subnet("10.1.2.0/24", &s), 0);
	netaddr_format_subnet(&s, out);
	assert_string_equal(out, "10.1.2.0/24");
	netaddr_format_host(&s, 2, out);
	assert_string_equal(out, "10.1.2.2");
	assert_int_equal(netaddr_parse_subnet("172.16.0.0/12", &s), 0);
	netaddr_format_host(&s, 0x10203, out);
	assert_string_equal(out, "172.17.2.3");
	const char *bad[] = { "10.1.2.3/24", "10.1.2.0", "10.1.2.0/", "10.1.2.0/33",
			      "10.1.2.0/07", "10.1.2.0/30", "10.0.0.0/7", "10.1.2.0/+4",
			      "fd00::/64", "10.1.2/24", "", "10.1.2.0/24x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (netaddr_parse_subnet(bad[i], &s) != VMC_EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
}

static void network__vm_host_range(void **state)
{
	struct netaddr_subnet s;
	uint32_t h = 0;

	(void)state;
	assert_int_equal(netaddr_parse_subnet("10.9.0.0/24", &s), 0);
	assert_int_equal(netaddr_first_vm_host(&s), 2);
	assert_int_equal(netaddr_last_vm_host(&s), 254);
	assert_int_equal(netaddr_check_vm_addr(&s, "10.9.0.7/24", &h), 0);
	assert_int_equal(h, 7);
	assert_int_equal(netaddr_check_vm_addr(&s, "10.9.0.1/24", &h), VMC_EINVAL);   /* gateway */
	assert_int_equal(netaddr_check_vm_addr(&s, "10.9.0.0/24", &h), VMC_EINVAL);   /* network */
	assert_int_equal(netaddr_check_vm_addr(&s, "10.9.0.255/24", &h), VMC_EINVAL); /* broadcast */
	assert_int_equal(netaddr_check_vm_addr(&s, "10.9.1.7/24", &h), VMC_EINVAL);   /* outside */
	assert_int_equal(netaddr_check_vm_addr(&s, "10.9.0.7/16", &h), VMC_EINVAL);   /* prefix */
	assert_non_null(strstr(vmc_error_last(), "10.9.0.0/24"));
	assert_int_equal(netaddr_parse_subnet("10.9.0.8/29", &s), 0);
	assert_int_equal(netaddr_last_vm_host(&s), 6);
}

static int taken_below_5(const struct netaddr_subnet *s, uint32_t host, void *payload)
{
	(void)s;
	(void)payload;
	return host < 5;
}

static int taken_all(const struct netaddr_subnet *s, uint32_t host, void *payload)
{
	(void)s;
	(*(int *)payload)++;
	return host > 0;
}

static void network__pick_host_and_subnet(void **state)
{
	struct netaddr_subnet s, used[3], got;
	uint32_t h = 0;
	int calls = 0;
	char out[NETADDR_STRLEN];

	(void)state;
	assert_int_equal(netaddr_parse_subnet("10.9.0.0/24", &s), 0);
	assert_int_equal(netaddr_pick_host(&s, taken_below_5, NULL, &h), 0);
	assert_int_equal(h, 5);
	assert_int_equal(netaddr_parse_subnet("10.9.0.0/29", &s), 0);
	assert_int_equal(netaddr_pick_host(&s, taken_all, &calls, &h), VMC_EBUSY);
	assert_int_equal(calls, 5); /* .2 .. .6 */

	assert_int_equal(netaddr_pick_subnet(NULL, 0, &got), 0);
	netaddr_format_subnet(&got, out);
	assert_string_equal(out, "10.100.0.0/24");
	assert_int_equal(netaddr_parse_subnet("10.100.0.0/24", &used[0]), 0);
	assert_int_equal(netaddr_parse_subnet("10.100.1.128/25", &used[1]), 0);
	assert_int_equal(netaddr_parse_subnet("10.100.2.0/29", &used[2]), 0);
	assert_int_equal(netaddr_pick_subnet(used, 3, &got), 0);
	netaddr_format_subnet(&got, out);
	assert_string_equal(out, "10.100.3.0/24");
	assert_int_equal(netaddr_parse_subnet("10.0.0.0/8", &used[0]), 0);
	assert_int_equal(netaddr_pick_subnet(used, 1, &got), VMC_EBUSY);
	assert_true(netaddr_overlap(&used[0], &used[1]));
	assert_int_equal(netaddr_parse_subnet("10.100.1.0/25", &used[0]), 0);
	assert_false(netaddr_overlap(&used[0], &used[1]));
}

static void network__switch_nic_config(void **state)
{
	vmc_config *cfg = NULL, *back = NULL;
	char *json = NULL;

	(void)state;
	assert_int_equal(vmc_config_new(&cfg, "vm1"), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, NULL, NULL, NULL, NULL),
			 VMC_EINVAL);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, "bad/name", NULL, NULL, NULL),
			 VMC_EINVAL);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, "n1", NULL, "fd00::2/64", NULL),
			 VMC_EINVAL);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, "n1", NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, "n2", "02:00:00:00:00:05",
					    "10.1.0.5/24", "10.1.0.1"), 0);
	assert_int_equal(vmc_config_to_json(cfg, &json), 0);
	assert_non_null(strstr(json, "\"kind\":\"switch\",\"network\":\"n1\""));
	assert_null(strstr(json, "\"tap\""));
	assert_int_equal(vmc_config_from_json(&back, json), 0);
	assert_int_equal(back->nics[0].kind, VMC_NIC_SWITCH);
	assert_string_equal(back->nics[0].tap, "n1");
	assert_null(back->nics[0].addr);
	assert_string_equal(back->nics[0].mac, cfg->nics[0].mac); /* stable per (vm, index) */
	assert_string_equal(back->nics[1].addr, "10.1.0.5/24");
	assert_string_equal(back->nics[1].gateway, "10.1.0.1");
	vmc_config_free(back);
	back = NULL;
	assert_int_equal(vmc_config_from_json(&back,
		"{\"version\":1,\"name\":\"x\",\"nics\":[{\"kind\":\"switch\",\"network\":\"n1\"}]}"), 0);
	vmc_config_free(back);
	back = NULL;
	assert_int_equal(vmc_config_from_json(&back,
		"{\"version\":1,\"name\":\"x\",\"nics\":[{\"kind\":\"switch\",\"tap\":\"n1\"}]}"),
		VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "a switch or bridge nic has no tap"));
	assert_int_equal(vmc_config_from_json(&back,
		"{\"version\":1,\"name\":\"x\",\"nics\":[{\"kind\":\"tap\",\"network\":\"n1\"}]}"),
		VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "only a switch or bridge nic has a network"));
	free(json);
	vmc_config_free(cfg);
}

/* ---- address files of a network in a scratch state directory */

struct fixture {
	char state[64];
	char net[128];
	vmc_manager *mgr;
	struct netaddr_subnet s;
};

static void make_net(struct fixture *f, const char *subnet)
{
	char path[256], text[64];

	snprintf(f->net, sizeof(f->net), "%s/networks/n1", f->state);
	snprintf(path, sizeof(path), "%s/addrs", f->net);
	assert_int_equal(fs_mkdir_p(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/config.json", f->net);
	snprintf(text, sizeof(text), "{\"subnet\":\"%s\"}", subnet);
	assert_int_equal(fs_write_atomic(path, text, strlen(text), 0600, 0), 0);
	assert_int_equal(net_read_subnet(f->net, "n1", &f->s), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->state, sizeof(f->state), "/tmp/vmc-nettest-XXXXXX");
	assert_non_null(mkdtemp(f->state));
	assert_int_equal(vmc_manager_open(&f->mgr, f->state), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vmc_manager_free(f->mgr);
	fs_remove_tree(f->state);
	free(f);
	return 0;
}

/* A VM ns default, named `name`, whose directory and config exist (so its
 * addresses count as held), with one switch NIC on n1. */
static vmc_config *vm(struct fixture *f, const char *name, const char *addr)
{
	vmc_config *cfg = NULL;
	char dir[256];

	assert_int_equal(vmc_config_new(&cfg, name), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, "n1", NULL, addr, NULL), 0);
	snprintf(dir, sizeof(dir), "%s/default/%s", f->state, name);
	assert_int_equal(fs_mkdir_p(dir, 0700), 0);
	return cfg;
}

static void save_config(struct fixture *f, const vmc_config *cfg)
{
	char path[256], *json = NULL;

	snprintf(path, sizeof(path), "%s/default/%s/config.json", f->state, cfg->name);
	assert_int_equal(vmc_config_to_json(cfg, &json), 0);
	assert_int_equal(fs_write_atomic(path, json, strlen(json), 0600, 0), 0);
	free(json);
}

static void network__addresses_assigned_and_released(void **state)
{
	struct fixture *f = *state;
	vmc_config *a, *b, *c, *d, *e;
	char dir[256];
	unsigned n = 0;
	char who[160] = "";

	make_net(f, "10.7.0.0/24");
	a = vm(f, "a", NULL);
	b = vm(f, "b", NULL);
	assert_int_equal(net_addr_take(f->mgr, f->net, a, 0, &f->s), 0);
	assert_int_equal(net_addr_take(f->mgr, f->net, b, 0, &f->s), 0);
	assert_string_equal(a->nics[0].addr, "10.7.0.2/24");
	assert_string_equal(b->nics[0].addr, "10.7.0.3/24");
	/* another VM asking for a's address is refused, naming a */
	c = vm(f, "a2", "10.7.0.2/24");
	assert_int_equal(net_addr_take(f->mgr, f->net, c, 0, &f->s), VMC_EEXISTS);
	assert_non_null(strstr(vmc_error_last(), "default/a"));
	vmc_config_free(c);
	c = vm(f, "c", "10.7.0.1/24");
	assert_int_equal(net_addr_take(f->mgr, f->net, c, 0, &f->s), VMC_EINVAL);
	vmc_config_free(c);
	c = vm(f, "c", "10.7.0.9/24");
	assert_int_equal(net_addr_take(f->mgr, f->net, c, 0, &f->s), 0);
	assert_int_equal(net_leases_count(f->mgr, f->net, &n, who, sizeof(who)), 0);
	assert_int_equal(n, 3);
	/* a removed VM's address is released and handed out again */
	save_config(f, a);
	mgr_net_release_vm(f->mgr, "default", "a");
	snprintf(dir, sizeof(dir), "%s/default/a", f->state);
	fs_remove_tree(dir);
	d = vm(f, "d", NULL);
	assert_int_equal(net_addr_take(f->mgr, f->net, d, 0, &f->s), 0);
	assert_string_equal(d->nics[0].addr, "10.7.0.2/24");
	/* a VM directory removed behind vmc's back frees its address too */
	snprintf(dir, sizeof(dir), "%s/default/b", f->state);
	fs_remove_tree(dir);
	e = vm(f, "e", "10.7.0.3/24"); /* b's: taken over (under .addrs.lock) */
	assert_int_equal(net_addr_take(f->mgr, f->net, e, 0, &f->s), 0);
	assert_int_equal(net_leases_count(f->mgr, f->net, &n, NULL, 0), 0);
	assert_int_equal(n, 3); /* c, d and e */
	vmc_config_free(e);
	vmc_config_free(a);
	vmc_config_free(b);
	vmc_config_free(c);
	vmc_config_free(d);
}

/* A lease being written (still empty) counts as in use, by a VM not known
 * yet: "?/?", not whatever the stack held. */
static void network__lease_being_written(void **state)
{
	struct fixture *f = *state;
	char path[512], who[160];
	unsigned n = 0;
	int fd;

	make_net(f, "10.7.0.0/24");
	snprintf(path, sizeof(path), "%s/addrs/10.7.0.200", f->net);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	memset(who, 'x', sizeof(who));
	assert_int_equal(net_leases_count(f->mgr, f->net, &n, who, sizeof(who)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(who, "?/?");
	/* a VM asking for that very address is told so, without a name */
	vmc_config *a = vm(f, "a", "10.7.0.200/24");
	assert_int_equal(net_addr_take(f->mgr, f->net, a, 0, &f->s), VMC_EEXISTS);
	assert_non_null(strstr(vmc_error_last(), "is being taken by another vm"));
	/* a minute later its writer is taken to have died: the address is
	 * free again (and the network no longer in use) */
	struct timespec old[2] = { { .tv_sec = time(NULL) - 60 }, { .tv_sec = time(NULL) - 60 } };
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	assert_int_equal(net_addr_take(f->mgr, f->net, a, 0, &f->s), 0);
	assert_string_equal(a->nics[0].addr, "10.7.0.200/24");
	assert_int_equal(net_leases_count(f->mgr, f->net, &n, NULL, 0), 0);
	assert_int_equal(n, 1); /* a's now */
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	assert_int_equal(net_leases_count(f->mgr, f->net, &n, NULL, 0), 0);
	assert_int_equal(n, 1); /* written: kept however old */
	vmc_config_free(a);
}

static void network__small_subnet_runs_out(void **state)
{
	struct fixture *f = *state;
	char name[16];

	make_net(f, "10.7.0.8/29");
	for (int i = 0; i < 6; i++) {
		vmc_config *cfg;
		int rc;

		snprintf(name, sizeof(name), "v%d", i);
		cfg = vm(f, name, NULL);
		rc = net_addr_take(f->mgr, f->net, cfg, 0, &f->s);
		if (i < 5) {
			char want[32];

			assert_int_equal(rc, 0);
			snprintf(want, sizeof(want), "10.7.0.%d/29", 10 + i);
			assert_string_equal(cfg->nics[0].addr, want);
		} else {
			assert_int_equal(rc, VMC_EBUSY);
			assert_non_null(strstr(vmc_error_last(), "no free address"));
			assert_null(cfg->nics[0].addr);
		}
		vmc_config_free(cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(network__parse_and_format),
		cmocka_unit_test(network__vm_host_range),
		cmocka_unit_test(network__pick_host_and_subnet),
		cmocka_unit_test(network__switch_nic_config),
		cmocka_unit_test_setup_teardown(network__addresses_assigned_and_released, setup,
						teardown),
		cmocka_unit_test_setup_teardown(network__small_subnet_runs_out, setup, teardown),
		cmocka_unit_test_setup_teardown(network__lease_being_written, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
