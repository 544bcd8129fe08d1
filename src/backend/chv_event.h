/*
 * chv_event.h - the reader of Cloud Hypervisor's --event-monitor stream.
 * CH writes each event as a pretty-printed (multi-line) JSON object
 * followed by a blank line: {"timestamp": {"secs", "nanos"}, "source",
 * "event", "properties": null | {string: string}}. The reader splits the
 * byte stream into top-level objects by brace depth, with strings and
 * escapes understood (so a brace inside a value cannot cut an object),
 * whether objects are separated by blank lines, single newlines or
 * nothing, and hands each parsed object's source and event to a callback.
 * Bytes outside objects other than whitespace, an object larger than
 * CHV_EVENT_MAX or one that is not valid JSON are VMC_EPROTO; after that
 * the reader is dead and returns the same code.
 */
#ifndef VMC_BACKEND_CHV_EVENT_H
#define VMC_BACKEND_CHV_EVENT_H

#include <stddef.h>
#include <jansson.h>

#define CHV_EVENT_MAX (64 * 1024)

/* source ("vm", "vmm", "guest", "virtio-device", ...), event ("paused",
 * "shutdown", ...) and properties (an object or NULL), borrowed for the
 * call. */
typedef void (*chv_event_cb)(const char *source, const char *event, json_t *properties,
			     void *payload);

struct chv_event_reader {
	char *buf;
	size_t len, cap;
	size_t scan;        /* bytes of buf already scanned */
	int depth, in_string, escape;
	int dead;           /* 0 or the error code returned from then on */
	chv_event_cb cb;
	void *payload;
};

void chv_event_reader_init(struct chv_event_reader *r, chv_event_cb cb, void *payload);
void chv_event_reader_fini(struct chv_event_reader *r);
/* Feeds bytes; calls cb for every complete object. 0, VMC_EPROTO or
 * VMC_ENOMEM. */
int chv_event_feed(struct chv_event_reader *r, const void *data, size_t len);

/* The backend event an event-monitor event means, or -1 for none:
 * vm paused -> PAUSED, vm resumed -> RESUMED, vm shutdown / vmm shutdown
 * -> SHUTDOWN, vm rebooting -> RESET, guest panic -> PANICKED. */
int chv_event_map(const char *source, const char *event);

#endif
