/*
 * hostrec.c - reading, writing and parsing the host-object record of a
 * bridge network (format in hostrec.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "net/hostrec.h"

#define HOSTREC_MAGIC "vmc-host-record 1"
#define LINE_MAX_LEN 256
#define WORDS_MAX 6

static const char *const sysctls[] = { "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding" };

int hostrec_name_valid(const char *s)
{
	size_t n = 0;

	if (!s || !*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; s[n]; n++) {
		char c = s[n];

		if (n >= HOSTREC_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

int hostrec_sysctl_valid(const char *key)
{
	for (size_t i = 0; key && i < sizeof(sysctls) / sizeof(sysctls[0]); i++)
		if (!strcmp(key, sysctls[i]))
			return 1;
	return 0;
}

static int family_valid(const char *f)
{
	return f && (!strcmp(f, "inet") || !strcmp(f, "ip") || !strcmp(f, "ip6"));
}

static int link_name_valid(const char *s)
{
	return hostrec_name_valid(s) && strlen(s) < 16;
}

/* "" or six lower-case hex pairs joined by ':'. */
static int mac_valid(const char *s)
{
	if (!*s)
		return 1;
	if (strlen(s) != 17)
		return 0;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':'
			       : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int entry_valid(const struct hostrec_entry *e)
{
	switch (e->kind) {
	case HOSTREC_LINK:
		return link_name_valid(e->name) && mac_valid(e->mac);
	case HOSTREC_NFT_TABLE:
		return family_valid(e->family) && hostrec_name_valid(e->table);
	case HOSTREC_NFT_CHAIN:
		return family_valid(e->family) && hostrec_name_valid(e->table) &&
		       hostrec_name_valid(e->name);
	case HOSTREC_SYSCTL:
		return hostrec_sysctl_valid(e->name);
	case HOSTREC_NETNS:
		return hostrec_name_valid(e->name);
	}
	return 0;
}

int hostrec_format_entry(const struct hostrec_entry *e, char *out, size_t len)
{
	int n = -1;

	if (!entry_valid(e) || (e->kind != HOSTREC_LINK && e->mac[0]) ||
	    (e->kind != HOSTREC_NETNS && e->id))
		return -1;
	switch (e->kind) {
	case HOSTREC_LINK:
		n = snprintf(out, len, "link %s%s%s\n", e->name, e->mac[0] ? " " : "", e->mac);
		break;
	case HOSTREC_NFT_TABLE:
		n = snprintf(out, len, "nft-table %s %s\n", e->family, e->table);
		break;
	case HOSTREC_NFT_CHAIN:
		n = snprintf(out, len, "nft-chain %s %s %s\n", e->family, e->table, e->name);
		break;
	case HOSTREC_SYSCTL:
		n = snprintf(out, len, "sysctl %s\n", e->name);
		break;
	case HOSTREC_NETNS:
		if (e->id)
			n = snprintf(out, len, "netns %s %llu\n", e->name, e->id);
		else
			n = snprintf(out, len, "netns %s\n", e->name);
		break;
	}
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* Splits line (modified in place) at single spaces into at most WORDS_MAX
 * words; -1 for empty words or too many. */
static int split(char *line, char **w)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *sp = strchr(p, ' ');

		if (n == WORDS_MAX || !*p)
			return -1;
		w[n++] = p;
		if (!sp)
			return n;
		*sp = '\0';
		p = sp + 1;
	}
}

static int copy_word(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s || strlen(s) > 20)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (unsigned long long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	*out = v;
	return 0;
}

/* The entry of words w[0..n-1] (kind word first): 0 or -1. */
static int parse_entry(char **w, int n, struct hostrec_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (!strcmp(w[0], "link") && (n == 2 || n == 3)) {
		e->kind = HOSTREC_LINK;
		if (copy_word(e->name, sizeof(e->name), w[1]) < 0 ||
		    (n == 3 && (copy_word(e->mac, sizeof(e->mac), w[2]) < 0 || !e->mac[0])))
			return -1;
	} else if (!strcmp(w[0], "nft-table") && n == 3) {
		e->kind = HOSTREC_NFT_TABLE;
		if (copy_word(e->family, sizeof(e->family), w[1]) < 0 ||
		    copy_word(e->table, sizeof(e->table), w[2]) < 0)
			return -1;
	} else if (!strcmp(w[0], "nft-chain") && n == 4) {
		e->kind = HOSTREC_NFT_CHAIN;
		if (copy_word(e->family, sizeof(e->family), w[1]) < 0 ||
		    copy_word(e->table, sizeof(e->table), w[2]) < 0 ||
		    copy_word(e->name, sizeof(e->name), w[3]) < 0)
			return -1;
	} else if (!strcmp(w[0], "sysctl") && n == 2) {
		e->kind = HOSTREC_SYSCTL;
		if (copy_word(e->name, sizeof(e->name), w[1]) < 0)
			return -1;
	} else if (!strcmp(w[0], "netns") && (n == 2 || n == 3)) {
		e->kind = HOSTREC_NETNS;
		if (copy_word(e->name, sizeof(e->name), w[1]) < 0 ||
		    (n == 3 && (parse_num(w[2], ~0ULL, &e->id) < 0 || e->id == 0)))
			return -1;
	} else {
		return -1;
	}
	return entry_valid(e) ? 0 : -1;
}

static int same_entry(const struct hostrec_entry *a, const struct hostrec_entry *b)
{
	return a->kind == b->kind && !strcmp(a->family, b->family) &&
	       !strcmp(a->table, b->table) && !strcmp(a->name, b->name) &&
	       !strcmp(a->mac, b->mac) && a->id == b->id;
}

/* One line (NUL-terminated, no '\n') into r; lineno counts from 1. */
static int parse_line(char *line, unsigned lineno, struct hostrec *r)
{
	char *w[WORDS_MAX];
	unsigned long long v;
	int n;

	if (lineno == 1)
		return strcmp(line, HOSTREC_MAGIC) ? -1 : 0;
	if (r->complete)
		return -1; /* nothing may follow "complete" */
	n = split(line, w);
	if (n < 1)
		return -1;
	if (!strcmp(w[0], "complete") && n == 1) {
		r->complete = 1;
		return 0;
	}
	if (!strcmp(w[0], "owner") && n == 3) {
		if (lineno != 2 || parse_num(w[1], 0x7fffffff, &v) < 0 || v == 0)
			return -1;
		r->owner_pid = (long)v;
		return parse_num(w[2], ~0ULL, &r->owner_start);
	}
	if (!strcmp(w[0], "forget") && n >= 2) {
		struct hostrec_entry e;

		if (parse_entry(w + 1, n - 1, &e) < 0)
			return -1;
		for (size_t i = r->n; i-- > 0;)
			if (same_entry(&r->e[i], &e)) {
				memmove(&r->e[i], &r->e[i + 1], (r->n - i - 1) * sizeof(e));
				r->n--;
				return 0;
			}
		return -1; /* forgets nothing */
	}
	if (r->n == HOSTREC_MAX_ENTRIES)
		return -1;
	if (parse_entry(w, n, &r->e[r->n]) < 0)
		return -1;
	r->n++;
	return 0;
}

int hostrec_parse(const char *text, size_t len, struct hostrec *out)
{
	char line[LINE_MAX_LEN + 1];
	unsigned lineno = 0;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (len > HOSTREC_MAX_BYTES)
		return vmc_error_set(VMC_EPROTO, "host record: larger than %d bytes",
				     HOSTREC_MAX_BYTES);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n;

		lineno++;
		/* a torn last line: the crash came while writing it, before
		 * the object it names was made */
		if (!nl)
			break;
		n = (size_t)(nl - (text + pos));
		if (n > LINE_MAX_LEN || memchr(text + pos, '\0', n))
			return vmc_error_set(VMC_EPROTO, "host record: line %u is malformed", lineno);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (parse_line(line, lineno, out) < 0)
			return vmc_error_set(VMC_EPROTO, "host record: line %u is malformed", lineno);
		pos += n + 1;
	}
	if (lineno < 2 || out->owner_pid == 0)
		return vmc_error_set(VMC_EPROTO, "host record: no owner line");
	return 0;
}

int hostrec_append(const char *dir, const char *line)
{
	char *path = fs_join(dir, HOSTREC_FILE);
	size_t len = strlen(line);
	int fd, rc = 0;

	if (!path)
		return vmc_error_oom();
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot open '%s'", path);
		goto out;
	}
	if (write(fd, line, len) != (ssize_t)len || fsync(fd) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot write '%s'", path);
	close(fd);
out:
	free(path);
	return rc;
}

int hostrec_read(const char *dir, struct hostrec *out)
{
	char *path = fs_join(dir, HOSTREC_FILE), *text = NULL;
	size_t len = 0;
	int rc;

	if (!path)
		return vmc_error_oom();
	rc = fs_read_file(path, HOSTREC_MAX_BYTES, &text, &len);
	if (rc == 0)
		rc = hostrec_parse(text, len, out);
	free(text);
	free(path);
	return rc;
}
