/*
 * pull_lib.c - a small program over the public API for pull_test.py:
 * `pull_lib STORE REF [PLATFORM]` runs vmc_image_pull() into the store
 * directory STORE, prints "first <digest> <done>" for the first progress
 * call of each blob that had bytes to fetch (done > 0 there means a
 * resumed download), then "digest <manifest digest>" and one "image <ref>
 * <digest>" line per vmc_image_store_list() entry. On failure prints
 * "error <code> <message>" and exits 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmc.h>

#define MAX_BLOBS 64

struct seen {
	char digest[MAX_BLOBS][VMC_DIGEST_MAX + 1];
	int n;
};

static void progress(const char *digest, uint64_t done, uint64_t total, void *payload)
{
	struct seen *s = payload;
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->digest[i], digest) == 0)
			return;
	if (s->n < MAX_BLOBS)
		snprintf(s->digest[s->n++], VMC_DIGEST_MAX + 1, "%s", digest);
	if (done < total)
		printf("first %s %" PRIu64 "\n", digest, done);
}

int main(int argc, char **argv)
{
	vmc_image_pull_opts opts;
	vmc_image_pull_opts init = VMC_IMAGE_PULL_OPTS_INIT;
	vmc_image_store *st = NULL;
	vmc_image_info *ims = NULL;
	struct seen seen = { .n = 0 };
	char *digest = NULL;
	size_t n = 0, i;
	int rc;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: pull_lib STORE REF [PLATFORM]\n");
		return 2;
	}
	vmc_image_pull_opts_init(&opts);
	if (opts.version != init.version || opts.platform != init.platform ||
	    opts.insecure_registries != init.insecure_registries ||
	    opts.n_insecure_registries != init.n_insecure_registries ||
	    opts.ca_file != init.ca_file || opts.max_parallel != init.max_parallel) {
		fprintf(stderr, "VMC_IMAGE_PULL_OPTS_INIT and vmc_image_pull_opts_init disagree\n");
		return 2;
	}
	opts.platform = argc == 4 ? argv[3] : NULL;
	rc = vmc_image_store_open(&st, argv[1]);
	if (rc == 0)
		rc = vmc_image_pull(&digest, st, argv[2], &opts, progress, &seen);
	if (rc == 0) {
		printf("digest %s\n", digest);
		rc = vmc_image_store_list(st, &ims, &n);
	}
	if (rc < 0) {
		printf("error %d %s\n", rc, vmc_error_last());
		vmc_image_store_free(st);
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("image %s %s\n", ims[i].ref, ims[i].digest);
	vmc_free(ims);
	vmc_free(digest);
	vmc_image_store_free(st);
	return 0;
}
