/* lazy_curl.h - libcurl, opened on first use (see lazylib.h).
 * Include this instead of <curl/curl.h>: the table needs curl's type-check
 * macros off, since they would rewrite lazyCurl.curl_easy_setopt(...). */
#ifndef GEYSER_LAZY_CURL_H
#define GEYSER_LAZY_CURL_H

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "lazylib.h"

/* clang-format off */
#define LAZY_CURL_SYMBOLS(X)                                                                       \
    X(curl_easy_cleanup)                                                                           \
    X(curl_easy_escape)                                                                            \
    X(curl_easy_getinfo)                                                                           \
    X(curl_easy_init)                                                                              \
    X(curl_easy_perform)                                                                           \
    X(curl_easy_reset)                                                                             \
    X(curl_easy_setopt)                                                                            \
    X(curl_easy_strerror)                                                                          \
    X(curl_free)                                                                                   \
    X(curl_global_init)                                                                            \
    X(curl_slist_append)                                                                           \
    X(curl_slist_free_all)
/* clang-format on */

extern struct LazyCurl { LAZY_CURL_SYMBOLS(LAZY_FIELD) } lazyCurl;

/* Loads libcurl and runs curl_global_init once. Returns 0 or -1 (ERR set). */
int lazyCurlLoad(void);

#endif
