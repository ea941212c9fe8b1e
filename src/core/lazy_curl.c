/* lazy_curl.c - the libcurl table (libcurl and its TLS stack are about
 * 5 MB resident; only Redfish meters, OpenStack and HTTP hooks need them). */
#include "lazy_curl.h"

#include "err.h"

#ifndef GEYSER_CURL_SONAME
#define GEYSER_CURL_SONAME "libcurl.so.4"
#endif

struct LazyCurl lazyCurl;

static int lazyCurlBind(LazyLib *lib, void *handle) {
    int rc = 0;
#define LAZY_CURL_BIND(n) LAZY_BIND(lazyCurl, n)
    LAZY_CURL_SYMBOLS(LAZY_CURL_BIND)
    /* curl_global_init is not thread-safe in older libcurl: it runs here,
     * under the load lock, once for every user. */
    if (rc == 0 && lazyCurl.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        rc = ERR("cannot initialise %s (curl_global_init failed)", lib->soname);
    return rc;
}

static LazyLib lazyCurlLib = LAZY_LIB_INIT(GEYSER_CURL_SONAME, "libcurl4", lazyCurlBind);

int lazyCurlLoad(void) {
    return lazyLibLoad(&lazyCurlLib);
}
