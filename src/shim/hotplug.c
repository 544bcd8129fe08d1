/*
 * hotplug.c - the shim's half of changes to a running VM: resize (vCPUs,
 * memory) within the maximum the VM was started with, and hot-adding and
 * removing disks. The shim checks the VM's state and the limits and hands
 * the rest to the backend; and rebooting the guest in place. A backend
 * without the op gives
 * VMC_EUNSUPPORTED with its name.
 */
#include <stdio.h>
#include <string.h>

#include "backend/launch_util.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "shim/shim.h"

static int live(struct shim *shim, const char *what)
{
	vmc_state_kind k = shim->state.kind;

	if (k != VMC_STATE_RUNNING && k != VMC_STATE_READY && k != VMC_STATE_PAUSED)
		return vmc_error_set(VMC_EINVALSTATE, "cannot %s a vm that is %s", what,
				     vmc_state_name(k));
	return 0;
}

int shim_resize(struct shim *shim, unsigned int cpus, unsigned int memory_mib, int timeout_ms)
{
	const struct vmc_config *cfg = shim->cfg;
	unsigned int max_cpus = cfg->max_cpus ? cfg->max_cpus : cfg->cpus;
	unsigned int max_mib = cfg->max_memory_mib ? cfg->max_memory_mib : cfg->memory_mib;
	int rc = live(shim, "resize");

	if (rc < 0)
		return rc;
	if (!shim->ops->resize)
		return vmc_error_set(VMC_EUNSUPPORTED, "the %s backend cannot resize a running vm",
				     shim->ops->name);
	if (cpus == 0 && memory_mib == 0)
		return vmc_error_set(VMC_EINVAL, "nothing to resize: give vCPUs or memory");
	if (cpus > max_cpus)
		return vmc_error_set(VMC_EINVAL, "%u vCPUs is above the vm's maximum of %u "
				     "(set max_cpus when starting it)", cpus, max_cpus);
	if (memory_mib && (memory_mib < cfg->memory_mib || memory_mib > max_mib))
		return vmc_error_set(VMC_EINVAL, "%u MiB is outside the vm's memory range %u..%u "
				     "MiB (set max_memory_mib when starting it)", memory_mib,
				     cfg->memory_mib, max_mib);
	rc = shim->ops->resize(shim->bvm, cpus, memory_mib, timeout_ms);
	if (rc == 0)
		shim_log(shim, "resized: vCPUs %u, memory %u MiB (0: unchanged)", cpus, memory_mib);
	return rc;
}

int shim_disk_add(struct shim *shim, const char *path, vmc_disk_format format, int read_only,
		  char *id, size_t id_len)
{
	int rc = live(shim, "add a disk to");

	if (rc < 0)
		return rc;
	if (!shim->ops->disk_add)
		return vmc_error_set(VMC_EUNSUPPORTED, "the %s backend cannot hot-add disks",
				     shim->ops->name);
	if (!path || path[0] != '/')
		return vmc_error_set(VMC_EINVAL, "disk path must be absolute");
	if (format != VMC_DISK_RAW && format != VMC_DISK_QCOW2)
		return vmc_error_set(VMC_EINVAL, "unknown disk format %d", (int)format);
	rc = launch_check_file("disk", path, !read_only);
	if (rc == 0)
		rc = shim->ops->disk_add(shim->bvm, path, format, read_only, id, id_len);
	if (rc == 0)
		shim_log(shim, "disk %s added as %s", path, id);
	return rc;
}

int shim_reboot(struct shim *shim)
{
	vmc_state_kind k = shim->state.kind;
	int rc;

	if (!shim->ops->reboot)
		return vmc_error_set(VMC_EUNSUPPORTED, "the %s backend cannot reboot a vm in place "
				     "(a reset ends it)", shim->ops->name);
	if (k != VMC_STATE_RUNNING && k != VMC_STATE_READY)
		return vmc_error_set(VMC_EINVALSTATE, "cannot reboot a vm that is %s",
				     vmc_state_name(k));
	/* what the guest wrote before the reset goes to the old boot's
	 * scanner: an old ready line still unread must not count as the
	 * new boot's */
	shim_console_catch_up(shim);
	rc = shim->ops->reboot(shim->bvm);
	if (rc < 0)
		return rc;
	/* the guest boots again: READY once it says so again */
	ready_scanner_init(&shim->scanner);
	shim->state.boot_ms = -1;
	for (size_t i = 0; i < VMC_STATE_IP_MAX; i++)
		shim->state.ip[i][0] = '\0';
	shim->start_mono_ms = clock_mono_ms();
	if (k == VMC_STATE_READY)
		shim_set_state(shim, VMC_STATE_RUNNING, "rebooted");
	shim_log(shim, "rebooted in place");
	return 0;
}

int shim_disk_remove(struct shim *shim, const char *id)
{
	int rc = live(shim, "remove a disk from");

	if (rc < 0)
		return rc;
	if (!shim->ops->disk_remove)
		return vmc_error_set(VMC_EUNSUPPORTED, "the %s backend cannot hot-remove disks",
				     shim->ops->name);
	if (!id || !*id)
		return vmc_error_set(VMC_EINVAL, "no device id given");
	rc = shim->ops->disk_remove(shim->bvm, id);
	if (rc == 0)
		shim_log(shim, "device %s removed", id);
	return rc;
}
