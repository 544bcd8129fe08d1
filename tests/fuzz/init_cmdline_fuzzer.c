/*
 * init_cmdline_fuzzer.c - fuzzes vmc-init's kernel command-line parser (the
 * guest's PID 1 must survive any /proc/cmdline). Checks the promises the
 * parser makes: counts within their limits, every string terminated inside
 * its buffer, argv pointing into exec_buf and NULL-terminated, halt never
 * left at DEFAULT; for the image keys (vmc.root, vmc.env, vmc.workdir,
 * vmc.user), terminated fields, a /dev root, an absolute workdir, env
 * entries inside env_buf, each KEY=VALUE.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "init_cmdline.h"

static void check_str(const char *s, size_t cap)
{
	if (strnlen(s, cap) >= cap)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct init_config cfg;
	char *line;

	if (size > 8192)
		return 0;
	line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	init_cmdline_parse(&cfg, line);
	free(line);

	if (cfg.n_nets > INIT_MAX_NETS || cfg.n_dns > INIT_MAX_DNS ||
	    cfg.n_mounts > INIT_MAX_MOUNTS || cfg.n_modules > INIT_MAX_MODULES ||
	    cfg.argc > INIT_MAX_ARGS || cfg.n_warnings > INIT_MAX_WARN ||
	    cfg.n_problems < cfg.n_warnings)
		abort();
	if (cfg.halt == INIT_HALT_DEFAULT)
		abort();
	check_str(cfg.hostname, sizeof(cfg.hostname));
	for (size_t i = 0; i < cfg.n_nets; i++)
		check_str(cfg.nets[i].ifname, sizeof(cfg.nets[i].ifname));
	for (size_t i = 0; i < cfg.n_mounts; i++) {
		check_str(cfg.mounts[i].tag, sizeof(cfg.mounts[i].tag));
		check_str(cfg.mounts[i].path, sizeof(cfg.mounts[i].path));
	}
	for (size_t i = 0; i < cfg.n_modules; i++)
		check_str(cfg.modules[i], sizeof(cfg.modules[i]));
	for (size_t i = 0; i < cfg.n_warnings; i++)
		check_str(cfg.warnings[i], sizeof(cfg.warnings[i]));
	for (size_t i = 0; i < cfg.argc; i++) {
		const char *end = cfg.exec_buf + sizeof(cfg.exec_buf);
		if (cfg.argv[i] < cfg.exec_buf || cfg.argv[i] >= end)
			abort();
		if (strnlen(cfg.argv[i], (size_t)(end - cfg.argv[i])) >= (size_t)(end - cfg.argv[i]))
			abort();
	}
	if (cfg.argv[cfg.argc] != NULL)
		abort();
	/* the image keys: terminated strings, env inside env_buf with a KEY= */
	check_str(cfg.root_dev, sizeof(cfg.root_dev));
	check_str(cfg.root_serial, sizeof(cfg.root_serial));
	check_str(cfg.rootfstype, sizeof(cfg.rootfstype));
	check_str(cfg.workdir, sizeof(cfg.workdir));
	check_str(cfg.user, sizeof(cfg.user));
	if (cfg.root_dev[0] && strncmp(cfg.root_dev, "/dev/", 5) != 0)
		abort();
	if (cfg.workdir[0] && cfg.workdir[0] != '/')
		abort();
	if (cfg.n_env > INIT_MAX_ENV || cfg.env[cfg.n_env] != NULL)
		abort();
	for (size_t i = 0; i < cfg.n_env; i++) {
		const char *end = cfg.env_buf + sizeof(cfg.env_buf);
		if (cfg.env[i] < cfg.env_buf || cfg.env[i] >= end)
			abort();
		if (strnlen(cfg.env[i], (size_t)(end - cfg.env[i])) >= (size_t)(end - cfg.env[i]))
			abort();
		if (cfg.env[i][0] == '=' || !strchr(cfg.env[i], '='))
			abort();
	}
	return 0;
}
