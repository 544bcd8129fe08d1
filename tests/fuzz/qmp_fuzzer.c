/*
 * qmp_fuzzer.c - fuzzes the QMP client (src/backend/qmp.c) with a scripted
 * hostile peer on a socketpair. Input byte 0 picks the write size (low 6
 * bits + 1) and how often a command is executed between writes (high 2
 * bits); the rest is what the peer sends. Everything up to the second
 * newline (greeting and capabilities reply) is written before qmp_open,
 * the rest in chunks between qmp_dispatch()/qmp_execute() calls, then the
 * peer shuts down its side. Every call must return one of its documented
 * codes, a dead handle must stay dead with the same code, nothing may
 * block (all timeouts are 0), and the connection must end in VMC_EIO or
 * VMC_EPROTO.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/qmp.h"
#include "fuzz.h"

#define FUZZ_INPUT_MAX (256 * 1024)

static void fuzz_on_event(const char *name, json_t *data, void *payload)
{
	int *count = payload;

	if (!name)
		abort();
	(void)data;
	(*count)++;
}

/* Discards what the client sent so its sends never fill the socket. */
static void fuzz_drain(int peer)
{
	char buf[4096];

	while (read(peer, buf, sizeof(buf)) > 0)
		;
}

/* Writes what fits without blocking; returns the bytes written. */
static size_t fuzz_write(int peer, const uint8_t *data, size_t len)
{
	ssize_t n = len ? send(peer, data, len, MSG_NOSIGNAL | MSG_DONTWAIT) : 0;

	return n > 0 ? (size_t)n : 0;
}

static void fuzz_check_dispatch(int rc)
{
	if (rc != 0 && rc != VMC_EIO && rc != VMC_EPROTO && rc != VMC_ENOMEM)
		abort();
}

static void fuzz_check_execute(int rc, json_t *result)
{
	if (rc == 0 && !result)
		abort();
	if (rc != 0 && result)
		abort();
	if (rc != 0 && rc != VMC_ERROR && rc != VMC_ETIMEOUT && rc != VMC_EIO &&
	    rc != VMC_EPROTO && rc != VMC_ENOMEM)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cmds[] = { "query-status", "stop", "cont", "quit" };
	struct qmp *q = NULL;
	size_t chunk, every, pre, off, newlines = 0;
	int sv[2] = { -1, -1 }, events = 0, rc, dead = 0, step = 0;

	if (size == 0 || size > FUZZ_INPUT_MAX)
		return 0;
	chunk = (size_t)(data[0] & 0x3f) + 1;
	every = (size_t)(data[0] >> 6); /* 0: never execute */
	data++;
	size--;
	for (pre = 0; pre < size && newlines < 2; pre++)
		if (data[pre] == '\n')
			newlines++;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (fcntl(sv[1], F_SETFL, O_NONBLOCK) < 0)
		abort();
	off = fuzz_write(sv[1], data, pre);

	rc = qmp_open(&q, sv[0], 0); /* owns sv[0] from here */
	sv[0] = -1;
	if (rc != 0 && rc != VMC_ETIMEOUT && rc != VMC_EIO && rc != VMC_EPROTO &&
	    rc != VMC_ERROR && rc != VMC_ENOMEM)
		abort();
	if (rc != 0) {
		if (q)
			abort();
		goto out;
	}
	qmp_set_event_handler(q, fuzz_on_event, &events);

	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		size_t w = fuzz_write(sv[1], data + off, n);

		off += w;
		if (every && ++step % (int)every == 0) {
			json_t *result = NULL;

			rc = qmp_execute(q, cmds[step % 4], NULL, 0, &result);
			fuzz_check_execute(rc, result);
			json_decref(result);
			fuzz_drain(sv[1]);
		}
		rc = qmp_dispatch(q);
		fuzz_check_dispatch(rc);
		if (rc < 0) {
			dead = rc;
			break;
		}
		if (w == 0 && n > 0) {
			/* The socket is full and the client did not read: only
			 * possible if it is dead, which was handled above. */
			abort();
		}
	}
	shutdown(sv[1], SHUT_WR);
	/* After EOF the client must die within a bounded number of calls. */
	for (int i = 0; i < 1024 && !dead; i++) {
		rc = qmp_dispatch(q);
		fuzz_check_dispatch(rc);
		if (rc < 0)
			dead = rc;
	}
	if (dead != VMC_EIO && dead != VMC_EPROTO)
		abort();
	if (qmp_dispatch(q) != dead)
		abort();
	if (qmp_execute(q, "cont", NULL, 0, NULL) != dead)
		abort();
out:
	qmp_free(q);
	if (sv[1] >= 0)
		close(sv[1]);
	return 0;
}
