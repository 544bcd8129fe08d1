/*
 * seed_config.h - a cloud-init seed as part of a vmc_config: copying a
 * seed's content (with a fresh instance-id) and its JSON form, the
 * "cloud_init" object of config.json. Used by config.c and config_json.c;
 * needs neither libisofs nor libcrypto, so the static vmc-shim can read a
 * config. Writing the ISO for a VM is seed_attach.h's.
 */
#ifndef VMC_IMAGE_SEED_CONFIG_H
#define VMC_IMAGE_SEED_CONFIG_H

#include <jansson.h>

#include "vmc.h"

/* *out = a new seed (fresh instance-id) with src's content, copied through
 * the validating setters. Returns 0, VMC_ENOMEM or VMC_EIO. */
int seed_copy_content(vmc_seed **out, const vmc_seed *src);

/* The seed's content as a new JSON object (no instance-id), or NULL with
 * VMC_ENOMEM set. */
json_t *seed_to_json_t(const vmc_seed *seed);

/* Builds a seed from a "cloud_init" object through the vmc_seed setters,
 * so it is validated exactly as the C API validates. Unknown keys, wrong
 * types and NUL bytes are rejected. Returns 0, VMC_EINVAL or VMC_ENOMEM. */
int seed_from_json_t(vmc_seed **out, const json_t *obj);

#endif
