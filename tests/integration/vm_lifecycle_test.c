/*
 * vm_lifecycle_test.c - real guests through the public API and the CLI:
 * boot to READY with the guest's address, pause/resume, graceful stop,
 * kill, a hypervisor or shim killed from outside, control from a second
 * process, two VMs at once, bad input, workload exit codes, panics, boot
 * timeouts and events. Runs under TCG unless VMC_TEST_ACCEL=kvm.
 */
#include <setjmp.h>
#include <signal.h>
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/fsutil.h"
#include "harness.h"
#include "vmc.h"

static struct harness H;

struct fixture {
	vmc_manager *mgr;
};

static int setup(void **state)
{
	static struct fixture fx;

	if (!H.have_guest)
		return 0;
	assert_int_equal(vmc_manager_open(&fx.mgr, H.state_dir), 0);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx && fx->mgr) {
		vmc_manager_free(fx->mgr);
		fx->mgr = NULL;
	}
	return 0;
}

#define NEED_GUEST()                                                     \
	do {                                                             \
		if (!H.have_guest) {                                     \
			print_message("skipped: %s\n", H.why_not);      \
			skip();                                          \
		}                                                        \
	} while (0)

static void start_ok(vmc_manager *mgr, vmc_config *cfg)
{
	int rc;

	assert_non_null(cfg);
	rc = vmc_manager_start(mgr, cfg);
	if (rc != 0)
		print_error("start: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	vmc_config_free(cfg);
}

static void wait_ready(vmc_manager *mgr, const char *name, vmc_state *st)
{
	int rc = vmc_manager_wait(mgr, name, VMC_STATE_READY, BOOT_TIMEOUT_MS, st);

	if (rc != 0)
		print_error("wait %s: %s (state %s: %s)\n", name, vmc_error_last(),
			    vmc_state_name(st->kind), st->reason);
	assert_int_equal(rc, 0);
	assert_int_equal(st->kind, VMC_STATE_READY);
}

static void remove_ok(vmc_manager *mgr, const char *name)
{
	assert_int_equal(vmc_manager_remove(mgr, name, 1), 0);
}

/* ------------------------------------------------------------ tests */

static void lifecycle__boot_pause_resume_stop(void **state)
{
	struct fixture *fx = *state;
	vmc_stop_result how;
	vmc_state st;

	NEED_GUEST();
	start_ok(fx->mgr, harness_config(&H, "basic", NULL));
	/* a timed-out wait still says where the VM is */
	assert_int_equal(vmc_manager_wait(fx->mgr, "basic", VMC_STATE_STOPPED, 50, &st),
			 VMC_ETIMEOUT);
	assert_true(st.kind == VMC_STATE_STARTING || st.kind == VMC_STATE_RUNNING);
	assert_non_null(strstr(vmc_error_last(), "timed out waiting for vm 'basic'"));
	wait_ready(fx->mgr, "basic", &st);
	assert_string_equal(st.ip[0], "10.0.2.15");
	assert_true(st.boot_ms > 0);
	assert_true(st.pid > 0);
	print_message("boot to READY: %lld ms\n", (long long)st.boot_ms);

	assert_int_equal(vmc_manager_pause(fx->mgr, "basic"), 0);
	assert_int_equal(vmc_manager_state(fx->mgr, "basic", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_PAUSED);
	assert_int_equal(vmc_manager_pause(fx->mgr, "basic"), 0); /* idempotent */
	assert_int_equal(vmc_manager_resume(fx->mgr, "basic"), 0);
	assert_int_equal(vmc_manager_state(fx->mgr, "basic", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY);
	assert_int_equal(vmc_manager_resume(fx->mgr, "basic"), VMC_EINVALSTATE);

	assert_int_equal(vmc_manager_stop(fx->mgr, "basic", 30000, &how), 0);
	assert_int_equal(how, VMC_STOP_GRACEFUL);
	assert_int_equal(vmc_manager_state(fx->mgr, "basic", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_STOPPED);
	assert_int_equal(st.exit_code, 0);
	assert_int_equal(st.pid, 0);
	/* stopping a stopped VM says so */
	assert_int_equal(vmc_manager_stop(fx->mgr, "basic", 1000, &how), 0);
	assert_int_equal(how, VMC_STOP_ALREADY);
	assert_int_equal(vmc_manager_pause(fx->mgr, "basic"), VMC_EINVALSTATE);
	remove_ok(fx->mgr, "basic");
	assert_int_equal(vmc_manager_state(fx->mgr, "basic", &st), VMC_ENOTFOUND);
}

static void lifecycle__pause_silences_console(void **state)
{
	struct fixture *fx = *state;
	const char *ticker[] = { "/bin/sh", "-c", "while :; do echo tick; usleep 50000; done", NULL };
	long before, after;
	vmc_state st;

	NEED_GUEST();
	start_ok(fx->mgr, harness_config(&H, "ticker", ticker));
	wait_ready(fx->mgr, "ticker", &st);
	harness_pause_ms(500);
	assert_int_equal(vmc_manager_pause(fx->mgr, "ticker"), 0);
	before = harness_console_size(&H, "default", "ticker");
	harness_pause_ms(1000);
	after = harness_console_size(&H, "default", "ticker");
	assert_int_equal(before, after); /* the guest's clock and CPU stopped */
	assert_int_equal(vmc_manager_resume(fx->mgr, "ticker"), 0);
	harness_pause_ms(1000);
	after = harness_console_size(&H, "default", "ticker");
	assert_true(after > before);
	assert_int_equal(vmc_manager_kill(fx->mgr, "ticker"), 0);
	assert_int_equal(vmc_manager_state(fx->mgr, "ticker", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_STOPPED);
	assert_string_equal(st.reason, "killed");
	remove_ok(fx->mgr, "ticker");
}

static void lifecycle__hypervisor_killed_from_outside_is_failed(void **state)
{
	struct fixture *fx = *state;
	vmc_state st;

	NEED_GUEST();
	start_ok(fx->mgr, harness_config(&H, "victim", NULL));
	wait_ready(fx->mgr, "victim", &st);
	assert_int_equal(kill(st.pid, SIGKILL), 0);
	assert_int_equal(vmc_manager_wait(fx->mgr, "victim", VMC_STATE_STOPPED, 10000, &st),
			 VMC_EINVALSTATE);
	assert_int_equal(st.kind, VMC_STATE_FAILED);
	assert_int_equal(st.signal, SIGKILL);
	assert_non_null(strstr(st.reason, "signal 9"));
	remove_ok(fx->mgr, "victim");
}

static void lifecycle__shim_killed_is_reported_and_cleaned(void **state)
{
	struct fixture *fx = *state;
	char sock[512];
	vmc_state st;
	long shim_pid, hv_pid;

	NEED_GUEST();
	start_ok(fx->mgr, harness_config(&H, "orphan", NULL));
	wait_ready(fx->mgr, "orphan", &st);
	shim_pid = harness_record_int(&H, "orphan", "shim_pid");
	hv_pid = harness_record_int(&H, "orphan", "hv_pid");
	assert_true(shim_pid > 0 && hv_pid > 0);
	assert_int_equal(kill((pid_t)shim_pid, SIGKILL), 0);
	/* the hypervisor dies with its shim (PR_SET_PDEATHSIG) */
	for (int i = 0; i < 100 && kill((pid_t)hv_pid, 0) == 0; i++) {
		char stat[64], buf[256] = "";
		snprintf(stat, sizeof(stat), "/proc/%ld/stat", hv_pid);
		FILE *f = fopen(stat, "re");
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = '\0';
			fclose(f);
		}
		if (strstr(buf, ") Z"))
			break; /* a zombie waiting for init is dead */
		harness_pause_ms(20);
	}
	assert_int_equal(vmc_manager_state(fx->mgr, "orphan", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_FAILED);
	assert_non_null(strstr(st.reason, "vmc-shim"));
	snprintf(sock, sizeof(sock), "%s/default/orphan/shim.sock", H.state_dir);
	assert_int_not_equal(access(sock, F_OK), 0);
	remove_ok(fx->mgr, "orphan");
}

static void lifecycle__second_process_controls_the_vm(void **state)
{
	struct fixture *fx = *state;
	char out[8192];
	vmc_state st;
	const char *run[] = { "run", "-d", "--name", "shared", "--accel", "tcg", "--kernel",
			      H.guest_kernel, "--initramfs", H.guest_initramfs, "--net", "user",
			      NULL };
	const char *stop[] = { "stop", "shared", NULL };
	const char *ls[] = { "ls", "--json", NULL };

	NEED_GUEST();
	/* started by a CLI process that exits at once */
	assert_int_equal(harness_cli(&H, out, sizeof(out), run), 0);
	assert_non_null(strstr(out, "shared"));
	wait_ready(fx->mgr, "shared", &st);
	/* stopped by another */
	assert_int_equal(harness_cli(&H, out, sizeof(out), stop), 0);
	assert_int_equal(vmc_manager_state(fx->mgr, "shared", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_STOPPED);
	assert_int_equal(harness_cli(&H, out, sizeof(out), ls), 0);
	assert_non_null(strstr(out, "\"stopped\""));
	remove_ok(fx->mgr, "shared");
}

static void lifecycle__two_vms_at_once(void **state)
{
	struct fixture *fx = *state;
	vmc_state a, b;

	NEED_GUEST();
	start_ok(fx->mgr, harness_config(&H, "one", NULL));
	start_ok(fx->mgr, harness_config(&H, "two", NULL));
	wait_ready(fx->mgr, "one", &a);
	wait_ready(fx->mgr, "two", &b);
	assert_int_not_equal(a.pid, b.pid);
	/* the leak check used by the soak sees a running QEMU */
	assert_int_equal(harness_count_procs("guest=default/one"), 1);
	assert_int_equal(vmc_manager_stop(fx->mgr, "one", 30000, NULL), 0);
	assert_int_equal(vmc_manager_state(fx->mgr, "two", &b), 0);
	assert_int_equal(b.kind, VMC_STATE_READY); /* untouched */
	assert_int_equal(vmc_manager_stop(fx->mgr, "two", 30000, NULL), 0);
	remove_ok(fx->mgr, "one");
	remove_ok(fx->mgr, "two");
}

static void lifecycle__same_name_twice_is_refused(void **state)
{
	struct fixture *fx = *state;
	vmc_config *dup;
	vmc_state st;

	NEED_GUEST();
	start_ok(fx->mgr, harness_config(&H, "twice", NULL));
	dup = harness_config(&H, "twice", NULL);
	assert_int_equal(vmc_manager_start(fx->mgr, dup), VMC_EEXISTS);
	assert_non_null(strstr(vmc_error_last(), "already exists"));
	vmc_config_free(dup);
	wait_ready(fx->mgr, "twice", &st); /* the first is unharmed */
	remove_ok(fx->mgr, "twice");
}

static int dir_entries(const char *path)
{
	char cmdpath[512];
	int n = 0;

	snprintf(cmdpath, sizeof(cmdpath), "%s/default", path);
	DIR *d = opendir(cmdpath);
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void lifecycle__bad_input_leaves_nothing(void **state)
{
	struct fixture *fx = *state;
	vmc_config *cfg;

	NEED_GUEST();
	cfg = harness_config(&H, "bad", NULL);
	assert_int_equal(vmc_config_set_kernel(cfg, "/nonexistent/vmlinux"), 0);
	assert_int_equal(vmc_manager_start(fx->mgr, cfg), VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), "/nonexistent/vmlinux"));
	assert_int_equal(vmc_config_set_cpus(cfg, 0), VMC_EINVAL);
	assert_int_equal(vmc_config_set_name(cfg, "../etc"), VMC_EINVAL);
	vmc_config_free(cfg);

	cfg = harness_config(&H, "baddisk", NULL);
	assert_int_equal(vmc_config_add_disk(cfg, "/nonexistent/disk.img", 0), 0);
	assert_int_equal(vmc_manager_start(fx->mgr, cfg), VMC_ENOTFOUND);
	vmc_config_free(cfg);
	cfg = harness_config(&H, "dirdisk", NULL);
	assert_int_equal(vmc_config_add_disk(cfg, "/tmp", 1), 0);
	assert_int_equal(vmc_manager_start(fx->mgr, cfg), VMC_EINVAL);
	vmc_config_free(cfg);
	assert_int_equal(dir_entries(H.state_dir), 0);
}

static void lifecycle__workload_exit_code(void **state)
{
	struct fixture *fx = *state;
	const char *exit7[] = { "/bin/sh", "-c", "echo hello from the workload; exit 7", NULL };
	vmc_state st;
	int rc;

	NEED_GUEST();
	start_ok(fx->mgr, harness_config(&H, "exit7", exit7));
	rc = vmc_manager_wait(fx->mgr, "exit7", VMC_STATE_STOPPED, BOOT_TIMEOUT_MS, &st);
	assert_int_equal(rc, 0);
	assert_int_equal(st.exit_code, 7);
	remove_ok(fx->mgr, "exit7");
}

static void lifecycle__cli_foreground_returns_workload_status(void **state)
{
	char out[65536];
	const char *run[] = { "run", "--name", "fg", "--accel", "tcg", "--kernel", H.guest_kernel,
			      "--initramfs", H.guest_initramfs, "--", "/bin/sh", "-c",
			      "echo marker-$((6*7)); exit 3", NULL };
	const char *rm[] = { "rm", "fg", NULL };

	NEED_GUEST();
	(void)state;
	assert_int_equal(harness_cli(&H, out, sizeof(out), run), 3);
	assert_non_null(strstr(out, "marker-42"));
	assert_int_equal(harness_cli(&H, NULL, 0, rm), 0);
}

static void lifecycle__guest_panic_is_failed(void **state)
{
	struct fixture *fx = *state;
	const char *panic[] = { "/bin/sh", "-c", "echo c > /proc/sysrq-trigger", NULL };
	vmc_state st;

	NEED_GUEST();
	start_ok(fx->mgr, harness_config(&H, "panic", panic));
	assert_int_equal(vmc_manager_wait(fx->mgr, "panic", VMC_STATE_STOPPED, BOOT_TIMEOUT_MS, &st),
			 VMC_EINVALSTATE);
	assert_int_equal(st.kind, VMC_STATE_FAILED);
	assert_non_null(strstr(st.reason, "panic"));
	remove_ok(fx->mgr, "panic");
}

static void lifecycle__boot_timeout_is_failed(void **state)
{
	struct fixture *fx = *state;
	vmc_config *cfg = harness_config(&H, "slow", NULL);
	vmc_state st;

	NEED_GUEST();
	assert_int_equal(vmc_config_set_boot_timeout_ms(cfg, 1), 0);
	start_ok(fx->mgr, cfg);
	assert_int_equal(vmc_manager_wait(fx->mgr, "slow", VMC_STATE_READY, 20000, &st),
			 VMC_EINVALSTATE);
	assert_int_equal(st.kind, VMC_STATE_FAILED);
	assert_non_null(strstr(st.reason, "boot timed out"));
	remove_ok(fx->mgr, "slow");
}

/* GET / from 127.0.0.1:port; 1 if the body has `marker`. */
static int http_get_has(unsigned int port, const char *marker)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char buf[4096];
	size_t got = 0;
	int fd, found = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    send(fd, "GET / HTTP/1.0\r\n\r\n", 18, MSG_NOSIGNAL) == 18) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		while (got + 1 < sizeof(buf) && poll(&pfd, 1, 2000) > 0) {
			ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		buf[got] = '\0';
		found = strstr(buf, marker) != NULL;
	}
	close(fd);
	return found;
}

static unsigned int free_tcp_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unsigned int port = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void lifecycle__port_forward_reaches_guest_server(void **state)
{
	struct fixture *fx = *state;
	const char *httpd[] = { "/bin/sh", "-c",
				"mkdir -p /www && echo hello-from-guest > /www/index.html && "
				"exec httpd -f -p 80 -h /www", NULL };
	unsigned int port = free_tcp_port();
	vmc_config *cfg;
	vmc_state st;
	int ok = 0;

	NEED_GUEST();
	assert_true(port > 0);
	cfg = harness_config(&H, "web", httpd);
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, "127.0.0.1", port, 80), 0);
	start_ok(fx->mgr, cfg);
	wait_ready(fx->mgr, "web", &st);
	/* READY comes before the workload starts: give httpd a moment to listen */
	for (int i = 0; i < 100 && !ok; i++) {
		ok = http_get_has(port, "hello-from-guest");
		if (!ok)
			harness_pause_ms(100);
	}
	assert_true(ok);
	assert_int_equal(vmc_manager_kill(fx->mgr, "web"), 0);
	remove_ok(fx->mgr, "web");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void lifecycle__shares_read_write_and_read_only(void **state)
{
	struct fixture *fx = *state;
	const char *work[] = { "/bin/sh", "-c",
			       "grep -q from-host /mnt/rw/in.txt || exit 11; "
			       "echo from-guest > /mnt/rw/out.txt || exit 12; "
			       "grep -q ro-data /mnt/ro/r.txt || exit 13; "
			       "mount -o remount,rw /mnt/ro; echo x > /mnt/ro/w.txt && exit 14; exit 0",
			       NULL };
	char rw[300], ro[300], path[400];
	vmc_config *cfg;
	vmc_state st;

	NEED_GUEST();
	if (geteuid() != 0) {
		print_message("skipped: virtiofs shares need root (QEMU's virtiofsd)\n");
		skip();
	}
	snprintf(rw, sizeof(rw), "%s-rw", H.state_dir);
	snprintf(ro, sizeof(ro), "%s-ro", H.state_dir);
	assert_int_equal(mkdir(rw, 0755), 0);
	assert_int_equal(mkdir(ro, 0755), 0);
	snprintf(path, sizeof(path), "%s/in.txt", rw);
	write_file(path, "from-host\n");
	snprintf(path, sizeof(path), "%s/r.txt", ro);
	write_file(path, "ro-data\n");
	cfg = harness_config(&H, "shares", work);
	assert_int_equal(vmc_config_add_share(cfg, rw, "rw", 0), 0);
	assert_int_equal(vmc_config_add_share(cfg, ro, "ro", 1), 0);
	start_ok(fx->mgr, cfg);
	assert_int_equal(vmc_manager_wait(fx->mgr, "shares", VMC_STATE_STOPPED, BOOT_TIMEOUT_MS, &st), 0);
	assert_int_equal(st.exit_code, 0); /* each failed check exits 11..14 */
	snprintf(path, sizeof(path), "%s/out.txt", rw);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/w.txt", ro);
	assert_int_not_equal(access(path, F_OK), 0); /* read-only even after a guest remount */
	remove_ok(fx->mgr, "shares");
	assert_int_equal(harness_count_procs("virtiofsd"), 0);
	fs_remove_tree(rw);
	fs_remove_tree(ro);
}

static void lifecycle__stop_timeout_forces_the_end(void **state)
{
	struct fixture *fx = *state;
	/* vmc-init gives a TERM-ignoring workload vmc.stop_timeout (2 s) before
	 * SIGKILL; a 300 ms stop timeout runs out first */
	const char *stubborn[] = { "/bin/sh", "-c", "trap '' TERM; echo trap-set; sleep 600; sleep 600",
				   NULL };
	vmc_stop_result how;
	vmc_state st;

	NEED_GUEST();
	start_ok(fx->mgr, harness_config(&H, "stubborn", stubborn));
	wait_ready(fx->mgr, "stubborn", &st);
	/* READY comes before the workload runs: wait until its trap is set */
	assert_int_equal(harness_console_wait(&H, "stubborn", "trap-set", 30000), 0);
	assert_int_equal(vmc_manager_stop(fx->mgr, "stubborn", 300, &how), 0);
	assert_int_equal(vmc_manager_state(fx->mgr, "stubborn", &st), 0);
	print_message("stop after 300 ms: %s (%s)\n", how == VMC_STOP_KILLED ? "forced" : "graceful",
		      st.reason);
	assert_int_equal(how, VMC_STOP_KILLED);
	assert_int_equal(st.kind, VMC_STATE_STOPPED);
	assert_non_null(strstr(st.reason, "did not power off in time"));
	remove_ok(fx->mgr, "stubborn");
}

static void lifecycle__snapshot_and_restore(void **state)
{
	struct fixture *fx = *state;
	const char *counter[] = { "/bin/sh", "-c",
				  "i=0; while :; do i=$((i+1)); echo count-$i; sleep 1; done", NULL };
	char dir[300], bad[300], *restored = NULL;
	vmc_state st;

	NEED_GUEST();
	snprintf(dir, sizeof(dir), "%s-snap", H.state_dir);
	snprintf(bad, sizeof(bad), "%s-notasnap", H.state_dir);
	start_ok(fx->mgr, harness_config(&H, "orig", counter));
	wait_ready(fx->mgr, "orig", &st);
	assert_int_equal(harness_console_wait(&H, "orig", "count-2", 30000), 0);
	assert_int_equal(vmc_manager_snapshot(fx->mgr, "orig", dir), 0);
	assert_int_equal(vmc_manager_state(fx->mgr, "orig", &st), 0);
	assert_int_equal(st.kind, VMC_STATE_READY); /* it ran on after the copy */
	assert_int_equal(vmc_manager_snapshot(fx->mgr, "orig", dir), VMC_EEXISTS);
	assert_int_equal(vmc_manager_kill(fx->mgr, "orig"), 0);
	assert_int_equal(vmc_manager_snapshot(fx->mgr, "orig", bad), VMC_EINVALSTATE);
	assert_int_not_equal(access(bad, F_OK), 0);

	assert_int_equal(vmc_manager_restore(fx->mgr, dir, "copy", &restored), 0);
	assert_string_equal(restored, "default/copy");
	vmc_free(restored);
	/* READY again with its address, without booting: the guest goes on
	 * counting where it was and never prints its ready line again */
	wait_ready(fx->mgr, "copy", &st);
	assert_string_equal(st.ip[0], "10.0.2.15");
	assert_int_equal(harness_console_wait(&H, "copy", "count-", 30000), 0);
	assert_int_not_equal(harness_console_wait(&H, "copy", "VMC_READY", 0), 0);
	assert_int_not_equal(harness_console_wait(&H, "copy", "count-1\r", 0), 0);
	/* the restored VM is a full VM: stop it gracefully */
	assert_int_equal(vmc_manager_stop(fx->mgr, "copy", 30000, NULL), 0);
	remove_ok(fx->mgr, "copy");
	remove_ok(fx->mgr, "orig");

	/* not a snapshot: a clear error and no VM left */
	assert_int_equal(mkdir(bad, 0700), 0);
	assert_int_equal(vmc_manager_restore(fx->mgr, bad, "nope", NULL), VMC_ENOTFOUND);
	assert_int_equal(vmc_manager_state(fx->mgr, "nope", &st), VMC_ENOTFOUND);
	fs_remove_tree(bad);
	fs_remove_tree(dir);
}

struct seen {
	int ready, stopped;
};

static void on_event(const char *ns, const char *name, const vmc_state *st, void *payload)
{
	struct seen *s = payload;

	if (strcmp(ns, "default") || strcmp(name, "evt"))
		return;
	if (st->kind == VMC_STATE_READY)
		s->ready++;
	if (st->kind == VMC_STATE_STOPPED)
		s->stopped++;
}

static void lifecycle__events_report_changes(void **state)
{
	struct fixture *fx = *state;
	struct seen seen = { 0 };
	vmc_manager *watcher = NULL;

	NEED_GUEST();
	/* a second manager, as another process would have */
	assert_int_equal(vmc_manager_open(&watcher, H.state_dir), 0);
	assert_int_equal(vmc_manager_set_event_callback(watcher, on_event, &seen), 0);
	assert_true(vmc_manager_fd(watcher) >= 0);
	start_ok(fx->mgr, harness_config(&H, "evt", NULL));
	for (int i = 0; i < 200 && !seen.ready; i++)
		assert_true(vmc_manager_dispatch(watcher, 1000) >= 0);
	assert_int_equal(seen.ready, 1);
	assert_int_equal(vmc_manager_stop(fx->mgr, "evt", 30000, NULL), 0);
	for (int i = 0; i < 50 && !seen.stopped; i++)
		assert_true(vmc_manager_dispatch(watcher, 1000) >= 0);
	assert_int_equal(seen.stopped, 1);
	vmc_manager_free(watcher);
	remove_ok(fx->mgr, "evt");
}

static void lifecycle__soak_leaves_nothing_behind(void **state)
{
	struct fixture *fx = *state;
	const char *env = getenv("VMC_SOAK_CYCLES");
	long cycles = env ? strtol(env, NULL, 10) : 50;
	int fds_before, fds_after;
	char name[32], qemu_tag[64];
	vmc_state st;

	NEED_GUEST();
	/* unique, so QEMUs of other test runs on this machine do not count */
	snprintf(name, sizeof(name), "soak-%d", (int)getpid());
	snprintf(qemu_tag, sizeof(qemu_tag), "guest=default/%s", name);
	fds_before = harness_count_fds();
	for (long i = 0; i < cycles; i++) {
		start_ok(fx->mgr, harness_config(&H, name, NULL));
		wait_ready(fx->mgr, name, &st);
		assert_int_equal(vmc_manager_stop(fx->mgr, name, 30000, NULL), 0);
		remove_ok(fx->mgr, name);
	}
	fds_after = harness_count_fds();
	print_message("soak: %ld cycles, fds %d -> %d, processes left %d\n", cycles, fds_before,
		      fds_after, harness_count_procs(H.state_dir));
	assert_int_equal(fds_before, fds_after);
	assert_int_equal(harness_count_procs(H.state_dir), 0);     /* shims */
	assert_int_equal(harness_count_procs(qemu_tag), 0);       /* QEMUs */
	assert_int_equal(dir_entries(H.state_dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(lifecycle__boot_pause_resume_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__pause_silences_console, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__hypervisor_killed_from_outside_is_failed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__shim_killed_is_reported_and_cleaned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(lifecycle__second_process_controls_the_vm, setup,
						teardown),
		cmocka_unit_test_setup_teardown(lifecycle__two_vms_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__same_name_twice_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__bad_input_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__workload_exit_code, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__cli_foreground_returns_workload_status,
						setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__guest_panic_is_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__boot_timeout_is_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__events_report_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__port_forward_reaches_guest_server, setup,
						teardown),
		cmocka_unit_test_setup_teardown(lifecycle__shares_read_write_and_read_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(lifecycle__stop_timeout_forces_the_end, setup,
						teardown),
		cmocka_unit_test_setup_teardown(lifecycle__snapshot_and_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle__soak_leaves_nothing_behind, setup, teardown),
	};
	int failed;

	if (harness_init(&H) < 0)
		fprintf(stderr, "integration tests will be skipped: %s\n", H.why_not);
	failed = cmocka_run_group_tests_name("vm_lifecycle", tests, NULL, NULL);
	harness_fini(&H);
	return failed;
}
