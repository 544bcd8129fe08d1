/*
 * accel.c - the accelerator probe and host TSC frequency behind accel.h.
 * It decides between KVM and TCG from what the host offers (/dev/kvm, its
 * API version, the PVM module) and explains the choice in one line for the
 * VM's log; it reads /proc/cpuinfo with a bounded line scanner. What to do
 * with the answer (QEMU's -accel, the guest's tsc_early_khz=) is the
 * backend's job.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "backend/accel.h"
#include "core/error.h"

#define ACCEL_CPUINFO_MAX (16 * 1024 * 1024) /* bytes scanned at most */
#define ACCEL_TSC_KHZ_MIN 1000UL             /* 1 MHz */
#define ACCEL_TSC_KHZ_MAX 100000000UL        /* 100 GHz */

static void accel_why(char *why, size_t why_len, const char *fmt, ...) VMC_PRINTF(3, 4);
static void accel_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !why_len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

static int accel_real_api_version(int fd)
{
	return ioctl(fd, KVM_GET_API_VERSION, 0);
}

static int accel_path(char *buf, size_t len, const char *root, const char *path)
{
	int n = snprintf(buf, len, "%s%s", root ? root : "", path);

	if (n < 0 || (size_t)n >= len)
		return vmc_error_set(VMC_EINVAL, "accel: path too long under '%s'", root);
	return 0;
}

/* 1 if <root>/dev/kvm is usable, 0 if not (reason in `reason`), < 0 on a
 * vmc error. */
static int accel_kvm_usable(const struct accel_probe *p, char *reason, size_t reason_len)
{
	char path[PATH_MAX];
	int fd = -1, version, rc;

	rc = accel_path(path, sizeof(path), p->root, "/dev/kvm");
	if (rc < 0)
		return rc;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(reason, reason_len, "cannot open /dev/kvm: %s", strerror(errno));
		return 0;
	}
	version = p->api_version ? p->api_version(fd) : accel_real_api_version(fd);
	if (version < 0)
		snprintf(reason, reason_len, "/dev/kvm: KVM_GET_API_VERSION: %s", strerror(errno));
	else if (version != ACCEL_KVM_API_VERSION)
		snprintf(reason, reason_len, "/dev/kvm has KVM API version %d, not %d", version,
			 ACCEL_KVM_API_VERSION);
	close(fd);
	return version == ACCEL_KVM_API_VERSION;
}

static int accel_is_pvm(const struct accel_probe *p, int *pvm)
{
	char path[PATH_MAX];
	struct stat st;
	int rc;

	rc = accel_path(path, sizeof(path), p->root, "/sys/module/kvm_pvm");
	if (rc < 0)
		return rc;
	*pvm = stat(path, &st) == 0;
	return 0;
}

int accel_resolve_with(const struct accel_probe *probe, vmc_accel requested, vmc_accel *out,
		       char *why, size_t why_len)
{
	char reason[192] = "";
	int usable, pvm = 0, rc;

	if (requested == VMC_ACCEL_TCG) {
		*out = VMC_ACCEL_TCG;
		accel_why(why, why_len, "tcg: requested");
		return 0;
	}
	if (requested != VMC_ACCEL_KVM && requested != VMC_ACCEL_AUTO)
		return vmc_error_set(VMC_EINVAL, "accel: unknown accelerator %d", (int)requested);

	usable = accel_kvm_usable(probe, reason, sizeof(reason));
	if (usable < 0)
		return usable;
	rc = accel_is_pvm(probe, &pvm);
	if (rc < 0)
		return rc;

	if (requested == VMC_ACCEL_KVM) {
		if (!usable)
			return vmc_error_set(VMC_EUNSUPPORTED,
					     "accelerator kvm requested but unavailable: %s", reason);
		*out = VMC_ACCEL_KVM;
		if (pvm)
			accel_why(why, why_len, "kvm: requested (PVM host: the guest kernel must "
				  "support PVM)");
		else
			accel_why(why, why_len, "kvm: requested");
		return 0;
	}
	if (!usable) {
		*out = VMC_ACCEL_TCG;
		accel_why(why, why_len, "tcg: %s", reason);
	} else if (pvm) {
		*out = VMC_ACCEL_TCG;
		accel_why(why, why_len, "tcg: /dev/kvm is PVM (/sys/module/kvm_pvm), which cannot "
			  "run a stock guest kernel");
	} else {
		*out = VMC_ACCEL_KVM;
		accel_why(why, why_len, "kvm: /dev/kvm is usable (API version %d)",
			  ACCEL_KVM_API_VERSION);
	}
	return 0;
}

int accel_resolve(vmc_accel requested, vmc_accel *out, char *why, size_t why_len)
{
	const struct accel_probe host = { .root = "", .api_version = NULL };

	return accel_resolve_with(&host, requested, out, why, why_len);
}

/* Parses "  : 2596.122" (what follows "cpu MHz") into kHz, rounded. */
static int accel_parse_mhz(const char *s, unsigned long *out)
{
	unsigned long mhz = 0, frac = 0, scale = 100;
	int digits = 0, round_up = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s++ != ':')
		return vmc_error_set(VMC_EPROTO, "cpuinfo: malformed cpu MHz line");
	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (mhz > ACCEL_TSC_KHZ_MAX / 1000)
			return vmc_error_set(VMC_EPROTO, "cpuinfo: cpu MHz out of range");
		mhz = mhz * 10 + (unsigned long)(*s - '0');
	}
	if (!digits)
		return vmc_error_set(VMC_EPROTO, "cpuinfo: malformed cpu MHz value");
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (scale) {
				frac += (unsigned long)(*s - '0') * scale;
				scale /= 10;
			} else if (!round_up) {
				round_up = *s >= '5' ? 1 : -1; /* first dropped digit decides */
			}
		}
	}
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s)
		return vmc_error_set(VMC_EPROTO, "cpuinfo: malformed cpu MHz value");
	*out = mhz * 1000 + frac + (round_up > 0 ? 1 : 0);
	if (*out < ACCEL_TSC_KHZ_MIN || *out > ACCEL_TSC_KHZ_MAX)
		return vmc_error_set(VMC_EPROTO, "cpuinfo: cpu MHz out of range");
	return 0;
}

int accel_tsc_khz_from(const char *cpuinfo_path, unsigned long *out)
{
	static const char key[] = "cpu MHz";
	char line[256];
	FILE *f = NULL;
	size_t scanned = 0;
	int at_start = 1, rc;

	f = fopen(cpuinfo_path, "re");
	if (!f)
		return vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
					   "cannot open '%s'", cpuinfo_path);
	rc = vmc_error_set(VMC_ENOTFOUND, "'%s' has no cpu MHz line", cpuinfo_path);
	/* fgets splits lines longer than the buffer (the flags line is); only
	 * a piece that starts a line may match the key. */
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		int starts_line = at_start;

		/* complete: ends the line, or is shorter than the buffer (EOF) */
		at_start = (n > 0 && line[n - 1] == '\n') || n + 1 < sizeof(line);
		scanned += n;
		if (scanned > ACCEL_CPUINFO_MAX)
			break;
		if (!starts_line || strncmp(line, key, sizeof(key) - 1) != 0)
			continue;
		if (!at_start) {
			rc = vmc_error_set(VMC_EPROTO, "cpuinfo: cpu MHz line too long");
			goto out;
		}
		rc = accel_parse_mhz(line + sizeof(key) - 1, out);
		goto out;
	}
	if (ferror(f))
		rc = vmc_error_set(VMC_EIO, "cannot read '%s'", cpuinfo_path);
out:
	fclose(f);
	return rc;
}

int accel_host_tsc_khz(unsigned long *out)
{
	return accel_tsc_khz_from("/proc/cpuinfo", out);
}
