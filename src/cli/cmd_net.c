/*
 * cmd_net.c - `vmc net create NAME [--subnet CIDR]`, `vmc net ls` and
 * `vmc net rm NAME`: thin shells over vmc_network_create(),
 * vmc_network_list() and vmc_network_remove(). create prints the network's
 * name and subnet; ls one line per network (name, subnet, VMs holding an
 * address, ports on the switch, the switch's pid or "dead"); with --json
 * one object (create) or an array (ls). rm of a network in use exits 1
 * with the VM named; of a missing one, 3.
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"

enum { OPT_SUBNET = 1, OPT_TYPE, OPT_NAT, OPT_UPLINK, OPT_NETNS, OPT_HOST };

static json_t *network_json(const vmc_network_info *n)
{
	if (n->type == VMC_NETWORK_BRIDGE)
		return json_pack("{s:s, s:s, s:s, s:i, s:s, s:b, s:s}", "name", n->name, "type",
				 "bridge", "subnet", n->subnet, "addrs", (int)n->n_addrs, "bridge",
				 n->bridge, "nat", n->nat, "netns", n->netns);
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:b}", "name", n->name, "type", "switch",
			 "subnet", n->subnet, "addrs", (int)n->n_addrs, "ports", (int)n->n_ports,
			 "switch_pid", n->switch_pid, "switch_alive", n->switch_alive);
}

/* The entry of `name` in the list, or NULL (*all freed by the caller). */
static const vmc_network_info *find_network(struct cli_ctx *ctx, const char *name,
					    vmc_network_info **all)
{
	size_t n = 0;

	*all = NULL;
	if (vmc_network_list(ctx->mgr, all, &n) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp((*all)[i].name, name))
			return &(*all)[i];
	return NULL;
}

static int net_create(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_option opts[] = { { "subnet", 0, 1, OPT_SUBNET },
						  { "type", 0, 1, OPT_TYPE },
						  { "nat", 0, 0, OPT_NAT },
						  { "uplink", 0, 1, OPT_UPLINK },
						  { "netns", 0, 1, OPT_NETNS },
						  { "host", 0, 0, OPT_HOST },
						  { NULL, 0, 0, 0 } };
	const char *pos[1], *values[CLI_COLLECT_MAX_ID] = { NULL };
	const vmc_network_info *info;
	vmc_network_info *all = NULL;
	int n, rc, bridge;

	rc = cli_collect(ctx, cmd, argc, argv, opts, pos, 1, &n, values);
	if (rc >= 0)
		return rc;
	if (n != 1)
		return cli_usage_error(cmd, "expected NAME after 'create'");
	bridge = values[OPT_TYPE] && !strcmp(values[OPT_TYPE], "bridge");
	if (values[OPT_TYPE] && !bridge && strcmp(values[OPT_TYPE], "switch") != 0)
		return cli_usage_error(cmd, "--type: expected switch or bridge");
	if (!bridge && (values[OPT_NAT] || values[OPT_UPLINK] || values[OPT_NETNS]))
		return cli_usage_error(cmd, "--nat, --uplink and --netns are for --type bridge");
	if (bridge && values[OPT_HOST])
		return cli_usage_error(cmd, "--host is for switch networks (a bridge has the host)");
	if (values[OPT_UPLINK] && !values[OPT_NAT])
		return cli_usage_error(cmd, "--uplink needs --nat");
	rc = cli_manager(ctx);
	if (rc)
		return rc;
	if (bridge)
		rc = vmc_network_create_bridge(ctx->mgr, pos[0], values[OPT_SUBNET],
					       values[OPT_NAT] ? VMC_NETWORK_NAT : 0,
					       values[OPT_UPLINK], values[OPT_NETNS]);
	else
		rc = vmc_network_create_switch(ctx->mgr, pos[0], values[OPT_SUBNET],
					       values[OPT_HOST] ? VMC_NETWORK_HOST_PORT : 0);
	if (rc < 0)
		return cli_fail(rc, "net create '%s'", pos[0]);
	info = find_network(ctx, pos[0], &all);
	rc = CLI_EXIT_OK;
	if (!info) {
		rc = cli_fail(VMC_ERROR, "net create '%s'", pos[0]);
	} else if (ctx->json) {
		if (output_json_print(network_json(info), 0) < 0)
			rc = cli_error("cannot write output");
	} else if (!ctx->quiet) {
		printf("%s %s\n", info->name, info->subnet);
	}
	vmc_free(all);
	return rc;
}

static int net_ls(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_option opts[] = { { NULL, 0, 0, 0 } };
	vmc_network_info *all = NULL;
	const char *pos[1];
	size_t count = 0;
	int n, rc;

	rc = cli_collect(ctx, cmd, argc, argv, opts, pos, 0, &n, NULL);
	if (rc >= 0)
		return rc;
	rc = cli_manager(ctx);
	if (rc)
		return rc;
	rc = vmc_network_list(ctx->mgr, &all, &count);
	if (rc < 0)
		return cli_fail(rc, "net ls");
	rc = CLI_EXIT_OK;
	if (ctx->json) {
		json_t *arr = json_array();

		for (size_t i = 0; arr && i < count; i++)
			json_array_append_new(arr, network_json(&all[i]));
		if (output_json_print(arr, 1) < 0)
			rc = cli_error("cannot write output");
	} else {
		if (!ctx->quiet)
			printf("%-20s %-18s %5s %5s  %s\n", "NAME", "SUBNET", "VMS", "PORTS", "SWITCH");
		for (size_t i = 0; i < count; i++) {
			char sw[120];

			if (all[i].type == VMC_NETWORK_BRIDGE)
				snprintf(sw, sizeof(sw), "bridge %s%s%s%s", all[i].bridge,
					 all[i].nat ? " nat" : "", all[i].netns[0] ? " netns " : "",
					 all[i].netns);
			else if (all[i].switch_alive)
				snprintf(sw, sizeof(sw), "pid %d", all[i].switch_pid);
			else
				snprintf(sw, sizeof(sw), "dead");
			printf("%-20s %-18s %5u %5u  %s\n", all[i].name, all[i].subnet,
			       all[i].n_addrs, all[i].n_ports, sw);
		}
	}
	vmc_free(all);
	return rc;
}

static int net_rm(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_option opts[] = { { NULL, 0, 0, 0 } };
	const char *pos[1];
	int n, rc;

	rc = cli_collect(ctx, cmd, argc, argv, opts, pos, 1, &n, NULL);
	if (rc >= 0)
		return rc;
	if (n != 1)
		return cli_usage_error(cmd, "expected NAME after 'rm'");
	rc = cli_manager(ctx);
	if (rc)
		return rc;
	rc = vmc_network_remove(ctx->mgr, pos[0]);
	if (rc < 0)
		return cli_fail(rc, "net rm '%s'", pos[0]);
	if (ctx->json) {
		if (output_json_print(json_pack("{s:s}", "removed", pos[0]), 0) < 0)
			return cli_error("cannot write output");
	} else if (!ctx->quiet) {
		printf("%s\n", pos[0]);
	}
	return CLI_EXIT_OK;
}

static int cmd_net(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "create", net_create },
		{ "ls", net_ls },
		{ "rm", net_rm },
	};

	return cli_dispatch(ctx, cmd, argc, argv, subs, sizeof(subs) / sizeof(subs[0]),
			    "create, ls or rm");
}

const struct cli_command cli_cmd_net = {
	.name = "net",
	.usage = "net create NAME [--subnet CIDR] [--host] [--type switch|bridge [--nat"
		 " [--uplink IF]] [--netns NS]] | net ls | net rm NAME",
	.help = "Switch networks (the default type): VMs started with --net switch:NAME\n"
		"reach each other through the network's switch (a vmc-switch process) and\n"
		"nothing else; with --host (root) the switch also gives the host a TAP\n"
		"vmcsN with the subnet's .1, so the host reaches them (and --publish works).\n"
		"Bridge networks (--type bridge, Linux, root): a host bridge vmc-NAME holding\n"
		"the subnet's .1, the VMs' gateway; VMs started with --net bridge:NAME get a\n"
		"TAP in it that vanishes with the VM. --nat masquerades what leaves the\n"
		"subnet (out of --uplink IF only, if given; nftables `table inet vmc`) and\n"
		"sets net.ipv4.ip_forward. Every host object is recorded in the state dir\n"
		"before it is made; rm deletes exactly those and puts ip_forward back. A\n"
		"create that crashed midway is undone by the next net create, ls or rm.\n"
		"It all happens in vmc's network namespace (`ip netns exec NS vmc ...`),\n"
		"or with --netns NS in a namespace /run/netns/NS vmc creates for the\n"
		"network (VM TAPs go there too) and deletes with it.\n"
		"create: makes network NAME on CIDR (IPv4 a.b.c.d/8..29), or on the first\n"
		"free 10.x.y.0/24 from 10.100.0.0/24, and starts its switch; for a network\n"
		"whose switch died, starts it again. Prints \"NAME SUBNET\".\n"
		"ls: name, subnet, VMs holding an address, ports on the switch, the\n"
		"switch's pid or \"dead\" (a dead switch restarts when a VM on it starts);\n"
		"for a bridge network \"bridge IFNAME [nat]\".\n"
		"rm: stops the switch and removes the network; refused (exit 1) while a\n"
		"VM, running or not, has a NIC on it: remove the VM first.\n"
		"VMs get addresses from .2 on (.1 is kept for a gateway), released when\n"
		"the VM is removed.\n",
	.fn = cmd_net,
};
