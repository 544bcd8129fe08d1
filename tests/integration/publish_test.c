/*
 * publish_test.c - `vmc run --publish` end to end with real guests (TCG
 * unless VMC_TEST_ACCEL=kvm), driven through the vmc CLI. Everything runs
 * in a network namespace this test makes (root only; skipped, saying why,
 * otherwise), so all traffic stays inside it: its loopback is the "host"
 * side, and a TAP device in it with 10.77.0.1/24 leads to guest T
 * (static 10.77.0.2 through vmc.net=). Guest U uses QEMU's user-mode NIC,
 * guest B a bridge network made with --netns (its own namespace, which
 * the shim's sockets towards the guest enter), guest W a switch network
 * made with --host (vmc-switch's TAP holds the subnet's .1).
 * Each guest serves HTTP (busybox httpd) and UDP echo (`/init udp-echo`).
 * Checked: TCP (a 1 MiB body, the request half-closed) and UDP through
 * 127.0.0.1 and ::1 for both guests; a published port with nothing behind
 * it resets that client and the next connection works; a host port in use
 * (by another VM, or by the test, UDP, on the user-mode path) fails `vmc
 * run` with the "already in use" message and leaves no shim; --publish on
 * a switch network without a host port is refused; after `vmc stop`
 * nothing listens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "harness.h"

#define TAP "vmcpub0"
#define BIG (1 << 20)
#define SCRIPT "mkdir /www; echo hello > /www/index.html;" \
	" yes 0123456789abcdef | head -c 1048576 > /www/big;" \
	" /init udp-echo 81 & exec httpd -f -p 80 -h /www"

static struct harness H;
static char netns[64];
static int ns_made;

/* The CLI with the harness's state dir; output (both streams) in out. */
static int vmc(char *out, size_t len, const char *const *args)
{
	return harness_cli_err(&H, out, len, HARNESS_STDERR_CAPTURE, args);
}

static int ip(const char *const *args)
{
	const char *argv[16] = { "ip" };
	char out[512];
	int n = 1, rc;

	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	rc = harness_run(argv, out, sizeof(out), HARNESS_STDERR_CAPTURE);
	if (rc != 0)
		print_message("ip %s: %s\n", args[0], out);
	return rc;
}

static void netns_remove(void)
{
	if (ns_made) {
		const char *del[] = { "netns", "del", netns, NULL };
		ip(del);
		ns_made = 0;
	}
}

static const char *accel(void)
{
	const char *a = getenv("VMC_TEST_ACCEL");
	return a && !strcmp(a, "kvm") ? "kvm" : "tcg";
}

static int group_setup(void **state)
{
	char path[128];
	int fd;

	(void)state;
	if (geteuid() != 0) {
		print_message("SKIP: needs root (a network namespace and a TAP device)\n");
		exit(77);
	}
	if (harness_init(&H) < 0) {
		print_message("SKIP: %s\n", H.why_not);
		exit(77);
	}
	snprintf(netns, sizeof(netns), "vmcpub%d", (int)getpid());
	const char *add[] = { "netns", "add", netns, NULL };
	if (ip(add) != 0) {
		print_message("SKIP: cannot make a network namespace (ip netns add)\n");
		harness_fini(&H);
		exit(77);
	}
	ns_made = 1;
	atexit(netns_remove); /* also when an assertion ends the run */
	/* this process and all it starts (vmc, shims, QEMU) live in it */
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	close(fd);
	const char *lo[] = { "link", "set", "lo", "up", NULL };
	const char *tap[] = { "tuntap", "add", "dev", TAP, "mode", "tap", NULL };
	const char *addr[] = { "addr", "add", "10.77.0.1/24", "dev", TAP, NULL };
	const char *up[] = { "link", "set", TAP, "up", NULL };
	assert_int_equal(ip(lo), 0);
	assert_int_equal(ip(tap), 0);
	assert_int_equal(ip(addr), 0);
	assert_int_equal(ip(up), 0);
	return 0;
}

static int group_teardown(void **state)
{
	const char *rm_t[] = { "rm", "-f", "t", NULL };
	const char *rm_u[] = { "rm", "-f", "u", NULL };

	(void)state;
	const char *rm_b[] = { "rm", "-f", "b", NULL };
	const char *rm_w[] = { "rm", "-f", "w", NULL };
	const char *net_rm[] = { "net", "rm", "pubbr", NULL };
	const char *net_rm_sw[] = { "net", "rm", "pubsw", NULL };

	vmc(NULL, 0, rm_t);
	vmc(NULL, 0, rm_u);
	vmc(NULL, 0, rm_b);
	vmc(NULL, 0, rm_w);
	vmc(NULL, 0, net_rm);
	vmc(NULL, 0, net_rm_sw);
	harness_fini(&H);
	netns_remove();
	return 0;
}

static struct sockaddr_storage addr_of(const char *ipaddr, unsigned int port, socklen_t *len)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ipaddr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, ipaddr, &s6->sin6_addr);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, ipaddr, &s4->sin_addr);
		*len = sizeof(*s4);
	}
	return ss;
}

/* GET path over ipaddr:port, the request half-closed; the body in buf.
 * Returns its length, -1 when the connection was refused or reset. */
static long http_get(const char *ipaddr, unsigned int port, const char *path, char *buf,
		     size_t len)
{
	socklen_t alen;
	struct sockaddr_storage ss = addr_of(ipaddr, port, &alen);
	struct timeval tv = { .tv_sec = 20 };
	char req[128];
	size_t got = 0;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, alen) < 0) {
		close(fd);
		return -1;
	}
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		close(fd);
		return -1;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t r = recv(fd, buf + got, len - 1 - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return -1; /* reset (or the 20 s timeout: fails below) */
		}
		if (r == 0)
			break;
		got += (size_t)r;
		assert_true(got < len - 1);
	}
	close(fd);
	buf[got] = '\0';
	char *body = strstr(buf, "\r\n\r\n");
	if (!body)
		return -1;
	body += 4;
	got -= (size_t)(body - buf);
	memmove(buf, body, got);
	return (long)got;
}

/* The guest's server may start a moment after READY: retry refusals. */
static long http_get_retry(const char *ipaddr, unsigned int port, const char *path, char *buf,
			   size_t len)
{
	long n = -1;

	for (int i = 0; i < 40 && n < 0; i++) {
		n = http_get(ipaddr, port, path, buf, len);
		if (n < 0)
			harness_pause_ms(250);
	}
	return n;
}

static void udp_echo(const char *ipaddr, unsigned int port)
{
	socklen_t alen;
	struct sockaddr_storage ss = addr_of(ipaddr, port, &alen);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char msg[64], buf[64];
	ssize_t n = -1;

	assert_int_equal(connect(fd, (struct sockaddr *)&ss, alen), 0);
	snprintf(msg, sizeof(msg), "ping %s %u", ipaddr, port);
	for (int i = 0; i < 20 && n < 0; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		send(fd, msg, strlen(msg), 0);
		if (poll(&p, 1, 500) == 1)
			n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	}
	if (n < 0)
		fail_msg("no udp echo through %s:%u", ipaddr, port);
	buf[n] = '\0';
	assert_string_equal(buf, msg);
	close(fd);
}

static void check_serving(const char *what, unsigned int tcp, unsigned int udp)
{
	static char buf[BIG + 4096];
	const char *pat = "0123456789abcdef\n";
	const char *hosts[] = { "127.0.0.1", "::1" };

	for (int h = 0; h < 2; h++) {
		long n = h == 0 ? http_get_retry(hosts[h], tcp, "/index.html", buf, sizeof(buf))
				: http_get(hosts[h], tcp, "/index.html", buf, sizeof(buf));
		if (n != 6 || memcmp(buf, "hello\n", 6) != 0)
			fail_msg("%s: GET /index.html through %s:%u: %ld bytes", what, hosts[h], tcp, n);
		n = http_get(hosts[h], tcp, "/big", buf, sizeof(buf));
		assert_int_equal(n, BIG);
		for (long i = 0; i < n; i++)
			if (buf[i] != pat[i % 17])
				fail_msg("%s: /big differs at byte %ld", what, i);
		udp_echo(hosts[h], udp);
	}
}

/* Processes whose command line has `needle` (a shim, a QEMU), once a
 * shim has had a moment to exit after its report or the VM's end. */
static int procs_wait(const char *needle)
{
	int n = 0;

	for (int i = 0; i < 40; i++) {
		n = harness_count_procs(needle);
		if (n == 0)
			break;
		harness_pause_ms(50);
	}
	return n;
}

static int procs_of(const char *name)
{
	char needle[400];

	snprintf(needle, sizeof(needle), "%s/default/%s", H.state_dir, name);
	return procs_wait(needle);
}

static int port_is_free(int type, const char *ipaddr, unsigned int port)
{
	socklen_t alen;
	struct sockaddr_storage ss = addr_of(ipaddr, port, &alen);
	int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0), ok, one = 1;

	/* as a server binds it: a connection in TIME_WAIT is no listener */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = bind(fd, (struct sockaddr *)&ss, alen) == 0 &&
	     (type != SOCK_STREAM || listen(fd, 1) == 0);
	close(fd);
	return ok;
}

/* Waits for the guest's udp-echo line, or for the line of a vmc-init
 * without that tool. 0 when it listens, -1 otherwise. */
static int udp_echo_wait(const char *name)
{
	char path[512], *text = NULL;
	int64_t deadline = clock_deadline(60000);
	int rc = -1;

	snprintf(path, sizeof(path), "%s/default/%s/serial.log", H.state_dir, name);
	while (clock_remaining_ms(deadline) > 0) {
		free(text);
		text = NULL;
		if (fs_read_file(path, 1 << 20, &text, NULL) == 0) {
			if (strstr(text, "udp-echo: listening")) {
				rc = 0;
				break;
			}
			if (strstr(text, "must run as PID 1"))
				break;
		}
		harness_pause_ms(100);
	}
	free(text);
	return rc;
}

static void publish__tap_and_user_nics(void **state)
{
	char out[4096];
	int64_t t0 = clock_mono_ms();

	(void)state;
	const char *run_t[] = { "run", "-d", "--accel", accel(), "--name", "t", "--net",
				"tap:" TAP ",ip=10.77.0.2/24", "--publish", "18080:80", "--publish",
				"18081:81/udp", "--publish", "18082:82", "--", "sh", "-c", SCRIPT,
				NULL };
	const char *run_u[] = { "run", "-d", "--accel", accel(), "--name", "u", "--net", "user",
				"--publish", "18180:80", "--publish", "18181:81/udp", "--", "sh",
				"-c", SCRIPT, NULL };
	if (vmc(out, sizeof(out), run_t) != 0)
		fail_msg("vmc run t: %s", out);
	if (vmc(out, sizeof(out), run_u) != 0)
		fail_msg("vmc run u: %s", out);
	/* a bridge network in a namespace of its own: the shim makes its
	 * sockets towards the guest in there */
	char brns[64];
	snprintf(brns, sizeof(brns), "vmcpubbr%d", (int)getpid());
	const char *net_create[] = { "net", "create", "pubbr", "--type", "bridge", "--netns", brns,
				     NULL };
	if (vmc(out, sizeof(out), net_create) != 0)
		fail_msg("vmc net create pubbr: %s", out);
	const char *run_b[] = { "run", "-d", "--accel", accel(), "--name", "b", "--net",
				"bridge:pubbr", "--publish", "18280:80", "--publish", "18281:81/udp",
				"--", "sh", "-c", SCRIPT, NULL };
	if (vmc(out, sizeof(out), run_b) != 0)
		fail_msg("vmc run b: %s", out);
	/* a switch network with a host port (a TAP of vmc-switch's) */
	const char *sw_create[] = { "net", "create", "pubsw", "--host", NULL };
	if (vmc(out, sizeof(out), sw_create) != 0)
		fail_msg("vmc net create pubsw --host: %s", out);
	const char *run_w[] = { "run", "-d", "--accel", accel(), "--name", "w", "--net",
				"switch:pubsw", "--publish", "18380:80", "--publish", "18381:81/udp",
				"--", "sh", "-c", SCRIPT, NULL };
	if (vmc(out, sizeof(out), run_w) != 0)
		fail_msg("vmc run w: %s", out);
	/* the shim listens from the start, on both loopbacks */
	assert_false(port_is_free(SOCK_STREAM, "127.0.0.1", 18080));
	assert_false(port_is_free(SOCK_STREAM, "::1", 18080));
	assert_false(port_is_free(SOCK_DGRAM, "::1", 18081));

	/* another VM (or anything) on a host port in use: a clear error at
	 * run time, and nothing left running */
	const char *run_c[] = { "run", "-d", "--accel", accel(), "--name", "c", "--net",
				"tap:" TAP ",ip=10.77.0.3/24", "--publish", "18080:80", "--", "true",
				NULL };
	assert_int_equal(vmc(out, sizeof(out), run_c), 1);
	if (!strstr(out, "--publish 18080: 127.0.0.1:18080/tcp is already in use"))
		fail_msg("unexpected error: %s", out);
	assert_int_equal(procs_of("c"), 0);
	const char *ls[] = { "ls", "--all", NULL };
	assert_int_equal(vmc(out, sizeof(out), ls), 0);
	assert_null(strstr(out, " c "));
	int busy = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t blen;
	struct sockaddr_storage bss = addr_of("127.0.0.1", 18091, &blen);
	assert_int_equal(bind(busy, (struct sockaddr *)&bss, blen), 0);
	const char *run_c2[] = { "run", "-d", "--accel", accel(), "--name", "c", "--net", "user",
				 "--publish", "18091:53/udp", "--", "true", NULL };
	assert_int_equal(vmc(out, sizeof(out), run_c2), 1);
	if (!strstr(out, "--publish 18091: 127.0.0.1:18091/udp is already in use"))
		fail_msg("unexpected error: %s", out);
	close(busy);
	assert_int_equal(procs_of("c"), 0);

	const char *wait_t[] = { "wait", "t", "--state", "ready", "--timeout", "150", NULL };
	const char *wait_u[] = { "wait", "u", "--state", "ready", "--timeout", "150", NULL };
	if (vmc(out, sizeof(out), wait_t) != 0)
		fail_msg("guest t not ready: %s", out);
	if (vmc(out, sizeof(out), wait_u) != 0)
		fail_msg("guest u not ready: %s", out);
	const char *wait_b[] = { "wait", "b", "--state", "ready", "--timeout", "150", NULL };
	if (vmc(out, sizeof(out), wait_b) != 0)
		fail_msg("guest b not ready: %s", out);
	const char *wait_w[] = { "wait", "w", "--state", "ready", "--timeout", "150", NULL };
	if (vmc(out, sizeof(out), wait_w) != 0)
		fail_msg("guest w not ready: %s", out);
	print_message("guests ready after %lld ms\n", (long long)(clock_mono_ms() - t0));
	/* the workloads' servers start after READY: wait for the UDP one's
	 * line (its absence, or an error instead, is in the failure) */
	const char *logs_t[] = { "logs", "t", NULL };
	const char *logs_u[] = { "logs", "u", NULL };
	if (udp_echo_wait("t") < 0 || udp_echo_wait("u") < 0 || udp_echo_wait("b") < 0 ||
	    udp_echo_wait("w") < 0) {
		char con[8192];
		vmc(con, sizeof(con), logs_t);
		if (strstr(con, "must run as PID 1")) {
			/* a guest built before `/init udp-echo` (scripts/test
			 * always builds it from this tree) */
			print_message("SKIP: the guest's vmc-init has no udp-echo tool: rebuild "
				      "it with guest/build --init BUILD/guest/vmc-init\n");
			group_teardown(NULL);
			exit(77);
		}
		print_message("--- t:\n%s\n", con);
		vmc(con, sizeof(con), logs_u);
		print_message("--- u:\n%s\n", con);
		fail_msg("no udp-echo in a guest");
	}

	check_serving("tap", 18080, 18081);
	check_serving("user", 18180, 18181);
	check_serving("bridge", 18280, 18281);
	check_serving("switch with a host port", 18380, 18381);

	/* nothing behind 18082: that client is reset, the forward serves on */
	char buf[256];
	assert_int_equal(http_get("127.0.0.1", 18082, "/", buf, sizeof(buf)), -1);
	assert_int_equal(http_get("::1", 18082, "/", buf, sizeof(buf)), -1);
	assert_int_equal(http_get("127.0.0.1", 18080, "/index.html", buf, sizeof(buf)), 6);

	/* after stop nothing listens */
	const char *stop_t[] = { "stop", "t", NULL };
	const char *stop_u[] = { "stop", "u", NULL };
	assert_int_equal(vmc(out, sizeof(out), stop_t), 0);
	assert_int_equal(vmc(out, sizeof(out), stop_u), 0);
	const char *stop_b[] = { "stop", "b", NULL };
	assert_int_equal(vmc(out, sizeof(out), stop_b), 0);
	const char *stop_w[] = { "stop", "w", NULL };
	assert_int_equal(vmc(out, sizeof(out), stop_w), 0);
	const char *hosts[] = { "127.0.0.1", "::1" };
	for (int h = 0; h < 2; h++) {
		assert_true(port_is_free(SOCK_STREAM, hosts[h], 18080));
		assert_true(port_is_free(SOCK_DGRAM, hosts[h], 18081));
		assert_true(port_is_free(SOCK_STREAM, hosts[h], 18082));
		assert_true(port_is_free(SOCK_STREAM, hosts[h], 18180));
		assert_true(port_is_free(SOCK_DGRAM, hosts[h], 18181));
		assert_true(port_is_free(SOCK_STREAM, hosts[h], 18280));
		assert_true(port_is_free(SOCK_DGRAM, hosts[h], 18281));
		assert_true(port_is_free(SOCK_STREAM, hosts[h], 18380));
		assert_true(port_is_free(SOCK_DGRAM, hosts[h], 18381));
	}
	/* the switch networks' vmc-switch processes stay until net rm */
	const char *rm_w[] = { "rm", "w", NULL };
	const char *rm_sw[] = { "net", "rm", "pubsw", NULL };
	assert_int_equal(vmc(out, sizeof(out), rm_w), 0);
	if (vmc(out, sizeof(out), rm_sw) != 0)
		fail_msg("vmc net rm pubsw: %s", out);
	assert_int_equal(procs_wait(H.state_dir), 0);
	print_message("publish test took %lld ms\n", (long long)(clock_mono_ms() - t0));
}

/* A switch network has no host port: refused before anything starts. */
static void publish__switch_network_refused(void **state)
{
	char out[2048];

	(void)state;
	const char *create[] = { "net", "create", "pubnet", NULL };
	const char *rm[] = { "net", "rm", "pubnet", NULL };
	if (vmc(out, sizeof(out), create) != 0)
		fail_msg("vmc net create: %s", out);
	const char *run_s[] = { "run", "-d", "--accel", accel(), "--name", "s", "--net",
				"switch:pubnet", "--publish", "18095:80", "--", "true", NULL };
	assert_int_equal(vmc(out, sizeof(out), run_s), 2); /* a config no NIC can carry */
	if (!strstr(out, "switch network 'pubnet' has no host port"))
		fail_msg("unexpected error: %s", out);
	assert_int_equal(procs_of("s"), 0);
	assert_int_equal(vmc(out, sizeof(out), rm), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(publish__tap_and_user_nics),
		cmocka_unit_test(publish__switch_network_refused),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
