/*
 * cmd_pull.c - `vmc pull [--platform OS/ARCH[/VARIANT]]
 * [--insecure-registry HOST]... REF`: vmc_image_pull() into the default
 * store. On a terminal (and without -q or --json) one progress line per
 * blob, redrawn in place (cursor up, clear line) at most every 100 ms;
 * otherwise silent until the end. Prints the reference and the digest of
 * the image manifest pulled (-q: the digest only; --json {"ref","digest"}).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "output.h"

#define MAX_INSECURE 16
#define BAR_WIDTH 30

struct row {
	char digest[VMC_DIGEST_MAX + 1];
	uint64_t done, total;
};

struct progress {
	struct row *rows;
	size_t n;
	int drawn;        /* lines drawn last time */
	int64_t last_ms;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mib(char *buf, size_t size, uint64_t bytes)
{
	snprintf(buf, size, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
}

static void draw(struct progress *p)
{
	size_t i;
	int k;

	if (p->drawn > 0)
		printf("\033[%dA", p->drawn);
	for (i = 0; i < p->n; i++) {
		const struct row *r = &p->rows[i];
		int fill = r->total ? (int)(r->done * BAR_WIDTH / r->total) : BAR_WIDTH;
		char a[32], b[32];

		mib(a, sizeof(a), r->done);
		mib(b, sizeof(b), r->total);
		printf("\r\033[K%.12s [", r->digest + 7);
		for (k = 0; k < BAR_WIDTH; k++)
			putchar(k < fill ? '=' : ' ');
		printf("] %s / %s%s\n", a, b, r->done == r->total ? "  done" : "");
	}
	p->drawn = (int)p->n;
	fflush(stdout);
}

static void on_progress(const char *digest, uint64_t done, uint64_t total, void *payload)
{
	struct progress *p = payload;
	struct row *grown;
	size_t i;
	int64_t now;

	for (i = 0; i < p->n && strcmp(p->rows[i].digest, digest) != 0; i++)
		;
	if (i == p->n) {
		grown = realloc(p->rows, (p->n + 1) * sizeof(*grown));
		if (!grown)
			return; /* a missing progress line is not worth failing the pull */
		p->rows = grown;
		snprintf(p->rows[i].digest, sizeof(p->rows[i].digest), "%s", digest);
		p->n++;
	}
	p->rows[i].done = done;
	p->rows[i].total = total;
	now = now_ms();
	if (done == total || done == 0 || now - p->last_ms >= 100) {
		p->last_ms = now;
		draw(p);
	}
}

enum {
	OPT_PLATFORM = 1,
	OPT_INSECURE,
};

static int cmd_pull(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_option opts[] = {
		{ "platform", 0, 1, OPT_PLATFORM },
		{ "insecure-registry", 0, 1, OPT_INSECURE },
		{ NULL, 0, 0, 0 },
	};
	vmc_image_pull_opts po = VMC_IMAGE_PULL_OPTS_INIT;
	const char *insecure[MAX_INSECURE], *ref = NULL;
	struct progress prog = { NULL, 0, 0, 0 };
	vmc_image_store *st = NULL;
	struct cli_getopt g;
	char *canon = NULL, *digest = NULL;
	size_t n_insecure = 0;
	int id, rc, exit_rc = CLI_EXIT_OK, show;

	cli_getopt_init(&g, argc, argv, opts);
	for (;;) {
		id = cli_getopt_next(&g);
		if (id == CLI_OPT_END)
			break;
		if (id == OPT_PLATFORM) {
			po.platform = g.arg;
			continue;
		}
		if (id == OPT_INSECURE) {
			if (n_insecure == MAX_INSECURE)
				return cli_usage_error(cmd, "at most %d --insecure-registry",
						       MAX_INSECURE);
			insecure[n_insecure++] = g.arg;
			continue;
		}
		if (id == CLI_OPT_POSITIONAL) {
			if (ref)
				return cli_usage_error(cmd, "unexpected argument '%s'", g.arg);
			ref = g.arg;
			continue;
		}
		rc = cli_common_option(ctx, cmd, &g, id);
		if (rc >= 0)
			return rc;
	}
	if (!ref)
		return cli_usage_error(cmd, "expected an image reference");
	rc = vmc_image_ref_normalize(&canon, ref);
	if (rc < 0)
		return cli_fail(rc, "image reference");
	po.insecure_registries = insecure;
	po.n_insecure_registries = n_insecure;
	rc = vmc_image_store_open(&st, NULL);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "cannot open the image store");
		goto out;
	}
	show = !ctx->quiet && !ctx->json && isatty(STDOUT_FILENO);
	rc = vmc_image_pull(&digest, st, ref, &po, show ? on_progress : NULL, &prog);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "cannot pull '%s'", canon);
		goto out;
	}
	if (ctx->json) {
		json_t *o = json_object();

		if (o) {
			json_object_set_new(o, "ref", output_json_string(canon));
			json_object_set_new(o, "digest", json_string(digest));
		}
		if (output_json_print(o, 0) < 0)
			exit_rc = cli_error("cannot write output");
	} else if (ctx->quiet) {
		printf("%s\n", digest);
	} else {
		printf("%s\ndigest: %s\n", canon, digest);
	}
out:
	free(prog.rows);
	vmc_free(digest);
	vmc_free(canon);
	vmc_image_store_free(st);
	return exit_rc;
}

const struct cli_command cli_cmd_pull = {
	.name = "pull",
	.usage = "pull [-q] [--platform OS/ARCH[/VARIANT]] [--insecure-registry HOST[:PORT]]... REF",
	.help = "Pulls image REF (\"alpine\" is docker.io/library/alpine:latest) from its\n"
		"registry into the local store (see `vmc images`), for this host's\n"
		"platform or --platform when REF is a multi-platform index. HTTPS only,\n"
		"except for loopback registries and each --insecure-registry (tried over\n"
		"HTTPS first); VMC_CA_FILE names extra CAs to trust. Credentials come from\n"
		"~/.docker/config.json ($DOCKER_CONFIG): auths, credHelpers, credsStore.\n"
		"Every blob is verified against its digest; layers download in parallel,\n"
		"and an interrupted pull resumes where it stopped. Shows a progress line\n"
		"per blob on a terminal; prints REF and the image manifest's digest\n"
		"(-q: the digest only; --json {\"ref\",\"digest\"}).\n",
	.fn = cmd_pull,
};
