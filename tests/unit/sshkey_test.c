/*
 * sshkey_test.c - vmc's SSH key pair (vmc_ssh_key_ensure): OpenSSH's own
 * ssh-keygen reads the private key and derives exactly the public key vmc
 * wrote; the files have modes 0600 and 0644 whatever the umask; a second
 * call returns the same pair; VMC_DATA_DIR is the default directory; a
 * damaged public key file is reported, not silently replaced; a missing
 * private key makes a new pair. Skips the ssh-keygen checks, saying so,
 * when openssh-client is not installed.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/fsutil.h"
#include "core/spawn.h"
#include "vmc.h"
#include "run_tool.h"

static char *run_keygen(const char *key)
{
	const char *argv[] = { "ssh-keygen", "-y", "-f", key, NULL };
	char *buf = NULL;

	assert_int_equal(run_tool(argv, &buf, NULL), 0);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static int have_keygen(void)
{
	return access("/usr/bin/ssh-keygen", X_OK) == 0;
}

static void cleanup(const char *dir)
{
	fs_remove_tree(dir);
}

static void sshkey__keygen_reproduces_public_key(void **state)
{
	char dir[] = "/tmp/vmc-sshkey-XXXXXX", *key = NULL, *pub = NULL, *path, *file = NULL;
	struct stat sb;
	mode_t old;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	old = umask(077); /* the public key is 0644 anyway */
	assert_int_equal(vmc_ssh_key_ensure(dir, &key, &pub), 0);
	umask(old);
	path = fs_join(dir, "id_ed25519");
	assert_string_equal(key, path);
	assert_int_equal(strncmp(pub, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", 37), 0);
	assert_int_equal(strlen(pub), strlen("ssh-ed25519 ") + 68 + strlen(" vmc"));
	assert_string_equal(pub + strlen(pub) - 4, " vmc");
	assert_int_equal(stat(key, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	free(path);
	path = fs_join(dir, "id_ed25519.pub");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(fs_read_file(path, 4096, &file, &len), 0);
	assert_int_equal(len, strlen(pub) + 1);
	assert_memory_equal(file, pub, strlen(pub));
	free(file);
	assert_int_equal(fs_read_file(key, 4096, &file, &len), 0);
	assert_non_null(strstr(file, "-----BEGIN OPENSSH PRIVATE KEY-----\n"));
	free(file);
	if (have_keygen()) {
		char *derived = run_keygen(key);

		assert_string_equal(derived, pub);
		free(derived);
	} else {
		print_message("ssh-keygen not installed (openssh-client): format not checked\n");
	}
	vmc_free(key);
	vmc_free(pub);
	free(path);
	cleanup(dir);
}

static void sshkey__second_call_returns_same_pair(void **state)
{
	char dir[] = "/tmp/vmc-sshkey-XXXXXX", *pub1 = NULL, *pub2 = NULL, *pub3 = NULL, *path;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(vmc_ssh_key_ensure(dir, NULL, &pub1), 0);
	assert_int_equal(vmc_ssh_key_ensure(dir, NULL, &pub2), 0);
	assert_string_equal(pub1, pub2);
	/* a lost private key means a new pair, not a stale public key */
	path = fs_join(dir, "id_ed25519");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(vmc_ssh_key_ensure(dir, NULL, &pub3), 0);
	assert_string_not_equal(pub1, pub3);
	assert_int_equal(access(path, F_OK), 0);
	vmc_free(pub1);
	vmc_free(pub2);
	vmc_free(pub3);
	free(path);
	cleanup(dir);
}

static void sshkey__damaged_public_key_is_reported(void **state)
{
	char dir[] = "/tmp/vmc-sshkey-XXXXXX", *pub = NULL, *path;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(vmc_ssh_key_ensure(dir, NULL, NULL), 0);
	path = fs_join(dir, "id_ed25519.pub");
	assert_int_equal(fs_write_atomic(path, "garbage\n", 8, 0644, 0), 0);
	assert_int_equal(vmc_ssh_key_ensure(dir, NULL, &pub), VMC_EPROTO);
	assert_null(pub);
	assert_non_null(strstr(vmc_error_last(), "id_ed25519.pub"));
	free(path);
	cleanup(dir);
}

static void sshkey__data_dir_default(void **state)
{
	char dir[] = "/tmp/vmc-sshkey-XXXXXX", sub[64], *key = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/data", dir);
	assert_int_equal(setenv("VMC_DATA_DIR", sub, 1), 0);
	assert_int_equal(vmc_ssh_key_ensure(NULL, &key, NULL), 0);
	unsetenv("VMC_DATA_DIR");
	assert_int_equal(strncmp(key, sub, strlen(sub)), 0);
	assert_string_equal(key + strlen(sub), "/id_ed25519");
	vmc_free(key);
	cleanup(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sshkey__keygen_reproduces_public_key),
		cmocka_unit_test(sshkey__second_call_returns_same_pair),
		cmocka_unit_test(sshkey__damaged_public_key_is_reported),
		cmocka_unit_test(sshkey__data_dir_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
