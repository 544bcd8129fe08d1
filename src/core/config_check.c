/*
 * config_check.c - the value checks of a vmc_config: VM and namespace
 * names, MAC addresses (and the derived MAC a NIC gets when none is given),
 * UTF-8, IP literals and CIDRs, TAP device names, share tags, and making a
 * path absolute. The checks only look at a value; config.c's setters call
 * them before touching a config and word the messages. Only
 * config_check_abs_path sets an error itself, since it also allocates.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/config_check.h"
#include "core/error.h"

static int config_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int config_name_valid(const char *s)
{
	size_t i;

	if (!s || !config_is_alnum(s[0]))
		return 0;
	for (i = 1; s[i]; i++) {
		if (i >= VMC_NAME_MAX)
			return 0;
		if (!config_is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	}
	/* "." and ".." cannot pass the first-character rule; say so anyway. */
	return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

void config_derive_mac(const char *ns, const char *name, unsigned int index,
		       char out[VMC_MAC_STRLEN])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char idx[16];
	const char *parts[5];
	unsigned char b[6];
	size_t i;

	snprintf(idx, sizeof(idx), "%u", index);
	parts[0] = ns ? ns : "";
	parts[1] = "/";
	parts[2] = name ? name : "";
	parts[3] = "/";
	parts[4] = idx;
	for (i = 0; i < 5; i++) {
		const unsigned char *p;

		for (p = (const unsigned char *)parts[i]; *p; p++) {
			h ^= *p;
			h *= 0x100000001b3ULL;
		}
	}
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(h >> (8 * i));
	b[0] = (unsigned char)((b[0] | 0x02) & 0xfe); /* locally administered, unicast */
	snprintf(out, VMC_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
		 b[4], b[5]);
}

static int config_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int config_mac_valid(const char *mac)
{
	int i, any = 0;

	if (!mac || strnlen(mac, VMC_MAC_STRLEN) != VMC_MAC_STRLEN - 1)
		return 0;
	for (i = 0; i < 6; i++) {
		int hi = config_hex(mac[3 * i]), lo = config_hex(mac[3 * i + 1]);

		if (hi < 0 || lo < 0)
			return 0;
		if (i < 5 && mac[3 * i + 2] != ':')
			return 0;
		if (i == 0 && (lo & 1))
			return 0; /* multicast */
		any |= hi | lo;
	}
	return any != 0;
}

/* 1 and the family in *af if `s` is a plain IPv4 or IPv6 literal. */
int config_check_ip_family(const char *s, int *af)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (!s || strnlen(s, 64) >= 64)
		return 0;
	if (inet_pton(AF_INET, s, buf) == 1) {
		*af = AF_INET;
		return 1;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		*af = AF_INET6;
		return 1;
	}
	return 0;
}

/* 1 if `s` is "addr/prefix" with a prefix in range for the family. */
int config_check_cidr(const char *s, int *af)
{
	const char *slash;
	char addr[64];
	size_t alen, plen, i;
	unsigned int prefix = 0, max;

	if (!s)
		return 0;
	slash = strchr(s, '/');
	if (!slash)
		return 0;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(addr))
		return 0;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (!config_check_ip_family(addr, af))
		return 0;
	plen = strlen(slash + 1);
	if (plen == 0 || plen > 3 || (plen > 1 && slash[1] == '0'))
		return 0;
	for (i = 0; i < plen; i++) {
		char c = slash[1 + i];

		if (c < '0' || c > '9')
			return 0;
		prefix = prefix * 10 + (unsigned int)(c - '0');
	}
	max = *af == AF_INET ? 32 : 128;
	return prefix <= max;
}

/* 1 if `s` is valid UTF-8 (no overlongs, surrogates or > U+10FFFF): the
 * JSON form can only carry such strings. */
int config_check_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned int c = *p, n, cp, i;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
			return 0;
		if (n == 3 && (cp < 0x10000 || cp > 0x10ffff))
			return 0;
		p += n + 1;
	}
	return 1;
}

int config_check_tap(const char *s)
{
	size_t i;

	if (!s || !s[0] || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (i = 0; s[i]; i++) {
		if (i >= CONFIG_TAP_MAX)
			return 0;
		if (!config_is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	}
	return 1;
}

int config_check_tag(const char *s)
{
	size_t i;

	if (!s || !s[0])
		return 0;
	for (i = 0; s[i]; i++) {
		if (i >= CONFIG_TAG_MAX)
			return 0;
		if (!config_is_alnum(s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	}
	return 1;
}

/* A copy of `path` made absolute against the current directory. */
int config_check_abs_path(const char *field, const char *path, char **out)
{
	char cwd[CONFIG_PATH_MAX];
	size_t len, clen;
	char *p;

	if (!path || !path[0])
		return vmc_error_set(VMC_EINVAL, "invalid %s: empty path", field);
	len = strnlen(path, CONFIG_PATH_MAX);
	if (len >= CONFIG_PATH_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid %s: path longer than %d bytes", field,
				     CONFIG_PATH_MAX - 1);
	if (!config_check_utf8(path))
		return vmc_error_set(VMC_EINVAL, "invalid %s: path is not valid utf-8", field);
	if (path[0] == '/') {
		p = strdup(path);
		if (!p)
			return vmc_error_oom();
		*out = p;
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return vmc_error_set_errno(VMC_EIO, errno, "invalid %s '%.*s': getcwd", field,
					   CONFIG_SHOW, path);
	clen = strlen(cwd);
	if (clen + 1 + len >= CONFIG_PATH_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid %s '%.*s': absolute path longer than %d bytes",
				     field, CONFIG_SHOW, path, CONFIG_PATH_MAX - 1);
	p = malloc(clen + 1 + len + 1);
	if (!p)
		return vmc_error_oom();
	memcpy(p, cwd, clen);
	if (clen == 0 || cwd[clen - 1] != '/')
		p[clen++] = '/';
	memcpy(p + clen, path, len + 1);
	*out = p;
	return 0;
}
