/*
 * config_json_fuzzer.c - fuzzes vmc_config_from_json with hostile JSON.
 * Whatever it accepts must serialise, parse back, and serialise to the
 * very same text (the round trip the shim and the CLI rely on).
 */
#include <stdlib.h>
#include <string.h>

#include "vmc.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vmc_config *cfg = NULL, *back = NULL;
	char *text = NULL, *a = NULL, *b = NULL;

	if (size > 2 * 1024 * 1024)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (vmc_config_from_json(&cfg, text) != 0)
		goto out;
	if (vmc_config_to_json(cfg, &a) != 0)
		abort();
	if (vmc_config_from_json(&back, a) != 0)
		abort();
	if (vmc_config_to_json(back, &b) != 0)
		abort();
	if (strcmp(a, b) != 0)
		abort();
out:
	vmc_config_free(cfg);
	vmc_config_free(back);
	vmc_free(a);
	vmc_free(b);
	free(text);
	return 0;
}
