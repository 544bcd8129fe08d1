/*
 * oci_layer_fuzzer.c - fuzzes layer application with hostile tar streams
 * (plain, gzip or zstd; libarchive decodes, vmc applies every entry). Each
 * input is unpacked into a fresh rootfs inside a private sandbox directory
 * that also holds a sentinel file; afterwards the sandbox must hold exactly
 * the rootfs and the untouched sentinel, whatever the layer said, and the
 * result must be one of the documented codes. The input is applied twice
 * onto the same rootfs, as a second layer would be.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "fuzz.h"
#include "image/unpack.h"
#include "vmc.h"

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		abort();
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void check_rc(int rc)
{
	if (rc != 0 && rc != VMC_EINVAL && rc != VMC_EPROTO && rc != VMC_EIO && rc != VMC_ENOMEM &&
	    rc != VMC_ENOTFOUND)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sandbox[64], rootfs[96], sentinel[96], buf[16];
	struct stat before, after;
	int fd, layer, pass, sfd;

	if (size > 1024 * 1024)
		return 0;
	snprintf(sandbox, sizeof(sandbox), "/tmp/vmc-layer-fuzz-XXXXXX");
	if (!mkdtemp(sandbox))
		abort();
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", sandbox);
	snprintf(sentinel, sizeof(sentinel), "%s/sentinel", sandbox);
	if (mkdir(rootfs, 0755) < 0)
		abort();
	sfd = open(sentinel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (sfd < 0 || write(sfd, "precious", 8) != 8)
		abort();
	close(sfd);
	if (lstat(sentinel, &before) < 0)
		abort();
	layer = memfd_create("layer", MFD_CLOEXEC);
	if (layer < 0 || (size && write(layer, data, size) != (ssize_t)size))
		abort();
	fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	for (pass = 0; pass < 2; pass++) {
		if (lseek(layer, 0, SEEK_SET) < 0)
			abort();
		check_rc(unpack_layer_fd(fd, layer, pass ? UNPACK_NO_OPENAT2 : 0, NULL));
	}
	close(fd);
	close(layer);
	if (count_entries(sandbox) != 2 || lstat(sentinel, &after) < 0)
		abort();
	if (after.st_ino != before.st_ino || after.st_size != 8 ||
	    after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
	    after.st_mtim.tv_nsec != before.st_mtim.tv_nsec)
		abort();
	sfd = open(sentinel, O_RDONLY | O_CLOEXEC);
	if (sfd < 0 || read(sfd, buf, sizeof(buf)) != 8 || memcmp(buf, "precious", 8) != 0)
		abort();
	close(sfd);
	if (fs_remove_tree(sandbox) < 0)
		abort();
	return 0;
}
