/*
 * oci_challenge.c - a strict parser of WWW-Authenticate values (see
 * oci_challenge.h), after RFC 7235 section 4.1:
 *   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param = token BWS "=" BWS ( token / quoted-string )
 * A header may carry several challenges separated by commas; a new one
 * starts where a token is followed by a space and not by "=". Quoted
 * strings may use backslash escapes; control characters anywhere, an
 * unterminated string, a parameter without a value or a field longer than
 * its bound are VMC_EPROTO. Parameter names are case-insensitive.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "image/oci_challenge.h"

struct cursor {
	const char *p, *end;
};

static int is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static size_t token_len(const struct cursor *c)
{
	const char *q = c->p;

	while (q < c->end && is_tchar(*q))
		q++;
	return (size_t)(q - c->p);
}

/* Reads a token or quoted-string value into buf (cap bytes with NUL). */
static int read_value(struct cursor *c, char *buf, size_t cap, const char *name)
{
	size_t n = 0;

	if (c->p < c->end && *c->p == '"') {
		c->p++;
		for (;;) {
			char ch;

			if (c->p >= c->end)
				return vmc_error_set(VMC_EPROTO, "auth challenge: unterminated %s", name);
			ch = *c->p++;
			if (ch == '"')
				break;
			if (ch == '\\') {
				if (c->p >= c->end)
					return vmc_error_set(VMC_EPROTO, "auth challenge: unterminated %s",
							     name);
				ch = *c->p++;
			}
			if ((unsigned char)ch < 0x20 || ch == 0x7f)
				return vmc_error_set(VMC_EPROTO, "auth challenge: control character in %s",
						     name);
			if (n + 1 >= cap)
				return vmc_error_set(VMC_EPROTO, "auth challenge: %s longer than %zu bytes",
						     name, cap - 1);
			buf[n++] = ch;
		}
	} else {
		size_t t = token_len(c);

		if (t == 0)
			return vmc_error_set(VMC_EPROTO, "auth challenge: %s has no value", name);
		if (t >= cap)
			return vmc_error_set(VMC_EPROTO, "auth challenge: %s longer than %zu bytes", name,
					     cap - 1);
		memcpy(buf, c->p, t);
		n = t;
		c->p += t;
	}
	buf[n] = '\0';
	return 0;
}

static int store_param(struct oci_challenge *ch, const char *name, size_t nlen, struct cursor *c)
{
	char tmp[OCI_CHALLENGE_REALM_MAX + 1];
	int rc;

	if (nlen == 5 && strncasecmp(name, "realm", 5) == 0)
		return read_value(c, ch->realm, sizeof(ch->realm), "realm");
	if (nlen == 7 && strncasecmp(name, "service", 7) == 0)
		return read_value(c, ch->service, sizeof(ch->service), "service");
	if (nlen == 5 && strncasecmp(name, "error", 5) == 0)
		return read_value(c, ch->error, sizeof(ch->error), "error");
	if (nlen == 5 && strncasecmp(name, "scope", 5) == 0) {
		size_t have = strlen(ch->scope), add;

		rc = read_value(c, tmp, sizeof(ch->scope), "scope");
		if (rc < 0)
			return rc;
		add = strlen(tmp);
		if (have + (have ? 1 : 0) + add >= sizeof(ch->scope))
			return vmc_error_set(VMC_EPROTO, "auth challenge: scopes longer than %d bytes",
					     OCI_CHALLENGE_SCOPE_MAX);
		if (have)
			ch->scope[have++] = ' ';
		memcpy(ch->scope + have, tmp, add + 1);
		return 0;
	}
	return read_value(c, tmp, sizeof(tmp), "parameter"); /* unknown: checked, ignored */
}

/* Parses one challenge at c->p (scheme already read into *scheme). Stops
 * at the start of the next challenge or the end. */
static int parse_params(struct cursor *c, struct oci_challenge *ch)
{
	for (;;) {
		const char *name;
		size_t nlen;
		struct cursor save;
		int rc;

		skip_ws(c);
		while (c->p < c->end && *c->p == ',') {
			c->p++;
			skip_ws(c);
		}
		if (c->p >= c->end)
			return 0;
		save = *c;
		name = c->p;
		nlen = token_len(c);
		if (nlen == 0)
			return vmc_error_set(VMC_EPROTO, "auth challenge: unexpected character '%c'",
					     *c->p);
		c->p += nlen;
		skip_ws(c);
		if (c->p >= c->end || *c->p != '=') {
			*c = save; /* a token not followed by '=': the next challenge's scheme */
			return 0;
		}
		c->p++;
		skip_ws(c);
		rc = store_param(ch, name, nlen, c);
		if (rc < 0)
			return rc;
		skip_ws(c);
		if (c->p < c->end && *c->p != ',')
			return vmc_error_set(VMC_EPROTO, "auth challenge: expected ',' after a parameter");
	}
}

int oci_challenge_parse(struct oci_challenge *out, const char *header, size_t len)
{
	struct oci_challenge best, cur;
	struct cursor c = { header, header + len };
	size_t i;
	int rc;

	memset(&best, 0, sizeof(best));
	if (len > OCI_CHALLENGE_HEADER_MAX)
		return vmc_error_set(VMC_EPROTO, "auth challenge longer than %d bytes",
				     OCI_CHALLENGE_HEADER_MAX);
	for (i = 0; i < len; i++)
		if ((unsigned char)header[i] < 0x20 && header[i] != '\t')
			return vmc_error_set(VMC_EPROTO, "auth challenge: control character");
	for (;;) {
		size_t slen;
		const char *scheme;

		skip_ws(&c);
		while (c.p < c.end && *c.p == ',') {
			c.p++;
			skip_ws(&c);
		}
		if (c.p >= c.end)
			break;
		scheme = c.p;
		slen = token_len(&c);
		if (slen == 0)
			return vmc_error_set(VMC_EPROTO, "auth challenge: expected a scheme");
		c.p += slen;
		memset(&cur, 0, sizeof(cur));
		if (slen == 6 && strncasecmp(scheme, "bearer", 6) == 0)
			cur.scheme = OCI_AUTH_BEARER;
		else if (slen == 5 && strncasecmp(scheme, "basic", 5) == 0)
			cur.scheme = OCI_AUTH_BASIC;
		if (c.p < c.end && *c.p != ' ' && *c.p != '\t' && *c.p != ',')
			return vmc_error_set(VMC_EPROTO, "auth challenge: junk after the scheme");
		rc = parse_params(&c, &cur);
		if (rc < 0)
			return rc;
		if (cur.scheme > best.scheme)
			best = cur;
	}
	if (best.scheme == OCI_AUTH_NONE)
		return vmc_error_set(VMC_EUNSUPPORTED, "registry asks for an unsupported authentication scheme");
	if (best.scheme == OCI_AUTH_BEARER && !best.realm[0])
		return vmc_error_set(VMC_EPROTO, "auth challenge: Bearer without a realm");
	*out = best;
	return 0;
}
