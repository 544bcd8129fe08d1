/*
 * switch_test.c - vmc-switch as a process: started with a report pipe,
 * driven over its control socket, with three datagram "NICs" made by the
 * test standing in for QEMU's `-netdev dgram`. Checks flooding without
 * echo, learning (unicast reaches one port only once learned), frame
 * size limits, counters, port removal at run time, isolation between two
 * switches, a burst that conserves frames (delivered + counted drops),
 * a peer socket replaced at the same path (a restarted QEMU), the backlog
 * for a peer that reads slowly, a socketpair port passed over the control
 * socket (SCM_RIGHTS, for VZ), a restart over a killed switch's files, bad
 * requests, and that shutdown (request or SIGTERM) leaves no socket
 * file behind. No guest needed; every wait is a poll with a deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "core/unixsock.h"
#include "switch_proc.h"
#include "vmc.h"

#define VSW_TXQ_FRAMES_SEEN 256 /* the switch's backlog per port */

static const uint8_t MAC[NPORTS][6] = {
	{ 0x02, 0, 0, 0, 0, 0x10 }, { 0x02, 0, 0, 0, 0, 0x11 }, { 0x02, 0, 0, 0, 0, 0x12 },
};
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void switch__flood_learn_and_counters(void **state)
{
	struct sw s;
	uint8_t src[6];

	sw_start3(&s);
	/* broadcast: everyone but the sender */
	sw_nic_send(&s, 0, BCAST, MAC[0], 64);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, src), 64);
	assert_memory_equal(src, MAC[0], 6);
	assert_int_equal(sw_nic_recv(&s, 2, 2000, NULL), 64);
	assert_int_equal(sw_nic_recv(&s, 0, QUIET_MS, NULL), -1);
	/* MAC 0 is known now: unicast to it reaches port 0 only */
	sw_nic_send(&s, 1, MAC[0], MAC[1], 100);
	assert_int_equal(sw_nic_recv(&s, 0, 2000, src), 100);
	assert_memory_equal(src, MAC[1], 6);
	assert_int_equal(sw_nic_recv(&s, 2, QUIET_MS, NULL), -1);
	/* unknown unicast floods */
	sw_nic_send(&s, 1, MAC[2], MAC[1], 80);
	assert_int_equal(sw_nic_recv(&s, 0, 2000, NULL), 80);
	assert_int_equal(sw_nic_recv(&s, 2, 2000, NULL), 80);
	/* now MAC 1 is known too: port 2's reply goes to 1 alone */
	sw_nic_send(&s, 2, MAC[1], MAC[2], 1500);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, NULL), 1500);
	assert_int_equal(sw_nic_recv(&s, 0, QUIET_MS, NULL), -1);

	assert_int_equal(sw_stat(&s, "p0", "rx_frames"), 1);
	assert_int_equal(sw_stat(&s, "p0", "tx_frames"), 2);
	assert_int_equal(sw_stat(&s, "p1", "rx_frames"), 2);
	assert_int_equal(sw_stat(&s, "p1", "rx_bytes"), 180);
	assert_int_equal(sw_stat(&s, "p1", "tx_frames"), 2);
	assert_int_equal(sw_stat(&s, "p1", "tx_bytes"), 1564);
	assert_int_equal(sw_stat(&s, "p2", "tx_frames"), 2);
	assert_int_equal(sw_stat(&s, "p2", "tx_drops"), 0);
	json_t *rep = sw_req(&s, "{\"op\":\"ports\"}");
	assert_int_equal(json_integer_value(json_object_get(rep, "macs")), 3);
	json_decref(rep);
	sw_finish(&s);
}

static void switch__frame_sizes(void **state)
{
	struct sw s;
	int big = 1 << 20;

	sw_start3(&s);
	setsockopt(s.nic[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	sw_nic_send(&s, 0, BCAST, MAC[0], 10);      /* runt */
	sw_nic_send(&s, 0, BCAST, MAC[0], 65536);   /* oversize */
	sw_nic_send(&s, 0, BCAST, MAC[0], 14);      /* smallest */
	sw_nic_send(&s, 0, BCAST, MAC[0], 65535);   /* largest */
	assert_int_equal(sw_nic_recv(&s, 1, 2000, NULL), 14);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, NULL), 65535);
	assert_int_equal(sw_nic_recv(&s, 1, QUIET_MS, NULL), -1);
	assert_int_equal(sw_stat(&s, "p0", "rx_drops"), 2);
	assert_int_equal(sw_stat(&s, "p0", "rx_frames"), 2);
	sw_finish(&s);
}

static void switch__port_removal(void **state)
{
	struct sw s;
	struct stat st;
	char path[160];

	sw_start3(&s);
	sw_nic_send(&s, 2, BCAST, MAC[2], 64); /* MAC 2 learned on p2 */
	assert_int_equal(sw_nic_recv(&s, 0, 2000, NULL), 64);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, NULL), 64);
	assert_true(sw_reply_ok(sw_req(&s, "{\"op\":\"remove_port\",\"name\":\"p2\"}")));
	snprintf(path, sizeof(path), "%s/ports/p2.sock", s.net);
	assert_int_equal(lstat(path, &st), -1);
	assert_null(sw_port_stats(&s, "p2"));
	/* MAC 2 is forgotten: unicast to it floods to what is left */
	sw_nic_send(&s, 0, MAC[2], MAC[0], 64);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, NULL), 64);
	assert_int_equal(sw_nic_recv(&s, 2, QUIET_MS, NULL), -1);
	/* the port comes back under the same name, counters fresh */
	close(s.nic[2]);
	sw_nic_attach(&s, 2);
	sw_nic_send(&s, 0, BCAST, MAC[0], 64);
	assert_int_equal(sw_nic_recv(&s, 2, 2000, NULL), 64);
	assert_int_equal(sw_stat(&s, "p2", "tx_frames"), 1);
	assert_int_equal(sw_stat(&s, "p2", "rx_frames"), 0);
	sw_finish(&s);
}

static void switch__isolation(void **state)
{
	struct sw a, b;

	sw_start3(&a);
	sw_start3(&b);
	sw_nic_send(&a, 0, BCAST, MAC[0], 64);
	assert_int_equal(sw_nic_recv(&a, 1, 2000, NULL), 64);
	for (int i = 0; i < NPORTS; i++)
		assert_int_equal(sw_nic_recv(&b, i, i == 0 ? QUIET_MS : 0, NULL), -1);
	assert_int_equal(sw_stat(&b, "p1", "tx_frames"), 0);
	sw_finish(&a);
	sw_finish(&b);
}

/* 2000 frames as fast as the socket takes them: every one is either
 * delivered or counted as dropped, and most get through. */
static void switch__burst_conserves_frames(void **state)
{
	enum { N = 2000 };
	struct sw s;
	long got = 0;
	long long drops;

	sw_start3(&s);
	sw_nic_send(&s, 1, BCAST, MAC[1], 64); /* learn MAC 1 */
	assert_int_equal(sw_nic_recv(&s, 0, 2000, NULL), 64);
	assert_int_equal(sw_nic_recv(&s, 2, 2000, NULL), 64);
	for (int i = 0; i < N; i++) {
		sw_nic_send(&s, 0, MAC[1], MAC[0], 64);
		while (sw_nic_recv(&s, 1, 0, NULL) == 64) /* drain as we go */
			got++;
	}
	while (sw_nic_recv(&s, 1, QUIET_MS, NULL) == 64)
		got++;
	drops = sw_stat(&s, "p1", "tx_drops");
	assert_int_equal(sw_stat(&s, "p0", "rx_frames"), N);
	assert_int_equal(got + drops, N);
	assert_true(got >= N / 2);
	assert_int_equal(sw_nic_recv(&s, 2, 0, NULL), -1);
	sw_finish(&s);
}

/* The peer of port 0 goes away and a new socket is bound at the same path
 * (a restarted QEMU): the port follows it, both ways. */
static void switch__peer_restart(void **state)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct sw s;
	json_t *p;

	sw_start3(&s);
	sw_nic_send(&s, 0, BCAST, MAC[0], 64);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, NULL), 64);
	assert_int_equal(sw_nic_recv(&s, 2, 2000, NULL), 64);
	close(s.nic[0]);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/vm0.sock", s.dir);
	unlink(a.sun_path);
	s.nic[0] = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(s.nic[0], (struct sockaddr *)&a, sizeof(a)), 0);
	/* toward the new peer: delivered whether or not the switch has seen
	 * the new socket file yet (a refused send makes it reconnect) */
	sw_nic_send(&s, 1, BCAST, MAC[1], 64);
	assert_int_equal(sw_nic_recv(&s, 0, 2000, NULL), 64);
	assert_int_equal(sw_nic_recv(&s, 2, 2000, NULL), 64);
	/* the port talks to the new socket now, so the new socket may talk
	 * to it (before, the kernel refused it: EPERM) */
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/ports/p0.sock", s.net);
	assert_int_equal(connect(s.nic[0], (struct sockaddr *)&a, sizeof(a)), 0);
	sw_nic_send(&s, 0, MAC[1], MAC[0], 64);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, NULL), 64);
	p = sw_port_stats(&s, "p0");
	assert_true(json_is_true(json_object_get(p, "connected")));
	json_decref(p);
	sw_finish(&s);
}

/* A peer that does not connect back to its port (QEMU's dgram netdev)
 * takes only net.unix.max_dgram_qlen frames at a time; the switch keeps
 * a backlog for it instead of dropping, up to its bound. */
static void switch__slow_peer_backlog(void **state)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	struct sw s;
	long got = 0;

	sw_start3(&s);
	sw_nic_send(&s, 2, BCAST, MAC[2], 64); /* MAC 2 learned on p2 */
	assert_int_equal(sw_nic_recv(&s, 0, 2000, NULL), 64);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, NULL), 64);
	assert_int_equal(connect(s.nic[2], &sa, sizeof(sa)), 0); /* like QEMU */
	for (int round = 0; round < 2; round++) {
		int n = round == 0 ? 100 : 1000;
		long long drops0 = sw_stat(&s, "p2", "tx_drops");

		got = 0;
		for (int i = 0; i < n; i++)
			sw_nic_send(&s, 0, MAC[2], MAC[0], 64);
		/* a broadcast behind them: once p1 has it, the switch has
		 * dealt with every frame before it */
		sw_nic_send(&s, 0, BCAST, MAC[0], 64);
		assert_int_equal(sw_nic_recv(&s, 1, 2000, NULL), 64);
		while (sw_nic_recv(&s, 2, QUIET_MS, NULL) == 64)
			got++;
		long long drops = sw_stat(&s, "p2", "tx_drops") - drops0;
		assert_int_equal(got + drops, n + 1);
		if (round == 0)
			assert_int_equal(drops, 0);
		else
			assert_true(got >= VSW_TXQ_FRAMES_SEEN && drops > 0);
	}
	sw_finish(&s);
}

/* A socketpair port (VZ's file-handle NIC): the switch passes its other
 * end over the control socket; frames flow both ways with path ports. */
static void switch__socketpair_port(void **state)
{
	static const uint8_t mac_vz[6] = { 0x02, 0, 0, 0, 0, 0x20 };
	uint8_t buf[128], src[6];
	struct sw s;
	json_t *rep, *p;
	int fd = -1;

	sw_start3(&s);
	rep = sw_req_fd(&s, &fd, "{\"op\":\"add_port\",\"name\":\"vz\",\"socketpair\":true}");
	assert_true(json_is_true(json_object_get(rep, "ok")));
	assert_true(json_is_null(json_object_get(json_object_get(rep, "port"), "path")));
	json_decref(rep);
	assert_true(fd >= 0);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, BCAST, 6);
	memcpy(buf + 6, mac_vz, 6);
	assert_int_equal(send(fd, buf, 64, MSG_NOSIGNAL), 64);
	assert_int_equal(sw_nic_recv(&s, 0, 2000, src), 64);
	assert_memory_equal(src, mac_vz, 6);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, NULL), 64);
	/* unicast back to it, learned */
	sw_nic_send(&s, 2, mac_vz, MAC[2], 100);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 100);
	assert_memory_equal(buf + 6, MAC[2], 6);
	assert_int_equal(sw_nic_recv(&s, 0, QUIET_MS, NULL), -1);
	p = sw_port_stats(&s, "vz");
	assert_int_equal(json_integer_value(json_object_get(p, "rx_frames")), 1);
	assert_int_equal(json_integer_value(json_object_get(p, "tx_frames")), 1);
	json_decref(p);
	/* removed: the switch's end is closed */
	assert_true(sw_reply_ok(sw_req(&s, "{\"op\":\"remove_port\",\"name\":\"vz\"}")));
	assert_int_equal(send(fd, buf, 64, MSG_NOSIGNAL), -1);
	close(fd);
	sw_finish(&s);
}

/* A switch killed outright leaves its socket files; the next one on the
 * same directory replaces them and serves the same port names. */
static void switch__restart_after_kill(void **state)
{
	struct sw s, again;
	char line[256], path[160];
	struct stat st;

	sw_start3(&s);
	assert_int_equal(kill(s.pid, SIGKILL), 0);
	assert_int_equal(sw_wait_exit(&s, 5000), 128 + SIGKILL);
	close(s.ctl);
	close(s.pidfd);
	sw_close_nics(&s);
	if (sw_start(&again, s.dir, line, sizeof(line)) != 0)
		fail_msg("vmc-switch did not start over a dead one: '%s'", line);
	snprintf(path, sizeof(path), "%s/ports/p0.sock", again.net);
	assert_int_equal(lstat(path, &st), -1); /* the dead one's port socket went */
	for (int i = 0; i < NPORTS; i++)
		sw_nic_attach(&again, i);
	sw_nic_send(&again, 0, BCAST, MAC[0], 64);
	assert_int_equal(sw_nic_recv(&again, 1, 2000, NULL), 64);
	assert_int_equal(sw_nic_recv(&again, 2, 2000, NULL), 64);
	sw_finish(&again);
}

static void switch__bad_requests_and_sigterm(void **state)
{
	struct sw s, other;
	struct stat st;
	char line[256], path[128];

	sw_start3(&s);
	assert_int_equal(sw_reply_code(sw_req(&s, "{\"op\":\"add_port\",\"name\":\"../x\","
					      "\"peer\":\"/tmp/x.sock\"}")), VMC_EINVAL);
	assert_int_equal(sw_reply_code(sw_req(&s, "{\"op\":\"add_port\",\"name\":\"p0\","
					      "\"peer\":\"/tmp/x.sock\"}")), VMC_EEXISTS);
	assert_int_equal(sw_reply_code(sw_req(&s, "{\"op\":\"add_port\",\"name\":\"q\","
					      "\"peer\":\"relative.sock\"}")), VMC_EINVAL);
	assert_int_equal(sw_reply_code(sw_req(&s, "{\"op\":\"add_port\",\"name\":\"loop\","
					      "\"peer\":\"%s/ports/p0.sock\"}", s.net)), VMC_EINVAL);
	assert_int_equal(sw_reply_code(sw_req(&s, "{\"op\":\"remove_port\",\"name\":\"zz\"}")),
			 VMC_ENOTFOUND);
	assert_int_equal(sw_reply_code(sw_req(&s, "{\"op\":\"frobnicate\"}")), VMC_EINVAL);
	/* a second switch on the same directory refuses and touches nothing */
	assert_int_equal(sw_start(&other, s.dir, line, sizeof(line)), -1);
	assert_non_null(strstr(line, "in use"));
	assert_int_equal(sw_wait_exit(&other, 5000), 1);
	close(other.pidfd);
	sw_nic_send(&s, 0, BCAST, MAC[0], 64);
	assert_int_equal(sw_nic_recv(&s, 1, 2000, NULL), 64);
	/* SIGTERM: a clean exit too */
	assert_int_equal(kill(s.pid, SIGTERM), 0);
	assert_int_equal(sw_wait_exit(&s, 5000), 0);
	snprintf(path, sizeof(path), "%s/switch.sock", s.net);
	assert_int_equal(lstat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/ports", s.net);
	assert_int_equal(lstat(path, &st), -1);
	close(s.ctl);
	close(s.pidfd);
	sw_close_nics(&s);
	fs_remove_tree(s.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(switch__flood_learn_and_counters),
		cmocka_unit_test(switch__frame_sizes),
		cmocka_unit_test(switch__port_removal),
		cmocka_unit_test(switch__isolation),
		cmocka_unit_test(switch__burst_conserves_frames),
		cmocka_unit_test(switch__peer_restart),
		cmocka_unit_test(switch__slow_peer_backlog),
		cmocka_unit_test(switch__socketpair_port),
		cmocka_unit_test(switch__restart_after_kill),
		cmocka_unit_test(switch__bad_requests_and_sigterm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
