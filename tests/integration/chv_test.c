/*
 * chv_test.c - the Cloud Hypervisor backend end to end through the public
 * API: boot to READY, pause/resume (PAUSED, then READY again, and CH's own
 * vm.info agreeing), graceful stop through the ACPI power button, a stop
 * the guest ignores (vm.shutdown + vmm.shutdown after the timeout), kill
 * (the hypervisor and everything under it gone), a VMM-side reboot ending
 * the VM as a guest reset, a vm.shutdown behind vmc's back ending it
 * (CH keeps a "Created" VMM: vmc must not say READY), and the API's error answers (400 for a body on a bodyless
 * action, 404, CH's 500 error chain as the vmc error's message, 503 past
 * ten connections) leaving the VM unharmed; TAP fds passed as SCM_RIGHTS
 * on vm.add-net. Against the double only (it scripts the faults): the VMM
 * dying in the middle of an API call, a VMM wedged on vm.shutdown (the stop
 * ends in SIGKILL within its budget), a restore whose vm.restore or
 * vm.resume fails (FAILED, never running), and a malformed event stream.
 *
 * Each test runs twice: against tests/doubles/fake-cloud-hypervisor (a
 * TEST DOUBLE that serves CH's API and event monitor and runs no guest: its
 * console is a script ending in the ready line; VMC_CHV_DOUBLE), and
 * against a real Cloud Hypervisor when VMC_TEST_CHV=/path/to/cloud-hypervisor
 * is set (it needs a usable /dev/kvm and boots the guest kit's guest);
 * without it that half is skipped and says why.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include <cmocka.h>

#include "backend/chv_api.h"
#include "backend/chv_http.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/unixsock.h"
#include "harness.h"
#include "../persistent_tap.h"
#include "vmc.h"

static struct harness H;

struct target {
	const char *label;
	const char *binary;     /* NULL: skipped */
	char why_not[256];
	vmc_manager *mgr;
};

static struct target double_target = { .label = "test double" };
static struct target real_target = { .label = "real cloud-hypervisor" };

static int setup_target(void **state, struct target *t)
{
	*state = t;
	if (!t->binary || !H.have_guest)
		return 0;
	setenv("VMC_CHV_BINARY", t->binary, 1);
	assert_int_equal(vmc_manager_open(&t->mgr, H.state_dir), 0);
	return 0;
}

static int setup_double(void **state)
{
	return setup_target(state, &double_target);
}

static int setup_real(void **state)
{
	return setup_target(state, &real_target);
}

static char tap_made[IFNAMSIZ]; /* a persistent TAP a test made, removed by teardown */

static int teardown(void **state)
{
	static const char *const names[] = { "basic", "victim", "reboot", "errors", "deaf",
					      "dies", "garbled", "rules", "taps", "snap", "snap2",
					      "snap3", "grow", "tapvm", "tapvm2", "fsvm",
					      "panics", "brvm", "brvm2", "vsockvm", "reboots",
					      "wedged", "rfail", "rfail2", "rfail3", "hangup",
					      "sfail", "lost" };
	struct target *t = *state;

	/* a failed test must not leave its VM running */
	for (size_t i = 0; t->mgr && i < sizeof(names) / sizeof(names[0]); i++) {
		(void)vmc_manager_kill(t->mgr, names[i]);     /* VMC_ENOTFOUND: it was removed */
		(void)vmc_manager_remove(t->mgr, names[i], 1);
	}
	if (t->mgr)
		(void)vmc_network_remove(t->mgr, "chvbr"); /* VMC_ENOTFOUND: not made */
	vmc_manager_free(t->mgr);
	t->mgr = NULL;
	if (tap_made[0]) {
		char why[128];
		(void)persistent_tap(tap_made, 0, why, sizeof(why));
		tap_made[0] = '\0';
	}
	unsetenv("VMC_CHV_BINARY");
	unsetenv("FAKE_CH_FAULT");
	return 0;
}

#define NEED_TARGET(t)                                                         \
	do {                                                                   \
		if (!H.have_guest) {                                           \
			print_message("skipped: %s\n", H.why_not);            \
			skip();                                                \
		}                                                              \
		if (!(t)->binary) {                                            \
			print_message("skipped (%s): %s\n", (t)->label, (t)->why_not); \
			skip();                                                \
		}                                                              \
	} while (0)

/* Faults are scripted by the double (FAKE_CH_FAULT); the real binary has none. */
#define NEED_DOUBLE(t)                                                         \
	do {                                                                   \
		NEED_TARGET(t);                                                \
		if ((t) != &double_target) {                                   \
			print_message("skipped (%s): only the test double can script this "\
				      "fault\n", (t)->label);                      \
			skip();                                                \
		}                                                              \
	} while (0)

static vmc_config *chv_config(const char *name)
{
	vmc_config *cfg = NULL;

	assert_int_equal(vmc_config_new(&cfg, name), 0);
	assert_int_equal(vmc_config_set_kernel(cfg, H.guest_kernel), 0);
	assert_int_equal(vmc_config_set_initramfs(cfg, H.guest_initramfs), 0);
	assert_int_equal(vmc_config_set_backend(cfg, VMC_BACKEND_CHV), 0);
	return cfg;
}

static void boot_ready(struct target *t, const char *name, vmc_state *st)
{
	vmc_config *cfg = chv_config(name);
	int rc = vmc_manager_start(t->mgr, cfg);

	if (rc != 0)
		print_error("start (%s): %s\n", t->label, vmc_error_last());
	assert_int_equal(rc, 0);
	vmc_config_free(cfg);
	rc = vmc_manager_wait(t->mgr, name, VMC_STATE_READY, BOOT_TIMEOUT_MS, st);
	if (rc != 0)
		print_error("wait %s: %s (state %s: %s)\n", name, vmc_error_last(),
			    vmc_state_name(st->kind), st->reason);
	assert_int_equal(rc, 0);
	print_message("%s: boot to READY %lld ms\n", t->label, (long long)st->boot_ms);
}

/* CH's own view, over the API socket the shim bound for it. */
static void api_state(const char *name, char out[CHV_API_STATE_MAX])
{
	struct chv_client *c = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/default/%s/api.sock", H.state_dir, name);
	assert_int_equal(chv_client_new(&c, path), 0);
	assert_int_equal(chv_api_vm_info(c, 5000, out), 0);
	chv_client_free(c);
}

static int api_put(const char *name, const char *endpoint)
{
	struct chv_client *c = NULL;
	char path[512];
	int rc;

	snprintf(path, sizeof(path), "%s/default/%s/api.sock", H.state_dir, name);
	assert_int_equal(chv_client_new(&c, path), 0);
	rc = chv_client_request(c, "PUT", endpoint, NULL, NULL, 0, 5000, NULL, NULL);
	chv_client_free(c);
	return rc;
}

static void api_path(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/default/%s/api.sock", H.state_dir, name);
}

/* PUT endpoint with a body and fds; *resp (may be NULL) gets the body. */
static int api_put_body(const char *name, const char *endpoint, const char *body,
			const int *fds, size_t n_fds, int *status, char **resp)
{
	struct chv_client *c = NULL;
	char path[512];
	int rc;

	api_path(name, path, sizeof(path));
	assert_int_equal(chv_client_new(&c, path), 0);
	rc = chv_client_request(c, "PUT", endpoint, body, fds, n_fds, 5000, status, resp);
	chv_client_free(c);
	return rc;
}

/* GET vm.info, parsed. */
static json_t *api_info(const char *name)
{
	struct chv_client *c = NULL;
	char path[512], *body = NULL;
	json_t *j;

	api_path(name, path, sizeof(path));
	assert_int_equal(chv_client_new(&c, path), 0);
	assert_int_equal(chv_client_request(c, "GET", "vm.info", NULL, NULL, 0, 5000, NULL, &body), 0);
	chv_client_free(c);
	j = json_loads(body, 0, NULL);
	free(body);
	assert_non_null(j);
	return j;
}

/* The VM's vmm.log, as a string to free. */
static char *vmm_log(const char *name)
{
	char path[512], *buf = calloc(1, 65536);
	FILE *f;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/default/%s/vmm.log", H.state_dir, name);
	f = fopen(path, "re");
	if (f) {
		size_t n = fread(buf, 1, 65535, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

static long atoi_safe(const char *s)
{
	return strtol(s, NULL, 10);
}

/* Number of live processes whose parent is `ppid`. */
static int count_children(pid_t ppid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char p[300], buf[512];
		FILE *f;
		long pp = -1;
		char st = '?';

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/stat", e->d_name);
		f = fopen(p, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			char *r = strrchr(buf, ')');
			if (r && sscanf(r + 1, " %c %ld", &st, &pp) == 2 && pp == ppid && st != 'Z')
				n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/* ------------------------------------------------------------ tests */

static void chv__boot_pause_resume_stop(void **state)
{
	struct target *t = *state;
	char api[CHV_API_STATE_MAX];
	vmc_stop_result how;
	vmc_state st;

	NEED_TARGET(t);
	boot_ready(t, "basic", &st);
	assert_string_equal(st.ip[0], ""); /* no NIC */
	assert_true(st.pid > 0);
	api_state("basic", api);
	assert_string_equal(api, "Running");

	assert_int_equal(vmc_manager_pause(t->mgr, "basic"), 0);
	assert_int_equal(vmc_manager_state(t->mgr, "basic", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_PAUSED);
	api_state("basic", api);
	assert_string_equal(api, "Paused");
	assert_int_equal(vmc_manager_pause(t->mgr, "basic"), 0); /* idempotent */
	assert_int_equal(vmc_manager_resume(t->mgr, "basic"), 0);
	assert_int_equal(vmc_manager_state(t->mgr, "basic", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY);
	api_state("basic", api);
	assert_string_equal(api, "Running");
	/* CH refuses a second resume with its error chain */
	assert_int_equal(api_put("basic", "vm.resume"), VMC_ERROR);
	assert_non_null(strstr(vmc_error_last(), "HTTP 500"));

	/* the longest timeout there is: no overflow on the way to the shim */
	assert_int_equal(vmc_manager_stop(t->mgr, "basic", INT_MAX, &how), 0);
	assert_int_equal(how, VMC_STOP_GRACEFUL);
	assert_int_equal(vmc_manager_state(t->mgr, "basic", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_STOPPED);
	assert_int_equal(st.exit_code, 0);
	assert_string_equal(st.reason, "stopped");
	assert_int_equal(vmc_manager_remove(t->mgr, "basic", 1), 0);
}

static void chv__kill_leaves_nothing(void **state)
{
	struct target *t = *state;
	vmc_state st;
	pid_t hv;

	NEED_TARGET(t);
	boot_ready(t, "victim", &st);
	hv = (pid_t)st.pid;
	assert_int_equal(vmc_manager_kill(t->mgr, "victim"), 0);
	assert_int_equal(vmc_manager_state(t->mgr, "victim", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_STOPPED);
	assert_string_equal(st.reason, "killed");
	assert_int_equal(kill(hv, 0), -1);
	/* nothing the hypervisor started (QEMU under the double) survives it */
	for (int i = 0; i < 50 && count_children(hv) > 0; i++)
		harness_pause_ms(100);
	assert_int_equal(count_children(hv), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "victim", 1), 0);
}

static void chv__vmm_reboot_ends_as_guest_reset(void **state)
{
	struct target *t = *state;
	vmc_state st;

	NEED_TARGET(t);
	boot_ready(t, "reboot", &st);
	assert_int_equal(api_put("reboot", "vm.reboot"), 0);
	assert_int_equal(vmc_manager_wait(t->mgr, "reboot", VMC_STATE_STOPPED, 30000, &st), 0);
	assert_int_equal(st.kind, VMC_STATE_STOPPED);
	assert_string_equal(st.reason, "guest reset");
	assert_int_equal(vmc_manager_remove(t->mgr, "reboot", 1), 0);
}

/* One GET vmm.ping on an open connection, left open; the HTTP status. */
static int held_ping(int fd)
{
	static const char req[] = "GET /api/v1/vmm.ping HTTP/1.1\r\nHost: localhost\r\n\r\n";
	struct chv_http_response r;
	char buf[4096];
	size_t len = 0;
	int rc = 0;

	/* A refused connection may be answered (503) and closed before the
	 * request is even written: the send then fails, the answer is still
	 * there to read. */
	(void)send(fd, req, strlen(req), MSG_NOSIGNAL);
	while (rc == 0 && len < sizeof(buf)) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n < 0 && len == 0)
			return 503; /* reset before any answer: refused all the same */
		assert_true(n >= 0);
		len += (size_t)n;
		rc = chv_http_parse(buf, len, n == 0, &r);
	}
	assert_true(rc > 0);
	rc = r.status;
	chv_http_response_clear(&r);
	return rc;
}

static void chv__api_error_paths(void **state)
{
	struct target *t = *state;
	struct chv_client *c = NULL;
	char path[512], *version = NULL;
	int held[11], status = 0;
	vmc_state st;

	NEED_TARGET(t);
	boot_ready(t, "errors", &st);
	snprintf(path, sizeof(path), "%s/default/errors/api.sock", H.state_dir);
	assert_int_equal(chv_client_new(&c, path), 0);
	assert_int_equal(chv_api_vmm_ping(c, 5000, &version), 0);
	print_message("%s: vmm.ping version %s\n", t->label, version);
	free(version);
	/* a body on a bodyless action: 400 */
	assert_int_equal(chv_client_request(c, "PUT", "vm.pause", "{}", NULL, 0, 5000, &status,
					    NULL), VMC_EINVAL);
	assert_int_equal(status, 400);
	/* an unknown endpoint: 404 */
	assert_int_equal(chv_client_request(c, "GET", "vm.nonexistent", NULL, NULL, 0, 5000,
					    &status, NULL), VMC_ENOTFOUND);
	assert_int_equal(status, 404);
	/* snapshot of a running VM: CH's error chain, 500, joined into the
	 * vmc error's message */
	assert_int_equal(chv_api_vm_snapshot(c, H.state_dir, 5000), VMC_ERROR);
	print_message("%s: %s\n", t->label, vmc_error_last());
	assert_non_null(strstr(vmc_error_last(), "HTTP 500: Error from API: "));
	assert_non_null(strstr(vmc_error_last(), "snapshot"));
	/* an unknown device: 404 with CH's message */
	assert_int_equal(chv_client_request(c, "PUT", "vm.remove-device", "{\"id\":\"_nope9\"}",
					    NULL, 0, 5000, &status, NULL), VMC_ENOTFOUND);
	assert_int_equal(status, 404);
	assert_non_null(strstr(vmc_error_last(), "HTTP 404: Error from API: "));
	/* connections kept open (keep-alive, each after one answered ping):
	 * the server takes at most ten, the next gets 503 */
	int n_held = 0, refused = 0;
	while (n_held < 11 && !refused) {
		held[n_held] = -1;
		assert_int_equal(unix_connect(path, &held[n_held]), 0);
		status = held_ping(held[n_held++]);
		refused = status == 503;
		if (!refused)
			assert_int_equal(status, 200);
	}
	print_message("%s: connection %d refused with 503\n", t->label, n_held);
	assert_true(refused);
	for (int i = 0; i < n_held; i++)
		close(held[i]);
	/* served again once they are gone (the server notices the closes) */
	for (int i = 0; i < 50 && chv_api_vmm_ping(c, 5000, NULL) == VMC_EBUSY; i++)
		harness_pause_ms(100);
	assert_int_equal(chv_api_vmm_ping(c, 5000, NULL), 0);
	/* the VM is unharmed by all this */
	assert_int_equal(vmc_manager_state(t->mgr, "errors", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY);
	chv_client_free(c);
	assert_int_equal(vmc_manager_kill(t->mgr, "errors"), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "errors", 1), 0);
}

static void chv__ignored_power_button_quits(void **state)
{
	struct target *t = *state;
	vmc_stop_result how;
	vmc_state st;

	NEED_DOUBLE(t);
	setenv("FAKE_CH_FAULT", "ignore-power-button", 1);
	boot_ready(t, "deaf", &st);
	unsetenv("FAKE_CH_FAULT");
	/* the guest ignores the button: vm.shutdown + vmm.shutdown, CH exits 0 */
	assert_int_equal(vmc_manager_stop(t->mgr, "deaf", 300, &how), 0);
	assert_int_equal(how, VMC_STOP_KILLED);
	assert_int_equal(vmc_manager_state(t->mgr, "deaf", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_STOPPED);
	assert_int_equal(st.signal, 0);
	assert_non_null(strstr(st.reason, "stopped by the hypervisor"));
	assert_int_equal(vmc_manager_remove(t->mgr, "deaf", 1), 0);
}

/* One '\n'-terminated line from fd into buf (bounded), asserting it came. */
static void read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		ssize_t r = recv(fd, buf + n, 1, 0);
		assert_true(r == 1);
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
}

/* Waits until process pid is stopped (SIGSTOP taken). */
static void wait_stopped(pid_t pid)
{
	char p[64], buf[512];

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(p, "re");
		char *r = NULL, st = '?';

		if (f && fgets(buf, sizeof(buf), f) && (r = strrchr(buf, ')')))
			sscanf(r + 1, " %c", &st);
		if (f)
			fclose(f);
		if (st == 'T' || st == 't')
			return;
		harness_pause_ms(5);
	}
	fail_msg("process %d did not stop", (int)pid);
}

static void chv__watchers_hanging_up_mid_broadcast(void **state)
{
	struct target *t = *state;
	char path[512], line[4096];
	json_t *rec;
	int w[8], p = -1;
	pid_t shim;
	vmc_state st;

	NEED_DOUBLE(t);
	boot_ready(t, "hangup", &st);
	snprintf(path, sizeof(path), "%s/default/hangup/state.json", H.state_dir);
	rec = json_load_file(path, 0, NULL);
	assert_non_null(rec);
	shim = (pid_t)json_integer_value(json_object_get(rec, "shim_pid"));
	json_decref(rec);
	assert_true(shim > 0);
	snprintf(path, sizeof(path), "%s/default/hangup/shim.sock", H.state_dir);
	for (int round = 0; round < 4; round++) {
		const char *op = round % 2 ? "{\"op\":\"resume\"}\n" : "{\"op\":\"pause\"}\n";

		/* a requester and eight watchers, all accepted and answered */
		assert_int_equal(unix_connect(path, &p), 0);
		assert_int_equal(send(p, "{\"op\":\"state\"}\n", 15, MSG_NOSIGNAL), 15);
		read_line(p, line, sizeof(line));
		for (int i = 0; i < 8; i++) {
			assert_int_equal(unix_connect(path, &w[i]), 0);
			assert_int_equal(send(w[i], "{\"op\":\"watch\"}\n", 15, MSG_NOSIGNAL), 15);
			read_line(w[i], line, sizeof(line));
		}
		/* one batch for the shim: the request first, then the watchers'
		 * hang-ups, which the request's broadcast meets first */
		assert_int_equal(kill(shim, SIGSTOP), 0);
		wait_stopped(shim);
		assert_int_equal(send(p, op, strlen(op), MSG_NOSIGNAL), (ssize_t)strlen(op));
		for (int i = 0; i < 8; i++)
			close(w[i]);
		assert_int_equal(kill(shim, SIGCONT), 0);
		read_line(p, line, sizeof(line));
		assert_non_null(strstr(line, "\"ok\":true"));
		close(p);
	}
	assert_int_equal(kill(shim, 0), 0);
	assert_int_equal(vmc_manager_state(t->mgr, "hangup", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY);
	assert_int_equal(vmc_manager_stop(t->mgr, "hangup", 10000, NULL), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "hangup", 1), 0);
}

static void chv__reboot_with_lost_events(void **state)
{
	struct target *t = *state;
	vmc_state st;
	int rc;

	NEED_DOUBLE(t);
	setenv("FAKE_CH_FAULT", "drop-events-once-on=vm.reboot", 1);
	boot_ready(t, "lost", &st);
	unsetenv("FAKE_CH_FAULT");
	/* vmc's reboot: its rebooting/rebooted events never arrive */
	assert_int_equal(vmc_manager_reboot(t->mgr, "lost"), 0);
	assert_int_equal(vmc_manager_wait(t->mgr, "lost", VMC_STATE_READY, BOOT_TIMEOUT_MS, &st),
			 0);
	/* past the window, a reset vmc did not ask for ends the VM again */
	harness_pause_ms(5500);
	assert_int_equal(api_put("lost", "vm.reboot"), 0);
	rc = vmc_manager_wait(t->mgr, "lost", VMC_STATE_STOPPED, 10000, &st);
	if (rc != 0)
		print_error("after the second reset: %s (%s)\n", vmc_state_name(st.kind), st.reason);
	assert_int_equal(rc, 0);
	assert_string_equal(st.reason, "guest reset");
	assert_int_equal(vmc_manager_remove(t->mgr, "lost", 1), 0);
}

static void chv__refused_power_button_quits_at_once(void **state)
{
	struct target *t = *state;
	vmc_stop_result how;
	int64_t t0, ms;
	vmc_state st;

	NEED_DOUBLE(t);
	setenv("FAKE_CH_FAULT", "error-on=vm.power-button", 1);
	boot_ready(t, "deaf", &st);
	unsetenv("FAKE_CH_FAULT");
	/* the button cannot be pressed: no waiting out the 30 s, the VMM quits */
	t0 = clock_mono_ms();
	assert_int_equal(vmc_manager_stop(t->mgr, "deaf", 30000, &how), 0);
	ms = clock_mono_ms() - t0;
	assert_true(ms < 10000);
	assert_int_equal(how, VMC_STOP_KILLED);
	assert_int_equal(vmc_manager_state(t->mgr, "deaf", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_STOPPED);
	print_message("%s (%lld ms)\n", st.reason, (long long)ms);
	assert_string_equal(st.reason, "stopped by the hypervisor: the guest could not be asked "
			    "to power off");
	assert_int_equal(vmc_manager_remove(t->mgr, "deaf", 1), 0);
}

static void chv__wedged_vmm_is_killed(void **state)
{
	struct target *t = *state;
	vmc_stop_result how;
	int64_t t0, ms;
	vmc_state st;

	NEED_DOUBLE(t);
	/* the guest ignores the button and the VMM wedges on vm.shutdown (CH
	 * serves one request at a time: vmm.shutdown gets no answer either) */
	setenv("FAKE_CH_FAULT", "ignore-power-button,hang-on=vm.shutdown", 1);
	boot_ready(t, "wedged", &st);
	unsetenv("FAKE_CH_FAULT");
	t0 = clock_mono_ms();
	assert_int_equal(vmc_manager_stop(t->mgr, "wedged", 300, &how), 0);
	ms = clock_mono_ms() - t0;
	print_message("stop of a wedged VMM: %lld ms\n", (long long)ms);
	assert_int_equal(how, VMC_STOP_KILLED);
	assert_int_equal(vmc_manager_state(t->mgr, "wedged", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_STOPPED);
	assert_int_equal(st.signal, SIGKILL);
	assert_non_null(strstr(st.reason, "killed: the guest did not power off in time"));
	/* power button, the 300 ms, then vm.shutdown and vmm.shutdown within
	 * one 5 s budget (not 5 s each), then SIGKILL */
	assert_true(ms < 8000);
	assert_int_equal(vmc_manager_remove(t->mgr, "wedged", 1), 0);
}

/* Restores `dir` as `name` with FAKE_CH_FAULT=fault: the VM must end
 * FAILED, naming `endpoint`, and never be seen running. */
static void restore_fails(struct target *t, const char *dir, const char *name,
			  const char *fault, const char *endpoint)
{
	vmc_state st;

	setenv("FAKE_CH_FAULT", fault, 1);
	assert_int_equal(vmc_manager_restore(t->mgr, dir, name, NULL), 0);
	unsetenv("FAKE_CH_FAULT");
	assert_int_equal(vmc_manager_wait(t->mgr, name, VMC_STATE_RUNNING, 20000, &st),
			 VMC_EINVALSTATE);
	print_message("%s: %s\n", name, st.reason);
	assert_int_equal(st.kind, VMC_STATE_FAILED);
	assert_non_null(strstr(st.reason, "cannot restore"));
	assert_non_null(strstr(st.reason, endpoint));
	assert_int_equal(st.pid, 0);
	assert_int_equal(vmc_manager_remove(t->mgr, name, 1), 0);
}

static void chv__failed_snapshot_leaves_nothing(void **state)
{
	struct target *t = *state;
	char dir[512], api[CHV_API_STATE_MAX];
	vmc_state st;

	NEED_DOUBLE(t);
	setenv("FAKE_CH_FAULT", "error-on=vm.snapshot", 1);
	boot_ready(t, "sfail", &st);
	unsetenv("FAKE_CH_FAULT");
	snprintf(dir, sizeof(dir), "%s/sfail.d", H.state_dir);
	assert_int_equal(vmc_manager_snapshot(t->mgr, "sfail", dir), VMC_ERROR);
	assert_non_null(strstr(vmc_error_last(), "vm.snapshot"));
	/* no half snapshot (the chv/ subdirectory it made for CH included),
	 * and the VM paused for it runs again */
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(vmc_manager_state(t->mgr, "sfail", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY);
	api_state("sfail", api);
	assert_string_equal(api, "Running");
	assert_int_equal(vmc_manager_kill(t->mgr, "sfail"), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "sfail", 1), 0);
}

static void chv__failed_restore_is_failed(void **state)
{
	struct target *t = *state;
	char dir[512];
	vmc_state st;

	NEED_DOUBLE(t);
	boot_ready(t, "rfail", &st);
	snprintf(dir, sizeof(dir), "%s/rfail.d", H.state_dir);
	assert_int_equal(vmc_manager_snapshot(t->mgr, "rfail", dir), 0);
	assert_int_equal(vmc_manager_kill(t->mgr, "rfail"), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "rfail", 1), 0);
	/* CH refuses vm.restore; CH restores it (paused) but refuses vm.resume */
	restore_fails(t, dir, "rfail2", "error-on=vm.restore", "vm.restore");
	restore_fails(t, dir, "rfail3", "error-on=vm.resume", "vm.resume");
	assert_int_equal(fs_remove_tree(dir), 0);
}

static void chv__vmm_dies_mid_call(void **state)
{
	struct target *t = *state;
	vmc_state st;
	int rc;

	NEED_DOUBLE(t);
	setenv("FAKE_CH_FAULT", "die-on=vm.pause", 1);
	boot_ready(t, "dies", &st);
	unsetenv("FAKE_CH_FAULT");
	/* CH aborts with the request unanswered: the call fails, the VM fails */
	rc = vmc_manager_pause(t->mgr, "dies");
	print_message("pause: %s\n", vmc_error_last());
	assert_true(rc < 0);
	assert_non_null(strstr(vmc_error_last(), "vm.pause"));
	rc = vmc_manager_wait(t->mgr, "dies", VMC_STATE_STOPPED, 10000, &st);
	assert_int_equal(rc, VMC_EINVALSTATE);
	assert_int_equal(st.kind, VMC_STATE_FAILED);
	assert_int_equal(st.signal, SIGABRT);
	print_message("final: %s\n", st.reason);
	assert_int_equal(vmc_manager_remove(t->mgr, "dies", 1), 0);
}

static void chv__malformed_event_stream(void **state)
{
	struct target *t = *state;
	vmc_stop_result how;
	vmc_state st;
	char *log;

	NEED_DOUBLE(t);
	setenv("FAKE_CH_FAULT", "garbage-events-on=vm.pause", 1);
	boot_ready(t, "garbled", &st);
	unsetenv("FAKE_CH_FAULT");
	/* the stream breaks: it is logged, the API and the pidfd carry on */
	assert_int_equal(vmc_manager_pause(t->mgr, "garbled"), 0);
	assert_int_equal(vmc_manager_state(t->mgr, "garbled", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_PAUSED);
	assert_int_equal(vmc_manager_resume(t->mgr, "garbled"), 0);
	assert_int_equal(vmc_manager_state(t->mgr, "garbled", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY);
	assert_int_equal(vmc_manager_stop(t->mgr, "garbled", 10000, &how), 0);
	assert_int_equal(how, VMC_STOP_GRACEFUL);
	log = vmm_log("garbled");
	assert_non_null(strstr(log, "event monitor"));
	free(log);
	assert_int_equal(vmc_manager_remove(t->mgr, "garbled", 1), 0);
}

/* vm.info is the check: a vm.pause CH answers but does not carry out
 * (the double's lie-on=) is an error, and the state stays CH's. */
static void chv__info_disagrees_with_pause(void **state)
{
	struct target *t = *state;
	vmc_state st;

	NEED_DOUBLE(t);
	setenv("FAKE_CH_FAULT", "lie-on=vm.pause", 1);
	boot_ready(t, "liar", &st);
	unsetenv("FAKE_CH_FAULT");
	assert_int_not_equal(vmc_manager_pause(t->mgr, "liar"), 0);
	print_message("pause: %s\n", vmc_error_last());
	assert_non_null(strstr(vmc_error_last(), "vm.info reads Running"));
	assert_int_equal(vmc_manager_state(t->mgr, "liar", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY);
	assert_int_equal(vmc_manager_kill(t->mgr, "liar"), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "liar", 1), 0);
}

/* With the event stream broken, vm.info on a timer still sees the VM end
 * (here a vm.shutdown behind vmc's back: CH stays, with no VM). */
static void chv__malformed_events_then_vm_ends(void **state)
{
	struct target *t = *state;
	vmc_state st;
	char *log;
	int rc;

	NEED_DOUBLE(t);
	setenv("FAKE_CH_FAULT", "garbage-events-on=vm.pause", 1);
	boot_ready(t, "garbled2", &st);
	unsetenv("FAKE_CH_FAULT");
	assert_int_equal(vmc_manager_pause(t->mgr, "garbled2"), 0);
	assert_int_equal(vmc_manager_resume(t->mgr, "garbled2"), 0);
	assert_int_equal(api_put("garbled2", "vm.shutdown"), 0);
	rc = vmc_manager_wait(t->mgr, "garbled2", VMC_STATE_STOPPED, 3000, &st);
	if (rc != 0)
		print_error("after vm.shutdown: %s (%s)\n", vmc_state_name(st.kind), st.reason);
	assert_int_equal(rc, 0);
	log = vmm_log("garbled2");
	assert_non_null(strstr(log, "vm.info is checked every"));
	free(log);
	assert_int_equal(vmc_manager_remove(t->mgr, "garbled2", 1), 0);
}

/* A ready line the old boot wrote, unread when vmc reboots the guest, is
 * not the new boot's: the shim reads the request before the console in
 * one batch (SIGSTOPped), and the new boot says it is ready 600 ms on. */
static void chv__reboot_ignores_old_ready_line(void **state)
{
	struct target *t = *state;
	char path[512], line[4096];
	int p = -1, con;
	pid_t shim;
	json_t *rec;
	vmc_state st;

	NEED_DOUBLE(t);
	setenv("FAKE_CH_FAULT", "reboot-ready-delay=600", 1);
	boot_ready(t, "oldready", &st);
	unsetenv("FAKE_CH_FAULT");
	snprintf(path, sizeof(path), "%s/default/oldready/state.json", H.state_dir);
	rec = json_load_file(path, 0, NULL);
	assert_non_null(rec);
	shim = (pid_t)json_integer_value(json_object_get(rec, "shim_pid"));
	json_decref(rec);
	/* the double's stdout: the shim's console pipe */
	snprintf(path, sizeof(path), "/proc/%d/fd/1", st.pid);
	con = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(con >= 0);
	snprintf(path, sizeof(path), "%s/default/oldready/shim.sock", H.state_dir);
	assert_int_equal(unix_connect(path, &p), 0);
	assert_int_equal(send(p, "{\"op\":\"state\"}\n", 15, MSG_NOSIGNAL), 15);
	read_line(p, line, sizeof(line));
	assert_int_equal(kill(shim, SIGSTOP), 0);
	wait_stopped(shim);
	assert_int_equal(send(p, "{\"op\":\"reboot\"}\n", 16, MSG_NOSIGNAL), 16);
	assert_int_equal(write(con, "VMC_READY\n", 10), 10);
	close(con);
	assert_int_equal(kill(shim, SIGCONT), 0);
	read_line(p, line, sizeof(line));
	close(p);
	assert_non_null(strstr(line, "\"ok\":true"));
	assert_int_equal(vmc_manager_state(t->mgr, "oldready", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_RUNNING);
	assert_int_equal(vmc_manager_wait(t->mgr, "oldready", VMC_STATE_READY, BOOT_TIMEOUT_MS,
					  &st), 0);
	assert_int_equal(vmc_manager_kill(t->mgr, "oldready"), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "oldready", 1), 0);
}

static void chv__state_rules(void **state)
{
	struct target *t = *state;
	vmc_state st;
	int rc;

	NEED_TARGET(t);
	boot_ready(t, "rules", &st);
	/* vm.shutdown behind vmc's back: CH keeps the process with no VM
	 * ("Created", see the double's own test in chv_argv_test.c); vmc
	 * must not go on calling it READY: the VM ends */
	assert_int_equal(api_put("rules", "vm.shutdown"), 0);
	rc = vmc_manager_wait(t->mgr, "rules", VMC_STATE_STOPPED, 10000, &st);
	if (rc != 0)
		print_error("after vm.shutdown: %s (%s)\n", vmc_state_name(st.kind), st.reason);
	assert_int_equal(rc, 0);
	assert_int_equal(st.kind, VMC_STATE_STOPPED);
	assert_int_equal(vmc_manager_stop(t->mgr, "rules", 5000, NULL), 0); /* already */
	assert_int_equal(vmc_manager_remove(t->mgr, "rules", 1), 0);
}

/* A fresh TAP (gone when fd closes), or -1 with why set. */
static int open_tap(char ifname[IFNAMSIZ], char *why, size_t len)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "cannot open /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, IFNAMSIZ, "vmcchv%d", (int)getpid() % 100000);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		snprintf(why, len, "TUNSETIFF: %s", strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(ifname, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;
}

static void chv__tap_fds_by_scm_rights(void **state)
{
	struct target *t = *state;
	char ifname[IFNAMSIZ], why[128], path[512], id[64];
	struct chv_client *c = NULL;
	int fd, pipefd[2], status = 0;
	json_t *info, *net, *n;
	size_t i;
	vmc_state st;
	int found = 0;

	NEED_TARGET(t);
	fd = open_tap(ifname, why, sizeof(why));
	if (fd < 0) {
		print_message("skipped: no TAP device here (%s)\n", why);
		skip();
	}
	boot_ready(t, "taps", &st);
	/* hot-added to the running VM: 200 with the new device's id */
	api_path("taps", path, sizeof(path));
	assert_int_equal(chv_client_new(&c, path), 0);
	assert_int_equal(chv_api_vm_add_net(c, &fd, 1, "52:54:00:00:00:42", id, sizeof(id), 5000),
			 0);
	chv_client_free(c);
	print_message("%s: vm.add-net -> %s\n", t->label, id);
	assert_true(id[0] != '\0');
	info = api_info("taps");
	net = json_object_get(json_object_get(info, "config"), "net");
	json_array_foreach(net, i, n) {
		if (!strcmp(json_string_value(json_object_get(n, "mac")) ?: "", "52:54:00:00:00:42"))
			found = 1;
		if (t == &double_target && found)
			assert_string_equal(json_string_value(json_object_get(n, "tap")), ifname);
	}
	json_decref(info);
	assert_true(found);
	if (t == &double_target) {
		char *log = vmm_log("taps");
		assert_non_null(strstr(log, "received 1 TAP fd(s) via SCM_RIGHTS"));
		free(log);
		/* something that is not a TAP is refused with CH's error chain */
		assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
		assert_int_equal(api_put_body("taps", "vm.add-net", "{}", &pipefd[0], 1, &status,
					      NULL), VMC_ERROR);
		assert_int_equal(status, 500);
		assert_non_null(strstr(vmc_error_last(), "is not a TAP"));
		close(pipefd[0]);
		close(pipefd[1]);
	}
	close(fd);
	assert_int_equal(vmc_manager_kill(t->mgr, "taps"), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "taps", 1), 0);
}

/* 1 if dir/name exists. */
static int exists_in(const char *dir, const char *name)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static void chv__snapshot_and_restore(void **state)
{
	struct target *t = *state;
	char dir[512], dir2[512], api[CHV_API_STATE_MAX], *name = NULL;
	vmc_config *cfg;
	vmc_seed *seed = NULL;
	vmc_stop_result how;
	vmc_state st;
	int rc;

	NEED_TARGET(t);
	cfg = chv_config("snap");
	/* with a cloud-init seed: CH's config then holds a path inside the VM's
	 * directory, which the restored VM must not need any more */
	assert_int_equal(vmc_seed_new(&seed), 0);
	assert_int_equal(vmc_config_set_cloud_init(cfg, seed), 0);
	vmc_seed_free(seed);
	rc = vmc_manager_start(t->mgr, cfg);
	if (rc != 0)
		print_error("start: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	vmc_config_free(cfg);
	assert_int_equal(vmc_manager_wait(t->mgr, "snap", VMC_STATE_READY, BOOT_TIMEOUT_MS, &st), 0);

	snprintf(dir, sizeof(dir), "%s/snap.d", H.state_dir);
	snprintf(dir2, sizeof(dir2), "%s/snap.d/chv", H.state_dir);
	rc = vmc_manager_snapshot(t->mgr, "snap", dir);
	if (rc != 0)
		print_error("snapshot: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	/* CH's files in their own subdirectory, vmc's beside them */
	assert_true(exists_in(dir2, "config.json"));
	assert_true(exists_in(dir2, "state.json"));
	assert_true(exists_in(dir2, "memory-ranges"));
	assert_true(exists_in(dir, "config.json"));
	assert_true(exists_in(dir, "snapshot.json"));
	/* the running VM was paused for it and runs again */
	assert_int_equal(vmc_manager_state(t->mgr, "snap", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY);
	api_state("snap", api);
	assert_string_equal(api, "Running");
	/* a second snapshot into the same directory is refused */
	assert_int_equal(vmc_manager_snapshot(t->mgr, "snap", dir), VMC_EEXISTS);
	assert_int_equal(vmc_manager_kill(t->mgr, "snap"), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "snap", 1), 0);

	/* restored under another name: READY again without a boot, running */
	rc = vmc_manager_restore(t->mgr, dir, "snap2", &name);
	if (rc != 0)
		print_error("restore: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	assert_string_equal(name, "default/snap2");
	vmc_free(name);
	rc = vmc_manager_wait(t->mgr, "snap2", VMC_STATE_READY, 20000, &st);
	if (rc != 0)
		print_error("restored: %s (%s)\n", vmc_state_name(st.kind), st.reason);
	assert_int_equal(rc, 0);
	api_state("snap2", api);
	assert_string_equal(api, "Running");
	/* paused, then snapshotted: stays paused, and so does its restore */
	assert_int_equal(vmc_manager_pause(t->mgr, "snap2"), 0);
	snprintf(dir2, sizeof(dir2), "%s/snap2.d", H.state_dir);
	assert_int_equal(vmc_manager_snapshot(t->mgr, "snap2", dir2), 0);
	assert_int_equal(vmc_manager_state(t->mgr, "snap2", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_PAUSED);
	assert_int_equal(vmc_manager_stop(t->mgr, "snap2", 10000, &how), 0);
	assert_int_equal(how, VMC_STOP_GRACEFUL);
	assert_int_equal(vmc_manager_restore(t->mgr, dir2, "snap3", NULL), 0);
	assert_int_equal(vmc_manager_wait(t->mgr, "snap3", VMC_STATE_PAUSED, 20000, &st), 0);
	api_state("snap3", api);
	assert_string_equal(api, "Paused");
	assert_int_equal(vmc_manager_resume(t->mgr, "snap3"), 0);
	assert_int_equal(vmc_manager_state(t->mgr, "snap3", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY);
	assert_int_equal(vmc_manager_stop(t->mgr, "snap3", 10000, &how), 0);
	assert_int_equal(how, VMC_STOP_GRACEFUL);
	assert_int_equal(vmc_manager_remove(t->mgr, "snap2", 1), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "snap3", 1), 0);
	assert_int_equal(fs_remove_tree(dir), 0);
	assert_int_equal(fs_remove_tree(dir2), 0);
}

/* The member `key` of the config's `kind` entry whose "path" is path. */
static int info_has_disk(const char *name, const char *path, const char *id)
{
	json_t *info = api_info(name), *d;
	size_t i;
	int found = 0;

	json_array_foreach(json_object_get(json_object_get(info, "config"), "disks"), i, d)
		if (!strcmp(json_string_value(json_object_get(d, "path")) ?: "", path) &&
		    !strcmp(json_string_value(json_object_get(d, "id")) ?: "", id))
			found = 1;
	json_decref(info);
	return found;
}

static void chv__resize_and_disk_hotplug(void **state)
{
	struct target *t = *state;
	char disk[512], out[4096], id[64], *lib_id = NULL;
	const char *run[] = { "run", "-d", "--name", "grow", "--backend", "chv", "--kernel",
			      H.guest_kernel, "--initramfs", H.guest_initramfs, "--cpus", "1",
			      "--max-cpus", "4", "--memory", "256", "--max-memory", "512", NULL };
	const char *resize[] = { "resize", "grow", "--cpus", "2", "--memory", "384", NULL };
	const char *too_many[] = { "resize", "grow", "--cpus", "5", NULL };
	const char *add[] = { "disk", "add", "grow", disk, "--ro", NULL };
	const char *rm[] = { "disk", "rm", "grow", id, NULL };
	json_t *info;
	vmc_state st;

	NEED_TARGET(t);
	snprintf(disk, sizeof(disk), "%s/hot.img", H.state_dir);
	assert_int_equal(fs_write_atomic(disk, "", 0, 0600, 0), 0);
	assert_int_equal(truncate(disk, 1 << 20), 0);
	assert_int_equal(harness_cli(&H, out, sizeof(out), run), 0);
	assert_int_equal(vmc_manager_wait(t->mgr, "grow", VMC_STATE_READY, BOOT_TIMEOUT_MS, &st), 0);

	/* vCPUs and memory up, within the maximum */
	assert_int_equal(harness_cli(&H, out, sizeof(out), resize), 0);
	info = api_info("grow");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(
				 info, "config"), "cpus"), "boot_vcpus")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(
				 info, "config"), "cpus"), "max_vcpus")), 4);
	assert_int_equal(json_integer_value(json_object_get(info, "memory_actual_size")),
			 384LL << 20);
	json_decref(info);
	/* beyond it: refused by vmc with the limit named, exit 2 */
	assert_int_equal(harness_cli(&H, out, sizeof(out), too_many), 2);
	assert_int_equal(vmc_manager_resize(t->mgr, "grow", 0, 1024, 5000), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "256..512 MiB"));

	/* a disk hot-added read-only: its id printed, CH has it */
	assert_int_equal(harness_cli(&H, out, sizeof(out), add), 0);
	assert_true(sscanf(out, "%63s", id) == 1);
	print_message("%s: disk add -> %s\n", t->label, id);
	assert_true(info_has_disk("grow", disk, id));
	/* the same path again: CH refuses (409), exit 2 */
	assert_int_equal(vmc_manager_disk_add(t->mgr, "grow", disk, VMC_DISK_RAW, 1, &lib_id),
			 VMC_EINVAL);
	assert_null(lib_id);
	/* a file that does not exist: refused before CH is asked */
	assert_int_equal(vmc_manager_disk_add(t->mgr, "grow", "/nonexistent.img", VMC_DISK_RAW, 1,
					      NULL), VMC_ENOTFOUND);
	/* removed; a second time it is unknown (exit 3) */
	assert_int_equal(harness_cli(&H, out, sizeof(out), rm), 0);
	assert_false(info_has_disk("grow", disk, id));
	assert_int_equal(harness_cli(&H, out, sizeof(out), rm), 3);
	assert_int_equal(vmc_manager_disk_remove(t->mgr, "grow", id), VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), "HTTP 404"));
	/* and through the library, with its id back */
	assert_int_equal(vmc_manager_disk_add(t->mgr, "grow", disk, VMC_DISK_RAW, 0, &lib_id), 0);
	assert_non_null(lib_id);
	assert_true(info_has_disk("grow", disk, lib_id));
	assert_int_equal(vmc_manager_disk_remove(t->mgr, "grow", lib_id), 0);
	vmc_free(lib_id);
	/* the VM is unharmed */
	assert_int_equal(vmc_manager_state(t->mgr, "grow", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY);
	assert_int_equal(vmc_manager_kill(t->mgr, "grow"), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "grow", 1), 0);
	unlink(disk);
}

static void chv__tap_nic_by_fd_and_restore(void **state)
{
	struct target *t = *state;
	char why[128], dir[512], *log;
	vmc_config *cfg;
	json_t *info;
	vmc_state st;
	int rc;

	NEED_TARGET(t);
	snprintf(tap_made, sizeof(tap_made), "vmcchvp%d", (int)getpid() % 100000);
	if (persistent_tap(tap_made, 1, why, sizeof(why)) < 0) {
		tap_made[0] = '\0';
		print_message("skipped: cannot make a TAP device here (%s)\n", why);
		skip();
	}
	cfg = chv_config("tapvm");
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, tap_made, NULL, "10.9.0.2/24", NULL),
			 0);
	rc = vmc_manager_start(t->mgr, cfg);
	if (rc != 0)
		print_error("start: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	vmc_config_free(cfg);
	assert_int_equal(vmc_manager_wait(t->mgr, "tapvm", VMC_STATE_READY, BOOT_TIMEOUT_MS, &st), 0);
	assert_string_equal(st.ip[0], "10.9.0.2");
	if (t == &double_target) {
		/* the shim opened the TAP; CH got it as --net fd=5 */
		info = api_info("tapvm");
		assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
			json_object_get(info, "config"), "net"), 0), "tap")), tap_made);
		json_decref(info);
		log = vmm_log("tapvm");
		assert_non_null(strstr(log, "TAP fd 5 is"));
		free(log);
	}
	/* the TAP goes with vm.restore as SCM_RIGHTS (fds do not survive) */
	snprintf(dir, sizeof(dir), "%s/tap.d", H.state_dir);
	assert_int_equal(vmc_manager_snapshot(t->mgr, "tapvm", dir), 0);
	assert_int_equal(vmc_manager_kill(t->mgr, "tapvm"), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "tapvm", 1), 0);
	rc = vmc_manager_restore(t->mgr, dir, "tapvm2", NULL);
	if (rc != 0)
		print_error("restore: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	rc = vmc_manager_wait(t->mgr, "tapvm2", VMC_STATE_READY, 20000, &st);
	if (rc != 0)
		print_error("restored: %s (%s)\n", vmc_state_name(st.kind), st.reason);
	assert_int_equal(rc, 0);
	assert_string_equal(st.ip[0], "10.9.0.2");
	if (t == &double_target) {
		log = vmm_log("tapvm2");
		assert_non_null(strstr(log, "received 1 TAP fd(s) via SCM_RIGHTS"));
		free(log);
	}
	assert_int_equal(vmc_manager_stop(t->mgr, "tapvm2", 10000, NULL), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "tapvm2", 1), 0);
	assert_int_equal(fs_remove_tree(dir), 0);
}

/* The pid of a process whose command line holds `needle`, or 0. */
static pid_t find_proc(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	assert_non_null(d);
	while (!found && (e = readdir(d)) != NULL) {
		char p[300], buf[4096];
		size_t n;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/cmdline", e->d_name);
		f = fopen(p, "re");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		for (size_t i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[n] = '\0';
		if (strstr(buf, needle) && (pid_t)atoi_safe(e->d_name) != getpid())
			found = (pid_t)atoi_safe(e->d_name);
	}
	closedir(d);
	return found;
}

static void chv__share_through_virtiofsd(void **state)
{
	struct target *t = *state;
	char share[512], needle[600], mi[64], line[1024], *log;
	vmc_stop_result how;
	vmc_config *cfg;
	vmc_state st;
	pid_t vfsd;
	FILE *f;
	int ro = 0, rc;

	NEED_TARGET(t);
	if (geteuid() != 0 || access("/usr/lib/qemu/virtiofsd", X_OK) != 0) {
		print_message("skipped: shares need root and virtiofsd (qemu-system-common)\n");
		skip();
	}
	snprintf(share, sizeof(share), "%s/share", H.state_dir);
	assert_int_equal(fs_mkdir_p(share, 0700), 0);
	cfg = chv_config("fsvm");
	assert_int_equal(vmc_config_add_share(cfg, share, "data", 1), 0);
	rc = vmc_manager_start(t->mgr, cfg);
	if (rc != 0)
		print_error("start: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	vmc_config_free(cfg);
	assert_int_equal(vmc_manager_wait(t->mgr, "fsvm", VMC_STATE_READY, BOOT_TIMEOUT_MS, &st), 0);
	/* virtiofsd runs for the VM, on a read-only view of the share */
	snprintf(needle, sizeof(needle), "source=%s", share); /* virtiofsd's, not another's */
	vfsd = find_proc(needle);
	assert_true(vfsd > 0);
	snprintf(mi, sizeof(mi), "/proc/%d/mountinfo", (int)vfsd);
	f = fopen(mi, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, share) && strstr(line, " ro,") )
			ro = 1;
	fclose(f);
	assert_true(ro);
	if (t == &double_target) {
		log = vmm_log("fsvm");
		assert_non_null(strstr(log, "connected to the vhost-user backend"));
		free(log);
	}
	/* CH's reset would end virtiofsd: a reboot in place is refused */
	assert_int_equal(vmc_manager_reboot(t->mgr, "fsvm"), VMC_EUNSUPPORTED);
	assert_non_null(strstr(vmc_error_last(), "virtio-fs"));
	assert_int_equal(kill(vfsd, 0), 0);
	assert_int_equal(vmc_manager_state(t->mgr, "fsvm", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY);
	assert_int_equal(vmc_manager_stop(t->mgr, "fsvm", 10000, &how), 0);
	if (how != VMC_STOP_GRACEFUL) {
		assert_int_equal(vmc_manager_state(t->mgr, "fsvm", &st), 0);
		log = vmm_log("fsvm");
		print_error("stop: %s\n%s\n", st.reason, log);
		free(log);
	}
	assert_int_equal(how, VMC_STOP_GRACEFUL);
	/* and goes with it */
	for (int i = 0; i < 50 && kill(vfsd, 0) == 0; i++)
		harness_pause_ms(100);
	assert_int_equal(kill(vfsd, 0), -1);
	assert_int_equal(vmc_manager_remove(t->mgr, "fsvm", 1), 0);
}

static void chv__guest_panic_through_pvpanic(void **state)
{
	struct target *t = *state;
	vmc_state st;

	NEED_DOUBLE(t);
	setenv("FAKE_CH_FAULT", "panic-after-ready", 1);
	boot_ready(t, "panics", &st);
	unsetenv("FAKE_CH_FAULT");
	/* "guest panic" (CH's pvpanic device), then the guest's reset */
	assert_int_equal(vmc_manager_wait(t->mgr, "panics", VMC_STATE_STOPPED, 10000, &st),
			 VMC_EINVALSTATE);
	assert_int_equal(st.kind, VMC_STATE_FAILED);
	print_message("final: %s\n", st.reason);
	assert_non_null(strstr(st.reason, "guest panicked"));
	assert_int_equal(vmc_manager_remove(t->mgr, "panics", 1), 0);
}

static void chv__bridge_nic(void **state)
{
	struct target *t = *state;
	char dir[512];
	vmc_config *cfg;
	vmc_state st;
	char *log;
	int rc;

	NEED_TARGET(t);
	rc = vmc_network_create_bridge(t->mgr, "chvbr", "10.213.77.0/24", 0, NULL,
				       "vmcchvtest") /* its own namespace: nothing on the host */;
	if (rc < 0) {
		print_message("skipped: cannot make a bridge network here (%s)\n", vmc_error_last());
		skip();
	}
	cfg = chv_config("brvm");
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_BRIDGE, "chvbr", NULL, NULL, NULL), 0);
	/* two queue pairs: a multi-queue TAP, an fd per pair, a vCPU per pair */
	assert_int_equal(vmc_config_set_nic_queues(cfg, 0, 2), 0);
	assert_int_equal(vmc_config_set_cpus(cfg, 2), 0);
	rc = vmc_manager_start(t->mgr, cfg);
	if (rc != 0)
		print_error("start: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	vmc_config_free(cfg);
	rc = vmc_manager_wait(t->mgr, "brvm", VMC_STATE_READY, BOOT_TIMEOUT_MS, &st);
	assert_int_equal(rc, 0);
	print_message("%s: bridge nic, ready with %s\n", t->label, st.ip[0]);
	assert_true(st.ip[0][0] != '\0'); /* the network's address, on vmc.net= */
	if (t == &double_target) {
		log = vmm_log("brvm");
		assert_non_null(strstr(log, "TAP fd 5 is vmct"));
		assert_non_null(strstr(log, "TAP fd 6 is vmct"));
		free(log);
	}
	/* restored: a new TAP in the bridge, both queues' fds in vm.restore */
	snprintf(dir, sizeof(dir), "%s/br.d", H.state_dir);
	assert_int_equal(vmc_manager_snapshot(t->mgr, "brvm", dir), 0);
	assert_int_equal(vmc_manager_kill(t->mgr, "brvm"), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "brvm", 1), 0);
	rc = vmc_manager_restore(t->mgr, dir, "brvm2", NULL);
	if (rc != 0)
		print_error("restore: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	assert_int_equal(vmc_manager_wait(t->mgr, "brvm2", VMC_STATE_READY, 20000, &st), 0);
	if (t == &double_target) {
		log = vmm_log("brvm2");
		assert_non_null(strstr(log, "received 2 TAP fd(s) via SCM_RIGHTS"));
		free(log);
	}
	assert_int_equal(vmc_manager_kill(t->mgr, "brvm2"), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "brvm2", 1), 0);
	assert_int_equal(fs_remove_tree(dir), 0);
	assert_int_equal(vmc_network_remove(t->mgr, "chvbr"), 0);
}

static void chv__vsock(void **state)
{
	struct target *t = *state;
	struct stat sb;
	vmc_config *cfg;
	vmc_state st;
	char *path = NULL;
	int fd = -1, rc;

	NEED_TARGET(t);
	cfg = chv_config("vsockvm");
	assert_int_equal(vmc_config_set_vsock_cid(cfg, 7), 0);
	rc = vmc_manager_start(t->mgr, cfg);
	if (rc != 0)
		print_error("start: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	vmc_config_free(cfg);
	assert_int_equal(vmc_manager_wait(t->mgr, "vsockvm", VMC_STATE_READY, BOOT_TIMEOUT_MS, &st),
			 0);
	/* the host side: a socket CH listens on */
	assert_int_equal(vmc_manager_vsock_path(t->mgr, "vsockvm", &path), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(unix_connect(path, &fd), 0);
	close(fd);
	assert_int_equal(vmc_manager_stop(t->mgr, "vsockvm", 10000, NULL), 0);
	assert_int_equal(vmc_manager_remove(t->mgr, "vsockvm", 1), 0);
	vmc_free(path);
	/* no VM, no path */
	assert_int_equal(vmc_manager_vsock_path(t->mgr, "vsockvm", &path), VMC_ENOTFOUND);
}

static void chv__reboot_in_place(void **state)
{
	struct target *t = *state;
	const char *cli[] = { "reboot", "reboots", NULL };
	char api[CHV_API_STATE_MAX], out[256];
	vmc_stop_result how;
	vmc_state st;
	int pid;

	NEED_TARGET(t);
	boot_ready(t, "reboots", &st);
	pid = st.pid;
	/* vm.reboot: the same VMM, the guest boots again to READY */
	assert_int_equal(vmc_manager_reboot(t->mgr, "reboots"), 0);
	assert_int_equal(vmc_manager_wait(t->mgr, "reboots", VMC_STATE_READY, BOOT_TIMEOUT_MS, &st),
			 0);
	assert_int_equal(st.pid, pid);
	api_state("reboots", api);
	assert_string_equal(api, "Running");
	/* and through the CLI */
	assert_int_equal(harness_cli(&H, out, sizeof(out), cli), 0);
	assert_int_equal(vmc_manager_wait(t->mgr, "reboots", VMC_STATE_READY, BOOT_TIMEOUT_MS, &st),
			 0);
	/* paused: refused */
	assert_int_equal(vmc_manager_pause(t->mgr, "reboots"), 0);
	assert_int_equal(vmc_manager_reboot(t->mgr, "reboots"), VMC_EINVALSTATE);
	assert_int_equal(vmc_manager_stop(t->mgr, "reboots", 10000, &how), 0);
	assert_int_equal(how, VMC_STOP_GRACEFUL);
	assert_int_equal(vmc_manager_state(t->mgr, "reboots", &st), 0);
	assert_string_equal(st.reason, "stopped"); /* not "guest reset" */
	assert_int_equal(vmc_manager_remove(t->mgr, "reboots", 1), 0);
}

int main(void)
{
	const char *dbl = getenv("VMC_CHV_DOUBLE");
	const char *real = getenv("VMC_TEST_CHV");
#define BOTH(f) cmocka_unit_test_setup_teardown(f, setup_double, teardown), \
		cmocka_unit_test_setup_teardown(f, setup_real, teardown)
	const struct CMUnitTest tests[] = {
		BOTH(chv__boot_pause_resume_stop),
		BOTH(chv__kill_leaves_nothing),
		BOTH(chv__vmm_reboot_ends_as_guest_reset),
		BOTH(chv__reboot_in_place),
		BOTH(chv__api_error_paths),
		BOTH(chv__state_rules),
		BOTH(chv__tap_fds_by_scm_rights),
		BOTH(chv__snapshot_and_restore),
		BOTH(chv__resize_and_disk_hotplug),
		BOTH(chv__tap_nic_by_fd_and_restore),
		BOTH(chv__bridge_nic),
		BOTH(chv__vsock),
		BOTH(chv__share_through_virtiofsd),
		BOTH(chv__guest_panic_through_pvpanic),
		BOTH(chv__ignored_power_button_quits),
		BOTH(chv__watchers_hanging_up_mid_broadcast),
		BOTH(chv__reboot_with_lost_events),
		BOTH(chv__refused_power_button_quits_at_once),
		BOTH(chv__wedged_vmm_is_killed),
		BOTH(chv__failed_snapshot_leaves_nothing),
		BOTH(chv__failed_restore_is_failed),
		BOTH(chv__vmm_dies_mid_call),
		BOTH(chv__malformed_event_stream),
		BOTH(chv__info_disagrees_with_pause),
		BOTH(chv__malformed_events_then_vm_ends),
		BOTH(chv__reboot_ignores_old_ready_line),
	};
#undef BOTH
	int rc;

	harness_init(&H);
	if (dbl && access(dbl, X_OK) == 0)
		double_target.binary = dbl;
	else
		snprintf(double_target.why_not, sizeof(double_target.why_not),
			 "VMC_CHV_DOUBLE does not name an executable test double");
	if (real && *real && access(real, X_OK) == 0)
		real_target.binary = real;
	else if (real && *real)
		snprintf(real_target.why_not, sizeof(real_target.why_not),
			 "VMC_TEST_CHV=%.200s is not executable", real);
	else
		snprintf(real_target.why_not, sizeof(real_target.why_not),
			 "VMC_TEST_CHV is not set (set it to a cloud-hypervisor binary, on a host "
			 "with /dev/kvm)");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_fini(&H);
	return rc;
}
