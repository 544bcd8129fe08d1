/*
 * bench/switch.c - L2 switch benchmark: vmc-switch against vde_switch
 * (Debian package vde2), both driven by the same generator in one run.
 *
 * Each switch gets two ports, A (generator) and B (sink), both unix
 * datagram sockets carrying one raw Ethernet frame per datagram. vmc's
 * ports are added over its control socket (the peer paths QEMU would
 * bind); vde_switch's through its own handshake on DIR/ctl (what
 * libvdeplug does: a request_v3 naming our bound datagram socket, the
 * reply naming the switch's data socket, which we connect to). After both
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
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "core/unixsock.h"
#include "vmc.h"

#define BATCH 32
#define RX_BATCH 64
#define RX_BUF 2048
#define MAX_ROUNDS 15
#define VDE_MAGIC 0xfeedfaceu

static const uint8_t MAC_A[6] = { 0x02, 0x62, 0x65, 0x6e, 0x63, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0x62, 0x65, 0x6e, 0x63, 0x0b };

/* vde2's connection request (libvdeplug's struct request_v3, packed) */
struct vde_request {
	uint32_t magic;
	uint32_t version;
	uint32_t type;              /* REQ_NEW_CONTROL = 0 */
	struct sockaddr_un sock;
	char description[16];
} __attribute__((packed));

struct sw {
	const char *label;
	int is_vde;
	pid_t pid;
	int pidfd;
	int stdin_w;                /* vde_switch: its stdin; EOF ends it */
	int ctl;                    /* vmc: control socket */
	char dir[64];
	int port_ctl[2];            /* vde: one control stream per port */
	int data[2];                /* A, B */
};

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

static int bind_dgram(const char *path, int *out)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	*out = fd;
	return 0;
}

static int connect_dgram(int fd, const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/* One JSON-lines request to vmc-switch; returns the reply or NULL. */
static json_t *vmc_req(struct sw *s, const char *text)
{
	char buf[8192];
	size_t len = 0;
	struct pollfd pfd = { .fd = s->ctl, .events = POLLIN };

	if (unix_send_all(s->ctl, text, strlen(text)) < 0)
		return NULL;
	while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len)) {
		ssize_t n;
		if (poll(&pfd, 1, 5000) != 1)
			return NULL;
		n = read(s->ctl, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return NULL;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
}

static int start_vmc(struct sw *s, const char *bin, char *why, size_t why_len)
{
	char line[256] = "", net[80], path[100];
	const char *argv[] = { bin, "--dir", net, "--report-fd", "3", NULL };
	struct spawn_opts so;
	struct pollfd pfd;
	int pipefd[2];
	ssize_t n;

	snprintf(net, sizeof(net), "%s/net", s->dir);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = so.stdout_fd = -1;
	so.stderr_fd = STDERR_FILENO;
	so.pass_fds[0] = pipefd[1];
	so.pass_to[0] = 3;
	so.n_pass_fds = 1;
	so.death_signal = SIGKILL;
	if (spawn_process(&so, &s->pid) < 0) {
		snprintf(why, why_len, "%s", vmc_error_last());
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	close(pipefd[1]);
	s->pidfd = spawn_pidfd_open(s->pid);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	n = poll(&pfd, 1, 5000) == 1 ? read(pipefd[0], line, sizeof(line) - 1) : -1;
	close(pipefd[0]);
	if (n <= 0 || strncmp(line, "ok ", 3) != 0) {
		snprintf(why, why_len, "vmc-switch did not start: %s", n > 0 ? line : "no report");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/switch.sock", net);
	if (unix_connect(path, &s->ctl) < 0) {
		snprintf(why, why_len, "%s", vmc_error_last());
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		char peer[100], req[200];
		const char *port;
		json_t *rep;

		snprintf(peer, sizeof(peer), "%s/nic%d.sock", s->dir, i);
		if (bind_dgram(peer, &s->data[i]) < 0)
			return -1;
		snprintf(req, sizeof(req), "{\"op\":\"add_port\",\"name\":\"p%d\",\"peer\":\"%s\"}\n",
			 i, peer);
		rep = vmc_req(s, req);
		port = json_string_value(json_object_get(json_object_get(rep, "port"), "path"));
		if (!port || connect_dgram(s->data[i], port) < 0) {
			snprintf(why, why_len, "vmc-switch: add_port failed");
			json_decref(rep);
			return -1;
		}
		json_decref(rep);
	}
	return 0;
}

/* Waits (inotify, no polling of the file system) until dir/name exists. */
static int wait_for_file(const char *dir, const char *name, int timeout_ms)
{
	char path[PATH_MAX + 64], ev[4096];
	int64_t deadline = clock_deadline(timeout_ms);
	struct pollfd pfd;
	int fd, rc = -1;

	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0 || inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (access(path, F_OK) != 0) { /* checked after the watch exists: no race */
		if (poll(&pfd, 1, clock_remaining_ms(deadline)) != 1)
			goto out;
		while (read(fd, ev, sizeof(ev)) > 0)
			;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static int start_vde(struct sw *s, char *why, size_t why_len)
{
	char dir[80];
	const char *argv[] = { "vde_switch", "-s", dir, NULL };
	struct spawn_opts so;
	int pipefd[2];

	snprintf(dir, sizeof(dir), "%s/vde", s->dir);
	if (mkdir(dir, 0700) < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = pipefd[0]; /* its console: EOF when we close our end */
	so.stdout_fd = -1;
	so.stderr_fd = -1; /* it says goodbye on EOF */
	so.death_signal = SIGKILL;
	if (spawn_process(&so, &s->pid) < 0) {
		snprintf(why, why_len, "cannot run vde_switch: %s", vmc_error_last());
		close(pipefd[0]);
		close(pipefd[1]);
		s->pid = -1;
		return -1;
	}
	close(pipefd[0]);
	s->stdin_w = pipefd[1];
	s->pidfd = spawn_pidfd_open(s->pid);
	if (wait_for_file(dir, "ctl", 5000) < 0) {
		snprintf(why, why_len, "vde_switch did not create %s/ctl", dir);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		struct vde_request req;
		struct sockaddr_un data;
		char ctl[100], mine[100];
		struct pollfd pfd;
		ssize_t n;

		snprintf(ctl, sizeof(ctl), "%s/ctl", dir);
		snprintf(mine, sizeof(mine), "%s/vde%d.sock", s->dir, i);
		if (unix_connect(ctl, &s->port_ctl[i]) < 0 || bind_dgram(mine, &s->data[i]) < 0) {
			snprintf(why, why_len, "vde_switch: cannot connect to %s", ctl);
			return -1;
		}
		memset(&req, 0, sizeof(req));
		req.magic = VDE_MAGIC;
		req.version = 3;
		req.type = 0;
		req.sock.sun_family = AF_UNIX;
		memcpy(req.sock.sun_path, mine, strlen(mine) + 1); /* < 100 bytes */
		snprintf(req.description, sizeof(req.description), "bench%d", i);
		if (unix_send_all(s->port_ctl[i], &req,
				  sizeof(req) - sizeof(req.description) + strlen(req.description)) < 0)
			return -1;
		pfd.fd = s->port_ctl[i];
		pfd.events = POLLIN;
		memset(&data, 0, sizeof(data));
		n = poll(&pfd, 1, 5000) == 1 ? recv(s->port_ctl[i], &data, sizeof(data), 0) : -1;
		if (n < (ssize_t)sizeof(sa_family_t) + 1 || data.sun_family != AF_UNIX ||
		    connect(s->data[i], (struct sockaddr *)&data, sizeof(data)) < 0) {
			snprintf(why, why_len, "vde_switch: handshake failed (reply %zd bytes)", n);
			return -1;
		}
	}
	return 0;
}

static void stop_switch(struct sw *s)
{
	struct pollfd pfd = { .fd = s->pidfd, .events = POLLIN };

	if (s->ctl >= 0) {
		json_decref(vmc_req(s, "{\"op\":\"shutdown\"}\n"));
		close(s->ctl);
	}
	for (int i = 0; i < 2; i++) {
		if (s->data[i] >= 0)
			close(s->data[i]);
		if (s->port_ctl[i] >= 0)
			close(s->port_ctl[i]);
	}
	if (s->stdin_w >= 0)
		close(s->stdin_w);
	if (s->pid > 0) {
		if (s->pidfd < 0 || poll(&pfd, 1, 2000) != 1)
			kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	if (s->pidfd >= 0)
		close(s->pidfd);
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

static void sw_init(struct sw *s, const char *label, int is_vde, const char *base)
{
	memset(s, 0, sizeof(*s));
	s->label = label;
	s->is_vde = is_vde;
	s->pid = -1;
	s->pidfd = s->stdin_w = s->ctl = -1;
	s->port_ctl[0] = s->port_ctl[1] = s->data[0] = s->data[1] = -1;
	snprintf(s->dir, sizeof(s->dir), "%s/%s", base, is_vde ? "v" : "m");
	mkdir(s->dir, 0700);
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
				sw_init(&s, which ? "vde_switch" : "vmc-switch", which, base);
				if ((which ? start_vde(&s, why, sizeof(why))
					   : start_vmc(&s, bin, why, sizeof(why))) < 0 ||
				    learn(&s) < 0) {
					if (!why[0])
						snprintf(why, sizeof(why), "%s: MAC learning frames "
							 "were not delivered", s.label);
					stop_switch(&s);
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
				stop_switch(&s);
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
