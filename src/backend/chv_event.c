/*
 * chv_event.c - splits and parses Cloud Hypervisor's event-monitor stream
 * (see chv_event.h). Scanning is incremental: each byte is looked at once,
 * the scanner state (depth, in a string, after a backslash) survives
 * between feeds, and a complete object is parsed with jansson and dropped
 * from the buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/chv_event.h"
#include "core/error.h"

void chv_event_reader_init(struct chv_event_reader *r, chv_event_cb cb, void *payload)
{
	memset(r, 0, sizeof(*r));
	r->cb = cb;
	r->payload = payload;
}

void chv_event_reader_fini(struct chv_event_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = r->scan = 0;
}

static int reader_die(struct chv_event_reader *r, int rc)
{
	r->dead = rc;
	return rc;
}

static int deliver(struct chv_event_reader *r, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *source, *event;
	json_t *props;

	if (!json_is_object(j)) {
		json_decref(j);
		return reader_die(r, vmc_error_set(VMC_EPROTO, "event monitor: bad JSON: %s",
						   jerr.text));
	}
	source = json_string_value(json_object_get(j, "source"));
	event = json_string_value(json_object_get(j, "event"));
	props = json_object_get(j, "properties");
	if (!source || !event) {
		json_decref(j);
		return reader_die(r, vmc_error_set(VMC_EPROTO,
						   "event monitor: an event without source or event"));
	}
	if (!json_is_object(props))
		props = NULL;
	if (r->cb)
		r->cb(source, event, props, r->payload);
	json_decref(j);
	return 0;
}

/* Scans from r->scan, delivers complete objects, then drops what is done
 * (one memmove per feed). */
static int scan(struct chv_event_reader *r)
{
	size_t i = r->scan, start = 0;
	int rc = 0;

	while (i < r->len && rc == 0) {
		char c = r->buf[i];

		if (r->depth == 0) {
			if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
				start = ++i; /* whitespace between objects */
				continue;
			}
			if (c != '{')
				return reader_die(r, vmc_error_set(VMC_EPROTO,
					"event monitor: unexpected byte 0x%02x outside an event",
					(unsigned char)c));
			r->depth = 1;
			start = i++;
			continue;
		}
		if (r->in_string) {
			if (r->escape)
				r->escape = 0;
			else if (c == '\\')
				r->escape = 1;
			else if (c == '"')
				r->in_string = 0;
		} else if (c == '"') {
			r->in_string = 1;
		} else if (c == '{' || c == '[') {
			if (++r->depth > 64)
				return reader_die(r, vmc_error_set(VMC_EPROTO,
								   "event monitor: nesting too deep"));
		} else if (c == '}' || c == ']') {
			if (--r->depth == 0) {
				rc = deliver(r, r->buf + start, i + 1 - start);
				start = i + 1;
			}
		}
		i++;
	}
	if (rc < 0)
		return rc;
	memmove(r->buf, r->buf + start, r->len - start);
	r->len -= start;
	r->scan = i - start;
	if (r->len > CHV_EVENT_MAX)
		return reader_die(r, vmc_error_set(VMC_EPROTO, "event monitor: event over %d bytes",
						   CHV_EVENT_MAX));
	return 0;
}

int chv_event_feed(struct chv_event_reader *r, const void *data, size_t len)
{
	const char *p = data;

	if (r->dead)
		return r->dead;
	while (len > 0) {
		/* feed at most what keeps the buffer within one event + slack */
		size_t room = CHV_EVENT_MAX + 1 - r->len;
		size_t n = len < room ? len : room;

		if (r->len + n > r->cap) {
			size_t cap = CHV_EVENT_MAX + 1;
			char *b = realloc(r->buf, cap);
			if (!b)
				return reader_die(r, vmc_error_oom());
			r->buf = b;
			r->cap = cap;
		}
		memcpy(r->buf + r->len, p, n);
		r->len += n;
		p += n;
		len -= n;
		int rc = scan(r);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int chv_event_map(const char *source, const char *event)
{
	if (!strcmp(source, "vm")) {
		if (!strcmp(event, "paused"))
			return BACKEND_EV_PAUSED;
		if (!strcmp(event, "resumed"))
			return BACKEND_EV_RESUMED;
		if (!strcmp(event, "shutdown"))
			return BACKEND_EV_SHUTDOWN;
		if (!strcmp(event, "rebooting"))
			return BACKEND_EV_RESET;
	} else if (!strcmp(source, "vmm")) {
		if (!strcmp(event, "shutdown"))
			return BACKEND_EV_SHUTDOWN;
	} else if (!strcmp(source, "guest")) {
		if (!strcmp(event, "panic"))
			return BACKEND_EV_PANICKED;
	}
	return -1;
}
