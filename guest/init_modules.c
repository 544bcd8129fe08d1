/*
 * init_modules.c - vmc-init's module loader: a tiny udev coldplug. It reads
 * modules.dep and modules.alias of the running kernel from the initramfs
 * (guest/build runs depmod over exactly the modules it packs), matches every
 * device's modalias under /sys/bus/<bus>/devices against the alias patterns, and
 * loads the matches with finit_module(2), dependencies first. Loading a bus
 * driver (virtio_mmio, virtio_pci) creates new devices, so passes repeat
 * until one loads nothing. No modprobe, no shell.
 */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

enum mod_state { MOD_NEW, MOD_LOADING, MOD_LOADED, MOD_FAILED };

struct module {
	char *path;          /* relative to the modules dir, into dep_buf */
	char name[64];       /* basename without .ko*, '-' as '_' */
	char **deps;         /* paths, into dep_buf */
	size_t n_deps;
	enum mod_state state;
};

struct alias {
	char *pattern;       /* into alias_buf */
	char *module;
};

struct modules {
	int dirfd;           /* /lib/modules/<release> */
	char *dep_buf, *alias_buf;
	struct module *mods;
	size_t n_mods;
	struct alias *aliases;
	size_t n_aliases;
	int loaded;          /* count for this run */
	int verbose;
};

static char *read_all(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t off = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size < 0 || st.st_size > 16 * 1024 * 1024)
		goto out;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)st.st_size - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
out:
	close(fd);
	return buf;
}

static void module_name(const char *path, char *out, size_t outlen)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; base[i] && i + 1 < outlen; i++) {
		if (base[i] == '.')
			break;
		out[i] = base[i] == '-' ? '_' : base[i];
	}
	out[i] = '\0';
}

/* "kernel/a/b.ko: kernel/c.ko kernel/d.ko" per line. */
static int parse_dep(struct modules *m)
{
	size_t lines = 1, i;
	char *p, *save = NULL, *line;

	for (p = m->dep_buf; *p; p++)
		lines += *p == '\n';
	m->mods = calloc(lines, sizeof(*m->mods));
	if (!m->mods)
		return -1;
	for (line = strtok_r(m->dep_buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct module *mod = &m->mods[m->n_mods];
		char *colon = strchr(line, ':'), *tok, *save2 = NULL;
		size_t n = 0;

		if (!colon)
			continue;
		*colon = '\0';
		mod->path = line;
		module_name(line, mod->name, sizeof(mod->name));
		for (p = colon + 1; *p; p++)
			n += *p == ' ';
		mod->deps = calloc(n + 1, sizeof(char *));
		if (!mod->deps)
			return -1;
		for (tok = strtok_r(colon + 1, " ", &save2); tok && mod->n_deps < n + 1;
		     tok = strtok_r(NULL, " ", &save2))
			mod->deps[mod->n_deps++] = tok;
		m->n_mods++;
	}
	for (i = 0; i < m->n_mods; i++)
		m->mods[i].state = MOD_NEW;
	return 0;
}

/* "alias <pattern> <module>" per line; anything else is skipped. */
static int parse_alias(struct modules *m)
{
	size_t lines = 1;
	char *p, *save = NULL, *line;

	for (p = m->alias_buf; *p; p++)
		lines += *p == '\n';
	m->aliases = calloc(lines, sizeof(*m->aliases));
	if (!m->aliases)
		return -1;
	for (line = strtok_r(m->alias_buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *save2 = NULL, *kw = strtok_r(line, " ", &save2);
		char *pat = strtok_r(NULL, " ", &save2), *mod = strtok_r(NULL, " ", &save2);

		if (!kw || strcmp(kw, "alias") != 0 || !pat || !mod)
			continue;
		m->aliases[m->n_aliases].pattern = pat;
		m->aliases[m->n_aliases].module = mod;
		m->n_aliases++;
	}
	return 0;
}

static struct module *find_by_name(struct modules *m, const char *name)
{
	char norm[64];
	size_t i;

	module_name(name, norm, sizeof(norm));
	for (i = 0; i < m->n_mods; i++)
		if (strcmp(m->mods[i].name, norm) == 0)
			return &m->mods[i];
	return NULL;
}

static struct module *find_by_path(struct modules *m, const char *path)
{
	size_t i;

	for (i = 0; i < m->n_mods; i++)
		if (strcmp(m->mods[i].path, path) == 0)
			return &m->mods[i];
	return NULL;
}

static int load(struct modules *m, struct module *mod)
{
	size_t i;
	int fd, flags = 0, rc;

	if (mod->state == MOD_LOADED || mod->state == MOD_LOADING)
		return 0;
	if (mod->state == MOD_FAILED)
		return -1;
	mod->state = MOD_LOADING;
	/* modules.dep lists the deepest dependency last, as modprobe loads it first */
	for (i = mod->n_deps; i-- > 0;) {
		struct module *dep = find_by_path(m, mod->deps[i]);

		if (!dep || load(m, dep) < 0) {
			init_log("module %s: dependency %s missing or failed", mod->name, mod->deps[i]);
			mod->state = MOD_FAILED;
			return -1;
		}
	}
	fd = openat(m->dirfd, mod->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		init_log("module %s: open %s: %s", mod->name, mod->path, strerror(errno));
		mod->state = MOD_FAILED;
		return -1;
	}
	if (strstr(mod->path, ".ko."))
		flags |= MODULE_INIT_COMPRESSED_FILE;
	rc = (int)syscall(SYS_finit_module, fd, "", flags);
	if (rc < 0 && errno != EEXIST) {
		init_log("module %s: %s", mod->name, strerror(errno));
		close(fd);
		mod->state = MOD_FAILED;
		return -1;
	}
	close(fd);
	mod->state = MOD_LOADED;
	if (rc == 0) {
		m->loaded++;
		init_debug(m->verbose, "loaded %s", mod->name);
	}
	return 0;
}

static void match_modalias(struct modules *m, const char *modalias)
{
	size_t i;

	for (i = 0; i < m->n_aliases; i++) {
		struct module *mod;

		if (fnmatch(m->aliases[i].pattern, modalias, 0) != 0)
			continue;
		mod = find_by_name(m, m->aliases[i].module);
		if (mod)
			load(m, mod);
	}
}

static void match_device(struct modules *m, int devfd)
{
	char buf[512];
	int fd = openat(devfd, "modalias", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	match_modalias(m, buf);
}

/*
 * One coldplug pass: every device on every bus, /sys/bus/<bus>/devices/<dev>
 * (symlinks to the device directories). Devices outside a bus (class
 * devices: ttys, net, block) have no driver to load.
 */
static void coldplug_pass(struct modules *m)
{
	/* cpu features and memory blocks: many entries, no driver we ship */
	static const char *const skip[] = { "cpu", "memory", "node", "workqueue" };
	int busfd = open("/sys/bus", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *buses = busfd >= 0 ? fdopendir(busfd) : NULL;
	struct dirent *bus;
	size_t s;

	if (!buses) {
		if (busfd >= 0)
			close(busfd);
		return;
	}
	while ((bus = readdir(buses)) != NULL) {
		char path[300];
		int devsfd, skipped = 0;
		DIR *devs;
		struct dirent *dev;

		if (bus->d_name[0] == '.')
			continue;
		for (s = 0; s < sizeof(skip) / sizeof(skip[0]); s++)
			skipped |= strcmp(bus->d_name, skip[s]) == 0;
		if (skipped)
			continue;
		snprintf(path, sizeof(path), "%s/devices", bus->d_name);
		devsfd = openat(busfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		devs = devsfd >= 0 ? fdopendir(devsfd) : NULL;
		if (!devs) {
			if (devsfd >= 0)
				close(devsfd);
			continue;
		}
		while ((dev = readdir(devs)) != NULL) {
			int devfd;

			if (dev->d_name[0] == '.')
				continue;
			devfd = openat(devsfd, dev->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (devfd >= 0) {
				match_device(m, devfd);
				close(devfd);
			}
		}
		closedir(devs);
	}
	closedir(buses);
}

static void modules_free(struct modules *m)
{
	size_t i;

	for (i = 0; i < m->n_mods; i++)
		free(m->mods[i].deps);
	free(m->mods);
	free(m->aliases);
	free(m->dep_buf);
	free(m->alias_buf);
	if (m->dirfd >= 0)
		close(m->dirfd);
}

int modules_coldplug(const char *const *extra, size_t n_extra, int verbose)
{
	struct modules m = { .dirfd = -1, .verbose = verbose };
	struct utsname un;
	char dir[128];
	int pass, rc = 0;
	size_t i;

	if (uname(&un) < 0)
		return 0;
	snprintf(dir, sizeof(dir), "/lib/modules/%s", un.release);
	m.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m.dirfd < 0)
		return 0;
	m.dep_buf = read_all(m.dirfd, "modules.dep");
	m.alias_buf = read_all(m.dirfd, "modules.alias");
	if (!m.dep_buf || parse_dep(&m) < 0) {
		init_log("%s/modules.dep: unreadable", dir);
		rc = -1;
		goto out;
	}
	if (m.alias_buf && parse_alias(&m) < 0) {
		rc = -1;
		goto out;
	}
	for (pass = 0; pass < 8; pass++) {
		int before = m.loaded;

		coldplug_pass(&m);
		if (m.loaded == before)
			break;
	}
	for (i = 0; i < n_extra; i++) {
		struct module *mod = find_by_name(&m, extra[i]);

		if (!mod) {
			init_log("module %s: not in the initramfs", extra[i]);
			rc = -1;
		} else if (load(&m, mod) < 0) {
			rc = -1;
		}
	}
out:
	if (rc == 0)
		rc = m.loaded;
	modules_free(&m);
	return rc;
}
