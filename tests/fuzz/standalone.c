/*
 * standalone.c - replays a fuzz target without libFuzzer: runs
 * LLVMFuzzerTestOneInput over every regular file in each directory (or
 * file) named on the command line, so the checked-in corpora run in the
 * normal test suite with any compiler. Fails when it ran no input at all,
 * so a missing corpus cannot pass silently.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT (4 * 1024 * 1024)

static int replay_file(int dirfd_, const char *name, const char *shown, size_t *count)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, rc = -1;

	fd = openat(dirfd_, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", shown, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = 0; /* not a file: nothing to replay */
		goto out;
	}
	if (st.st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "%s: larger than %d bytes\n", shown, REPLAY_MAX_INPUT);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "read %s: %s\n", shown, n < 0 ? strerror(errno) : "short");
			goto out;
		}
		got += (size_t)n;
	}
	LLVMFuzzerTestOneInput(buf, got);
	(*count)++;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i, failed = 0;

	for (i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;

		if (!d) {
			if (errno != ENOTDIR) {
				fprintf(stderr, "open %s: %s\n", argv[i], strerror(errno));
				failed = 1;
				continue;
			}
			failed |= replay_file(AT_FDCWD, argv[i], argv[i], &count) < 0;
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			char shown[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(shown, sizeof(shown), "%s/%s", argv[i], e->d_name);
			failed |= replay_file(dirfd(d), e->d_name, shown, &count) < 0;
		}
		closedir(d);
	}
	printf("replayed %zu inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "no inputs replayed\n");
		return 1;
	}
	return failed;
}
