/*
 * qmp_test.c - the QMP client against recorded QEMU transcripts (played by
 * qmp_transcript.h, format described there) and a real QEMU. Byte-exact
 * tests (splits, oversized and garbage input) drive the peer end from the
 * test thread and call qmp_dispatch() in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/qmp.h"
#include "core/error.h"
#include "qmp_transcript.h"

/* ------------------------------------------------------------ events */

struct events {
	int n;
	char name[16][32];
	char reason[16][32];
};

static void on_event(const char *name, json_t *data, void *payload)
{
	struct events *ev = payload;
	const char *reason = json_string_value(json_object_get(data, "reason"));

	if (ev->n >= 16)
		return;
	snprintf(ev->name[ev->n], sizeof(ev->name[0]), "%s", name);
	snprintf(ev->reason[ev->n], sizeof(ev->reason[0]), "%s", reason ? reason : "");
	ev->n++;
}

static void expect_status(struct qmp *q, const char *want)
{
	json_t *ret = NULL;

	assert_int_equal(qmp_execute(q, "query-status", NULL, PEER_TIMEOUT_MS, &ret), 0);
	assert_non_null(ret);
	assert_string_equal(json_string_value(json_object_get(ret, "status")), want);
	json_decref(ret);
}

/* ------------------------------------------------------------ transcripts */

static void qmp__open_negotiates(void **state)
{
	struct qmp *q = NULL;
	int fd, major, minor, micro;
	struct peer *p = peer_start("open", &fd);

	assert_int_equal(qmp_open(&q, fd, PEER_TIMEOUT_MS), 0);
	qmp_version(q, &major, &minor, &micro);
	assert_int_equal(major, 7);
	assert_int_equal(minor, 2);
	assert_int_equal(micro, 22);
	assert_int_equal(qmp_fd(q), fd);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	qmp_free(q);
	peer_finish(p);
}

static void qmp__lifecycle_status_stop_cont_quit(void **state)
{
	struct events ev = { 0 };
	struct qmp *q = NULL;
	json_t *ret = NULL;
	int fd;
	struct peer *p = peer_start("lifecycle", &fd);

	assert_int_equal(qmp_open(&q, fd, PEER_TIMEOUT_MS), 0);
	qmp_set_event_handler(q, on_event, &ev);
	expect_status(q, "prelaunch");
	assert_int_equal(qmp_execute(q, "cont", NULL, PEER_TIMEOUT_MS, NULL), 0);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.name[0], "RESUME");
	expect_status(q, "running");
	assert_int_equal(qmp_execute(q, "stop", NULL, PEER_TIMEOUT_MS, &ret), 0);
	assert_true(json_is_object(ret) && json_object_size(ret) == 0);
	json_decref(ret);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.name[1], "STOP");
	expect_status(q, "paused");
	assert_int_equal(qmp_execute(q, "cont", NULL, PEER_TIMEOUT_MS, NULL), 0);
	assert_string_equal(ev.name[2], "RESUME");
	expect_status(q, "running");
	/* quit: SHUTDOWN, the reply, then EOF; the reply still counts. */
	assert_int_equal(qmp_execute(q, "quit", NULL, PEER_TIMEOUT_MS, NULL), 0);
	assert_int_equal(ev.n, 4);
	assert_string_equal(ev.name[3], "SHUTDOWN");
	assert_string_equal(ev.reason[3], "host-qmp-quit");
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, PEER_TIMEOUT_MS), 1);
	assert_int_equal(qmp_dispatch(q), VMC_EIO);
	assert_int_equal(qmp_dispatch(q), VMC_EIO);
	assert_int_equal(qmp_execute(q, "cont", NULL, 10, NULL), VMC_EIO);
	qmp_free(q);
	peer_finish(p);
}

static void qmp__error_replies(void **state)
{
	struct qmp *q = NULL;
	json_t *args = json_pack("{s:s}", "id", "nodev0");
	json_t *bogus = json_pack("{s:i}", "bogus", 1);
	json_t *ret = (json_t *)1;
	int fd;
	struct peer *p = peer_start("error", &fd);

	assert_int_equal(qmp_open(&q, fd, PEER_TIMEOUT_MS), 0);
	assert_int_equal(qmp_execute(q, "no-such-command", NULL, PEER_TIMEOUT_MS, &ret), VMC_ERROR);
	assert_null(ret);
	assert_string_equal(vmc_error_last(),
			    "qmp no-such-command: The command no-such-command has not been found");
	assert_int_equal(qmp_execute(q, "device_del", args, PEER_TIMEOUT_MS, NULL), VMC_ERROR);
	assert_string_equal(vmc_error_last(), "qmp device_del: Device 'nodev0' not found");
	assert_int_equal(qmp_execute(q, "query-status", bogus, PEER_TIMEOUT_MS, NULL), VMC_ERROR);
	assert_string_equal(vmc_error_last(), "qmp query-status: Parameter 'bogus' is unexpected");
	expect_status(q, "prelaunch"); /* the connection survives errors */
	qmp_free(q);
	json_decref(args);
	json_decref(bogus);
	peer_finish(p);
}

static void qmp__powerdown_event(void **state)
{
	struct events ev = { 0 };
	struct qmp *q = NULL;
	int fd;
	struct peer *p = peer_start("powerdown", &fd);

	assert_int_equal(qmp_open(&q, fd, PEER_TIMEOUT_MS), 0);
	qmp_set_event_handler(q, on_event, &ev);
	assert_int_equal(qmp_execute(q, "cont", NULL, PEER_TIMEOUT_MS, NULL), 0);
	assert_int_equal(qmp_execute(q, "system_powerdown", NULL, PEER_TIMEOUT_MS, NULL), 0);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.name[1], "POWERDOWN");
	assert_int_equal(qmp_execute(q, "quit", NULL, PEER_TIMEOUT_MS, NULL), 0);
	assert_string_equal(ev.name[2], "SHUTDOWN");
	qmp_free(q);
	peer_finish(p);
}

/* A booted guest (vmc-init) powered off through the ACPI button: the
 * SHUTDOWN with reason guest-shutdown arrives after the reply, then EOF. */
static void qmp__guest_powerdown_shutdown(void **state)
{
	struct events ev = { 0 };
	struct qmp *q = NULL;
	struct pollfd pfd = { .events = POLLIN };
	int fd, rc;
	struct peer *p = peer_start("guest_shutdown", &fd);

	assert_int_equal(qmp_open(&q, fd, PEER_TIMEOUT_MS), 0);
	qmp_set_event_handler(q, on_event, &ev);
	assert_int_equal(qmp_execute(q, "cont", NULL, PEER_TIMEOUT_MS, NULL), 0);
	assert_int_equal(qmp_execute(q, "system_powerdown", NULL, PEER_TIMEOUT_MS, NULL), 0);
	assert_string_equal(ev.name[1], "POWERDOWN");
	pfd.fd = qmp_fd(q);
	do {
		assert_int_equal(poll(&pfd, 1, PEER_TIMEOUT_MS), 1);
		rc = qmp_dispatch(q);
	} while (rc == 0);
	assert_int_equal(rc, VMC_EIO);
	assert_int_equal(ev.n, 3);
	assert_string_equal(ev.name[2], "SHUTDOWN");
	assert_string_equal(ev.reason[2], "guest-shutdown");
	qmp_free(q);
	peer_finish(p);
}

static void qmp__split_byte_by_byte(void **state)
{
	struct events ev = { 0 };
	struct qmp *q = NULL;
	int fd;
	struct peer *p = peer_start("bytewise", &fd);

	assert_int_equal(qmp_open(&q, fd, PEER_TIMEOUT_MS), 0);
	qmp_set_event_handler(q, on_event, &ev);
	assert_int_equal(qmp_execute(q, "cont", NULL, PEER_TIMEOUT_MS, NULL), 0);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.name[0], "RESUME");
	expect_status(q, "running");
	qmp_free(q);
	peer_finish(p);
}

static void qmp__joined_messages(void **state)
{
	struct events ev = { 0 };
	struct qmp *q = NULL;
	int fd;
	struct peer *p = peer_start("joined", &fd);
	struct pollfd pfd = { .events = POLLIN };

	assert_int_equal(qmp_open(&q, fd, PEER_TIMEOUT_MS), 0);
	qmp_set_event_handler(q, on_event, &ev);
	assert_int_equal(qmp_execute(q, "stop", NULL, PEER_TIMEOUT_MS, NULL), 0);
	assert_true(ev.n >= 1); /* the next write may have arrived in the same read */
	assert_string_equal(ev.name[0], "STOP");
	pfd.fd = qmp_fd(q);
	while (ev.n < 3) {
		assert_int_equal(poll(&pfd, 1, PEER_TIMEOUT_MS), 1);
		assert_int_equal(qmp_dispatch(q), 0);
	}
	assert_string_equal(ev.name[1], "RESUME");
	assert_string_equal(ev.name[2], "SHUTDOWN");
	qmp_free(q);
	peer_finish(p);
}

static void qmp__unknown_ids_ignored(void **state)
{
	struct events ev = { 0 };
	struct qmp *q = NULL;
	int fd;
	struct peer *p = peer_start("unknown_id", &fd);

	assert_int_equal(qmp_open(&q, fd, PEER_TIMEOUT_MS), 0);
	qmp_set_event_handler(q, on_event, &ev);
	expect_status(q, "running");
	assert_int_equal(ev.n, 1);
	qmp_free(q);
	peer_finish(p);
}

static void qmp__eof_mid_reply(void **state)
{
	struct qmp *q = NULL;
	json_t *ret = (json_t *)1;
	int fd;
	struct peer *p = peer_start("eof_mid_reply", &fd);

	assert_int_equal(qmp_open(&q, fd, PEER_TIMEOUT_MS), 0);
	assert_int_equal(qmp_execute(q, "query-status", NULL, PEER_TIMEOUT_MS, &ret), VMC_EIO);
	assert_null(ret);
	assert_non_null(strstr(vmc_error_last(), "middle of a message"));
	qmp_free(q);
	peer_finish(p);
}

static void qmp__timeout_then_late_reply_dropped(void **state)
{
	struct events ev = { 0 };
	struct qmp *q = NULL;
	int fd;
	struct peer *p = peer_start("late_reply", &fd);

	assert_int_equal(qmp_open(&q, fd, PEER_TIMEOUT_MS), 0);
	qmp_set_event_handler(q, on_event, &ev);
	struct timespec t0, t1;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(qmp_execute(q, "stop", NULL, 50, NULL), VMC_ETIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 49 && ms < 1000);
	assert_string_equal(vmc_error_last(), "qmp: timed out waiting for the reply to 'stop'");
	expect_status(q, "paused");
	assert_int_equal(ev.n, 1);
	qmp_free(q);
	peer_finish(p);
}

/* ------------------------------------------------- peer end in this thread */

/* Opens a client against open.txt played by a peer thread, then hands the
 * peer end to this thread: *peer is the other end of the connection. */
static struct qmp *open_direct(int *peer)
{
	struct qmp *q = NULL;
	int fd;
	struct peer *p = peer_start_ex("open", 1, &fd);

	assert_int_equal(qmp_open(&q, fd, PEER_TIMEOUT_MS), 0);
	*peer = p->fd;
	p->fd = -1;
	peer_finish(p);
	return q;
}

/* The greeting, the capabilities reply and an event all in one read (the
 * reply was written before the client asked: it must still be matched). */
static void qmp__handshake_in_one_read(void **state)
{
	struct events ev = { 0 };
	char *greeting = transcript_server_line("open", 0);
	char *caps = transcript_server_line("open", 1);
	char *stop = transcript_server_line("lifecycle", 6);
	char buf[1024];
	struct qmp *q = NULL;
	int sv[2], n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	n = snprintf(buf, sizeof(buf), "%s\r\n%s\r\n%s\r\n", greeting, caps, stop);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal(write(sv[1], buf, (size_t)n), n);
	assert_int_equal(qmp_open(&q, sv[0], 0), 0);
	n = (int)read(sv[1], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"execute\":\"qmp_capabilities\",\"id\":\"vmc-1\"}\n");
	/* The STOP after the reply arrived before a handler was installed. */
	assert_int_equal(ev.n, 0);
	qmp_set_event_handler(q, on_event, &ev);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.name[0], "STOP");
	assert_int_equal(qmp_dispatch(q), 0);
	assert_int_equal(ev.n, 1);
	free(greeting);
	free(caps);
	free(stop);
	qmp_free(q);
	close(sv[1]);
}

/* Events before any handler are kept (up to 16) and delivered in order
 * when one is installed; qmp_capabilities refused is VMC_ERROR. */
static void qmp__early_events_and_refused_capabilities(void **state)
{
	struct events ev = { 0 };
	char *greeting = transcript_server_line("open", 0);
	char *caps = transcript_server_line("open", 1);
	char buf[1024];
	struct qmp *q = NULL;
	int sv[2], n, peer;

	q = open_direct(&peer);
	for (int i = 0; i < 20; i++) {
		n = snprintf(buf, sizeof(buf), "{\"event\": \"E%d\"}\r\n", i);
		assert_int_equal(write(peer, buf, (size_t)n), n);
	}
	assert_int_equal(qmp_dispatch(q), 0);
	qmp_set_event_handler(q, on_event, &ev);
	assert_int_equal(ev.n, 16);
	assert_string_equal(ev.name[0], "E0");
	assert_string_equal(ev.name[15], "E15");
	qmp_set_event_handler(q, NULL, NULL);
	qmp_set_event_handler(q, on_event, &ev);
	assert_int_equal(ev.n, 16); /* delivered once */
	qmp_free(q);
	close(peer);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	n = snprintf(buf, sizeof(buf), "%s\r\n{\"id\": \"vmc-1\", \"error\": {\"class\": "
		     "\"GenericError\", \"desc\": \"Capabilities negotiation is already "
		     "complete, command ignored\"}}\r\n", greeting);
	assert_int_equal(write(sv[1], buf, (size_t)n), n);
	q = (struct qmp *)1;
	assert_int_equal(qmp_open(&q, sv[0], PEER_TIMEOUT_MS), VMC_ERROR);
	assert_null(q);
	assert_string_equal(vmc_error_last(), "qmp qmp_capabilities: Capabilities negotiation is "
			    "already complete, command ignored");
	close(sv[1]);
	free(greeting);
	free(caps);
}

static void qmp__event_split_byte_by_byte_dispatch(void **state)
{
	struct events ev = { 0 };
	char *stop = transcript_server_line("lifecycle", 6);
	int peer;
	struct qmp *q = open_direct(&peer);
	size_t len = strlen(stop);

	qmp_set_event_handler(q, on_event, &ev);
	assert_int_equal(qmp_dispatch(q), 0); /* nothing there: no block, no event */
	for (size_t i = 0; i < len; i++) {
		assert_int_equal(write(peer, stop + i, 1), 1);
		assert_int_equal(qmp_dispatch(q), 0);
	}
	assert_int_equal(write(peer, "\r", 1), 1);
	assert_int_equal(qmp_dispatch(q), 0);
	assert_int_equal(ev.n, 0);
	assert_int_equal(write(peer, "\n", 1), 1);
	assert_int_equal(qmp_dispatch(q), 0);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.name[0], "STOP");
	free(stop);
	qmp_free(q);
	close(peer);
}

static void qmp__two_events_one_read(void **state)
{
	struct events ev = { 0 };
	char *resume = transcript_server_line("lifecycle", 3);
	char *stop = transcript_server_line("lifecycle", 6);
	char buf[512];
	int peer, n;
	struct qmp *q = open_direct(&peer);

	qmp_set_event_handler(q, on_event, &ev);
	n = snprintf(buf, sizeof(buf), "%s\r\n\r\n%s\n", stop, resume); /* blank line, bare \n */
	assert_int_equal(write(peer, buf, (size_t)n), n);
	assert_int_equal(qmp_dispatch(q), 0);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.name[0], "STOP");
	assert_string_equal(ev.name[1], "RESUME");
	free(resume);
	free(stop);
	qmp_free(q);
	close(peer);
}

static void qmp__eof_mid_message_dispatch(void **state)
{
	int peer;
	struct qmp *q = open_direct(&peer);

	assert_int_equal(write(peer, "{\"event\": \"ST", 13), 13);
	close(peer);
	assert_int_equal(qmp_dispatch(q), VMC_EIO);
	assert_non_null(strstr(vmc_error_last(), "middle of a message"));
	assert_int_equal(qmp_dispatch(q), VMC_EIO);
	qmp_free(q);
}

/* Streams `total` bytes (an event whose data string pads it, ending in
 * "\r\n" if `complete`) and dispatches until done or an error. */
static int stream_big_event(struct qmp *q, int peer, size_t total, int complete, int *events)
{
	const char *head = "{\"event\": \"BIG\", \"data\": {\"pad\": \"";
	const char *tail = complete ? "\"}}\r\n" : "\"}}";
	size_t hl = strlen(head), tl = strlen(tail), off = 0;
	char *msg = malloc(total);
	int rc = 0;

	assert_non_null(msg);
	assert_true(total > hl + tl);
	memcpy(msg, head, hl);
	memset(msg + hl, 'x', total - hl - tl);
	memcpy(msg + total - tl, tail, tl);
	assert_int_equal(fcntl(peer, F_SETFL, O_NONBLOCK), 0);
	while (off < total && rc == 0) {
		ssize_t n = write(peer, msg + off, total - off);

		if (n > 0)
			off += (size_t)n;
		rc = qmp_dispatch(q);
	}
	while (rc == 0 && *events == 0) {
		struct pollfd pfd = { .fd = qmp_fd(q), .events = POLLIN };

		if (poll(&pfd, 1, 100) != 1)
			break;
		rc = qmp_dispatch(q);
	}
	free(msg);
	return rc;
}

static void qmp__message_size_limit(void **state)
{
	struct events ev = { 0 };
	int peer;
	struct qmp *q = open_direct(&peer);

	qmp_set_event_handler(q, on_event, &ev);
	assert_int_equal(stream_big_event(q, peer, QMP_MSG_MAX, 1, &ev.n), 0);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.name[0], "BIG");
	qmp_free(q);
	close(peer);

	ev.n = 0;
	q = open_direct(&peer);
	qmp_set_event_handler(q, on_event, &ev);
	assert_int_equal(stream_big_event(q, peer, QMP_MSG_MAX + 1, 1, &ev.n), VMC_EPROTO);
	assert_non_null(strstr(vmc_error_last(), "longer than"));
	assert_int_equal(ev.n, 0);
	assert_int_equal(qmp_execute(q, "cont", NULL, 10, NULL), VMC_EPROTO);
	qmp_free(q);
	close(peer);
}

static void qmp__garbage_is_eproto(void **state)
{
	static const char *const garbage[] = {
		"not json\r\n",
		"[1, 2]\r\n",
		"42\r\n",
		"\"QMP\"\r\n",
		"{\"foo\": 1}\r\n",
		"{\"event\": 5}\r\n",
		"{\"event\": \"STOP\", \"event\": \"RESUME\"}\r\n",
		"{\"error\": \"flat\", \"id\": \"vmc-2\"}\r\n",
		"{\"event\": \"ST\xff\xfe\"}\r\n",
		"{\"event\": \"ST\0P\"}\r\n",
		"{\"event\": \"STOP\"}}\r\n",
		"\x01\x02\x03\n",
	};
	static const size_t lens[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0 };
	struct events ev = { 0 };

	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		size_t len = lens[i] ? lens[i] : strlen(garbage[i]);
		int peer;
		struct qmp *q = open_direct(&peer);

		qmp_set_event_handler(q, on_event, &ev);
		assert_int_equal(write(peer, garbage[i], len), (ssize_t)len);
		if (qmp_dispatch(q) != VMC_EPROTO)
			fail_msg("garbage %zu was not rejected", i);
		assert_int_equal(qmp_dispatch(q), VMC_EPROTO);
		qmp_free(q);
		close(peer);
	}
	assert_int_equal(ev.n, 0);
}

static void qmp__open_rejects_non_qmp_peer(void **state)
{
	static const char *const peers[] = {
		"HTTP/1.1 200 OK\r\n",
		"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\r\n",
		"{\"QMP\": 1}\r\n",
	};

	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		struct qmp *q = (struct qmp *)1;
		int sv[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		assert_int_equal(write(sv[1], peers[i], strlen(peers[i])), (ssize_t)strlen(peers[i]));
		assert_int_equal(qmp_open(&q, sv[0], PEER_TIMEOUT_MS), VMC_EPROTO);
		assert_null(q);
		/* qmp_open closed the client end: the peer sees EOF. */
		char c;
		assert_int_equal(read(sv[1], &c, 1), 0);
		close(sv[1]);
	}
}

static void qmp__open_timeout_and_eof(void **state)
{
	struct qmp *q = NULL;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(qmp_open(&q, sv[0], 50), VMC_ETIMEOUT);
	assert_null(q);
	close(sv[1]);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[1]);
	assert_int_equal(qmp_open(&q, sv[0], PEER_TIMEOUT_MS), VMC_EIO);
	assert_null(q);
}

static void reenter(const char *name, json_t *data, void *payload)
{
	int *rcs = payload;
	struct qmp *q = *(struct qmp **)(rcs + 2);

	rcs[0] = qmp_execute(q, "stop", NULL, 10, NULL);
	rcs[1] = qmp_dispatch(q);
}

static void qmp__callback_reentry_and_bad_args(void **state)
{
	struct {
		int rcs[2];
		struct qmp *q;
	} ctx = { { 1, 1 }, NULL };
	char *stop = transcript_server_line("lifecycle", 6);
	json_t *arr = json_array();
	int peer;

	ctx.q = open_direct(&peer);
	qmp_set_event_handler(ctx.q, reenter, &ctx);
	assert_int_equal(write(peer, stop, strlen(stop)), (ssize_t)strlen(stop));
	assert_int_equal(write(peer, "\r\n", 2), 2);
	assert_int_equal(qmp_dispatch(ctx.q), 0);
	assert_int_equal(ctx.rcs[0], VMC_EINVALSTATE);
	assert_int_equal(ctx.rcs[1], VMC_EINVALSTATE);

	assert_int_equal(qmp_execute(ctx.q, "", NULL, 10, NULL), VMC_EINVAL);
	assert_int_equal(qmp_execute(ctx.q, NULL, NULL, 10, NULL), VMC_EINVAL);
	assert_int_equal(qmp_execute(ctx.q, "a\"b", NULL, 10, NULL), VMC_EINVAL);
	assert_int_equal(qmp_execute(ctx.q, "stop", arr, 10, NULL), VMC_EINVAL);
	json_decref(arr);
	free(stop);
	qmp_free(ctx.q);
	close(peer);
	qmp_free(NULL);
}

/* ------------------------------------------------------------ real QEMU */

struct real {
	pid_t pid;
	char dir[64];
	char sock[96];
};

static int find_in_path(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	int found = 0;

	copy = strdup(path ? path : "/usr/bin:/bin");
	assert_non_null(copy);
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		int n = snprintf(out, len, "%s/%s", dir, prog);

		found = n > 0 && (size_t)n < len && access(out, X_OK) == 0;
	}
	free(copy);
	return found;
}

static int real_teardown(void **state)
{
	struct real *r = *state;

	if (!r)
		return 0;
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	if (r->sock[0])
		unlink(r->sock);
	if (r->dir[0])
		rmdir(r->dir);
	free(r);
	return 0;
}

/* QEMU connects to our listening socket as the QMP client end
 * (-chardev socket,path=...), so there is no start-up race to poll for. */
static void qmp__real_qemu(void **state)
{
	struct real *r = calloc(1, sizeof(*r));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct events ev = { 0 };
	struct qmp *q = NULL;
	char qemu[512], chardev[256];
	int lfd, fd, status = 0, rc, major = 0;

	assert_non_null(r);
	*state = r;
	if (!find_in_path("qemu-system-x86_64", qemu, sizeof(qemu))) {
		print_message("skipped: qemu-system-x86_64 is not in PATH\n");
		skip();
	}
	snprintf(r->dir, sizeof(r->dir), "/tmp/vmc-qmp-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->sock, sizeof(r->sock), "%s/qmp.sock", r->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", r->sock);
	snprintf(chardev, sizeof(chardev), "socket,id=mon0,path=%s", r->sock);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);

	char *const argv[] = {
		qemu, "-M", "microvm", "-accel", "tcg", "-nodefaults", "-no-user-config",
		"-display", "none", "-S", "-chardev", chardev, "-mon", "chardev=mon0,mode=control",
		NULL,
	};
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		execv(qemu, argv);
		_exit(127);
	}
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(fd >= 0);
	close(lfd);

	rc = qmp_open(&q, fd, 10000);
	if (rc < 0)
		fail_msg("qmp_open: %s", vmc_error_last());
	qmp_version(q, &major, NULL, NULL);
	assert_true(major >= 6);
	qmp_set_event_handler(q, on_event, &ev);
	expect_status(q, "prelaunch");
	assert_int_equal(qmp_execute(q, "cont", NULL, 5000, NULL), 0);
	assert_string_equal(ev.name[0], "RESUME");
	expect_status(q, "running");
	assert_int_equal(qmp_execute(q, "stop", NULL, 5000, NULL), 0);
	assert_string_equal(ev.name[1], "STOP");
	expect_status(q, "paused");
	assert_int_equal(qmp_execute(q, "no-such-command", NULL, 5000, NULL), VMC_ERROR);
	assert_non_null(strstr(vmc_error_last(), "qmp no-such-command: "));
	assert_int_equal(qmp_execute(q, "cont", NULL, 5000, NULL), 0);
	assert_string_equal(ev.name[2], "RESUME");
	assert_int_equal(qmp_execute(q, "quit", NULL, 5000, NULL), 0);
	assert_string_equal(ev.name[3], "SHUTDOWN");
	assert_string_equal(ev.reason[3], "host-qmp-quit");
	do {
		pfd.fd = qmp_fd(q);
		assert_int_equal(poll(&pfd, 1, 5000), 1);
		rc = qmp_dispatch(q);
	} while (rc == 0);
	assert_int_equal(rc, VMC_EIO);
	qmp_free(q);
	assert_int_equal(waitpid(r->pid, &status, 0), r->pid);
	r->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qmp__open_negotiates),
		cmocka_unit_test(qmp__lifecycle_status_stop_cont_quit),
		cmocka_unit_test(qmp__error_replies),
		cmocka_unit_test(qmp__powerdown_event),
		cmocka_unit_test(qmp__guest_powerdown_shutdown),
		cmocka_unit_test(qmp__split_byte_by_byte),
		cmocka_unit_test(qmp__joined_messages),
		cmocka_unit_test(qmp__unknown_ids_ignored),
		cmocka_unit_test(qmp__eof_mid_reply),
		cmocka_unit_test(qmp__timeout_then_late_reply_dropped),
		cmocka_unit_test(qmp__handshake_in_one_read),
		cmocka_unit_test(qmp__early_events_and_refused_capabilities),
		cmocka_unit_test(qmp__event_split_byte_by_byte_dispatch),
		cmocka_unit_test(qmp__two_events_one_read),
		cmocka_unit_test(qmp__eof_mid_message_dispatch),
		cmocka_unit_test(qmp__message_size_limit),
		cmocka_unit_test(qmp__garbage_is_eproto),
		cmocka_unit_test(qmp__open_rejects_non_qmp_peer),
		cmocka_unit_test(qmp__open_timeout_and_eof),
		cmocka_unit_test(qmp__callback_reentry_and_bad_args),
		cmocka_unit_test_teardown(qmp__real_qemu, real_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
