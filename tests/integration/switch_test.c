/*
 * switch_test.c - vmc-switch as a process: started with a report pipe,
 * driven over its control socket, with three datagram "NICs" made by the
 * test standing in for QEMU's `-netdev dgram`. Checks flooding without
 * echo, learning (unicast reaches one port only once learned), frame
 * size limits, counters, port removal at run time, isolation between two
 * switches, a burst that conserves frames (delivered + counted drops),
 * bad requests, and that shutdown (request or SIGTERM) leaves no socket
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
#include "vmc.h"

#define NPORTS 3
#define QUIET_MS 150 /* how long "nothing arrives" is watched */

struct sw {
	char dir[64];      /* test dir; the switch's netdir is dir/net */
	char net[80];
	pid_t pid;
	int pidfd;
	int ctl;
	char buf[65536];   /* control replies */
	size_t len;
	int nic[NPORTS];   /* the test's end of each port */
};

static const uint8_t MAC[NPORTS][6] = {
	{ 0x02, 0, 0, 0, 0, 0x10 }, { 0x02, 0, 0, 0, 0, 0x11 }, { 0x02, 0, 0, 0, 0, 0x12 },
};
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static uint8_t frame[65536 + 16];

static const char *switch_bin(void)
{
	const char *p = getenv("VMC_SWITCH");

	return p && p[0] ? p : "vmc-switch";
}

/* Starts vmc-switch on dir/net and waits for its report line; returns
 * the line's first word ("ok" -> 0). */
static int sw_start(struct sw *s, const char *dir, char *line, size_t line_len)
{
	const char *argv[] = { switch_bin(), "--dir", s->net, "--report-fd", "3", NULL };
	struct spawn_opts so;
	struct pollfd pfd;
	int pipefd[2], rc;
	size_t got = 0;

	memset(s, 0, sizeof(*s));
	s->ctl = -1;
	s->pidfd = -1;
	for (int i = 0; i < NPORTS; i++)
		s->nic[i] = -1;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->net, sizeof(s->net), "%s/net", dir);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = -1;
	so.stdout_fd = -1;
	so.stderr_fd = STDERR_FILENO;
	so.pass_fds[0] = pipefd[1];
	so.pass_to[0] = 3;
	so.n_pass_fds = 1;
	so.death_signal = SIGKILL;
	assert_int_equal(spawn_process(&so, &s->pid), 0);
	close(pipefd[1]);
	s->pidfd = spawn_pidfd_open(s->pid);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	while (got < line_len - 1 && poll(&pfd, 1, 5000) == 1) {
		ssize_t n = read(pipefd[0], line + got, line_len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = '\0';
	close(pipefd[0]);
	rc = strncmp(line, "ok ", 3) == 0 ? 0 : -1;
	if (rc == 0) {
		char path[128];
		snprintf(path, sizeof(path), "%s/switch.sock", s->net);
		assert_int_equal(unix_connect(path, &s->ctl), 0);
	}
	return rc;
}

/* Sends one request line and returns the reply (caller decrefs). */
static json_t *sw_req(struct sw *s, const char *fmt, ...)
{
	char text[1024];
	size_t tlen;
	struct pollfd pfd = { .fd = s->ctl, .events = POLLIN };
	int64_t deadline = clock_deadline(5000);
	va_list ap;
	char *nl;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text) - 1, fmt, ap);
	va_end(ap);
	tlen = strlen(text);
	text[tlen++] = '\n';
	assert_int_equal(unix_send_all(s->ctl, text, tlen), 0);
	while ((nl = memchr(s->buf, '\n', s->len)) == NULL) {
		ssize_t n;

		assert_int_equal(poll(&pfd, 1, clock_remaining_ms(deadline)), 1);
		n = read(s->ctl, s->buf + s->len, sizeof(s->buf) - s->len);
		assert_true(n > 0);
		s->len += (size_t)n;
	}
	*nl = '\0';
	json_t *rep = json_loads(s->buf, 0, NULL);
	assert_non_null(rep);
	s->len -= (size_t)(nl + 1 - s->buf);
	memmove(s->buf, nl + 1, s->len);
	return rep;
}

static int reply_ok(json_t *rep)
{
	int ok = json_is_true(json_object_get(rep, "ok"));

	json_decref(rep);
	return ok;
}

static int reply_code(json_t *rep)
{
	int code = (int)json_integer_value(json_object_get(rep, "code"));

	json_decref(rep);
	return code;
}

/* Makes the test's end of port i: a bound datagram socket (what QEMU's
 * local.path is) connected to the switch's port socket. */
static void nic_attach(struct sw *s, int i)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	json_t *rep;
	const char *path;

	s->nic[i] = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s->nic[i] >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/vm%d.sock", s->dir, i);
	unlink(a.sun_path);
	assert_int_equal(bind(s->nic[i], (struct sockaddr *)&a, sizeof(a)), 0);
	rep = sw_req(s, "{\"op\":\"add_port\",\"name\":\"p%d\",\"peer\":\"%s\"}", i, a.sun_path);
	path = json_string_value(json_object_get(json_object_get(rep, "port"), "path"));
	assert_non_null(path);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	json_decref(rep);
	assert_int_equal(connect(s->nic[i], (struct sockaddr *)&a, sizeof(a)), 0);
}

static void nic_send(struct sw *s, int i, const uint8_t *dst, const uint8_t *src, size_t len)
{
	memset(frame, 0, len > 14 ? len : 14);
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = 0x88; /* local experimental EtherType */
	frame[13] = 0xb5;
	if (len > 14)
		frame[14] = (uint8_t)(len & 0xff);
	assert_int_equal(send(s->nic[i], frame, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Length of the next frame on port i within ms, or -1. */
static ssize_t nic_recv(struct sw *s, int i, int ms, uint8_t *src_out)
{
	static uint8_t buf[65536 + 16];
	struct pollfd pfd = { .fd = s->nic[i], .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	n = recv(s->nic[i], buf, sizeof(buf), MSG_DONTWAIT);
	if (n >= 12 && src_out)
		memcpy(src_out, buf + 6, 6);
	return n;
}

static json_t *port_stats(struct sw *s, const char *name)
{
	json_t *rep = sw_req(s, "{\"op\":\"ports\"}"), *arr = json_object_get(rep, "ports"), *p;
	size_t i;

	json_array_foreach(arr, i, p) {
		if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0) {
			json_incref(p);
			json_decref(rep);
			return p;
		}
	}
	json_decref(rep);
	return NULL;
}

static long long stat_of(struct sw *s, const char *port, const char *key)
{
	json_t *p = port_stats(s, port);
	long long v;

	assert_non_null(p);
	v = json_integer_value(json_object_get(p, key));
	json_decref(p);
	return v;
}

/* Waits for the switch to exit; returns its exit status or -1. */
static int sw_wait_exit(struct sw *s, int ms)
{
	struct pollfd pfd = { .fd = s->pidfd, .events = POLLIN };
	int status;

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	if (waitpid(s->pid, &status, 0) != s->pid)
		return -1;
	s->pid = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void sw_close_nics(struct sw *s)
{
	for (int i = 0; i < NPORTS; i++) {
		if (s->nic[i] >= 0)
			close(s->nic[i]);
		s->nic[i] = -1;
	}
}

/* Shuts down (request), checks no socket file is left, removes dir. */
static void sw_finish(struct sw *s)
{
	struct stat st;
	char path[128];

	assert_true(reply_ok(sw_req(s, "{\"op\":\"shutdown\"}")));
	assert_int_equal(sw_wait_exit(s, 5000), 0);
	snprintf(path, sizeof(path), "%s/switch.sock", s->net);
	assert_int_equal(lstat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/ports", s->net);
	assert_int_equal(lstat(path, &st), -1); /* and no port socket in it */
	close(s->ctl);
	close(s->pidfd);
	sw_close_nics(s);
	fs_remove_tree(s->dir);
}

static void make_dir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/vmc-swtest-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void start3(struct sw *s)
{
	char dir[64], line[256];

	make_dir(dir, sizeof(dir));
	if (sw_start(s, dir, line, sizeof(line)) != 0)
		fail_msg("vmc-switch did not start: '%s'", line);
	for (int i = 0; i < NPORTS; i++)
		nic_attach(s, i);
}

static void switch__flood_learn_and_counters(void **state)
{
	struct sw s;
	uint8_t src[6];

	start3(&s);
	/* broadcast: everyone but the sender */
	nic_send(&s, 0, BCAST, MAC[0], 64);
	assert_int_equal(nic_recv(&s, 1, 2000, src), 64);
	assert_memory_equal(src, MAC[0], 6);
	assert_int_equal(nic_recv(&s, 2, 2000, NULL), 64);
	assert_int_equal(nic_recv(&s, 0, QUIET_MS, NULL), -1);
	/* MAC 0 is known now: unicast to it reaches port 0 only */
	nic_send(&s, 1, MAC[0], MAC[1], 100);
	assert_int_equal(nic_recv(&s, 0, 2000, src), 100);
	assert_memory_equal(src, MAC[1], 6);
	assert_int_equal(nic_recv(&s, 2, QUIET_MS, NULL), -1);
	/* unknown unicast floods */
	nic_send(&s, 1, MAC[2], MAC[1], 80);
	assert_int_equal(nic_recv(&s, 0, 2000, NULL), 80);
	assert_int_equal(nic_recv(&s, 2, 2000, NULL), 80);
	/* now MAC 1 is known too: port 2's reply goes to 1 alone */
	nic_send(&s, 2, MAC[1], MAC[2], 1500);
	assert_int_equal(nic_recv(&s, 1, 2000, NULL), 1500);
	assert_int_equal(nic_recv(&s, 0, QUIET_MS, NULL), -1);

	assert_int_equal(stat_of(&s, "p0", "rx_frames"), 1);
	assert_int_equal(stat_of(&s, "p0", "tx_frames"), 2);
	assert_int_equal(stat_of(&s, "p1", "rx_frames"), 2);
	assert_int_equal(stat_of(&s, "p1", "rx_bytes"), 180);
	assert_int_equal(stat_of(&s, "p1", "tx_frames"), 2);
	assert_int_equal(stat_of(&s, "p1", "tx_bytes"), 1564);
	assert_int_equal(stat_of(&s, "p2", "tx_frames"), 2);
	assert_int_equal(stat_of(&s, "p2", "tx_drops"), 0);
	json_t *rep = sw_req(&s, "{\"op\":\"ports\"}");
	assert_int_equal(json_integer_value(json_object_get(rep, "macs")), 3);
	json_decref(rep);
	sw_finish(&s);
}

static void switch__frame_sizes(void **state)
{
	struct sw s;
	int big = 1 << 20;

	start3(&s);
	setsockopt(s.nic[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	nic_send(&s, 0, BCAST, MAC[0], 10);      /* runt */
	nic_send(&s, 0, BCAST, MAC[0], 65536);   /* oversize */
	nic_send(&s, 0, BCAST, MAC[0], 14);      /* smallest */
	nic_send(&s, 0, BCAST, MAC[0], 65535);   /* largest */
	assert_int_equal(nic_recv(&s, 1, 2000, NULL), 14);
	assert_int_equal(nic_recv(&s, 1, 2000, NULL), 65535);
	assert_int_equal(nic_recv(&s, 1, QUIET_MS, NULL), -1);
	assert_int_equal(stat_of(&s, "p0", "rx_drops"), 2);
	assert_int_equal(stat_of(&s, "p0", "rx_frames"), 2);
	sw_finish(&s);
}

static void switch__port_removal(void **state)
{
	struct sw s;
	struct stat st;
	char path[160];

	start3(&s);
	nic_send(&s, 2, BCAST, MAC[2], 64); /* MAC 2 learned on p2 */
	assert_int_equal(nic_recv(&s, 0, 2000, NULL), 64);
	assert_int_equal(nic_recv(&s, 1, 2000, NULL), 64);
	assert_true(reply_ok(sw_req(&s, "{\"op\":\"remove_port\",\"name\":\"p2\"}")));
	snprintf(path, sizeof(path), "%s/ports/p2.sock", s.net);
	assert_int_equal(lstat(path, &st), -1);
	assert_null(port_stats(&s, "p2"));
	/* MAC 2 is forgotten: unicast to it floods to what is left */
	nic_send(&s, 0, MAC[2], MAC[0], 64);
	assert_int_equal(nic_recv(&s, 1, 2000, NULL), 64);
	assert_int_equal(nic_recv(&s, 2, QUIET_MS, NULL), -1);
	/* the port comes back under the same name, counters fresh */
	close(s.nic[2]);
	nic_attach(&s, 2);
	nic_send(&s, 0, BCAST, MAC[0], 64);
	assert_int_equal(nic_recv(&s, 2, 2000, NULL), 64);
	assert_int_equal(stat_of(&s, "p2", "tx_frames"), 1);
	assert_int_equal(stat_of(&s, "p2", "rx_frames"), 0);
	sw_finish(&s);
}

static void switch__isolation(void **state)
{
	struct sw a, b;

	start3(&a);
	start3(&b);
	nic_send(&a, 0, BCAST, MAC[0], 64);
	assert_int_equal(nic_recv(&a, 1, 2000, NULL), 64);
	for (int i = 0; i < NPORTS; i++)
		assert_int_equal(nic_recv(&b, i, i == 0 ? QUIET_MS : 0, NULL), -1);
	assert_int_equal(stat_of(&b, "p1", "tx_frames"), 0);
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

	start3(&s);
	nic_send(&s, 1, BCAST, MAC[1], 64); /* learn MAC 1 */
	assert_int_equal(nic_recv(&s, 0, 2000, NULL), 64);
	assert_int_equal(nic_recv(&s, 2, 2000, NULL), 64);
	for (int i = 0; i < N; i++) {
		nic_send(&s, 0, MAC[1], MAC[0], 64);
		while (nic_recv(&s, 1, 0, NULL) == 64) /* drain as we go */
			got++;
	}
	while (nic_recv(&s, 1, QUIET_MS, NULL) == 64)
		got++;
	drops = stat_of(&s, "p1", "tx_drops");
	assert_int_equal(stat_of(&s, "p0", "rx_frames"), N);
	assert_int_equal(got + drops, N);
	assert_true(got >= N / 2);
	assert_int_equal(nic_recv(&s, 2, 0, NULL), -1);
	sw_finish(&s);
}

static void switch__bad_requests_and_sigterm(void **state)
{
	struct sw s, other;
	struct stat st;
	char line[256], path[128];

	start3(&s);
	assert_int_equal(reply_code(sw_req(&s, "{\"op\":\"add_port\",\"name\":\"../x\","
					      "\"peer\":\"/tmp/x.sock\"}")), VMC_EINVAL);
	assert_int_equal(reply_code(sw_req(&s, "{\"op\":\"add_port\",\"name\":\"p0\","
					      "\"peer\":\"/tmp/x.sock\"}")), VMC_EEXISTS);
	assert_int_equal(reply_code(sw_req(&s, "{\"op\":\"add_port\",\"name\":\"q\","
					      "\"peer\":\"relative.sock\"}")), VMC_EINVAL);
	assert_int_equal(reply_code(sw_req(&s, "{\"op\":\"remove_port\",\"name\":\"zz\"}")),
			 VMC_ENOTFOUND);
	assert_int_equal(reply_code(sw_req(&s, "{\"op\":\"frobnicate\"}")), VMC_EINVAL);
	/* a second switch on the same directory refuses and touches nothing */
	assert_int_equal(sw_start(&other, s.dir, line, sizeof(line)), -1);
	assert_non_null(strstr(line, "in use"));
	assert_int_equal(sw_wait_exit(&other, 5000), 1);
	close(other.pidfd);
	nic_send(&s, 0, BCAST, MAC[0], 64);
	assert_int_equal(nic_recv(&s, 1, 2000, NULL), 64);
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
		cmocka_unit_test(switch__bad_requests_and_sigterm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
