/*
 * proc_darwin.c - process identity on macOS (see proc.h; proc.c reads
 * /proc on Linux). sysctl(CTL_KERN, KERN_PROC, KERN_PROC_PID) fills a
 * struct kinfo_proc: p_starttime is the start time (wall clock, in
 * microseconds here: stable for the life of the process, different for a
 * recycled pid), p_stat == SZOMB a zombie. The program's own path is
 * proc_pidpath (libproc), macOS's /proc/self/exe.
 */
#include <errno.h>
#include <libproc.h>
#include <string.h>
#include <sys/sysctl.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/error.h"
#include "core/proc.h"

/* 0, or -1 when there is no such process. */
static int kinfo(pid_t pid, struct kinfo_proc *kp)
{
	int mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_PID, (int)pid };
	size_t len = sizeof(*kp);

	memset(kp, 0, sizeof(*kp));
	if (pid <= 0 || sysctl(mib, 4, kp, &len, NULL, 0) < 0 || len == 0 ||
	    kp->kp_proc.p_pid != pid)
		return -1;
	return 0;
}

int proc_start_time(pid_t pid, unsigned long long *out)
{
	struct kinfo_proc kp;
	const struct timeval *tv;

	if (kinfo(pid, &kp) < 0)
		return vmc_error_set(VMC_ENOTFOUND, "no process %d", (int)pid);
	tv = &kp.kp_proc.p_starttime;
	*out = (unsigned long long)tv->tv_sec * 1000000ULL + (unsigned long long)tv->tv_usec;
	return 0;
}

int proc_is_same(pid_t pid, unsigned long long start_time)
{
	struct kinfo_proc kp;
	unsigned long long now;

	if (kinfo(pid, &kp) < 0 || kp.kp_proc.p_stat == SZOMB)
		return 0;
	now = (unsigned long long)kp.kp_proc.p_starttime.tv_sec * 1000000ULL +
	      (unsigned long long)kp.kp_proc.p_starttime.tv_usec;
	return now == start_time;
}

ssize_t proc_self_exe(char *buf, size_t len)
{
	int n;

	if (len < 2 || len > 0x7fffffff)
		return -1;
	n = proc_pidpath(getpid(), buf, (uint32_t)len);
	if (n <= 0 || (size_t)n >= len)
		return -1;
	buf[n] = '\0';
	return n;
}
