/*
 * cmd_run.c - `vmc run`: builds a vmc_config from the command line, starts
 * the VM, and either returns at once (-d) or follows its console and exits
 * with the workload's status.
 *
 * Options are collected first (the name may come after --disk), then every
 * value goes through its vmc_config setter, whose message is shown as is:
 * the library owns validation, this file only parses syntax (spec.c). A
 * rejected value exits 2. Without --kernel the default guest built by
 * guest/build is used; --image REF adds the image's disk and workload
 * (vmc_config_set_image) on top of it, after pulling the image when it is
 * not in the store. In the foreground SIGINT, SIGTERM and SIGHUP are
 * taken through a signal watch (watch.h), set up only after the shim has been spawned so
 * it never inherits the blocked mask, and stop the VM gracefully (10 s)
 * before exiting 128 + signal.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "watch.h"
#include "output.h"
#include "run_cloud_init.h"
#include "spec.h"

#define RUN_LIST_MAX 64

enum {
	OPT_DETACH = 1,
	OPT_NAME,
	OPT_BACKEND,
	OPT_ACCEL,
	OPT_KERNEL,
	OPT_INITRAMFS,
	OPT_CMDLINE,
	OPT_CPUS,
	OPT_MEMORY,
	OPT_DISK,
	OPT_NET,
	OPT_SHARE,
	OPT_PUBLISH,
	OPT_BOOT_TIMEOUT,
	OPT_CLOUD_INIT,
	OPT_SSH_KEY,
	OPT_USER,
	OPT_IMAGE,
	OPT_MAX_CPUS,
	OPT_MAX_MEMORY,
	OPT_VSOCK,
};

static const struct cli_option run_options[] = {
	{ "detach", 'd', 0, OPT_DETACH },
	{ "name", 0, 1, OPT_NAME },
	{ "backend", 0, 1, OPT_BACKEND },
	{ "accel", 0, 1, OPT_ACCEL },
	{ "kernel", 0, 1, OPT_KERNEL },
	{ "initramfs", 0, 1, OPT_INITRAMFS },
	{ "cmdline", 0, 1, OPT_CMDLINE },
	{ "cpus", 0, 1, OPT_CPUS },
	{ "memory", 0, 1, OPT_MEMORY },
	{ "disk", 0, 1, OPT_DISK },
	{ "net", 0, 1, OPT_NET },
	{ "share", 0, 1, OPT_SHARE },
	{ "publish", 'p', 1, OPT_PUBLISH },
	{ "boot-timeout", 0, 1, OPT_BOOT_TIMEOUT },
	{ "cloud-init", 0, 0, OPT_CLOUD_INIT },
	{ "ssh-key", 0, 1, OPT_SSH_KEY },
	{ "user", 0, 1, OPT_USER },
	{ "image", 0, 1, OPT_IMAGE },
	{ "max-cpus", 0, 1, OPT_MAX_CPUS },
	{ "max-memory", 0, 1, OPT_MAX_MEMORY },
	{ "vsock", 0, 1, OPT_VSOCK },
	{ NULL, 0, 0, 0 },
};

struct run_list {
	const char *v[RUN_LIST_MAX];
	int n;
};

struct run_opts {
	int detach;
	const char *name;
	int have_backend, have_accel, have_cpus, have_memory, have_boot_timeout;
	vmc_backend backend;
	vmc_accel accel;
	const char *kernel;
	const char *initramfs;
	const char *cmdline;
	const char *image;
	unsigned long cpus, memory, max_cpus, max_memory, vsock_cid;
	int boot_timeout_ms;
	struct run_list disks, nets, shares, publishes;
	struct run_cloud_init ci;
	int exec_argc;
	char **exec_argv;
};

static int list_add(const struct cli_command *cmd, struct run_list *l, const char *opt,
		    const char *v)
{
	if (l->n >= RUN_LIST_MAX)
		return cli_usage_error(cmd, "too many %s options", opt);
	l->v[l->n++] = v;
	return -1;
}

static int parse_backend(const char *s, vmc_backend *out)
{
	static const struct {
		const char *word;
		vmc_backend b;
	} map[] = { { "auto", VMC_BACKEND_AUTO },
		    { "chv", VMC_BACKEND_CHV },
		    { "qemu", VMC_BACKEND_QEMU },
		    { "vz", VMC_BACKEND_VZ } };
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(s, map[i].word) == 0) {
			*out = map[i].b;
			return 0;
		}
	}
	return -1;
}

static int parse_accel(const char *s, vmc_accel *out)
{
	if (strcmp(s, "auto") == 0)
		*out = VMC_ACCEL_AUTO;
	else if (strcmp(s, "kvm") == 0)
		*out = VMC_ACCEL_KVM;
	else if (strcmp(s, "tcg") == 0)
		*out = VMC_ACCEL_TCG;
	else
		return -1;
	return 0;
}

/* Returns -1 when parsing is complete, else an exit code. */
static int run_parse(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv,
		     struct run_opts *o)
{
	struct cli_getopt g;
	int id, rc = -1;

	cli_getopt_init(&g, argc, argv, run_options);
	for (;;) {
		id = cli_getopt_next(&g);
		switch (id) {
		case CLI_OPT_END:
			return -1;
		case CLI_OPT_DASHDASH:
			o->exec_argc = g.argc - g.index;
			o->exec_argv = g.argv + g.index;
			if (o->exec_argc == 0)
				return cli_usage_error(cmd, "missing workload after '--'");
			return -1;
		case CLI_OPT_POSITIONAL:
			return cli_usage_error(cmd, "unexpected argument '%s' (put the workload after '--')",
					       g.arg);
		case OPT_DETACH:
			o->detach = 1;
			break;
		case OPT_NAME:
			o->name = g.arg;
			break;
		case OPT_BACKEND:
			if (parse_backend(g.arg, &o->backend) < 0)
				return cli_usage_error(cmd, "--backend '%s': expected auto, chv, qemu or vz",
						       g.arg);
			o->have_backend = 1;
			break;
		case OPT_ACCEL:
			if (parse_accel(g.arg, &o->accel) < 0)
				return cli_usage_error(cmd, "--accel '%s': expected auto, kvm or tcg",
						       g.arg);
			o->have_accel = 1;
			break;
		case OPT_KERNEL:
			o->kernel = g.arg;
			break;
		case OPT_INITRAMFS:
			o->initramfs = g.arg;
			break;
		case OPT_CMDLINE:
			o->cmdline = g.arg;
			break;
		case OPT_IMAGE:
			o->image = g.arg;
			break;
		case OPT_CPUS:
			if (cli_parse_uint(g.arg, ULONG_MAX, &o->cpus) < 0)
				return cli_usage_error(cmd, "--cpus '%s': expected a number", g.arg);
			o->have_cpus = 1;
			break;
		case OPT_MEMORY:
			if (cli_parse_uint(g.arg, ULONG_MAX, &o->memory) < 0)
				return cli_usage_error(cmd, "--memory '%s': expected MiB as a number",
						       g.arg);
			o->have_memory = 1;
			break;
		case OPT_MAX_CPUS:
			if (cli_parse_uint(g.arg, ULONG_MAX, &o->max_cpus) < 0)
				return cli_usage_error(cmd, "--max-cpus '%s': expected a number", g.arg);
			break;
		case OPT_VSOCK:
			if (cli_parse_uint(g.arg, ULONG_MAX, &o->vsock_cid) < 0 || o->vsock_cid == 0)
				return cli_usage_error(cmd, "--vsock '%s': expected a context id (3 or "
						       "more)", g.arg);
			break;
		case OPT_MAX_MEMORY:
			if (cli_parse_uint(g.arg, ULONG_MAX, &o->max_memory) < 0)
				return cli_usage_error(cmd, "--max-memory '%s': expected MiB as a number",
						       g.arg);
			break;
		case OPT_BOOT_TIMEOUT:
			if (cli_parse_seconds_ms(g.arg, &o->boot_timeout_ms) < 0)
				return cli_usage_error(cmd, "--boot-timeout '%s': expected whole seconds",
						       g.arg);
			o->have_boot_timeout = 1;
			break;
		case OPT_DISK:
			rc = list_add(cmd, &o->disks, "--disk", g.arg);
			break;
		case OPT_NET:
			rc = list_add(cmd, &o->nets, "--net", g.arg);
			break;
		case OPT_SHARE:
			rc = list_add(cmd, &o->shares, "--share", g.arg);
			break;
		case OPT_PUBLISH:
			rc = list_add(cmd, &o->publishes, "--publish", g.arg);
			break;
		case OPT_CLOUD_INIT:
			o->ci.enabled = 1;
			break;
		case OPT_SSH_KEY:
			if (o->ci.n_keys >= RUN_CI_KEYS_MAX)
				return cli_usage_error(cmd, "too many --ssh-key options");
			o->ci.keys[o->ci.n_keys++] = g.arg;
			break;
		case OPT_USER:
			o->ci.user = g.arg;
			break;
		default:
			rc = cli_common_option(ctx, cmd, &g, id);
			break;
		}
		if (rc >= 0)
			return rc;
	}
}

/* A setter refused a value: its message, exit 2 (1 when out of memory). */
static int bad_value(int rc, const char *what)
{
	cli_fail(rc, "%s", what);
	return rc == VMC_ENOMEM ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
}

/* A huge number still reaches the setter, which names the valid range. */
static unsigned int clamp_uint(unsigned long v)
{
	return v > UINT_MAX ? UINT_MAX : (unsigned int)v;
}

static int file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int set_guest(vmc_config *cfg, const struct run_opts *o)
{
	char dir[PATH_MAX], kernel[PATH_MAX], initramfs[PATH_MAX];
	int rc, n1, n2;

	if (o->kernel) {
		rc = vmc_config_set_kernel(cfg, o->kernel);
		if (rc < 0)
			return bad_value(rc, "--kernel");
		if (o->initramfs) {
			rc = vmc_config_set_initramfs(cfg, o->initramfs);
			if (rc < 0)
				return bad_value(rc, "--initramfs");
		}
		return 0;
	}
	if (cli_default_guest_dir(dir, sizeof(dir), getenv, geteuid() == 0) < 0)
		return cli_error("no --kernel given and no default guest directory "
				 "(set VMC_GUEST_DIR or HOME)");
	n1 = snprintf(kernel, sizeof(kernel), "%s/vmlinux", dir);
	n2 = snprintf(initramfs, sizeof(initramfs), "%s/initramfs.cpio", dir);
	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(kernel) || (size_t)n2 >= sizeof(initramfs))
		return cli_error("default guest directory '%s': path too long", dir);
	if (!file_exists(kernel) || (!o->initramfs && !file_exists(initramfs))) {
		cli_error("no --kernel given and the default guest is missing in '%s': "
			  "run guest/build to assemble it",
			  dir);
		return CLI_EXIT_NOTFOUND;
	}
	rc = vmc_config_set_kernel(cfg, kernel);
	if (rc < 0)
		return bad_value(rc, "default guest kernel");
	rc = vmc_config_set_initramfs(cfg, o->initramfs ? o->initramfs : initramfs);
	if (rc < 0)
		return bad_value(rc, "--initramfs");
	return 0;
}

static int set_devices(const struct cli_command *cmd, vmc_config *cfg, const struct run_opts *o)
{
	char err[CLI_SPEC_ERR_MAX];
	struct cli_disk disk;
	struct cli_share share;
	struct cli_net net;
	struct cli_publish pub;
	int i, rc;

	for (i = 0; i < o->disks.n; i++) {
		if (cli_parse_disk(o->disks.v[i], &disk, err, sizeof(err)) < 0)
			return cli_usage_error(cmd, "%s", err);
		rc = vmc_config_add_disk_format(cfg, disk.path, disk.read_only, disk.format);
		if (rc < 0)
			return bad_value(rc, "--disk");
	}
	for (i = 0; i < o->nets.n; i++) {
		if (cli_parse_net(o->nets.v[i], &net, err, sizeof(err)) < 0)
			return cli_usage_error(cmd, "%s", err);
		rc = vmc_config_add_nic(cfg, net.kind, net.kind != VMC_NIC_USER ? net.tap : NULL,
					net.mac[0] ? net.mac : NULL, net.ip[0] ? net.ip : NULL,
					net.gw[0] ? net.gw : NULL);
		if (rc == 0 && net.queues)
			rc = vmc_config_set_nic_queues(cfg, (size_t)i, net.queues);
		if (rc < 0)
			return bad_value(rc, "--net");
	}
	for (i = 0; i < o->shares.n; i++) {
		if (cli_parse_share(o->shares.v[i], &share, err, sizeof(err)) < 0)
			return cli_usage_error(cmd, "%s", err);
		rc = vmc_config_add_share(cfg, share.host_path, share.tag, share.read_only);
		if (rc < 0)
			return bad_value(rc, "--share");
	}
	if (o->publishes.n > 0 && o->nets.n == 0) {
		rc = vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL);
		if (rc < 0)
			return bad_value(rc, "--publish");
	}
	for (i = 0; i < o->publishes.n; i++) {
		if (cli_parse_publish(o->publishes.v[i], &pub, err, sizeof(err)) < 0)
			return cli_usage_error(cmd, "%s", err);
		rc = vmc_config_add_port_forward(cfg, pub.proto, pub.addr[0] ? pub.addr : NULL,
						 pub.host_port, pub.guest_port);
		if (rc < 0)
			return bad_value(rc, "--publish");
	}
	return 0;
}

/* Like `docker run`: an image that is not in the store is pulled first
 * (vmc_image_pull, default options: see `vmc pull` for more). A line on
 * stderr says so unless -q. Returns 0 or an exit code. */
static int pull_if_missing(struct cli_ctx *ctx, const char *ref)
{
	vmc_image_store *st = NULL;
	vmc_image_info *ims = NULL;
	char *canon = NULL, *digest = NULL;
	size_t n = 0, i;
	int rc, exit_rc = 0;

	rc = vmc_image_ref_normalize(&canon, ref);
	if (rc < 0)
		return cli_fail(rc, "--image");
	rc = vmc_image_store_open(&st, NULL);
	if (rc == 0)
		rc = vmc_image_store_list(st, &ims, &n);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "cannot read the image store");
		goto out;
	}
	for (i = 0; i < n && strcmp(ims[i].ref, canon) != 0; i++)
		;
	if (i < n)
		goto out;
	if (!ctx->quiet)
		fprintf(stderr, "vmc: %s is not in the image store: pulling it\n", canon);
	rc = vmc_image_pull(&digest, st, ref, NULL, NULL, NULL);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "cannot pull '%s'", canon);
		goto out;
	}
	if (!ctx->quiet)
		fprintf(stderr, "vmc: pulled %s (%s)\n", canon, digest);
out:
	vmc_free(digest);
	vmc_free(ims);
	vmc_free(canon);
	vmc_image_store_free(st);
	return exit_rc;
}

/* Builds the config; *vm gets the qualified name. Returns 0 or an exit code. */
static int build_config(struct cli_ctx *ctx, const struct cli_command *cmd,
			const struct run_opts *o, vmc_config **out, char *vm, size_t vm_size)
{
	char gen[32], ns[VMC_NAME_MAX + 1], split[VMC_NAME_MAX + 1];
	const char *want_ns = ctx->ns, *name = o->name;
	vmc_config *cfg = NULL;
	int rc, exit_rc = 0;

	if (name && strchr(name, '/')) {
		if (cli_split_name(o->name, ns, sizeof(ns), split, sizeof(split)) < 0)
			return cli_usage_error(cmd, "--name '%s': too long", o->name);
		if (want_ns && strcmp(want_ns, ns) != 0)
			return cli_usage_error(cmd, "--name '%s' contradicts --namespace '%s'",
					       o->name, want_ns);
		want_ns = ns;
		name = split;
	} else if (!name) {
		if (cli_random_name(gen, sizeof(gen)) < 0)
			return cli_error("cannot generate a VM name: %s", strerror(errno));
		name = gen;
	}
	rc = vmc_config_new(&cfg, name);
	if (rc < 0)
		return bad_value(rc, "--name");
	if (want_ns) {
		rc = vmc_config_set_namespace(cfg, want_ns);
		if (rc < 0) {
			exit_rc = bad_value(rc, "--namespace");
			goto out;
		}
	}
	exit_rc = set_guest(cfg, o);
	if (exit_rc)
		goto out;
#define SET(call, what)                                   \
	do {                                              \
		rc = (call);                              \
		if (rc < 0) {                             \
			exit_rc = bad_value(rc, what);    \
			goto out;                         \
		}                                         \
	} while (0)
	if (o->cmdline)
		SET(vmc_config_set_cmdline(cfg, o->cmdline), "--cmdline");
	if (o->have_cpus)
		SET(vmc_config_set_cpus(cfg, clamp_uint(o->cpus)), "--cpus");
	if (o->have_memory)
		SET(vmc_config_set_memory_mib(cfg, clamp_uint(o->memory)), "--memory");
	if (o->max_cpus)
		SET(vmc_config_set_max_cpus(cfg, clamp_uint(o->max_cpus)), "--max-cpus");
	if (o->max_memory)
		SET(vmc_config_set_max_memory_mib(cfg, clamp_uint(o->max_memory)), "--max-memory");
	if (o->vsock_cid)
		SET(vmc_config_set_vsock_cid(cfg, clamp_uint(o->vsock_cid)), "--vsock");
	if (o->have_backend)
		SET(vmc_config_set_backend(cfg, o->backend), "--backend");
	if (o->have_accel)
		SET(vmc_config_set_accel(cfg, o->accel), "--accel");
	if (o->have_boot_timeout)
		SET(vmc_config_set_boot_timeout_ms(cfg, (unsigned int)o->boot_timeout_ms),
		    "--boot-timeout");
	if (o->exec_argc > 0)
		SET(vmc_config_set_exec(cfg, o->exec_argc, (const char *const *)o->exec_argv),
		    "workload");
#undef SET
	if (o->image) {
		exit_rc = pull_if_missing(ctx, o->image);
		if (exit_rc)
			goto out;
		/* builds the image's disk the first time: seconds for a big image */
		rc = vmc_config_set_image(cfg, NULL, o->image);
		if (rc < 0) {
			exit_rc = cli_fail(rc, "--image");
			goto out;
		}
	}
	exit_rc = set_devices(cmd, cfg, o);
	if (exit_rc == 0)
		exit_rc = run_cloud_init_apply(cmd, cfg, &o->ci, o->exec_argc, o->exec_argv);
	if (exit_rc)
		goto out;
	if (cli_qualify(want_ns, name, vm, vm_size) < 0) {
		exit_rc = cli_usage_error(cmd, "bad name '%s'", name);
		goto out;
	}
	*out = cfg;
	cfg = NULL;
out:
	vmc_config_free(cfg);
	return exit_rc;
}

static int print_started(struct cli_ctx *ctx, const char *vm)
{
	vmc_state st;
	int rc;

	if (!ctx->json) {
		printf("%s\n", vm);
		return 0;
	}
	rc = vmc_manager_state(ctx->mgr, vm, &st);
	if (output_json_print(output_vm_object_q(vm, rc == 0 ? &st : NULL), 0) < 0)
		return cli_error("cannot write output");
	return 0;
}

static int foreground(struct cli_ctx *ctx, const char *vm)
{
	struct cli_sigwatch sig = { .fd = -1 };
	struct cli_follow f = { .vm = vm, .sig = &sig };
	vmc_stop_result how;
	int rc, exit_rc;

	if (cli_sig_open(&sig) < 0) {
		exit_rc = cli_error("cannot watch signals: %s", strerror(errno));
		goto out;
	}
	f.echo = !ctx->quiet;
	f.report_ready = !ctx->quiet;
	exit_rc = cli_follow_console(ctx, &f);
	if (exit_rc)
		goto out;
	if (f.signo) {
		if (!ctx->quiet)
			fprintf(stderr, "vmc: stopping %s\n", vm);
		rc = vmc_manager_stop(ctx->mgr, vm, 10000, &how);
		if (rc < 0)
			cli_fail(rc, "stop '%s'", vm);
		exit_rc = 128 + f.signo;
		goto out;
	}
	if (f.final.kind == VMC_STATE_FAILED) {
		cli_error("%s failed: %s", vm, f.final.reason[0] ? f.final.reason : "unknown reason");
		exit_rc = CLI_EXIT_FAILED;
	} else if (f.final.exit_code >= 0) {
		exit_rc = f.final.exit_code & 0xff;
	} else {
		cli_error("%s stopped (%s) without an exit status", vm,
			  f.final.reason[0] ? f.final.reason : "no reason");
		exit_rc = CLI_EXIT_FAILED;
	}
out:
	cli_sig_close(&sig);
	return exit_rc;
}

static int cmd_run(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct run_opts *o = NULL;
	vmc_config *cfg = NULL;
	char vm[2 * VMC_NAME_MAX + 2];
	char *json = NULL;
	int rc, exit_rc;

	o = calloc(1, sizeof(*o));
	if (!o)
		return cli_error("out of memory");
	exit_rc = run_parse(ctx, cmd, argc, argv, o);
	if (exit_rc >= 0)
		goto out;
	exit_rc = build_config(ctx, cmd, o, &cfg, vm, sizeof(vm));
	if (exit_rc)
		goto out;
	if (ctx->verbose && vmc_config_to_json(cfg, &json) == 0)
		fprintf(stderr, "vmc: starting %s: %s\n", vm, json);
	exit_rc = cli_manager(ctx);
	if (exit_rc)
		goto out;
	rc = vmc_manager_start(ctx->mgr, cfg);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "cannot start '%s'", vm);
		goto out;
	}
	if (o->detach)
		exit_rc = print_started(ctx, vm);
	else
		exit_rc = foreground(ctx, vm);
out:
	vmc_free(json);
	vmc_config_free(cfg);
	free(o);
	return exit_rc;
}

const struct cli_command cli_cmd_run = {
	.name = "run",
	.usage = "run [-d] [--name NAME] [--namespace NS] [--backend auto|chv|qemu|vz]\n"
		 "           [--accel auto|kvm|tcg] [--kernel PATH] [--initramfs PATH]\n"
		 "           [--image REF] [--cmdline STR] [--cpus N] [--memory MIB]\n"
		 "           [--disk PATH[:ro][:qcow2]]... [--max-cpus N] [--max-memory MIB]\n"
		 "           [--vsock CID]\n"
		 "           [--net SPEC]... [--share HOSTPATH:TAG[:ro]]...\n"
		 "           [--publish [ADDR:]HOSTPORT:GUESTPORT[/udp]]... [--boot-timeout SEC]\n"
		 "           [--cloud-init [--user NAME] [--ssh-key PATH.pub]...]\n"
		 "           [-- CMD ARG...]",
	.help = "Starts a VM. Without -d, prints its console until it ends and exits with\n"
		"the workload's status (1 if the VM failed); Ctrl-C stops it gracefully.\n"
		"With -d (--detach), prints its name once it is started.\n\n"
		"  --name NAME         default: vm- and 6 random hex digits (NS/NAME allowed)\n"
		"  --kernel PATH       default: the guest built by guest/build, found in\n"
		"                      $VMC_GUEST_DIR, $VMC_DATA_DIR/guest, /var/lib/vmc/guest\n"
		"                      (root) or ${XDG_DATA_HOME:-~/.local/share}/vmc/guest\n"
		"  --net SPEC          user | tap:NAME | switch:NETWORK | bridge:NETWORK (see\n"
		"                      `vmc net`), then optionally ,mac=MAC,ip=A/P,gw=G\n"
		"                      (switch, bridge: ip defaults to the network's next free\n"
		"                      address; bridge: gw to the bridge's, the subnet's .1,\n"
		"                      and ,queues=N for a multi-queue TAP)\n"
		"  --publish [ADDR:]HOSTPORT:GUESTPORT[/udp]  forward a host port to the guest\n"
		"                      through the user NIC (one is added when no --net is\n"
		"                      given) or else the first TAP/bridge NIC; ADDR defaults\n"
		"                      to 127.0.0.1 and ::1, an IPv6 ADDR is written [ADDR]\n"
		"  --image REF         boot an image (pulled first when it is not in the\n"
		"                      store): its root filesystem on a copy-on-write disk\n"
		"                      of this VM, its Entrypoint + Cmd (or the command after\n"
		"                      --), Env, WorkingDir and User; exits with its status\n"
		"  --boot-timeout SEC  fail the VM when it is not ready in time\n"
		"  --max-cpus N, --max-memory MIB  room to grow with `vmc resize` (chv only)\n"
		"  --vsock CID         a vsock device (chv only); host side: the VM's\n"
		"                      vsock.sock (CONNECT <port> to reach a guest port)\n"
		"  --disk PATH[:ro][:qcow2]  a raw disk (default) or qcow2 (qemu only)\n"
		"  --cloud-init        attach a cloud-init NoCloud seed (read-only disk after\n"
		"                      the --disks): network by MAC, host name, vmc's ssh key\n"
		"                      (`vmc ssh`) and each --ssh-key for --user (made, with\n"
		"                      sudo) or the image's default user; the workload too.\n"
		"                      A cloud image: --disk IMG:qcow2 --kernel VMLINUZ\n"
		"                      --initramfs INITRD --cmdline 'console=ttyS0 root=/dev/vda1 rw'\n"
		"  -- CMD ARG...       the workload vmc-init runs in the guest\n",
	.fn = cmd_run,
};
