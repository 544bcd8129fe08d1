/*
 * config_check.h - the value checks behind the vmc_config setters (config.c):
 * UTF-8, IP literals and CIDRs, TAP device names, share tags, and making a
 * path absolute. Name and MAC checks are declared in config.h because the
 * manager and the tests use them too. Internal to src/core.
 */
#ifndef VMC_CORE_CONFIG_CHECK_H
#define VMC_CORE_CONFIG_CHECK_H

#define CONFIG_PATH_MAX 4096
#define CONFIG_TAG_MAX 36
#define CONFIG_TAP_MAX 15
#define CONFIG_SHOW 80 /* bytes of a rejected value quoted in a message */

/* 1 and the family in *af if `s` is a plain IPv4 or IPv6 literal. */
int config_check_ip_family(const char *s, int *af);
/* 1 if `s` is "addr/prefix" with a prefix in range for the family. */
int config_check_cidr(const char *s, int *af);
/* 1 if `s` is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int config_check_utf8(const char *s);
/* 1 if `s` is a TAP device name: 1..CONFIG_TAP_MAX of [A-Za-z0-9_.-]. */
int config_check_tap(const char *s);
/* 1 if `s` is a share tag: 1..CONFIG_TAG_MAX of [A-Za-z0-9_-]. */
int config_check_tag(const char *s);
/* A copy of `path` made absolute against the current directory, in *out.
 * Returns 0, VMC_EINVAL (message names `field`), VMC_EIO or VMC_ENOMEM. */
int config_check_abs_path(const char *field, const char *path, char **out);

#endif
