/*
 * oci_ref.c - parsing, validation and Docker normalisation of image
 * references (see oci_ref.h for the decisions). The grammar follows
 * distribution/reference:
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *   domain    := host [":" port]; host := dns-name | IPv4 | "[" IPv6 "]"
 *   path-component := [a-z0-9]+ (separator [a-z0-9]+)*
 *   separator := "." | "_" | "__" | "-"+
 *   tag       := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 * The first component is a registry only when it contains '.' or ':', is
 * "localhost", or has an uppercase letter (Docker's rule); otherwise the
 * name is on docker.io. Nothing here touches the network or the disk.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "image/oci_ref.h"

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static int check_port(const char *s, size_t len)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return vmc_error_set(VMC_EINVAL, "invalid registry port '%.*s'", (int)len, s);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return vmc_error_set(VMC_EINVAL, "invalid registry port '%.*s'", (int)len, s);
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return vmc_error_set(VMC_EINVAL, "registry port %lu out of range 1-65535", v);
	return 0;
}

static int check_dns_host(const char *s, size_t len)
{
	size_t i, start = 0;

	if (len == 0 || len > 253)
		return vmc_error_set(VMC_EINVAL, "invalid registry host '%.*s'", (int)len, s);
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!is_alnum(s[i]) && s[i] != '-')
				return vmc_error_set(VMC_EINVAL,
						     "invalid character '%c' in registry host '%.*s'",
						     s[i], (int)len, s);
			continue;
		}
		/* a label s[start, i) */
		if (i == start || i - start > 63 || s[start] == '-' || s[i - 1] == '-')
			return vmc_error_set(VMC_EINVAL, "invalid registry host '%.*s'", (int)len, s);
		start = i + 1;
	}
	return 0;
}

int oci_ref_check_registry(const char *s, size_t len)
{
	const char *colon;
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char addr[16];
	int rc;

	if (len == 0)
		return vmc_error_set(VMC_EINVAL, "empty registry");
	if (s[0] == '[') {
		const char *end = memchr(s, ']', len);
		size_t n;

		if (!end)
			return vmc_error_set(VMC_EINVAL, "registry '%.*s': missing ']'", (int)len, s);
		n = (size_t)(end - s) - 1;
		if (n == 0 || n >= sizeof(buf))
			return vmc_error_set(VMC_EINVAL, "registry '%.*s': invalid IPv6 address",
					     (int)len, s);
		memcpy(buf, s + 1, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET6, buf, addr) != 1)
			return vmc_error_set(VMC_EINVAL, "registry '%.*s': invalid IPv6 address",
					     (int)len, s);
		n = (size_t)(end - s) + 1;
		if (n == len)
			return 0;
		if (s[n] != ':')
			return vmc_error_set(VMC_EINVAL, "registry '%.*s': junk after ']'", (int)len, s);
		return check_port(s + n + 1, len - n - 1);
	}
	colon = memchr(s, ':', len);
	if (!colon)
		return check_dns_host(s, len);
	rc = check_dns_host(s, (size_t)(colon - s));
	if (rc < 0)
		return rc;
	return check_port(colon + 1, len - (size_t)(colon - s) - 1);
}

/* One path component: [a-z0-9]+ (sep [a-z0-9]+)*, sep = . _ __ -+ */
static int check_component(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return vmc_error_set(VMC_EINVAL, "empty path component in repository name");
	for (;;) {
		size_t run = 0;

		while (i < len && is_lower_alnum(s[i])) {
			i++;
			run++;
		}
		if (run == 0)
			goto bad;
		if (i == len)
			return 0;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < len && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < len && s[i] == '-')
				i++;
		} else {
			goto bad;
		}
		if (i == len)
			goto bad;
	}
bad:
	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return vmc_error_set(VMC_EINVAL, "repository name must be lowercase: '%.*s'",
					     (int)len, s);
	return vmc_error_set(VMC_EINVAL,
			     "invalid path component '%.*s': want [a-z0-9] separated by '.', '_', '__' or '-'",
			     (int)len, s);
}

int oci_ref_check_repository(const char *s, size_t len)
{
	size_t start = 0, i;
	int rc;

	if (len == 0)
		return vmc_error_set(VMC_EINVAL, "empty repository name");
	if (len > OCI_REF_NAME_MAX)
		return vmc_error_set(VMC_EINVAL, "repository name longer than %d characters",
				     OCI_REF_NAME_MAX);
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		rc = check_component(s + start, i - start);
		if (rc < 0)
			return rc;
		start = i + 1;
	}
	return 0;
}

int oci_ref_check_tag(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return vmc_error_set(VMC_EINVAL, "empty tag");
	if (len > OCI_REF_TAG_MAX)
		return vmc_error_set(VMC_EINVAL, "tag longer than %d characters", OCI_REF_TAG_MAX);
	if (!is_word(s[0]))
		return vmc_error_set(VMC_EINVAL, "invalid tag '%.*s': must start with [A-Za-z0-9_]",
				     (int)len, s);
	for (i = 1; i < len; i++)
		if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
			return vmc_error_set(VMC_EINVAL,
					     "invalid tag '%.*s': character '%c' not in [A-Za-z0-9_.-]",
					     (int)len, s, s[i]);
	return 0;
}

/* Docker's rule for "is the first component a registry". */
static int looks_like_registry(const char *s, size_t len)
{
	size_t i;

	if (len == 9 && memcmp(s, "localhost", 9) == 0)
		return 1;
	for (i = 0; i < len; i++)
		if (s[i] == '.' || s[i] == ':' || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '[')
			return 1;
	return 0;
}

static int is_hex64(const char *s, size_t len)
{
	size_t i;

	if (len != 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int parse_name(struct oci_ref *r, const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	const char *rest = s;
	size_t rest_len = len, reg_len;
	int rc, hub;

	if (len == 0)
		return vmc_error_set(VMC_EINVAL, "missing repository name");
	if (len > OCI_REF_NAME_MAX)
		return vmc_error_set(VMC_EINVAL, "name longer than %d characters", OCI_REF_NAME_MAX);
	if (slash && looks_like_registry(s, (size_t)(slash - s))) {
		reg_len = (size_t)(slash - s);
		rc = oci_ref_check_registry(s, reg_len);
		if (rc < 0)
			return rc;
		if (reg_len == 15 && memcmp(s, "index.docker.io", 15) == 0) {
			memcpy(r->registry, OCI_REF_DOCKER_HUB, sizeof(OCI_REF_DOCKER_HUB));
		} else {
			memcpy(r->registry, s, reg_len);
			r->registry[reg_len] = '\0';
		}
		rest = slash + 1;
		rest_len = len - reg_len - 1;
	} else {
		if (is_hex64(s, len))
			return vmc_error_set(VMC_EINVAL,
					     "invalid repository name '%.*s': a 64-digit hex string looks like an image id",
					     (int)len, s);
		memcpy(r->registry, OCI_REF_DOCKER_HUB, sizeof(OCI_REF_DOCKER_HUB));
	}
	rc = oci_ref_check_repository(rest, rest_len);
	if (rc < 0)
		return rc;
	hub = strcmp(r->registry, OCI_REF_DOCKER_HUB) == 0;
	if (hub && !memchr(rest, '/', rest_len)) {
		if (rest_len + 8 > OCI_REF_NAME_MAX)
			return vmc_error_set(VMC_EINVAL, "name longer than %d characters",
					     OCI_REF_NAME_MAX);
		memcpy(r->repository, "library/", 8);
		memcpy(r->repository + 8, rest, rest_len);
		r->repository[8 + rest_len] = '\0';
	} else {
		memcpy(r->repository, rest, rest_len);
		r->repository[rest_len] = '\0';
	}
	/* the limit applies to the normalised name, so the canonical form of
	 * any accepted reference parses again (Docker checks the typed name) */
	if (strlen(r->registry) + 1 + strlen(r->repository) > OCI_REF_NAME_MAX)
		return vmc_error_set(VMC_EINVAL, "name longer than %d characters once normalised to '%s/...'",
				     OCI_REF_NAME_MAX, r->registry);
	return 0;
}

int oci_ref_parse(struct oci_ref *out, const char *s)
{
	struct oci_ref r;
	const char *at, *slash, *colon = NULL, *p;
	size_t len, name_len;
	int rc;

	memset(&r, 0, sizeof(r));
	if (!s || !*s)
		return vmc_error_set(VMC_EINVAL, "empty image reference");
	len = strnlen(s, OCI_REF_INPUT_MAX + 1);
	if (len > OCI_REF_INPUT_MAX)
		return vmc_error_set(VMC_EINVAL, "image reference longer than %d characters",
				     OCI_REF_INPUT_MAX);
	for (p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return vmc_error_set(VMC_EINVAL,
					     "invalid image reference: character %zu is not printable ASCII",
					     (size_t)(p - s));
	at = strchr(s, '@');
	name_len = len;
	if (at) {
		if (strchr(at + 1, '@'))
			return vmc_error_set(VMC_EINVAL, "invalid image reference '%s': more than one '@'",
					     s);
		rc = oci_digest_validate(at + 1);
		if (rc < 0)
			return vmc_error_prefix(rc, "image reference '%s'", s);
		memcpy(r.digest, at + 1, OCI_DIGEST_BUF);
		name_len = (size_t)(at - s);
	}
	/* the tag is after the last ':' that follows the last '/' */
	slash = NULL;
	for (p = s; p < s + name_len; p++)
		if (*p == '/')
			slash = p;
	for (p = slash ? slash + 1 : s; p < s + name_len; p++)
		if (*p == ':')
			colon = p;
	if (colon) {
		size_t tag_len = (size_t)(s + name_len - colon - 1);

		rc = oci_ref_check_tag(colon + 1, tag_len);
		if (rc < 0)
			return vmc_error_prefix(rc, "image reference '%s'", s);
		memcpy(r.tag, colon + 1, tag_len);
		r.tag[tag_len] = '\0';
		name_len = (size_t)(colon - s);
	}
	rc = parse_name(&r, s, name_len);
	if (rc < 0)
		return vmc_error_prefix(rc, "image reference '%s'", s);
	if (!r.tag[0] && !r.digest[0])
		memcpy(r.tag, "latest", sizeof("latest"));
	*out = r;
	return 0;
}

const char *oci_ref_api_host(const struct oci_ref *ref)
{
	if (strcmp(ref->registry, OCI_REF_DOCKER_HUB) == 0)
		return OCI_REF_DOCKER_HUB_API;
	return ref->registry;
}

int oci_ref_is_loopback(const struct oci_ref *ref)
{
	const char *h = ref->registry;
	size_t n = strcspn(h, ":");

	if (strncmp(h, "[::1]", 5) == 0 && (h[5] == '\0' || h[5] == ':'))
		return 1;
	if (n == 9 && strncmp(h, "localhost", 9) == 0)
		return 1;
	if (n >= 4 && strncmp(h, "127.", 4) == 0) {
		char buf[16];
		struct in_addr a;

		if (n >= sizeof(buf))
			return 0;
		memcpy(buf, h, n);
		buf[n] = '\0';
		return inet_pton(AF_INET, buf, &a) == 1;
	}
	return 0;
}

int oci_ref_format(const struct oci_ref *ref, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%s/%s%s%s%s%s", ref->registry, ref->repository,
		     ref->tag[0] ? ":" : "", ref->tag, ref->digest[0] ? "@" : "", ref->digest);
	if (n < 0 || (size_t)n >= len)
		return vmc_error_set(VMC_EINVAL, "image reference does not fit %zu bytes", len);
	return 0;
}
