/*
 * net_bridge_test.c - bridge networks with NAT, with a real guest (TCG
 * unless VMC_TEST_ACCEL=kvm), entirely inside two network namespaces the
 * test makes (unshare; the machine's own network is never touched):
 * "outside" runs a TCP server on 198.18.0.2, "host" has the other end of
 * a veth (198.18.0.1, default route to outside) and is where this process
 * runs vmc. A bridge network with NAT is created; a guest on it sends a
 * line to the server, which must see it coming from 198.18.0.1
 * (masqueraded). Removing the network while the VM exists is refused;
 * the VM's TAP is gone once the VM has stopped; after the VM and the
 * network are removed, "host" has no vmc link, no nft table, and
 * ip_forward is back to 0. Crash recovery: a process creating a network
 * SIGKILLs itself (VMC_TEST_CRASH_AT) after making the bridge; its bridge
 * is left; the next create (of another network, dying after its NAT
 * chain) undoes it first; that one's bridge and table are left, and the
 * next vmc_network_list() undoes them (three processes listing at once:
 * all succeed, one undoes). Also: a two-queue TAP (tap.c) exists while its fds are open and
 * vanishes with them. With --netns (vmc_network_create_bridge's netns), the
 * bridge lives in a named namespace vmc makes, the guest's TAP joins it
 * there (the guest pings .1; two TAP queues, the guest sees a two-queue
 * NIC), and removal deletes the namespace; a namespace name someone else
 * has is refused and left alone, also by the recovery pass after a create
 * that died having recorded its own new namespace. Needs
 * root (skips, saying why, otherwise). The CLI is run the same way (in
 * "host"): net create --type bridge --nat --uplink, ls (text and JSON),
 * usage errors, rm; and no fd of this process is left behind. Two state
 * directories' NAT networks share ip_forward: it stays on until the last
 * one is removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "core/config.h"
#include "core/fsutil.h"
#include "harness.h"
#include "net/bridge.h"
#include "net/nat.h"
#include "net/netns.h"
#include "net/nl.h"
#include "net/tap.h"
#include "vmc.h"

#define OUTSIDE_ADDR "198.18.0.2"
#define HOST_ADDR "198.18.0.1"
#define SERVER_PORT 7777
#define VM_TIMEOUT_MS 120000

static struct harness H;
static int orig_ns = -1, outside_ns = -1, host_ns = -1;
static pid_t server_pid = -1;
static int server_pipe = -1;
static char why[256];

static int enter(int fd)
{
	return setns(fd, CLONE_NEWNET);
}

/* One connection on OUTSIDE_ADDR:SERVER_PORT: writes "<peer addr> <first
 * line>" to fd `out`. Runs in a child in the outside namespace. */
static void serve_once(int out)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(SERVER_PORT) };
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	char buf[256], line[320], ip[INET_ADDRSTRLEN];
	struct pollfd p;
	int s, c, one = 1;
	ssize_t n;

	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, OUTSIDE_ADDR, &a.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4) < 0)
		_exit(2);
	if (write(out, "listening\n", 10) != 10)
		_exit(2);
	p.fd = s;
	p.events = POLLIN;
	if (poll(&p, 1, VM_TIMEOUT_MS) <= 0)
		_exit(3);
	c = accept4(s, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	if (c < 0)
		_exit(4);
	n = read(c, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
	n = snprintf(line, sizeof(line), "%s %s\n", ip, buf);
	if (write(out, line, (size_t)n) != n)
		_exit(5);
	_exit(0);
}

static int link_up_by_name(struct nl *nl, const char *name)
{
	struct nl_link l;

	return nl_link_get(nl, name, &l) == 0 ? nl_link_set_up(nl, l.index, 1) : -1;
}

/* outside <-veth-> host, addresses, routes, the server. 0 or -1 (why). */
static int make_namespaces(void)
{
	struct nl nl;
	struct nl_link l;
	int pfd[2];
	char ready[16];

	orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig_ns < 0 || unshare(CLONE_NEWNET) < 0) {
		snprintf(why, sizeof(why), "cannot make a network namespace: %s", strerror(errno));
		return -1;
	}
	outside_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nl_open(&nl) < 0 || link_up_by_name(&nl, "lo") < 0)
		return -1;
	nl_close(&nl);
	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(link_up_by_name(&nl, "lo"), 0);
	assert_int_equal(nl_link_create(&nl, "hn-host", "veth", "hn-out", NULL), 0);
	assert_int_equal(nl_link_create(&nl, "hn-host", "veth", "hn-out2", NULL), VMC_EEXISTS);
	assert_non_null(strstr(vmc_error_last(), "create veth 'hn-host'"));
	assert_int_equal(nl_link_get(&nl, "hn-out", &l), 0);
	assert_string_equal(l.kind, "veth");
	assert_int_equal(nl_link_set_netns(&nl, l.index, outside_ns), 0);
	assert_int_equal(nl_link_get(&nl, "hn-out", &l), VMC_ENOTFOUND);
	assert_int_equal(nl_link_get(&nl, "hn-host", &l), 0);
	assert_int_equal(nl_addr_add(&nl, l.index, HOST_ADDR, 30), 0);
	assert_int_equal(nl_link_set_up(&nl, l.index, 1), 0);
	assert_int_equal(nl_route_add(&nl, "0.0.0.0", 0, OUTSIDE_ADDR, l.index), 0);
	nl_close(&nl);

	assert_int_equal(enter(outside_ns), 0);
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_link_get(&nl, "hn-out", &l), 0);
	assert_int_equal(nl_addr_add(&nl, l.index, OUTSIDE_ADDR, 30), 0);
	assert_int_equal(nl_link_set_up(&nl, l.index, 1), 0);
	nl_close(&nl);
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		close(pfd[0]);
		serve_once(pfd[1]);
	}
	close(pfd[1]);
	server_pipe = pfd[0];
	assert_int_equal(read(server_pipe, ready, 10), 10); /* it listens */
	assert_int_equal(enter(host_ns), 0);
	return 0;
}

/* Names of links in this namespace starting with "vmc" or of kind tun,
 * space-separated into out. */
static int list_cb(const struct nl_link *l, void *payload)
{
	char *out = payload;

	if (!strncmp(l->name, "vmc", 3) || !strcmp(l->kind, "tun"))
		snprintf(out + strlen(out), 512 - strlen(out), "%s ", l->name);
	return 0;
}

static void vmc_links(char out[512])
{
	struct nl nl;

	out[0] = '\0';
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_link_list(&nl, list_cb, out), 0);
	nl_close(&nl);
}

/* `nft list tables` in this namespace. */
static void nft_tables(char *out, size_t len)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

	assert_non_null(ctx);
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	assert_int_equal(nft_run_cmd_from_buffer(ctx, "list tables"), 0);
	snprintf(out, len, "%s", nft_ctx_get_output_buffer(ctx));
	nft_ctx_free(ctx);
}

static void ip_forward(char out[16])
{
	assert_int_equal(nat_sysctl_get("net.ipv4.ip_forward", out, 16), 0);
}

static void teardown_all(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
		server_pid = -1;
	}
	if (server_pipe >= 0)
		close(server_pipe);
	server_pipe = -1;
	if (orig_ns >= 0)
		(void)!enter(orig_ns);
	/* the namespaces (and the veth) go with their last fd */
	if (orig_ns >= 0)
		close(orig_ns);
	if (outside_ns >= 0)
		close(outside_ns);
	if (host_ns >= 0)
		close(host_ns);
	orig_ns = outside_ns = host_ns = -1;
}

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() == 0 && make_namespaces() < 0)
		fprintf(stderr, "# %s\n", why);
	return 0;
}

static int group_teardown(void **state)
{
	char ns[40];

	(void)state;
	teardown_all();
	/* a failed own_netns test leaves its named namespace: not on this host */
	snprintf(ns, sizeof(ns), "vmc-it-%d", (int)getpid());
	if (geteuid() == 0 && netns_delete(ns) < 0)
		fprintf(stderr, "# %s\n", vmc_error_last());
	snprintf(ns, sizeof(ns), "vmc-tn-%d", (int)getpid());
	if (geteuid() == 0 && netns_delete(ns) < 0)
		fprintf(stderr, "# %s\n", vmc_error_last());
	return 0;
}

static vmc_config *bridge_vm(const char *name, const char *net, const char *script)
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
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_BRIDGE, net, NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_set_exec(cfg, 3, argv), 0);
	return cfg;
}

/* Fails the test with `what` and the VM's console. */
static void fail_console(const char *vm, const char *what)
{
	char path[512], *log = NULL;

	snprintf(path, sizeof(path), "%s/default/%s/serial.log", H.state_dir, vm);
	fs_read_file(path, 1 << 20, &log, NULL);
	fail_msg("%s; console:\n%s", what, log ? log : "(none)");
}

static void start_ok(vmc_manager *mgr, vmc_config *cfg)
{
	int rc = vmc_manager_start(mgr, cfg);

	if (rc != 0)
		fail_msg("start '%s': %s", cfg->name, vmc_error_last());
	vmc_config_free(cfg);
}

static void skip_unless_root(int need_guest)
{
	if (geteuid() != 0) {
		print_message("skipped: bridge networks need root (CAP_NET_ADMIN)\n");
		skip();
	}
	if (need_guest && !H.have_guest) {
		print_message("skipped: %s\n", H.why_not);
		skip();
	}
	if (host_ns < 0) {
		print_message("skipped: %s\n", why[0] ? why : "no test namespaces");
		skip();
	}
}

static void net_bridge__guest_reaches_outside_through_nat(void **state)
{
	char net[32], vm[32], script[256], links[512], tables[512], fwd[16], line[320] = "";
	vmc_network_info *all = NULL;
	vmc_manager *mgr = NULL;
	vmc_config *got = NULL;
	size_t n = 0;
	ssize_t r;
	int fds;

	(void)state;
	skip_unless_root(1);
	fds = harness_count_fds();
	snprintf(net, sizeof(net), "b%d", (int)getpid() % 100000);
	snprintf(vm, sizeof(vm), "bvm-%d", (int)getpid());
	ip_forward(fwd);
	assert_string_equal(fwd, "0"); /* a fresh namespace */
	assert_int_equal(vmc_manager_open(&mgr, H.state_dir), 0);
	if (vmc_network_create_bridge(mgr, net, "10.213.0.0/24", VMC_NETWORK_NAT, NULL, NULL) != 0)
		fail_msg("create: %s", vmc_error_last());
	assert_int_equal(vmc_network_create_bridge(mgr, net, NULL, 0, NULL, NULL), VMC_EEXISTS);
	assert_int_equal(vmc_network_list(mgr, &all, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(all[0].type, VMC_NETWORK_BRIDGE);
	assert_true(all[0].nat);
	assert_string_equal(all[0].subnet, "10.213.0.0/24");
	vmc_free(all);
	vmc_links(links);
	assert_non_null(strstr(links, "vmc-b"));
	ip_forward(fwd);
	assert_string_equal(fwd, "1");

	snprintf(script, sizeof(script),
		 "echo hello-through-nat | nc %s %d && echo SENT-OK || echo SENT-FAILED; sleep 1",
		 OUTSIDE_ADDR, SERVER_PORT);
	start_ok(mgr, bridge_vm(vm, net, script));
	assert_int_equal(vmc_manager_config(mgr, vm, &got), 0);
	assert_string_equal(got->nics[0].addr, "10.213.0.2/24");
	assert_string_equal(got->nics[0].gateway, "10.213.0.1");
	vmc_config_free(got);
	if (harness_console_wait(&H, vm, "SENT-OK", VM_TIMEOUT_MS) != 0)
		fail_console(vm, "the guest did not reach the server");
	r = read(server_pipe, line, sizeof(line) - 1);
	assert_true(r > 0);
	line[r] = '\0';
	/* masqueraded: the server sees the host's veth address, not 10.213.0.2 */
	assert_string_equal(line, HOST_ADDR " hello-through-nat\n");

	assert_int_equal(vmc_network_remove(mgr, net), VMC_EBUSY);
	assert_non_null(strstr(vmc_error_last(), vm));
	assert_int_equal(vmc_manager_wait(mgr, vm, VMC_STATE_STOPPED, VM_TIMEOUT_MS, NULL), 0);
	vmc_links(links);
	assert_null(strstr(links, "vmct")); /* the TAP went with QEMU */
	assert_int_equal(vmc_manager_remove(mgr, vm, 0), 0);
	assert_int_equal(vmc_network_remove(mgr, net), 0);

	vmc_links(links);
	assert_string_equal(links, "");
	nft_tables(tables, sizeof(tables));
	assert_null(strstr(tables, "vmc"));
	ip_forward(fwd);
	assert_string_equal(fwd, "0");
	vmc_manager_free(mgr);
	assert_int_equal(harness_count_fds(), fds); /* nothing leaked in this process */
}

/* A child that creates network `net` and dies at `step`. */
static void crash_create(const char *net, const char *step)
{
	pid_t pid = fork();
	int status = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		vmc_manager *m = NULL;

		setenv(BRIDGE_CRASH_ENV, step, 1);
		if (vmc_manager_open(&m, H.state_dir) == 0)
			vmc_network_create_bridge(m, net, NULL, VMC_NETWORK_NAT, NULL, NULL);
		_exit(0); /* not reached when the hook works */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void net_bridge__recovery_undoes_a_crashed_create(void **state)
{
	char links[512], tables[512], fwd[16], dir[512];
	vmc_network_info *all = NULL;
	vmc_manager *mgr = NULL;
	struct stat st;
	size_t n = 0;

	(void)state;
	skip_unless_root(0);
	crash_create("crash1", "bridge");
	vmc_links(links);
	assert_string_equal(links, "vmc-crash1 ");
	/* the next create's recovery pass undoes crash1, then it dies too */
	crash_create("crash2", "nat");
	vmc_links(links);
	assert_string_equal(links, "vmc-crash2 ");
	nft_tables(tables, sizeof(tables));
	assert_non_null(strstr(tables, "table inet vmc"));
	snprintf(dir, sizeof(dir), "%s/networks/crash1", H.state_dir);
	assert_int_equal(stat(dir, &st), -1);

	/* three recovery passes at once (two children and this process):
	 * one undoes, the others wait for it and find nothing left */
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			vmc_manager *m = NULL;
			vmc_network_info *a = NULL;
			size_t c = 0;

			_exit(vmc_manager_open(&m, H.state_dir) == 0 &&
				      vmc_network_list(m, &a, &c) == 0 && c == 0 ? 0 : 1);
		}
	}
	assert_int_equal(vmc_manager_open(&mgr, H.state_dir), 0);
	assert_int_equal(vmc_network_list(mgr, &all, &n), 0); /* the recovery pass */
	assert_int_equal(n, 0);
	vmc_free(all);
	for (int k = 0; k < 2; k++) {
		int status = -1;

		assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	vmc_links(links);
	assert_string_equal(links, "");
	nft_tables(tables, sizeof(tables));
	assert_null(strstr(tables, "vmc"));
	ip_forward(fwd);
	assert_string_equal(fwd, "0");
	snprintf(dir, sizeof(dir), "%s/networks/crash2", H.state_dir);
	assert_int_equal(stat(dir, &st), -1);
	vmc_manager_free(mgr);
}

/* Two state directories with NAT networks in one namespace: the first
 * one removed leaves ip_forward on for the other; the last one puts it
 * back. */
static void net_bridge__forwarding_shared_across_state_dirs(void **state)
{
	char other[] = "/tmp/vmc-it-state-XXXXXX", fwd[16], links[512], tables[512];
	vmc_manager *m1 = NULL, *m2 = NULL;

	(void)state;
	skip_unless_root(0);
	ip_forward(fwd);
	assert_string_equal(fwd, "0");
	assert_non_null(mkdtemp(other));
	assert_int_equal(vmc_manager_open(&m1, H.state_dir), 0);
	assert_int_equal(vmc_manager_open(&m2, other), 0);
	if (vmc_network_create_bridge(m1, "fa", "10.216.0.0/24", VMC_NETWORK_NAT, NULL, NULL) != 0)
		fail_msg("create fa: %s", vmc_error_last());
	if (vmc_network_create_bridge(m2, "fb", "10.217.0.0/24", VMC_NETWORK_NAT, NULL, NULL) != 0)
		fail_msg("create fb: %s", vmc_error_last());
	ip_forward(fwd);
	assert_string_equal(fwd, "1");
	assert_int_equal(vmc_network_remove(m1, "fa"), 0);
	ip_forward(fwd);
	assert_string_equal(fwd, "1"); /* fb, of the other state directory, needs it */
	nft_tables(tables, sizeof(tables));
	assert_non_null(strstr(tables, "table inet vmc")); /* fb's chain is in it */
	assert_int_equal(vmc_network_remove(m2, "fb"), 0);
	ip_forward(fwd);
	assert_string_equal(fwd, "0");
	nft_tables(tables, sizeof(tables));
	assert_null(strstr(tables, "vmc"));
	vmc_links(links);
	assert_string_equal(links, "");
	vmc_manager_free(m1);
	vmc_manager_free(m2);
	assert_int_equal(fs_remove_tree(other), 0);
}

/* The CLI, run in this namespace like `ip netns exec host vmc ...`. */
static void net_bridge__cli(void **state)
{
	char out[2048], links[512], tables[512];
	int fds = harness_count_fds();

	(void)state;
	skip_unless_root(0);
	if (!H.cli[0]) {
		print_message("skipped: no VMC_CLI\n");
		skip();
	}
	assert_int_equal(harness_cli(&H, out, sizeof(out), (const char *const[]){ "net", "create",
		"wan", "--type", "bridge", "--subnet", "10.215.0.0/24", "--nat", "--uplink",
		"hn-host", NULL }), 0);
	assert_string_equal(out, "wan 10.215.0.0/24\n");
	assert_int_equal(harness_cli(&H, out, sizeof(out), (const char *const[]){ "net", "ls",
		NULL }), 0);
	assert_non_null(strstr(out, "bridge vmc-wan nat"));
	assert_int_equal(harness_cli(&H, out, sizeof(out), (const char *const[]){ "--json", "net",
		"ls", NULL }), 0);
	assert_non_null(strstr(out, "\"type\": \"bridge\""));
	nft_tables(tables, sizeof(tables));
	assert_non_null(strstr(tables, "table inet vmc"));
	/* usage errors: exit 2, nothing made */
	assert_int_equal(harness_cli(&H, out, sizeof(out), (const char *const[]){ "net", "create",
		"x", "--nat", NULL }), 2);
	assert_int_equal(harness_cli(&H, out, sizeof(out), (const char *const[]){ "net", "create",
		"x", "--type", "bridge", "--uplink", "eth0", NULL }), 2);
	assert_int_equal(harness_cli(&H, out, sizeof(out), (const char *const[]){ "net", "create",
		"x", "--type", "vde", NULL }), 2);
	assert_int_equal(harness_cli(&H, out, sizeof(out), (const char *const[]){ "net", "rm",
		"wan", NULL }), 0);
	vmc_links(links);
	assert_string_equal(links, "");
	nft_tables(tables, sizeof(tables));
	assert_null(strstr(tables, "vmc"));
	assert_int_equal(harness_count_fds(), fds);
}

/* A bridge name that is taken on the host: refused, and left alone (also
 * by the recovery pass after a create that died between recording the
 * bridge and making it); a subnet the host has is refused, and skipped by
 * the picker. */
static void net_bridge__existing_link_is_not_ours(void **state)
{
	char links[512], dir[512];
	vmc_manager *mgr = NULL;
	struct nl_link l;
	struct stat st;
	struct nl nl;

	(void)state;
	skip_unless_root(0);
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_link_create(&nl, "vmc-taken", "bridge", NULL, NULL), 0);
	assert_int_equal(nl_link_get(&nl, "vmc-taken", &l), 0);
	assert_int_equal(nl_addr_add(&nl, l.index, "fd00:7::1", 64), 0);
	assert_int_equal(nl_addr_add(&nl, l.index, "fd00:7::1", 64), VMC_EEXISTS);
	assert_int_equal(nl_addr_add(&nl, l.index, "fd00:7::1", 129), VMC_EINVAL);
	assert_int_equal(vmc_manager_open(&mgr, H.state_dir), 0);
	assert_int_equal(vmc_network_create_bridge(mgr, "taken", NULL, VMC_NETWORK_NAT, NULL, NULL),
			 VMC_EEXISTS);
	assert_non_null(strstr(vmc_error_last(), "'vmc-taken' exists"));
	vmc_links(links);
	assert_string_equal(links, "vmc-taken ");
	snprintf(dir, sizeof(dir), "%s/networks/taken", H.state_dir);
	assert_int_equal(stat(dir, &st), -1);
	/* a create that dies after recording the bridge, before trying to
	 * make it: the recovery pass must not delete the taken name's link */
	crash_create("taken", "link");
	assert_int_equal(stat(dir, &st), 0);
	{
		vmc_network_info *all = NULL;
		size_t n = 0;

		assert_int_equal(vmc_network_list(mgr, &all, &n), 0); /* the recovery pass */
		assert_int_equal(n, 0);
		vmc_free(all);
	}
	assert_int_equal(stat(dir, &st), -1);
	vmc_links(links);
	assert_string_equal(links, "vmc-taken ");

	/* subnets the host has: refused when given, skipped when picking */
	assert_int_equal(vmc_network_create_bridge(mgr, "ov", "198.18.0.0/24", 0, NULL, NULL),
			 VMC_EEXISTS);
	assert_non_null(strstr(vmc_error_last(), "overlaps 198.18.0.0/30 of a host interface"));
	/* likewise a switch network's host port (its TAP gets the .1) */
	assert_int_equal(vmc_network_create_switch(mgr, "ovs", "198.18.0.0/24",
						   VMC_NETWORK_HOST_PORT), VMC_EEXISTS);
	assert_non_null(strstr(vmc_error_last(), "overlaps 198.18.0.0/30 of a host interface"));
	assert_int_equal(nl_addr_add(&nl, l.index, "10.100.0.1", 24), 0);
	assert_int_equal(vmc_network_create_bridge(mgr, "pick", NULL, 0, NULL, NULL), 0);
	{
		vmc_network_info *all = NULL;
		size_t n = 0;

		assert_int_equal(vmc_network_list(mgr, &all, &n), 0);
		assert_int_equal(n, 1);
		assert_string_equal(all[0].subnet, "10.100.1.0/24");
		vmc_free(all);
	}
	assert_int_equal(vmc_network_remove(mgr, "pick"), 0);
	assert_int_equal(nl_link_delete(&nl, "vmc-taken"), 0);
	assert_int_equal(nl_link_delete(&nl, "vmc-taken"), VMC_ENOTFOUND);
	nl_close(&nl);
	vmc_manager_free(mgr);
}

/* A --netns name someone else has: refused and left alone, also by the
 * recovery pass after a create that died having recorded its new
 * namespace but before naming it. */
static void net_bridge__taken_netns_is_not_ours(void **state)
{
	unsigned long long id = 0, id2 = 0;
	vmc_network_info *all = NULL;
	vmc_manager *mgr = NULL;
	char ns[40], dir[512];
	struct stat st;
	pid_t pid;
	size_t n = 0;
	int status = 0;

	(void)state;
	skip_unless_root(0);
	snprintf(ns, sizeof(ns), "vmc-tn-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s/networks/tn", H.state_dir);
	assert_int_equal(netns_create(ns, NULL, NULL), 0); /* the user's */
	assert_int_equal(netns_id(ns, &id), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		vmc_manager *m = NULL;

		setenv(BRIDGE_CRASH_ENV, "netns", 1);
		if (vmc_manager_open(&m, H.state_dir) == 0)
			vmc_network_create_bridge(m, "tn", NULL, 0, NULL, ns);
		_exit(0); /* not reached when the hook works */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(vmc_manager_open(&mgr, H.state_dir), 0);
	assert_int_equal(vmc_network_list(mgr, &all, &n), 0); /* the recovery pass */
	assert_int_equal(n, 0);
	vmc_free(all);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(netns_id(ns, &id2), 0);
	assert_true(id2 == id);
	/* a create that finds the name taken: refused, the namespace kept */
	assert_int_equal(vmc_network_create_bridge(mgr, "tn", NULL, 0, NULL, ns), VMC_EEXISTS);
	assert_non_null(strstr(vmc_error_last(), "exists"));
	assert_int_equal(netns_id(ns, &id2), 0);
	assert_true(id2 == id);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(netns_delete(ns), 0);
	assert_int_equal(netns_id(ns, &id2), VMC_ENOTFOUND);
	vmc_manager_free(mgr);
}

static void net_bridge__own_netns(void **state)
{
	char net[32], vm[32], ns[40], path[96], links[512];
	vmc_network_info *all = NULL;
	vmc_manager *mgr = NULL;
	vmc_config *cfg;
	struct stat st;
	size_t n = 0;
	int saved = -1;

	(void)state;
	skip_unless_root(1);
	snprintf(net, sizeof(net), "n%d", (int)getpid() % 100000);
	snprintf(vm, sizeof(vm), "nvm-%d", (int)getpid());
	snprintf(ns, sizeof(ns), "vmc-it-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, ns);
	assert_int_equal(vmc_manager_open(&mgr, H.state_dir), 0);
	if (vmc_network_create_bridge(mgr, net, "10.214.0.0/24", VMC_NETWORK_NAT, NULL, ns) != 0)
		fail_msg("create: %s", vmc_error_last());
	assert_int_equal(vmc_network_list(mgr, &all, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(all[0].netns, ns);
	vmc_free(all);
	vmc_links(links);
	assert_string_equal(links, ""); /* not here: in its own namespace */
	assert_int_equal(netns_enter(ns, &saved), 0);
	vmc_links(links);
	assert_non_null(strstr(links, "vmc-n"));
	assert_int_equal(netns_leave(&saved), 0);
	/* a socket made in there routes from there: to .1 from .1 itself */
	{
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) }, from;
		socklen_t flen = sizeof(from);
		char ip[INET_ADDRSTRLEN];
		int fd = netns_socket(ns, AF_INET, SOCK_DGRAM, 0);

		assert_true(fd >= 0);
		inet_pton(AF_INET, "10.214.0.1", &to.sin_addr);
		assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&from, &flen), 0);
		inet_ntop(AF_INET, &from.sin_addr, ip, sizeof(ip));
		assert_string_equal(ip, "10.214.0.1");
		close(fd);
		assert_int_equal(netns_socket("vmc-no-such-ns", AF_INET, SOCK_DGRAM, 0),
				 VMC_ENOTFOUND);
	}

	/* the guest's TAP goes into that namespace's bridge: it reaches .1;
	 * two queues: QEMU gets two TAP fds, the guest a two-queue NIC */
	cfg = bridge_vm(vm, net, "ls /sys/class/net/eth0/queues | tr '\\n' ' '; echo;"
			" ping -c 2 -W 2 10.214.0.1 && echo PING-OK || echo PING-FAILED; sleep 1");
	assert_int_equal(vmc_config_set_nic_queues(cfg, 0, 2), 0);
	assert_int_equal(vmc_config_set_cpus(cfg, 2), 0); /* Linux uses a queue per vCPU */
	start_ok(mgr, cfg);
	if (harness_console_wait(&H, vm, "PING-OK", VM_TIMEOUT_MS) != 0)
		fail_console(vm, "the guest did not reach its bridge in its namespace");
	assert_int_equal(harness_console_wait(&H, vm, "rx-0 rx-1 tx-0 tx-1", 1000), 0);
	assert_int_equal(vmc_manager_wait(mgr, vm, VMC_STATE_STOPPED, VM_TIMEOUT_MS, NULL), 0);
	assert_int_equal(vmc_manager_remove(mgr, vm, 0), 0);
	assert_int_equal(vmc_network_remove(mgr, net), 0);
	assert_int_equal(stat(path, &st), -1);
	vmc_links(links);
	assert_string_equal(links, "");
	vmc_manager_free(mgr);
}

static void net_bridge__taps_vanish_with_their_fds(void **state)
{
	char name[IFNAMSIZ], links[512];
	int fds[2] = { -1, -1 };
	struct nl_link l;
	struct nl nl;

	(void)state;
	skip_unless_root(0);
	assert_int_equal(tap_open("hnq%d", 2, 1, fds, name), 0);
	assert_true(fds[0] >= 0 && fds[1] >= 0);
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_link_get(&nl, name, &l), 0);
	assert_string_equal(l.kind, "tun");
	assert_int_equal(tap_attach(name, "vmc-nosuchbr"), VMC_ENOTFOUND);
	close(fds[0]);
	assert_int_equal(nl_link_get(&nl, name, &l), 0); /* one queue still open */
	close(fds[1]);
	assert_int_equal(nl_link_get(&nl, name, &l), VMC_ENOTFOUND);
	/* an exact name that is taken (single queue, open) */
	assert_int_equal(tap_open("hns0", 1, 0, fds, name), 0);
	assert_int_equal(tap_open("hns0", 1, 0, fds + 1, name), VMC_EEXISTS);
	assert_int_equal(fds[1], -1);
	close(fds[0]);
	nl_close(&nl);
	vmc_links(links);
	assert_string_equal(links, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(net_bridge__taps_vanish_with_their_fds),
		cmocka_unit_test(net_bridge__recovery_undoes_a_crashed_create),
		cmocka_unit_test(net_bridge__existing_link_is_not_ours),
		cmocka_unit_test(net_bridge__cli),
		cmocka_unit_test(net_bridge__forwarding_shared_across_state_dirs),
		cmocka_unit_test(net_bridge__guest_reaches_outside_through_nat),
		cmocka_unit_test(net_bridge__own_netns),
		cmocka_unit_test(net_bridge__taken_netns_is_not_ours),
	};
	int rc;

	if (harness_init(&H) < 0)
		fprintf(stderr, "# %s\n", H.why_not);
	rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	harness_fini(&H);
	return rc;
}
