/*
 * state.h - the VM state machine and the JSON form of vmc_state (the shim's
 * state.json, the control-socket replies, `vmc inspect --json`). The shim
 * is the only writer of a VM's state; it asks state_transition_valid()
 * before every change. Everyone else reads states through state_from_json(),
 * which treats its input as untrusted.
 */
#ifndef VMC_CORE_STATE_H
#define VMC_CORE_STATE_H

#include <jansson.h>

#include "vmc.h"

/* 1 if the machine may go from `from` to `to`, else 0. The edges are:
 * CREATED->STARTING->RUNNING->READY; RUNNING/READY->PAUSED; STARTING->PAUSED
 * (restored from a snapshot of a paused VM); READY->RUNNING (rebooted in
 * place); PAUSED->RUNNING or READY (the caller resumes into the state it
 * paused from);
 * RUNNING/READY/PAUSED->STOPPING; every non-final state -> STOPPED or
 * FAILED. STOPPED and FAILED are final; X->X is not a transition. */
int state_transition_valid(vmc_state_kind from, vmc_state_kind to);

/* Zeroes *s and sets kind, exit_code -1, boot_ms -1, since_ms now. */
void state_init(vmc_state *s, vmc_state_kind kind);

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t state_now_ms(void);

/* {"state":"ready","reason":"","ip":["10.0.2.15"],"exit_code":-1,"signal":0,
 *  "since_ms":...,"pid":...,"boot_ms":...}; NULL on allocation failure
 * (error set). The caller owns the result (json_decref). */
json_t *state_to_json(const vmc_state *s);

/* Parses and validates the object above into *out (all keys required,
 * unknown keys rejected). *out is untouched on failure. Returns 0 or
 * VMC_EPROTO with a message naming the key. */
int state_from_json(const json_t *obj, vmc_state *out);

#endif
