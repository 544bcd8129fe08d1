/*
 * proc.c - process identity checks through /proc (see proc.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/proc.h"

static int read_stat(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_set(VMC_ENOTFOUND, "no process %d", (int)pid);
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return vmc_error_set(VMC_ENOTFOUND, "no process %d", (int)pid);
	buf[n] = '\0';
	return 0;
}

/* Fields after the command name, which may contain spaces and ')'. */
static const char *after_comm(const char *buf)
{
	const char *p = strrchr(buf, ')');
	return p ? p + 1 : NULL;
}

int proc_start_time(pid_t pid, unsigned long long *out)
{
	char buf[1024];
	const char *p;
	int rc, field = 2;

	rc = read_stat(pid, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	p = after_comm(buf);
	/* p points after field 2; walk to field 22 */
	while (p && *p) {
		while (*p == ' ')
			p++;
		field++;
		if (field == 22) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(p, &end, 10);
			if (errno || end == p)
				break;
			*out = v;
			return 0;
		}
		p = strchr(p, ' ');
	}
	return vmc_error_set(VMC_EPROTO, "cannot parse /proc/%d/stat", (int)pid);
}

int proc_is_same(pid_t pid, unsigned long long start_time)
{
	char buf[1024];
	const char *p;
	unsigned long long now;

	if (pid <= 0 || read_stat(pid, buf, sizeof(buf)) < 0) {
		vmc_error_clear();
		return 0;
	}
	p = after_comm(buf);
	if (!p || p[0] != ' ' || p[1] == 'Z' || p[1] == 'X')
		return 0;
	if (proc_start_time(pid, &now) < 0) {
		vmc_error_clear();
		return 0;
	}
	return now == start_time;
}

ssize_t proc_self_exe(char *buf, size_t len)
{
	ssize_t n;

	if (len < 2)
		return -1;
	n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return n;
}
