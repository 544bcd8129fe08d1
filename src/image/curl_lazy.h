/*
 * curl_lazy.h - libcurl loaded on first use (see core/lazylib.h). Included
 * right after <curl/curl.h> by the files that call libcurl: it renames
 * each function vmc uses to its lazy_ wrapper, so the calling code reads
 * as plain libcurl. An entry point (curl_global_init, curl_easy_init,
 * curl_multi_init, curl_url) fails as libcurl documents it when the
 * library cannot be loaded; curl_lazy_failed() then sets the vmc error.
 */
#ifndef VMC_IMAGE_CURL_LAZY_H
#define VMC_IMAGE_CURL_LAZY_H

#include <curl/curl.h>

/* When libcurl could not be loaded: sets the vmc error ("libcurl.so.4
 * could not be loaded (install libcurl4): ...") and returns its code;
 * otherwise 0. */
int curl_lazy_failed(void);

CURLcode lazy_curl_global_init(long flags);
const char *lazy_curl_easy_strerror(CURLcode code);
CURL *lazy_curl_easy_init(void);
void lazy_curl_easy_cleanup(CURL *h);
void lazy_curl_easy_reset(CURL *h);
CURLcode lazy_curl_easy_setopt(CURL *h, CURLoption option, ...);
CURLcode lazy_curl_easy_getinfo(CURL *h, CURLINFO info, ...);
CURLcode lazy_curl_easy_perform(CURL *h);
struct curl_slist *lazy_curl_slist_append(struct curl_slist *list, const char *data);
void lazy_curl_slist_free_all(struct curl_slist *list);
CURLU *lazy_curl_url(void);
CURLUcode lazy_curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags);
CURLUcode lazy_curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags);
void lazy_curl_url_cleanup(CURLU *u);
void lazy_curl_free(void *p);
CURLM *lazy_curl_multi_init(void);
CURLMcode lazy_curl_multi_setopt(CURLM *m, CURLMoption option, ...);
CURLMcode lazy_curl_multi_add_handle(CURLM *m, CURL *h);
CURLMcode lazy_curl_multi_remove_handle(CURLM *m, CURL *h);
CURLMcode lazy_curl_multi_perform(CURLM *m, int *running);
CURLMsg *lazy_curl_multi_info_read(CURLM *m, int *queued);
CURLMcode lazy_curl_multi_poll(CURLM *m, struct curl_waitfd extra_fds[], unsigned int extra_nfds,
			       int timeout_ms, int *numfds);
CURLMcode lazy_curl_multi_cleanup(CURLM *m);

/* curl.h makes the variadic ones macros (type checks): replaced here. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init lazy_curl_global_init
#define curl_easy_strerror lazy_curl_easy_strerror
#define curl_easy_init lazy_curl_easy_init
#define curl_easy_cleanup lazy_curl_easy_cleanup
#define curl_easy_reset lazy_curl_easy_reset
#define curl_easy_setopt lazy_curl_easy_setopt
#define curl_easy_getinfo lazy_curl_easy_getinfo
#define curl_easy_perform lazy_curl_easy_perform
#define curl_slist_append lazy_curl_slist_append
#define curl_slist_free_all lazy_curl_slist_free_all
#define curl_url lazy_curl_url
#define curl_url_set lazy_curl_url_set
#define curl_url_get lazy_curl_url_get
#define curl_url_cleanup lazy_curl_url_cleanup
#define curl_free lazy_curl_free
#define curl_multi_init lazy_curl_multi_init
#define curl_multi_setopt lazy_curl_multi_setopt
#define curl_multi_add_handle lazy_curl_multi_add_handle
#define curl_multi_remove_handle lazy_curl_multi_remove_handle
#define curl_multi_perform lazy_curl_multi_perform
#define curl_multi_info_read lazy_curl_multi_info_read
#define curl_multi_poll lazy_curl_multi_poll
#define curl_multi_cleanup lazy_curl_multi_cleanup

#endif
