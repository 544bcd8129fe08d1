/*
 * oci_auth.c - credentials for registries (see oci_auth.h): the Docker
 * config file, credential helpers run through spawn.c with an argv (never
 * a shell), and the token server's JSON answer. Secrets never reach an
 * error message.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "image/oci_auth.h"
#include "image/oci_ref.h"

#define DOCKER_HUB_KEY "https://index.docker.io/v1/"

const char *oci_auth_server_key(const char *registry)
{
	if (strcmp(registry, OCI_REF_DOCKER_HUB) == 0)
		return DOCKER_HUB_KEY;
	return registry;
}

/* The host part of an auths key: "https://h:5000/v1/" -> "h:5000". */
static void key_host(const char *key, char *buf, size_t cap)
{
	size_t n;

	if (strncmp(key, "https://", 8) == 0)
		key += 8;
	else if (strncmp(key, "http://", 7) == 0)
		key += 7;
	n = strcspn(key, "/");
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, key, n);
	buf[n] = '\0';
}

static int same_registry(const char *key, const char *registry)
{
	static const char *const hub[] = { "docker.io", "index.docker.io", "registry-1.docker.io" };
	char host[OCI_REF_NAME_MAX + 1];
	size_t i;

	key_host(key, host, sizeof(host));
	if (strcasecmp(host, registry) == 0)
		return 1;
	if (strcmp(registry, OCI_REF_DOCKER_HUB) != 0)
		return 0;
	for (i = 0; i < sizeof(hub) / sizeof(hub[0]); i++)
		if (strcasecmp(host, hub[i]) == 0)
			return 1;
	return 0;
}

static int copy_str(json_t *v, char *buf, size_t cap, const char *what)
{
	size_t n;

	if (!json_is_string(v))
		return vmc_error_set(VMC_EPROTO, "%s is not a string", what);
	n = json_string_length(v);
	if (n >= cap || memchr(json_string_value(v), '\0', n))
		return vmc_error_set(VMC_EPROTO, "%s is too long or holds a NUL", what);
	memcpy(buf, json_string_value(v), n + 1);
	return 0;
}

static int check_helper_name(const char *s)
{
	size_t i;

	if (!s[0])
		return vmc_error_set(VMC_EPROTO, "empty credential helper name");
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return vmc_error_set(VMC_EPROTO, "credential helper name '%.64s' has characters "
					     "other than [A-Za-z0-9._-]", s);
	return 0;
}

/* "user:password" in base64 into creds. */
static int decode_auth(const char *b64, size_t len, struct oci_creds *c)
{
	unsigned char *out = NULL;
	char *colon;
	int n, pad = 0, rc = 0;

	if (len == 0)
		return 0; /* "auth": "" is an empty entry */
	if (len % 4 || len > 4 * ((OCI_AUTH_USER_MAX + OCI_AUTH_SECRET_MAX + 4) / 3))
		return vmc_error_set(VMC_EPROTO, "'auth' is not base64 of a bounded length");
	out = malloc(len / 4 * 3 + 1);
	if (!out)
		return vmc_error_oom();
	n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
	if (n < 0) {
		rc = vmc_error_set(VMC_EPROTO, "'auth' is not valid base64");
		goto out;
	}
	if (b64[len - 1] == '=')
		pad++;
	if (len > 1 && b64[len - 2] == '=')
		pad++;
	n -= pad;
	out[n] = '\0';
	colon = memchr(out, ':', (size_t)n);
	if (!colon || memchr(out, '\0', (size_t)n)) {
		rc = vmc_error_set(VMC_EPROTO, "'auth' does not decode to \"user:password\"");
		goto out;
	}
	*colon = '\0';
	if (strlen((char *)out) > OCI_AUTH_USER_MAX || strlen(colon + 1) > OCI_AUTH_SECRET_MAX) {
		rc = vmc_error_set(VMC_EPROTO, "'auth' user or password too long");
		goto out;
	}
	snprintf(c->user, sizeof(c->user), "%s", (char *)out);
	snprintf(c->secret, sizeof(c->secret), "%s", colon + 1);
	c->found = 1;
out:
	if (out)
		OPENSSL_cleanse(out, len / 4 * 3 + 1);
	free(out);
	return rc;
}

static int parse_auth_entry(json_t *entry, struct oci_creds *c)
{
	json_t *v;
	int rc;

	if (!json_is_object(entry))
		return vmc_error_set(VMC_EPROTO, "an 'auths' entry is not an object");
	v = json_object_get(entry, "identitytoken");
	if (v && json_is_string(v) && json_string_length(v) > 0)
		return 0; /* OAuth2 refresh tokens: not supported, anonymous */
	v = json_object_get(entry, "auth");
	if (v) {
		if (!json_is_string(v))
			return vmc_error_set(VMC_EPROTO, "'auth' is not a string");
		rc = decode_auth(json_string_value(v), json_string_length(v), c);
		if (rc < 0 || c->found)
			return rc;
	}
	/* the older split form */
	v = json_object_get(entry, "username");
	if (v) {
		rc = copy_str(v, c->user, sizeof(c->user), "'username'");
		if (rc == 0)
			rc = copy_str(json_object_get(entry, "password"), c->secret, sizeof(c->secret),
				      "'password'");
		if (rc < 0)
			return rc;
		c->found = c->user[0] != '\0';
	}
	return 0;
}

int oci_docker_config_parse(const char *buf, size_t len, const char *registry,
			    struct oci_cred_source *out)
{
	json_t *root = NULL, *obj, *v;
	json_error_t jerr;
	const char *key;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (len > OCI_AUTH_CONFIG_MAX)
		return vmc_error_set(VMC_EINVAL, "docker config larger than %d bytes",
				     OCI_AUTH_CONFIG_MAX);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return vmc_error_set(VMC_EPROTO, "docker config: %s (line %d)", jerr.text, jerr.line);
	if (!json_is_object(root)) {
		rc = vmc_error_set(VMC_EPROTO, "docker config is not a JSON object");
		goto out;
	}
	obj = json_object_get(root, "credHelpers");
	if (obj && !json_is_object(obj)) {
		rc = vmc_error_set(VMC_EPROTO, "docker config: 'credHelpers' is not an object");
		goto out;
	}
	json_object_foreach(obj, key, v) {
		if (!same_registry(key, registry))
			continue;
		rc = copy_str(v, out->helper, sizeof(out->helper), "a 'credHelpers' value");
		if (rc == 0)
			rc = check_helper_name(out->helper);
		if (rc == 0)
			out->kind = OCI_CREDS_HELPER;
		goto out;
	}
	v = json_object_get(root, "credsStore");
	if (v) {
		rc = copy_str(v, out->helper, sizeof(out->helper), "'credsStore'");
		if (rc == 0 && out->helper[0]) {
			rc = check_helper_name(out->helper);
			if (rc == 0)
				out->kind = OCI_CREDS_HELPER;
			goto out;
		}
		if (rc < 0)
			goto out;
	}
	obj = json_object_get(root, "auths");
	if (obj && !json_is_object(obj)) {
		rc = vmc_error_set(VMC_EPROTO, "docker config: 'auths' is not an object");
		goto out;
	}
	json_object_foreach(obj, key, v) {
		if (!same_registry(key, registry))
			continue;
		rc = parse_auth_entry(v, &out->creds);
		if (rc == 0 && out->creds.found) {
			out->kind = OCI_CREDS_INLINE;
			break;
		}
		if (rc < 0)
			break;
	}
out:
	json_decref(root);
	if (rc < 0) {
		OPENSSL_cleanse(&out->creds, sizeof(out->creds));
		out->kind = OCI_CREDS_NONE;
		return vmc_error_prefix(rc, "docker config");
	}
	return 0;
}

int oci_cred_helper_parse(const char *buf, size_t len, struct oci_creds *out)
{
	json_t *root;
	json_error_t jerr;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > OCI_AUTH_HELPER_OUT_MAX)
		return vmc_error_set(VMC_EPROTO, "credential helper output larger than %d bytes",
				     OCI_AUTH_HELPER_OUT_MAX);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return vmc_error_set(VMC_EPROTO, "credential helper output: %s", jerr.text);
	if (!json_is_object(root))
		rc = vmc_error_set(VMC_EPROTO, "credential helper output is not a JSON object");
	else
		rc = copy_str(json_object_get(root, "Username"), out->user, sizeof(out->user),
			      "credential helper 'Username'");
	if (rc == 0)
		rc = copy_str(json_object_get(root, "Secret"), out->secret, sizeof(out->secret),
			      "credential helper 'Secret'");
	json_decref(root);
	if (rc < 0) {
		OPENSSL_cleanse(out, sizeof(*out));
		return rc;
	}
	/* "<token>" marks an identity token: not supported, anonymous */
	out->found = out->user[0] && strcmp(out->user, "<token>") != 0;
	return 0;
}

int oci_token_parse(const char *buf, size_t len, char **token)
{
	json_t *root, *v;
	json_error_t jerr;
	const char *s;
	size_t n, i;
	int rc = 0;

	*token = NULL;
	if (len > OCI_AUTH_TOKEN_RESPONSE_MAX)
		return vmc_error_set(VMC_EPROTO, "token response larger than %d bytes",
				     OCI_AUTH_TOKEN_RESPONSE_MAX);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return vmc_error_set(VMC_EPROTO, "token response: %s", jerr.text);
	v = json_is_object(root) ? json_object_get(root, "token") : NULL;
	if (!v || (json_is_string(v) && json_string_length(v) == 0))
		v = json_is_object(root) ? json_object_get(root, "access_token") : NULL;
	if (!v || !json_is_string(v)) {
		rc = vmc_error_set(VMC_EPROTO, "token response has no 'token' string");
		goto out;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n > OCI_AUTH_TOKEN_MAX) {
		rc = vmc_error_set(VMC_EPROTO, "token of %zu bytes (1 to %d allowed)", n,
				   OCI_AUTH_TOKEN_MAX);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~') {
			rc = vmc_error_set(VMC_EPROTO, "token holds a character outside printable ASCII");
			goto out;
		}
	*token = strdup(s);
	if (!*token)
		rc = vmc_error_oom();
out:
	json_decref(root);
	return rc;
}

/* Reads the helper's stdout until EOF, the bound or the deadline. */
static int read_all(int fd, char *buf, size_t cap, size_t *len, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;
	int n;

	*len = 0;
	for (;;) {
		n = poll(&p, 1, clock_remaining_ms(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vmc_error_set_errno(VMC_EIO, errno, "poll");
		if (n == 0)
			return vmc_error_set(VMC_ETIMEOUT, "no answer within %d ms",
					     OCI_AUTH_HELPER_TIMEOUT_MS);
		if (*len == cap)
			return vmc_error_set(VMC_EPROTO, "more than %zu bytes of output", cap);
		r = read(fd, buf + *len, cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vmc_error_set_errno(VMC_EIO, errno, "read");
		if (r == 0)
			return 0;
		*len += (size_t)r;
	}
}

static int exited_by(pid_t pid, int64_t deadline)
{
	int pidfd = spawn_pidfd_open(pid), n;
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0)
		return 1;
	do
		n = poll(&pfd, 1, clock_remaining_ms(deadline));
	while (n < 0 && errno == EINTR);
	close(pidfd);
	return n > 0;
}

/* Writes the server name to the helper's stdin. A helper that exits
 * without reading it closes the pipe: that must be EPIPE here, not a
 * SIGPIPE that kills the program using libvmc. SIGPIPE is blocked on this
 * thread for the write, and one it raised is taken off the pending set. */
static void write_key(int fd, const char *key)
{
	sigset_t pipe_set, old, pending;
	int was_pending, sig;
	ssize_t w;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	do
		w = write(fd, key, strlen(key));
	while (w < 0 && errno == EINTR);
	if (w < 0 && errno == EPIPE && !was_pending)
		sigwait(&pipe_set, &sig); /* pending now: returns at once */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static int run_helper(const char *helper, const char *registry, struct oci_creds *out)
{
	char prog[sizeof("docker-credential-") + OCI_AUTH_HELPER_NAME_MAX];
	const char *argv[] = { prog, "get", NULL };
	const char *key = oci_auth_server_key(registry);
	int64_t deadline = clock_deadline(OCI_AUTH_HELPER_TIMEOUT_MS);
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, rc, status = 0;
	struct spawn_opts so;
	char *buf = NULL;
	size_t len = 0;
	pid_t pid = -1;

	snprintf(prog, sizeof(prog), "docker-credential-%s", helper);
	buf = malloc(OCI_AUTH_HELPER_OUT_MAX + 1);
	if (!buf)
		return vmc_error_oom();
	if (spawn_pipe_cloexec(in, 0) < 0 || spawn_pipe_cloexec(outp, 0) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "pipe");
		goto out;
	}
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = in[0];
	so.stdout_fd = outp[1];
	so.stderr_fd = -1;
	rc = spawn_process(&so, &pid);
	close(in[0]);
	close(outp[1]);
	in[0] = outp[1] = -1;
	if (rc < 0) {
		pid = -1;
		goto out;
	}
	/* the server name is far below the pipe's capacity: never blocks;
	 * a helper that does not read it answers (or fails) all the same */
	write_key(in[1], key);
	close(in[1]);
	in[1] = -1;
	rc = read_all(outp[0], buf, OCI_AUTH_HELPER_OUT_MAX, &len, deadline);
	if (rc == 0 && !exited_by(pid, deadline))
		rc = vmc_error_set(VMC_ETIMEOUT, "did not exit within %d ms",
				   OCI_AUTH_HELPER_TIMEOUT_MS);
	if (rc < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (rc < 0)
		goto out;
	buf[len] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* docker-credential-* print "credentials not found in native
		 * keychain" for a server they do not know */
		if (WIFEXITED(status) && strstr(buf, "credentials not found")) {
			memset(out, 0, sizeof(*out));
			goto out;
		}
		rc = vmc_error_set(VMC_EIO, "failed (%s %d)",
				   WIFEXITED(status) ? "exit status" : "signal",
				   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		goto out;
	}
	rc = oci_cred_helper_parse(buf, len, out);
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (buf) {
		OPENSSL_cleanse(buf, OCI_AUTH_HELPER_OUT_MAX + 1);
		free(buf);
	}
	if (rc < 0)
		return vmc_error_prefix(rc, "credential helper '%s'", prog);
	return 0;
}

static int config_path(char *buf, size_t cap)
{
	const char *d = getenv("DOCKER_CONFIG");
	int n;

	if (d && d[0])
		n = snprintf(buf, cap, "%s/config.json", d);
	else if ((d = getenv("HOME")) != NULL && d[0])
		n = snprintf(buf, cap, "%s/.docker/config.json", d);
	else
		return 0;
	return n > 0 && (size_t)n < cap;
}

int oci_creds_lookup(const char *registry, struct oci_creds *out)
{
	struct oci_cred_source src;
	char path[4096];
	char *buf = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!config_path(path, sizeof(path)))
		return 0;
	rc = fs_read_file(path, OCI_AUTH_CONFIG_MAX, &buf, &len);
	if (rc == VMC_ENOTFOUND) {
		vmc_error_clear();
		return 0;
	}
	if (rc < 0)
		return vmc_error_prefix(rc, "reading '%s'", path);
	rc = oci_docker_config_parse(buf, len, registry, &src);
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (rc < 0)
		return vmc_error_prefix(rc, "'%s'", path);
	if (src.kind == OCI_CREDS_INLINE)
		*out = src.creds;
	else if (src.kind == OCI_CREDS_HELPER)
		rc = run_helper(src.helper, registry, out);
	OPENSSL_cleanse(&src, sizeof(src));
	return rc;
}
