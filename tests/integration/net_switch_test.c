/*
 * net_switch_test.c - switch networks through the public API, with real
 * guests (TCG unless VMC_TEST_ACCEL=kvm): two networks are created (one on
 * a picked subnet, one on a given one); VMs A and B on the first get
 * assigned addresses (.2, .3); A pings B, then sends B 4 MiB of random
 * bytes over TCP (busybox nc), both printing md5sums that must match. C
 * on the second network, given an extra address in the first network's
 * subnet so only the switches keep it apart, can neither ping B nor
 * connect to it. Removing a network in use is refused, naming the VM.
 * The first network's switch is killed: it is reported dead, `create`
 * again restarts it with the VMs' ports, and A's pings to B resume.
 * Stopping a VM removes its port; once the VMs are removed both networks
 * are removed, leaving no process (switches, shims, QEMUs) and no
 * directory behind. Skips, saying why, without a default guest. Also: six
 * processes creating networks at once get six distinct subnets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config.h"
#include "core/fsutil.h"
#include "harness.h"
#include "vmc.h"

#define NET_TIMEOUT_MS 150000 /* three TCG guests on a small, busy machine */

static struct harness H;

/* The default guest with one switch NIC on `net` (address assigned). */
static vmc_config *switch_config(const char *name, const char *net, const char *script)
{
	const char *argv[] = { "/bin/sh", "-c", script };
	vmc_config *cfg = NULL;

	assert_int_equal(vmc_config_new(&cfg, name), 0);
	assert_int_equal(vmc_config_set_kernel(cfg, H.guest_kernel), 0);
	assert_int_equal(vmc_config_set_initramfs(cfg, H.guest_initramfs), 0);
	if (getenv("VMC_TEST_ACCEL") && !strcmp(getenv("VMC_TEST_ACCEL"), "kvm"))
		vmc_config_set_accel(cfg, VMC_ACCEL_KVM);
	else
		vmc_config_set_accel(cfg, VMC_ACCEL_TCG);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, net, NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_set_exec(cfg, 3, argv), 0);
	return cfg;
}

static void start_ok(vmc_manager *mgr, vmc_config *cfg)
{
	int rc = vmc_manager_start(mgr, cfg);

	if (rc != 0)
		fail_msg("start '%s': %s", cfg->name, vmc_error_last());
	vmc_config_free(cfg);
}

/* The address (without prefix) the manager gave the VM's first NIC. */
static void vm_addr(vmc_manager *mgr, const char *name, char *out, size_t len)
{
	vmc_config *cfg = NULL;
	const char *slash;

	assert_int_equal(vmc_manager_config(mgr, name, &cfg), 0);
	assert_non_null(cfg->nics[0].addr);
	slash = strchr(cfg->nics[0].addr, '/');
	assert_non_null(slash);
	snprintf(out, len, "%.*s", (int)(slash - cfg->nics[0].addr), cfg->nics[0].addr);
	vmc_config_free(cfg);
}

static const vmc_network_info *find(vmc_network_info *all, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i].name, name))
			return &all[i];
	fail_msg("network '%s' not listed", name);
	return NULL;
}

/* Fills *out with network `name`'s entry. */
static void net_info(vmc_manager *mgr, const char *name, vmc_network_info *out)
{
	vmc_network_info *all = NULL;
	size_t n = 0;

	assert_int_equal(vmc_network_list(mgr, &all, &n), 0);
	*out = *find(all, n, name);
	vmc_free(all);
}

/* Copies the rest of the first console line of VM `name` that starts
 * with `key` (without its "\r\n") into out; -1 when there is none yet. */
static int console_value(const char *name, const char *key, char *out, size_t len)
{
	char path[512], *log = NULL;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/default/%s/serial.log", H.state_dir, name);
	if (fs_read_file(path, 8 << 20, &log, NULL) < 0)
		return -1;
	for (const char *p = log; (p = strstr(p, key)) != NULL; p++) {
		if (p != log && p[-1] != '\n')
			continue;
		p += strlen(key);
		size_t n = strcspn(p, "\r\n");
		if (!p[n])
			break; /* the line is not complete yet */
		snprintf(out, len, "%.*s", (int)n, p);
		rc = 0;
		break;
	}
	free(log);
	return rc;
}

/* Waits for a console line of `name` starting with `key`; fails the test
 * with the VM's console when none comes within NET_TIMEOUT_MS. Lines, not
 * any text: the workload's own script holds its keys. */
static void console_must(vmc_manager *mgr, const char *name, const char *key, char *out,
			 size_t len)
{
	char *log = NULL, *path = NULL;

	for (int waited = 0; waited < NET_TIMEOUT_MS; waited += 100) {
		if (console_value(name, key, out, len) == 0)
			return;
		harness_pause_ms(100);
	}
	if (vmc_manager_console_path(mgr, name, &path) == 0)
		fs_read_file(path, 1 << 20, &log, NULL);
	vmc_free(path);
	fail_msg("%s printed no '%s' line; its console:\n%s", name, key, log ? log : "(none)");
}

/* Lines of the VM's console that start with `text`. */
static int console_count(const char *name, const char *text)
{
	char path[512], *log = NULL;
	int n = 0;

	snprintf(path, sizeof(path), "%s/default/%s/serial.log", H.state_dir, name);
	if (fs_read_file(path, 8 << 20, &log, NULL) < 0)
		return 0;
	for (const char *p = log; (p = strstr(p, text)) != NULL; p++)
		if (p == log || p[-1] == '\n')
			n++;
	free(log);
	return n;
}

static int entries(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void remove_vm(vmc_manager *mgr, const char *name)
{
	assert_int_equal(vmc_manager_stop(mgr, name, 30000, NULL), 0);
	assert_int_equal(vmc_manager_remove(mgr, name, 0), 0);
}

static void net_switch__two_vms_ping_isolation_and_cleanup(void **state)
{
	char a[32], b[32], c[32], b_ip[32], c_ip[32], script[1024], nets[300], tag[64];
	char rx[64], tx[64], v[64];
	vmc_network_info info;
	vmc_manager *mgr = NULL;
	int before, after;

	(void)state;
	if (!H.have_guest) {
		print_message("skipped: %s\n", H.why_not);
		skip();
	}
	snprintf(a, sizeof(a), "na-%d", (int)getpid());
	snprintf(b, sizeof(b), "nb-%d", (int)getpid());
	snprintf(c, sizeof(c), "nc-%d", (int)getpid());
	assert_int_equal(vmc_manager_open(&mgr, H.state_dir), 0);

	assert_int_equal(vmc_network_create(mgr, "n1", NULL), 0);
	assert_int_equal(vmc_network_create(mgr, "n2", "10.9.0.0/24"), 0);
	assert_int_equal(vmc_network_create(mgr, "n1", NULL), VMC_EEXISTS);
	assert_int_equal(vmc_network_create(mgr, "n3", "10.9.0.0/16"), VMC_EEXISTS);
	assert_non_null(strstr(vmc_error_last(), "overlaps"));
	net_info(mgr, "n1", &info);
	assert_string_equal(info.subnet, "10.100.0.0/24");
	assert_true(info.switch_alive);
	assert_int_equal(info.n_ports, 0);

	/* B first: its address goes into A's and C's workloads. B takes one
	 * TCP connection on port 5000 and prints the md5sum and size of what
	 * came. */
	start_ok(mgr, switch_config(b, "n1",
				    "nc -l -p 5000 > /tmp/f; set -- $(md5sum < /tmp/f);"
				    " echo XFER-RX=$1; echo XFER-BYTES=$(wc -c < /tmp/f); sleep 600"));
	vm_addr(mgr, b, b_ip, sizeof(b_ip));
	assert_string_equal(b_ip, "10.100.0.2");
	/* READY: vmc-init has B's address up, so A's first ping can be answered */
	if (vmc_manager_wait(mgr, b, VMC_STATE_READY, NET_TIMEOUT_MS, NULL) != 0)
		fail_msg("B not ready: %s", vmc_error_last());
	/* A: pings B, sends it 4 MiB of random bytes (retrying until B's nc
	 * listens), then pings B once a second */
	snprintf(script, sizeof(script),
		 "ping -c 3 -W 2 %s && echo PING-OK;"
		 " dd if=/dev/urandom of=/tmp/f bs=1024 count=4096 2> /dev/null;"
		 " set -- $(md5sum < /tmp/f); echo XFER-TX=$1;"
		 " t=0; until nc -w 5 %s 5000 < /tmp/f; do t=$((t+1)); [ $t -gt 20 ] && break;"
		 " sleep 1; done; echo XFER-NC=$t;"
		 " while sleep 1; do ping -c 1 -W 1 %s > /dev/null && echo PONG; done",
		 b_ip, b_ip, b_ip);
	start_ok(mgr, switch_config(a, "n1", script));
	/* C: an extra address in n1's subnet gives it a route to B, so only
	 * the switches' isolation can keep its ARP, pings and SYNs from B */
	snprintf(script, sizeof(script),
		 "ip addr add 10.100.0.250/24 dev eth0 && echo ADDR-OK;"
		 " ping -c 3 -W 2 %s && echo PING-OK || echo PING-FAILED;"
		 " nc -w 3 %s 5000 < /dev/null && echo CONNECT-OK || echo CONNECT-FAILED; sleep 600",
		 b_ip, b_ip);
	start_ok(mgr, switch_config(c, "n2", script));
	vm_addr(mgr, a, script, sizeof(script));
	assert_string_equal(script, "10.100.0.3");
	vm_addr(mgr, c, c_ip, sizeof(c_ip));
	assert_string_equal(c_ip, "10.9.0.2");

	console_must(mgr, a, "PING-OK", v, sizeof(v));
	/* 4 MiB over TCP through the switch, intact */
	console_must(mgr, a, "XFER-TX=", tx, sizeof(tx));
	console_must(mgr, a, "XFER-NC=", v, sizeof(v));
	assert_string_equal(v, "0");
	console_must(mgr, b, "XFER-RX=", rx, sizeof(rx));
	assert_int_equal(strlen(tx), 32);
	assert_string_equal(rx, tx);
	console_must(mgr, b, "XFER-BYTES=", v, sizeof(v));
	assert_string_equal(v, "4194304");
	print_message("A sent B 4 MiB over TCP, md5 %s on both sides\n", tx);
	/* C, on n2, reaches nothing on n1 */
	console_must(mgr, c, "ADDR-OK", v, sizeof(v));
	console_must(mgr, c, "PING-FAILED", v, sizeof(v));
	console_must(mgr, c, "CONNECT-FAILED", v, sizeof(v));
	assert_int_equal(console_count(c, "PING-OK"), 0);
	assert_int_equal(console_count(c, "CONNECT-OK"), 0);
	net_info(mgr, "n1", &info);
	assert_int_equal(info.n_addrs, 2);
	assert_int_equal(info.n_ports, 2);

	/* in use: refused, naming a VM */
	assert_int_equal(vmc_network_remove(mgr, "n1"), VMC_EBUSY);
	assert_non_null(strstr(vmc_error_last(), "in use by vm 'default/n"));

	/* a dead switch is reported; create restarts it with the VMs' ports */
	for (int i = 0; i < 600 && console_count(a, "PONG") < 2; i++)
		harness_pause_ms(100);
	assert_true(console_count(a, "PONG") >= 2);
	assert_int_equal(kill(info.switch_pid, SIGKILL), 0);
	for (int i = 0; i < 100; i++) {
		net_info(mgr, "n1", &info);
		if (!info.switch_alive)
			break;
		harness_pause_ms(50);
	}
	assert_false(info.switch_alive);
	harness_pause_ms(2500); /* pings in flight when it died are counted */
	before = console_count(a, "PONG");
	harness_pause_ms(2000);
	assert_int_equal(console_count(a, "PONG"), before); /* nothing crosses a dead switch */
	assert_int_equal(vmc_network_create(mgr, "n1", NULL), 0);
	net_info(mgr, "n1", &info);
	assert_true(info.switch_alive);
	assert_int_equal(info.n_ports, 2);
	after = before;
	for (int i = 0; i < 600 && after < before + 3; i++) {
		harness_pause_ms(100);
		after = console_count(a, "PONG");
	}
	print_message("A's pings to B: %d before the switch was killed, %d after it restarted\n",
		      before, after);
	assert_true(after >= before + 3);

	/* a stopped VM's port goes; its address stays until it is removed */
	assert_int_equal(vmc_manager_stop(mgr, a, 30000, NULL), 0);
	net_info(mgr, "n1", &info);
	assert_int_equal(info.n_ports, 1);
	assert_int_equal(info.n_addrs, 2);
	assert_int_equal(vmc_manager_remove(mgr, a, 0), 0);
	remove_vm(mgr, b);
	remove_vm(mgr, c);
	net_info(mgr, "n1", &info);
	assert_int_equal(info.n_addrs, 0);
	assert_int_equal(vmc_network_remove(mgr, "n1"), 0);
	assert_int_equal(vmc_network_remove(mgr, "n2"), 0);
	assert_int_equal(vmc_network_remove(mgr, "n2"), VMC_ENOTFOUND);

	snprintf(nets, sizeof(nets), "%s/networks", H.state_dir);
	assert_int_equal(entries(nets), 0);
	snprintf(nets, sizeof(nets), "%s/default", H.state_dir);
	assert_int_equal(entries(nets), 0);
	assert_int_equal(harness_count_procs(H.state_dir), 0); /* switches and shims */
	snprintf(tag, sizeof(tag), "guest=default/n%c-%d", 'a', (int)getpid());
	assert_int_equal(harness_count_procs(tag), 0);
	vmc_manager_free(mgr);
}

/* After each test, passed or failed: whatever VMs and networks are left
 * go, so a failure leaves no switch, shim or QEMU running. */
static int teardown(void **state)
{
	vmc_network_info *nets = NULL;
	vmc_vm_info *vms = NULL;
	vmc_manager *mgr = NULL;
	size_t n = 0;

	(void)state;
	if (!H.state_dir[0] || vmc_manager_open(&mgr, H.state_dir) < 0)
		return 0;
	if (vmc_manager_list(mgr, &vms, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			char ref[2 * VMC_NAME_MAX + 2];

			snprintf(ref, sizeof(ref), "%s/%s", vms[i].ns, vms[i].name);
			vmc_manager_remove(mgr, ref, 1);
		}
	}
	vmc_free(vms);
	if (vmc_network_list(mgr, &nets, &n) == 0)
		for (size_t i = 0; i < n; i++)
			vmc_network_remove(mgr, nets[i].name);
	vmc_free(nets);
	vmc_manager_free(mgr);
	return 0;
}

/* Processes creating networks at once each get their own subnet. */
static void net_switch__concurrent_creates_get_distinct_subnets(void **state)
{
	enum { N = 6 };
	vmc_network_info *all = NULL;
	vmc_manager *mgr = NULL;
	pid_t pids[N];
	size_t n = 0;
	char dir[300];

	(void)state;
	if (!H.state_dir[0]) {
		print_message("skipped: %s\n", H.why_not);
		skip();
	}
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char name[16];
			vmc_manager *m = NULL;
			int rc;

			snprintf(name, sizeof(name), "p%d", i);
			rc = vmc_manager_open(&m, H.state_dir);
			if (rc == 0)
				rc = vmc_network_create(m, name, NULL);
			if (rc < 0)
				fprintf(stderr, "create %s: %s\n", name, vmc_error_last());
			_exit(rc == 0 ? 0 : 1);
		}
	}
	for (int i = 0; i < N; i++) {
		int status = -1;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(vmc_manager_open(&mgr, H.state_dir), 0);
	assert_int_equal(vmc_network_list(mgr, &all, &n), 0);
	assert_int_equal(n, N);
	for (size_t i = 0; i < n; i++) {
		assert_true(all[i].switch_alive);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(all[i].subnet, all[j].subnet);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(vmc_network_remove(mgr, all[i].name), 0);
	vmc_free(all);
	snprintf(dir, sizeof(dir), "%s/networks", H.state_dir);
	assert_int_equal(entries(dir), 0);
	assert_int_equal(harness_count_procs(H.state_dir), 0);
	vmc_manager_free(mgr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(net_switch__concurrent_creates_get_distinct_subnets,
					  teardown),
		cmocka_unit_test_teardown(net_switch__two_vms_ping_isolation_and_cleanup, teardown),
	};
	int rc;

	if (harness_init(&H) < 0)
		fprintf(stderr, "# %s\n", H.why_not);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_fini(&H);
	return rc;
}
