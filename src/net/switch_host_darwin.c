/*
 * switch_host_darwin.c - the host port of a switch network on macOS: it
 * is a TAP device on Linux (switch_host.c), and macOS has no TAP devices,
 * so a network created with a host port (config.json "host": true) fails
 * to start with "not available on macOS"; one without serves as on Linux.
 */
#include <stdlib.h>

#include <jansson.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "net/switch.h"

int vsw_host_open(struct vswitch *vs)
{
	char *path = fs_join(vs->dir, "config.json");
	json_error_t jerr;
	json_t *cfg = path ? json_load_file(path, 0, &jerr) : NULL;
	int want = json_is_true(json_object_get(cfg, "host"));

	json_decref(cfg);
	free(path);
	if (want)
		return vmc_error_set(VMC_EUNSUPPORTED, "a switch network's host port (a TAP "
				     "device) is not available on macOS");
	return 0;
}

void vsw_host_close(struct vswitch *vs)
{
	(void)vs;
}
