/*
 * oci_ref_test.c - image references (Docker normalisation, the grammar's
 * edge cases, one clear error per malformed form), digests (the one
 * accepted form, incremental SHA-256 against known vectors) and the
 * registry's WWW-Authenticate challenges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "image/digest.h"
#include "image/oci_challenge.h"
#include "image/oci_ref.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define EMPTY_SHA "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct ref_case {
	const char *in, *registry, *repository, *tag, *digest, *canonical;
};

static void oci_ref__normalises(void **state)
{
	static const struct ref_case cases[] = {
		{ "alpine", "docker.io", "library/alpine", "latest", "",
		  "docker.io/library/alpine:latest" },
		{ "alpine:3.20", "docker.io", "library/alpine", "3.20", "",
		  "docker.io/library/alpine:3.20" },
		{ "user/app:1", "docker.io", "user/app", "1", "", "docker.io/user/app:1" },
		{ "docker.io/alpine", "docker.io", "library/alpine", "latest", "", NULL },
		{ "index.docker.io/library/alpine", "docker.io", "library/alpine", "latest", "", NULL },
		{ "ghcr.io/o/r:tag", "ghcr.io", "o/r", "tag", "", "ghcr.io/o/r:tag" },
		{ "localhost:5000/x", "localhost:5000", "x", "latest", "", NULL },
		{ "localhost/x", "localhost", "x", "latest", "", NULL },
		{ "127.0.0.1:5000/a/b/c:v1.2-rc_3", "127.0.0.1:5000", "a/b/c", "v1.2-rc_3", "", NULL },
		{ "[::1]:5000/x", "[::1]:5000", "x", "latest", "", NULL },
		{ "[fe80::1]/x:y", "[fe80::1]", "x", "y", "", NULL },
		{ "alpine@sha256:" D64, "docker.io", "library/alpine", "", "sha256:" D64,
		  "docker.io/library/alpine@sha256:" D64 },
		{ "alpine:3@sha256:" D64, "docker.io", "library/alpine", "3", "sha256:" D64,
		  "docker.io/library/alpine:3@sha256:" D64 },
		{ "Registry.Example.COM/a", "Registry.Example.COM", "a", "latest", "", NULL },
		{ "a.b-c/f_g", "a.b-c", "f_g", "latest", "", NULL },
		{ "x/a.b-c__d---e", "docker.io", "x/a.b-c__d---e", "latest", "", NULL },
		{ "a:_tag", "docker.io", "library/a", "_tag", "", NULL },
	};
	struct oci_ref r;
	char buf[600];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ref_case *c = &cases[i];

		if (oci_ref_parse(&r, c->in) != 0)
			fail_msg("%s: %s", c->in, vmc_error_last());
		assert_string_equal(r.registry, c->registry);
		assert_string_equal(r.repository, c->repository);
		assert_string_equal(r.tag, c->tag);
		assert_string_equal(r.digest, c->digest);
		if (c->canonical) {
			assert_int_equal(oci_ref_format(&r, buf, sizeof(buf)), 0);
			assert_string_equal(buf, c->canonical);
		}
		/* the canonical form parses to the same reference */
		{
			struct oci_ref again;

			assert_int_equal(oci_ref_format(&r, buf, sizeof(buf)), 0);
			assert_int_equal(oci_ref_parse(&again, buf), 0);
			assert_memory_equal(&again, &r, sizeof(r));
		}
	}
}

static void oci_ref__api_host_and_loopback(void **state)
{
	struct oci_ref r;

	assert_int_equal(oci_ref_parse(&r, "alpine"), 0);
	assert_string_equal(oci_ref_api_host(&r), "registry-1.docker.io");
	assert_false(oci_ref_is_loopback(&r));
	assert_int_equal(oci_ref_parse(&r, "docker.io/library/alpine"), 0);
	assert_string_equal(oci_ref_api_host(&r), "registry-1.docker.io");
	assert_int_equal(oci_ref_parse(&r, "ghcr.io/o/r"), 0);
	assert_string_equal(oci_ref_api_host(&r), "ghcr.io");
	assert_false(oci_ref_is_loopback(&r));
	assert_int_equal(oci_ref_parse(&r, "localhost:5000/x"), 0);
	assert_string_equal(oci_ref_api_host(&r), "localhost:5000");
	assert_true(oci_ref_is_loopback(&r));
	assert_int_equal(oci_ref_parse(&r, "127.0.0.1:5000/x"), 0);
	assert_true(oci_ref_is_loopback(&r));
	assert_int_equal(oci_ref_parse(&r, "[::1]:5000/x"), 0);
	assert_true(oci_ref_is_loopback(&r));
	assert_int_equal(oci_ref_parse(&r, "127.evil.com/x"), 0);
	assert_false(oci_ref_is_loopback(&r));
	assert_int_equal(oci_ref_parse(&r, "localhost.evil.com/x"), 0);
	assert_false(oci_ref_is_loopback(&r));
}

struct bad_case {
	const char *in, *why;
};

static void oci_ref__rejects_malformed(void **state)
{
	char long_tag[200], long_name[300], long_input[600];
	const struct bad_case cases[] = {
		{ "", "empty image reference" },
		{ "Alpine", "must be lowercase" },
		{ "user/App", "must be lowercase" },
		{ "a//b", "empty path component" },
		{ "a/", "empty path component" },
		{ "/a", "empty path component" },
		{ "a..b", "invalid path component" },
		{ "a___b", "invalid path component" },
		{ "a-_b", "invalid path component" },
		{ "-a", "invalid path component" },
		{ "a-", "invalid path component" },
		{ "a b", "not printable" },
		{ "a\tb", "not printable" },
		{ "a:", "empty tag" },
		{ "a:.x", "must start with" },
		{ "a:x+y", "not in [A-Za-z0-9_.-]" },
		{ long_tag, "tag longer than 128" },
		{ long_name, "longer than 255" },
		{ long_input, "longer than 512" },
		{ "a@", "invalid digest" },
		{ "a@sha256:abc", "exactly 64" },
		{ "a@sha256:" D64 "0", "exactly 64" },
		{ "a@sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		  "lowercase hex" },
		{ "a@sha512:" D64 D64, "unsupported digest algorithm 'sha512'" },
		{ "a@sha256:" D64 "@sha256:" D64, "more than one '@'" },
		{ "a@sha256:../../x", "exactly 64" },
		{ "example.com:0/a", "out of range" },
		{ "example.com:65536/a", "out of range" },
		{ "example.com:12x/a", "invalid registry port" },
		{ "example.com:/a", "invalid registry port" },
		{ "exa_mple.com/a", "invalid character '_'" },
		{ "-example.com/a", "invalid registry host" },
		{ "example..com/a", "invalid registry host" },
		{ "[::1/a", "missing ']'" },
		{ "[zz::1]/a", "invalid IPv6" },
		{ "[::1]x/a", "junk after" },
		{ "localhost:5000", "invalid tag" }, /* a name "localhost", tag "5000": fine */
		{ D64, "looks like an image id" },
		{ "ghcr.io/", "empty repository" },
	};
	struct oci_ref r;
	size_t i;

	memset(long_tag, 'a', sizeof(long_tag));
	memcpy(long_tag, "a:", 2);
	long_tag[2 + 129] = '\0';
	memset(long_name, 'a', sizeof(long_name));
	long_name[256] = '\0';
	memset(long_input, 'a', sizeof(long_input));
	long_input[513] = '\0';

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		int rc = oci_ref_parse(&r, c->in);

		if (strcmp(c->in, "localhost:5000") == 0) {
			/* Docker reads this as docker.io/library/localhost:5000 */
			assert_int_equal(rc, 0);
			assert_string_equal(r.repository, "library/localhost");
			assert_string_equal(r.tag, "5000");
			continue;
		}
		if (rc != VMC_EINVAL)
			fail_msg("'%.40s' parsed (rc %d), want an error with '%s'", c->in, rc, c->why);
		if (!strstr(vmc_error_last(), c->why))
			fail_msg("'%.40s': message '%s' lacks '%s'", c->in, vmc_error_last(), c->why);
	}
	assert_int_equal(oci_ref_parse(&r, NULL), VMC_EINVAL);
}

static void oci_ref__limits_exact(void **state)
{
	char buf[600];
	struct oci_ref r;

	/* a 128-character tag is fine, a 255-character name too */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "x/y:", 4);
	buf[4 + 128] = '\0';
	assert_int_equal(oci_ref_parse(&r, buf), 0);
	assert_int_equal(strlen(r.tag), 128);
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "ghcr.io/", 8);
	buf[255] = '\0';
	assert_int_equal(oci_ref_parse(&r, buf), 0);
	assert_int_equal(strlen(r.registry) + 1 + strlen(r.repository), 255);
}

static void digest__validation(void **state)
{
	assert_int_equal(oci_digest_validate("sha256:" D64), 0);
	assert_string_equal(oci_digest_hex("sha256:" D64), D64);
	assert_int_equal(oci_digest_validate(NULL), VMC_EINVAL);
	assert_int_equal(oci_digest_validate(""), VMC_EINVAL);
	assert_int_equal(oci_digest_validate("sha256:"), VMC_EINVAL);
	assert_int_equal(oci_digest_validate("SHA256:" D64), VMC_EINVAL);
	assert_int_equal(oci_digest_validate("sha256:" D64 "\n"), VMC_EINVAL);
	assert_int_equal(oci_digest_validate("sha256:../../../../../../../../../../../../../../../../x"),
			 VMC_EINVAL);
	assert_int_equal(oci_digest_validate("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde/"),
			 VMC_EINVAL);
	assert_int_equal(oci_digest_validate(D64), VMC_EINVAL);
	assert_int_equal(oci_digest_validate("sha256 " D64), VMC_EINVAL);
	assert_int_equal(oci_digest_validate_n("sha256:" D64 "zz", OCI_DIGEST_LEN), 0);
}

static void digest__sha256_incremental(void **state)
{
	struct oci_verifier v;
	char out[OCI_DIGEST_BUF];
	const char *abc = "abc";
	size_t i;

	assert_int_equal(oci_digest_buf("", 0, out), 0);
	assert_string_equal(out, EMPTY_SHA);
	/* FIPS 180-2 "abc", fed one byte at a time */
	assert_int_equal(oci_verifier_init(&v), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(oci_verifier_update(&v, abc + i, 1), 0);
	assert_int_equal(v.size, 3);
	assert_int_equal(oci_verifier_check(&v,
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), 0);
	oci_verifier_free(&v);
	/* a mismatch names both digests */
	assert_int_equal(oci_verifier_init(&v), 0);
	assert_int_equal(oci_verifier_update(&v, "abd", 3), 0);
	assert_int_equal(oci_verifier_check(&v,
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), VMC_EPROTO);
	assert_non_null(strstr(vmc_error_last(), "digest mismatch: expected sha256:ba78"));
	oci_verifier_free(&v);
	/* a malformed expectation is refused before hashing ends */
	assert_int_equal(oci_verifier_init(&v), 0);
	assert_int_equal(oci_verifier_check(&v, "sha256:ba78"), VMC_EINVAL);
	oci_verifier_free(&v);
	oci_verifier_free(NULL);
}

static int challenge(struct oci_challenge *ch, const char *s)
{
	return oci_challenge_parse(ch, s, strlen(s));
}

static void challenge__parses(void **state)
{
	struct oci_challenge ch;

	(void)state;
	assert_int_equal(challenge(&ch, "Bearer realm=\"https://auth.docker.io/token\","
				   "service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\""), 0);
	assert_int_equal(ch.scheme, OCI_AUTH_BEARER);
	assert_string_equal(ch.realm, "https://auth.docker.io/token");
	assert_string_equal(ch.service, "registry.docker.io");
	assert_string_equal(ch.scope, "repository:library/alpine:pull");
	/* case-insensitive names, spaces around '=', tokens, escapes, repeated scopes */
	assert_int_equal(challenge(&ch, "bearer  Realm = \"https://r.example/t\" , service=reg.example, SCOPE=\"a:b:pull\", "
				   "scope=\"c:d:pull,push\",error=\"insufficient_scope\",x=\"q\\\"q\""), 0);
	assert_string_equal(ch.realm, "https://r.example/t");
	assert_string_equal(ch.scope, "a:b:pull c:d:pull,push");
	assert_string_equal(ch.error, "insufficient_scope");
	assert_string_equal(ch.service, "reg.example");
	/* several challenges: Bearer wins over Basic, unknown schemes skipped */
	assert_int_equal(challenge(&ch, "Basic realm=\"Registry\", Foo a=b, Bearer realm=\"https://x/t\""), 0);
	assert_int_equal(ch.scheme, OCI_AUTH_BEARER);
	assert_string_equal(ch.realm, "https://x/t");
	assert_int_equal(challenge(&ch, "Basic realm=\"Registry Realm\""), 0);
	assert_int_equal(ch.scheme, OCI_AUTH_BASIC);
	assert_string_equal(ch.realm, "Registry Realm");
	assert_int_equal(challenge(&ch, "Basic"), 0);
	assert_int_equal(ch.scheme, OCI_AUTH_BASIC);
}

static void challenge__rejects(void **state)
{
	static const struct bad_case bad[] = {
		{ "", "unsupported authentication scheme" },
		{ "Negotiate", "unsupported authentication scheme" },
		{ "Bearer service=\"x\"", "Bearer without a realm" },
		{ "Bearer realm=\"https://x", "unterminated realm" },
		{ "Bearer realm=\"https://x\\", "unterminated realm" },
		{ "Bearer realm=", "realm has no value" },
		{ "Bearer realm=\"a\" junk", "expected ','" },
		{ "Bearer realm=\"a\nb\"", "control character" },
		{ "Bearer\x01 realm=a", "control character" },
		{ "Bearer/ realm=a", "junk after the scheme" },
		{ "=x", "expected a scheme" },
		{ "Bearer realm=a, ;", "unexpected character ';'" },
		{ "Bearer realm=https://x/t", "expected ','" }, /* a URL must be quoted */
	};
	char big[OCI_CHALLENGE_HEADER_MAX + 2], realm[OCI_CHALLENGE_REALM_MAX + 40];
	struct oci_challenge ch;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = challenge(&ch, bad[i].in);

		if (rc >= 0)
			fail_msg("'%s' accepted", bad[i].in);
		if (!strstr(vmc_error_last(), bad[i].why))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].in, vmc_error_last(), bad[i].why);
	}
	memset(big, 'a', sizeof(big));
	assert_int_equal(oci_challenge_parse(&ch, big, sizeof(big)), VMC_EPROTO);
	snprintf(realm, sizeof(realm), "Bearer realm=\"");
	memset(realm + strlen(realm), 'r', OCI_CHALLENGE_REALM_MAX + 1);
	realm[sizeof(realm) - 2] = '"';
	realm[sizeof(realm) - 1] = '\0';
	assert_int_equal(challenge(&ch, realm), VMC_EPROTO);
	assert_non_null(strstr(vmc_error_last(), "realm longer than"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(oci_ref__normalises),
		cmocka_unit_test(oci_ref__api_host_and_loopback),
		cmocka_unit_test(oci_ref__rejects_malformed),
		cmocka_unit_test(oci_ref__limits_exact),
		cmocka_unit_test(digest__validation),
		cmocka_unit_test(digest__sha256_incremental),
		cmocka_unit_test(challenge__parses),
		cmocka_unit_test(challenge__rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
