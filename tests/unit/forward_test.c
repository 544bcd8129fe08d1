/*
 * forward_test.c - the port forwarder (net/forward*.c) between real local
 * sockets, no guest: a loopback listener stands in for the guest's server.
 * TCP relay of 2 MiB both ways with checksums, half-close each way, a
 * refused connection that leaves the forward serving, the connection cap,
 * running out of fds (the listener pauses instead of spinning),
 * a rule waiting for the guest's address, "already in use" errors, the
 * IPv6 side (skipped where the host has no ::1), UDP flows per client with
 * replies to the right client, the flow cap and the idle timeout, and the
 * plan from a VM config (TAP NIC; user NIC with an IPv6 host address).
 * The test drives the forwarder's loop itself with fwd_dispatch().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "net/forward.h"

struct fx {
	struct fwd *f;
	int server;                      /* the "guest" listener */
	struct sockaddr_in guest;        /* its address */
	struct sockaddr_in host;         /* what the forwarder listens on */
};

static struct sockaddr_in loop4(unsigned int port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return s;
}

/* A port free on 127.0.0.1 (and, with v6, on ::1) for type, right now. */
static unsigned int free_port(int type)
{
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in s = loop4(0);
		socklen_t len = sizeof(s);
		int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), fd6;
		unsigned int port;

		assert_true(fd >= 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&s, sizeof(s)), 0);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&s, &len), 0);
		port = ntohs(s.sin_port);
		close(fd);
		fd6 = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
		if (fd6 < 0)
			return port;
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT,
					   .sin6_port = htons((uint16_t)port) };
		int ok = bind(fd6, (struct sockaddr *)&s6, sizeof(s6)) == 0 || errno == EADDRNOTAVAIL;
		close(fd6);
		if (ok)
			return port;
	}
	fail_msg("no free port");
	return 0;
}

static int have_v6(void)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	ok = bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;
	close(fd);
	return ok;
}

/* Runs the forwarder's loop for up to ms, or until fd (if >= 0) has ev. */
static void pump_until(struct fwd *f, int fd, short ev, int ms)
{
	int64_t deadline = clock_deadline(ms);

	for (;;) {
		struct pollfd p[2] = { { .fd = fwd_fd(f), .events = POLLIN },
				       { .fd = fd, .events = ev } };
		int n = poll(p, fd >= 0 ? 2 : 1, clock_remaining_ms(deadline));

		if (n <= 0)
			return;
		if (p[0].revents)
			fwd_dispatch(f);
		if (fd >= 0 && p[1].revents)
			return;
	}
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	socklen_t len = sizeof(fx->guest);
	int one = 1;

	fx->guest = loop4(0);
	fx->server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	setsockopt(fx->server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fx->server, (struct sockaddr *)&fx->guest, sizeof(fx->guest)), 0);
	assert_int_equal(listen(fx->server, 16), 0);
	assert_int_equal(getsockname(fx->server, (struct sockaddr *)&fx->guest, &len), 0);
	fx->host = loop4(free_port(SOCK_STREAM));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	fwd_free(fx->f);
	if (fx->server >= 0)
		close(fx->server);
	free(fx);
	return 0;
}

static void listen_tcp(struct fx *fx, const struct fwd_limits *lim)
{
	assert_int_equal(fwd_new(&fx->f, lim), 0);
	assert_int_equal(fwd_listen(fx->f, VMC_PROTO_TCP, (struct sockaddr *)&fx->host,
				    sizeof(fx->host), (struct sockaddr *)&fx->guest,
				    sizeof(fx->guest), 0, "--publish test"), 0);
}

static int client_connect(const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, sa, len), 0); /* the listen backlog takes it */
	return fd;
}

/* The guest side of the next relayed connection. */
static int guest_accept(struct fx *fx)
{
	int fd;

	pump_until(fx->f, fx->server, POLLIN, 5000);
	fd = accept4(fx->server, NULL, NULL, SOCK_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static uint32_t sum(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Sends n bytes from a to b through the forwarder (both blocking fds,
 * driven with MSG_DONTWAIT so the loop can run); returns b's checksum. */
static uint32_t transfer(struct fwd *f, int a, int b, const unsigned char *data, size_t n)
{
	unsigned char *got = malloc(n);
	size_t sent = 0, recvd = 0;
	int64_t deadline = clock_deadline(20000);

	assert_non_null(got);
	while (recvd < n) {
		assert_true(clock_remaining_ms(deadline) > 0);
		if (sent < n) {
			ssize_t w = send(a, data + sent, n - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w > 0)
				sent += (size_t)w;
		}
		pump_until(f, b, POLLIN, 20);
		ssize_t r = recv(b, got + recvd, n - recvd, MSG_DONTWAIT);
		if (r > 0)
			recvd += (size_t)r;
		else
			assert_true(r < 0 && errno == EAGAIN);
	}
	uint32_t h = sum(got, n);
	free(got);
	return h;
}

/* Reads until EOF (through the forwarder); returns the bytes read or -1
 * on a reset. */
static long read_to_eof(struct fwd *f, int fd, char *buf, size_t len)
{
	size_t got = 0;
	int64_t deadline = clock_deadline(5000);

	for (;;) {
		assert_true(clock_remaining_ms(deadline) > 0);
		pump_until(f, fd, POLLIN, 50);
		ssize_t r = recv(fd, buf + got, len - got, MSG_DONTWAIT);
		if (r == 0)
			return (long)got;
		if (r < 0 && errno == ECONNRESET)
			return -1;
		if (r > 0)
			got += (size_t)r;
	}
}

static void forward__tcp_relay_both_ways(void **state)
{
	struct fx *fx = *state;
	size_t n = 2u << 20;
	unsigned char *data = malloc(n);
	struct fwd_stats st;
	int c, g;

	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 7 + (i >> 11));
	listen_tcp(fx, NULL);
	c = client_connect((struct sockaddr *)&fx->host, sizeof(fx->host));
	g = guest_accept(fx);
	assert_int_equal(transfer(fx->f, c, g, data, n), sum(data, n));
	assert_int_equal(transfer(fx->f, g, c, data + 1, n - 1), sum(data + 1, n - 1));
	fwd_get_stats(fx->f, &st);
	assert_int_equal(st.conns, 1);
	assert_int_equal(st.accepted, 1);
	close(c);
	close(g);
	pump_until(fx->f, -1, 0, 100);
	fwd_get_stats(fx->f, &st);
	assert_int_equal(st.conns, 0);
	free(data);
}

/* The client stops sending; the guest still answers, then closes. */
static void forward__tcp_half_close(void **state)
{
	struct fx *fx = *state;
	char buf[64];
	struct fwd_stats st;
	int c, g;

	listen_tcp(fx, NULL);
	c = client_connect((struct sockaddr *)&fx->host, sizeof(fx->host));
	g = guest_accept(fx);
	assert_int_equal(send(c, "ping", 4, 0), 4);
	assert_int_equal(shutdown(c, SHUT_WR), 0);
	/* the guest sees the request, then EOF */
	assert_int_equal(read_to_eof(fx->f, g, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	/* and can still answer */
	assert_int_equal(send(g, "pong!", 5, 0), 5);
	pump_until(fx->f, c, POLLIN, 2000);
	assert_int_equal(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 5);
	fwd_get_stats(fx->f, &st);
	assert_int_equal(st.conns, 1); /* half open still */
	assert_int_equal(shutdown(g, SHUT_WR), 0);
	assert_int_equal(read_to_eof(fx->f, c, buf, sizeof(buf)), 0);
	pump_until(fx->f, -1, 0, 50);
	fwd_get_stats(fx->f, &st);
	assert_int_equal(st.conns, 0);
	close(c);
	close(g);

	/* the other way round: the guest ends first, the client goes on */
	c = client_connect((struct sockaddr *)&fx->host, sizeof(fx->host));
	g = guest_accept(fx);
	assert_int_equal(send(g, "bye", 3, 0), 3);
	assert_int_equal(shutdown(g, SHUT_WR), 0);
	assert_int_equal(read_to_eof(fx->f, c, buf, sizeof(buf)), 3);
	assert_int_equal(send(c, "late", 4, 0), 4);
	close(c);
	assert_int_equal(read_to_eof(fx->f, g, buf, sizeof(buf)), 4);
	close(g);
}

/* Nothing listens in the guest yet: that client is reset, the forward
 * keeps serving and the next one gets through. */
static void forward__tcp_refused_then_serves(void **state)
{
	struct fx *fx = *state;
	char buf[16];
	struct fwd_stats st;
	int c, g;

	close(fx->server); /* its port now refuses */
	fx->server = -1;
	listen_tcp(fx, NULL);
	c = client_connect((struct sockaddr *)&fx->host, sizeof(fx->host));
	assert_int_equal(read_to_eof(fx->f, c, buf, sizeof(buf)), -1);
	close(c);
	fwd_get_stats(fx->f, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.conns, 0);

	int one = 1;
	fx->server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	setsockopt(fx->server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fx->server, (struct sockaddr *)&fx->guest, sizeof(fx->guest)), 0);
	assert_int_equal(listen(fx->server, 16), 0);
	c = client_connect((struct sockaddr *)&fx->host, sizeof(fx->host));
	g = guest_accept(fx);
	assert_int_equal(transfer(fx->f, c, g, (const unsigned char *)"hello", 5),
			 sum((const unsigned char *)"hello", 5));
	close(c);
	close(g);
}

static void forward__tcp_connection_cap(void **state)
{
	struct fx *fx = *state;
	struct fwd_limits lim = { .max_conns = 2 };
	char buf[16];
	struct fwd_stats st;
	int c[3], g[2];

	listen_tcp(fx, &lim);
	for (int i = 0; i < 2; i++) {
		c[i] = client_connect((struct sockaddr *)&fx->host, sizeof(fx->host));
		g[i] = guest_accept(fx);
	}
	c[2] = client_connect((struct sockaddr *)&fx->host, sizeof(fx->host));
	assert_int_equal(read_to_eof(fx->f, c[2], buf, sizeof(buf)), -1);
	fwd_get_stats(fx->f, &st);
	assert_int_equal(st.conns, 2);
	assert_int_equal(st.refused, 1);
	for (int i = 0; i < 2; i++) {
		close(c[i]);
		close(g[i]);
	}
	close(c[2]);
}

/* Out of fds: the listener stops being polled (no busy loop on the
 * queued client) and is retried; once fds are free the client is served. */
static void forward__tcp_out_of_fds_pauses_listener(void **state)
{
	struct fx *fx = *state;
	struct rlimit old, low;
	struct fwd_stats st;
	int c, g, probe;

	listen_tcp(fx, NULL);
	c = client_connect((struct sockaddr *)&fx->host, sizeof(fx->host));
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	probe = dup(0); /* the lowest free fd: below the new limit none is left */
	assert_true(probe >= 0);
	close(probe);
	low = old;
	low.rlim_cur = (rlim_t)probe;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	for (int i = 0; i < 5; i++)
		fwd_dispatch(fx->f);
	/* paused: its queued client no longer wakes the loop */
	struct pollfd p = { .fd = fwd_fd(fx->f), .events = POLLIN };
	int woke = poll(&p, 1, 0);
	fwd_get_stats(fx->f, &st);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0); /* before any assert */
	assert_int_equal(woke, 0);
	assert_int_equal(st.accepted, 0);
	/* the retry tick takes it up again */
	g = guest_accept(fx);
	assert_int_equal(transfer(fx->f, c, g, (const unsigned char *)"fd", 2),
			 sum((const unsigned char *)"fd", 2));
	close(c);
	close(g);
}

/* No address yet: the client waits in the backlog, then gets through. */
static void forward__tcp_waits_for_guest_address(void **state)
{
	struct fx *fx = *state;
	int c, g;

	assert_int_equal(fwd_new(&fx->f, NULL), 0);
	assert_int_equal(fwd_listen(fx->f, VMC_PROTO_TCP, (struct sockaddr *)&fx->host,
				    sizeof(fx->host), NULL, 0, ntohs(fx->guest.sin_port), "--publish t"),
			 0);
	assert_int_equal(fwd_waiting(fx->f), 1);
	c = client_connect((struct sockaddr *)&fx->host, sizeof(fx->host));
	pump_until(fx->f, fx->server, POLLIN, 200);
	assert_int_equal(accept4(fx->server, NULL, NULL, SOCK_CLOEXEC), -1); /* not yet */
	assert_int_equal(fwd_set_guest(fx->f, "not-an-ip"), VMC_EINVAL);
	assert_int_equal(fwd_set_guest(fx->f, "127.0.0.1"), 0);
	assert_int_equal(fwd_waiting(fx->f), 0);
	g = guest_accept(fx);
	assert_int_equal(transfer(fx->f, c, g, (const unsigned char *)"x", 1),
			 sum((const unsigned char *)"x", 1));
	close(c);
	close(g);
}

static void forward__port_in_use(void **state)
{
	struct fx *fx = *state;
	struct sockaddr_in busy = fx->guest; /* the server listens there */
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in ub = loop4(0);
	socklen_t len = sizeof(ub);
	char want[128];

	assert_int_equal(fwd_new(&fx->f, NULL), 0);
	assert_int_equal(fwd_listen(fx->f, VMC_PROTO_TCP, (struct sockaddr *)&busy, sizeof(busy),
				    (struct sockaddr *)&fx->guest, sizeof(fx->guest), 0,
				    "--publish 8080"), VMC_EBUSY);
	snprintf(want, sizeof(want), "--publish 8080: 127.0.0.1:%u/tcp is already in use",
		 ntohs(busy.sin_port));
	assert_string_equal(vmc_error_last(), want);
	assert_int_equal(bind(u, (struct sockaddr *)&ub, sizeof(ub)), 0);
	assert_int_equal(getsockname(u, (struct sockaddr *)&ub, &len), 0);
	assert_int_equal(fwd_listen(fx->f, VMC_PROTO_UDP, (struct sockaddr *)&ub, sizeof(ub),
				    (struct sockaddr *)&fx->guest, sizeof(fx->guest), 0,
				    "--publish 53"), VMC_EBUSY);
	assert_non_null(strstr(vmc_error_last(), "/udp is already in use"));
	close(u);
}

static void forward__tcp_ipv6_host_side(void **state)
{
	struct fx *fx = *state;
	struct sockaddr_in6 h6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int c, g;

	if (!have_v6()) {
		print_message("skipped: no IPv6 loopback (::1) here\n");
		skip();
	}
	h6.sin6_port = fx->host.sin_port;
	assert_int_equal(fwd_new(&fx->f, NULL), 0);
	assert_int_equal(fwd_listen(fx->f, VMC_PROTO_TCP, (struct sockaddr *)&h6, sizeof(h6),
				    (struct sockaddr *)&fx->guest, sizeof(fx->guest), 0, "v6"), 0);
	c = client_connect((struct sockaddr *)&h6, sizeof(h6));
	g = guest_accept(fx);
	assert_int_equal(transfer(fx->f, g, c, (const unsigned char *)"six", 3),
			 sum((const unsigned char *)"six", 3));
	close(c);
	close(g);
}

/* ---------------------------------------------------------------- UDP */

struct ufx {
	int guest;                       /* the "guest" UDP socket */
	struct sockaddr_in gaddr, host;
};

static void udp_setup(struct fx *fx, struct ufx *u, const struct fwd_limits *lim)
{
	socklen_t len = sizeof(u->gaddr);

	u->gaddr = loop4(0);
	u->guest = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(u->guest, (struct sockaddr *)&u->gaddr, sizeof(u->gaddr)), 0);
	assert_int_equal(getsockname(u->guest, (struct sockaddr *)&u->gaddr, &len), 0);
	u->host = loop4(free_port(SOCK_DGRAM));
	assert_int_equal(fwd_new(&fx->f, lim), 0);
	assert_int_equal(fwd_listen(fx->f, VMC_PROTO_UDP, (struct sockaddr *)&u->host,
				    sizeof(u->host), (struct sockaddr *)&u->gaddr, sizeof(u->gaddr),
				    0, "--publish udp"), 0);
}

static int udp_client(const struct ufx *u)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_int_equal(connect(fd, (const struct sockaddr *)&u->host, sizeof(u->host)), 0);
	return fd;
}

/* The guest echoes one datagram with a prefix; returns where it came from. */
static struct sockaddr_in guest_echo(struct fx *fx, struct ufx *u)
{
	char buf[256], out[300];
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	ssize_t n;

	pump_until(fx->f, u->guest, POLLIN, 2000);
	n = recvfrom(u->guest, buf, sizeof(buf) - 1, MSG_DONTWAIT, (struct sockaddr *)&from, &len);
	assert_true(n > 0);
	buf[n] = '\0';
	int m = snprintf(out, sizeof(out), "echo:%s", buf);
	assert_int_equal(sendto(u->guest, out, (size_t)m, 0, (struct sockaddr *)&from, len), m);
	return from;
}

static void expect_reply(struct fx *fx, int fd, const char *want)
{
	char buf[256];
	ssize_t n;

	pump_until(fx->f, fd, POLLIN, 2000);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void forward__udp_flows_and_idle_timeout(void **state)
{
	struct fx *fx = *state;
	struct fwd_limits lim = { .udp_idle_ms = 200 };
	struct ufx u;
	struct fwd_stats st;
	struct sockaddr_in fa, fb, fa2;
	int a, b;

	udp_setup(fx, &u, &lim);
	a = udp_client(&u);
	b = udp_client(&u);
	assert_int_equal(send(a, "a1", 2, 0), 2);
	fa = guest_echo(fx, &u);
	assert_int_equal(send(b, "b1", 2, 0), 2);
	fb = guest_echo(fx, &u);
	expect_reply(fx, a, "echo:a1");
	expect_reply(fx, b, "echo:b1");
	/* one flow (one source port at the guest) per client */
	assert_int_not_equal(fa.sin_port, fb.sin_port);
	assert_int_equal(send(a, "a2", 2, 0), 2);
	fa2 = guest_echo(fx, &u);
	assert_int_equal(fa2.sin_port, fa.sin_port);
	expect_reply(fx, a, "echo:a2");
	fwd_get_stats(fx->f, &st);
	assert_int_equal(st.flows, 2);
	/* idle: both flows end within a few timer ticks */
	int64_t t0 = clock_mono_ms();
	while (st.flows > 0 && clock_mono_ms() - t0 < 3000) {
		pump_until(fx->f, -1, 0, 50);
		fwd_get_stats(fx->f, &st);
	}
	assert_int_equal(st.flows, 0);
	assert_int_equal(st.expired, 2);
	assert_true(clock_mono_ms() - t0 >= 100);
	/* a client coming back gets a new flow */
	assert_int_equal(send(a, "a3", 2, 0), 2);
	guest_echo(fx, &u);
	expect_reply(fx, a, "echo:a3");
	close(a);
	close(b);
	close(u.guest);
}

static void forward__udp_flow_cap(void **state)
{
	struct fx *fx = *state;
	struct fwd_limits lim = { .max_flows = 1 };
	struct ufx u;
	struct fwd_stats st;
	int a, b;

	udp_setup(fx, &u, &lim);
	a = udp_client(&u);
	b = udp_client(&u);
	assert_int_equal(send(a, "a", 1, 0), 1);
	guest_echo(fx, &u);
	expect_reply(fx, a, "echo:a");
	assert_int_equal(send(b, "b", 1, 0), 1);
	pump_until(fx->f, u.guest, POLLIN, 200);
	fwd_get_stats(fx->f, &st);
	assert_int_equal(st.flows, 1);
	assert_int_equal(st.udp_dropped, 1);
	close(a);
	close(b);
	close(u.guest);
}

/* ------------------------------------------------------------- plan */

static void forward__plan_tap_nic_binds_both_loopbacks(void **state)
{
	struct fx *fx = *state;
	vmc_config *cfg = NULL;
	struct fwd *second = NULL;
	unsigned int port = ntohs(fx->host.sin_port);
	char want[128];
	int c, g;

	assert_int_equal(vmc_config_new(&cfg, "p"), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "vmctap9", NULL, "127.0.0.1/8",
					    NULL), 0);
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, NULL, port,
						     ntohs(fx->guest.sin_port)), 0);
	assert_int_equal(fwd_plan_check(cfg, NULL), 0);
	assert_int_equal(fwd_new(&fx->f, NULL), 0);
	assert_int_equal(fwd_plan_apply(fx->f, cfg, NULL), 0);
	assert_int_equal(fwd_waiting(fx->f), 0); /* static address: serving now */
	c = client_connect((struct sockaddr *)&fx->host, sizeof(fx->host));
	g = guest_accept(fx);
	close(c);
	close(g);
	/* the same again: the port is taken */
	assert_int_equal(fwd_new(&second, NULL), 0);
	assert_int_equal(fwd_plan_apply(second, cfg, NULL), VMC_EBUSY);
	snprintf(want, sizeof(want), "--publish %u: 127.0.0.1:%u/tcp is already in use", port, port);
	assert_string_equal(vmc_error_last(), want);
	fwd_free(second);
	if (have_v6()) {
		struct sockaddr_in6 h6 = { .sin6_family = AF_INET6,
					   .sin6_addr = IN6ADDR_LOOPBACK_INIT,
					   .sin6_port = fx->host.sin_port };
		c = client_connect((struct sockaddr *)&h6, sizeof(h6));
		g = guest_accept(fx);
		close(c);
		close(g);
	}
	vmc_config_free(cfg);
}

static void forward__plan_user_nic_ipv6_relay_port(void **state)
{
	struct fx *fx = *state;
	vmc_config *cfg = NULL;
	unsigned int port = ntohs(fx->host.sin_port);

	if (!have_v6()) {
		print_message("skipped: no IPv6 loopback (::1) here\n");
		skip();
	}
	assert_int_equal(vmc_config_new(&cfg, "p"), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_UDP, "::1", port, 53), 0);
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, "127.0.0.1", port, 80), 0);
	assert_int_equal(fwd_new(&fx->f, NULL), 0);
	assert_int_equal(fwd_plan_apply(fx->f, cfg, NULL), 0);
	/* ::1 is the shim's, relayed to an IPv4 port hostfwd will take */
	assert_true(cfg->forwards[0].relay_port > 0);
	assert_int_equal(cfg->forwards[1].relay_port, 0);
	/* the IPv4 one was only probed: QEMU binds it */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&fx->host, sizeof(fx->host)), 0);
	close(fd);
	vmc_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(forward__tcp_relay_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(forward__tcp_half_close, setup, teardown),
		cmocka_unit_test_setup_teardown(forward__tcp_refused_then_serves, setup, teardown),
		cmocka_unit_test_setup_teardown(forward__tcp_connection_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(forward__tcp_out_of_fds_pauses_listener, setup,
						teardown),
		cmocka_unit_test_setup_teardown(forward__tcp_waits_for_guest_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(forward__port_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(forward__tcp_ipv6_host_side, setup, teardown),
		cmocka_unit_test_setup_teardown(forward__udp_flows_and_idle_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(forward__udp_flow_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(forward__plan_tap_nic_binds_both_loopbacks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(forward__plan_user_nic_ipv6_relay_port, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
