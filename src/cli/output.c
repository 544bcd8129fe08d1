/*
 * output.c - the CLI's rendering of VM states, as JSON for scripts and as
 * short text for people.
 *
 * Every command that shows a state builds it here, so `ls --json`,
 * `wait --json`, `run -d --json` and `inspect --json` agree on field names:
 * "state" is vmc_state_name()'s lower-case word, unknown numbers are null
 * rather than a guess (-1 exit code, boot time before READY). Strings that
 * came from a guest (reason, addresses) are forced to valid UTF-8 so jansson
 * never refuses them. Time is shown as an age ("3m12s") for people and as
 * RFC 3339 UTC plus raw milliseconds in JSON.
 */
#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"

json_t *output_json_string(const char *s)
{
	json_t *j;
	char *copy;
	size_t i, len;

	j = json_string(s ? s : "");
	if (j)
		return j;
	/* Not UTF-8: keep ASCII, replace every other byte. */
	len = strlen(s);
	copy = malloc(len + 1);
	if (!copy)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		copy[i] = c < 0x80 ? (char)c : '?';
	}
	copy[len] = '\0';
	j = json_string(copy);
	free(copy);
	return j;
}

/* Adds key -> v, taking ownership of v; -1 when v is NULL or on failure. */
static int set_new(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(obj, key, v) == 0 ? 0 : -1;
}

int output_state_fields(json_t *obj, const vmc_state *st)
{
	char ts[64];
	json_t *ips;
	int i;

	if (set_new(obj, "state", json_string(vmc_state_name(st->kind))) < 0)
		return -1;
	if (set_new(obj, "reason", output_json_string(st->reason)) < 0)
		return -1;
	ips = json_array();
	if (!ips)
		return -1;
	for (i = 0; i < VMC_STATE_IP_MAX; i++) {
		if (st->ip[i][0] && json_array_append_new(ips, output_json_string(st->ip[i])) < 0) {
			json_decref(ips);
			return -1;
		}
	}
	if (set_new(obj, "ip", ips) < 0)
		return -1;
	if (set_new(obj, "exit_code",
		    st->exit_code >= 0 ? json_integer(st->exit_code) : json_null()) < 0)
		return -1;
	if (set_new(obj, "signal", json_integer(st->signal)) < 0)
		return -1;
	if (set_new(obj, "pid", json_integer(st->pid)) < 0)
		return -1;
	if (set_new(obj, "boot_ms", st->boot_ms >= 0 ? json_integer(st->boot_ms) : json_null()) <
	    0)
		return -1;
	if (set_new(obj, "since_ms", json_integer(st->since_ms)) < 0)
		return -1;
	output_timestamp(ts, sizeof(ts), st->since_ms);
	if (set_new(obj, "since", ts[0] ? json_string(ts) : json_null()) < 0)
		return -1;
	return 0;
}

json_t *output_vm_object(const char *ns, const char *name, const vmc_state *st)
{
	json_t *obj = json_object();

	if (!obj)
		return NULL;
	if (set_new(obj, "name", output_json_string(name)) < 0)
		goto fail;
	if (set_new(obj, "namespace", output_json_string(ns)) < 0)
		goto fail;
	if (st && output_state_fields(obj, st) < 0)
		goto fail;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

json_t *output_vm_object_q(const char *qualified, const vmc_state *st)
{
	char ns[VMC_NAME_MAX + 1], name[VMC_NAME_MAX + 1];

	if (cli_split_name(qualified, ns, sizeof(ns), name, sizeof(name)) < 0)
		return NULL;
	return output_vm_object(ns, name, st);
}

int output_json_print(json_t *v, int pretty)
{
	int rc;

	if (!v)
		return -1;
	rc = json_dumpf(v, stdout, pretty ? JSON_INDENT(2) : JSON_COMPACT);
	json_decref(v);
	if (rc < 0 || fputc('\n', stdout) == EOF)
		return -1;
	return 0;
}

void output_duration(char *buf, size_t size, int64_t ms)
{
	int64_t s = ms > 0 ? ms / 1000 : 0;

	if (s < 60)
		snprintf(buf, size, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, size, "%lldh%02lldm", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else
		snprintf(buf, size, "%lldd%02lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
}

void output_timestamp(char *buf, size_t size, int64_t epoch_ms)
{
	struct tm tm;
	time_t t;
	char date[40];

	if (size)
		buf[0] = '\0';
	if (epoch_ms <= 0)
		return;
	t = (time_t)(epoch_ms / 1000);
	if (!gmtime_r(&t, &tm))
		return;
	if (strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return;
	snprintf(buf, size, "%s.%03dZ", date, (int)(epoch_ms % 1000));
}

const char *output_first_ip(const vmc_state *st)
{
	return st->ip[0][0] ? st->ip[0] : "-";
}

void output_state_line(char *buf, size_t size, const vmc_state *st)
{
	const char *word = vmc_state_name(st->kind);

	switch (st->kind) {
	case VMC_STATE_READY:
		if (st->ip[0][0])
			snprintf(buf, size, "%s (ip %s)", word, st->ip[0]);
		else
			snprintf(buf, size, "%s", word);
		break;
	case VMC_STATE_STOPPED:
		if (st->exit_code >= 0 && st->reason[0])
			snprintf(buf, size, "%s (exit %d, %s)", word, st->exit_code, st->reason);
		else if (st->exit_code >= 0)
			snprintf(buf, size, "%s (exit %d)", word, st->exit_code);
		else if (st->reason[0])
			snprintf(buf, size, "%s (%s)", word, st->reason);
		else
			snprintf(buf, size, "%s", word);
		break;
	case VMC_STATE_FAILED:
		if (st->reason[0])
			snprintf(buf, size, "%s: %s", word, st->reason);
		else
			snprintf(buf, size, "%s", word);
		break;
	default:
		snprintf(buf, size, "%s", word);
		break;
	}
}

int64_t output_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
