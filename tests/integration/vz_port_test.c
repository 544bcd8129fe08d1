/*
 * vz_port_test.c - socketpair ports as VZ's file-handle NICs get them,
 * against a real vmc-switch process: port_client_add_socketpair() (the
 * request, the fd passed with the reply over SCM_RIGHTS, close-on-exec,
 * frames both ways, broadcast, the port counted, replaced and removed, no
 * fd leaked) and vz_plan_open_nics() on a switch NIC plan (its fd from
 * the network's switch, a frame round trip through it), and that the
 * manager adds a path-mode port for a QEMU VM's switch NIC but none for a
 * VZ VM's (only the address). Portable code
 * that the macOS build uses, run here because vmc-switch runs here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/vz_plan.h"
#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "manager/manager.h"
#include "manager/network.h"
#include "net/port_client.h"
#include "switch_proc.h"
#include "vmc.h"

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x31 };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x32 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static unsigned port_count(const char *net)
{
	unsigned n = 99;

	assert_int_equal(port_client_count(net, &n), 0);
	return n;
}

static void start_switch(struct sw *s, const char *dir)
{
	char line[256];

	if (sw_start(s, dir, line, sizeof(line)) != 0)
		fail_msg("vmc-switch did not start: '%s'", line);
}

static void port_client__socketpair_ports(void **state)
{
	char dir[64], src_dir[80];
	uint8_t src[6];
	struct sw s;
	int fds_before, fd_old, type = 0;
	socklen_t tl = sizeof(type);

	(void)state;
	sw_make_dir(dir, sizeof(dir));
	/* no switch: a clear error, no fd */
	snprintf(src_dir, sizeof(src_dir), "%s/net", dir);
	s.nic[0] = 7;
	assert_int_equal(port_client_add_socketpair(src_dir, "a", &s.nic[0]), VMC_ENOTFOUND);
	assert_int_equal(s.nic[0], -1);

	start_switch(&s, dir);
	fds_before = count_fds();
	assert_int_equal(port_client_add_socketpair(s.net, "a", &s.nic[0]), 0);
	assert_int_equal(port_client_add_socketpair(s.net, "b", &s.nic[1]), 0);
	assert_int_equal(count_fds(), fds_before + 2); /* nothing else kept */
	for (int i = 0; i < 2; i++) {
		assert_true(s.nic[i] >= 0);
		assert_true(fcntl(s.nic[i], F_GETFD) & FD_CLOEXEC);
		assert_int_equal(getsockopt(s.nic[i], SOL_SOCKET, SO_TYPE, &type, &tl), 0);
		assert_int_equal(type, SOCK_DGRAM);
	}
	assert_int_equal(port_count(s.net), 2);
	json_decref(sw_port_stats(&s, "a"));

	/* broadcast from a reaches b (and not a), then unicast back, learned */
	sw_nic_send(&s, 0, BCAST, MAC_A, 60);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, src), 60);
	assert_memory_equal(src, MAC_A, 6);
	assert_int_equal(sw_nic_recv(&s, 0, QUIET_MS, NULL), -1);
	sw_nic_send(&s, 1, MAC_A, MAC_B, 100);
	assert_int_equal(sw_nic_recv(&s, 0, 2000, src), 100);
	assert_memory_equal(src, MAC_B, 6);
	assert_int_equal(sw_stat(&s, "a", "tx_frames"), 1);
	assert_int_equal(sw_stat(&s, "b", "rx_frames"), 1);

	/* the same name again (a VM that ended without its shim): replaced;
	 * the old socket's peer is gone, the new one works */
	fd_old = s.nic[0];
	assert_int_equal(port_client_add_socketpair(s.net, "a", &s.nic[0]), 0);
	assert_true(s.nic[0] != fd_old);
	assert_int_equal(port_count(s.net), 2);
	assert_int_equal(send(fd_old, "x", 1, MSG_NOSIGNAL), -1);
	close(fd_old);
	sw_nic_send(&s, 1, BCAST, MAC_B, 64);
	assert_int_equal(sw_nic_recv(&s, 0, 2000, NULL), 64);

	/* removed: gone from the count, its socket's peer closed */
	assert_int_equal(port_client_remove(s.net, "a"), 0);
	assert_int_equal(port_count(s.net), 1);
	assert_int_equal(send(s.nic[0], "x", 1, MSG_NOSIGNAL), -1);
	assert_int_equal(port_client_remove(s.net, "a"), 0); /* missing: not an error */
	assert_int_equal(port_client_remove(s.net, "b"), 0);
	assert_int_equal(port_count(s.net), 0);
	/* a name the switch refuses: its error, no fd */
	s.nic[2] = 7;
	assert_true(port_client_add_socketpair(s.net, "../x", &s.nic[2]) < 0);
	assert_int_equal(s.nic[2], -1);
	assert_non_null(strstr(vmc_error_last(), "vmc-switch"));
	sw_finish(&s);
}

static void vz_plan__open_nics_through_switch(void **state)
{
	char root[64], nets[96], vm_dir[128], kernel[160], net[160];
	unsigned char img[4096] = { 0 };
	vmc_config *cfg = NULL;
	struct vz_plan p;
	struct vz_plan_input in = {
		.limits = { .cpu_min = 1, .cpu_max = 8, .mem_min = 128ULL << 20,
			    .mem_max = 16ULL << 30 },
	};
	uint8_t src[6];
	json_t *port;
	struct sw s;
	int fd, snd = 0, rcv = 0;
	socklen_t sl = sizeof(int);

	(void)state;
	/* <root>/networks/net is both the switch's NETDIR and network "net" */
	snprintf(root, sizeof(root), "/tmp/vmc-vzport-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(nets, sizeof(nets), "%s/networks", root);
	snprintf(vm_dir, sizeof(vm_dir), "%s/default/vz1", root);
	snprintf(kernel, sizeof(kernel), "%s/Image", root);
	assert_int_equal(fs_mkdir_p(nets, 0700), 0);
	assert_int_equal(fs_mkdir_p(vm_dir, 0700), 0);
	memcpy(img + 0x38, "ARM\x64", 4); /* a raw arm64 Image header */
	fd = open(kernel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, sizeof(img)), (ssize_t)sizeof(img));
	close(fd);
	start_switch(&s, nets);
	snprintf(net, sizeof(net), "%s/net", nets);

	assert_int_equal(vmc_config_new(&cfg, "vz1"), 0);
	assert_int_equal(vmc_config_set_kernel(cfg, kernel), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, "net", NULL, "10.100.0.2/24",
					    NULL), 0);
	in.cfg = cfg;
	in.vm_dir = vm_dir;
	in.kernel_cache = root;
	assert_int_equal(vz_plan_build(&p, &in), 0);
	assert_int_equal(p.nics[1].attach, VZ_NIC_FILE_HANDLE);
	assert_string_equal(p.nics[1].net_dir, net);
	assert_int_equal(vz_plan_open_nics(&p), 0);
	assert_int_equal(p.nics[0].fd, -1); /* NAT: no socket */
	fd = p.nics[1].fd;
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &sl), 0);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, &sl), 0);
	assert_true(rcv >= 2 * snd); /* Apple's rule for file-handle NICs */
	port = sw_port_stats(&s, "10.100.0.2");
	assert_non_null(port);
	assert_true(json_is_null(json_object_get(port, "path"))); /* a socketpair port */
	json_decref(port);
	/* no bound path: nothing but the kernel's own files in the VM dir */
	assert_int_equal(access(vm_dir, F_OK), 0);
	{
		DIR *d = opendir(vm_dir);
		struct dirent *e;

		assert_non_null(d);
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				fail_msg("unexpected file '%s' in the VM directory", e->d_name);
		closedir(d);
	}

	/* a frame the VM sends reaches another port on the switch, and back */
	assert_int_equal(port_client_add_socketpair(s.net, "peer", &s.nic[0]), 0);
	s.nic[1] = fd;
	sw_nic_send(&s, 1, BCAST, MAC_A, 80);
	assert_int_equal(sw_nic_recv(&s, 0, 2000, src), 80);
	assert_memory_equal(src, MAC_A, 6);
	sw_nic_send(&s, 0, MAC_A, MAC_B, 90);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, src), 90);
	assert_memory_equal(src, MAC_B, 6);
	s.nic[1] = -1; /* the plan's */

	/* the VM ends: the shim's removal takes the port by its name */
	netport_detach_vm(vm_dir, cfg);
	assert_int_equal(port_count(net), 1);
	vz_plan_free(&p);
	vmc_config_free(cfg);
	sw_finish(&s);
	fs_remove_tree(root);
}

static void vz_plan__open_nics_failure_leaves_no_port(void **state)
{
	char root[64], nets[96], vm_dir[128], kernel[160], net[160];
	unsigned char img[4096] = { 0 };
	vmc_config *cfg = NULL;
	struct vz_plan p;
	struct vz_plan_input in = {
		.limits = { .cpu_min = 1, .cpu_max = 8, .mem_min = 128ULL << 20,
			    .mem_max = 16ULL << 30 },
	};
	struct sw s;
	int fd, fds_before;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/vmc-vzport-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(nets, sizeof(nets), "%s/networks", root);
	snprintf(vm_dir, sizeof(vm_dir), "%s/default/vz2", root);
	snprintf(kernel, sizeof(kernel), "%s/Image", root);
	assert_int_equal(fs_mkdir_p(nets, 0700), 0);
	assert_int_equal(fs_mkdir_p(vm_dir, 0700), 0);
	memcpy(img + 0x38, "ARM\x64", 4);
	fd = open(kernel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, sizeof(img)), (ssize_t)sizeof(img));
	close(fd);
	start_switch(&s, nets);
	snprintf(net, sizeof(net), "%s/net", nets);

	/* the first NIC's switch runs, the second's network has none */
	assert_int_equal(vmc_config_new(&cfg, "vz2"), 0);
	assert_int_equal(vmc_config_set_kernel(cfg, kernel), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, "net", NULL, "10.100.0.3/24",
					    NULL), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, "other", NULL, "10.101.0.3/24",
					    NULL), 0);
	in.cfg = cfg;
	in.vm_dir = vm_dir;
	in.kernel_cache = root;
	assert_int_equal(vz_plan_build(&p, &in), 0);
	fds_before = count_fds();
	assert_int_equal(vz_plan_open_nics(&p), VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), "nic 1"));
	assert_int_equal(p.nics[0].fd, -1);
	assert_int_equal(p.nics[1].fd, -1);
	assert_int_equal(count_fds(), fds_before);
	assert_int_equal(port_count(net), 0); /* nic 0's port taken back */
	vz_plan_free(&p);
	vmc_config_free(cfg);
	sw_finish(&s);
	fs_remove_tree(root);
}

static vmc_config *vm_on_n1(const char *state, const char *name, char *dir, size_t len)
{
	vmc_config *cfg = NULL;

	assert_int_equal(vmc_config_new(&cfg, name), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, "n1", NULL, NULL, NULL), 0);
	snprintf(dir, len, "%s/default/%s", state, name);
	assert_int_equal(fs_mkdir_p(dir, 0700), 0);
	return cfg;
}

static void manager__no_path_port_for_vz(void **state)
{
	char root[64], net[128], dir_vz[128], dir_q[128];
	vmc_config *vz = NULL, *q = NULL, *vz_out = NULL, *q_out = NULL;
	vmc_manager *mgr = NULL;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/vmc-vzmgr-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(net, sizeof(net), "%s/networks/n1", root);
	assert_int_equal(vmc_manager_open(&mgr, root), 0);
	assert_int_equal(vmc_network_create(mgr, "n1", "10.123.0.0/24"), 0);
	vz = vm_on_n1(root, "vz", dir_vz, sizeof(dir_vz));
	q = vm_on_n1(root, "q", dir_q, sizeof(dir_q));

	/* VZ: an address, no port (its shim asks for a socketpair port) */
	assert_int_equal(mgr_net_attach(mgr, dir_vz, vz, VMC_BACKEND_VZ, &vz_out), 0);
	assert_non_null(vz_out);
	assert_string_equal(vz_out->nics[0].addr, "10.123.0.2/24");
	assert_int_equal(port_count(net), 0);
	/* QEMU: an address and a path-mode port whose peer is <vm dir>/net0.sock */
	assert_int_equal(mgr_net_attach(mgr, dir_q, q, VMC_BACKEND_QEMU, &q_out), 0);
	assert_string_equal(q_out->nics[0].addr, "10.123.0.3/24");
	assert_int_equal(port_count(net), 1);
	{
		json_t *req = json_pack("{s:s}", "op", "ports"), *rep = NULL, *p;
		char peer[160];

		assert_int_equal(port_client_request(net, req, 5000, &rep), 0);
		p = json_array_get(json_object_get(rep, "ports"), 0);
		snprintf(peer, sizeof(peer), "%s/net0.sock", dir_q);
		assert_string_equal(json_string_value(json_object_get(p, "name")), "10.123.0.3");
		assert_string_equal(json_string_value(json_object_get(p, "peer")), peer);
		json_decref(rep);
		json_decref(req);
	}
	mgr_net_detach(mgr, dir_q, q_out);
	mgr_net_detach(mgr, dir_vz, vz_out);
	assert_int_equal(port_count(net), 0);
	assert_int_equal(vmc_network_remove(mgr, "n1"), 0);
	vmc_config_free(q_out);
	vmc_config_free(vz_out);
	vmc_config_free(q);
	vmc_config_free(vz);
	vmc_manager_free(mgr);
	fs_remove_tree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(port_client__socketpair_ports),
		cmocka_unit_test(vz_plan__open_nics_through_switch),
		cmocka_unit_test(vz_plan__open_nics_failure_leaves_no_port),
		cmocka_unit_test(manager__no_path_port_for_vz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
