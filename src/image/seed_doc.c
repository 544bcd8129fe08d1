/*
 * seed_doc.c - renders a vmc_seed as the three NoCloud documents:
 * meta-data (instance-id, local-hostname), user-data (#cloud-config:
 * users, ssh_authorized_keys, write_files, runcmd ending in the ready
 * step) and network-config (version 2, NICs matched by MAC). Structure is
 * fixed text written here; every value goes through yaml_quote(), so the
 * documents keep their shape whatever the values hold.
 *
 * The ready step is a fixed script run by `sh -c` with the address and the
 * workload as positional parameters: nothing from the seed is ever pasted
 * into shell text. cloud-init runs runcmd late (cloud-final, after the
 * network and sshd are up), and cloud-final.service uses KillMode=process,
 * so the background workload survives the end of the step.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "image/seed.h"
#include "image/seed_yaml.h"

const char seed_ready_script[] =
	"ip=\"$1\"; shift\n"
	"if [ \"$#\" -gt 0 ]; then\n"
	"  if command -v setsid >/dev/null 2>&1; then\n"
	"    setsid \"$@\" </dev/null >>/dev/console 2>&1 &\n"
	"  else\n"
	"    \"$@\" </dev/null >>/dev/console 2>&1 &\n"
	"  fi\n"
	"fi\n"
	"if [ -z \"$ip\" ]; then\n"
	"  ip=$(ip -o -4 addr show scope global 2>/dev/null | "
	"awk '{ split($4, a, \"/\"); print a[1]; exit }')\n"
	"fi\n"
	"line=VMC_READY\n"
	"if [ -n \"$ip\" ]; then line=\"$line ip=$ip\"; fi\n"
	"printf '%s\\n' \"$line\" >>/dev/console 2>/dev/null\n"
	"if ! grep -qw ttyS0 /sys/class/tty/console/active 2>/dev/null; then\n"
	"  printf '%s\\n' \"$line\" >>/dev/ttyS0 2>/dev/null\n"
	"fi\n"
	"exit 0\n";

const char *seed_doc_name(enum seed_doc doc)
{
	switch (doc) {
	case SEED_META_DATA:
		return "meta-data";
	case SEED_USER_DATA:
		return "user-data";
	case SEED_NETWORK_CONFIG:
		return "network-config";
	}
	return "unknown";
}

static int render_meta(const struct vmc_seed *s, struct yaml_buf *b)
{
	int rc;

	yaml_buf_puts(b, "instance-id: ");
	rc = yaml_quote_str(b, s->instance_id);
	if (rc == 0 && s->hostname) {
		yaml_buf_puts(b, "\nlocal-hostname: ");
		rc = yaml_quote_str(b, s->hostname);
	}
	yaml_buf_puts(b, "\n");
	return rc;
}

/* "  - KEY\n" lines for the keys of user `idx` (-1: default user). */
static int render_keys(const struct vmc_seed *s, int idx, const char *indent, struct yaml_buf *b)
{
	size_t i;
	int rc;

	for (i = 0; i < s->n_keys; i++) {
		if (s->keys[i].user != idx)
			continue;
		yaml_buf_printf(b, "%s- ", indent);
		rc = yaml_quote_str(b, s->keys[i].key);
		if (rc < 0)
			return rc;
		yaml_buf_puts(b, "\n");
	}
	return 0;
}

static int has_keys(const struct vmc_seed *s, int idx)
{
	size_t i;

	for (i = 0; i < s->n_keys; i++)
		if (s->keys[i].user == idx)
			return 1;
	return 0;
}

/* A flow sequence ["a", "b"] of the strings argv[0..argc-1]. */
static int render_argv(struct yaml_buf *b, int argc, const char *const *argv)
{
	int i, rc;

	yaml_buf_puts(b, "[");
	for (i = 0; i < argc; i++) {
		if (i)
			yaml_buf_puts(b, ", ");
		rc = yaml_quote_str(b, argv[i]);
		if (rc < 0)
			return rc;
	}
	yaml_buf_puts(b, "]");
	return 0;
}

static int render_files(const struct vmc_seed *s, struct yaml_buf *b)
{
	size_t i;
	int rc;

	if (s->n_files == 0)
		return 0;
	yaml_buf_puts(b, "write_files:\n");
	for (i = 0; i < s->n_files; i++) {
		const struct seed_file *f = &s->files[i];
		size_t enc_len = 4 * ((f->len + 2) / 3) + 1;
		unsigned char *enc = malloc(enc_len);

		if (!enc)
			return vmc_error_oom();
		EVP_EncodeBlock(enc, f->content, (int)f->len);
		yaml_buf_puts(b, "  - path: ");
		rc = yaml_quote_str(b, f->path);
		if (rc == 0) {
			yaml_buf_puts(b, "\n    encoding: \"b64\"\n    content: ");
			rc = yaml_quote_str(b, (const char *)enc);
		}
		free(enc);
		if (rc < 0)
			return rc;
		yaml_buf_printf(b, "\n    permissions: \"0%o\"\n    owner: \"root:root\"\n", f->mode);
	}
	return 0;
}

static int render_user(const struct vmc_seed *s, struct yaml_buf *b)
{
	const char *argv[VMC_SEED_ARGS_MAX + 5];
	char ready_ip[64] = "";
	size_t i;
	int rc, n = 0, k;

	yaml_buf_puts(b, "#cloud-config\n");
	yaml_buf_puts(b, "users:\n  - default\n");
	for (i = 0; i < s->n_users; i++) {
		yaml_buf_puts(b, "  - name: ");
		rc = yaml_quote_str(b, s->users[i].name);
		if (rc < 0)
			return rc;
		yaml_buf_puts(b, "\n    lock_passwd: true\n    shell: \"/bin/sh\"\n");
		if (s->users[i].flags & VMC_SEED_USER_SUDO)
			yaml_buf_puts(b, "    sudo: \"ALL=(ALL) NOPASSWD:ALL\"\n");
		if (has_keys(s, (int)i)) {
			yaml_buf_puts(b, "    ssh_authorized_keys:\n");
			rc = render_keys(s, (int)i, "      ", b);
			if (rc < 0)
				return rc;
		}
	}
	if (has_keys(s, -1)) {
		yaml_buf_puts(b, "ssh_authorized_keys:\n");
		rc = render_keys(s, -1, "  ", b);
		if (rc < 0)
			return rc;
	}
	yaml_buf_puts(b, "ssh_pwauth: false\n");
	rc = render_files(s, b);
	if (rc < 0)
		return rc;
	yaml_buf_puts(b, "runcmd:\n");
	for (i = 0; i < s->n_cmds; i++) {
		yaml_buf_puts(b, "  - ");
		rc = render_argv(b, s->cmds[i].argc, (const char *const *)s->cmds[i].argv);
		if (rc < 0)
			return rc;
		yaml_buf_puts(b, "\n");
	}
	/* The first static address without its prefix (validated: < 64). */
	for (i = 0; i < s->n_nics; i++) {
		if (s->nics[i].addr) {
			size_t len = strcspn(s->nics[i].addr, "/");

			if (len < sizeof(ready_ip)) {
				memcpy(ready_ip, s->nics[i].addr, len);
				ready_ip[len] = '\0';
			}
			break;
		}
	}
	/* sh -c SCRIPT vmc-ready ADDR WORKLOAD... */
	argv[n++] = "sh";
	argv[n++] = "-c";
	argv[n++] = seed_ready_script;
	argv[n++] = "vmc-ready";
	argv[n++] = ready_ip;
	for (k = 0; k < s->workload.argc; k++)
		argv[n++] = s->workload.argv[k];
	yaml_buf_puts(b, "  - ");
	rc = render_argv(b, n, argv);
	yaml_buf_puts(b, "\n");
	return rc;
}

static int render_network(const struct vmc_seed *s, struct yaml_buf *b)
{
	size_t i, j;
	int rc;

	if (s->n_nics == 0) {
		/* An empty document: cloud-init applies its fallback (DHCP on
		 * the first NIC). v2 cannot say "every NIC" without names. */
		yaml_buf_puts(b, "# no NICs given: cloud-init's fallback network config\n");
		return 0;
	}
	yaml_buf_puts(b, "version: 2\nethernets:\n");
	for (i = 0; i < s->n_nics; i++) {
		const struct seed_nic *n = &s->nics[i];

		yaml_buf_printf(b, "  nic%zu:\n    match:\n      macaddress: ", i);
		rc = yaml_quote_str(b, n->mac);
		if (rc < 0)
			return rc;
		yaml_buf_puts(b, "\n");
		if (!n->addr) {
			yaml_buf_puts(b, "    dhcp4: true\n");
		} else {
			yaml_buf_puts(b, "    dhcp4: false\n    addresses:\n      - ");
			rc = yaml_quote_str(b, n->addr);
			if (rc < 0)
				return rc;
			yaml_buf_puts(b, "\n");
		}
		/* IPv4: a default route. IPv6: gateway6, because cloud-init
		 * (22.4, Debian 12) normalises a route's prefix twice and the
		 * second pass turns "::/0" into "::/64" (prefix 0 is falsy). */
		if (n->gateway && !strchr(n->gateway, ':'))
			yaml_buf_puts(b, "    routes:\n      - to: \"0.0.0.0/0\"\n        via: ");
		else if (n->gateway)
			yaml_buf_puts(b, "    gateway6: ");
		if (n->gateway) {
			rc = yaml_quote_str(b, n->gateway);
			if (rc < 0)
				return rc;
			yaml_buf_puts(b, "\n");
		}
		if (s->n_dns) {
			yaml_buf_puts(b, "    nameservers:\n      addresses:\n");
			for (j = 0; j < s->n_dns; j++) {
				yaml_buf_puts(b, "        - ");
				rc = yaml_quote_str(b, s->dns[j]);
				if (rc < 0)
					return rc;
				yaml_buf_puts(b, "\n");
			}
		}
	}
	return 0;
}

int seed_render(const struct vmc_seed *s, enum seed_doc doc, char **out, size_t *len)
{
	struct yaml_buf b = { 0 };
	int rc;

	switch (doc) {
	case SEED_META_DATA:
		rc = render_meta(s, &b);
		break;
	case SEED_USER_DATA:
		rc = render_user(s, &b);
		break;
	case SEED_NETWORK_CONFIG:
		rc = render_network(s, &b);
		break;
	default:
		return vmc_error_set(VMC_EINVAL, "seed: unknown document %d", (int)doc);
	}
	if (rc == 0)
		rc = yaml_buf_done(&b);
	if (rc < 0) {
		yaml_buf_free(&b);
		return vmc_error_prefix(rc, "rendering %s", seed_doc_name(doc));
	}
	*out = b.data;
	*len = b.len;
	return 0;
}
