/*
 * cmd_ssh.c - `vmc ssh [-l USER] NAME [-- CMD ARG...]`: replaces itself
 * (execvp, no shell on this side) with the system's ssh, logging in with
 * vmc's own key (vmc_ssh_key_ensure: the key `vmc run --cloud-init` puts in
 * the seed), host keys neither checked nor recorded (guests are fresh each
 * time; the address is local). Where to connect: a TCP port the VM
 * publishes to guest port 22 (`--publish 2222:22`, the only way into a
 * guest on a user-mode NIC), else the first address of the guest's ready
 * line when it has a TAP or switch NIC. The login user is -l, else the
 * first --user of the VM's cloud-init seed, else ssh's own default. As
 * with ssh itself, CMD's words are joined by ssh and run by the guest's
 * login shell.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "args.h"
#include "cli.h"

#define SSH_ARGV_MAX 32

enum { OPT_LOGIN = 1 };

static const struct cli_option ssh_options[] = {
	{ "login", 'l', 1, OPT_LOGIN },
	{ NULL, 0, 0, 0 },
};

struct ssh_target {
	char host[64];
	char port[8];
	char user[VMC_SEED_USER_MAX + 1];
};

/* From the VM's config: a published port to 22, whether it has a NIC the
 * host can reach directly, and the seed's first user. */
static void read_config(const vmc_config *cfg, struct ssh_target *t, int *has_routed_nic)
{
	char *text = NULL;
	json_t *root, *v, *users;
	size_t i;

	*has_routed_nic = 0;
	if (vmc_config_to_json(cfg, &text) < 0)
		return;
	root = json_loads(text, 0, NULL);
	vmc_free(text);
	if (!root)
		return;
	json_array_foreach(json_object_get(root, "forwards"), i, v) {
		const char *proto = json_string_value(json_object_get(v, "proto"));
		const char *addr = json_string_value(json_object_get(v, "host_addr"));

		if (t->port[0] || !proto || strcmp(proto, "tcp") != 0 ||
		    json_integer_value(json_object_get(v, "guest_port")) != 22)
			continue;
		snprintf(t->host, sizeof(t->host), "%s", addr ? addr : "127.0.0.1");
		snprintf(t->port, sizeof(t->port), "%lld",
			 (long long)json_integer_value(json_object_get(v, "host_port")));
	}
	json_array_foreach(json_object_get(root, "nics"), i, v) {
		const char *kind = json_string_value(json_object_get(v, "kind"));

		if (kind && strcmp(kind, "user") != 0)
			*has_routed_nic = 1;
	}
	users = json_object_get(json_object_get(root, "cloud_init"), "users");
	v = json_object_get(json_array_get(users, 0), "name");
	if (json_is_string(v))
		snprintf(t->user, sizeof(t->user), "%s", json_string_value(v));
	json_decref(root);
}

static int cmd_ssh(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *name = NULL, *login = NULL, *args[SSH_ARGV_MAX + 64];
	char vm[2 * VMC_NAME_MAX + 2];
	struct ssh_target t = { .host = "", .port = "", .user = "" };
	struct cli_getopt g;
	vmc_config *cfg = NULL;
	char *key = NULL;
	char **rest = NULL;
	int n_rest = 0, id, rc, exit_rc = 0, routed, n = 0;
	vmc_state st;

	cli_getopt_init(&g, argc, argv, ssh_options);
	for (;;) {
		id = cli_getopt_next(&g);
		if (id == CLI_OPT_END)
			break;
		if (id == CLI_OPT_DASHDASH) {
			rest = g.argv + g.index;
			n_rest = g.argc - g.index;
			break;
		}
		if (id == CLI_OPT_POSITIONAL) {
			if (name)
				return cli_usage_error(cmd, "unexpected argument '%s' (put the command "
							    "after '--')", g.arg);
			name = g.arg;
			continue;
		}
		if (id == OPT_LOGIN) {
			login = g.arg;
			continue;
		}
		rc = cli_common_option(ctx, cmd, &g, id);
		if (rc >= 0)
			return rc;
	}
	if (!name)
		return cli_usage_error(cmd, "expected NAME");
	if (n_rest > 64)
		return cli_usage_error(cmd, "at most 64 command words");
	if (cli_qualify(ctx->ns, name, vm, sizeof(vm)) < 0)
		return cli_usage_error(cmd, "bad name '%s'", name);
	exit_rc = cli_manager(ctx);
	if (exit_rc)
		return exit_rc;
	rc = vmc_manager_config(ctx->mgr, vm, &cfg);
	if (rc == 0)
		rc = vmc_manager_state(ctx->mgr, vm, &st);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "%s", vm);
		goto out;
	}
	read_config(cfg, &t, &routed);
	if (!t.port[0]) {
		if (!routed) {
			exit_rc = cli_error("%s: no way to reach its ssh: it has only user-mode "
					    "networking and publishes no port to 22 (run it with "
					    "--publish PORT:22)", vm);
			goto out;
		}
		if (st.kind != VMC_STATE_READY || !st.ip[0][0]) {
			exit_rc = cli_error("%s is %s, not ready with an address", vm,
					    vmc_state_name(st.kind));
			goto out;
		}
		snprintf(t.host, sizeof(t.host), "%s", st.ip[0]);
		snprintf(t.port, sizeof(t.port), "22");
	}
	rc = vmc_ssh_key_ensure(NULL, &key, NULL);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "vmc's ssh key");
		goto out;
	}
	if (login)
		snprintf(t.user, sizeof(t.user), "%s", login);
	args[n++] = "ssh";
	args[n++] = "-i";
	args[n++] = key;
	args[n++] = "-o";
	args[n++] = "IdentitiesOnly=yes";
	args[n++] = "-o";
	args[n++] = "StrictHostKeyChecking=no";
	args[n++] = "-o";
	args[n++] = "UserKnownHostsFile=/dev/null";
	args[n++] = "-o";
	args[n++] = "LogLevel=ERROR";
	args[n++] = "-p";
	args[n++] = t.port;
	if (t.user[0]) {
		args[n++] = "-l";
		args[n++] = t.user;
	}
	args[n++] = "--";
	args[n++] = t.host;
	for (int i = 0; i < n_rest; i++)
		args[n++] = rest[i];
	args[n] = NULL;
	if (ctx->verbose)
		fprintf(stderr, "vmc: ssh to %s port %s\n", t.host, t.port);
	fflush(stdout);
	fflush(stderr);
	execvp("ssh", (char *const *)args);
	exit_rc = cli_error("cannot run ssh: %s (install openssh-client)", strerror(errno));
out:
	vmc_free(key);
	vmc_config_free(cfg);
	return exit_rc;
}

const struct cli_command cli_cmd_ssh = {
	.name = "ssh",
	.usage = "ssh [-l USER] NAME [-- CMD ARG...]",
	.help = "Runs the system's ssh into the VM with vmc's key (the one `vmc run\n"
		"--cloud-init` authorizes), without checking or recording host keys.\n"
		"It connects to a published port to guest port 22 (--publish 2222:22;\n"
		"required with only user-mode networking), else to the guest's ready\n"
		"address. USER defaults to the seed's --user, else ssh's default.\n",
	.fn = cmd_ssh,
};
