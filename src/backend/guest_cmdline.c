/*
 * guest_cmdline.c - writes the kernel command line for vmc-init from a
 * vmc_config (guest_cmdline.h), and encodes/decodes vmc.exec arguments. It
 * only formats: which NICs exist and their MACs come from the config, the
 * accelerator-specific words (tsc_early_khz=) from the backend. Every value
 * placed on the line is checked to be one plain word, and the result is
 * bounded by VMC_CMDLINE_MAX.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "backend/guest_cmdline.h"
#include "core/config_image.h"
#include "core/error.h"

struct guest_line {
	char buf[VMC_CMDLINE_MAX + 1];
	size_t len;
	int overflow;
};

static void line_add(struct guest_line *l, const char *s, size_t n)
{
	if (l->overflow || n > VMC_CMDLINE_MAX - l->len) {
		l->overflow = 1;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

static void line_str(struct guest_line *l, const char *s)
{
	line_add(l, s, strlen(s));
}

/* Starts a new word: a space unless the line is empty. */
static void line_word(struct guest_line *l, const char *s)
{
	if (l->len)
		line_add(l, " ", 1);
	line_str(l, s);
}

static int exec_byte_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '/' || c == ':' || c == '=' || c == '+' ||
	       c == '@' || c == '^' || c == '-';
}

/* 1 if `s` is non-empty printable ASCII without space, quote or `extra`. */
static int plain_word(const char *s, const char *extra)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '"' || (extra && strchr(extra, c)))
			return 0;
	}
	return 1;
}

/* 1 if `s` is printable ASCII (spaces allowed) without quotes. */
static int plain_words(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '"')
			return 0;
	}
	return 1;
}

int guest_cmdline_encode_arg(const char *arg, char *out, size_t out_len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)arg; *p; p++) {
		size_t need = exec_byte_plain(*p) ? 1 : 3;

		if (out_len < o + need + 1 || o + need >= (size_t)INT_MAX)
			return vmc_error_set(VMC_EINVAL, "exec argument too long to encode");
		if (need == 1) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 0xf];
		}
	}
	if (out_len < o + 1)
		return vmc_error_set(VMC_EINVAL, "exec argument too long to encode");
	out[o] = '\0';
	return (int)o;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int guest_cmdline_decode_exec(const char *value, char ***argv_out, int *argc_out)
{
	char bytes[GUEST_EXEC_BYTES_MAX + GUEST_EXEC_ARGS_MAX]; /* args, each NUL-ended */
	size_t starts[GUEST_EXEC_ARGS_MAX];
	size_t n = 0, decoded = 0;
	int argc = 1;
	char **argv;
	char *strs;

	*argv_out = NULL;
	*argc_out = 0;
	starts[0] = 0;
	for (const char *p = value;; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\0' || c == ',') {
			bytes[n++] = '\0';
			if (c == '\0')
				break;
			if (argc == GUEST_EXEC_ARGS_MAX)
				return vmc_error_set(VMC_EINVAL, "vmc.exec: more than %d arguments",
						     GUEST_EXEC_ARGS_MAX);
			starts[argc++] = n;
			continue;
		}
		if (c == '%') {
			int hi = hex_val(p[1]), lo = hi < 0 ? -1 : hex_val(p[2]);

			if (hi < 0 || lo < 0)
				return vmc_error_set(VMC_EINVAL, "vmc.exec: bad %% escape");
			c = (unsigned char)(hi << 4 | lo);
			if (c == 0)
				return vmc_error_set(VMC_EINVAL, "vmc.exec: %%00 is not allowed");
			p += 2;
		} else if (!exec_byte_plain(c)) {
			return vmc_error_set(VMC_EINVAL, "vmc.exec: byte 0x%02x must be %%-encoded",
					     c);
		}
		if (decoded == GUEST_EXEC_BYTES_MAX)
			return vmc_error_set(VMC_EINVAL, "vmc.exec: more than %d bytes",
					     GUEST_EXEC_BYTES_MAX);
		decoded++;
		bytes[n++] = (char)c;
	}

	argv = malloc((size_t)(argc + 1) * sizeof(char *) + n);
	if (!argv)
		return vmc_error_oom();
	strs = (char *)(argv + argc + 1);
	memcpy(strs, bytes, n);
	for (int i = 0; i < argc; i++)
		argv[i] = strs + starts[i];
	argv[argc] = NULL;
	*argv_out = argv;
	*argc_out = argc;
	return 0;
}

static int add_exec(struct guest_line *l, int argc, char *const *argv)
{
	char enc[3 * GUEST_EXEC_BYTES_MAX + 1];
	size_t total = 0;
	int rc;

	if (argc > GUEST_EXEC_ARGS_MAX)
		return vmc_error_set(VMC_EINVAL, "exec: more than %d arguments",
				     GUEST_EXEC_ARGS_MAX);
	if (!argv || !argv[0] || !argv[0][0])
		return vmc_error_set(VMC_EINVAL, "exec: empty program name");
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		size_t len = arg ? strlen(arg) : 0;

		if (!arg || len > GUEST_EXEC_BYTES_MAX - total)
			return vmc_error_set(VMC_EINVAL, "exec: arguments longer than %d bytes",
					     GUEST_EXEC_BYTES_MAX);
		total += len;
	}
	line_word(l, "vmc.exec=");
	for (int i = 0; i < argc; i++) {
		rc = guest_cmdline_encode_arg(argv[i], enc, sizeof(enc));
		if (rc < 0)
			return rc;
		if (i)
			line_add(l, ",", 1);
		line_add(l, enc, (size_t)rc);
	}
	line_word(l, "vmc.halt=poweroff");
	return 0;
}

/* `key` + the %XX encoding of `value` as one word. */
static int add_encoded(struct guest_line *l, const char *key, const char *value)
{
	size_t cap = 3 * strlen(value) + 1;
	char *enc = malloc(cap);
	int rc;

	if (!enc)
		return vmc_error_oom();
	rc = guest_cmdline_encode_arg(value, enc, cap);
	if (rc >= 0) {
		line_word(l, key);
		line_add(l, enc, (size_t)rc);
		rc = 0;
	}
	free(enc);
	return rc;
}

/* The image's root disk and its workload (core/config_image.h): the argv
 * given with the config replaces Entrypoint + Cmd. */
static int add_image(struct guest_line *l, const struct vmc_config *cfg)
{
	const struct config_image *im = cfg->image;
	int rc = 0;

	line_word(l, "vmc.root=serial:" CONFIG_IMAGE_ROOT_SERIAL);
	line_word(l, "vmc.rootfstype=ext4");
	for (size_t i = 0; rc == 0 && i < im->n_env; i++)
		rc = add_encoded(l, "vmc.env=", im->env[i]);
	if (rc == 0 && im->workdir)
		rc = add_encoded(l, "vmc.workdir=", im->workdir);
	if (rc == 0 && im->user)
		rc = add_encoded(l, "vmc.user=", im->user);
	if (rc < 0)
		return rc;
	if (cfg->exec_argc > 0)
		return add_exec(l, cfg->exec_argc, cfg->exec_argv);
	if (im->argc == 0)
		return vmc_error_set(VMC_EINVAL, "image '%s' has no Entrypoint or Cmd: give the "
				     "command to run", im->ref);
	return add_exec(l, (int)im->argc, im->argv);
}

static int add_nic(struct guest_line *l, const struct vmc_nic *nic, size_t index, int *want_dns)
{
	const char *addr = nic->addr, *gw = nic->gateway;

	if (!addr && nic->kind == VMC_NIC_USER) {
		addr = GUEST_USER_NET_ADDR;
		gw = GUEST_USER_NET_GW;
		*want_dns = 1;
	}
	if (!addr)
		return 0; /* a TAP NIC the guest leaves unconfigured */
	if (!plain_word(nic->mac, ",") || !plain_word(addr, ",") || (gw && !plain_word(gw, ",")))
		return vmc_error_set(VMC_EINVAL, "nic %zu: mac, address or gateway is not a plain "
				     "word", index);
	line_word(l, "vmc.net=");
	line_str(l, nic->mac);
	line_add(l, ",", 1);
	line_str(l, addr);
	if (gw && strcmp(addr, "dhcp") != 0) {
		line_add(l, ",", 1);
		line_str(l, gw);
	}
	return 0;
}

/* The guest's hostname for VM `name`: '_' becomes '-'. 0 (no hostname)
 * when the result is not RFC 1123 labels, e.g. "a..b" or "web-". */
static int hostname_from_name(const char *name, char out[VMC_NAME_MAX + 1])
{
	size_t n = strlen(name), label = 0;

	if (n == 0 || n > VMC_NAME_MAX)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		char c = name[i] == '_' ? '-' : name[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || out[i - 1] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-') {
			if (label == 0 && c == '-')
				return 0;
			label++;
		} else {
			return 0;
		}
		out[i] = c;
	}
	return 1;
}

int guest_cmdline_build(const struct vmc_config *cfg, const char *accel_extra, char **out)
{
	struct guest_line *l = NULL;
	const char *base = cfg->cmdline ? cfg->cmdline : GUEST_CMDLINE_DEFAULT;
	char host[VMC_NAME_MAX + 1];
	int want_dns = 0, rc;

	*out = NULL;
	if (accel_extra && !plain_words(accel_extra))
		return vmc_error_set(VMC_EINVAL, "accelerator options contain a quote or control "
				     "character");
	if (!plain_word(cfg->name, NULL))
		return vmc_error_set(VMC_EINVAL, "vm name '%s' is not a plain word", cfg->name);
	l = calloc(1, sizeof(*l));
	if (!l)
		return vmc_error_oom();

	line_str(l, base);
	if (accel_extra && *accel_extra)
		line_word(l, accel_extra);
	for (size_t i = 0; i < cfg->n_nics && i < VMC_DEVICES_MAX; i++) {
		rc = add_nic(l, &cfg->nics[i], i, &want_dns);
		if (rc < 0)
			goto out;
	}
	if (want_dns)
		line_word(l, "vmc.dns=" GUEST_USER_NET_DNS);
	if (hostname_from_name(cfg->name, host)) {
		line_word(l, "vmc.hostname=");
		line_str(l, host);
	}
	/* share TAG at /mnt/TAG (tags are [A-Za-z0-9_-], see config_check.c) */
	for (size_t i = 0; i < cfg->n_shares && i < VMC_DEVICES_MAX; i++) {
		line_word(l, "vmc.mount=");
		line_str(l, cfg->shares[i].tag);
		line_str(l, ":/mnt/");
		line_str(l, cfg->shares[i].tag);
		if (cfg->shares[i].read_only)
			line_str(l, ":ro");
	}
	if (cfg->image)
		rc = add_image(l, cfg);
	else if (cfg->exec_argc > 0)
		rc = add_exec(l, cfg->exec_argc, cfg->exec_argv);
	else
		rc = 0;
	if (rc < 0)
		goto out;
	if (l->overflow) {
		rc = vmc_error_set(VMC_EINVAL, "kernel command line longer than %d bytes",
				   VMC_CMDLINE_MAX);
		goto out;
	}
	if (cfg->image && l->len >= CONFIG_IMAGE_CMDLINE_MAX) {
		rc = vmc_error_set(VMC_EINVAL, "the kernel command line for image '%s' and its "
				   "workload is %zu bytes, over the kernel's limit of %d (fewer or "
				   "shorter Env entries or arguments)", cfg->image->ref, l->len,
				   CONFIG_IMAGE_CMDLINE_MAX - 1);
		goto out;
	}
	*out = strdup(l->buf);
	rc = *out ? 0 : vmc_error_oom();
out:
	free(l);
	return rc;
}
