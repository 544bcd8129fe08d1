/*
 * chv_api.c - the Cloud Hypervisor API client (see chv_api.h).
 *
 * Why not libcurl (the design's first choice, and libvirt's): vmc-shim is
 * linked statically to keep its RSS under 1 MiB, and a static libcurl
 * drags in OpenSSL, nghttp2, libssh2, libpsl, GSSAPI and LDAP for one
 * HTTP/1.1 verb over a local socket. libcurl also cannot pass fds as
 * SCM_RIGHTS, which vm.add-net and vm.restore need for TAP fds (libvirt
 * hand-writes those requests beside curl), and its CURLOPT_UNIX_SOCKET_PATH
 * takes only paths that fit sun_path, while VM directories may be deeper.
 * The exchange CH speaks is tiny (ch-remote's own client is ~100 lines):
 * a request line, Host, Accept, Content-Type/Length, and a response framed
 * by Content-Length. So the request is written here and the response is
 * parsed by chv_http.c, with bounded sizes, chunked bodies and a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "backend/chv_api.h"
#include "backend/chv_http.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/unixsock.h"

#define CHV_API_READ_MAX (CHV_HTTP_HEAD_MAX + 2 * CHV_HTTP_BODY_MAX)
#define CHV_API_MSG_MAX 400

struct chv_client {
	char *path;
};

int chv_client_new(struct chv_client **out, const char *socket_path)
{
	struct chv_client *c = calloc(1, sizeof(*c));

	if (!c)
		return vmc_error_oom();
	c->path = strdup(socket_path);
	if (!c->path) {
		free(c);
		return vmc_error_oom();
	}
	*out = c;
	return 0;
}

void chv_client_free(struct chv_client *c)
{
	if (!c)
		return;
	free(c->path);
	free(c);
}

static int wait_fd(int fd, short events, int64_t deadline, const char *what)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int n = poll(&pfd, 1, clock_remaining_ms(deadline));
		if (n > 0)
			return 0;
		if (n == 0)
			return vmc_error_set(VMC_ETIMEOUT, "timed out waiting for %s", what);
		if (errno != EINTR)
			return vmc_error_set_errno(VMC_EIO, errno, "poll");
	}
}

static int send_request(int fd, const char *text, size_t len, const int *fds, size_t n_fds,
			int64_t deadline)
{
	size_t off = 0;

	while (off < len) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * CHV_API_FDS_MAX)];
			struct cmsghdr align;
		} u;
		struct iovec iov = { .iov_base = (char *)text + off, .iov_len = len - off };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (off == 0 && n_fds > 0) {
			struct cmsghdr *cm;

			memset(&u, 0, sizeof(u));
			msg.msg_control = u.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
			memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
		}
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_fd(fd, POLLOUT, deadline, "the api socket to take the request");
			if (rc < 0)
				return rc;
			continue;
		}
		return vmc_error_set_errno(VMC_EIO, n < 0 ? errno : EPIPE, "send");
	}
	return 0;
}

/* Reads until one final (non-1xx) response is parsed. */
static int read_response(int fd, int64_t deadline, struct chv_http_response *resp)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int eof = 0, rc;

	for (;;) {
		rc = chv_http_parse(buf ? buf : "", len, eof, resp);
		if (rc > 0 && resp->status < 200) {
			/* interim response (100 Continue): skip it */
			memmove(buf, buf + rc, len - (size_t)rc);
			len -= (size_t)rc;
			chv_http_response_clear(resp);
			continue;
		}
		if (rc != 0)
			break;
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *p;

			if (cap >= CHV_API_READ_MAX) {
				rc = vmc_error_set(VMC_EINVAL, "response larger than %d bytes",
						   CHV_API_READ_MAX);
				break;
			}
			if (ncap > CHV_API_READ_MAX)
				ncap = CHV_API_READ_MAX;
			p = realloc(buf, ncap);
			if (!p) {
				rc = vmc_error_oom();
				break;
			}
			buf = p;
			cap = ncap;
		}
		ssize_t n = recv(fd, buf + len, cap - len, 0);
		if (n > 0) {
			len += (size_t)n;
		} else if (n == 0) {
			eof = 1;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			rc = wait_fd(fd, POLLIN, deadline, "the api response");
			if (rc < 0)
				break;
		} else if (errno == ECONNRESET) {
			eof = 1;
		} else if (errno != EINTR) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "recv");
			break;
		}
	}
	/* The same bytes without EOF asked for more: the peer closed mid-way,
	 * i.e. the VMM went away (not a protocol error). */
	if (rc == VMC_EPROTO && eof && chv_http_parse(buf ? buf : "", len, 0, resp) == 0)
		rc = vmc_error_set(VMC_EIO, "connection closed %s",
				   len ? "in the middle of the response" : "before a response");
	free(buf);
	return rc > 0 ? 0 : rc;
}

/* Appends printable bytes of s[0..n) to out (bounded). */
static void msg_append(char *out, size_t cap, const char *s, size_t n)
{
	size_t len = strlen(out);

	for (size_t i = 0; i < n && len + 1 < cap; i++)
		out[len++] = ((unsigned char)s[i] >= 0x20 && s[i] != 0x7f) ? s[i] : ' ';
	out[len] = '\0';
}

/* CH's error chain ["top", ..., "root cause"], micro_http's {"error": ...},
 * or the text itself. */
static void error_message(const char *body, size_t len, char *out, size_t cap)
{
	json_t *j = body && len ? json_loadb(body, len, 0, NULL) : NULL;

	out[0] = '\0';
	if (json_is_array(j)) {
		size_t i;
		json_t *v;

		json_array_foreach(j, i, v) {
			const char *s = json_string_value(v);
			if (!s)
				continue;
			if (out[0])
				msg_append(out, cap, ": ", 2);
			msg_append(out, cap, s, strlen(s));
		}
	} else if (json_is_object(j) && json_is_string(json_object_get(j, "error"))) {
		const char *s = json_string_value(json_object_get(j, "error"));
		msg_append(out, cap, s, strlen(s));
	} else if (body) {
		msg_append(out, cap, body, len);
	}
	json_decref(j);
	if (!out[0])
		snprintf(out, cap, "no error message");
}

static int status_code(int status)
{
	switch (status) {
	case 404: return VMC_ENOTFOUND;
	case 400: case 409: return VMC_EINVAL;
	case 429: case 503: return VMC_EBUSY;
	default: return VMC_ERROR;
	}
}

int chv_client_request(struct chv_client *c, const char *method, const char *endpoint,
		       const char *body, const int *fds, size_t n_fds, int timeout_ms,
		       int *status, char **resp_body)
{
	struct chv_http_response resp = { 0 };
	int64_t deadline = clock_deadline(timeout_ms);
	char *text = NULL, msg[CHV_API_MSG_MAX];
	size_t len = 0;
	int fd = -1, rc;

	if (status)
		*status = 0;
	if (resp_body)
		*resp_body = NULL;
	if (n_fds > CHV_API_FDS_MAX)
		return vmc_error_set(VMC_EINVAL, "too many fds for one api request");
	rc = chv_http_request(method, endpoint, body, &text, &len);
	if (rc < 0)
		goto out;
	rc = unix_connect(c->path, &fd);
	if (rc < 0)
		goto out;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "fcntl");
		goto out;
	}
	rc = send_request(fd, text, len, fds, n_fds, deadline);
	if (rc == 0)
		rc = read_response(fd, deadline, &resp);
	if (rc < 0)
		goto out;
	if (status)
		*status = resp.status;
	if (resp.status < 200 || resp.status > 299) {
		error_message(resp.body, resp.body_len, msg, sizeof(msg));
		rc = vmc_error_set(status_code(resp.status), "HTTP %d: %s", resp.status, msg);
		goto out;
	}
	if (resp_body && resp.body_len > 0) {
		*resp_body = resp.body;
		resp.body = NULL;
	}
out:
	if (rc < 0)
		rc = vmc_error_prefix(rc, "cloud-hypervisor api %s %s", method, endpoint);
	chv_http_response_clear(&resp);
	free(text);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* ------------------------------------------------------------ endpoints */

/* GETs endpoint and parses its body as a JSON object. */
static int get_object(struct chv_client *c, const char *endpoint, int timeout_ms, json_t **out)
{
	char *body = NULL;
	json_t *j;
	int rc;

	rc = chv_client_request(c, "GET", endpoint, NULL, NULL, 0, timeout_ms, NULL, &body);
	if (rc < 0)
		return rc;
	j = body ? json_loads(body, 0, NULL) : NULL;
	free(body);
	if (!json_is_object(j)) {
		json_decref(j);
		return vmc_error_set(VMC_EPROTO, "cloud-hypervisor api GET %s: not a JSON object",
				     endpoint);
	}
	*out = j;
	return 0;
}

int chv_api_vmm_ping(struct chv_client *c, int timeout_ms, char **version)
{
	json_t *j = NULL;
	const char *v;
	int rc;

	rc = get_object(c, "vmm.ping", timeout_ms, &j);
	if (rc < 0)
		return rc;
	if (version) {
		v = json_string_value(json_object_get(j, "build_version"));
		if (!v)
			v = json_string_value(json_object_get(j, "version"));
		*version = strdup(v ? v : "");
		if (!*version)
			rc = vmc_error_oom();
	}
	json_decref(j);
	return rc;
}

int chv_api_vm_info(struct chv_client *c, int timeout_ms, char state[CHV_API_STATE_MAX])
{
	json_t *j = NULL;
	const char *s;
	int rc;

	rc = get_object(c, "vm.info", timeout_ms, &j);
	if (rc < 0)
		return rc;
	s = json_string_value(json_object_get(j, "state"));
	if (!s || !*s || strlen(s) >= CHV_API_STATE_MAX)
		rc = vmc_error_set(VMC_EPROTO, "cloud-hypervisor api GET vm.info: no valid \"state\"");
	else
		memcpy(state, s, strlen(s) + 1);
	json_decref(j);
	return rc;
}

static int put(struct chv_client *c, const char *endpoint, const char *body, int timeout_ms)
{
	return chv_client_request(c, "PUT", endpoint, body, NULL, 0, timeout_ms, NULL, NULL);
}

int chv_api_vm_power_button(struct chv_client *c, int timeout_ms)
{
	return put(c, "vm.power-button", NULL, timeout_ms);
}

int chv_api_vm_shutdown(struct chv_client *c, int timeout_ms)
{
	return put(c, "vm.shutdown", NULL, timeout_ms);
}

int chv_api_vm_reboot(struct chv_client *c, int timeout_ms)
{
	return put(c, "vm.reboot", NULL, timeout_ms);
}

int chv_api_vm_pause(struct chv_client *c, int timeout_ms)
{
	return put(c, "vm.pause", NULL, timeout_ms);
}

int chv_api_vm_resume(struct chv_client *c, int timeout_ms)
{
	return put(c, "vm.resume", NULL, timeout_ms);
}

int chv_api_vmm_shutdown(struct chv_client *c, int timeout_ms)
{
	return put(c, "vmm.shutdown", NULL, timeout_ms);
}

/* Dumps a JSON body with "<key>": "file://<dir>" plus extra members. */
static int url_body(const char *key, const char *dir, json_t *obj, char **out)
{
	char *url = NULL;
	int rc = 0;

	if (!dir || dir[0] != '/')
		rc = vmc_error_set(VMC_EINVAL, "snapshot directory must be an absolute path");
	else if (asprintf(&url, "file://%s", dir) < 0)
		rc = vmc_error_oom();
	if (rc == 0 && (!obj || json_object_set_new(obj, key, json_string(url)) < 0))
		rc = vmc_error_set(VMC_EINVAL, "snapshot directory '%s' is not valid UTF-8", dir);
	if (rc == 0) {
		*out = json_dumps(obj, JSON_COMPACT);
		if (!*out)
			rc = vmc_error_oom();
	}
	free(url);
	json_decref(obj);
	return rc;
}

int chv_api_vm_snapshot(struct chv_client *c, const char *dir, int timeout_ms)
{
	char *body = NULL;
	int rc;

	rc = url_body("destination_url", dir, json_object(), &body);
	if (rc == 0)
		rc = put(c, "vm.snapshot", body, timeout_ms);
	free(body);
	return rc;
}

int chv_api_vm_restore(struct chv_client *c, const char *dir, int resume, int timeout_ms)
{
	return chv_api_vm_restore_net(c, dir, resume, NULL, NULL, 0, NULL, timeout_ms);
}

int chv_api_vm_restore_net(struct chv_client *c, const char *dir, int resume,
			   const char *const *net_ids, const unsigned int *num_fds, size_t n,
			   const int *fds, int timeout_ms)
{
	json_t *obj = json_pack("{s:b}", "resume", resume), *arr = n ? json_array() : NULL;
	char *body = NULL;
	size_t total = 0;
	int rc;

	for (size_t i = 0; obj && arr && i < n; i++) {
		json_array_append_new(arr, json_pack("{s:s, s:i}", "id", net_ids[i], "num_fds",
						     (int)num_fds[i]));
		total += num_fds[i];
	}
	if (obj && arr)
		json_object_set_new(obj, "net_fds", arr);
	rc = url_body("source_url", dir, obj, &body);
	if (rc == 0)
		rc = chv_client_request(c, "PUT", "vm.restore", body, fds, total, timeout_ms, NULL,
					NULL);
	free(body);
	return rc;
}

/* PUTs a JSON body (stolen) and reads "id" of a 200 answer into id. */
static int put_device(struct chv_client *c, const char *endpoint, json_t *obj, const int *fds,
		      size_t n_fds, char *id, size_t id_len, int timeout_ms)
{
	char *body = obj ? json_dumps(obj, JSON_COMPACT) : NULL, *resp = NULL;
	json_t *j = NULL;
	const char *got;
	int rc;

	json_decref(obj);
	if (id_len)
		id[0] = '\0';
	if (!body)
		return vmc_error_set(VMC_EINVAL, "cloud-hypervisor api PUT %s: cannot encode the "
				     "body (not UTF-8?)", endpoint);
	rc = chv_client_request(c, "PUT", endpoint, body, fds, n_fds, timeout_ms, NULL, &resp);
	free(body);
	if (rc < 0 || !resp)
		return rc; /* 204: a cold add, no id yet */
	j = json_loads(resp, 0, NULL);
	free(resp);
	got = json_string_value(json_object_get(j, "id"));
	if (!got || strlen(got) >= id_len)
		rc = vmc_error_set(VMC_EPROTO, "cloud-hypervisor api PUT %s: no valid \"id\" in "
				   "the answer", endpoint);
	else
		memcpy(id, got, strlen(got) + 1);
	json_decref(j);
	return rc;
}

int chv_api_vm_resize(struct chv_client *c, unsigned int vcpus, unsigned long long ram_bytes,
		      int timeout_ms)
{
	json_t *obj = json_object();
	char *body;
	int rc;

	if (obj && vcpus)
		json_object_set_new(obj, "desired_vcpus", json_integer((json_int_t)vcpus));
	if (obj && ram_bytes)
		json_object_set_new(obj, "desired_ram", json_integer((json_int_t)ram_bytes));
	body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (!body)
		return vmc_error_oom();
	rc = put(c, "vm.resize", body, timeout_ms);
	free(body);
	return rc;
}

int chv_api_vm_add_disk(struct chv_client *c, const char *path, int qcow2, int read_only,
			char *id, size_t id_len, int timeout_ms)
{
	return put_device(c, "vm.add-disk",
			  json_pack("{s:s, s:b, s:s}", "path", path, "readonly", read_only,
				    "image_type", qcow2 ? "Qcow2" : "Raw"),
			  NULL, 0, id, id_len, timeout_ms);
}

int chv_api_vm_add_net(struct chv_client *c, const int *fds, size_t n_fds, const char *mac,
		       char *id, size_t id_len, int timeout_ms)
{
	if (n_fds == 0)
		return vmc_error_set(VMC_EINVAL, "vm.add-net needs at least one TAP fd");
	return put_device(c, "vm.add-net",
			  json_pack("{s:s, s:i}", "mac", mac, "num_queues", (int)(2 * n_fds)), fds,
			  n_fds, id, id_len, timeout_ms);
}

int chv_api_vm_remove_device(struct chv_client *c, const char *id, int timeout_ms)
{
	json_t *obj = json_pack("{s:s}", "id", id);
	char *body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	int rc;

	json_decref(obj);
	if (!body)
		return vmc_error_set(VMC_EINVAL, "device id is not valid UTF-8");
	rc = put(c, "vm.remove-device", body, timeout_ms);
	free(body);
	return rc;
}
