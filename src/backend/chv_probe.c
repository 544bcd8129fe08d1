/*
 * chv_probe.c - host checks for the Cloud Hypervisor backend (see
 * chv_probe.h): binary lookup, version, and the kernel format CH boots.
 * The kernel file is untrusted input: every offset and count read from it
 * is bounded before use.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/chv_probe.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/spawn.h"

#define CHV_NOTES_MAX (64 * 1024)
#define CHV_PHDRS_MAX 128
#ifndef XEN_ELFNOTE_PHYS32_ENTRY
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#endif

int chv_binary_find(char *out, size_t out_len)
{
	const char *env = getenv("VMC_CHV_BINARY");
	const char *path = getenv("PATH");

	if (env && *env) {
		if (strlen(env) >= out_len)
			return vmc_error_set(VMC_EINVAL, "VMC_CHV_BINARY is too long");
		if (access(env, X_OK) < 0)
			return vmc_error_set(VMC_ENOTFOUND, "VMC_CHV_BINARY '%s' is not an executable",
					     env);
		memcpy(out, env, strlen(env) + 1);
		return 0;
	}
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		int n = snprintf(out, out_len, "%.*s/%s", (int)len, path, CHV_BINARY);

		if (len > 0 && n > 0 && (size_t)n < out_len && access(out, X_OK) == 0)
			return 0;
		path += len + (end ? 1 : 0);
	}
	out[0] = '\0';
	return vmc_error_set(VMC_ENOTFOUND, "%s not found in PATH (install it, or set "
			     "VMC_CHV_BINARY)", CHV_BINARY);
}

int chv_version_parse(const char *text, int *major, int *minor)
{
	const char *p = strstr(text, CHV_BINARY);

	if (!p)
		return vmc_error_set(VMC_EPROTO, "no '%s' in its --version output", CHV_BINARY);
	p += strlen(CHV_BINARY);
	while (*p == ' ')
		p++;
	if (*p == 'v')
		p++;
	if (*p < '0' || *p > '9')
		return vmc_error_set(VMC_EPROTO, "no version number in its --version output");
	char *end;
	long ma = strtol(p, &end, 10), mi = 0;
	if (*end == '.' && end[1] >= '0' && end[1] <= '9')
		mi = strtol(end + 1, &end, 10);
	if (ma < 0 || ma > 100000 || mi < 0 || mi > 100000)
		return vmc_error_set(VMC_EPROTO, "version number out of range");
	*major = (int)ma;
	*minor = (int)mi;
	return 0;
}

/* Reads the child's stdout until EOF, the buffer is full or the deadline. */
static int read_output(int fd, char *buf, size_t cap, int64_t deadline)
{
	size_t len = 0;

	while (len + 1 < cap) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int n = poll(&pfd, 1, clock_remaining_ms(deadline));

		if (n == 0)
			return vmc_error_set(VMC_ETIMEOUT, "--version did not answer in time");
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vmc_error_set_errno(VMC_EIO, errno, "poll");
		}
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return vmc_error_set_errno(VMC_EIO, errno, "read");
		}
		len += (size_t)r;
	}
	buf[len] = '\0';
	return 0;
}

/* 1 if child `pid` exits (becomes waitable) before the deadline. */
static int exited_by(pid_t pid, int64_t deadline)
{
	int pidfd = spawn_pidfd_open(pid), n;
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0)
		return 1; /* no pidfds: fall back to a plain wait */
	do
		n = poll(&pfd, 1, clock_remaining_ms(deadline));
	while (n < 0 && errno == EINTR);
	close(pidfd);
	return n > 0;
}

int chv_version_check(const char *binary, int timeout_ms, int *major, int *minor)
{
	const char *argv[] = { binary, "--version", NULL };
	struct spawn_opts so;
	char out[512];
	int64_t deadline = clock_deadline(timeout_ms);
	int pipefd[2] = { -1, -1 }, rc, status;
	pid_t pid = -1;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "pipe");
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = -1;
	so.stdout_fd = pipefd[1];
	so.stderr_fd = -1;
	rc = spawn_process(&so, &pid);
	close(pipefd[1]);
	if (rc < 0)
		goto out;
	rc = read_output(pipefd[0], out, sizeof(out), deadline);
	/* It must also exit in time: a binary that closes stdout and hangs
	 * (or writes more than we read) is killed, never waited on forever. */
	if (rc == 0 && !exited_by(pid, deadline))
		rc = vmc_error_set(VMC_ETIMEOUT, "--version did not exit in time");
	if (rc < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc < 0)
		goto out;
	rc = chv_version_parse(out, major, minor);
	if (rc < 0)
		goto out;
	if (*major < CHV_MIN_MAJOR)
		rc = vmc_error_set(VMC_EUNSUPPORTED, "%s v%d.%d is older than v%d.0, the oldest "
				   "vmc supports", binary, *major, *minor, CHV_MIN_MAJOR);
out:
	close(pipefd[0]);
	if (rc < 0)
		rc = vmc_error_prefix(rc, "'%s --version'", binary);
	return rc;
}

static int read_at(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "read");
	return n == (ssize_t)len ? 0 : 1; /* 1: short (file too small) */
}

/* 1 if the notes in buf[0..len) hold a Xen PHYS32_ENTRY note. */
static int has_pvh_note(const unsigned char *buf, size_t len)
{
	size_t pos = 0;

	while (len - pos >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		memcpy(&nh, buf + pos, sizeof(nh));
		pos += sizeof(nh);
		size_t name = ((size_t)nh.n_namesz + 3) & ~(size_t)3;
		size_t desc = ((size_t)nh.n_descsz + 3) & ~(size_t)3;
		if (nh.n_namesz > len || nh.n_descsz > len || name > len - pos)
			return 0;
		if (nh.n_namesz == 4 && !memcmp(buf + pos, "Xen", 4) &&
		    nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY)
			return 1;
		pos += name;
		if (desc > len - pos)
			return 0;
		pos += desc;
	}
	return 0;
}

static int scan_notes(int fd, const Elf64_Ehdr *eh, int *found)
{
	unsigned char *notes = NULL;
	int rc = 0;

	*found = 0;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum > CHV_PHDRS_MAX)
		return 0;
	for (unsigned i = 0; i < eh->e_phnum && !*found; i++) {
		Elf64_Phdr ph;

		if (eh->e_phoff > (Elf64_Off)1 << 40)
			break;
		rc = read_at(fd, &ph, sizeof(ph), (off_t)(eh->e_phoff + (Elf64_Off)i * sizeof(ph)));
		if (rc != 0)
			break;
		if (ph.p_type != PT_NOTE || ph.p_filesz == 0 || ph.p_filesz > CHV_NOTES_MAX ||
		    ph.p_offset > (Elf64_Off)1 << 40)
			continue;
		notes = malloc(ph.p_filesz);
		if (!notes)
			return vmc_error_oom();
		rc = read_at(fd, notes, ph.p_filesz, (off_t)ph.p_offset);
		if (rc == 0)
			*found = has_pvh_note(notes, ph.p_filesz);
		free(notes);
		notes = NULL;
		if (rc < 0)
			return rc;
	}
	return rc < 0 ? rc : 0;
}

int chv_kernel_check(const char *path)
{
	unsigned char hdr[0x210];
	Elf64_Ehdr eh;
	int fd, rc, found = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? vmc_error_set(VMC_ENOTFOUND, "kernel '%s' does not exist", path)
				       : vmc_error_set_errno(VMC_EIO, errno, "cannot open kernel '%s'",
							     path);
	memset(hdr, 0, sizeof(hdr));
	rc = read_at(fd, hdr, sizeof(hdr), 0);
	if (rc < 0)
		goto out;
	if (memcmp(hdr, ELFMAG, SELFMAG) != 0) {
		if (!memcmp(hdr + 0x202, "HdrS", 4))
			rc = vmc_error_set(VMC_EINVAL, "kernel '%s' is a bzImage; the chv backend "
					   "boots an uncompressed PVH vmlinux (CONFIG_PVH=y), e.g. "
					   "the vmlinux of the guest kit", path);
		else
			rc = vmc_error_set(VMC_EINVAL, "kernel '%s' is not an ELF vmlinux", path);
		goto out;
	}
	memcpy(&eh, hdr, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64) {
		rc = vmc_error_set(VMC_EINVAL, "kernel '%s' is not an x86_64 ELF", path);
		goto out;
	}
	rc = scan_notes(fd, &eh, &found);
	if (rc < 0)
		goto out;
	rc = found ? 0 : vmc_error_set(VMC_EINVAL, "kernel '%s' has no PVH entry note (build it "
				       "with CONFIG_PVH=y)", path);
out:
	close(fd);
	return rc > 0 ? 0 : rc;
}
