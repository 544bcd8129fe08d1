/*
 * net_guest_test.c - real guests on vmc-switch networks. Three default
 * guests boot under QEMU (TCG unless VMC_TEST_ACCEL=kvm), started here
 * directly, each with `-netdev dgram` to a switch port and a static
 * address from vmc.net=: A (10.9.0.1) and B (10.9.0.2) on one switch,
 * C (10.9.0.3) on another. A and B ping each other and B sends A 4 MiB of
 * random bytes over TCP (busybox nc), both sides printing md5sums, while a
 * silent third port on their switch sees only the broadcasts; C pings A
 * and must fail. Then A and B's switch is killed and a new one started
 * on the same directory: B's pings to A get through again. Each guest's workload (vmc.exec) prints
 * "NETTEST key=value" lines this test reads from the console. Skips,
 * saying why, without a default guest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/accel.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "guest_vm.h"
#include "switch_proc.h"

#define LOG_MAX (128 * 1024)
#define GUEST_TIMEOUT_MS 150000 /* three TCG guests on a small, busy machine */

struct guest {
	const char *name;
	pid_t pid;
	int pidfd;
	int con;            /* QEMU's stdout: the serial console */
	char log[LOG_MAX + 1];
	size_t len;
	int exited;
};

static const char SCRIPT_A[] =
	"nc -l -p 5000 > /tmp/f; set -- $(md5sum < /tmp/f); echo NETTEST rx=$1; echo NETTEST bytes=$(wc -c < /tmp/f);"
	" ping -c 3 -w 30 10.9.0.2 > /dev/null; echo NETTEST ping=$?; echo NETTEST done=1; sleep 120";
static const char SCRIPT_B[] =
	"ping -c 3 -w 30 10.9.0.1 > /dev/null; echo NETTEST ping=$?;"
	" dd if=/dev/urandom of=/tmp/f bs=1024 count=4096 2> /dev/null;"
	" set -- $(md5sum < /tmp/f); echo NETTEST tx=$1;"
	" t=0; until nc -w 5 10.9.0.1 5000 < /tmp/f; do t=$((t+1)); [ $t -gt 20 ] && break;"
	" sleep 1; done; echo NETTEST nc=$t; echo NETTEST done=1; ping -i 0.3 10.9.0.1";
static const char SCRIPT_C[] =
	"sleep 5; ping -c 3 -w 8 10.9.0.1 > /dev/null; echo NETTEST ping=$?; echo NETTEST done=1;"
	" sleep 120";

/* vmc.exec's encoding: ',' separates arguments, so it and ' ' and '%'
 * are written %XX. */
static void encode(char *out, size_t len, const char *in)
{
	size_t o = 0;

	for (; *in && o + 4 < len; in++) {
		if (*in == ' ' || *in == ',' || *in == '%')
			o += (size_t)snprintf(out + o, len - o, "%%%02X", (unsigned char)*in);
		else
			out[o++] = *in;
	}
	out[o] = '\0';
}

static int guest_start(struct guest *g, const char *name, const char *kernel,
		       const char *initramfs, const char *ip, const char *mac,
		       const char *local, const char *remote, const char *script)
{
	char append[2048], exec[1024], dev[128], netdev[512], tsc[40] = "";
	unsigned long khz = 0;
	int tcg = strcmp(guest_vm_accel(), "tcg") == 0, pipefd[2];
	struct spawn_opts so;
	int n;

	memset(g, 0, sizeof(*g));
	g->name = name;
	g->pidfd = g->con = -1;
	encode(exec, sizeof(exec), script);
	if (tcg && accel_host_tsc_khz(&khz) == 0) /* PIT calibration hangs some TCG boots */
		snprintf(tsc, sizeof(tsc), " tsc_early_khz=%lu", khz);
	n = snprintf(append, sizeof(append),
		     "console=ttyS0 quiet cryptomgr.notests panic=-1%s"
		     " vmc.net=eth0,%s/24 vmc.exec=/bin/sh,-c,%s", tsc, ip, exec);
	assert_true(n > 0 && (size_t)n < sizeof(append));
	snprintf(dev, sizeof(dev), "virtio-net-device,netdev=n0,mac=%s", mac);
	snprintf(netdev, sizeof(netdev),
		 "dgram,id=n0,local.type=unix,local.path=%s,remote.type=unix,remote.path=%s",
		 local, remote);
	const char *argv[] = {
		"qemu-system-x86_64", "-M", "microvm", "-accel", tcg ? "tcg" : "kvm",
		"-cpu", tcg ? "max" : "host,-arch-capabilities", "-m", "256", "-smp", "1",
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-chardev", "stdio,id=con0", "-serial", "chardev:con0",
		"-kernel", kernel, "-initrd", initramfs, "-append", append,
		"-device", dev, "-netdev", netdev, NULL,
	};
	unlink(local); /* QEMU binds it and never removes it */
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = -1;
	so.stdout_fd = pipefd[1];
	so.stderr_fd = pipefd[1];
	so.death_signal = SIGKILL;
	if (spawn_process(&so, &g->pid) < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		g->pid = -1;
		return -1;
	}
	close(pipefd[1]);
	g->con = pipefd[0];
	fcntl(g->con, F_SETFL, O_NONBLOCK);
	g->pidfd = spawn_pidfd_open(g->pid);
	return 0;
}

static void guest_stop(struct guest *g)
{
	if (g->pid > 0) {
		kill(g->pid, SIGKILL);
		waitpid(g->pid, NULL, 0);
		g->pid = -1;
	}
	if (g->con >= 0)
		close(g->con);
	if (g->pidfd >= 0)
		close(g->pidfd);
	g->con = g->pidfd = -1;
}

/* The value of "NETTEST <key>=" at a line start in g's console, or NULL. */
static const char *value_of(struct guest *g, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p = g->log, *v;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "NETTEST %s=", key);
	while ((p = strstr(p, pat)) != NULL) {
		if (p == g->log || p[-1] == '\n' || p[-1] == '\r')
			break;
		p++;
	}
	if (!p)
		return NULL;
	v = p + strlen(pat);
	while (v[n] && v[n] != ' ' && v[n] != '\r' && v[n] != '\n' && n + 1 < len)
		n++;
	if (v[n] != ' ' && v[n] != '\r' && v[n] != '\n')
		return NULL; /* the line is not complete yet */
	memcpy(out, v, n);
	out[n] = '\0';
	return out;
}

/* value_of() that fails the test when the guest did not say it. */
static const char *must(struct guest *g, const char *key, char *out, size_t len)
{
	if (!value_of(g, key, out, len))
		fail_msg("guest %s printed no NETTEST %s=; console:\n%s", g->name, key, g->log);
	return out;
}

/* Reads the consoles for ms, or until g has printed `text` at least
 * `min` times; returns how many times it has. */
static int pump_count(struct guest *gs, int n, struct guest *g, const char *text, int min,
		      int ms)
{
	int64_t deadline = clock_deadline(ms);

	for (;;) {
		struct pollfd pfd[8];
		int count = 0;

		for (const char *p = g->log; (p = strstr(p, text)) != NULL; p++)
			count++;
		if ((min > 0 && count >= min) || clock_remaining_ms(deadline) == 0)
			return count;
		for (int i = 0; i < n; i++) {
			pfd[i].fd = gs[i].exited ? -1 : gs[i].con;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, clock_remaining_ms(deadline)) <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			ssize_t r;

			if (!pfd[i].revents)
				continue;
			r = read(gs[i].con, gs[i].log + gs[i].len, LOG_MAX - gs[i].len);
			if (r > 0) {
				gs[i].len += (size_t)r;
				gs[i].log[gs[i].len] = '\0';
			} else if (r == 0 || gs[i].len == LOG_MAX) {
				gs[i].exited = 1;
			}
		}
	}
}

/* Reads every console until each guest printed "NETTEST done=1". */
static int wait_done(struct guest *gs, int n, int timeout_ms)
{
	int64_t deadline = clock_deadline(timeout_ms);
	char v[8];

	for (;;) {
		struct pollfd pfd[8];
		int left = 0;

		for (int i = 0; i < n; i++) {
			pfd[i].fd = gs[i].exited ? -1 : gs[i].con;
			pfd[i].events = POLLIN;
			if (!value_of(&gs[i], "done", v, sizeof(v)))
				left++;
		}
		if (left == 0)
			return 0;
		if (clock_remaining_ms(deadline) == 0)
			return -1;
		if (poll(pfd, (nfds_t)n, clock_remaining_ms(deadline)) <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			ssize_t r;

			if (!pfd[i].revents)
				continue;
			r = read(gs[i].con, gs[i].log + gs[i].len, LOG_MAX - gs[i].len);
			if (r > 0) {
				gs[i].len += (size_t)r;
				gs[i].log[gs[i].len] = '\0';
			} else if (r == 0 || gs[i].len == LOG_MAX) {
				gs[i].exited = 1; /* QEMU is gone, or it says too much */
			}
		}
	}
}

static void add_port(struct sw *s, const char *name, char *local, char *remote, size_t len)
{
	snprintf(local, len, "%s/vm-%s.sock", s->dir, name);
	snprintf(remote, len, "%s/ports/%s.sock", s->net, name);
	if (!sw_reply_ok(sw_req(s, "{\"op\":\"add_port\",\"name\":\"%s\",\"peer\":\"%s\"}", name,
				local)))
		fail_msg("add_port %s failed", name);
}

static void net_guest__ping_tcp_and_isolation(void **state)
{
	char kernel[4096], initramfs[4096], why[256], line[256];
	char local[3][160], remote[3][160], rx[64], tx[64], v[64], d1[64], d2[64];
	struct guest *g = calloc(3, sizeof(*g));
	struct sw net1, net2;
	int i;

	assert_non_null(g);
	if (guest_vm_find(kernel, initramfs, sizeof(kernel), why, sizeof(why)) < 0) {
		printf("# skipped: %s\n", why);
		free(g);
		skip();
	}
	sw_make_dir(d1, sizeof(d1));
	sw_make_dir(d2, sizeof(d2));
	if (sw_start(&net1, d1, line, sizeof(line)) != 0 ||
	    sw_start(&net2, d2, line, sizeof(line)) != 0)
		fail_msg("vmc-switch did not start: '%s'", line);
	add_port(&net1, "a", local[0], remote[0], sizeof(local[0]));
	add_port(&net1, "b", local[1], remote[1], sizeof(local[1]));
	add_port(&net2, "c", local[2], remote[2], sizeof(local[2]));
	sw_nic_attach(&net1, 0); /* a silent third port on A and B's network */
	assert_int_equal(guest_start(&g[0], "A", kernel, initramfs, "10.9.0.1", "52:54:00:09:00:01",
				     local[0], remote[0], SCRIPT_A), 0);
	assert_int_equal(guest_start(&g[1], "B", kernel, initramfs, "10.9.0.2", "52:54:00:09:00:02",
				     local[1], remote[1], SCRIPT_B), 0);
	assert_int_equal(guest_start(&g[2], "C", kernel, initramfs, "10.9.0.3", "52:54:00:09:00:03",
				     local[2], remote[2], SCRIPT_C), 0);
	if (wait_done(g, 3, GUEST_TIMEOUT_MS) < 0) {
		for (i = 0; i < 3; i++)
			fprintf(stderr, "--- guest %s console:\n%s\n", g[i].name, g[i].log);
		fail_msg("guests did not finish their network checks in time");
	}
	/* A and B reach each other */
	assert_string_equal(must(&g[0], "ping", v, sizeof(v)), "0");
	assert_string_equal(must(&g[1], "ping", v, sizeof(v)), "0");
	/* 4 MiB over TCP, intact */
	assert_string_equal(must(&g[1], "nc", v, sizeof(v)), "0");
	must(&g[0], "rx", rx, sizeof(rx));
	must(&g[1], "tx", tx, sizeof(tx));
	assert_int_equal(strlen(tx), 32);
	assert_string_equal(rx, tx);
	assert_string_equal(must(&g[0], "bytes", v, sizeof(v)), "4194304");
	/* C, on the other network, cannot reach A: and nothing of it crossed */
	assert_string_not_equal(must(&g[2], "ping", v, sizeof(v)), "0");
	assert_true(sw_stat(&net2, "c", "rx_frames") > 0); /* it did try */
	assert_int_equal(sw_stat(&net2, "c", "tx_frames"), 0);
	/* learning: the third port saw the broadcasts (ARP), not the
	 * thousands of unicast frames between A and B */
	long spy = 0;
	while (sw_nic_recv(&net1, 0, 0, NULL) > 0)
		spy++;
	printf("# third port on switch 1 got %ld frames\n", spy);
	assert_true(spy > 0);
	assert_true(spy < 100);
	assert_true(sw_stat(&net1, "a", "tx_frames") > 2000);
	printf("# switch 1: a rx %lld tx %lld tx_drops %lld; b rx %lld tx %lld tx_drops %lld\n",
	       sw_stat(&net1, "a", "rx_frames"), sw_stat(&net1, "a", "tx_frames"),
	       sw_stat(&net1, "a", "tx_drops"), sw_stat(&net1, "b", "rx_frames"),
	       sw_stat(&net1, "b", "tx_frames"), sw_stat(&net1, "b", "tx_drops"));
	/* the switch dies under running guests (B pings A all the time now);
	 * a new one on the same directory with the same ports carries their
	 * traffic again: QEMU sends by path, the ports find QEMU's sockets */
	assert_int_equal(kill(net1.pid, SIGKILL), 0);
	assert_int_equal(sw_wait_exit(&net1, 5000), 128 + SIGKILL);
	close(net1.ctl);
	close(net1.pidfd);
	sw_close_nics(&net1);
	int before = pump_count(g, 3, &g[1], "bytes from 10.9.0.1", 0, 1500); /* in flight */
	if (sw_start(&net1, d1, line, sizeof(line)) != 0)
		fail_msg("vmc-switch did not restart: '%s'", line);
	add_port(&net1, "a", local[0], remote[0], sizeof(local[0]));
	add_port(&net1, "b", local[1], remote[1], sizeof(local[1]));
	int after = pump_count(g, 3, &g[1], "bytes from 10.9.0.1", before + 3, 30000);
	printf("# B's ping replies: %d before the switch was killed, %d after it restarted\n",
	       before, after);
	assert_true(after >= before + 3);
	for (i = 0; i < 3; i++)
		guest_stop(&g[i]);
	sw_finish(&net1);
	sw_finish(&net2);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(net_guest__ping_tcp_and_isolation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
