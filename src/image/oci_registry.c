/*
 * oci_registry.c - the registry client over libcurl (see oci_registry.h).
 * Small requests (ping, token, manifests) go through one reused easy
 * handle into bounded buffers; blobs go through a multi handle, several
 * at once, straight into the store's resumable writers. Every request is
 * retried on transient failures (connection errors, time-outs, 408, 429,
 * 5xx) with exponential backoff; a blob transfer that broke off resumes
 * from its last byte with a Range request. A 401 is answered once per
 * request by authenticating again with the challenge it carried, when the
 * registry itself sent it (not a host a redirect led to).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include "image/curl_lazy.h" /* libcurl loaded on first use */
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/clock.h"
#include "core/error.h"
#include "image/oci_auth.h"
#include "image/oci_challenge.h"
#include "image/oci_http.h"
#include "image/oci_registry.h"

#define USER_AGENT "vmc/" VMC_VERSION
#define BACKOFF_FIRST_MS 200
#define BACKOFF_MAX_MS 4000
#define DISCARD_MAX (64 * 1024) /* bytes of an error body read and dropped */
#define ERRBUF_LEN CURL_ERROR_SIZE

struct oci_registry {
	struct oci_ref ref;
	const struct oci_registry_opts *opts; /* borrowed */
	char host[OCI_REF_NAME_MAX + 1];      /* the API host[:port] */
	char base[OCI_REF_NAME_MAX + 16];     /* "https://host[:port]" */
	int http_allowed;
	const char *realm_protocols;          /* set during a token request */
	char *auth;                           /* "Authorization: ..." or NULL */
	struct oci_creds creds;
	int creds_loaded;
	CURL *easy;
	char errbuf[ERRBUF_LEN];
};

static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* libcurl's global set-up, once per process, from any thread. */
static int curl_global(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int rc;

	pthread_once(&once, curl_init_once);
	if (curl_init_rc == CURLE_OK)
		return 0;
	rc = curl_lazy_failed();
	if (rc)
		return rc;
	return vmc_error_set(VMC_EIO, "libcurl initialisation failed: %s",
				     curl_easy_strerror(curl_init_rc));
}

/* A libcurl entry point returned NULL: libcurl missing, or no memory. */
static int curl_nomem(void)
{
	int rc = curl_lazy_failed();

	return rc ? rc : vmc_error_oom();
}

static int host_is_loopback(const char *hostport)
{
	struct oci_ref tmp;
	size_t n = strlen(hostport);

	if (n >= sizeof(tmp.registry))
		return 0;
	memcpy(tmp.registry, hostport, n + 1);
	return oci_ref_is_loopback(&tmp);
}

int oci_registry_http_allowed(const char *registry, const char *const *insecure,
			      size_t n_insecure)
{
	size_t i, hlen;

	if (host_is_loopback(registry))
		return 1;
	hlen = registry[0] == '[' ? strcspn(registry, "]") + 1 : strcspn(registry, ":");
	for (i = 0; i < n_insecure; i++) {
		const char *e = insecure[i];

		if (!e || !e[0])
			continue;
		if (strcasecmp(e, registry) == 0)
			return 1;
		if (strchr(e[0] == '[' ? strchr(e, ']') ? strchr(e, ']') : e : e, ':') == NULL &&
		    strlen(e) == hlen && strncasecmp(e, registry, hlen) == 0)
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ transfers */

static int transient_curl(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static int transient_status(long st)
{
	return st == 408 || st == 429 || (st >= 500 && st <= 599);
}

static int backoff_ms(int attempt)
{
	int ms = BACKOFF_FIRST_MS;

	while (--attempt > 0 && ms < BACKOFF_MAX_MS)
		ms *= 2;
	return ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms;
}

static void sleep_ms(int ms)
{
	int64_t deadline = clock_deadline(ms);

	while (poll(NULL, 0, clock_remaining_ms(deadline)) < 0 && errno == EINTR)
		;
}

/* The error for a curl failure talking to `host`. */
static int curl_failure(struct oci_registry *r, CURLcode c, const char *errbuf, const char *what)
{
	const char *detail = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(c);

	switch (c) {
	case CURLE_PEER_FAILED_VERIFICATION:
		return vmc_error_set(VMC_EIO, "%s: TLS certificate of %s not trusted: %s (a private "
				     "CA bundle can be given with VMC_CA_FILE)", what, r->host, detail);
	case CURLE_SSL_CONNECT_ERROR:
		return vmc_error_set(VMC_EIO, "%s: TLS handshake with %s failed: %s%s", what, r->host,
				     detail,
				     r->http_allowed ? "" : " (plain HTTP is used only with loopback "
				     "registries and those given with --insecure-registry)");
	case CURLE_UNSUPPORTED_PROTOCOL:
		return vmc_error_set(VMC_EIO, "%s: %s (plain HTTP is used only with loopback "
				     "registries and those given with --insecure-registry)", what, detail);
	default:
		return vmc_error_set(VMC_EIO, "%s: %s", what, detail);
	}
}

/* What a request (and its redirects) may use: the registry's rule, or
 * during a token request the realm host's own. */
static const char *protocols(const struct oci_registry *r)
{
	if (r->realm_protocols)
		return r->realm_protocols;
	return r->http_allowed ? "http,https" : "https";
}

static void setup_common(struct oci_registry *r, CURL *e, const char *url, char *errbuf)
{
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols(r));
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, protocols(r));
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	if (r->opts && r->opts->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, r->opts->ca_file);
	errbuf[0] = '\0';
}

struct small {
	char *buf;
	size_t len, max;
	int overflow;
	struct oci_http_headers h;
};

static size_t small_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct small *b = ud;
	size_t n = size * nmemb;
	char *grown;

	if (n > b->max - b->len) {
		b->overflow = 1;
		return 0;
	}
	grown = realloc(b->buf, b->len + n + 1);
	if (!grown)
		return 0;
	b->buf = grown;
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

static size_t header_cb(char *p, size_t size, size_t nmemb, void *ud)
{
	oci_http_header_line(ud, p, size * nmemb);
	return size * nmemb;
}

static void small_init(struct small *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
	oci_http_headers_reset(&b->h);
}

static void small_clear(struct small *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = 0;
	b->overflow = 0;
	oci_http_headers_reset(&b->h);
}

/* One GET of `url` into b (at most b->max bytes), with the registry's
 * Authorization header when `auth` and Basic credentials when `basic`.
 * Returns the curl code; *status is the HTTP status (0 without one). */
static CURLcode get_once(struct oci_registry *r, const char *url, const char *accept, int auth,
			 const struct oci_creds *basic, struct small *b, long *status)
{
	struct curl_slist *hdrs = NULL, *t;
	CURLcode c;

	small_clear(b);
	*status = 0;
	curl_easy_reset(r->easy);
	setup_common(r, r->easy, url, r->errbuf);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, small_write);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, &b->h);
	if (accept) {
		t = curl_slist_append(hdrs, accept);
		if (!t)
			return CURLE_OUT_OF_MEMORY;
		hdrs = t;
	}
	if (auth && r->auth) {
		t = curl_slist_append(hdrs, r->auth);
		if (!t) {
			curl_slist_free_all(hdrs);
			return CURLE_OUT_OF_MEMORY;
		}
		hdrs = t;
	}
	if (basic && basic->found) {
		curl_easy_setopt(r->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(r->easy, CURLOPT_USERNAME, basic->user);
		curl_easy_setopt(r->easy, CURLOPT_PASSWORD, basic->secret);
	}
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, hdrs);
	c = curl_easy_perform(r->easy);
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, status);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(r->easy, CURLOPT_PASSWORD, "");
	curl_slist_free_all(hdrs);
	return c;
}

/* get_once with retries on transient failures. Returns 0 with *status
 * set, or an error naming `what`. */
static int get_retry(struct oci_registry *r, const char *url, const char *accept, int auth,
		     const struct oci_creds *basic, struct small *b, long *status, const char *what)
{
	CURLcode c = CURLE_OK;
	int attempt;

	for (attempt = 1; attempt <= OCI_REGISTRY_ATTEMPTS; attempt++) {
		c = get_once(r, url, accept, auth, basic, b, status);
		if (c == CURLE_WRITE_ERROR && b->overflow)
			return vmc_error_set(VMC_EPROTO, "%s: response larger than %zu bytes", what,
					     b->max);
		if (c == CURLE_OK && !transient_status(*status))
			return 0;
		if (c != CURLE_OK && !transient_curl(c))
			return curl_failure(r, c, r->errbuf, what);
		if (attempt < OCI_REGISTRY_ATTEMPTS)
			sleep_ms(backoff_ms(attempt));
	}
	if (c != CURLE_OK)
		return curl_failure(r, c, r->errbuf, what);
	return vmc_error_set(VMC_EIO, "%s: HTTP %ld after %d attempts", what, *status,
			     OCI_REGISTRY_ATTEMPTS);
}

/* ------------------------------------------------------------ auth */

static int load_creds(struct oci_registry *r)
{
	int rc;

	if (r->creds_loaded)
		return 0;
	rc = oci_creds_lookup(r->ref.registry, &r->creds);
	if (rc < 0)
		return vmc_error_prefix(rc, "credentials for %s", r->ref.registry);
	r->creds_loaded = 1;
	return 0;
}

static int set_auth(struct oci_registry *r, const char *scheme, const char *value)
{
	size_t n = strlen("Authorization: ") + strlen(scheme) + 1 + strlen(value) + 1;

	if (r->auth) {
		OPENSSL_cleanse(r->auth, strlen(r->auth));
		free(r->auth);
	}
	r->auth = malloc(n);
	if (!r->auth)
		return vmc_error_oom();
	snprintf(r->auth, n, "Authorization: %s %s", scheme, value);
	return 0;
}

static int basic_auth(struct oci_registry *r)
{
	size_t ul = strlen(r->creds.user), sl = strlen(r->creds.secret);
	char *plain = NULL, *b64 = NULL;
	int rc;

	plain = malloc(ul + sl + 2);
	b64 = malloc(4 * ((ul + sl + 1 + 2) / 3) + 1);
	if (!plain || !b64) {
		rc = vmc_error_oom();
		goto out;
	}
	memcpy(plain, r->creds.user, ul);
	plain[ul] = ':';
	memcpy(plain + ul + 1, r->creds.secret, sl);
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)plain, (int)(ul + sl + 1));
	rc = set_auth(r, "Basic", b64);
out:
	if (plain)
		OPENSSL_cleanse(plain, ul + sl + 2);
	if (b64)
		OPENSSL_cleanse(b64, strlen(b64));
	free(plain);
	free(b64);
	return rc;
}

static int no_creds_error(struct oci_registry *r)
{
	return vmc_error_set(VMC_EAUTH, "%s requires authentication for '%s' and no credentials "
			     "were found for it in the Docker config ($DOCKER_CONFIG/config.json or "
			     "~/.docker/config.json)", r->ref.registry, r->ref.repository);
}

/* The realm must be https, or http on a host where plain HTTP is allowed
 * (*http_ok: 1 then). */
static int realm_url(struct oci_registry *r, const struct oci_challenge *ch, char **out,
		     int *http_ok)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *url = NULL;
	char hostport[OCI_REF_NAME_MAX + 1], param[OCI_CHALLENGE_SCOPE_MAX + 64];
	char scope[OCI_CHALLENGE_SCOPE_MAX + 1], *tok, *save = NULL;
	int rc = 0;

	if (!u)
		return curl_nomem();
	if (curl_url_set(u, CURLUPART_URL, ch->realm, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = vmc_error_set(VMC_EPROTO, "token realm '%.200s' is not a URL", ch->realm);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	snprintf(hostport, sizeof(hostport), "%s%s%s", host, port ? ":" : "", port ? port : "");
	*http_ok = oci_registry_http_allowed(hostport, r->opts ? r->opts->insecure : NULL,
					     r->opts ? r->opts->n_insecure : 0);
	if (strcasecmp(scheme, "https") != 0 && !(strcasecmp(scheme, "http") == 0 && *http_ok)) {
		rc = vmc_error_set(VMC_EPROTO, "token realm '%.200s' is not HTTPS (plain HTTP is "
				   "used only with loopback hosts and --insecure-registry ones)",
				   ch->realm);
		goto out;
	}
	if (ch->service[0]) {
		snprintf(param, sizeof(param), "service=%s", ch->service);
		if (curl_url_set(u, CURLUPART_QUERY, param, CURLU_APPENDQUERY | CURLU_URLENCODE) !=
		    CURLUE_OK) {
			rc = vmc_error_oom();
			goto out;
		}
	}
	if (ch->scope[0])
		snprintf(scope, sizeof(scope), "%s", ch->scope);
	else
		snprintf(scope, sizeof(scope), "repository:%s:pull", r->ref.repository);
	for (tok = strtok_r(scope, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		snprintf(param, sizeof(param), "scope=%s", tok);
		if (curl_url_set(u, CURLUPART_QUERY, param, CURLU_APPENDQUERY | CURLU_URLENCODE) !=
		    CURLUE_OK) {
			rc = vmc_error_oom();
			goto out;
		}
	}
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		rc = vmc_error_oom();
		goto out;
	}
	*out = strdup(url);
	if (!*out)
		rc = vmc_error_oom();
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

static int bearer_auth(struct oci_registry *r, const struct oci_challenge *ch)
{
	struct small b;
	char *url = NULL, *token = NULL;
	long status = 0;
	int rc, http_ok = 0;

	small_init(&b, OCI_AUTH_TOKEN_RESPONSE_MAX);
	rc = realm_url(r, ch, &url, &http_ok);
	if (rc < 0)
		return rc;
	r->realm_protocols = http_ok ? "http,https" : "https";
	rc = get_retry(r, url, NULL, 0, &r->creds, &b, &status, "token request");
	r->realm_protocols = NULL;
	if (rc < 0)
		goto out;
	if (status == 401 || status == 403) {
		if (r->creds.found)
			rc = vmc_error_set(VMC_EAUTH, "token server refused the credentials of '%s' "
					   "for %s (HTTP %ld)", r->creds.user, r->ref.registry, status);
		else
			rc = no_creds_error(r);
		goto out;
	}
	if (status != 200) {
		rc = vmc_error_set(VMC_EPROTO, "token server answered HTTP %ld", status);
		goto out;
	}
	rc = oci_token_parse(b.buf ? b.buf : "", b.len, &token);
	if (rc == 0)
		rc = set_auth(r, "Bearer", token);
out:
	if (token) {
		OPENSSL_cleanse(token, strlen(token));
		free(token);
	}
	if (b.buf)
		OPENSSL_cleanse(b.buf, b.len);
	small_clear(&b);
	free(url);
	return rc;
}

/* Answers a 401 carrying challenge `www_auth`. */
static int authenticate(struct oci_registry *r, const char *www_auth)
{
	struct oci_challenge ch;
	int rc;

	if (!www_auth || !www_auth[0])
		return vmc_error_set(VMC_EAUTH, "%s answered 401 without a challenge",
				     r->ref.registry);
	rc = oci_challenge_parse(&ch, www_auth, strlen(www_auth));
	if (rc < 0)
		return vmc_error_prefix(rc, "%s: WWW-Authenticate", r->ref.registry);
	rc = load_creds(r);
	if (rc < 0)
		return rc;
	if (ch.scheme == OCI_AUTH_BASIC) {
		if (!r->creds.found)
			return no_creds_error(r);
		return basic_auth(r);
	}
	return bearer_auth(r, &ch);
}

/* 1 when the last response on `e` came from the registry itself (its
 * scheme, host and port), not from where a redirect led: only such a 401
 * may be answered with the registry's credentials. A redirect target
 * (a CDN, or anyone the registry points at) naming a token realm would
 * otherwise get them sent there. */
static int from_registry(const struct oci_registry *r, CURL *e)
{
	size_t n = strlen(r->base);
	char *url = NULL;

	if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || !url)
		return 0;
	return strncasecmp(url, r->base, n) == 0 && url[n] == '/';
}

static int foreign_challenge(struct oci_registry *r)
{
	return vmc_error_set(VMC_EAUTH, "%s redirected to a server that asks for authentication: "
			     "credentials for %s are not sent to another host", r->ref.registry,
			     r->ref.registry);
}

static int denied(struct oci_registry *r, long status)
{
	if (r->creds.found)
		return vmc_error_set(VMC_EAUTH, "%s refused access to '%s' for user '%s' (HTTP %ld)",
				     r->ref.registry, r->ref.repository, r->creds.user, status);
	if (status == 401)
		return vmc_error_set(VMC_EAUTH, "%s denied access to '%s': it does not exist, or it "
				     "needs credentials and none were found for %s in the Docker "
				     "config ($DOCKER_CONFIG/config.json or ~/.docker/config.json)",
				     r->ref.registry, r->ref.repository, r->ref.registry);
	return vmc_error_set(VMC_EAUTH, "%s refused access to '%s' (HTTP %ld)", r->ref.registry,
			     r->ref.repository, status);
}

/* ------------------------------------------------------------ open */

int oci_registry_open(struct oci_registry **out, const struct oci_ref *ref,
		      const struct oci_registry_opts *opts)
{
	struct small b;
	struct oci_registry *r;
	char url[sizeof(r->base) + 8];
	long status = 0;
	CURLcode c;
	int rc;

	small_init(&b, 64 * 1024);
	rc = curl_global();
	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r)
		return vmc_error_oom();
	r->ref = *ref;
	r->opts = opts;
	snprintf(r->host, sizeof(r->host), "%s", oci_ref_api_host(ref));
	r->http_allowed = oci_registry_http_allowed(ref->registry, opts ? opts->insecure : NULL,
						    opts ? opts->n_insecure : 0);
	r->easy = curl_easy_init();
	if (!r->easy) {
		rc = curl_nomem();
		goto out;
	}
	snprintf(r->base, sizeof(r->base), "https://%s", r->host);
	snprintf(url, sizeof(url), "%s/v2/", r->base);
	c = CURLE_FAILED_INIT;
	if (r->http_allowed) {
		/* HTTPS first; plain HTTP when the TLS handshake fails */
		c = get_once(r, url, NULL, 0, NULL, &b, &status);
		if (c == CURLE_SSL_CONNECT_ERROR) {
			snprintf(r->base, sizeof(r->base), "http://%s", r->host);
			snprintf(url, sizeof(url), "%s/v2/", r->base);
		} else if (c != CURLE_OK && !transient_curl(c)) {
			rc = curl_failure(r, c, r->errbuf, "ping");
			goto out;
		}
	}
	if (c != CURLE_OK || transient_status(status)) {
		rc = get_retry(r, url, NULL, 0, NULL, &b, &status, "ping");
		if (rc < 0)
			goto out;
	}
	if (status == 401) {
		rc = from_registry(r, r->easy) ? authenticate(r, b.h.www_auth) : foreign_challenge(r);
	} else if (status != 200) {
		rc = vmc_error_set(VMC_EPROTO, "%s does not speak the registry API v2 (GET /v2/: "
				   "HTTP %ld)", r->ref.registry, status);
	}
	if (rc < 0)
		goto out;
	*out = r;
	r = NULL;
out:
	small_clear(&b);
	oci_registry_free(r);
	if (rc < 0)
		return vmc_error_prefix(rc, "registry %s", ref->registry);
	return 0;
}

void oci_registry_free(struct oci_registry *r)
{
	if (!r)
		return;
	if (r->easy)
		curl_easy_cleanup(r->easy);
	if (r->auth) {
		OPENSSL_cleanse(r->auth, strlen(r->auth));
		free(r->auth);
	}
	OPENSSL_cleanse(&r->creds, sizeof(r->creds));
	free(r);
}

/* ------------------------------------------------------------ manifests */

int oci_registry_get_manifest(struct oci_registry *r, const char *reference, char **body,
			      size_t *len, char content_type[OCI_MEDIA_TYPE_MAX + 1],
			      char digest[OCI_DIGEST_BUF])
{
	static const char accept[] = "Accept: " OCI_MT_MANIFEST ", " OCI_MT_INDEX ", "
				     OCI_MT_DOCKER_MANIFEST ", " OCI_MT_DOCKER_LIST;
	struct small b;
	char url[sizeof(r->base) + OCI_REF_NAME_MAX + OCI_REF_TAG_MAX + OCI_DIGEST_BUF + 32];
	char got[OCI_DIGEST_BUF];
	int is_digest = strncmp(reference, OCI_DIGEST_PREFIX, OCI_DIGEST_PREFIX_LEN) == 0;
	long status = 0;
	int rc, tries;

	small_init(&b, OCI_MANIFEST_MAX);
	snprintf(url, sizeof(url), "%s/v2/%s/manifests/%s", r->base, r->ref.repository, reference);
	for (tries = 0;; tries++) {
		rc = get_retry(r, url, accept, 1, NULL, &b, &status, "manifest");
		if (rc < 0)
			goto out;
		if (status != 401 || tries > 0)
			break;
		if (!from_registry(r, r->easy)) {
			rc = foreign_challenge(r);
			goto out;
		}
		rc = authenticate(r, b.h.www_auth);
		if (rc < 0)
			goto out;
	}
	if (status == 404) {
		rc = vmc_error_set(VMC_ENOTFOUND, "manifest '%s/%s%s%s' not found (HTTP 404)",
				   r->ref.registry, r->ref.repository, is_digest ? "@" : ":", reference);
		goto out;
	}
	if (status == 401 || status == 403) {
		rc = denied(r, status);
		goto out;
	}
	if (status != 200) {
		rc = vmc_error_set(VMC_EPROTO, "manifest '%s': HTTP %ld", reference, status);
		goto out;
	}
	rc = oci_digest_buf(b.buf ? b.buf : "", b.len, got);
	if (rc < 0)
		goto out;
	if (is_digest && strcmp(got, reference) != 0) {
		rc = vmc_error_set(VMC_EPROTO, "manifest digest mismatch: asked for %s, got %s",
				   reference, got);
		goto out;
	}
	if (b.h.digest_invalid) {
		rc = vmc_error_set(VMC_EPROTO, "manifest '%s': malformed Docker-Content-Digest",
				   reference);
		goto out;
	}
	if (b.h.digest[0] && strcmp(got, b.h.digest) != 0) {
		rc = vmc_error_set(VMC_EPROTO, "manifest digest mismatch: Docker-Content-Digest "
				   "says %s, the bytes are %s", b.h.digest, got);
		goto out;
	}
	memcpy(digest, got, OCI_DIGEST_BUF);
	snprintf(content_type, OCI_MEDIA_TYPE_MAX + 1, "%s", b.h.content_type);
	if (!b.buf) {
		b.buf = calloc(1, 1);
		if (!b.buf) {
			rc = vmc_error_oom();
			goto out;
		}
	}
	*body = b.buf;
	*len = b.len;
	b.buf = NULL;
out:
	small_clear(&b);
	if (rc < 0)
		return vmc_error_prefix(rc, "%s/%s", r->ref.registry, r->ref.repository);
	return 0;
}

/* ------------------------------------------------------------ blobs */

enum xfer_state { X_WAITING, X_RUNNING, X_DONE };

struct xfer {
	struct oci_registry *r;
	struct oci_store *s;
	const struct oci_descriptor *d;
	struct oci_blob_writer *w;
	CURL *easy;
	struct curl_slist *hdrs;
	struct oci_http_headers h;
	enum xfer_state state;
	int attempt, reauthed, restarted, ranged;
	int64_t not_before;     /* clock_mono_ms() of the next try */
	uint64_t range_from;    /* Range start of the current request */
	int checked, discard;   /* the response's status has been looked at */
	size_t discarded;
	int err;                /* < 0: failed in a callback; message in msg */
	char msg[512];
	char errbuf[ERRBUF_LEN];
	oci_progress_fn progress;
	void *payload;
};

static int xfer_fail(struct xfer *x, int rc)
{
	x->err = rc;
	snprintf(x->msg, sizeof(x->msg), "%s", vmc_error_last());
	return rc;
}

/* First body bytes of a response: decides what to do with them. */
static int xfer_check(struct xfer *x)
{
	long st = 0;

	x->checked = 1;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
	if (st == 206) {
		if (!x->h.has_range || x->h.range_start != x->range_from)
			return xfer_fail(x, vmc_error_set(VMC_EPROTO, "blob %s: answer to a Range "
							  "request starts at the wrong byte",
							  x->d->digest));
		return 0;
	}
	if (st == 200) {
		if (oci_blob_offset(x->w) > 0) /* the range was ignored: start over */
			if (oci_blob_restart(x->w) < 0)
				return xfer_fail(x, VMC_EIO);
		if (x->h.content_length >= 0 && x->d->size >= 0 && x->h.content_length != x->d->size)
			return xfer_fail(x, vmc_error_set(VMC_EPROTO, "blob %s: registry sends %lld "
							  "bytes, its descriptor says %lld",
							  x->d->digest,
							  (long long)x->h.content_length,
							  (long long)x->d->size));
		return 0;
	}
	x->discard = 1;
	return 0;
}

static size_t xfer_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	int rc;

	if (!x->checked && xfer_check(x) < 0)
		return 0;
	if (x->discard) {
		x->discarded += n;
		return x->discarded > DISCARD_MAX ? 0 : n;
	}
	rc = oci_blob_write(x->w, p, n);
	if (rc < 0) {
		xfer_fail(x, rc);
		return 0;
	}
	if (x->progress)
		x->progress(x->d->digest, oci_blob_offset(x->w), (uint64_t)x->d->size, x->payload);
	return n;
}

static size_t xfer_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;

	oci_http_header_line(&x->h, p, size * nmemb);
	return size * nmemb;
}

/* Starts (or starts again) the transfer of x. Returns 1 when the
 * partial file found is already whole and no request is needed. */
static int xfer_start(struct xfer *x, CURLM *m)
{
	char url[sizeof(x->r->base) + OCI_REF_NAME_MAX + OCI_DIGEST_BUF + 16];
	char range[48];
	struct curl_slist *t;

	if (!x->w) {
		int rc = oci_store_blob_resume(x->s, x->d->digest, x->d->size, &x->w);

		if (rc < 0)
			return rc;
	}
	if (x->d->size > 0 && oci_blob_offset(x->w) == (uint64_t)x->d->size) {
		x->ranged = 1;
		return 1;
	}
	if (!x->easy) {
		x->easy = curl_easy_init();
		if (!x->easy)
			return curl_nomem();
	}
	curl_easy_reset(x->easy);
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	oci_http_headers_reset(&x->h);
	x->checked = x->discard = 0;
	x->discarded = 0;
	snprintf(url, sizeof(url), "%s/v2/%s/blobs/%s", x->r->base, x->r->ref.repository,
		 x->d->digest);
	setup_common(x->r, x->easy, url, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, xfer_write);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, xfer_header);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(x->easy, CURLOPT_PIPEWAIT, 1L);
	if (x->r->auth) {
		t = curl_slist_append(NULL, x->r->auth);
		if (!t)
			return vmc_error_oom();
		x->hdrs = t;
		curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
	}
	x->range_from = oci_blob_offset(x->w);
	if (x->range_from > 0) {
		x->ranged = 1;
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)x->range_from);
		curl_easy_setopt(x->easy, CURLOPT_RANGE, range);
	}
	if (curl_multi_add_handle(m, x->easy) != CURLM_OK)
		return vmc_error_set(VMC_EIO, "curl_multi_add_handle failed");
	x->state = X_RUNNING;
	return 0;
}

/* Schedules another try of x after a transient failure, or gives up. */
static int xfer_retry(struct xfer *x, const char *why)
{
	x->attempt++;
	if (x->attempt >= OCI_REGISTRY_ATTEMPTS)
		return vmc_error_set(VMC_EIO, "blob %s: %s (gave up after %d attempts)", x->d->digest,
				     why, x->attempt);
	x->not_before = clock_mono_ms() + backoff_ms(x->attempt);
	x->state = X_WAITING;
	return 0;
}

/* The whole blob is in the writer: verify and store it. A mismatch after
 * a resumed transfer may come from a stale partial file: once, the blob
 * is fetched again from byte 0. */
static int xfer_finish(struct xfer *x)
{
	int rc = oci_blob_commit(x->w);

	x->w = NULL;
	if (rc == VMC_EPROTO && x->ranged && !x->restarted) {
		vmc_error_clear();
		x->restarted = 1;
		x->ranged = 0;
		x->state = X_WAITING;
		x->not_before = 0;
		return 0;
	}
	if (rc < 0)
		return rc;
	x->state = X_DONE;
	if (x->progress)
		x->progress(x->d->digest, (uint64_t)x->d->size, (uint64_t)x->d->size, x->payload);
	return 0;
}

static int xfer_done(struct xfer *x, CURLM *m, CURLcode c)
{
	struct oci_registry *r = x->r;
	char why[ERRBUF_LEN + 32];
	long st = 0;
	int rc, own;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
	own = from_registry(r, x->easy);
	curl_multi_remove_handle(m, x->easy);
	x->state = X_WAITING;
	if (x->err < 0)
		return vmc_error_set(x->err, "%s", x->msg);
	if (c == CURLE_WRITE_ERROR && x->discard)
		c = CURLE_OK; /* an error body longer than we care to read */
	if (c != CURLE_OK) {
		if (!transient_curl(c))
			return curl_failure(r, c, x->errbuf, "blob");
		snprintf(why, sizeof(why), "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(c));
		return xfer_retry(x, why);
	}
	if (st == 200 || st == 206) {
		if (oci_blob_offset(x->w) < (uint64_t)x->d->size)
			return xfer_retry(x, "the transfer ended early");
		return xfer_finish(x);
	}
	if (st == 401 && !own)
		return foreign_challenge(r);
	if (st == 401 && !x->reauthed) {
		x->reauthed = 1;
		rc = authenticate(r, x->h.www_auth);
		if (rc < 0)
			return rc;
		x->not_before = 0;
		return 0;
	}
	if (st == 401 || st == 403)
		return denied(r, st);
	if (st == 404)
		return vmc_error_set(VMC_ENOTFOUND, "blob %s not found in %s/%s (HTTP 404)",
				     x->d->digest, r->ref.registry, r->ref.repository);
	if (st == 416) {
		rc = oci_blob_restart(x->w);
		if (rc < 0)
			return rc;
		return xfer_retry(x, "HTTP 416");
	}
	if (transient_status(st)) {
		snprintf(why, sizeof(why), "HTTP %ld", st);
		return xfer_retry(x, why);
	}
	return vmc_error_set(VMC_EPROTO, "blob %s: HTTP %ld", x->d->digest, st);
}

int oci_registry_fetch_blobs(struct oci_registry *r, struct oci_store *s,
			     const struct oci_descriptor *const *descs, size_t n,
			     oci_progress_fn progress, void *payload)
{
	int par = r->opts && r->opts->max_parallel > 0 ? r->opts->max_parallel
						       : OCI_REGISTRY_PARALLEL;
	struct xfer *xs = NULL;
	CURLM *m = NULL;
	size_t i, j;
	int rc = 0;

	if (n == 0)
		return 0;
	xs = calloc(n, sizeof(*xs));
	m = curl_multi_init();
	if (!xs || !m) {
		rc = !m && curl_nomem();
		goto out;
	}
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)par);
	for (i = 0; i < n; i++) {
		struct xfer *x = &xs[i];

		x->r = r;
		x->s = s;
		x->d = descs[i];
		x->progress = progress;
		x->payload = payload;
		for (j = 0; j < i && strcmp(descs[j]->digest, x->d->digest) != 0; j++)
			;
		if (j < i) {
			x->state = X_DONE; /* listed twice: fetched once */
			continue;
		}
		rc = oci_store_has_blob(s, x->d->digest, x->d->size);
		if (rc < 0)
			goto out;
		x->state = rc ? X_DONE : X_WAITING;
		if (rc) {
			if (progress)
				progress(x->d->digest, (uint64_t)x->d->size, (uint64_t)x->d->size,
					 payload);
			rc = 0;
			continue;
		}
		/* the writer opens when the transfer starts (at most `par` hold
		 * files at once); the first call tells what a partial file
		 * from an earlier run already holds */
		if (progress)
			progress(x->d->digest, oci_store_partial_size(s, x->d->digest, x->d->size),
				 (uint64_t)x->d->size, payload);
	}
	for (;;) {
		int64_t now = clock_mono_ms(), wait = 1000;
		int active = 0, waiting = 0, still = 0;
		struct CURLMsg *msg;
		int q;

		for (i = 0; i < n; i++)
			active += xs[i].state == X_RUNNING;
		for (i = 0; i < n; i++) {
			struct xfer *x = &xs[i];

			if (x->state != X_WAITING)
				continue;
			if (active < par && x->not_before <= now) {
				rc = xfer_start(x, m);
				if (rc == 1)
					rc = xfer_finish(x);
				if (rc < 0)
					goto out;
				active += x->state == X_RUNNING;
			} else if (x->not_before > now && x->not_before - now < wait) {
				wait = x->not_before - now;
			}
			waiting += x->state == X_WAITING;
		}
		if (!active && !waiting)
			break;
		if (curl_multi_perform(m, &still) != CURLM_OK) {
			rc = vmc_error_set(VMC_EIO, "curl_multi_perform failed");
			goto out;
		}
		while ((msg = curl_multi_info_read(m, &q)) != NULL) {
			struct xfer *x = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			rc = xfer_done(x, m, msg->data.result);
			if (rc < 0)
				goto out;
		}
		if (still > 0 || waiting > 0)
			curl_multi_poll(m, NULL, 0, (int)(still > 0 && wait > 200 ? 200 : wait), NULL);
	}
out:
	for (i = 0; xs && i < n; i++) {
		struct xfer *x = &xs[i];

		if (x->easy) {
			if (x->state == X_RUNNING)
				curl_multi_remove_handle(m, x->easy);
			curl_easy_cleanup(x->easy);
		}
		curl_slist_free_all(x->hdrs);
		oci_blob_suspend(x->w); /* partial files stay for the next run */
	}
	free(xs);
	if (m)
		curl_multi_cleanup(m);
	if (rc < 0)
		return vmc_error_prefix(rc, "%s/%s", r->ref.registry, r->ref.repository);
	return 0;
}
