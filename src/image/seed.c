/*
 * seed.c - the vmc_seed builder: a fresh instance-id, and setters that
 * validate every value before it is stored (host names, user names, SSH
 * public keys, guest paths, argv vectors, MACs, addresses). What is stored
 * is only ever emitted as escaped YAML scalars (seed_doc.c); validation here
 * is about meaning (a host name cloud-init can set, a key sshd accepts), not
 * about YAML safety, which the escaper guarantees for any UTF-8.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"
#include "core/config_check.h"
#include "core/error.h"
#include "image/seed.h"

static char *dup_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void argv_free(struct seed_argv *a)
{
	int i;

	for (i = 0; i < a->argc; i++)
		free(a->argv[i]);
	free(a->argv);
	a->argv = NULL;
	a->argc = 0;
}

int vmc_seed_new(vmc_seed **out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[16];
	size_t i;
	vmc_seed *s;

	if (!out)
		return vmc_error_set(VMC_EINVAL, "seed: out is NULL");
	if (vmc_random(rnd, sizeof(rnd)) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "seed: getrandom");
	s = calloc(1, sizeof(*s));
	if (!s)
		return vmc_error_oom();
	s->instance_id[0] = 'i';
	s->instance_id[1] = '-';
	for (i = 0; i < sizeof(rnd); i++) {
		s->instance_id[2 + 2 * i] = hex[rnd[i] >> 4];
		s->instance_id[3 + 2 * i] = hex[rnd[i] & 0xf];
	}
	s->instance_id[SEED_INSTANCE_ID_LEN] = '\0';
	*out = s;
	return 0;
}

void vmc_seed_free(vmc_seed *s)
{
	size_t i;

	if (!s)
		return;
	free(s->hostname);
	for (i = 0; i < s->n_keys; i++)
		free(s->keys[i].key);
	for (i = 0; i < s->n_files; i++) {
		free(s->files[i].path);
		free(s->files[i].content);
	}
	for (i = 0; i < s->n_cmds; i++)
		argv_free(&s->cmds[i]);
	argv_free(&s->workload);
	for (i = 0; i < s->n_nics; i++) {
		free(s->nics[i].addr);
		free(s->nics[i].gateway);
	}
	for (i = 0; i < s->n_dns; i++)
		free(s->dns[i]);
	free(s);
}

const char *vmc_seed_instance_id(const vmc_seed *s)
{
	return s ? s->instance_id : "";
}

/* RFC 1123: dot-separated labels of [A-Za-z0-9-], 1..63 bytes, not
 * starting or ending with '-'; one trailing dot is not accepted. */
static int hostname_valid(const char *h)
{
	size_t len = strlen(h), label = 0, i;

	if (len == 0 || len > VMC_SEED_HOSTNAME_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		char c = h[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || h[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!(isascii((unsigned char)c) && isalnum((unsigned char)c)) && c != '-')
			return 0;
		if (label == 0 && c == '-')
			return 0;
		label++;
	}
	return 1;
}

int vmc_seed_set_hostname(vmc_seed *s, const char *hostname)
{
	char *copy;

	if (!s)
		return vmc_error_set(VMC_EINVAL, "seed is NULL");
	if (!hostname) {
		free(s->hostname);
		s->hostname = NULL;
		return 0;
	}
	if (!hostname_valid(hostname))
		return vmc_error_set(VMC_EINVAL,
				     "seed hostname: expected RFC 1123 labels of letters, digits and "
				     "'-' (at most %d bytes)",
				     VMC_SEED_HOSTNAME_MAX);
	copy = strdup(hostname);
	if (!copy)
		return vmc_error_oom();
	free(s->hostname);
	s->hostname = copy;
	return 0;
}

static int user_name_valid(const char *n)
{
	size_t len = strlen(n), i;

	if (len == 0 || len > VMC_SEED_USER_MAX)
		return 0;
	if (!((n[0] >= 'a' && n[0] <= 'z') || n[0] == '_'))
		return 0;
	for (i = 1; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') ||
		      n[i] == '_' || n[i] == '-'))
			return 0;
	return 1;
}

static int find_user(const vmc_seed *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_users; i++)
		if (strcmp(s->users[i].name, name) == 0)
			return (int)i;
	return -1;
}

int vmc_seed_add_user(vmc_seed *s, const char *name, unsigned int flags)
{
	if (!s || !name)
		return vmc_error_set(VMC_EINVAL, "seed user: NULL argument");
	if (!user_name_valid(name))
		return vmc_error_set(VMC_EINVAL, "seed user: expected [a-z_][a-z0-9_-]* of at most %d bytes",
				     VMC_SEED_USER_MAX);
	if (flags & ~(unsigned int)VMC_SEED_USER_SUDO)
		return vmc_error_set(VMC_EINVAL, "seed user '%s': unknown flags 0x%x", name, flags);
	if (find_user(s, name) >= 0)
		return vmc_error_set(VMC_EEXISTS, "seed user '%s' added twice", name);
	if (s->n_users >= VMC_SEED_USERS_MAX)
		return vmc_error_set(VMC_EINVAL, "seed: more than %d users", VMC_SEED_USERS_MAX);
	memcpy(s->users[s->n_users].name, name, strlen(name) + 1);
	s->users[s->n_users].flags = flags;
	s->n_users++;
	return 0;
}

/* "TYPE BASE64 [COMMENT]": a known type, canonical base64 of at least 16
 * characters, and a comment of printable UTF-8 (no control characters). */
static int ssh_key_valid(const char *key)
{
	static const char *const types[] = {
		"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
		"ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
		"sk-ecdsa-sha2-nistp256@openssh.com",
	};
	const char *sp = strchr(key, ' '), *b64, *end;
	size_t i, tlen, n = 0, pad = 0;
	int known = 0;

	if (strlen(key) > VMC_SEED_KEY_LEN_MAX || !sp || !config_check_utf8(key))
		return 0;
	tlen = (size_t)(sp - key);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i]) == tlen && memcmp(types[i], key, tlen) == 0)
			known = 1;
	if (!known)
		return 0;
	b64 = sp + 1;
	end = strchr(b64, ' ');
	if (!end)
		end = b64 + strlen(b64);
	for (const char *p = b64; p < end; p++, n++) {
		unsigned char c = (unsigned char)*p;

		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || !(isascii(c) && (isalnum(c) || c == '+' || c == '/')))
			return 0;
	}
	if (n < 16 || n % 4 != 0 || pad > 2)
		return 0;
	for (const unsigned char *p = (const unsigned char *)end; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int vmc_seed_add_ssh_key(vmc_seed *s, const char *user, const char *key)
{
	int idx = -1;
	char *copy;

	if (!s || !key)
		return vmc_error_set(VMC_EINVAL, "seed ssh key: NULL argument");
	if (user) {
		idx = find_user(s, user);
		if (idx < 0)
			return vmc_error_set(VMC_ENOTFOUND, "seed ssh key: no user '%.*s' added",
					     CONFIG_SHOW, user);
	}
	if (!ssh_key_valid(key))
		return vmc_error_set(VMC_EINVAL,
				     "seed ssh key: expected one line \"TYPE BASE64 [COMMENT]\" "
				     "with a known key type");
	if (s->n_keys >= VMC_SEED_KEYS_MAX)
		return vmc_error_set(VMC_EINVAL, "seed: more than %d ssh keys", VMC_SEED_KEYS_MAX);
	copy = strdup(key);
	if (!copy)
		return vmc_error_oom();
	s->keys[s->n_keys].user = idx;
	s->keys[s->n_keys].key = copy;
	s->n_keys++;
	return 0;
}

int vmc_seed_add_write_file(vmc_seed *s, const char *path, const void *content, size_t len,
			    unsigned int mode)
{
	struct seed_file f = { 0 };

	if (!s || !path || (!content && len))
		return vmc_error_set(VMC_EINVAL, "seed file: NULL argument");
	if (path[0] != '/' || strlen(path) > SEED_PATH_MAX || !config_check_utf8(path))
		return vmc_error_set(VMC_EINVAL,
				     "seed file: path must be absolute UTF-8 of at most %d bytes",
				     SEED_PATH_MAX);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return vmc_error_set(VMC_EINVAL,
					     "seed file: control character in path");
	if (mode > 07777)
		return vmc_error_set(VMC_EINVAL, "seed file '%s': mode %o above 07777", path, mode);
	if (len > VMC_SEED_FILE_SIZE_MAX)
		return vmc_error_set(VMC_EINVAL, "seed file '%s': %zu bytes, at most %d", path, len,
				     VMC_SEED_FILE_SIZE_MAX);
	if (s->n_files >= VMC_SEED_FILES_MAX)
		return vmc_error_set(VMC_EINVAL, "seed: more than %d files", VMC_SEED_FILES_MAX);
	f.path = strdup(path);
	f.content = malloc(len ? len : 1);
	if (!f.path || !f.content) {
		free(f.path);
		free(f.content);
		return vmc_error_oom();
	}
	if (len)
		memcpy(f.content, content, len);
	f.len = len;
	f.mode = mode;
	s->files[s->n_files++] = f;
	return 0;
}

/* Validates and copies an argv into *out (argc >= min_argc). */
static int argv_copy(const char *what, int argc, const char *const *argv, int min_argc,
		     struct seed_argv *out)
{
	struct seed_argv a = { 0 };
	int i;

	if (argc < min_argc || argc > VMC_SEED_ARGS_MAX || (argc > 0 && !argv))
		return vmc_error_set(VMC_EINVAL, "seed %s: expected %d to %d arguments", what,
				     min_argc, VMC_SEED_ARGS_MAX);
	for (i = 0; i < argc; i++) {
		if (!argv[i])
			return vmc_error_set(VMC_EINVAL, "seed %s: argument %d is NULL", what, i);
		if (strlen(argv[i]) > VMC_SEED_ARG_LEN_MAX)
			return vmc_error_set(VMC_EINVAL, "seed %s: argument %d longer than %d bytes",
					     what, i, VMC_SEED_ARG_LEN_MAX);
		if (!config_check_utf8(argv[i]))
			return vmc_error_set(VMC_EINVAL, "seed %s: argument %d is not valid UTF-8",
					     what, i);
	}
	if (argc == 0) {
		*out = a;
		return 0;
	}
	a.argv = calloc((size_t)argc + 1, sizeof(*a.argv));
	if (!a.argv)
		return vmc_error_oom();
	for (i = 0; i < argc; i++) {
		a.argv[i] = strdup(argv[i]);
		if (!a.argv[i]) {
			a.argc = i;
			argv_free(&a);
			return vmc_error_oom();
		}
	}
	a.argc = argc;
	*out = a;
	return 0;
}

int vmc_seed_add_runcmd(vmc_seed *s, int argc, const char *const *argv)
{
	int rc;

	if (!s)
		return vmc_error_set(VMC_EINVAL, "seed is NULL");
	if (s->n_cmds >= VMC_SEED_CMDS_MAX)
		return vmc_error_set(VMC_EINVAL, "seed: more than %d runcmd steps",
				     VMC_SEED_CMDS_MAX);
	rc = argv_copy("runcmd", argc, argv, 1, &s->cmds[s->n_cmds]);
	if (rc < 0)
		return rc;
	s->n_cmds++;
	return 0;
}

int vmc_seed_set_workload(vmc_seed *s, int argc, const char *const *argv)
{
	struct seed_argv a;
	int rc;

	if (!s)
		return vmc_error_set(VMC_EINVAL, "seed is NULL");
	rc = argv_copy("workload", argc, argv, 0, &a);
	if (rc < 0)
		return rc;
	argv_free(&s->workload);
	s->workload = a;
	return 0;
}

int vmc_seed_add_nic(vmc_seed *s, const char *mac, const char *addr, const char *gateway)
{
	struct seed_nic n = { 0 };
	int af = 0, gaf = 0;
	size_t i;

	if (!s || !mac)
		return vmc_error_set(VMC_EINVAL, "seed nic: NULL argument");
	if (!config_mac_valid(mac))
		return vmc_error_set(VMC_EINVAL,
				     "seed nic: mac must be xx:xx:xx:xx:xx:xx (hex, unicast)");
	if (addr && !config_check_cidr(addr, &af))
		return vmc_error_set(VMC_EINVAL, "seed nic: address must be ADDR/PREFIX");
	if (gateway && !config_check_ip_family(gateway, &gaf))
		return vmc_error_set(VMC_EINVAL, "seed nic: gateway must be an IP address");
	if (gateway && addr && af != gaf)
		return vmc_error_set(VMC_EINVAL,
				     "seed nic: gateway and address are of different families");
	if (gateway && !addr)
		return vmc_error_set(VMC_EINVAL, "seed nic: a gateway needs a static address");
	for (i = 0; i < sizeof(n.mac) - 1 && mac[i]; i++)
		n.mac[i] = (char)tolower((unsigned char)mac[i]);
	for (i = 0; i < s->n_nics; i++)
		if (strcmp(s->nics[i].mac, n.mac) == 0)
			return vmc_error_set(VMC_EEXISTS, "seed nic: mac %s given twice", n.mac);
	if (s->n_nics >= VMC_DEVICES_MAX)
		return vmc_error_set(VMC_EINVAL, "seed: more than %d nics", VMC_DEVICES_MAX);
	n.addr = dup_str(addr);
	n.gateway = dup_str(gateway);
	if ((addr && !n.addr) || (gateway && !n.gateway)) {
		free(n.addr);
		free(n.gateway);
		return vmc_error_oom();
	}
	s->nics[s->n_nics++] = n;
	return 0;
}

int vmc_seed_add_dns(vmc_seed *s, const char *addr)
{
	int af;
	char *copy;

	if (!s || !addr)
		return vmc_error_set(VMC_EINVAL, "seed dns: NULL argument");
	if (!config_check_ip_family(addr, &af))
		return vmc_error_set(VMC_EINVAL, "seed dns: expected an IP address");
	if (s->n_dns >= VMC_SEED_DNS_MAX)
		return vmc_error_set(VMC_EINVAL, "seed: more than %d dns servers", VMC_SEED_DNS_MAX);
	copy = strdup(addr);
	if (!copy)
		return vmc_error_oom();
	s->dns[s->n_dns++] = copy;
	return 0;
}
