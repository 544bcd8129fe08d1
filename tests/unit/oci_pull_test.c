/*
 * oci_pull_test.c - the pieces of `vmc pull` that need no network: the
 * plain-HTTP rule, platform strings, the Docker config and credential
 * helper readers, the token answer, response header lines, and the
 * store's resumable writer (a partial file found again, hashed again and
 * continued; a stale one caught at commit). The network half runs against
 * a real registry in tests/integration/pull_test.py.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/fsutil.h"
#include "vmc.h"
#include "image/oci_auth.h"
#include "image/oci_http.h"
#include "image/oci_pull.h"
#include "image/oci_registry.h"
#include "image/store.h"

static void test_http_rule(void **state)
{
	static const char *const insecure[] = { "reg.example:5000", "plain.example" };

	(void)state;
	assert_int_equal(oci_registry_http_allowed("localhost:5000", NULL, 0), 1);
	assert_int_equal(oci_registry_http_allowed("127.0.0.1:5000", NULL, 0), 1);
	assert_int_equal(oci_registry_http_allowed("127.9.8.7", NULL, 0), 1);
	assert_int_equal(oci_registry_http_allowed("[::1]:5000", NULL, 0), 1);
	assert_int_equal(oci_registry_http_allowed("docker.io", NULL, 0), 0);
	assert_int_equal(oci_registry_http_allowed("localhost.example:5000", NULL, 0), 0);
	assert_int_equal(oci_registry_http_allowed("128.0.0.1:5000", NULL, 0), 0);
	assert_int_equal(oci_registry_http_allowed("10.0.0.1:5000", NULL, 0), 0);
	assert_int_equal(oci_registry_http_allowed("reg.example:5000", insecure, 2), 1);
	assert_int_equal(oci_registry_http_allowed("reg.example:5001", insecure, 2), 0);
	assert_int_equal(oci_registry_http_allowed("reg.example", insecure, 2), 0);
	assert_int_equal(oci_registry_http_allowed("plain.example:443", insecure, 2), 1);
	assert_int_equal(oci_registry_http_allowed("plain.example", insecure, 2), 1);
	assert_int_equal(oci_registry_http_allowed("other.example", insecure, 2), 0);
}

static void test_platform(void **state)
{
	struct oci_platform p;

	(void)state;
	assert_int_equal(oci_platform_parse(&p, "linux/arm64/v8"), 0);
	assert_string_equal(p.os, "linux");
	assert_string_equal(p.architecture, "arm64");
	assert_string_equal(p.variant, "v8");
	assert_int_equal(oci_platform_parse(&p, "linux/amd64"), 0);
	assert_string_equal(p.variant, "");
	assert_int_equal(oci_platform_parse(&p, "linux"), VMC_EINVAL);
	assert_int_equal(oci_platform_parse(&p, "linux/"), VMC_EINVAL);
	assert_int_equal(oci_platform_parse(&p, "/amd64"), VMC_EINVAL);
	assert_int_equal(oci_platform_parse(&p, "linux/amd64/v1/x"), VMC_EINVAL);
	assert_int_equal(oci_platform_parse(&p, "Linux/amd64"), VMC_EINVAL);
}

static int parse_cfg(const char *json, const char *reg, struct oci_cred_source *out)
{
	return oci_docker_config_parse(json, strlen(json), reg, out);
}

static void test_docker_config(void **state)
{
	struct oci_cred_source s;

	(void)state;
	/* "alice:s3cret" under Docker Hub's historical key */
	assert_int_equal(parse_cfg("{\"auths\":{\"https://index.docker.io/v1/\":"
				   "{\"auth\":\"YWxpY2U6czNjcmV0\"}}}", "docker.io", &s), 0);
	assert_int_equal(s.kind, OCI_CREDS_INLINE);
	assert_string_equal(s.creds.user, "alice");
	assert_string_equal(s.creds.secret, "s3cret");
	/* a password holding ':' ("a:b:c" -> user a, password b:c) */
	assert_int_equal(parse_cfg("{\"auths\":{\"localhost:5000\":{\"auth\":\"YTpiOmM=\"}}}",
				   "localhost:5000", &s), 0);
	assert_string_equal(s.creds.user, "a");
	assert_string_equal(s.creds.secret, "b:c");
	/* keys are compared by host */
	assert_int_equal(parse_cfg("{\"auths\":{\"https://localhost:5000/v2/\":"
				   "{\"username\":\"u\",\"password\":\"p\"}}}", "localhost:5000", &s), 0);
	assert_int_equal(s.kind, OCI_CREDS_INLINE);
	assert_int_equal(parse_cfg("{\"auths\":{\"localhost:5001\":{\"auth\":\"YTpi\"}}}",
				   "localhost:5000", &s), 0);
	assert_int_equal(s.kind, OCI_CREDS_NONE);
	/* credHelpers first, then credsStore, then auths */
	assert_int_equal(parse_cfg("{\"credHelpers\":{\"ghcr.io\":\"gh\"},\"credsStore\":\"desk\","
				   "\"auths\":{\"ghcr.io\":{\"auth\":\"YTpi\"}}}", "ghcr.io", &s), 0);
	assert_int_equal(s.kind, OCI_CREDS_HELPER);
	assert_string_equal(s.helper, "gh");
	assert_int_equal(parse_cfg("{\"credHelpers\":{\"x.io\":\"gh\"},\"credsStore\":\"desk\","
				   "\"auths\":{\"ghcr.io\":{\"auth\":\"YTpi\"}}}", "ghcr.io", &s), 0);
	assert_int_equal(s.kind, OCI_CREDS_HELPER);
	assert_string_equal(s.helper, "desk");
	/* helper names cannot reach a path */
	assert_int_equal(parse_cfg("{\"credsStore\":\"../../bin/sh\"}", "ghcr.io", &s), VMC_EPROTO);
	assert_int_equal(s.kind, OCI_CREDS_NONE);
	/* malformed */
	assert_int_equal(parse_cfg("{\"auths\":{\"ghcr.io\":{\"auth\":\"bm9jb2xvbg==\"}}}",
				   "ghcr.io", &s), VMC_EPROTO);
	assert_int_equal(parse_cfg("{\"auths\":{\"ghcr.io\":{\"auth\":\"!!!!\"}}}", "ghcr.io", &s),
			 VMC_EPROTO);
	assert_int_equal(parse_cfg("{\"auths\":[]}", "ghcr.io", &s), VMC_EPROTO);
	assert_int_equal(parse_cfg("{", "ghcr.io", &s), VMC_EPROTO);
	/* identity tokens: no credentials */
	assert_int_equal(parse_cfg("{\"auths\":{\"ghcr.io\":{\"identitytoken\":\"t\"}}}", "ghcr.io",
				   &s), 0);
	assert_int_equal(s.kind, OCI_CREDS_NONE);
}

static void test_helper_and_token(void **state)
{
	static const char ok[] = "{\"ServerURL\":\"x\",\"Username\":\"bob\",\"Secret\":\"pw\"}";
	static const char tok[] = "{\"ServerURL\":\"x\",\"Username\":\"<token>\",\"Secret\":\"r\"}";
	struct oci_creds c;
	char *t = NULL;

	(void)state;
	assert_int_equal(oci_cred_helper_parse(ok, strlen(ok), &c), 0);
	assert_true(c.found);
	assert_string_equal(c.user, "bob");
	assert_string_equal(c.secret, "pw");
	assert_int_equal(oci_cred_helper_parse(tok, strlen(tok), &c), 0);
	assert_false(c.found);
	assert_int_equal(oci_cred_helper_parse("nope", 4, &c), VMC_EPROTO);

	assert_int_equal(oci_token_parse("{\"token\":\"abc\"}", 15, &t), 0);
	assert_string_equal(t, "abc");
	free(t);
	assert_int_equal(oci_token_parse("{\"token\":\"\",\"access_token\":\"xyz\"}", 33, &t), 0);
	assert_string_equal(t, "xyz");
	free(t);
	assert_int_equal(oci_token_parse("{\"token\":\"a b\"}", 15, &t), VMC_EPROTO);
	assert_null(t);
	assert_int_equal(oci_token_parse("{\"token\":\"a\\r\\nX: y\"}", 22, &t), VMC_EPROTO);
	assert_int_equal(oci_token_parse("{}", 2, &t), VMC_EPROTO);
}

static void line(struct oci_http_headers *h, const char *s)
{
	oci_http_header_line(h, s, strlen(s));
}

static void test_headers(void **state)
{
	struct oci_http_headers h;

	(void)state;
	oci_http_headers_reset(&h);
	line(&h, "HTTP/1.1 401 Unauthorized\r\n");
	line(&h, "content-type: application/vnd.oci.image.manifest.v1+json; charset=utf-8\r\n");
	line(&h, "WWW-Authenticate: Basic realm=\"r\"\r\n");
	line(&h, "Www-Authenticate: Bearer realm=\"https://a/t\"\r\n");
	line(&h, "WWW-Authenticate: Basic realm=\"later\"\r\n");
	line(&h, "Content-Range: bytes 10-19/20\r\n");
	line(&h, "Content-Length: 10\r\n");
	assert_string_equal(h.content_type, "application/vnd.oci.image.manifest.v1+json");
	assert_string_equal(h.www_auth, "Bearer realm=\"https://a/t\"");
	assert_true(h.has_range);
	assert_int_equal(h.range_start, 10);
	assert_int_equal(h.content_length, 10);
	line(&h, "Docker-Content-Digest: sha256:../../etc\r\n");
	assert_string_equal(h.digest, "");
	assert_true(h.digest_invalid);
	line(&h, "Docker-Content-Digest: sha512:abc\r\n");
	assert_false(h.digest_invalid);
	/* a new response (a redirect followed) forgets the last one's */
	line(&h, "HTTP/1.1 200 OK\r\n");
	assert_string_equal(h.www_auth, "");
	assert_false(h.has_range);
	assert_int_equal(h.content_length, -1);
}

static void test_resume(void **state)
{
	char dir[] = "/tmp/vmc-pull-test-XXXXXX";
	static const char data[] = "0123456789abcdefghij";
	char digest[OCI_DIGEST_BUF], wrong[OCI_DIGEST_BUF];
	struct oci_blob_writer *w = NULL, *w2 = NULL;
	struct oci_store *s = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(oci_store_open(&s, dir), 0);
	assert_int_equal(oci_digest_buf(data, 20, digest), 0);
	/* half, then suspended: the partial file stays */
	assert_int_equal(oci_store_blob_resume(s, digest, 20, &w), 0);
	assert_int_equal(oci_blob_offset(w), 0);
	assert_int_equal(oci_blob_write(w, data, 8), 0);
	/* a second writer of the same blob meanwhile gets its own file */
	assert_int_equal(oci_store_blob_resume(s, digest, 20, &w2), 0);
	assert_int_equal(oci_blob_offset(w2), 0);
	oci_blob_abort(w2);
	oci_blob_suspend(w);
	/* found again, hashed again, continued */
	assert_int_equal(oci_store_blob_resume(s, digest, 20, &w), 0);
	assert_int_equal(oci_blob_offset(w), 8);
	assert_int_equal(oci_blob_write(w, data + 8, 12), 0);
	assert_int_equal(oci_blob_commit(w), 0);
	assert_int_equal(oci_store_has_blob(s, digest, 20), 1);
	/* a stale partial file (other bytes) is caught at commit and dropped */
	assert_int_equal(oci_digest_buf("ABCDEFGHIJabcdefghij", 20, wrong), 0);
	assert_int_equal(oci_store_blob_resume(s, wrong, 20, &w), 0);
	assert_int_equal(oci_blob_write(w, data, 10), 0);
	oci_blob_suspend(w);
	assert_int_equal(oci_store_blob_resume(s, wrong, 20, &w), 0);
	assert_int_equal(oci_blob_offset(w), 10);
	assert_int_equal(oci_blob_write(w, "abcdefghij", 10), 0);
	assert_int_equal(oci_blob_commit(w), VMC_EPROTO);
	assert_int_equal(oci_store_has_blob(s, wrong, 20), 0);
	assert_int_equal(oci_store_blob_resume(s, wrong, 20, &w), 0);
	assert_int_equal(oci_blob_offset(w), 0);
	/* a partial file longer than the blob starts over */
	assert_int_equal(oci_blob_write(w, data, 20), 0);
	oci_blob_suspend(w);
	assert_int_equal(oci_store_blob_resume(s, wrong, 19, &w), 0);
	assert_int_equal(oci_blob_offset(w), 0);
	oci_blob_abort(w);
	oci_store_free(s);
	assert_int_equal(fs_remove_tree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_rule),
		cmocka_unit_test(test_platform),
		cmocka_unit_test(test_docker_config),
		cmocka_unit_test(test_helper_and_token),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_resume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
