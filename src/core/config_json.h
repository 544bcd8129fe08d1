/*
 * config_json.h - the JSON form of a vmc_config as a jansson value, for
 * code that embeds a config in a larger JSON message (the shim protocol).
 * The string forms are vmc_config_to_json / vmc_config_from_json (vmc.h).
 */
#ifndef VMC_CORE_CONFIG_JSON_H
#define VMC_CORE_CONFIG_JSON_H

#include <jansson.h>

#include "vmc.h"

/* The config as a new JSON object (caller json_decref()s it), or NULL with
 * VMC_ENOMEM set. */
json_t *config_to_json_t(const vmc_config *cfg);

/* Builds a config from a JSON object through the validating setters.
 * Returns 0, VMC_EINVAL (message names the field) or VMC_ENOMEM. */
int config_from_json_t(vmc_config **out, const json_t *obj);

#endif
