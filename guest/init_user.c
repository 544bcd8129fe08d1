/*
 * init_user.c - resolves the workload's user (vmc.user=USER[:GROUP]) to
 * numeric ids the way container runtimes do: numbers are taken as they
 * are, names are looked up in the image's /etc/passwd and /etc/group
 * (given here as bytes: reading the files is init_root.c's job), the
 * primary group and home come from the passwd entry when there is one,
 * and the supplementary groups are the /etc/group entries listing the
 * user. The files come from the image, so they are untrusted: the parser
 * is pure (no syscalls, no allocation), bounded, and fuzzed
 * (tests/fuzz/init_user_fuzzer.c).
 */
#include "init_user.h"

#include <stdio.h>
#include <string.h>

#define FIELDS_MAX 8

/* Strict decimal id below 2^32 - 1 ((uid_t)-1 means "no change"). */
static int parse_id(const char *s, size_t n, unsigned int *out)
{
	unsigned long long v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v >= 0xffffffffULL)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* Splits one line (no newline) at ':' into at most FIELDS_MAX fields. */
static size_t split_fields(const char *line, size_t len, const char **f, size_t *flen)
{
	size_t n = 0, start = 0, i;

	for (i = 0; i <= len && n < FIELDS_MAX; i++) {
		if (i == len || line[i] == ':') {
			f[n] = line + start;
			flen[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

static int field_is(const char *f, size_t n, const char *s, size_t slen)
{
	return n == slen && memcmp(f, s, n) == 0;
}

/* Calls fn on every line of buf; stops when fn returns non-zero. */
static int each_line(const char *buf, size_t len,
		     int (*fn)(const char **f, const size_t *flen, size_t nf, void *arg), void *arg)
{
	size_t pos = 0;

	while (buf && pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - line) : len - pos;
		const char *f[FIELDS_MAX];
		size_t flen[FIELDS_MAX], nf;
		int rc;

		pos += l + 1;
		if (l == 0 || line[0] == '#')
			continue;
		nf = split_fields(line, l, f, flen);
		rc = fn(f, flen, nf, arg);
		if (rc)
			return rc;
	}
	return 0;
}

struct pw_find {
	const char *name;          /* by name, or ... */
	size_t name_len;
	unsigned int uid;          /* ... by uid when name is NULL */
	struct init_ids *ids;
	char user_name[INIT_USER_MAX];
};

static int pw_match(const char **f, const size_t *flen, size_t nf, void *arg)
{
	struct pw_find *p = arg;
	unsigned int uid, gid;

	/* name:passwd:uid:gid:gecos:home:shell */
	if (nf < 7 || parse_id(f[2], flen[2], &uid) < 0 || parse_id(f[3], flen[3], &gid) < 0)
		return 0;
	if (p->name ? !field_is(f[0], flen[0], p->name, p->name_len) : uid != p->uid)
		return 0;
	p->ids->uid = uid;
	p->ids->gid = gid;
	if (flen[5] > 0 && flen[5] < sizeof(p->ids->home) && f[5][0] == '/') {
		memcpy(p->ids->home, f[5], flen[5]);
		p->ids->home[flen[5]] = '\0';
	}
	if (flen[0] < sizeof(p->user_name)) {
		memcpy(p->user_name, f[0], flen[0]);
		p->user_name[flen[0]] = '\0';
	}
	return 1;
}

struct gr_find {
	const char *name;          /* group by name, or ... */
	size_t name_len;
	const char *member;        /* ... groups listing this user */
	unsigned int gid;
	struct init_ids *ids;
};

static int gr_by_name(const char **f, const size_t *flen, size_t nf, void *arg)
{
	struct gr_find *g = arg;

	/* name:passwd:gid:members */
	if (nf < 3 || !field_is(f[0], flen[0], g->name, g->name_len))
		return 0;
	return parse_id(f[2], flen[2], &g->gid) == 0 ? 1 : 0;
}

static int gr_member(const char **f, const size_t *flen, size_t nf, void *arg)
{
	struct gr_find *g = arg;
	size_t mlen = strlen(g->member), start = 0, i;
	unsigned int gid;

	if (nf < 4 || parse_id(f[2], flen[2], &gid) < 0)
		return 0;
	for (i = 0; i <= flen[3]; i++) {
		if (i < flen[3] && f[3][i] != ',')
			continue;
		if (field_is(f[3] + start, i - start, g->member, mlen)) {
			size_t k;

			for (k = 0; k < g->ids->n_groups && g->ids->groups[k] != gid; k++)
				;
			if (k == g->ids->n_groups && g->ids->n_groups < INIT_GROUPS_MAX)
				g->ids->groups[g->ids->n_groups++] = gid;
			break;
		}
		start = i + 1;
	}
	return 0;
}

int init_user_resolve(const char *spec, const char *passwd, size_t passwd_len,
		      const char *group, size_t group_len, struct init_ids *out, char *err,
		      size_t errlen)
{
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	struct pw_find pw = { .ids = out };
	unsigned int id;

	memset(out, 0, sizeof(*out));
	memcpy(out->home, "/", 2);
	if (ulen == 0 || (colon && colon[1] == '\0')) {
		snprintf(err, errlen, "user '%.64s': expected USER[:GROUP]", spec);
		return -1;
	}
	if (parse_id(spec, ulen, &id) == 0) {
		pw.uid = id;
		out->uid = id;
		out->gid = 0;  /* unless the passwd entry of this uid says otherwise */
		each_line(passwd, passwd_len, pw_match, &pw);
		out->uid = id;
	} else {
		pw.name = spec;
		pw.name_len = ulen;
		if (!each_line(passwd, passwd_len, pw_match, &pw)) {
			snprintf(err, errlen, "user '%.*s' not found in the image's /etc/passwd",
				 (int)(ulen > 64 ? 64 : ulen), spec);
			return -1;
		}
	}
	if (colon) {
		const char *gs = colon + 1;
		struct gr_find g = { .name = gs, .name_len = strlen(gs) };

		if (parse_id(gs, g.name_len, &id) == 0) {
			out->gid = id;
		} else if (each_line(group, group_len, gr_by_name, &g)) {
			out->gid = g.gid;
		} else {
			snprintf(err, errlen, "group '%.64s' not found in the image's /etc/group", gs);
			return -1;
		}
	}
	out->groups[0] = out->gid;
	out->n_groups = 1;
	if (pw.user_name[0]) {
		struct gr_find g = { .member = pw.user_name, .ids = out };

		each_line(group, group_len, gr_member, &g);
	}
	return 0;
}
