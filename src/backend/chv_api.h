/*
 * chv_api.h - a client for Cloud Hypervisor's REST API (HTTP/1.1 over the
 * AF_UNIX socket given with --api-socket). One connection per request, as
 * ch-remote does: CH serves at most 10 connections and executes requests
 * one at a time, so a held connection buys nothing and a fresh one never
 * inherits a half-read response. Requests are synchronous with a deadline.
 * Success is any 2xx; an error response becomes a vmc error whose message
 * is CH's error chain (a JSON array of strings), micro_http's
 * {"error": "..."} or the body's printable text. Not thread-safe.
 */
#ifndef VMC_BACKEND_CHV_API_H
#define VMC_BACKEND_CHV_API_H

#include <stddef.h>

#define CHV_API_FDS_MAX 16
#define CHV_API_STATE_MAX 16

struct chv_client;

/* A client for the socket at `socket_path` (nothing is connected yet).
 * VMC_ENOMEM. */
int chv_client_new(struct chv_client **out, const char *socket_path);
void chv_client_free(struct chv_client *c);

/* Sends METHOD /api/v1/ENDPOINT with `body` (JSON text or NULL for none)
 * and `fds` as SCM_RIGHTS on the first bytes (n_fds <= CHV_API_FDS_MAX,
 * the fds stay the caller's), waits for the response within timeout_ms
 * (< 0: no limit). On a 2xx returns 0 and, if resp_body is not NULL, the
 * body (malloc'd, NUL-terminated, NULL when empty) in *resp_body; on
 * another status: VMC_ENOTFOUND (404), VMC_EINVAL (400, 409), VMC_EBUSY
 * (429, 503) or VMC_ERROR, with CH's message. VMC_ENOTFOUND also when
 * nothing listens on the socket; VMC_ETIMEOUT; VMC_EIO (connection failed
 * or closed mid-response); VMC_EPROTO (not HTTP); VMC_ENOMEM. *status (if
 * not NULL) gets the HTTP status, 0 when none arrived. */
int chv_client_request(struct chv_client *c, const char *method, const char *endpoint,
		       const char *body, const int *fds, size_t n_fds, int timeout_ms,
		       int *status, char **resp_body);

/* GET vmm.ping: *version (may be NULL) gets "build_version" or "version",
 * malloc'd. */
int chv_api_vmm_ping(struct chv_client *c, int timeout_ms, char **version);
/* GET vm.info: the VM's "state" ("Created", "Running", "Paused",
 * "Shutdown", "BreakPoint"). VMC_EPROTO for a body without one. */
int chv_api_vm_info(struct chv_client *c, int timeout_ms, char state[CHV_API_STATE_MAX]);
/* The bodyless PUT actions. */
int chv_api_vm_power_button(struct chv_client *c, int timeout_ms);
int chv_api_vm_shutdown(struct chv_client *c, int timeout_ms);
int chv_api_vm_reboot(struct chv_client *c, int timeout_ms);
int chv_api_vm_pause(struct chv_client *c, int timeout_ms);
int chv_api_vm_resume(struct chv_client *c, int timeout_ms);
int chv_api_vmm_shutdown(struct chv_client *c, int timeout_ms);
/* PUT vm.snapshot {"destination_url": "file://DIR"}: DIR must be an
 * absolute path to an existing directory; the VM must be paused. */
int chv_api_vm_snapshot(struct chv_client *c, const char *dir, int timeout_ms);
/* PUT vm.restore {"source_url": "file://DIR", "resume": resume}. */
int chv_api_vm_restore(struct chv_client *c, const char *dir, int resume, int timeout_ms);
/* The same with the NICs' TAP fds: "net_fds": [{"id": net_ids[i],
 * "num_fds": num_fds[i]}...] for the n NICs, and all their fds (the sum
 * of num_fds, NIC by NIC) as SCM_RIGHTS. */
int chv_api_vm_restore_net(struct chv_client *c, const char *dir, int resume,
			   const char *const *net_ids, const unsigned int *num_fds, size_t n,
			   const int *fds, int timeout_ms);

/* PUT vm.resize {"desired_vcpus": vcpus, "desired_ram": ram_bytes}; a 0
 * leaves that member out. */
int chv_api_vm_resize(struct chv_client *c, unsigned int vcpus, unsigned long long ram_bytes,
		      int timeout_ms);
/* PUT vm.add-disk {"path", "readonly", "image_type": "Raw" | "Qcow2"}; the
 * new device's id (from the 200 body; "" on a cold add's 204) into
 * id[id_len]. */
int chv_api_vm_add_disk(struct chv_client *c, const char *path, int qcow2, int read_only,
			char *id, size_t id_len, int timeout_ms);
/* PUT vm.add-net {"mac", "num_queues": 2 * n_fds} with the TAP fds as
 * SCM_RIGHTS; the device id as for add-disk. */
int chv_api_vm_add_net(struct chv_client *c, const int *fds, size_t n_fds, const char *mac,
		       char *id, size_t id_len, int timeout_ms);
/* PUT vm.remove-device {"id": id}. VMC_ENOTFOUND for an unknown id. */
int chv_api_vm_remove_device(struct chv_client *c, const char *id, int timeout_ms);

#endif
