/*
 * image_boot_test.c - `vmc run --image` with real guests (issue 7, "boot
 * it"). The test builds its own OCI image: one uncompressed layer tar
 * (libarchive) with the host's static busybox as /bin/busybox and symlinks
 * for sh, echo, cat, id, pwd, env..., an /etc/passwd and /etc/group with a
 * user "app" (1234, primary group 2345, member of 777), and a config whose
 * Entrypoint + Cmd print the uid, gids, cwd and an Env variable, then exit
 * 3; User "app", WorkingDir "/work dir" (a space: the encoding is tested),
 * Env with spaces, quotes, '=' and non-ASCII bytes. It writes an OCI
 * layout, loads it with `vmc image load`, and checks through the CLI:
 * `-- /bin/echo hello` prints hello and exits 0; without a command the
 * image's own workload runs as app in the workdir with its env and its
 * status 3 becomes vmc run's; two VMs of the image get independent disks
 * (a file one writes is in its clone, read back with debugfs, and absent
 * in the other's guest); the cached ext4 is built once (same inode and
 * mtime after later runs); `vmc rm` removes the VM's clone; an image not
 * in the store fails with exit 3. Without the default guest, a static
 * /bin/busybox or mke2fs it skips, saying why.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "harness.h"
#include "image/digest.h"
#include "vmc.h"

#define REF "localhost/vmc-test/busybox:1"
#define BUSYBOX "/bin/busybox"
#define OUT_MAX 65536

static struct harness H;
static char tmp_dir[] = "/tmp/vmc-image-it-XXXXXX";
static char data_dir[4200], layout[4200];
static char why_not[256];

static const char *const applets[] = { "sh", "echo", "cat", "id", "pwd", "env", "ls",
				       "test", "touch", "sync", "true", "false", NULL };

#define PASSWD "root:x:0:0:root:/root:/bin/sh\napp:x:1234:2345:app user:/home/app:/bin/sh\n"
#define GROUP "root:x:0:\napp:x:2345:\nextra:x:777:other,app\n"
/* the image's own workload prints everything the test checks in one line */
#define CONFIG_JSON                                                                        \
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"                        \
	"\"User\":\"app\",\"WorkingDir\":\"/work dir\","                                   \
	"\"Env\":[\"PATH=/bin\",\"GREETING=hi \\\"there\\\" a=b, caf\\u00e9\"],"           \
	"\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"" CMD_JSON "\"]},"                 \
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}"
#define CMD_JSON "echo \\\"DEFAULT uid=$(id -u) gid=$(id -g) groups=$(id -G) pwd=$(pwd) " \
		 "greeting=[$GREETING] home=$HOME\\\"; exit 3"

#define NEED_IMAGE()                                               \
	do {                                                       \
		if (why_not[0]) {                                  \
			print_message("skipped: %s\n", why_not);   \
			skip();                                    \
		}                                                  \
	} while (0)

/* ---- building the image ---- */

static int add_entry(struct archive *a, const char *path, mode_t type, mode_t perm,
		     unsigned int uid, unsigned int gid, const void *data, size_t len,
		     const char *link)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, gid);
	archive_entry_set_mtime(e, 1700000000, 0);
	if (link)
		archive_entry_set_symlink(e, link);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		rc = -1;
	if (rc == 0 && len && archive_write_data(a, data, len) != (la_ssize_t)len)
		rc = -1;
	archive_entry_free(e);
	return rc;
}

static int write_layer(const char *path)
{
	struct archive *a = archive_write_new();
	char *bb = NULL, name[64];
	size_t bb_len = 0;
	int rc;

	rc = fs_read_file(BUSYBOX, 64 << 20, &bb, &bb_len);
	if (rc < 0)
		return -1;
	archive_write_set_format_pax_restricted(a);
	rc = archive_write_open_filename(a, path) == ARCHIVE_OK ? 0 : -1;
	rc |= add_entry(a, "bin/", AE_IFDIR, 0755, 0, 0, NULL, 0, NULL);
	rc |= add_entry(a, "bin/busybox", AE_IFREG, 0755, 0, 0, bb, bb_len, NULL);
	for (int i = 0; applets[i]; i++) {
		snprintf(name, sizeof(name), "bin/%s", applets[i]);
		rc |= add_entry(a, name, AE_IFLNK, 0777, 0, 0, NULL, 0, "busybox");
	}
	rc |= add_entry(a, "etc/", AE_IFDIR, 0755, 0, 0, NULL, 0, NULL);
	rc |= add_entry(a, "etc/passwd", AE_IFREG, 0644, 0, 0, PASSWD, strlen(PASSWD), NULL);
	rc |= add_entry(a, "etc/group", AE_IFREG, 0644, 0, 0, GROUP, strlen(GROUP), NULL);
	rc |= add_entry(a, "tmp/", AE_IFDIR, 01777, 0, 0, NULL, 0, NULL);
	rc |= add_entry(a, "home/", AE_IFDIR, 0755, 0, 0, NULL, 0, NULL);
	rc |= add_entry(a, "home/app/", AE_IFDIR, 0755, 1234, 2345, NULL, 0, NULL);
	rc |= add_entry(a, "work dir/", AE_IFDIR, 0777, 0, 0, NULL, 0, NULL);
	for (const char *d = "dev/\0proc/\0sys/\0run/\0"; *d; d += strlen(d) + 1)
		rc |= add_entry(a, d, AE_IFDIR, 0755, 0, 0, NULL, 0, NULL);
	if (archive_write_close(a) != ARCHIVE_OK)
		rc = -1;
	archive_write_free(a);
	free(bb);
	return rc;
}

/* Stores `len` bytes as blobs/sha256/<hex>; digest into out. */
static int put_blob(const void *buf, size_t len, char out[OCI_DIGEST_BUF])
{
	char path[4400];

	if (oci_digest_buf(buf, len, out) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, out + 7);
	return fs_write_atomic(path, buf, len, 0644, 0);
}

static int write_layout(void)
{
	char layer_path[4400], blobs[4400], layer_d[OCI_DIGEST_BUF], config_d[OCI_DIGEST_BUF];
	char manifest_d[OCI_DIGEST_BUF], config[4096], manifest[2048], index[1024];
	char *layer = NULL;
	size_t layer_len = 0;
	int n;

	snprintf(layout, sizeof(layout), "%s/layout", tmp_dir);
	snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", layout);
	snprintf(layer_path, sizeof(layer_path), "%s/layer.tar", tmp_dir);
	if (fs_mkdir_p(blobs, 0755) < 0 || write_layer(layer_path) < 0 ||
	    fs_read_file(layer_path, 64 << 20, &layer, &layer_len) < 0)
		return -1;
	if (put_blob(layer, layer_len, layer_d) < 0)
		goto fail;
	n = snprintf(config, sizeof(config), CONFIG_JSON, layer_d);
	if (put_blob(config, (size_t)n, config_d) < 0)
		goto fail;
	n = snprintf(manifest, sizeof(manifest),
		     "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		     "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		     "\"digest\":\"%s\",\"size\":%d},"
		     "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		     "\"digest\":\"%s\",\"size\":%zu}]}",
		     config_d, (int)strlen(config), layer_d, layer_len);
	if (put_blob(manifest, (size_t)n, manifest_d) < 0)
		goto fail;
	n = snprintf(index, sizeof(index),
		     "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		     "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%d,"
		     "\"annotations\":{\"org.opencontainers.image.ref.name\":\"1\"}}]}",
		     manifest_d, (int)strlen(manifest));
	snprintf(blobs, sizeof(blobs), "%s/index.json", layout);
	if (fs_write_atomic(blobs, index, (size_t)n, 0644, 0) < 0)
		goto fail;
	snprintf(blobs, sizeof(blobs), "%s/oci-layout", layout);
	if (fs_write_atomic(blobs, "{\"imageLayoutVersion\":\"1.0.0\"}", 30, 0644, 0) < 0)
		goto fail;
	free(layer);
	return 0;
fail:
	free(layer);
	return -1;
}

static int tool_exists(const char *name)
{
	const char *argv[] = { "sh", "-c", "command -v \"$0\" >/dev/null", name, NULL };
	struct spawn_opts o = { .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
	int status;
	pid_t pid;

	if (spawn_process(&o, &pid) < 0 || waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int setup(void **state)
{
	char out[4096];
	(void)state;

	if (!mkdtemp(tmp_dir))
		return -1;
	snprintf(data_dir, sizeof(data_dir), "%s/data", tmp_dir);
	setenv("VMC_DATA_DIR", data_dir, 1);
	if (harness_init(&H) < 0) {
		snprintf(why_not, sizeof(why_not), "%s", H.why_not);
		return 0;
	}
	if (!H.have_guest) {
		snprintf(why_not, sizeof(why_not), "%s", H.why_not);
		return 0;
	}
	if (access(BUSYBOX, X_OK) != 0) {
		snprintf(why_not, sizeof(why_not), "no %s (busybox-static)", BUSYBOX);
		return 0;
	}
	if (!tool_exists("mke2fs") || !tool_exists("debugfs")) {
		snprintf(why_not, sizeof(why_not), "no mke2fs/debugfs (e2fsprogs)");
		return 0;
	}
	if (write_layout() < 0) {
		print_error("cannot write the OCI layout in %s\n", tmp_dir);
		return -1;
	}
	{
		const char *args[] = { "image", "load", layout, REF, NULL };
		int rc = harness_cli(&H, out, sizeof(out), args);

		if (rc != 0) {
			print_error("vmc image load failed: %d\n", rc);
			return -1;
		}
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	harness_fini(&H);
	fs_remove_tree(tmp_dir);
	return 0;
}

static int cache_path(char *out, size_t len)
{
	char cmd_out[4096];
	const char *args[] = { "--json", "image", "ls", NULL };
	char *p;

	if (harness_cli(&H, cmd_out, sizeof(cmd_out), args) != 0)
		return -1;
	p = strstr(cmd_out, "sha256:");
	if (!p)
		return -1;
	snprintf(out, len, "%s/images/disks/%.64s.ext4", data_dir, p + 7);
	return 0;
}

static char out_buf[OUT_MAX];

static void image__echo_hello(void **state)
{
	const char *args[] = { "run", "--name", "hello", "--image", REF, "--", "/bin/echo",
			       "hello", NULL };
	char cache[4400];
	struct stat sb;
	(void)state;

	NEED_IMAGE();
	assert_int_equal(harness_cli(&H, out_buf, sizeof(out_buf), args), 0);
	assert_non_null(strstr(out_buf, "hello\r\n") ? out_buf : strstr(out_buf, "hello\n"));
	assert_int_equal(cache_path(cache, sizeof(cache)), 0);
	assert_int_equal(stat(cache, &sb), 0);
	print_message("cached disk %s: %lld bytes, %lld allocated\n", cache,
		      (long long)sb.st_size, (long long)sb.st_blocks * 512);
}

static void image__default_workload(void **state)
{
	const char *args[] = { "run", "--name", "dflt", "--image", REF, NULL };
	const char *want = "DEFAULT uid=1234 gid=2345 groups=2345 777 pwd=/work dir "
			   "greeting=[hi \"there\" a=b, caf\xc3\xa9] home=/home/app";
	int rc;
	(void)state;

	NEED_IMAGE();
	rc = harness_cli(&H, out_buf, sizeof(out_buf), args);
	if (!strstr(out_buf, want))
		print_error("want '%s' in:\n%s\n", want, out_buf);
	assert_non_null(strstr(out_buf, want));
	assert_int_equal(rc, 3);
}

static void image__independent_disks_one_cache(void **state)
{
	const char *a[] = { "run", "--name", "a", "--image", REF, "--", "/bin/sh", "-c",
			    "echo written > /tmp/marker && sync && echo WROTE", NULL };
	const char *b[] = { "run", "--name", "b", "--image", REF, "--", "/bin/sh", "-c",
			    "test -e /tmp/marker && echo PRESENT || echo ABSENT", NULL };
	const char *rm[] = { "rm", "a", NULL };
	char cache[4400], clone_a[4400], clone_b[4400], dbg[4096];
	struct stat before, after;
	(void)state;

	NEED_IMAGE();
	assert_int_equal(cache_path(cache, sizeof(cache)), 0);
	assert_int_equal(stat(cache, &before), 0);
	assert_int_equal(harness_cli(&H, out_buf, sizeof(out_buf), a), 0);
	assert_non_null(strstr(out_buf, "WROTE"));
	assert_int_equal(harness_cli(&H, out_buf, sizeof(out_buf), b), 0);
	assert_non_null(strstr(out_buf, "ABSENT"));
	assert_null(strstr(out_buf, "PRESENT"));

	/* the file is in a's clone, not in b's nor in the cached disk */
	snprintf(clone_a, sizeof(clone_a), "%s/default/a/rootfs.ext4", H.state_dir);
	snprintf(clone_b, sizeof(clone_b), "%s/default/b/rootfs.ext4", H.state_dir);
	{
		const char *da[] = { "debugfs", "-R", "cat /tmp/marker", clone_a, NULL };
		const char *db[] = { "debugfs", "-R", "cat /tmp/marker", clone_b, NULL };
		const char *dc[] = { "debugfs", "-R", "cat /tmp/marker", cache, NULL };

		assert_int_equal(harness_run(da, dbg, sizeof(dbg), HARNESS_STDERR_DROP), 0);
		assert_string_equal(dbg, "written\n");
		harness_run(db, dbg, sizeof(dbg), HARNESS_STDERR_DROP);
		assert_string_equal(dbg, "");
		harness_run(dc, dbg, sizeof(dbg), HARNESS_STDERR_DROP);
		assert_string_equal(dbg, "");
	}
	/* built once: the same file after three more runs */
	assert_int_equal(stat(cache, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);

	assert_int_equal(harness_cli(&H, NULL, 0, rm), 0);
	assert_int_equal(access(clone_a, F_OK), -1);
	assert_int_equal(access(clone_b, F_OK), 0);
}

/* Not in the store: pulled first; from a registry that is not there, the
 * pull fails and nothing boots. */
static void image__absent_pull_fails(void **state)
{
	const char *args[] = { "run", "--name", "absent", "--image", "127.0.0.1:1/vmc-test/absent:1",
			       "--", "/bin/true", NULL };
	char dir[4400];
	(void)state;

	NEED_IMAGE();
	assert_int_equal(harness_cli(&H, NULL, 0, args), 1);
	snprintf(dir, sizeof(dir), "%s/default/absent", H.state_dir);
	assert_int_equal(access(dir, F_OK), -1);
}

/* A root filesystem vmc-init cannot mount (the cached disk's superblock
 * zeroed, so every VM's clone has it too) is a VMC_ERROR from the guest:
 * `vmc run` fails at once with vmc-init's message, not at the boot
 * timeout. The cache is deleted afterwards, so later runs rebuild it. */
static void image__unmountable_root_is_an_error(void **state)
{
	const char *args[] = { "run", "--name", "badroot", "--image", REF, "--", "/bin/true",
			       NULL };
	const char *rm[] = { "rm", "-f", "badroot", NULL };
	static const char zeros[4096];
	char cache[4400];
	int64_t t0;
	int fd, rc;
	(void)state;

	NEED_IMAGE();
	assert_int_equal(cache_path(cache, sizeof(cache)), 0);
	fd = open(cache, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, zeros, sizeof(zeros), 0), (ssize_t)sizeof(zeros));
	close(fd);
	t0 = clock_mono_ms();
	rc = harness_cli(&H, out_buf, sizeof(out_buf), args);
	print_message("exit %d after %lld ms\n", rc, (long long)(clock_mono_ms() - t0));
	if (!strstr(out_buf, "root: mount"))
		print_error("want 'root: mount' in:\n%s\n", out_buf);
	unlink(cache);
	harness_cli(&H, NULL, 0, rm);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out_buf, "root: mount"));
	assert_true(clock_mono_ms() - t0 < 60000);
}

/* The image's /etc/passwd is a FIFO (made in the cached disk with
 * debugfs): vmc-init refuses it with a VMC_ERROR instead of blocking in
 * open() until the boot times out. */
static void image__fifo_passwd_is_an_error(void **state)
{
	const char *args[] = { "run", "--name", "fifo", "--boot-timeout", "60", "--image", REF,
			       "--", "/bin/true", NULL };
	const char *rm[] = { "rm", "-f", "fifo", NULL };
	char cache[4400], store[4400], dbg[4096];
	vmc_config *cfg = NULL;
	int64_t t0;
	int rc;
	(void)state;

	NEED_IMAGE();
	/* the cache as vmc run would build it */
	snprintf(store, sizeof(store), "%s/images", data_dir);
	assert_int_equal(vmc_config_new(&cfg, "fifo"), 0);
	assert_int_equal(vmc_config_set_image(cfg, store, REF), 0);
	vmc_config_free(cfg);
	assert_int_equal(cache_path(cache, sizeof(cache)), 0);
	{
		/* debugfs's mknod takes a name in its cwd, not a path */
		static const char cmds[] = "rm /etc/passwd\ncd /etc\nmknod passwd p\n";
		char file[4400];
		const char *mk[] = { "debugfs", "-w", "-f", file, cache, NULL };
		const char *ls[] = { "debugfs", "-R", "stat /etc/passwd", cache, NULL };

		snprintf(file, sizeof(file), "%s/fifo.debugfs", tmp_dir);
		assert_int_equal(fs_write_atomic(file, cmds, strlen(cmds), 0600, 0), 0);
		assert_int_equal(harness_run(mk, dbg, sizeof(dbg), HARNESS_STDERR_DROP), 0);
		assert_int_equal(harness_run(ls, dbg, sizeof(dbg), HARNESS_STDERR_DROP), 0);
		assert_non_null(strstr(dbg, "Type: FIFO"));
	}
	t0 = clock_mono_ms();
	rc = harness_cli(&H, out_buf, sizeof(out_buf), args);
	print_message("exit %d after %lld ms\n", rc, (long long)(clock_mono_ms() - t0));
	if (!strstr(out_buf, "/etc/passwd: not a regular file"))
		print_error("want '/etc/passwd: not a regular file' in:\n%s\n", out_buf);
	unlink(cache);
	harness_cli(&H, NULL, 0, rm);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out_buf, "/etc/passwd: not a regular file"));
	assert_true(clock_mono_ms() - t0 < 30000);
}

/* ---- the image from a real registry ---- */

struct registry {
	pid_t pid;
	int port;
	char dir[4400];
};

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Debian's docker-registry on 127.0.0.1:<free port>, storage in tmp_dir. */
static int registry_start(struct registry *r)
{
	char cfg[4500], text[9000];
	const char *argv[] = { "docker-registry", "serve", cfg, NULL };
	struct spawn_opts o = { .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
	int n;

	r->pid = -1;
	r->port = free_port();
	snprintf(r->dir, sizeof(r->dir), "%s/registry", tmp_dir);
	snprintf(cfg, sizeof(cfg), "%s/config.yml", r->dir);
	n = snprintf(text, sizeof(text),
		     "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
		     "storage:\n  filesystem:\n    rootdirectory: %s/storage\n"
		     "http:\n  addr: 127.0.0.1:%d\n  secret: vmc-test\n", r->dir, r->port);
	if (r->port < 0 || fs_mkdir_p(r->dir, 0755) < 0 ||
	    fs_write_atomic(cfg, text, (size_t)n, 0644, 0) < 0 || spawn_process(&o, &r->pid) < 0)
		return -1;
	for (int i = 0; i < 300; i++) {
		if (port_open(r->port))
			return 0;
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
			r->pid = -1;
			return -1;
		}
		harness_pause_ms(50);
	}
	return -1;
}

static void registry_stop(struct registry *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = -1;
	}
}

/* skopeo pushes the layout; `vmc run --image` pulls it (not in the store
 * under this name) and boots it. */
static void image__pulled_from_registry(void **state)
{
	struct registry r = { .pid = -1 };
	char src[4500], dst[300], ref[256], ls[8192];
	const char *ls_args[] = { "image", "ls", NULL };
	int rc;
	(void)state;

	NEED_IMAGE();
	if (!tool_exists("docker-registry") || !tool_exists("skopeo")) {
		print_message("skipped: needs docker-registry and skopeo\n");
		skip();
	}
	assert_int_equal(registry_start(&r), 0);
	snprintf(src, sizeof(src), "oci:%s:1", layout);
	snprintf(ref, sizeof(ref), "127.0.0.1:%d/vmc-test/pulled:1", r.port);
	snprintf(dst, sizeof(dst), "docker://%s", ref);
	{
		const char *push[] = { "skopeo", "--insecure-policy", "copy", "--quiet",
				       "--dest-tls-verify=false", src, dst, NULL };
		char out[256];

		rc = harness_run(push, out, sizeof(out), HARNESS_STDERR_DROP);
	}
	if (rc != 0)
		registry_stop(&r);
	assert_int_equal(rc, 0);
	{
		const char *args[] = { "run", "--name", "pulled", "--image", ref, "--", "/bin/echo",
				       "hello", "from", "the", "registry", NULL };

		rc = harness_cli(&H, out_buf, sizeof(out_buf), args);
	}
	registry_stop(&r);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out_buf, "hello from the registry"));
	assert_int_equal(harness_cli(&H, ls, sizeof(ls), ls_args), 0);
	assert_non_null(strstr(ls, ref));
}

/* The same disk and workload on the Cloud Hypervisor backend (its test
 * double in its FAKE_CH_GUEST=qemu mode, QEMU underneath): the clone is
 * attached with serial=vmc-root. */
static void image__on_chv_double(void **state)
{
	const char *dbl = getenv("VMC_CHV_DOUBLE");
	const char *args[] = { "run", "--backend", "chv", "--name", "onchv", "--image", REF, "--",
			       "/bin/sh", "-c", "echo on-chv uid=$(id -u); exit 5", NULL };
	int rc;
	(void)state;

	NEED_IMAGE();
	if (!dbl || access(dbl, X_OK) != 0) {
		print_message("skipped: no Cloud Hypervisor test double (VMC_CHV_DOUBLE)\n");
		skip();
	}
	assert_int_equal(setenv("VMC_CHV_BINARY", dbl, 1), 0);
	assert_int_equal(setenv("FAKE_CH_GUEST", "qemu", 1), 0); /* the double's real-guest mode */
	rc = harness_cli(&H, out_buf, sizeof(out_buf), args);
	unsetenv("VMC_CHV_BINARY");
	unsetenv("FAKE_CH_GUEST");
	assert_non_null(strstr(out_buf, "on-chv uid=1234"));
	assert_int_equal(rc, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(image__echo_hello),
		cmocka_unit_test(image__default_workload),
		cmocka_unit_test(image__independent_disks_one_cache),
		cmocka_unit_test(image__on_chv_double),
		cmocka_unit_test(image__absent_pull_fails),
		cmocka_unit_test(image__unmountable_root_is_an_error),
		cmocka_unit_test(image__fifo_passwd_is_an_error),
		cmocka_unit_test(image__pulled_from_registry),
	};

	int rc = cmocka_run_group_tests(tests, setup, teardown);

	if (rc == 0 && why_not[0]) {
		printf("SKIP: %s\n", why_not); /* every test needs the image: meson counts a skip */
		return 77;
	}
	return rc;
}
