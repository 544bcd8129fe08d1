/*
 * spec.c - syntax of `vmc run --disk/--share/--net/--publish` values, the
 * default guest directory and generated VM names.
 *
 * Parsers copy into bounded buffers and reject what does not fit instead of
 * truncating. They split on the last separator where a path may itself hold
 * ':' (a disk path, a share's host path). Semantic checks belong to the
 * vmc_config setters, which the caller runs next. No I/O except vmc_random().
 */
#include "spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "core/compat.h"

static int spec_err(char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The last ':' in s[0..len), or NULL (memrchr is GNU: macOS has none). */
static const char *last_colon(const char *s, size_t len)
{
	while (len > 0)
		if (s[--len] == ':')
			return s + len;
	return NULL;
}

static int spec_err(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
	return -1;
}

/* Copies s[0..len) into buf; -1 when it does not fit. */
static int copy_n(char *buf, size_t size, const char *s, size_t len)
{
	if (len >= size)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

static int has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

int cli_parse_disk(const char *spec, struct cli_disk *out, char *err, size_t err_size)
{
	size_t len = strlen(spec);

	int have_mode = 0, have_format = 0;

	memset(out, 0, sizeof(*out));
	out->format = VMC_DISK_RAW;
	for (;;) {
		if (!have_mode && (has_suffix(spec, len, ":ro") || has_suffix(spec, len, ":rw"))) {
			out->read_only = spec[len - 1] == 'o';
			have_mode = 1;
			len -= 3;
		} else if (!have_format && has_suffix(spec, len, ":qcow2")) {
			out->format = VMC_DISK_QCOW2;
			have_format = 1;
			len -= 6;
		} else if (!have_format && has_suffix(spec, len, ":raw")) {
			have_format = 1;
			len -= 4;
		} else {
			break;
		}
	}
	if (len == 0)
		return spec_err(err, err_size, "--disk '%s': empty path", spec);
	if (copy_n(out->path, sizeof(out->path), spec, len) < 0)
		return spec_err(err, err_size, "--disk: path too long");
	return 0;
}

int cli_parse_share(const char *spec, struct cli_share *out, char *err, size_t err_size)
{
	size_t len = strlen(spec);
	const char *colon;

	memset(out, 0, sizeof(*out));
	if (has_suffix(spec, len, ":ro")) {
		out->read_only = 1;
		len -= 3;
	} else if (has_suffix(spec, len, ":rw")) {
		len -= 3;
	}
	colon = last_colon(spec, len);
	if (!colon)
		return spec_err(err, err_size, "--share '%s': expected HOSTPATH:TAG[:ro]", spec);
	if (colon == spec)
		return spec_err(err, err_size, "--share '%s': empty host path", spec);
	if ((size_t)(colon - spec) + 1 == len)
		return spec_err(err, err_size, "--share '%s': empty tag", spec);
	if (copy_n(out->host_path, sizeof(out->host_path), spec, (size_t)(colon - spec)) < 0)
		return spec_err(err, err_size, "--share: host path too long");
	if (copy_n(out->tag, sizeof(out->tag), colon + 1, len - (size_t)(colon - spec) - 1) < 0)
		return spec_err(err, err_size, "--share '%s': tag too long", spec);
	return 0;
}

static int net_option(struct cli_net *out, const char *spec, const char *opt, size_t len,
		      char *err, size_t err_size)
{
	const char *eq = memchr(opt, '=', len);
	size_t klen, vlen;
	char *dst;
	size_t dsize;

	if (!eq)
		return spec_err(err, err_size, "--net '%s': expected key=value, got '%.*s'", spec,
				(int)len, opt);
	klen = (size_t)(eq - opt);
	vlen = len - klen - 1;
	if (klen == 6 && memcmp(opt, "queues", 6) == 0) {
		char num[8];
		unsigned long q;

		if (out->queues)
			return spec_err(err, err_size, "--net '%s': 'queues' given twice", spec);
		if (copy_n(num, sizeof(num), eq + 1, vlen) < 0 || cli_parse_uint(num, 64, &q) < 0 ||
		    q == 0)
			return spec_err(err, err_size, "--net '%s': queues must be a number from 1",
					spec);
		out->queues = (unsigned int)q;
		return 0;
	}
	if (klen == 3 && memcmp(opt, "mac", 3) == 0) {
		dst = out->mac;
		dsize = sizeof(out->mac);
	} else if (klen == 2 && memcmp(opt, "ip", 2) == 0) {
		dst = out->ip;
		dsize = sizeof(out->ip);
	} else if (klen == 2 && memcmp(opt, "gw", 2) == 0) {
		dst = out->gw;
		dsize = sizeof(out->gw);
	} else {
		return spec_err(err, err_size, "--net '%s': unknown key '%.*s' (mac, ip, gw, queues)", spec,
				(int)klen, opt);
	}
	if (dst[0])
		return spec_err(err, err_size, "--net '%s': '%.*s' given twice", spec, (int)klen,
				opt);
	if (vlen == 0)
		return spec_err(err, err_size, "--net '%s': empty value for '%.*s'", spec,
				(int)klen, opt);
	if (copy_n(dst, dsize, eq + 1, vlen) < 0)
		return spec_err(err, err_size, "--net '%s': value of '%.*s' too long", spec,
				(int)klen, opt);
	return 0;
}

int cli_parse_net(const char *spec, struct cli_net *out, char *err, size_t err_size)
{
	const char *p = strchr(spec, ',');
	size_t head = p ? (size_t)(p - spec) : strlen(spec);

	memset(out, 0, sizeof(*out));
	if (head == 4 && memcmp(spec, "user", 4) == 0) {
		out->kind = VMC_NIC_USER;
	} else if (head > 4 && memcmp(spec, "tap:", 4) == 0) {
		out->kind = VMC_NIC_TAP;
		if (copy_n(out->tap, sizeof(out->tap), spec + 4, head - 4) < 0)
			return spec_err(err, err_size, "--net '%s': TAP name too long", spec);
	} else if (head > 7 && memcmp(spec, "switch:", 7) == 0) {
		out->kind = VMC_NIC_SWITCH; /* the network's name goes where a TAP's does */
		if (copy_n(out->tap, sizeof(out->tap), spec + 7, head - 7) < 0)
			return spec_err(err, err_size, "--net '%s': network name too long", spec);
	} else if (head > 7 && memcmp(spec, "bridge:", 7) == 0) {
		out->kind = VMC_NIC_BRIDGE;
		if (copy_n(out->tap, sizeof(out->tap), spec + 7, head - 7) < 0)
			return spec_err(err, err_size, "--net '%s': network name too long", spec);
	} else {
		return spec_err(err, err_size,
				"--net '%s': expected user, tap:NAME, switch:NETWORK or bridge:NETWORK, then "
				",mac=,ip=,gw=", spec);
	}
	while (p) {
		const char *opt = p + 1;
		const char *next = strchr(opt, ',');
		size_t len = next ? (size_t)(next - opt) : strlen(opt);

		if (net_option(out, spec, opt, len, err, err_size) < 0)
			return -1;
		p = next;
	}
	return 0;
}

static int parse_port(const char *s, size_t len, unsigned int *out)
{
	char buf[16];
	unsigned long v;

	if (copy_n(buf, sizeof(buf), s, len) < 0)
		return -1;
	if (cli_parse_uint(buf, 65535, &v) < 0 || v == 0)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

int cli_parse_publish(const char *spec, struct cli_publish *out, char *err, size_t err_size)
{
	size_t len = strlen(spec);
	const char *guest, *host;
	size_t addr_len;

	memset(out, 0, sizeof(*out));
	out->proto = VMC_PROTO_TCP;
	if (has_suffix(spec, len, "/udp")) {
		out->proto = VMC_PROTO_UDP;
		len -= 4;
	} else if (has_suffix(spec, len, "/tcp")) {
		len -= 4;
	}
	guest = last_colon(spec, len);
	if (!guest)
		return spec_err(err, err_size,
				"--publish '%s': expected [ADDR:]HOSTPORT:GUESTPORT[/udp]", spec);
	if (parse_port(guest + 1, len - (size_t)(guest - spec) - 1, &out->guest_port) < 0)
		return spec_err(err, err_size, "--publish '%s': bad guest port", spec);
	host = last_colon(spec, (size_t)(guest - spec));
	host = host ? host + 1 : spec;
	if (parse_port(host, (size_t)(guest - host), &out->host_port) < 0)
		return spec_err(err, err_size, "--publish '%s': bad host port", spec);
	if (host == spec)
		return 0;
	addr_len = (size_t)(host - spec) - 1;
	if (addr_len >= 2 && spec[0] == '[' && spec[addr_len - 1] == ']') {
		spec++;
		addr_len -= 2;
	}
	if (addr_len == 0 || copy_n(out->addr, sizeof(out->addr), spec, addr_len) < 0)
		return spec_err(err, err_size, "--publish: bad host address");
	return 0;
}

int cli_default_guest_dir(char *buf, size_t size, char *(*getenv_fn)(const char *), int is_root)
{
	const char *v;
	int n;

	v = getenv_fn("VMC_GUEST_DIR");
	if (v && v[0]) {
		n = snprintf(buf, size, "%s", v);
		goto out;
	}
	v = getenv_fn("VMC_DATA_DIR");
	if (v && v[0]) {
		n = snprintf(buf, size, "%s/guest", v);
		goto out;
	}
	if (is_root) {
		n = snprintf(buf, size, "/var/lib/vmc/guest");
		goto out;
	}
	v = getenv_fn("XDG_DATA_HOME");
	if (v && v[0]) {
		n = snprintf(buf, size, "%s/vmc/guest", v);
		goto out;
	}
	v = getenv_fn("HOME");
	if (!v || !v[0])
		return -1;
	n = snprintf(buf, size, "%s/.local/share/vmc/guest", v);
out:
	if (n < 0 || (size_t)n >= size)
		return -1;
	return 0;
}

int cli_random_name(char *buf, size_t size)
{
	unsigned char r[3];
	int n;

	if (vmc_random(r, sizeof(r)) < 0)
		return -1;
	n = snprintf(buf, size, "vm-%02x%02x%02x", r[0], r[1], r[2]);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return 0;
}
