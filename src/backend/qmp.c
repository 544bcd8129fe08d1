/*
 * qmp.c - the QMP client behind qmp.h: framing of newline-separated JSON
 * objects in a bounded receive buffer, the greeting and capabilities
 * handshake, command/reply matching by id and event dispatch. It owns the
 * socket it was given and nothing else: who connects the socket, which
 * commands to send and what the events mean is qemu.c's business.
 * Everything the peer sends is untrusted: a message must be one JSON object
 * of a known kind on one line of at most QMP_MSG_MAX bytes, or the
 * connection is declared dead with VMC_EPROTO.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend/qmp.h"
#include "core/error.h"

#define QMP_READ_CHUNK 4096
#define QMP_READS_PER_DISPATCH 16
#define QMP_CMD_MAX 128
#define QMP_EARLY_EVENTS_MAX 16

struct qmp {
	int fd;
	char *buf;             /* received bytes not yet dispatched */
	size_t len;
	size_t cap;
	unsigned long next_id;
	qmp_event_cb cb;
	void *payload;
	int in_callback;
	int dead;              /* 0, or the code that ended the connection */
	int greeted;
	int version[3];
	char wait_id[32];      /* id of the command being waited for, or "" */
	json_t *reply;         /* its reply, once it arrived */
	json_t *early[QMP_EARLY_EVENTS_MAX]; /* events before a handler was set */
	int n_early;
};

static int64_t qmp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Absolute deadline for a relative timeout; -1 means none. */
static int64_t qmp_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : qmp_now_ms() + timeout_ms;
}

/* poll() timeout left until `deadline`. */
static int qmp_left_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - qmp_now_ms();
	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* Marks the connection dead with `code`; the caller has set the message. */
static int qmp_kill(struct qmp *q, int code)
{
	if (!q->dead)
		q->dead = code;
	return code;
}

static int qmp_dead_error(const struct qmp *q)
{
	if (q->dead == VMC_EIO)
		return vmc_error_set(VMC_EIO, "qmp: connection closed");
	return vmc_error_set(q->dead, "qmp: connection unusable after a protocol error");
}

static int qmp_on_greeting(struct qmp *q, json_t *msg)
{
	json_t *greeting = json_object_get(msg, "QMP");
	json_t *qemu;
	static const char *const keys[3] = { "major", "minor", "micro" };

	if (!json_is_object(greeting))
		return qmp_kill(q, vmc_error_set(VMC_EPROTO, "qmp: expected a greeting from the peer"));
	qemu = json_object_get(json_object_get(greeting, "version"), "qemu");
	for (int i = 0; i < 3; i++) {
		json_int_t v = json_integer_value(json_object_get(qemu, keys[i]));

		q->version[i] = v >= 0 && v <= INT_MAX ? (int)v : 0;
	}
	q->greeted = 1;
	return 0;
}

static int qmp_on_event(struct qmp *q, json_t *msg)
{
	json_t *name = json_object_get(msg, "event");
	json_t *data = json_object_get(msg, "data");

	if (!json_is_string(name))
		return qmp_kill(q, vmc_error_set(VMC_EPROTO, "qmp: event without a name"));
	if (!q->cb) {
		/* Kept for the handler installed after qmp_open. */
		if (q->n_early < QMP_EARLY_EVENTS_MAX)
			q->early[q->n_early++] = json_incref(msg);
		return 0;
	}
	q->in_callback = 1;
	q->cb(json_string_value(name), data, q->payload);
	q->in_callback = 0;
	return 0;
}

static void qmp_on_reply(struct qmp *q, json_t *msg)
{
	json_t *id = json_object_get(msg, "id");

	/* Replies to commands nobody waits for (timed out, or without an id)
	 * are dropped. */
	if (!q->wait_id[0] || q->reply || !json_is_string(id) ||
	    strcmp(json_string_value(id), q->wait_id) != 0)
		return;
	q->reply = json_incref(msg);
}

/* One complete line (without its "\n"). */
static int qmp_on_line(struct qmp *q, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *msg;
	size_t i;
	int rc = 0;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			break;
	if (i == len)
		return 0; /* blank line */
	msg = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!msg)
		/* Not jerr.text: it quotes the peer's bytes, which need not be
		 * printable, into a message that may end up in state.json. */
		return qmp_kill(q, vmc_error_set(VMC_EPROTO, "qmp: malformed message at byte %d",
						 jerr.position));
	if (!json_is_object(msg)) {
		rc = qmp_kill(q, vmc_error_set(VMC_EPROTO, "qmp: message is not a JSON object"));
		goto out;
	}
	if (!q->greeted) {
		rc = qmp_on_greeting(q, msg);
		goto out;
	}
	if (json_object_get(msg, "event")) {
		rc = qmp_on_event(q, msg);
	} else if (json_object_get(msg, "return") || json_is_object(json_object_get(msg, "error"))) {
		qmp_on_reply(q, msg);
	} else {
		rc = qmp_kill(q, vmc_error_set(VMC_EPROTO, "qmp: message of unknown kind"));
	}
out:
	json_decref(msg);
	return rc;
}

/* Dispatches every complete line in the buffer and keeps the rest. */
static int qmp_process(struct qmp *q)
{
	size_t start = 0;
	int rc = 0;

	while (start < q->len && !q->dead) {
		char *nl = memchr(q->buf + start, '\n', q->len - start);
		int greeted = q->greeted;

		if (!nl)
			break;
		rc = qmp_on_line(q, q->buf + start, (size_t)(nl - (q->buf + start)));
		start = (size_t)(nl - q->buf) + 1;
		/* Stop after the greeting: what follows it can only be read
		 * once qmp_capabilities has been sent. */
		if (rc < 0 || q->greeted != greeted)
			break;
	}
	memmove(q->buf, q->buf + start, q->len - start);
	q->len -= start;
	if (rc == 0 && q->len >= QMP_MSG_MAX)
		rc = qmp_kill(q, vmc_error_set(VMC_EPROTO, "qmp: message longer than %d bytes",
					       QMP_MSG_MAX));
	return rc;
}

static int qmp_grow(struct qmp *q)
{
	size_t cap = q->cap ? q->cap * 2 : 2 * QMP_READ_CHUNK;
	char *buf;

	if (cap > QMP_MSG_MAX)
		cap = QMP_MSG_MAX;
	buf = realloc(q->buf, cap);
	if (!buf)
		return vmc_error_oom();
	q->buf = buf;
	q->cap = cap;
	return 0;
}

/* Reads what the socket has (never blocks) and dispatches it. Stops early
 * once the awaited reply or the greeting is in, so that a reply followed
 * by EOF (quit) still counts as a reply. */
static int qmp_read(struct qmp *q)
{
	int greeted = q->greeted;

	for (int i = 0; i < QMP_READS_PER_DISPATCH; i++) {
		ssize_t n;
		int rc;

		if (q->cap - q->len < QMP_READ_CHUNK && q->cap < QMP_MSG_MAX) {
			rc = qmp_grow(q);
			if (rc < 0)
				return rc;
		}
		if (q->len >= q->cap) /* cannot happen: qmp_process keeps len < QMP_MSG_MAX */
			return qmp_kill(q, vmc_error_set(VMC_EPROTO, "qmp: receive buffer full"));
		n = read(q->fd, q->buf + q->len, q->cap - q->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return qmp_kill(q, vmc_error_set_errno(VMC_EIO, errno, "qmp: read"));
		}
		if (n == 0) {
			if (q->len)
				return qmp_kill(q, vmc_error_set(VMC_EIO,
					"qmp: connection closed in the middle of a message"));
			return qmp_kill(q, vmc_error_set(VMC_EIO, "qmp: connection closed"));
		}
		q->len += (size_t)n;
		rc = qmp_process(q);
		if (rc < 0)
			return rc;
		if (q->reply || q->greeted != greeted)
			return 0;
	}
	return 0;
}

int qmp_dispatch(struct qmp *q)
{
	if (q->dead)
		return qmp_dead_error(q);
	if (q->in_callback)
		return vmc_error_set(VMC_EINVALSTATE, "qmp: dispatch called from the event callback");
	return qmp_read(q);
}

/* Waits until fd is ready for `events` or the deadline passes. */
static int qmp_wait(struct qmp *q, short events, int64_t deadline, const char *what)
{
	struct pollfd pfd = { .fd = q->fd, .events = events };

	for (;;) {
		int n = poll(&pfd, 1, qmp_left_ms(deadline));

		if (n > 0)
			return 0;
		if (n == 0)
			return vmc_error_set(VMC_ETIMEOUT, "qmp: timed out waiting for %s", what);
		if (errno != EINTR)
			return qmp_kill(q, vmc_error_set_errno(VMC_EIO, errno, "qmp: poll"));
	}
}

/* Sends one byte with `fd` attached as SCM_RIGHTS (QEMU takes an fd that
 * arrives with any byte of a command). Returns 1 sent, 0 retry, < 0. */
static int qmp_send_fd_byte(struct qmp *q, const char *data, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)data, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(q->fd, &mh, MSG_NOSIGNAL) == 1)
		return 1;
	if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	return qmp_kill(q, vmc_error_set_errno(VMC_EIO, errno, "qmp: sendmsg"));
}

static int qmp_send(struct qmp *q, const char *data, size_t len, int64_t deadline, int pass_fd)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n;
		int rc;

		if (pass_fd >= 0) {
			rc = qmp_send_fd_byte(q, data, pass_fd);
			if (rc < 0)
				return rc;
			if (rc == 1) {
				off = 1;
				pass_fd = -1;
				continue;
			}
			rc = qmp_wait(q, POLLOUT, deadline, "the socket to accept a command");
			if (rc < 0)
				return rc;
			continue;
		}
		n = send(q->fd, data + off, len - off, MSG_NOSIGNAL);

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return qmp_kill(q, vmc_error_set_errno(VMC_EIO, errno, "qmp: send"));
		rc = qmp_wait(q, POLLOUT, deadline, "the socket to accept a command");
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int qmp_cmd_valid(const char *cmd)
{
	size_t n = 0;

	if (!cmd || !*cmd)
		return 0;
	for (; cmd[n]; n++) {
		char c = cmd[n];

		if (n >= QMP_CMD_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int qmp_execute_until(struct qmp *q, const char *cmd, json_t *args, int pass_fd,
			     int64_t deadline, json_t **result)
{
	json_t *msg = NULL, *err, *ret;
	char what[QMP_CMD_MAX + 24];
	char *text = NULL;
	size_t len;
	int rc;

	if (result)
		*result = NULL;
	if (q->dead)
		return qmp_dead_error(q);
	if (q->in_callback)
		return vmc_error_set(VMC_EINVALSTATE, "qmp: execute called from the event callback");
	if (!qmp_cmd_valid(cmd))
		return vmc_error_set(VMC_EINVAL, "qmp: invalid command name");
	if (args && !json_is_object(args))
		return vmc_error_set(VMC_EINVAL, "qmp %s: arguments must be a JSON object", cmd);

	snprintf(what, sizeof(what), "the reply to '%s'", cmd);
	snprintf(q->wait_id, sizeof(q->wait_id), "vmc-%lu", ++q->next_id);
	msg = json_pack("{s:s, s:s}", "execute", cmd, "id", q->wait_id);
	if (!msg || (args && json_object_set(msg, "arguments", args) < 0)) {
		rc = vmc_error_oom();
		goto out;
	}
	text = json_dumps(msg, JSON_COMPACT);
	if (!text) {
		rc = vmc_error_oom();
		goto out;
	}
	len = strlen(text);
	text[len] = '\n'; /* replaces the NUL; the length is kept in len */
	rc = qmp_send(q, text, len + 1, deadline, pass_fd);
	if (rc < 0)
		goto out;
	/* Lines left in the buffer after the greeting come first. */
	rc = qmp_process(q);
	if (rc < 0 && !q->reply)
		goto out;

	while (!q->reply) {
		rc = qmp_wait(q, POLLIN, deadline, what);
		if (rc < 0)
			goto out;
		rc = qmp_read(q);
		if (rc < 0 && !q->reply)
			goto out;
	}
	vmc_error_clear();
	err = json_object_get(q->reply, "error");
	if (err) {
		const char *desc = json_string_value(json_object_get(err, "desc"));

		if (!desc)
			desc = json_string_value(json_object_get(err, "class"));
		rc = vmc_error_set(VMC_ERROR, "qmp %s: %s", cmd, desc ? desc : "unknown error");
		goto out;
	}
	ret = json_object_get(q->reply, "return");
	if (result)
		*result = json_incref(ret);
	rc = 0;
out:
	q->wait_id[0] = '\0';
	json_decref(q->reply);
	q->reply = NULL;
	json_decref(msg);
	free(text);
	return rc;
}

int qmp_execute(struct qmp *q, const char *cmd, json_t *args, int timeout_ms, json_t **result)
{
	return qmp_execute_until(q, cmd, args, -1, qmp_deadline(timeout_ms), result);
}

int qmp_wait_dispatch(struct qmp *q, int timeout_ms)
{
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	int n;

	if (q->dead)
		return qmp_dead_error(q);
	n = poll(&pfd, 1, timeout_ms);
	if (n < 0 && errno != EINTR)
		return qmp_kill(q, vmc_error_set_errno(VMC_EIO, errno, "qmp: poll"));
	if (n <= 0)
		return 0;
	return qmp_dispatch(q);
}

int qmp_execute_fd(struct qmp *q, const char *cmd, json_t *args, int fd, int timeout_ms,
		   json_t **result)
{
	if (fd < 0)
		return vmc_error_set(VMC_EINVAL, "qmp %s: no fd to pass", cmd);
	return qmp_execute_until(q, cmd, args, fd, qmp_deadline(timeout_ms), result);
}

int qmp_open(struct qmp **out, int fd, int timeout_ms)
{
	int64_t deadline = qmp_deadline(timeout_ms);
	struct qmp *q = NULL;
	int flags, rc;

	*out = NULL;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "qmp: fcntl");
		goto out;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		rc = vmc_error_oom();
		goto out;
	}
	q->fd = fd;
	fd = -1; /* owned by q */

	while (!q->greeted) {
		rc = qmp_wait(q, POLLIN, deadline, "the greeting");
		if (rc < 0)
			goto out;
		rc = qmp_read(q);
		if (rc < 0)
			goto out;
	}
	rc = qmp_execute_until(q, "qmp_capabilities", NULL, -1, deadline, NULL);
	if (rc < 0)
		goto out;
	*out = q;
	q = NULL;
out:
	if (fd >= 0)
		close(fd);
	qmp_free(q);
	return rc;
}

void qmp_free(struct qmp *q)
{
	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	json_decref(q->reply);
	for (int i = 0; i < q->n_early; i++)
		json_decref(q->early[i]);
	free(q->buf);
	free(q);
}

int qmp_fd(const struct qmp *q)
{
	return q->fd;
}

void qmp_version(const struct qmp *q, int *major, int *minor, int *micro)
{
	if (major)
		*major = q->version[0];
	if (minor)
		*minor = q->version[1];
	if (micro)
		*micro = q->version[2];
}

void qmp_set_event_handler(struct qmp *q, qmp_event_cb cb, void *payload)
{
	int n = q->n_early;

	q->cb = cb;
	q->payload = payload;
	if (!cb || q->in_callback)
		return;
	q->n_early = 0;
	for (int i = 0; i < n; i++) {
		if (q->cb) {
			q->in_callback = 1;
			q->cb(json_string_value(json_object_get(q->early[i], "event")),
			      json_object_get(q->early[i], "data"), q->payload);
			q->in_callback = 0;
		}
		json_decref(q->early[i]);
	}
}
