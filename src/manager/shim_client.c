/*
 * shim_client.c - talking to a VM's vmc-shim (see shim_client.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/state.h"
#include "core/unixsock.h"
#include "manager/shim_client.h"

#define SHIM_REPLY_MAX (64 * 1024)

int shim_conn_open(struct shim_conn *c, const char *vm_dir)
{
	char *path = fs_join(vm_dir, "shim.sock");
	int rc;

	c->fd = -1;
	memset(&c->in, 0, sizeof(c->in));
	if (!path)
		return vmc_error_oom();
	rc = unix_connect(path, &c->fd);
	free(path);
	if (rc < 0)
		return rc;
	rc = line_reader_init(&c->in, SHIM_REPLY_MAX);
	if (rc < 0) {
		close(c->fd);
		c->fd = -1;
	}
	return rc;
}

void shim_conn_close(struct shim_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	line_reader_free(&c->in);
}

int shim_conn_send(struct shim_conn *c, json_t *req)
{
	char *text = json_dumps(req, JSON_COMPACT);
	size_t len;
	int rc;

	if (!text)
		return vmc_error_oom();
	len = strlen(text);
	text[len] = '\n';
	rc = unix_send_all(c->fd, text, len + 1);
	free(text);
	return rc;
}

int shim_conn_recv(struct shim_conn *c, int64_t deadline, json_t **out)
{
	json_error_t jerr;
	char *line;
	int n;

	*out = NULL;
	for (;;) {
		line = line_reader_next(&c->in);
		if (line) {
			*out = json_loads(line, 0, &jerr);
			if (!*out || !json_is_object(*out)) {
				json_decref(*out);
				*out = NULL;
				return vmc_error_set(VMC_EPROTO, "malformed message from vmc-shim");
			}
			return 0;
		}
		if (c->in.eof)
			return vmc_error_set(VMC_EIO, "vmc-shim closed the connection");
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		n = poll(&pfd, 1, clock_remaining_ms(deadline));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vmc_error_set_errno(VMC_EIO, errno, "poll");
		}
		if (n == 0)
			return vmc_error_set(VMC_ETIMEOUT, "timed out waiting for vmc-shim");
		n = line_reader_fill(&c->in, c->fd);
		if (n < 0)
			return n;
	}
}

static int reply_error(json_t *reply)
{
	json_t *ok = json_object_get(reply, "ok");
	const char *msg;
	json_int_t code;

	if (json_is_true(ok))
		return 0;
	code = json_integer_value(json_object_get(reply, "code"));
	msg = json_string_value(json_object_get(reply, "error"));
	if (code >= 0 || code < -100)
		code = VMC_ERROR;
	return vmc_error_set((int)code, "%s", msg ? msg : "vmc-shim refused the request");
}

int shim_request(const char *vm_dir, json_t *req, int timeout_ms, json_t **reply)
{
	return shim_request_answered(vm_dir, req, timeout_ms, reply, NULL);
}

int shim_request_answered(const char *vm_dir, json_t *req, int timeout_ms, json_t **reply,
			  int *answered)
{
	struct shim_conn c;
	int64_t deadline = clock_deadline(timeout_ms);
	int rc;

	*reply = NULL;
	if (answered)
		*answered = 0;
	rc = shim_conn_open(&c, vm_dir);
	if (rc < 0)
		return rc;
	rc = shim_conn_send(&c, req);
	if (rc == 0)
		rc = shim_conn_recv(&c, deadline, reply);
	shim_conn_close(&c);
	if (rc == 0) {
		if (answered)
			*answered = 1;
		rc = reply_error(*reply);
		if (rc < 0) {
			json_decref(*reply);
			*reply = NULL;
		}
	}
	return rc;
}

int shim_reply_state(json_t *msg, vmc_state *out)
{
	json_t *st = json_object_get(msg, "state");

	if (!st)
		return vmc_error_set(VMC_EPROTO, "vmc-shim sent no state");
	return state_from_json(st, out);
}
