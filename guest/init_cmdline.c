/*
 * init_cmdline.c - parses vmc-init's vmc.* options out of the kernel command
 * line into a struct init_config (see init_cmdline.h for the syntax). It
 * only reads its input and writes into fixed-size fields; every length is
 * checked before a copy, so no input can make it overrun or crash. What to
 * do with the result is vmc-init.c's business.
 */
#include "init_cmdline.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define VALUE_MAX 16384 /* far above COMMAND_LINE_SIZE on any arch */
#define ALNUM(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || \
		  ((c) >= '0' && (c) <= '9'))

struct parse_ctx {
	struct init_config *cfg;
};

__attribute__((format(printf, 2, 3)))
static int bad(struct parse_ctx *ctx, const char *fmt, ...)
{
	struct init_config *cfg = ctx->cfg;
	va_list ap;

	cfg->n_problems++;
	if (cfg->n_warnings < INIT_MAX_WARN) {
		va_start(ap, fmt);
		vsnprintf(cfg->warnings[cfg->n_warnings++], INIT_ERR_MAX, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Strict unsigned decimal, at most `max`, no sign, no leading junk. */
static int parse_uint(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* "a.b.c.d" or an IPv6 literal, optionally "/prefix" (required if want_prefix). */
static int parse_addr(const char *s, size_t n, int want_prefix, struct init_addr *a)
{
	char buf[64];
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	unsigned long prefix;

	memset(a, 0, sizeof(*a));
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, a->bytes) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a->bytes) == 1)
		a->family = AF_INET6;
	else
		return -1;
	if (!slash) {
		if (want_prefix)
			return -1;
		a->prefix = a->family == AF_INET ? 32 : 128;
		return 0;
	}
	if (!want_prefix)
		return -1;
	if (parse_uint(slash + 1, n - alen - 1, a->family == AF_INET ? 32 : 128, &prefix) < 0)
		return -1;
	a->prefix = (unsigned int)prefix;
	return 0;
}

static int parse_mac(const char *s, size_t n, unsigned char mac[6])
{
	size_t i;

	if (n != 17)
		return -1;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -1;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* The kernel's dev_valid_name(), minus ',' which we use as a separator. */
static int ifname_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= INIT_IFNAME_MAX)
		return 0;
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] == ',' || is_space(s[i]) ||
		    (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int split(const char *s, size_t n, char sep, const char **fields, size_t *lens,
		 size_t max)
{
	size_t count = 0, start = 0, i;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != sep)
			continue;
		if (count == max)
			return -1;
		fields[count] = s + start;
		lens[count] = i - start;
		count++;
		start = i + 1;
	}
	return (int)count;
}

/* RFC 1123: dot-separated labels of 1-63 letters, digits and inner '-'. */
static int opt_hostname(struct parse_ctx *ctx, const char *v, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > INIT_HOSTNAME_MAX)
		return bad(ctx, "vmc.hostname: must be 1 to %d characters", INIT_HOSTNAME_MAX);
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (c == '.') {
			if (label == 0 || v[i - 1] == '-')
				return bad(ctx, "vmc.hostname: empty label or label ending in '-'");
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return bad(ctx, "vmc.hostname: invalid character");
		if ((c == '-' && label == 0) || ++label > 63)
			return bad(ctx, "vmc.hostname: label starts with '-' or is over 63 bytes");
	}
	if (v[n - 1] == '-' || v[n - 1] == '.')
		return bad(ctx, "vmc.hostname: must not end in '-' or '.'");
	memcpy(ctx->cfg->hostname, v, n);
	ctx->cfg->hostname[n] = '\0';
	return 0;
}

static int opt_net(struct parse_ctx *ctx, const char *v, size_t n)
{
	struct init_config *cfg = ctx->cfg;
	struct init_net net;
	const char *f[4];
	size_t len[4];
	int count = split(v, n, ',', f, len, 4);

	memset(&net, 0, sizeof(net));
	if (cfg->n_nets == INIT_MAX_NETS)
		return bad(ctx, "vmc.net: more than %d interfaces", INIT_MAX_NETS);
	if (count == 1 && len[0] == 4 && memcmp(f[0], "dhcp", 4) == 0) {
		net.dhcp = 1;
		goto add;
	}
	if (count < 2 || count > 3)
		return bad(ctx, "vmc.net: expected <iface|mac>,<addr/prefix>[,gateway] or dhcp");
	if (parse_mac(f[0], len[0], net.mac) == 0) {
		net.by_mac = 1;
	} else if (ifname_valid(f[0], len[0])) {
		memcpy(net.ifname, f[0], len[0]);
	} else {
		return bad(ctx, "vmc.net: '%.*s' is neither an interface name nor a MAC",
			   (int)(len[0] > 32 ? 32 : len[0]), f[0]);
	}
	if (len[1] == 4 && memcmp(f[1], "dhcp", 4) == 0) {
		if (count != 2)
			return bad(ctx, "vmc.net: dhcp takes no gateway");
		net.dhcp = 1;
		goto add;
	}
	if (parse_addr(f[1], len[1], 1, &net.addr) < 0)
		return bad(ctx, "vmc.net: bad address '%.*s' (want addr/prefix)",
			   (int)(len[1] > 64 ? 64 : len[1]), f[1]);
	if (count == 3) {
		if (parse_addr(f[2], len[2], 0, &net.gateway) < 0)
			return bad(ctx, "vmc.net: bad gateway '%.*s'",
				   (int)(len[2] > 64 ? 64 : len[2]), f[2]);
		if (net.gateway.family != net.addr.family)
			return bad(ctx, "vmc.net: gateway and address are different families");
	}
add:
	cfg->nets[cfg->n_nets++] = net;
	return 0;
}

static int opt_dns(struct parse_ctx *ctx, const char *v, size_t n)
{
	struct init_config *cfg = ctx->cfg;
	const char *f[INIT_MAX_DNS + 1];
	size_t len[INIT_MAX_DNS + 1];
	int count = split(v, n, ',', f, len, INIT_MAX_DNS + 1);
	int i;

	if (count < 0 || cfg->n_dns + (size_t)count > INIT_MAX_DNS)
		return bad(ctx, "vmc.dns: more than %d servers", INIT_MAX_DNS);
	for (i = 0; i < count; i++) {
		struct init_addr a;

		if (parse_addr(f[i], len[i], 0, &a) < 0)
			return bad(ctx, "vmc.dns: bad address '%.*s'",
				   (int)(len[i] > 64 ? 64 : len[i]), f[i]);
		cfg->dns[cfg->n_dns + (size_t)i] = a;
	}
	cfg->n_dns += (size_t)count;
	return 0;
}

static int opt_mount(struct parse_ctx *ctx, const char *v, size_t n)
{
	struct init_config *cfg = ctx->cfg;
	struct init_mount m;
	const char *f[3];
	size_t len[3], i;
	int count = split(v, n, ':', f, len, 3);

	memset(&m, 0, sizeof(m));
	if (cfg->n_mounts == INIT_MAX_MOUNTS)
		return bad(ctx, "vmc.mount: more than %d mounts", INIT_MAX_MOUNTS);
	if (count < 2)
		return bad(ctx, "vmc.mount: expected <tag>:<path>[:ro]");
	if (len[0] == 0 || len[0] > INIT_TAG_MAX)
		return bad(ctx, "vmc.mount: tag must be 1 to %d bytes", INIT_TAG_MAX);
	for (i = 0; i < len[0]; i++)
		if ((unsigned char)f[0][i] <= 0x20 || f[0][i] == 0x7f)
			return bad(ctx, "vmc.mount: invalid character in tag");
	if (len[1] < 2 || f[1][0] != '/' || len[1] >= INIT_PATH_MAX)
		return bad(ctx, "vmc.mount: path must be absolute, not '/', under %d bytes",
			   INIT_PATH_MAX);
	for (i = 0; i < len[1]; i++)
		if ((unsigned char)f[1][i] < 0x20 || f[1][i] == 0x7f)
			return bad(ctx, "vmc.mount: invalid character in path");
	if (count == 3) {
		if (len[2] == 2 && memcmp(f[2], "ro", 2) == 0)
			m.read_only = 1;
		else if (!(len[2] == 2 && memcmp(f[2], "rw", 2) == 0))
			return bad(ctx, "vmc.mount: flag must be ro or rw");
	}
	memcpy(m.tag, f[0], len[0]);
	memcpy(m.path, f[1], len[1]);
	cfg->mounts[cfg->n_mounts++] = m;
	return 0;
}

static int opt_modules(struct parse_ctx *ctx, const char *v, size_t n)
{
	struct init_config *cfg = ctx->cfg;
	const char *f[INIT_MAX_MODULES + 1];
	size_t len[INIT_MAX_MODULES + 1], j;
	int count = split(v, n, ',', f, len, INIT_MAX_MODULES + 1);
	int i;

	if (count < 0 || cfg->n_modules + (size_t)count > INIT_MAX_MODULES)
		return bad(ctx, "vmc.modules: more than %d modules", INIT_MAX_MODULES);
	for (i = 0; i < count; i++) {
		if (len[i] == 0 || len[i] >= INIT_MODNAME_MAX)
			return bad(ctx, "vmc.modules: bad module name length");
		for (j = 0; j < len[i]; j++) {
			char c = f[i][j];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '-'))
				return bad(ctx, "vmc.modules: invalid character in module name");
		}
	}
	for (i = 0; i < count; i++) {
		char *dst = cfg->modules[cfg->n_modules++];

		memcpy(dst, f[i], len[i]);
		dst[len[i]] = '\0';
	}
	return 0;
}

/* The byte of v[0..n) at *i, "%XX" decoded (then *i is on its last
 * digit); a '%' without two hex digits inside the value, and %00, are
 * refused for `key`. */
static int next_byte(struct parse_ctx *ctx, const char *key, const char *v, size_t n, size_t *i,
		     char *out)
{
	int hi, lo;

	if (v[*i] != '%') {
		*out = v[*i];
		return 0;
	}
	hi = *i + 2 < n ? hexval(v[*i + 1]) : -1;
	lo = *i + 2 < n ? hexval(v[*i + 2]) : -1;
	if (hi < 0 || lo < 0)
		return bad(ctx, "%s: '%%' must be followed by two hex digits", key);
	*out = (char)(hi << 4 | lo);
	if (*out == '\0')
		return bad(ctx, "%s: %%00 is not allowed", key);
	*i += 2;
	return 0;
}

static int parse_exec(struct parse_ctx *ctx, const char *v, size_t n)
{
	struct init_config *cfg = ctx->cfg;
	char *out = cfg->exec_buf;
	size_t used = 0, decoded = 0, argc = 0, i;

	cfg->argc = 0;
	cfg->argv[0] = NULL;
	if (n == 0)
		return bad(ctx, "vmc.exec: empty");
	cfg->argv[argc++] = out;
	for (i = 0; i < n; i++) {
		char c;

		if (v[i] == ',') {
			if (argc == INIT_MAX_ARGS)
				return bad(ctx, "vmc.exec: more than %d arguments", INIT_MAX_ARGS);
			out[used++] = '\0';
			cfg->argv[argc++] = out + used;
			continue;
		}
		if (next_byte(ctx, "vmc.exec", v, n, &i, &c) < 0)
			return -1;
		/* at most INIT_EXEC_BYTES bytes plus one NUL per argument fit */
		if (++decoded > INIT_EXEC_BYTES)
			return bad(ctx, "vmc.exec: longer than %d bytes", INIT_EXEC_BYTES);
		out[used++] = c;
	}
	out[used] = '\0';
	if (cfg->argv[0][0] == '\0')
		return bad(ctx, "vmc.exec: empty program name");
	cfg->argv[argc] = NULL;
	cfg->argc = argc;
	return 0;
}

/* A rejected vmc.exec leaves no workload: argc 0 and argv NULL-terminated
 * (found by tests/fuzz/init_cmdline_fuzzer.c). */
static int opt_exec(struct parse_ctx *ctx, const char *v, size_t n)
{
	int rc = parse_exec(ctx, v, n);

	if (rc < 0) {
		ctx->cfg->argc = 0;
		ctx->cfg->argv[0] = NULL;
	}
	return rc;
}

/* Decodes a %XX-encoded value of `key` into out (NUL-terminated, at most
 * cap - 1 bytes); %00 and a bad escape are refused. Returns the length. */
static int decode_value(struct parse_ctx *ctx, const char *key, const char *v, size_t n,
			char *out, size_t cap)
{
	size_t used = 0, i;

	for (i = 0; i < n; i++) {
		char c;

		if (next_byte(ctx, key, v, n, &i, &c) < 0)
			return -1;
		if (used + 1 >= cap)
			return bad(ctx, "%s: longer than %zu bytes", key, cap - 1);
		out[used++] = c;
	}
	out[used] = '\0';
	return (int)used;
}

static int opt_root(struct parse_ctx *ctx, const char *v, size_t n)
{
	struct init_config *cfg = ctx->cfg;
	size_t i;

	cfg->root_dev[0] = cfg->root_serial[0] = '\0';
	if (n > 7 && memcmp(v, "serial:", 7) == 0) {
		if (n - 7 > INIT_SERIAL_MAX)
			return bad(ctx, "vmc.root: serial longer than %d bytes", INIT_SERIAL_MAX);
		for (i = 7; i < n; i++)
			if (!ALNUM(v[i]) && v[i] != '.' && v[i] != '_' && v[i] != '-')
				return bad(ctx, "vmc.root: invalid character in serial");
		memcpy(cfg->root_serial, v + 7, n - 7);
		cfg->root_serial[n - 7] = '\0';
		return 0;
	}
	if (n < 6 || n >= INIT_PATH_MAX || memcmp(v, "/dev/", 5) != 0)
		return bad(ctx, "vmc.root: expected /dev/NAME or serial:ID");
	for (i = 5; i < n; i++)
		if (!ALNUM(v[i]) && v[i] != '/' && v[i] != '_' && v[i] != '-' && v[i] != '.')
			return bad(ctx, "vmc.root: invalid character in device path");
	if (memmem(v, n, "..", 2))
		return bad(ctx, "vmc.root: '..' in device path");
	memcpy(cfg->root_dev, v, n);
	cfg->root_dev[n] = '\0';
	return 0;
}

static int opt_rootfstype(struct parse_ctx *ctx, const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n >= INIT_FSTYPE_MAX)
		return bad(ctx, "vmc.rootfstype: must be 1 to %d characters", INIT_FSTYPE_MAX - 1);
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9')))
			return bad(ctx, "vmc.rootfstype: invalid character");
	memcpy(ctx->cfg->rootfstype, v, n);
	ctx->cfg->rootfstype[n] = '\0';
	return 0;
}

static int opt_env(struct parse_ctx *ctx, const char *v, size_t n)
{
	struct init_config *cfg = ctx->cfg;
	size_t used = 0, left;
	char *out, *eq;
	int len;

	if (cfg->n_env == INIT_MAX_ENV)
		return bad(ctx, "vmc.env: more than %d variables", INIT_MAX_ENV);
	if (cfg->n_env > 0) {
		const char *last = cfg->env[cfg->n_env - 1];

		used = (size_t)(last - cfg->env_buf) + strlen(last) + 1;
	}
	left = sizeof(cfg->env_buf) - used;
	out = cfg->env_buf + used;
	len = decode_value(ctx, "vmc.env", v, n, out, left);
	if (len < 0)
		return len;
	eq = strchr(out, '=');
	if (!eq || eq == out)
		return bad(ctx, "vmc.env: expected KEY=VALUE with a non-empty KEY");
	cfg->env[cfg->n_env++] = out;
	cfg->env[cfg->n_env] = NULL;
	return 0;
}

static int opt_workdir(struct parse_ctx *ctx, const char *v, size_t n)
{
	struct init_config *cfg = ctx->cfg;
	int len = decode_value(ctx, "vmc.workdir", v, n, cfg->workdir, sizeof(cfg->workdir));

	if (len < 0 || cfg->workdir[0] != '/') {
		cfg->workdir[0] = '\0';
		return len < 0 ? len : bad(ctx, "vmc.workdir: must be an absolute path");
	}
	return 0;
}

static int opt_user(struct parse_ctx *ctx, const char *v, size_t n)
{
	struct init_config *cfg = ctx->cfg;
	int len = decode_value(ctx, "vmc.user", v, n, cfg->user, sizeof(cfg->user));

	if (len <= 0 || cfg->user[0] == ':') {
		cfg->user[0] = '\0';
		return len < 0 ? len : bad(ctx, "vmc.user: expected USER[:GROUP]");
	}
	return 0;
}

static int value_is(const char *v, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(v, word, n) == 0;
}

static int handle(struct parse_ctx *ctx, const char *key, size_t klen, const char *v,
		  size_t n, int has_value)
{
	struct init_config *cfg = ctx->cfg;
	unsigned long num;

#define KEY(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	if (!has_value)
		return bad(ctx, "%.*s: needs a value", (int)(klen > 40 ? 40 : klen), key);
	if (n >= VALUE_MAX)
		return bad(ctx, "%.*s: value too long", (int)(klen > 40 ? 40 : klen), key);
	if (KEY("vmc.hostname"))
		return opt_hostname(ctx, v, n);
	if (KEY("vmc.net"))
		return opt_net(ctx, v, n);
	if (KEY("vmc.dns"))
		return opt_dns(ctx, v, n);
	if (KEY("vmc.mount"))
		return opt_mount(ctx, v, n);
	if (KEY("vmc.modules"))
		return opt_modules(ctx, v, n);
	if (KEY("vmc.exec"))
		return opt_exec(ctx, v, n);
	if (KEY("vmc.root"))
		return opt_root(ctx, v, n);
	if (KEY("vmc.rootfstype"))
		return opt_rootfstype(ctx, v, n);
	if (KEY("vmc.env"))
		return opt_env(ctx, v, n);
	if (KEY("vmc.workdir"))
		return opt_workdir(ctx, v, n);
	if (KEY("vmc.user"))
		return opt_user(ctx, v, n);
	if (KEY("vmc.ready")) {
		if (value_is(v, n, "init"))
			cfg->ready = INIT_READY_INIT;
		else if (value_is(v, n, "exec"))
			cfg->ready = INIT_READY_EXEC;
		else
			return bad(ctx, "vmc.ready: must be init or exec");
		return 0;
	}
	if (KEY("vmc.halt")) {
		if (value_is(v, n, "poweroff"))
			cfg->halt = INIT_HALT_POWEROFF;
		else if (value_is(v, n, "stay"))
			cfg->halt = INIT_HALT_STAY;
		else
			return bad(ctx, "vmc.halt: must be poweroff or stay");
		return 0;
	}
	if (KEY("vmc.stop_timeout")) {
		if (parse_uint(v, n, 3600, &num) < 0)
			return bad(ctx, "vmc.stop_timeout: must be 0 to 3600 seconds");
		cfg->stop_timeout_s = (unsigned int)num;
		return 0;
	}
	if (KEY("vmc.debug")) {
		if (parse_uint(v, n, 1, &num) < 0)
			return bad(ctx, "vmc.debug: must be 0 or 1");
		cfg->debug = (int)num;
		return 0;
	}
#undef KEY
	return bad(ctx, "unknown option '%.*s' ignored", (int)(klen > 40 ? 40 : klen), key);
}

/*
 * One kernel argument, split the way the kernel's next_arg() does: spaces
 * end it unless inside double quotes; a leading quote on the argument or on
 * its value is dropped together with the closing quote at its end.
 */
static const char *next_arg(const char *p, const char **arg, size_t *len)
{
	int in_quote = 0;
	size_t i;

	while (*p && is_space(*p))
		p++;
	for (i = 0; p[i]; i++) {
		if (is_space(p[i]) && !in_quote)
			break;
		if (p[i] == '"')
			in_quote = !in_quote;
	}
	*arg = p;
	*len = i;
	return p + i;
}

size_t init_cmdline_parse(struct init_config *cfg, const char *cmdline)
{
	struct parse_ctx ctx = { cfg };
	const char *p = cmdline ? cmdline : "";

	memset(cfg, 0, sizeof(*cfg));
	cfg->stop_timeout_s = 2;
	memcpy(cfg->rootfstype, "ext4", 5);
	for (;;) {
		const char *arg, *eq, *val;
		size_t len, klen, vlen;
		int quoted;

		p = next_arg(p, &arg, &len);
		if (len == 0)
			break;
		if (len == 2 && arg[0] == '-' && arg[1] == '-')
			break; /* the rest is init's argv, not options */
		quoted = arg[0] == '"';
		if (quoted) {
			arg++;
			len--;
			if (len > 0 && arg[len - 1] == '"')
				len--;
		}
		if (len < 4 || memcmp(arg, "vmc.", 4) != 0)
			continue;
		eq = memchr(arg, '=', len);
		klen = eq ? (size_t)(eq - arg) : len;
		val = eq ? eq + 1 : arg + len;
		vlen = eq ? len - klen - 1 : 0;
		if (vlen > 0 && val[0] == '"') {
			val++;
			vlen--;
			if (!quoted && vlen > 0 && val[vlen - 1] == '"')
				vlen--;
		}
		handle(&ctx, arg, klen, val, vlen, eq != NULL);
	}
	if (cfg->halt == INIT_HALT_DEFAULT)
		cfg->halt = cfg->argc > 0 ? INIT_HALT_POWEROFF : INIT_HALT_STAY;
	return cfg->n_problems;
}

const char *init_addr_format(const struct init_addr *a, char *out, size_t outlen)
{
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->bytes, out, (socklen_t)outlen))
		return "?";
	return out;
}
