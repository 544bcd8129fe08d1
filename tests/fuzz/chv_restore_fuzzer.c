/*
 * chv_restore_fuzzer.c - fuzzes chv_restore_config() (src/backend/
 * chv_snapshot.c), which reads the config.json Cloud Hypervisor wrote into
 * a snapshot and points the paths inside the old VM's directory at the
 * new one before vm.restore. The whole input is the file. It must return
 * 0 or a documented code; on success the output is a JSON object, the NIC
 * ids are non-empty and bounded, and a second pass over the output changes
 * nothing (no path is left under the old directory).
 */
#include <stdlib.h>
#include <string.h>

#include "backend/chv_vm.h"
#include "fuzz.h"
#include "vmc.h"

#define OLD_DIR "/run/vmc/default/old"
#define NEW_DIR "/n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ids[VMC_DEVICES_MAX][CHV_DEVICE_ID_MAX], ids2[VMC_DEVICES_MAX][CHV_DEVICE_ID_MAX];
	char *out = NULL, *out2 = NULL;
	size_t n = 0, n2 = 0;
	int rc;

	if (size > CHV_CONFIG_MAX + 1)
		return 0;
	rc = chv_restore_config((const char *)data, size, OLD_DIR, NEW_DIR, &out, ids, &n);
	if (rc != 0) {
		if (rc != VMC_EPROTO && rc != VMC_EINVAL && rc != VMC_ENOMEM)
			abort();
		if (out)
			abort();
		return 0;
	}
	if (!out || n > VMC_DEVICES_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!ids[i][0] || strlen(ids[i]) >= CHV_DEVICE_ID_MAX)
			abort();
	rc = chv_restore_config(out, strlen(out), OLD_DIR, NEW_DIR, &out2, ids2, &n2);
	if (rc == VMC_ENOMEM) {
		free(out);
		return 0;
	}
	if (rc != 0 || strcmp(out, out2) != 0 || n2 != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], ids2[i]) != 0)
			abort();
	free(out);
	free(out2);
	return 0;
}
