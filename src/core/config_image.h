/*
 * config_image.h - the image part of a vmc_config (config_image.c): which
 * image the VM boots (reference and manifest digest), the cached ext4 disk
 * of its root filesystem that each VM clones, and the workload the image
 * defines (Entrypoint + Cmd, Env, WorkingDir, User). Filled by
 * vmc_config_set_image() (image/image_run.c), copied with the config,
 * written to and read back from its JSON with the same limits the guest
 * contract has (guest/init_cmdline.h).
 */
#ifndef VMC_CORE_CONFIG_IMAGE_H
#define VMC_CORE_CONFIG_IMAGE_H

#include <jansson.h>
#include <stddef.h>

/* The VM's clone of the image disk, in its directory, and the virtio-blk
 * serial the guest finds it by (vmc.root=serial:vmc-root). */
#define CONFIG_IMAGE_ROOT_FILE "rootfs.ext4"
#define CONFIG_IMAGE_ROOT_SERIAL "vmc-root"
/* COMMAND_LINE_SIZE on x86 (NUL included): longer lines are cut short. */
#define CONFIG_IMAGE_CMDLINE_MAX 2048

#define CONFIG_IMAGE_ARGS_MAX 64      /* vmc.exec: INIT_MAX_ARGS */
#define CONFIG_IMAGE_ARGS_BYTES 4096  /* INIT_EXEC_BYTES */
#define CONFIG_IMAGE_ENV_MAX 128      /* INIT_MAX_ENV */
#define CONFIG_IMAGE_ENV_BYTES 8192   /* INIT_ENV_BYTES */
#define CONFIG_IMAGE_WORKDIR_MAX 255  /* INIT_PATH_MAX - 1 */
#define CONFIG_IMAGE_USER_MAX 255     /* INIT_USER_MAX - 1 */

struct config_image {
	char *ref;       /* normalised reference */
	char *digest;    /* image manifest digest */
	char *disk;      /* the cached ext4 image every VM of it clones */
	char **argv;     /* Entrypoint + Cmd, NULL-terminated (argc may be 0) */
	size_t argc;
	char **env;      /* "KEY=VALUE", NULL-terminated */
	size_t n_env;
	char *workdir;   /* NULL or absolute */
	char *user;      /* NULL or USER[:GROUP] */
};

/* Checks every field against the limits above. 0 or VMC_EINVAL. */
int config_image_check(const struct config_image *im);
void config_image_free(struct config_image *im);
/* Deep copy; *out NULL for NULL. 0 or VMC_ENOMEM. */
int config_image_dup(struct config_image **out, const struct config_image *im);
/* The "image" object of the config JSON; NULL on allocation failure. */
json_t *config_image_to_json(const struct config_image *im);
/* Reads and checks it. 0, VMC_EINVAL or VMC_ENOMEM. */
int config_image_from_json(struct config_image **out, const json_t *obj);

#endif
