/*
 * ready.c - the ready protocol parser (see ready.h for the protocol): a
 * pure line parser and a streaming scanner that splits console bytes into
 * bounded lines. It owns no fd and allocates nothing; the console bytes are
 * the guest's and hostile, so every token is checked exactly and anything
 * unexpected makes the line not count.
 */
#include <arpa/inet.h>
#include <string.h>

#include "core/ready.h"

static const char ready_panic_marker[] = "Kernel panic - not syncing";

/* A view of part of the line. */
struct ready_span {
	const char *p;
	size_t len;
};

static int ready_span_eq(struct ready_span t, const char *lit)
{
	size_t n = strlen(lit);

	return t.len == n && memcmp(t.p, lit, n) == 0;
}

/* Next space-separated token of *rest (runs of spaces are one separator). */
static int ready_next_token(struct ready_span *rest, struct ready_span *tok)
{
	while (rest->len > 0 && rest->p[0] == ' ') {
		rest->p++;
		rest->len--;
	}
	if (rest->len == 0)
		return 0;
	tok->p = rest->p;
	tok->len = 0;
	while (rest->len > 0 && rest->p[0] != ' ') {
		rest->p++;
		rest->len--;
		tok->len++;
	}
	return 1;
}

/* 1 if the token is an IPv4/IPv6 literal; copies it to out[READY_IP_LEN]. */
static int ready_ip(struct ready_span t, char *out)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char tmp[READY_IP_LEN];

	if (t.len == 0 || t.len >= sizeof(tmp))
		return 0;
	memcpy(tmp, t.p, t.len);
	tmp[t.len] = '\0';
	if (inet_pton(AF_INET, tmp, buf) != 1 && inet_pton(AF_INET6, tmp, buf) != 1)
		return 0;
	memcpy(out, tmp, t.len + 1);
	return 1;
}

/* Decimal without sign or leading zeros, in min..max. */
static int ready_uint(struct ready_span t, int min, int max, int *out)
{
	int v = 0;
	size_t i;

	if (t.len == 0 || t.len > 3 || (t.len > 1 && t.p[0] == '0'))
		return 0;
	for (i = 0; i < t.len; i++) {
		if (t.p[i] < '0' || t.p[i] > '9')
			return 0;
		v = v * 10 + (t.p[i] - '0');
	}
	if (v < min || v > max)
		return 0;
	*out = v;
	return 1;
}

/* Splits "key=value" with key [a-z0-9_]+ and value printable, non-empty. */
static int ready_kv(struct ready_span t, struct ready_span *key, struct ready_span *val)
{
	const char *eq = memchr(t.p, '=', t.len);
	size_t i;

	if (!eq || eq == t.p)
		return 0;
	key->p = t.p;
	key->len = (size_t)(eq - t.p);
	val->p = eq + 1;
	val->len = t.len - key->len - 1;
	if (val->len == 0)
		return 0;
	for (i = 0; i < key->len; i++) {
		char c = key->p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	for (i = 0; i < val->len; i++) {
		unsigned char c = (unsigned char)val->p[i];

		if (c <= 0x20 || c >= 0x7f)
			return 0;
	}
	return 1;
}

/* If the line starts with `marker` followed by end or a space, sets *rest
 * to what follows and returns 1. */
static int ready_marker(struct ready_span line, const char *marker, struct ready_span *rest)
{
	size_t n = strlen(marker);

	if (line.len < n || memcmp(line.p, marker, n) != 0)
		return 0;
	if (line.len > n && line.p[n] != ' ')
		return 0;
	rest->p = line.p + n;
	rest->len = line.len - n;
	return 1;
}

static int ready_parse_ready(struct ready_span rest, struct ready_event *out)
{
	struct ready_span tok, key, val;

	while (ready_next_token(&rest, &tok)) {
		char ip[READY_IP_LEN];

		if (!ready_kv(tok, &key, &val))
			return 0;
		if (!ready_span_eq(key, "ip"))
			continue;
		if (!ready_ip(val, ip))
			return 0;
		if (out->n_ip < VMC_STATE_IP_MAX)
			memcpy(out->ip[out->n_ip++], ip, sizeof(ip));
	}
	out->kind = READY_EV_READY;
	return 1;
}

static int ready_uptime_valid(struct ready_span v)
{
	size_t i, dots = 0;

	if (v.len == 0 || v.p[0] == '.' || v.p[v.len - 1] == '.')
		return 0;
	for (i = 0; i < v.len; i++) {
		if (v.p[i] == '.')
			dots++;
		else if (v.p[i] < '0' || v.p[i] > '9')
			return 0;
	}
	return dots <= 1;
}

static int ready_parse_legacy(struct ready_span rest, struct ready_event *out)
{
	struct ready_span tok, extra, key, val;
	int has_uptime;

	if (!ready_next_token(&rest, &tok))
		return 0;
	has_uptime = ready_next_token(&rest, &extra);
	if (ready_next_token(&rest, &val))
		return 0;
	if (tok.len > 3 && memcmp(tok.p, "ip=", 3) == 0) {
		tok.p += 3;
		tok.len -= 3;
	} else if (has_uptime) {
		return 0;
	}
	if (has_uptime && (!ready_kv(extra, &key, &val) || !ready_span_eq(key, "uptime") ||
			   !ready_uptime_valid(val)))
		return 0;
	if (!ready_ip(tok, out->ip[0]))
		return 0;
	out->n_ip = 1;
	out->legacy = 1;
	out->kind = READY_EV_READY;
	return 1;
}

static int ready_parse_exit(struct ready_span rest, struct ready_event *out)
{
	struct ready_span tok, key, val, more;
	int v;

	if (!ready_next_token(&rest, &tok) || ready_next_token(&rest, &more))
		return 0;
	if (!ready_kv(tok, &key, &val))
		return 0;
	if (ready_span_eq(key, "status") && ready_uint(val, 0, 255, &v)) {
		out->exit_status = v;
		out->exit_signal = 0;
	} else if (ready_span_eq(key, "signal") && ready_uint(val, 1, 64, &v)) {
		out->exit_status = -1;
		out->exit_signal = v;
	} else {
		return 0;
	}
	out->kind = READY_EV_EXIT;
	return 1;
}

/* Copies printable ASCII of `t` into out->text (bounded), skipping the
 * leading separators the marker is usually followed by. */
static void ready_keep_text(struct ready_span t, struct ready_event *out)
{
	size_t i, n = 0;

	while (t.len > 0 && (t.p[0] == ' ' || t.p[0] == ':')) {
		t.p++;
		t.len--;
	}
	for (i = 0; i < t.len && n < READY_TEXT_MAX - 1; i++) {
		unsigned char c = (unsigned char)t.p[i];

		if (c >= 0x20 && c < 0x7f)
			out->text[n++] = (char)c;
	}
	out->text[n] = '\0';
}

static const char *ready_find(struct ready_span line, const char *needle)
{
	return memmem(line.p, line.len, needle, strlen(needle));
}

int ready_parse_line(const char *line, size_t len, struct ready_event *out)
{
	struct ready_span l = { line, len }, rest;
	const char *panic;
	size_t i;

	if (!line || !out)
		return 0;
	if (l.len > 0 && l.p[l.len - 1] == '\r')
		l.len--;
	for (i = 0; i < l.len; i++) {
		unsigned char c = (unsigned char)l.p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	memset(out, 0, sizeof(*out));
	out->exit_status = -1;
	if (ready_marker(l, "VMC_READY", &rest))
		return ready_parse_ready(rest, out);
	if (ready_marker(l, "VMRS_READY", &rest))
		return ready_parse_legacy(rest, out);
	if (ready_marker(l, "VMC_EXIT", &rest))
		return ready_parse_exit(rest, out);
	if (ready_marker(l, "VMC_ERROR", &rest)) {
		out->kind = READY_EV_ERROR;
		ready_keep_text(rest, out);
		return 1;
	}
	panic = ready_find(l, ready_panic_marker);
	if (panic) {
		struct ready_span after;

		after.p = panic + strlen(ready_panic_marker);
		after.len = l.len - (size_t)(after.p - l.p);
		out->kind = READY_EV_PANIC;
		ready_keep_text(after, out);
		return 1;
	}
	return 0;
}

void ready_scanner_init(struct ready_scanner *s)
{
	memset(s, 0, sizeof(*s));
}

static size_t ready_end_line(struct ready_scanner *s, ready_cb cb, void *payload)
{
	struct ready_event ev;
	int hit = 0;

	if (!s->discarding)
		hit = ready_parse_line(s->line, s->len, &ev);
	s->len = 0;
	s->discarding = 0;
	if (!hit)
		return 0;
	if (cb)
		cb(&ev, payload);
	return 1;
}

size_t ready_scanner_feed(struct ready_scanner *s, const char *buf, size_t len, ready_cb cb,
			  void *payload)
{
	size_t events = 0;

	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t chunk = nl ? (size_t)(nl - buf) : len;

		if (!s->discarding) {
			if (chunk > sizeof(s->line) - s->len) {
				s->discarding = 1;
				s->len = 0;
			} else {
				memcpy(s->line + s->len, buf, chunk);
				s->len += chunk;
			}
		}
		if (!nl)
			break;
		events += ready_end_line(s, cb, payload);
		buf = nl + 1;
		len -= chunk + 1;
	}
	return events;
}
