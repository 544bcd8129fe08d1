/*
 * clone.c - bench-clone: the cost of giving VMs their own copy-on-write
 * disk. Clones one base disk N times into a directory with
 * vmc_disk_clone() (FICLONE reflink, else copy_file_range over the data
 * extents, else read/write), timing each clone on CLOCK_MONOTONIC, then
 * prints the method and the time and host disk space per clone, and
 * removes the clones. Run it through bench/clone, which makes the base (an
 * ext4 image as `vmc run --image` builds) and runs it on the current
 * filesystem and on a loop-mounted XFS with reflink.
 *
 * usage: bench-clone BASE DIR [N]     (N default 100)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "vmc.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static long long free_bytes(const char *dir)
{
	struct statvfs sv;

	if (statvfs(dir, &sv) < 0)
		return -1;
	return (long long)sv.f_bavail * (long long)sv.f_frsize;
}

int main(int argc, char **argv)
{
	const char *base, *dir;
	vmc_clone_method how = VMC_CLONE_COPY, first = VMC_CLONE_COPY;
	double *t, total = 0;
	long long free_before, free_after;
	struct stat sb;
	char path[4096];
	int n = 100, i, rc = 0, made = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: bench-clone BASE DIR [N]\n");
		return 2;
	}
	base = argv[1];
	dir = argv[2];
	if (argc == 4) {
		char *end;
		long v = strtol(argv[3], &end, 10);

		if (*end || v < 1 || v > 100000) {
			fprintf(stderr, "bench-clone: N must be 1..100000\n");
			return 2;
		}
		n = (int)v;
	}
	if (stat(base, &sb) < 0) {
		fprintf(stderr, "bench-clone: %s: %s\n", base, strerror(errno));
		return 2;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 1;
	sync();
	free_before = free_bytes(dir);
	for (i = 0; i < n; i++) {
		double t0;

		snprintf(path, sizeof(path), "%s/clone-%d.ext4", dir, i);
		t0 = now_ms();
		rc = vmc_disk_clone(base, path, &how);
		t[i] = now_ms() - t0;
		if (rc < 0) {
			fprintf(stderr, "bench-clone: clone %d: %s\n", i, vmc_error_last());
			break;
		}
		if (i == 0)
			first = how;
		total += t[i];
		made++;
	}
	sync();
	free_after = free_bytes(dir);
	if (made > 0) {
		qsort(t, (size_t)made, sizeof(*t), cmp_double);
		printf("  %d clones of %.1f MiB (%.1f MiB of data) by %s%s: %.3f ms per clone "
		       "(median %.3f, max %.3f), %.1f ms in all; host disk used: %.2f MiB per "
		       "clone\n",
		       made, (double)sb.st_size / 1048576.0, (double)sb.st_blocks * 512 / 1048576.0,
		       vmc_clone_method_name(first), first != how ? " (then other methods)" : "",
		       total / made, t[made / 2], t[made - 1], total,
		       free_before >= 0 && free_after >= 0
			       ? (double)(free_before - free_after) / 1048576.0 / made
			       : -1.0);
	}
	for (i = 0; i < made; i++) {
		snprintf(path, sizeof(path), "%s/clone-%d.ext4", dir, i);
		unlink(path);
	}
	free(t);
	return rc < 0 ? 1 : 0;
}
