/*
 * oci_challenge.h - the WWW-Authenticate challenge a registry answers 401
 * with (RFC 7235: `Bearer realm="https://auth.docker.io/token",
 * service="registry.docker.io",scope="repository:library/alpine:pull"`),
 * parsed from untrusted bytes with bounded fields. Choosing whether to
 * follow the realm (HTTPS, loopback) is the registry client's business.
 */
#ifndef VMC_IMAGE_OCI_CHALLENGE_H
#define VMC_IMAGE_OCI_CHALLENGE_H

#include <stddef.h>

#define OCI_CHALLENGE_HEADER_MAX 8192
#define OCI_CHALLENGE_REALM_MAX 2048
#define OCI_CHALLENGE_SERVICE_MAX 512
#define OCI_CHALLENGE_SCOPE_MAX 1024

enum oci_auth_scheme {
	OCI_AUTH_NONE = 0,
	OCI_AUTH_BASIC = 1,
	OCI_AUTH_BEARER = 2,
};

struct oci_challenge {
	enum oci_auth_scheme scheme;
	char realm[OCI_CHALLENGE_REALM_MAX + 1];     /* Bearer: required; Basic: optional */
	char service[OCI_CHALLENGE_SERVICE_MAX + 1]; /* "" when absent */
	char scope[OCI_CHALLENGE_SCOPE_MAX + 1];     /* "" when absent; repeated scopes joined by ' ' */
	char error[64];                              /* error="insufficient_scope", or "" */
};

/* Parses the value of one WWW-Authenticate header (`len` bytes, no NUL
 * needed). When it holds several challenges, Bearer is preferred over
 * Basic; other schemes are skipped (their token68 form is not accepted:
 * no registry sends it). Returns 0, VMC_EPROTO (malformed, or
 * a Bearer challenge without realm) or VMC_EUNSUPPORTED (no Bearer or
 * Basic challenge). */
int oci_challenge_parse(struct oci_challenge *out, const char *header, size_t len);

#endif
