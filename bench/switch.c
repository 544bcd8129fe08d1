/*
 * bench/switch.c - L2 switch benchmark: vmc-switch against vde_switch
 * (Debian package vde2), both driven by the same generator in one run.
 *
 * Each switch gets two ports, A (generator) and B (sink), both unix
 * datagram sockets carrying one raw Ethernet frame per datagram
 * (switch_peers.c starts the switches and wires the ports: vmc's over its
 * control socket, vde_switch's through vde2's handshake). After both
 * MACs are learned (a broadcast from each side), per frame size:
 *   - throughput: one thread drives both ends, sendmmsg on A (32 frames a
 *     call, non-blocking) and recvmmsg on B, keeping at most --window
 *     frames in flight, for --seconds; then it waits out the stragglers
 *     (200 ms of silence ends the run). frames/s = delivered / (last
 *     receive - first send). One thread, so on a 2-CPU machine the
 *     generator has one CPU and the switch the other.
 *   - switch CPU per frame: the switch process's on-CPU time during the
 *     run (/proc/PID/schedstat) over the frames delivered; this is far
 *     less sensitive to other load on the machine than frames/s. "busy"
 *     is that CPU time over the run's length: well under 100 % means the
 *     generator (or other load), not the switch, set the frame rate, and
 *     1e9 / (cpu ns per frame) is what the switch would forward with a CPU
 *     of its own.
 *   - latency: --pings single frames, each sent on A and waited for on B
 *     (poll) before the next; one-way time through the switch, p50/p99.
 * Runs alternate vmc / vde, --rounds times; the median rate is reported.
 * Exit 0 when it ran (goal met or not), 2 when vmc-switch is missing or on
 * usage errors, 1 when a run failed. vde_switch missing or failing is
 * reported and vmc's numbers still printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "switch_peers.h"

#define BATCH 32
#define RX_BATCH 64
#define RX_BUF 2048
#define MAX_ROUNDS 15

static const uint8_t MAC_A[6] = { 0x02, 0x62, 0x65, 0x6e, 0x63, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0x62, 0x65, 0x6e, 0x63, 0x0b };

struct result {
	double rate[MAX_ROUNDS];
	double cpu_ns[MAX_ROUNDS];  /* switch CPU time per delivered frame */
	double p50_us, p99_us;
	uint64_t sent, delivered;
	int n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int64_t now_us(void)
{
	return clock_mono_us();
}

static void make_frame(uint8_t *f, size_t size, const uint8_t *dst, const uint8_t *src)
{
	memset(f, 0, size);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88; /* local experimental EtherType */
	f[13] = 0xb5;
}

/* Drains everything pending on fd; returns frames drained. */
static int drain(int fd, int wait_ms)
{
	uint8_t buf[RX_BUF];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = 0;

	while (poll(&pfd, 1, n ? 0 : wait_ms) == 1 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

static int learn(struct sw *s)
{
	uint8_t f[64];

	make_frame(f, sizeof(f), (const uint8_t *)"\xff\xff\xff\xff\xff\xff", MAC_B);
	if (send(s->data[1], f, sizeof(f), MSG_NOSIGNAL) < 0 || drain(s->data[0], 2000) < 1)
		return -1;
	make_frame(f, sizeof(f), (const uint8_t *)"\xff\xff\xff\xff\xff\xff", MAC_A);
	if (send(s->data[0], f, sizeof(f), MSG_NOSIGNAL) < 0 || drain(s->data[1], 2000) < 1)
		return -1;
	return 0;
}

/* CPU time the (single-threaded) switch has used, in ns, or -1. */
static long long cpu_ns_of(pid_t pid)
{
	char path[64], buf[128];
	long long ns = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/schedstat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		ns = strtoll(buf, NULL, 10);
	}
	return ns;
}

/* One throughput run; returns frames/s or -1. A single thread drives both
 * ends with at most `window` frames in flight (sent, not yet received), so
 * the sink never overflows and the rate is the switch's: on a 2-CPU
 * machine one CPU is the generator's and one the switch's. */
static double throughput(struct sw *s, size_t size, double seconds, int window,
			 struct result *res)
{
	static uint8_t bufs[RX_BATCH][RX_BUF], frame[RX_BUF];
	struct mmsghdr rx[RX_BATCH], tx[BATCH];
	struct iovec rv[RX_BATCH], tv = { .iov_base = frame, .iov_len = size };
	struct pollfd pfd[2] = { { .fd = s->data[1], .events = POLLIN },
				 { .fd = s->data[0], .events = POLLOUT } };
	uint64_t sent = 0, got = 0;
	int64_t t0, end, last = 0, now;

	make_frame(frame, size, MAC_B, MAC_A);
	memset(rx, 0, sizeof(rx));
	memset(tx, 0, sizeof(tx));
	for (int i = 0; i < RX_BATCH; i++) {
		rv[i].iov_base = bufs[i];
		rv[i].iov_len = RX_BUF;
		rx[i].msg_hdr.msg_iov = &rv[i];
		rx[i].msg_hdr.msg_iovlen = 1;
	}
	for (int i = 0; i < BATCH; i++) {
		tx[i].msg_hdr.msg_iov = &tv;
		tx[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now = now_us();
	end = t0 + (int64_t)(seconds * 1e6);
	while (now < end || sent > got) {
		uint64_t room = sent - got < (uint64_t)window ? (uint64_t)window - (sent - got) : 0;
		int n, progress = 0;

		if (now < end && room > 0) {
			n = sendmmsg(s->data[0], tx, room < BATCH ? (unsigned)room : BATCH,
				     MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				sent += (uint64_t)n;
				progress = 1;
			}
		}
		n = recvmmsg(s->data[1], rx, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n > 0) {
			got += (uint64_t)n;
			last = now_us();
			progress = 1;
		}
		if (!progress) {
			/* wait for the sink, or for room to send; a frame lost in
			 * the switch shows up as 200 ms of silence */
			pfd[1].fd = now < end && room > 0 ? s->data[0] : -1;
			if (poll(pfd, 2, 200) == 0)
				break;
		}
		now = now_us();
	}
	res->sent += sent;
	res->delivered += got;
	if (got == 0 || last <= t0)
		return -1;
	return (double)got * 1e6 / (double)(last - t0);
}

static int latency(struct sw *s, size_t size, int pings, double *p50, double *p99)
{
	static uint8_t f[RX_BUF], in[RX_BUF];
	double *lat = calloc((size_t)pings, sizeof(*lat));
	struct pollfd pfd = { .fd = s->data[1], .events = POLLIN };
	int ok = 0;

	if (!lat)
		return -1;
	drain(s->data[1], 50);
	make_frame(f, size, MAC_B, MAC_A);
	for (int i = 0; i < pings; i++) {
		int64_t t = now_us();

		if (send(s->data[0], f, size, MSG_NOSIGNAL) != (ssize_t)size)
			break;
		if (poll(&pfd, 1, 1000) != 1 || recv(s->data[1], in, sizeof(in), 0) <= 0)
			continue; /* lost */
		lat[ok++] = (double)(now_us() - t);
	}
	if (ok == 0) {
		free(lat);
		return -1;
	}
	qsort(lat, (size_t)ok, sizeof(*lat), cmp_double);
	*p50 = lat[ok / 2];
	*p99 = lat[(size_t)ok * 99 / 100];
	free(lat);
	return 0;
}

static const char *find_vmc_switch(const char *given)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n;

	if (given)
		return given;
	if (getenv("VMC_SWITCH") && getenv("VMC_SWITCH")[0])
		return getenv("VMC_SWITCH");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(path, sizeof(path), "%s/../src/net/vmc-switch", dirname(self));
		if (access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

static void print_row(const char *label, size_t size, struct result *r)
{
	double med;

	qsort(r->rate, (size_t)r->n, sizeof(double), cmp_double);
	qsort(r->cpu_ns, (size_t)r->n, sizeof(double), cmp_double);
	med = r->rate[r->n / 2];
	printf("%5zu  %-11s %12.0f %9.1f %8.0f %5.0f%% %11llu %11llu %6.2f%% %9.1f %8.1f\n", size,
	       label, med, med * (double)size * 8 / 1e6, r->cpu_ns[r->n / 2],
	       r->cpu_ns[r->n / 2] * med / 1e7,
	       (unsigned long long)r->sent,
	       (unsigned long long)r->delivered,
	       r->sent ? 100.0 * (double)(r->sent - r->delivered) / (double)r->sent : 0.0,
	       r->p50_us, r->p99_us);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "pings", required_argument, NULL, 'p' },
		{ "switch", required_argument, NULL, 'w' },
		{ "window", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	static const size_t sizes[] = { 64, 1500 };
	const char *given = NULL, *bin;
	double seconds = 1.0;
	int rounds = 3, pings = 2000, window = 256, c, vde_ok = 1, rc = 0;
	char base[] = "/tmp/vmc-bench-switch-XXXXXX", why[512] = "";
	struct result res[2][2];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			seconds = strtod(optarg, NULL);
		else if (c == 'r')
			rounds = (int)strtol(optarg, NULL, 10);
		else if (c == 'p')
			pings = (int)strtol(optarg, NULL, 10);
		else if (c == 'w')
			given = optarg;
		else if (c == 'W')
			window = (int)strtol(optarg, NULL, 10);
		else
			goto usage;
	}
	if (optind != argc || seconds <= 0 || seconds > 60 || rounds < 1 || rounds > MAX_ROUNDS ||
	    pings < 1 || pings > 1000000 || window < 1 || window > 100000)
		goto usage;
	bin = find_vmc_switch(given);
	if (!bin) {
		fprintf(stderr, "bench-switch: vmc-switch not found (--switch PATH or VMC_SWITCH)\n");
		return 2;
	}
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	memset(res, 0, sizeof(res));
	printf("bench/switch: 2 ports, unicast A->B after learning; %.1f s per run, %d runs "
	       "(median), window %d frames, %d pings; %ld CPUs\n", seconds, rounds, window, pings,
	       sysconf(_SC_NPROCESSORS_ONLN));
	for (size_t si = 0; si < 2; si++) {
		for (int r = 0; r < rounds; r++) {
			/* alternate which switch goes first, ABBA */
			for (int k = 0; k < 2; k++) {
				int which = (r % 2) ? 1 - k : k;
				struct sw s;
				double rate;

				if (which == 1 && !vde_ok)
					continue;
				bsw_init(&s, which ? "vde_switch" : "vmc-switch", which, base);
				if ((which ? bsw_start_vde(&s, why, sizeof(why))
					   : bsw_start_vmc(&s, bin, why, sizeof(why))) < 0 ||
				    learn(&s) < 0) {
					if (!why[0])
						snprintf(why, sizeof(why), "%s: MAC learning frames "
							 "were not delivered", s.label);
					bsw_stop(&s);
					if (which == 1) {
						vde_ok = 0;
						continue;
					}
					fprintf(stderr, "bench-switch: %s\n", why);
					rc = 1;
					goto out;
				}
				uint64_t before = res[si][which].delivered;
				long long cpu0 = cpu_ns_of(s.pid), cpu1;

				rate = throughput(&s, sizes[si], seconds, window, &res[si][which]);
				cpu1 = cpu_ns_of(s.pid);
				if (rate > 0) {
					struct result *rr = &res[si][which];
					uint64_t d = rr->delivered - before;

					rr->cpu_ns[rr->n] = cpu0 >= 0 && cpu1 >= cpu0 && d
						? (double)(cpu1 - cpu0) / (double)d : 0;
					rr->rate[rr->n++] = rate;
				}
				if (r == 0)
					latency(&s, sizes[si], pings, &res[si][which].p50_us,
						&res[si][which].p99_us);
				bsw_stop(&s);
			}
		}
	}
	printf("%5s  %-11s %12s %9s %8s %6s %11s %11s %7s %9s %8s\n", "size", "switch", "frames/s",
	       "Mbit/s", "cpu ns/f", "busy", "sent", "delivered", "loss", "p50 us", "p99 us");
	for (size_t si = 0; si < 2; si++)
		for (int w = 0; w < 2; w++)
			if (res[si][w].n > 0)
				print_row(w ? "vde_switch" : "vmc-switch", sizes[si], &res[si][w]);
	if (!vde_ok) {
		printf("vde_switch not measured: %s\n", why);
		goto out;
	}
	for (size_t si = 0; si < 2; si++) {
		double a, b;

		if (res[si][0].n == 0 || res[si][1].n == 0)
			continue;
		a = res[si][0].rate[res[si][0].n / 2];
		b = res[si][1].rate[res[si][1].n / 2];
		printf("ratio at %zu B: vmc-switch / vde_switch = %.2fx frames/s (goal >= 2x: %s); "
		       "switch CPU per frame %.2fx less; latency p50 %.2fx lower\n", sizes[si],
		       a / b, a / b >= 2 ? "met" : "MISSED",
		       res[si][0].cpu_ns[res[si][0].n / 2] > 0
			       ? res[si][1].cpu_ns[res[si][1].n / 2] / res[si][0].cpu_ns[res[si][0].n / 2]
			       : 0.0,
		       res[si][0].p50_us > 0 ? res[si][1].p50_us / res[si][0].p50_us : 0.0);
	}
out:
	fs_remove_tree(base);
	return rc;
usage:
	fprintf(stderr, "usage: bench-switch [--seconds S] [--rounds N] [--pings N] "
		"[--switch PATH]\n");
	return 2;
}
