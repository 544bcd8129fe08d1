/*
 * output.h - how the `vmc` CLI shows states: JSON objects (jansson) with
 * lower-case state words, human durations and timestamps, and printing a
 * JSON value as one line (or indented) on stdout.
 */
#ifndef VMC_CLI_OUTPUT_H
#define VMC_CLI_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <vmc.h>

/* A JSON string of s; bytes that are not valid UTF-8 become '?'. Never
 * NULL unless out of memory. */
json_t *output_json_string(const char *s);

/* Adds the fields of a state to obj: "state" (lower-case word), "reason",
 * "ip" (array), "exit_code" (null unless known), "signal", "pid",
 * "boot_ms" (null until READY), "since_ms" and "since" (RFC 3339 UTC).
 * Returns 0 or -1 when out of memory. */
int output_state_fields(json_t *obj, const vmc_state *st);

/* {"namespace": ns, "name": name} plus the state fields (st may be NULL).
 * NULL when out of memory. */
json_t *output_vm_object(const char *ns, const char *name, const vmc_state *st);

/* Same, from a qualified "ns/name" or plain name. */
json_t *output_vm_object_q(const char *qualified, const vmc_state *st);

/* Prints v and a newline to stdout (indented when `pretty`) and releases
 * it. Returns 0 or -1 (v NULL or write failed). */
int output_json_print(json_t *v, int pretty);

/* "45s", "3m12s", "2h05m", "4d03h"; negative ms is treated as 0. */
void output_duration(char *buf, size_t size, int64_t ms);

/* RFC 3339 UTC with milliseconds: "2026-11-27T17:34:29.123Z"; "" for 0. */
void output_timestamp(char *buf, size_t size, int64_t epoch_ms);

/* The first address of a state, or "-". */
const char *output_first_ip(const vmc_state *st);

/* One human line describing a state: "ready (ip 10.0.2.15)",
 * "stopped (exit 0)", "failed: guest panicked". */
void output_state_line(char *buf, size_t size, const vmc_state *st);

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t output_now_ms(void);

#endif /* VMC_CLI_OUTPUT_H */
