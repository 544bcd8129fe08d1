/*
 * chv_api_test.c - the Cloud Hypervisor API client (src/backend/chv_api.c)
 * and its HTTP framing (chv_http.c) against an in-test responder on a unix
 * socket that replays exchanges in the shapes the reference documents for
 * CH's micro_http server: 204 without a body, 200 with a JSON body and
 * Content-Length, error chains as JSON arrays, micro_http's {"error"}
 * objects, 503 for too many connections, and hostile answers (chunked,
 * oversized, truncated, garbage, silence). The responder keeps the
 * connection open after answering, as CH does (keep-alive), so a client
 * that waited for EOF would time out.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend/chv_api.h"
#include "backend/chv_http.h"
#include "core/fsutil.h"
#include "core/unixsock.h"
#include "vmc.h"

#define OK_HEAD "HTTP/1.1 200 \r\nServer: Cloud Hypervisor API\r\nConnection: keep-alive\r\n" \
		"Content-Type: application/json\r\n"
#define NO_CONTENT "HTTP/1.1 204 \r\nServer: Cloud Hypervisor API\r\nConnection: keep-alive\r\n\r\n"

struct responder {
	int listen_fd;
	const char *resp;       /* NULL: never answer */
	size_t resp_len;        /* 0: strlen(resp) */
	int close_after;        /* close right after answering */
	char req[8192];
	size_t req_len;
	int n_fds;              /* fds received with the request */
	pthread_t thread;
};

struct fixture {
	char dir[64];
	char sock[128];
	struct responder r;
	struct chv_client *c;
};

static size_t content_length(const char *req)
{
	const char *p = strstr(req, "Content-Length: ");

	return p ? strtoul(p + 16, NULL, 10) : 0;
}

/* A 200/4xx/5xx response the way micro_http frames it, into buf. */
static const char *framed(char *buf, size_t len, int status, const char *body)
{
	snprintf(buf, len, "HTTP/1.1 %d \r\nServer: Cloud Hypervisor API\r\n"
		 "Connection: keep-alive\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s", status, strlen(body), body);
	return buf;
}

static void *respond(void *arg)
{
	struct responder *r = arg;
	int fd = accept4(r->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	char *end = NULL;

	if (fd < 0)
		return NULL;
	/* the request: head, then Content-Length bytes of body */
	while (r->req_len < sizeof(r->req) - 1) {
		union { char b[CMSG_SPACE(sizeof(int) * 16)]; struct cmsghdr a; } u;
		struct iovec iov = { r->req + r->req_len, sizeof(r->req) - 1 - r->req_len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
				      .msg_controllen = sizeof(u.b) };
		ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);

		if (n <= 0)
			break;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_type != SCM_RIGHTS)
				continue;
			int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			for (int i = 0; i < k; i++) {
				int got;
				memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				close(got);
			}
			r->n_fds += k;
		}
		r->req_len += (size_t)n;
		r->req[r->req_len] = '\0';
		end = strstr(r->req, "\r\n\r\n");
		if (end && r->req_len >= (size_t)(end + 4 - r->req) + content_length(r->req))
			break;
	}
	if (r->resp)
		(void)!send(fd, r->resp, r->resp_len ? r->resp_len : strlen(r->resp), MSG_NOSIGNAL);
	if (!r->close_after) {
		char buf[256];
		while (read(fd, buf, sizeof(buf)) > 0) /* keep-alive: until the client closes */
			;
	}
	close(fd);
	return NULL;
}

static void serve(struct fixture *fx, const char *resp, size_t len, int close_after)
{
	fx->r.resp = resp;
	fx->r.resp_len = len;
	fx->r.close_after = close_after;
	assert_int_equal(pthread_create(&fx->r.thread, NULL, respond, &fx->r), 0);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/chv-api-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->sock, sizeof(fx->sock), "%s/api.sock", fx->dir);
	assert_int_equal(unix_listen(fx->sock, 4, 0, &fx->r.listen_fd), 0);
	assert_int_equal(chv_client_new(&fx->c, fx->sock), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->r.thread)
		pthread_join(fx->r.thread, NULL);
	chv_client_free(fx->c);
	close(fx->r.listen_fd);
	fs_remove_tree(fx->dir);
	free(fx);
	return 0;
}

/* ------------------------------------------------------------ success */

static void chv_api__ping_reads_version(void **state)
{
	struct fixture *fx = *state;
	char resp[512], *version = NULL;

	serve(fx, framed(resp, sizeof(resp), 200, "{\"build_version\":\"v53.0-246\",\"version\":"
			 "\"54.0.0\",\"pid\":42,\"features\":[\"kvm\",\"io_uring\"]}"), 0, 0);
	assert_int_equal(chv_api_vmm_ping(fx->c, 2000, &version), 0);
	assert_string_equal(version, "v53.0-246");
	free(version);
	pthread_join(fx->r.thread, NULL);
	fx->r.thread = 0;
	assert_string_equal(fx->r.req, "GET /api/v1/vmm.ping HTTP/1.1\r\nHost: localhost\r\n"
			    "Accept: application/json\r\n\r\n");
}

static void chv_api__bodyless_put_gets_204(void **state)
{
	struct fixture *fx = *state;

	serve(fx, NO_CONTENT, 0, 0);
	assert_int_equal(chv_api_vm_pause(fx->c, 2000), 0);
	pthread_join(fx->r.thread, NULL);
	fx->r.thread = 0;
	/* no body, no Content-Length: CH answers 400 to any body here */
	assert_string_equal(fx->r.req, "PUT /api/v1/vm.pause HTTP/1.1\r\nHost: localhost\r\n"
			    "Accept: application/json\r\n\r\n");
}

static void chv_api__info_reads_state(void **state)
{
	struct fixture *fx = *state;
	char resp[512], st[CHV_API_STATE_MAX];

	serve(fx, framed(resp, sizeof(resp), 200, "{\"config\":{\"cpus\":{\"boot_vcpus\":1}},"
			 "\"state\":\"Paused\",\"memory_actual_size\":1048576,\"device_tree\":{}}"),
	      0, 0);
	assert_int_equal(chv_api_vm_info(fx->c, 2000, st), 0);
	assert_string_equal(st, "Paused");
}

static void chv_api__chunked_body(void **state)
{
	struct fixture *fx = *state;
	static const char resp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"a;ext=1\r\n{\"state\":\"\r\n"
		"9\r\nRunning\"}\r\n"
		"0\r\nX-Trailer: 1\r\n\r\n";
	char st[CHV_API_STATE_MAX];

	serve(fx, resp, 0, 0);
	assert_int_equal(chv_api_vm_info(fx->c, 2000, st), 0);
	assert_string_equal(st, "Running");
}

static void chv_api__interim_100_is_skipped(void **state)
{
	struct fixture *fx = *state;

	serve(fx, "HTTP/1.1 100 \r\n\r\n" NO_CONTENT, 0, 0);
	assert_int_equal(chv_api_vm_resume(fx->c, 2000), 0);
}

static void chv_api__snapshot_sends_json_body(void **state)
{
	struct fixture *fx = *state;
	static const char body[] = "{\"destination_url\":\"file:///var/tmp/snap\"}";
	char want[512];

	serve(fx, NO_CONTENT, 0, 0);
	assert_int_equal(chv_api_vm_snapshot(fx->c, "/var/tmp/snap", 2000), 0);
	pthread_join(fx->r.thread, NULL);
	fx->r.thread = 0;
	snprintf(want, sizeof(want), "PUT /api/v1/vm.snapshot HTTP/1.1\r\nHost: localhost\r\n"
		 "Accept: application/json\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	assert_string_equal(fx->r.req, want);
	assert_int_equal(chv_api_vm_snapshot(fx->c, "relative/dir", 2000), VMC_EINVAL);
}

static void chv_api__restore_body(void **state)
{
	struct fixture *fx = *state;

	serve(fx, NO_CONTENT, 0, 0);
	assert_int_equal(chv_api_vm_restore(fx->c, "/snap", 1, 2000), 0);
	pthread_join(fx->r.thread, NULL);
	fx->r.thread = 0;
	assert_non_null(strstr(fx->r.req, "PUT /api/v1/vm.restore HTTP/1.1\r\n"));
	assert_non_null(strstr(fx->r.req, "\"source_url\":\"file:///snap\""));
	assert_non_null(strstr(fx->r.req, "\"resume\":true"));
}

static void chv_api__fds_travel_as_scm_rights(void **state)
{
	struct fixture *fx = *state;
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	serve(fx, NO_CONTENT, 0, 0);
	assert_int_equal(chv_client_request(fx->c, "PUT", "vm.add-net",
					    "{\"id\":\"net0\",\"num_queues\":4}", p, 2, 2000, NULL,
					    NULL), 0);
	pthread_join(fx->r.thread, NULL);
	fx->r.thread = 0;
	assert_int_equal(fx->r.n_fds, 2);
	close(p[0]);
	close(p[1]);
}

/* ------------------------------------------------------------ errors */

static void chv_api__500_error_chain_becomes_message(void **state)
{
	struct fixture *fx = *state;
	static const char body[] = "[\"Error from API\",\"The VM could not be paused\","
				   "\"Invalid VM state transition: Paused to Paused\"]";
	char resp[512];
	int status = 0;

	serve(fx, framed(resp, sizeof(resp), 500, body), 0, 0);
	assert_int_equal(chv_client_request(fx->c, "PUT", "vm.pause", NULL, NULL, 0, 2000, &status,
					    NULL), VMC_ERROR);
	assert_int_equal(status, 500);
	assert_string_equal(vmc_error_last(),
			    "cloud-hypervisor api PUT vm.pause: HTTP 500: Error from API: The VM "
			    "could not be paused: Invalid VM state transition: Paused to Paused");
}

static void chv_api__400_micro_http_error_object(void **state)
{
	struct fixture *fx = *state;
	char resp[512];

	serve(fx, framed(resp, sizeof(resp), 400, "{ \"error\": \"Invalid HTTP method.\" }"), 0, 0);
	assert_int_equal(chv_api_vm_reboot(fx->c, 2000), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "HTTP 400: Invalid HTTP method."));
}

static void chv_api__404_is_not_found(void **state)
{
	struct fixture *fx = *state;
	static const char resp[] = "HTTP/1.1 404 \r\nContent-Length: 2\r\n\r\n[]";
	char st[CHV_API_STATE_MAX];

	serve(fx, resp, 0, 0);
	assert_int_equal(chv_api_vm_info(fx->c, 2000, st), VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), "HTTP 404: no error message"));
}

static void chv_api__503_too_many_connections(void **state)
{
	struct fixture *fx = *state;
	static const char resp[] = "HTTP/1.1 503 \r\nContent-Length: 25\r\nConnection: close\r\n"
				   "\r\nToo many open connections";

	serve(fx, resp, 0, 1);
	assert_int_equal(chv_api_vm_shutdown(fx->c, 2000), VMC_EBUSY);
	assert_non_null(strstr(vmc_error_last(), "Too many open connections"));
}

static void chv_api__oversized_body_refused(void **state)
{
	struct fixture *fx = *state;
	static const char resp[] = "HTTP/1.1 200 \r\nContent-Length: 2097152\r\n\r\n{";
	char st[CHV_API_STATE_MAX];

	serve(fx, resp, 0, 0);
	assert_int_equal(chv_api_vm_info(fx->c, 2000, st), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "over the"));
}

static void chv_api__garbage_is_protocol_error(void **state)
{
	struct fixture *fx = *state;

	serve(fx, "SSH-2.0-OpenSSH_9.2\r\n\r\n", 0, 0);
	assert_int_equal(chv_api_vm_power_button(fx->c, 2000), VMC_EPROTO);
}

static void chv_api__vmm_dying_mid_response_is_eio(void **state)
{
	struct fixture *fx = *state;

	serve(fx, OK_HEAD "Content-Length: 100\r\n\r\n{\"state\":", 0, 1);
	char st[CHV_API_STATE_MAX];
	assert_int_equal(chv_api_vm_info(fx->c, 2000, st), VMC_EIO);
	assert_non_null(strstr(vmc_error_last(), "connection closed"));
}

static void chv_api__vmm_dying_before_response_is_eio(void **state)
{
	struct fixture *fx = *state;

	serve(fx, "", 0, 1);
	assert_int_equal(chv_api_vmm_shutdown(fx->c, 2000), VMC_EIO);
}

static void chv_api__silence_times_out(void **state)
{
	struct fixture *fx = *state;

	serve(fx, NULL, 0, 0);
	assert_int_equal(chv_api_vm_pause(fx->c, 200), VMC_ETIMEOUT);
}

static void chv_api__info_without_state_is_protocol_error(void **state)
{
	struct fixture *fx = *state;
	char st[CHV_API_STATE_MAX];

	serve(fx, OK_HEAD "Content-Length: 2\r\n\r\n{}", 0, 0);
	assert_int_equal(chv_api_vm_info(fx->c, 2000, st), VMC_EPROTO);
}

static void chv_api__nothing_listening_is_not_found(void **state)
{
	struct fixture *fx = *state;
	struct chv_client *c = NULL;
	char path[160];

	snprintf(path, sizeof(path), "%s/none.sock", fx->dir);
	assert_int_equal(chv_client_new(&c, path), 0);
	assert_int_equal(chv_api_vmm_ping(c, 1000, NULL), VMC_ENOTFOUND);
	chv_client_free(c);
}

/* ------------------------------------------------------------ framing */

/* Parses `text` fed one byte at a time; every prefix must ask for more. */
static int parse_bytewise(const char *text, size_t len, struct chv_http_response *out)
{
	for (size_t i = 0; i < len; i++) {
		int rc = chv_http_parse(text, i, 0, out);
		if (rc != 0)
			return rc < 0 ? rc : -1000;
	}
	return chv_http_parse(text, len, 0, out);
}

static void chv_http__incremental(void **state)
{
	static const char t[] = "HTTP/1.1 200 \r\nTransfer-Encoding: chunked\r\n\r\n"
				"3\r\nabc\r\n0\r\n\r\nHTTP/1.1 204 \r\n\r\n";
	struct chv_http_response r;
	size_t first = strlen(t) - strlen("HTTP/1.1 204 \r\n\r\n");

	(void)state;
	assert_int_equal(parse_bytewise(t, first, &r), (int)first);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 3);
	assert_string_equal(r.body, "abc");
	chv_http_response_clear(&r);
	/* a pipelined second response is not swallowed */
	assert_int_equal(chv_http_parse(t, strlen(t), 0, &r), (int)first);
	chv_http_response_clear(&r);
}

static void chv_http__rejects_smuggling_shapes(void **state)
{
	struct chv_http_response r;
#define P(s) chv_http_parse(s, strlen(s), 0, &r)

	(void)state;
	assert_int_equal(P("HTTP/1.1 200 \r\nContent-Length: 1\r\nContent-Length: 2"
					 "\r\n\r\nab"), VMC_EPROTO);
	assert_int_equal(P("HTTP/1.1 200 \r\nContent-Length: 1\r\nTransfer-Encoding: "
					 "chunked\r\n\r\n"), VMC_EPROTO);
	assert_int_equal(P("HTTP/1.1 200 \r\nTransfer-Encoding: gzip\r\n\r\n"), VMC_EPROTO);
	assert_int_equal(P("HTTP/1.1 200 \r\n Folded: x\r\n\r\n"),
			 VMC_EPROTO);
	assert_int_equal(P("HTTP/1.1 20x \r\n\r\n"), VMC_EPROTO);
	assert_int_equal(P("HTTP/1.1 200 \r\nContent-Length: -1\r\n\r\n"),
			 VMC_EPROTO);
	assert_int_equal(P("HTTP/1.1 200 \r\nTransfer-Encoding: chunked\r\n\r\n"
					 "fffffffff\r\n"), VMC_EINVAL);
#undef P
}

static void chv_http__keep_alive_without_length_has_no_body(void **state)
{
	static const char t[] = "HTTP/1.1 200 \r\nServer: Cloud Hypervisor API\r\n\r\n";
	struct chv_http_response r;

	(void)state;
	assert_int_equal(chv_http_parse(t, strlen(t), 0, &r), (int)strlen(t));
	assert_null(r.body);
	/* with Connection: close the body runs to EOF */
	static const char c[] = "HTTP/1.0 200 \r\nConnection: close\r\n\r\nhello";
	assert_int_equal(chv_http_parse(c, strlen(c), 0, &r), 0);
	assert_int_equal(chv_http_parse(c, strlen(c), 1, &r), (int)strlen(c));
	assert_string_equal(r.body, "hello");
	chv_http_response_clear(&r);
}

static void chv_http__head_bound(void **state)
{
	char *big = malloc(CHV_HTTP_HEAD_MAX + 64);
	struct chv_http_response r;

	(void)state;
	assert_non_null(big);
	memcpy(big, "HTTP/1.1 200 \r\nX: ", 18);
	memset(big + 18, 'a', CHV_HTTP_HEAD_MAX + 40);
	assert_int_equal(chv_http_parse(big, CHV_HTTP_HEAD_MAX + 58, 0, &r), VMC_EINVAL);
	free(big);
}

static void chv_http__request_refuses_bad_tokens(void **state)
{
	char *out = NULL;
	size_t len;

	(void)state;
	assert_int_equal(chv_http_request("PUT", "vm.pause HTTP/1.1\r\nX: y", NULL, &out, &len),
			 VMC_EINVAL);
	assert_int_equal(chv_http_request("P T", "vm.pause", NULL, &out, &len), VMC_EINVAL);
	assert_null(out);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(chv_api__ping_reads_version),
		T(chv_api__bodyless_put_gets_204),
		T(chv_api__info_reads_state),
		T(chv_api__chunked_body),
		T(chv_api__interim_100_is_skipped),
		T(chv_api__snapshot_sends_json_body),
		T(chv_api__restore_body),
		T(chv_api__fds_travel_as_scm_rights),
		T(chv_api__500_error_chain_becomes_message),
		T(chv_api__400_micro_http_error_object),
		T(chv_api__404_is_not_found),
		T(chv_api__503_too_many_connections),
		T(chv_api__oversized_body_refused),
		T(chv_api__garbage_is_protocol_error),
		T(chv_api__vmm_dying_mid_response_is_eio),
		T(chv_api__vmm_dying_before_response_is_eio),
		T(chv_api__silence_times_out),
		T(chv_api__info_without_state_is_protocol_error),
		T(chv_api__nothing_listening_is_not_found),
		cmocka_unit_test(chv_http__incremental),
		cmocka_unit_test(chv_http__rejects_smuggling_shapes),
		cmocka_unit_test(chv_http__keep_alive_without_length_has_no_body),
		cmocka_unit_test(chv_http__head_bound),
		cmocka_unit_test(chv_http__request_refuses_bad_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
