/*
 * nat.h - NAT for bridge networks through libnftables, and the IP
 * forwarding sysctl it needs. All vmc networks share one table,
 * `table inet vmc`; each network has one chain of its own in it,
 * "nat-<bridge>", a postrouting NAT hook masquerading what leaves its
 * subnet (through `uplink` only, when given). The table is deleted once
 * no chain is left in it, whichever state directory made them. The
 * ruleset text is built by a pure function (unit-tested); nothing here
 * records anything: bridge.c records before it calls. Internal to vmc.
 */
#ifndef VMC_NET_NAT_H
#define VMC_NET_NAT_H

#include <stddef.h>

#define NAT_FAMILY "inet"
#define NAT_TABLE "vmc"
#define NAT_CMDS_MAX 1024

/* The chain name of the network whose bridge is `bridge`: "nat-<bridge>". */
int nat_chain_name(const char *bridge, char *out, size_t len);
/* The nft commands that add the shared table (if missing) and create
 * chain `chain` (failing if it exists) with the masquerade rule for
 * `subnet` ("10.1.2.0/24"), leaving through `uplink` if not NULL.
 * VMC_EINVAL for a name or subnet that is not plain. */
int nat_rules_text(const char *chain, const char *subnet, const char *uplink, char *out,
		   size_t len);
/* Runs nft commands in one transaction; VMC_EIO with nft's message. */
int nat_run(const char *cmds);
/* Adds the network's chain (nat_rules_text + nat_run). */
int nat_add(const char *chain, const char *subnet, const char *uplink);
/* Deletes chain `chain` of family/table with its rules; a missing chain
 * (or table) is not an error. */
int nat_chain_delete(const char *family, const char *table, const char *chain);
/* Deletes family/table if it has no chain left: 1 deleted (or absent), 0
 * kept (other chains), < 0 error. */
int nat_table_delete_if_empty(const char *family, const char *table);

/* Reads or writes /proc/sys/<key with '.' as '/'>, e.g.
 * "net.ipv4.ip_forward", in this network namespace; values are short
 * integers ("0", "1"). */
int nat_sysctl_get(const char *key, char *out, size_t len);
int nat_sysctl_set(const char *key, const char *value);

#endif
