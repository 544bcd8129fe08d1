/*
 * qmp.h - a client for the QEMU Machine Protocol, made for vmc-shim's
 * single-threaded epoll loop. QMP is JSON objects separated by newlines
 * (QEMU ends each with "\r\n"): a greeting, then replies ({"return"} or
 * {"error"}, carrying the "id" of their command) and asynchronous events
 * ({"event", "data", "timestamp"}). The client owns one connected stream
 * socket, keeps it non-blocking, buffers partial messages (at most
 * QMP_MSG_MAX bytes per message) and hands events to one callback. Commands
 * are synchronous with a deadline; events arriving while a command waits
 * are dispatched in order. Anything malformed from the peer is VMC_EPROTO,
 * a closed connection VMC_EIO; after either the handle is dead and every
 * call returns that code again. Not thread-safe: one handle, one thread.
 */
#ifndef VMC_BACKEND_QMP_H
#define VMC_BACKEND_QMP_H

#include <jansson.h>
#include "vmc.h"

/* Longest message accepted from QEMU, including its "\r\n". */
#define QMP_MSG_MAX (1024 * 1024)

struct qmp;

/* Called once per event, in arrival order. `name` is the event name
 * ("STOP", "RESUME", "SHUTDOWN", "POWERDOWN", "RESET", "GUEST_PANICKED",
 * ...), `data` its "data" member or NULL; both are borrowed for the call.
 * The callback must not call qmp_free(), qmp_dispatch() or qmp_execute() on
 * the same handle (the latter two return VMC_EINVALSTATE if it does). */
typedef void (*qmp_event_cb)(const char *name, json_t *data, void *payload);

/* Takes ownership of `fd`, a connected stream socket (closed by qmp_free,
 * and also on failure here), makes it non-blocking, reads the greeting and
 * negotiates capabilities (qmp_capabilities, no optional capability) within
 * timeout_ms (< 0: no limit). Returns 0 with *out set, VMC_ETIMEOUT,
 * VMC_EIO (connection closed or failed), VMC_EPROTO (not a QMP peer),
 * VMC_ERROR (qmp_capabilities refused) or VMC_ENOMEM. */
int qmp_open(struct qmp **out, int fd, int timeout_ms);

/* Closes the socket and frees the handle. NULL is a no-op. */
void qmp_free(struct qmp *q);

/* The socket, for poll/epoll (level-triggered: call qmp_dispatch while it
 * is readable). */
int qmp_fd(const struct qmp *q);

/* QEMU's version from the greeting. Any pointer may be NULL. */
void qmp_version(const struct qmp *q, int *major, int *minor, int *micro);

/* Installs (or with cb NULL removes) the event callback. Events that
 * arrived while no callback was installed (e.g. in the same read as the
 * qmp_capabilities reply, inside qmp_open) are kept, up to 16, and
 * delivered to the new callback from this call, in order; further ones
 * are dropped. */
void qmp_set_event_handler(struct qmp *q, qmp_event_cb cb, void *payload);

/* Call when qmp_fd() is readable: reads what is there without blocking
 * and dispatches every complete message (events to the callback; replies
 * to commands nobody waits for any more are dropped). Returns 0, VMC_EIO
 * when the peer closed the connection (also mid-message), VMC_EPROTO on
 * malformed data or an oversized message, VMC_EINVALSTATE from inside the
 * event callback. */
int qmp_dispatch(struct qmp *q);

/* Sends {"execute": cmd, "arguments": args, "id": "vmc-<n>"} and waits up
 * to timeout_ms (< 0: no limit) for the reply with that id, dispatching
 * events that arrive meanwhile. `args` (may be NULL) is borrowed. On
 * {"return": X} returns 0 and, if `result` is not NULL, stores a new
 * reference to X in *result (the caller json_decref()s it). On {"error":
 * {"class", "desc"}} returns VMC_ERROR with the message "qmp <cmd>: <desc>".
 * Also VMC_ETIMEOUT (a late reply is dropped), VMC_EIO, VMC_EPROTO,
 * VMC_EINVAL (bad cmd), VMC_EINVALSTATE (called from the event callback),
 * VMC_ENOMEM. *result is NULL on every failure. */
int qmp_execute(struct qmp *q, const char *cmd, json_t *args, int timeout_ms,
		json_t **result);

/* qmp_execute, with `fd` sent along as SCM_RIGHTS (for getfd / add-fd).
 * The caller keeps its copy of fd. */
int qmp_execute_fd(struct qmp *q, const char *cmd, json_t *args, int fd, int timeout_ms,
		   json_t **result);

/* Waits up to timeout_ms for the socket to become readable and dispatches
 * what arrived (events go to the handler). 0 also on timeout; < 0 as
 * qmp_dispatch. For callers waiting on an event. */
int qmp_wait_dispatch(struct qmp *q, int timeout_ms);

#endif
