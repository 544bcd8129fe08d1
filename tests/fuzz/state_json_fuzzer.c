/*
 * state_json_fuzzer.c - fuzzes state_from_json with hostile state.json
 * bytes (as another process could leave them). An accepted state must
 * serialise and parse back to the identical struct.
 */
#include <stdlib.h>
#include <string.h>

#include "core/state.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vmc_state s, back;
	json_t *in, *out;

	in = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
	if (!in)
		return 0;
	memset(&s, 0, sizeof(s));
	if (state_from_json(in, &s) == 0) {
		out = state_to_json(&s);
		if (!out)
			abort();
		memset(&back, 0, sizeof(back));
		if (state_from_json(out, &back) != 0)
			abort();
		if (memcmp(&s, &back, sizeof(s)) != 0)
			abort();
		json_decref(out);
	}
	json_decref(in);
	return 0;
}
