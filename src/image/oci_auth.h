/*
 * oci_auth.h - registry credentials and the token flow's bytes: where
 * Docker keeps credentials (~/.docker/config.json, or $DOCKER_CONFIG/
 * config.json: `credHelpers`, `credsStore`, `auths` with base64
 * "user:password"), what a credential helper (`docker-credential-NAME get`,
 * run with an argv, the server on stdin) prints, and what a token server
 * answers. Each parser takes untrusted bytes with a bound and fixed-size
 * fields. Identity tokens (an OAuth2 refresh token instead of a password)
 * are not supported: such an entry counts as no credentials.
 */
#ifndef VMC_IMAGE_OCI_AUTH_H
#define VMC_IMAGE_OCI_AUTH_H

#include <stddef.h>

#define OCI_AUTH_CONFIG_MAX (1024 * 1024)    /* bytes of config.json */
#define OCI_AUTH_HELPER_OUT_MAX (64 * 1024)  /* bytes a helper may print */
#define OCI_AUTH_TOKEN_RESPONSE_MAX (1024 * 1024)
#define OCI_AUTH_TOKEN_MAX (64 * 1024)
#define OCI_AUTH_USER_MAX 255
#define OCI_AUTH_SECRET_MAX 4095
#define OCI_AUTH_HELPER_NAME_MAX 63
#define OCI_AUTH_HELPER_TIMEOUT_MS 20000

struct oci_creds {
	int found; /* 0: none (anonymous) */
	char user[OCI_AUTH_USER_MAX + 1];
	char secret[OCI_AUTH_SECRET_MAX + 1];
};

enum oci_cred_source_kind {
	OCI_CREDS_NONE = 0,   /* nothing for this registry */
	OCI_CREDS_INLINE = 1, /* auths[...].auth (in `creds`) */
	OCI_CREDS_HELPER = 2, /* run docker-credential-<helper> */
};

struct oci_cred_source {
	enum oci_cred_source_kind kind;
	struct oci_creds creds;                      /* OCI_CREDS_INLINE */
	char helper[OCI_AUTH_HELPER_NAME_MAX + 1];   /* OCI_CREDS_HELPER */
};

/* The key Docker files the credentials of `registry` (a normalised
 * registry name, "docker.io", "localhost:5000") under, which is also what
 * a helper gets on stdin: "https://index.docker.io/v1/" for Docker Hub,
 * else the registry itself. Borrowed from `registry` or static. */
const char *oci_auth_server_key(const char *registry);

/* Parses config.json (`len` bytes) and says where the credentials of
 * `registry` come from, as Docker decides: credHelpers[registry], else
 * credsStore, else auths (keys compared by host: "https://h/v1/" is "h").
 * Returns 0, VMC_EPROTO (malformed JSON, a bad base64 auth, a helper name
 * other than [A-Za-z0-9._-]) or VMC_EINVAL (larger than the bound). */
int oci_docker_config_parse(const char *buf, size_t len, const char *registry,
			    struct oci_cred_source *out);

/* Parses a helper's `get` output {"ServerURL","Username","Secret"}.
 * Returns 0 (out->found set unless the username is "<token>") or
 * VMC_EPROTO. */
int oci_cred_helper_parse(const char *buf, size_t len, struct oci_creds *out);

/* Parses a token server's answer {"token": ...} or {"access_token": ...}
 * into *token (caller frees; printable ASCII without spaces). Returns 0 or
 * VMC_EPROTO. */
int oci_token_parse(const char *buf, size_t len, char **token);

/* Finds the credentials of `registry`: reads the config file (absent: no
 * credentials) and runs the helper it names when it names one; a helper
 * that does not know the server gives no credentials. Returns 0 (see
 * out->found), VMC_EPROTO, VMC_ENOTFOUND (the helper is not installed),
 * VMC_ETIMEOUT or VMC_EIO. */
int oci_creds_lookup(const char *registry, struct oci_creds *out);

#endif
