/*
 * nat.c - the nftables side of bridge networks (see nat.h): command text
 * built here, run by libnftables (nft_run_cmd_from_buffer, output and
 * errors buffered, never printed), and the forwarding sysctls read and
 * written through /proc/sys of the caller's network namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nftables/libnftables.h>
#include "net/nft_lazy.h" /* libnftables loaded on first use */

#include "core/error.h"
#include "net/hostrec.h"
#include "net/nat.h"
#include "net/netaddr.h"

int nat_chain_name(const char *bridge, char *out, size_t len)
{
	int n = snprintf(out, len, "nat-%s", bridge ? bridge : "");

	if (!bridge || !hostrec_name_valid(bridge) || n < 0 || (size_t)n >= len ||
	    !hostrec_name_valid(out))
		return vmc_error_set(VMC_EINVAL, "nat: invalid bridge name '%.40s'",
				     bridge ? bridge : "");
	return 0;
}

int nat_rules_text(const char *chain, const char *subnet, const char *uplink, char *out,
		   size_t len)
{
	struct netaddr_subnet s;
	char net[NETADDR_STRLEN], oif[48] = "";
	int n, rc;

	if (!hostrec_name_valid(chain))
		return vmc_error_set(VMC_EINVAL, "nat: invalid chain name '%.40s'", chain ? chain : "");
	rc = netaddr_parse_subnet(subnet, &s);
	if (rc < 0)
		return rc;
	netaddr_format_subnet(&s, net);
	if (uplink) {
		if (!hostrec_name_valid(uplink) || strlen(uplink) >= 16)
			return vmc_error_set(VMC_EINVAL, "nat: invalid uplink '%.40s'", uplink);
		snprintf(oif, sizeof(oif), " oifname \"%s\"", uplink);
	}
	n = snprintf(out, len,
		     "add table %s %s\n"
		     "create chain %s %s %s { type nat hook postrouting priority srcnat; "
		     "policy accept; }\n"
		     "add rule %s %s %s ip saddr %s ip daddr != %s%s masquerade\n",
		     NAT_FAMILY, NAT_TABLE, NAT_FAMILY, NAT_TABLE, chain, NAT_FAMILY, NAT_TABLE,
		     chain, net, net, oif);
	if (n < 0 || (size_t)n >= len)
		return vmc_error_set(VMC_EINVAL, "nat: rules longer than %zu bytes", len);
	return 0;
}

/* Runs cmds; *output (if given) gets nft's output, malloc'd. */
static int nft_exec(const char *cmds, char **output)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	int rc = 0;

	if (output)
		*output = NULL;
	if (!ctx) {
		rc = nft_lazy_failed();
		return rc ? rc : vmc_error_set(VMC_EIO, "nft: cannot create a context");
	}
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		rc = vmc_error_set(VMC_EIO, "nft: cannot buffer output");
		goto out;
	}
	if (nft_run_cmd_from_buffer(ctx, cmds) != 0) {
		const char *err = nft_ctx_get_error_buffer(ctx);
		size_t n = err ? strlen(err) : 0;

		while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
			n--;
		rc = vmc_error_set(VMC_EIO, "nft: %.*s", (int)(n > 400 ? 400 : n),
				   n ? err : "failed");
		goto out;
	}
	if (output) {
		const char *o = nft_ctx_get_output_buffer(ctx);

		*output = strdup(o ? o : "");
		if (!*output)
			rc = vmc_error_oom();
	}
out:
	nft_ctx_free(ctx);
	return rc;
}

int nat_run(const char *cmds)
{
	return nft_exec(cmds, NULL);
}

int nat_add(const char *chain, const char *subnet, const char *uplink)
{
	char cmds[NAT_CMDS_MAX];
	int rc = nat_rules_text(chain, subnet, uplink, cmds, sizeof(cmds));

	if (rc == 0)
		rc = nat_run(cmds);
	return rc < 0 ? vmc_error_prefix(rc, "nat chain '%s'", chain) : 0;
}

static int names_ok(const char *family, const char *table, const char *chain)
{
	return family && (!strcmp(family, "inet") || !strcmp(family, "ip") ||
			  !strcmp(family, "ip6")) &&
	       hostrec_name_valid(table) && (!chain || hostrec_name_valid(chain));
}

int nat_chain_delete(const char *family, const char *table, const char *chain)
{
	char cmds[256];

	if (!names_ok(family, table, chain))
		return vmc_error_set(VMC_EINVAL, "nat: invalid chain name");
	snprintf(cmds, sizeof(cmds), "list chain %s %s %s\n", family, table, chain);
	if (nft_exec(cmds, NULL) < 0) {
		vmc_error_clear(); /* not there (or no table): nothing to delete */
		return 0;
	}
	snprintf(cmds, sizeof(cmds), "flush chain %s %s %s\ndelete chain %s %s %s\n", family,
		 table, chain, family, table, chain);
	return nft_exec(cmds, NULL) < 0 ? vmc_error_prefix(VMC_EIO, "delete chain '%s'", chain)
					: 0;
}

int nat_table_delete_if_empty(const char *family, const char *table)
{
	char cmds[160], *out = NULL;
	int rc;

	if (!names_ok(family, table, NULL))
		return vmc_error_set(VMC_EINVAL, "nat: invalid table name");
	snprintf(cmds, sizeof(cmds), "list table %s %s\n", family, table);
	if (nft_exec(cmds, &out) < 0) {
		vmc_error_clear();
		return 1; /* no table */
	}
	rc = strstr(out, "chain ") != NULL;
	free(out);
	if (rc)
		return 0;
	snprintf(cmds, sizeof(cmds), "delete table %s %s\n", family, table);
	rc = nft_exec(cmds, NULL);
	return rc < 0 ? vmc_error_prefix(rc, "delete table %s %s", family, table) : 1;
}

static int sysctl_path(const char *key, char *path, size_t len)
{
	int n;

	if (!hostrec_sysctl_valid(key))
		return vmc_error_set(VMC_EINVAL, "sysctl '%.60s' is not one vmc changes",
				     key ? key : "");
	n = snprintf(path, len, "/proc/sys/%s", key);
	if (n < 0 || (size_t)n >= len)
		return vmc_error_set(VMC_EINVAL, "sysctl key too long");
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	return 0;
}

int nat_sysctl_get(const char *key, char *out, size_t len)
{
	char path[128];
	ssize_t n;
	int fd, rc = sysctl_path(key, path, sizeof(path));

	if (rc < 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "sysctl: cannot open '%s'", path);
	n = read(fd, out, len - 1);
	close(fd);
	if (n <= 0)
		return vmc_error_set_errno(VMC_EIO, n < 0 ? errno : EIO, "sysctl: cannot read '%s'",
					   path);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	if (n == 0 || n > 8 || strspn(out, "0123456789") != (size_t)n)
		return vmc_error_set(VMC_EPROTO, "sysctl '%s': unexpected value", key);
	return 0;
}

int nat_sysctl_set(const char *key, const char *value)
{
	char path[128];
	size_t len = value ? strlen(value) : 0;
	int fd, rc = sysctl_path(key, path, sizeof(path));

	if (rc < 0)
		return rc;
	if (len == 0 || len > 8 || strspn(value, "0123456789") != len)
		return vmc_error_set(VMC_EINVAL, "sysctl '%s': invalid value", key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "sysctl: cannot open '%s'", path);
	if (write(fd, value, len) != (ssize_t)len)
		rc = vmc_error_set_errno(VMC_EIO, errno, "sysctl: cannot write %s = %s", key, value);
	close(fd);
	return rc;
}
