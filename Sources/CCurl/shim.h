// Typed wrappers for libcurl's variadic curl_easy_setopt/getinfo, which Swift cannot call.
#ifndef SORA_CCURL_SHIM_H
#define SORA_CCURL_SHIM_H
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

typedef size_t (*sora_curl_data_fn)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*sora_curl_xferinfo_fn)(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                                     curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode sora_curl_set_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sora_curl_set_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sora_curl_set_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sora_curl_set_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sora_curl_set_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sora_curl_set_data_fn(CURL *h, CURLoption o, sora_curl_data_fn f) { return curl_easy_setopt(h, o, f); }
static inline CURLcode sora_curl_set_xferinfo_fn(CURL *h, sora_curl_xferinfo_fn f) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f);
}
/// A body written by libcurl straight into a file descriptor (downloads): no per-chunk hop into
/// Swift, no copy. `limit` bounds the bytes written; `error` is errno on a failed write, -1 when
/// the limit was passed (the transfer then stops with CURLE_WRITE_ERROR).
typedef struct { int fd; long long limit; long long written; int error; } sora_fd_sink;

#include <errno.h>
#include <unistd.h>
static size_t sora_curl_fd_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
    sora_fd_sink *sink = (sora_fd_sink *)userdata;
    size_t total = size * nmemb, done = 0;
    if (sink->written + (long long)total > sink->limit) { sink->error = -1; return 0; }
    while (done < total) {
        ssize_t n = write(sink->fd, ptr + done, total - done);
        if (n < 0) { if (errno == EINTR) continue; sink->error = errno; return 0; }
        done += (size_t)n;
    }
    sink->written += (long long)total;
    return total;
}
static inline CURLcode sora_curl_set_fd_sink(CURL *h, sora_fd_sink *sink) {
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sora_curl_fd_write);
    return curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)sink);
}

static inline CURLcode sora_curl_get_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode sora_curl_get_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode sora_curl_get_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
#endif
