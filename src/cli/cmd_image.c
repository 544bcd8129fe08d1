/*
 * cmd_image.c - `vmc images`, `vmc rmi REF...`, `vmc image prune` and
 * `vmc image load`: thin shells over the vmc_image_store functions of
 * vmc.h. The store is the library's default ($VMC_DATA_DIR/images,
 * /var/lib/vmc/images for root, else ~/.local/share/vmc/images). images
 * prints REFERENCE, DIGEST (first 12 hex digits) and SIZE (config +
 * compressed layers); --json an array of {"ref","digest","size"}. rmi
 * forgets each reference (normalised as Docker does: "alpine" is
 * docker.io/library/alpine:latest) and prints it; blobs go with `vmc image
 * prune`, which prints what it freed. load imports from an OCI image
 * layout directory (no network). A reference not in the store exits 3, a
 * malformed one 2.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"

static int open_store(vmc_image_store **st)
{
	int rc = vmc_image_store_open(st, NULL);

	if (rc < 0)
		return cli_fail(rc, "cannot open the image store");
	return 0;
}

static int parse(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv,
		 const char **pos, int max, int *n)
{
	static const struct cli_option opts[] = { { NULL, 0, 0, 0 } };

	return cli_collect(ctx, cmd, argc, argv, opts, pos, max, n, NULL);
}

static void human_size(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1000.0 && u < 4) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
}

static int list_images(struct cli_ctx *ctx)
{
	vmc_image_store *st = NULL;
	vmc_image_info *ims = NULL;
	size_t n = 0, i, width = strlen("REFERENCE");
	int rc, exit_rc = CLI_EXIT_OK;

	exit_rc = open_store(&st);
	if (exit_rc)
		return exit_rc;
	rc = vmc_image_store_list(st, &ims, &n);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "cannot list images");
		goto out;
	}
	if (ctx->json) {
		json_t *arr = json_array();

		for (i = 0; arr && i < n; i++) {
			json_t *o = json_object();

			if (!o || json_array_append_new(arr, o) < 0)
				break;
			json_object_set_new(o, "ref", output_json_string(ims[i].ref));
			json_object_set_new(o, "digest", json_string(ims[i].digest));
			json_object_set_new(o, "size", json_integer((json_int_t)ims[i].size));
		}
		if (output_json_print(arr, 0) < 0)
			exit_rc = cli_error("cannot write output");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (strlen(ims[i].ref) > width)
			width = strlen(ims[i].ref);
	if (!ctx->quiet)
		printf("%-*s  %-12s  %s\n", (int)width, "REFERENCE", "DIGEST", "SIZE");
	for (i = 0; i < n; i++) {
		char sz[32];

		if (ctx->quiet) {
			printf("%s\n", ims[i].ref);
			continue;
		}
		human_size(sz, sizeof(sz), ims[i].size);
		printf("%-*s  %.12s  %s\n", (int)width, ims[i].ref, ims[i].digest + 7, sz);
	}
out:
	vmc_free(ims);
	vmc_image_store_free(st);
	return exit_rc;
}

static int cmd_images(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *pos[1];
	int n, rc;

	rc = parse(ctx, cmd, argc, argv, pos, 0, &n);
	if (rc >= 0)
		return rc;
	return list_images(ctx);
}

static int remove_images(struct cli_ctx *ctx, const struct cli_command *cmd, int argc,
			 char **argv)
{
	const char *pos[64];
	vmc_image_store *st = NULL;
	int n, i, rc, exit_rc;

	rc = parse(ctx, cmd, argc, argv, pos, 64, &n);
	if (rc >= 0)
		return rc;
	if (n == 0)
		return cli_usage_error(cmd, "expected at least one image reference");
	exit_rc = open_store(&st);
	if (exit_rc)
		return exit_rc;
	for (i = 0; i < n; i++) {
		char *canon = NULL;

		rc = vmc_image_ref_normalize(&canon, pos[i]);
		if (rc == 0)
			rc = vmc_image_store_remove(st, pos[i]);
		if (rc < 0) {
			exit_rc = cli_fail(rc, "cannot remove '%s'", pos[i]);
		} else if (!ctx->quiet) {
			if (ctx->json) {
				json_t *o = json_object();

				if (o)
					json_object_set_new(o, "removed", output_json_string(canon));
				output_json_print(o, 0);
			} else {
				printf("%s\n", canon);
			}
		}
		vmc_free(canon);
	}
	vmc_image_store_free(st);
	return exit_rc;
}

static int cmd_rmi(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	return remove_images(ctx, cmd, argc, argv);
}

static int prune(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *pos[1];
	vmc_image_store *st = NULL;
	size_t removed = 0;
	uint64_t freed = 0;
	char sz[32];
	int n, rc, exit_rc;

	rc = parse(ctx, cmd, argc, argv, pos, 0, &n);
	if (rc >= 0)
		return rc;
	exit_rc = open_store(&st);
	if (exit_rc)
		return exit_rc;
	rc = vmc_image_store_prune(st, &removed, &freed);
	vmc_image_store_free(st);
	if (rc < 0)
		return cli_fail(rc, "cannot prune the image store");
	if (ctx->json) {
		json_t *o = json_object();

		if (o) {
			json_object_set_new(o, "blobs_removed", json_integer((json_int_t)removed));
			json_object_set_new(o, "bytes_freed", json_integer((json_int_t)freed));
		}
		if (output_json_print(o, 0) < 0)
			return cli_error("cannot write output");
	} else if (!ctx->quiet) {
		human_size(sz, sizeof(sz), freed);
		printf("removed %zu blobs, freed %s\n", removed, sz);
	}
	return CLI_EXIT_OK;
}

enum {
	OPT_NAME = 1,
};

static int load(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_option opts[] = { { "name", 0, 1, OPT_NAME }, { NULL, 0, 0, 0 } };
	const char *pos[2], *name = NULL;
	vmc_image_store *st = NULL;
	struct cli_getopt g;
	char *canon = NULL;
	int n = 0, id, rc, exit_rc;

	cli_getopt_init(&g, argc, argv, opts);
	for (;;) {
		id = cli_getopt_next(&g);
		if (id == CLI_OPT_END)
			break;
		if (id == OPT_NAME) {
			name = g.arg;
			continue;
		}
		if (id == CLI_OPT_POSITIONAL) {
			if (n >= 2)
				return cli_usage_error(cmd, "unexpected argument '%s'", g.arg);
			pos[n++] = g.arg;
			continue;
		}
		rc = cli_common_option(ctx, cmd, &g, id);
		if (rc >= 0)
			return rc;
	}
	if (n != 2)
		return cli_usage_error(cmd, "expected DIR REF after 'load'");
	rc = vmc_image_ref_normalize(&canon, pos[1]);
	if (rc < 0)
		return cli_fail(rc, "image reference");
	exit_rc = open_store(&st);
	if (exit_rc)
		goto out;
	rc = vmc_image_store_import_layout(st, pos[0], name, pos[1]);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "cannot load '%s'", pos[0]);
		goto out;
	}
	if (ctx->json) {
		json_t *o = json_object();

		if (o)
			json_object_set_new(o, "loaded", output_json_string(canon));
		if (output_json_print(o, 0) < 0)
			exit_rc = cli_error("cannot write output");
	} else if (!ctx->quiet) {
		printf("%s\n", canon);
	}
out:
	vmc_image_store_free(st);
	vmc_free(canon);
	return exit_rc;
}

static int cmd_image(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "ls", cmd_images },
		{ "rm", remove_images },
		{ "prune", prune },
		{ "load", load },
	};

	return cli_dispatch(ctx, cmd, argc, argv, subs, sizeof(subs) / sizeof(subs[0]),
			    "ls, rm, prune or load");
}

const struct cli_command cli_cmd_images = {
	.name = "images",
	.usage = "images",
	.help = "Lists the images in the local store: REFERENCE, DIGEST (the image\n"
		"manifest's, first 12 hex digits) and SIZE (config + compressed layers).\n"
		"-q prints references only; --json an array of {\"ref\",\"digest\",\"size\"}.\n"
		"The store is $VMC_DATA_DIR/images, /var/lib/vmc/images for root, else\n"
		"${XDG_DATA_HOME:-~/.local/share}/vmc/images.\n",
	.fn = cmd_images,
};

const struct cli_command cli_cmd_rmi = {
	.name = "rmi",
	.usage = "rmi REF...",
	.help = "Forgets each image REF (normalised: \"alpine\" is\n"
		"docker.io/library/alpine:latest) and prints it. Its blobs stay until\n"
		"`vmc image prune`. A REF not in the store exits 3, a malformed one 2.\n",
	.fn = cmd_rmi,
};

const struct cli_command cli_cmd_image = {
	.name = "image",
	.usage = "image ls | image rm REF... | image prune | image load [--name NAME] DIR REF",
	.help = "ls and rm are `vmc images` and `vmc rmi`. prune deletes every blob no\n"
		"image references, and files left by interrupted downloads, and prints\n"
		"\"removed N blobs, freed SIZE\"; --json {\"blobs_removed\",\"bytes_freed\"}.\n"
		"load imports an image from the OCI image layout DIR (as written by\n"
		"`skopeo copy docker://... oci:DIR:NAME`) as REF: the entry named NAME\n"
		"(the only one without --name), for this host's platform when it is a\n"
		"multi-platform index; every blob is verified against its digest.\n"
		"Prints REF normalised.\n",
	.fn = cmd_image,
};
