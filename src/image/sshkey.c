/*
 * sshkey.c - vmc's own SSH key pair for logging into guests: an ed25519
 * key generated with OpenSSL on first use and kept in the data directory
 * as id_ed25519 (OpenSSH's "openssh-key-v1" private key format, no
 * passphrase, 0600) and id_ed25519.pub ("ssh-ed25519 BASE64 vmc", 0644).
 * A lock file serialises first uses, so concurrent callers all get the
 * same pair; each file is written to a temporary name, synced and renamed,
 * private key first, so a complete .pub means a complete pair. Key bytes
 * are wiped from memory after use and never reach an error message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/error.h"
#include "core/fsutil.h"

#define KEY_NAME "id_ed25519"
#define KEY_COMMENT "vmc"
#define KEY_TYPE "ssh-ed25519"
#define PEM_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define PEM_END "-----END OPENSSH PRIVATE KEY-----\n"
#define PEM_LINE 70

/* A small growable byte buffer for the SSH wire format (RFC 4251). */
struct wire {
	unsigned char buf[512];
	size_t len;
	int overflow;
};

static void wire_put(struct wire *w, const void *p, size_t n)
{
	if (w->overflow || n > sizeof(w->buf) - w->len) {
		w->overflow = 1;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void wire_u32(struct wire *w, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	wire_put(w, b, 4);
}

static void wire_string(struct wire *w, const void *p, size_t n)
{
	wire_u32(w, (uint32_t)n);
	wire_put(w, p, n);
}

static void wire_cstring(struct wire *w, const char *s)
{
	wire_string(w, s, strlen(s));
}

/* $VMC_DATA_DIR, /var/lib/vmc (root), ${XDG_DATA_HOME:-$HOME/.local/share}/vmc. */
static int data_dir(char **out)
{
	const char *v = getenv("VMC_DATA_DIR");
	int n;

	*out = NULL;
	if (v && v[0])
		n = asprintf(out, "%s", v);
	else if (geteuid() == 0)
		n = asprintf(out, "/var/lib/vmc");
	else if ((v = getenv("XDG_DATA_HOME")) != NULL && v[0])
		n = asprintf(out, "%s/vmc", v);
	else if ((v = getenv("HOME")) != NULL && v[0])
		n = asprintf(out, "%s/.local/share/vmc", v);
	else
		return vmc_error_set(VMC_EINVAL, "no data directory: set VMC_DATA_DIR or HOME");
	if (n < 0) {
		*out = NULL;
		return vmc_error_oom();
	}
	return 0;
}

/* Writes `len` bytes to `path` atomically with exactly `mode`. */
static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = NULL;
	int fd = -1, rc = 0;
	size_t off = 0;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return vmc_error_oom();
	unlink(tmp); /* a leftover of an interrupted first use; we hold the lock */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", tmp);
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, (const char *)data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot write '%s'", tmp);
			goto out;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot sync '%s'", tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot rename '%s'", tmp);
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

static char *b64(const unsigned char *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

/* The public key blob: string "ssh-ed25519", string pub[32]. */
static void pub_blob(struct wire *w, const unsigned char pub[32])
{
	wire_cstring(w, KEY_TYPE);
	wire_string(w, pub, 32);
}

/* Generates a pair and writes both files into dir. *pub_line: caller's. */
static int generate(const char *priv_path, const char *pub_path, char **pub_line)
{
	unsigned char pub[32], priv[64];
	size_t plen = 32, slen = 32;
	struct wire blob = { .len = 0 }, sec = { .len = 0 }, file = { .len = 0 };
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	char *pem = NULL, *enc = NULL, *line = NULL;
	uint32_t check;
	size_t pem_len = 0, enc_len, i;
	int rc = VMC_EIO;

	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &pkey) <= 0 ||
	    EVP_PKEY_get_raw_private_key(pkey, priv, &slen) <= 0 ||
	    EVP_PKEY_get_raw_public_key(pkey, pub, &plen) <= 0 || slen != 32 || plen != 32 ||
	    RAND_bytes((unsigned char *)&check, sizeof(check)) <= 0) {
		rc = vmc_error_set(VMC_EIO, "ssh key: openssl could not generate an ed25519 key");
		goto out;
	}
	memcpy(priv + 32, pub, 32); /* OpenSSH keeps seed || public key */

	pub_blob(&blob, pub);
	/* The private section: check ints, the key, comment, padding to 8. */
	wire_u32(&sec, check);
	wire_u32(&sec, check);
	wire_cstring(&sec, KEY_TYPE);
	wire_string(&sec, pub, 32);
	wire_string(&sec, priv, 64);
	wire_cstring(&sec, KEY_COMMENT);
	for (unsigned char pad = 1; sec.len % 8 != 0; pad++)
		wire_put(&sec, &pad, 1);

	wire_put(&file, "openssh-key-v1", sizeof("openssh-key-v1")); /* with its NUL */
	wire_cstring(&file, "none"); /* cipher */
	wire_cstring(&file, "none"); /* kdf */
	wire_string(&file, "", 0);   /* kdf options */
	wire_u32(&file, 1);          /* one key */
	wire_string(&file, blob.buf, blob.len);
	wire_string(&file, sec.buf, sec.len);
	if (blob.overflow || sec.overflow || file.overflow) {
		rc = vmc_error_set(VMC_ERROR, "ssh key: encoding overflow");
		goto out;
	}

	enc = b64(file.buf, file.len);
	line = NULL;
	if (!enc)
		goto oom;
	enc_len = strlen(enc);
	pem = malloc(sizeof(PEM_BEGIN) + enc_len + enc_len / PEM_LINE + 1 + sizeof(PEM_END));
	if (!pem)
		goto oom;
	memcpy(pem, PEM_BEGIN, sizeof(PEM_BEGIN) - 1);
	pem_len = sizeof(PEM_BEGIN) - 1;
	for (i = 0; i < enc_len; i += PEM_LINE) {
		size_t n = enc_len - i < PEM_LINE ? enc_len - i : PEM_LINE;

		memcpy(pem + pem_len, enc + i, n);
		pem_len += n;
		pem[pem_len++] = '\n';
	}
	memcpy(pem + pem_len, PEM_END, sizeof(PEM_END) - 1);
	pem_len += sizeof(PEM_END) - 1;

	free(enc);
	enc = b64(blob.buf, blob.len);
	if (!enc || asprintf(&line, KEY_TYPE " %s " KEY_COMMENT, enc) < 0) {
		line = NULL;
		goto oom;
	}
	rc = write_file(priv_path, pem, pem_len, 0600);
	if (rc == 0) {
		char *nl = NULL;

		if (asprintf(&nl, "%s\n", line) < 0)
			goto oom;
		rc = write_file(pub_path, nl, strlen(nl), 0644);
		free(nl);
	}
	if (rc == 0) {
		*pub_line = line;
		line = NULL;
	}
	goto out;
oom:
	rc = vmc_error_oom();
out:
	OPENSSL_cleanse(priv, sizeof(priv));
	OPENSSL_cleanse(&sec, sizeof(sec));
	OPENSSL_cleanse(&file, sizeof(file));
	if (pem) {
		OPENSSL_cleanse(pem, pem_len);
		free(pem);
	}
	if (enc) {
		OPENSSL_cleanse(enc, strlen(enc));
		free(enc);
	}
	free(line);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* Reads an existing pair's public key line; VMC_ENOTFOUND if the pair is
 * incomplete. */
static int read_existing(const char *priv_path, const char *pub_path, char **pub_line)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (access(priv_path, F_OK) < 0)
		return VMC_ENOTFOUND;
	rc = fs_read_file(pub_path, 4096, &text, &len);
	if (rc == VMC_ENOTFOUND) {
		vmc_error_clear();
		return VMC_ENOTFOUND;
	}
	if (rc < 0)
		return rc;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	if (strncmp(text, KEY_TYPE " ", sizeof(KEY_TYPE)) != 0 || strlen(text) != len ||
	    strchr(text, '\n')) {
		free(text);
		return vmc_error_set(VMC_EPROTO, "ssh key '%s': not one ssh-ed25519 public key line",
				     pub_path);
	}
	*pub_line = text;
	return 0;
}

int vmc_ssh_key_ensure(const char *dir, char **key_path, char **public_key)
{
	char *ddir = NULL, *priv_path = NULL, *pub_path = NULL, *lock_path = NULL, *line = NULL;
	int lock_fd = -1, rc;

	if (key_path)
		*key_path = NULL;
	if (public_key)
		*public_key = NULL;
	if (!dir) {
		rc = data_dir(&ddir);
		if (rc < 0)
			return rc;
		dir = ddir;
	}
	rc = fs_mkdir_p(dir, 0700);
	if (rc < 0)
		goto out;
	priv_path = fs_join(dir, KEY_NAME);
	pub_path = fs_join(dir, KEY_NAME ".pub");
	lock_path = fs_join(dir, "." KEY_NAME ".lock");
	if (!priv_path || !pub_path || !lock_path) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = read_existing(priv_path, pub_path, &line);
	if (rc == VMC_ENOTFOUND) {
		lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (lock_fd < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot open '%s'", lock_path);
			goto out;
		}
		while (flock(lock_fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				rc = vmc_error_set_errno(VMC_EIO, errno, "cannot lock '%s'", lock_path);
				goto out;
			}
		}
		/* another process may have made the pair while we waited */
		rc = read_existing(priv_path, pub_path, &line);
		if (rc == VMC_ENOTFOUND)
			rc = generate(priv_path, pub_path, &line);
	}
	if (rc < 0)
		goto out;
	if (key_path) {
		*key_path = priv_path;
		priv_path = NULL;
	}
	if (public_key) {
		*public_key = line;
		line = NULL;
	}
out:
	if (lock_fd >= 0)
		close(lock_fd); /* releases the lock */
	free(line);
	free(ddir);
	free(priv_path);
	free(pub_path);
	free(lock_path);
	return rc;
}
