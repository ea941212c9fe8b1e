/* lazy_pq.c - the libpq table (libpq brings krb5, ldap and libssl; only
 * the PostgreSQL store needs it). */
#include "lazy_pq.h"

#ifndef GEYSER_LIBPQ_SONAME
#define GEYSER_LIBPQ_SONAME "libpq.so.5"
#endif

struct LazyPq lazyPq;

static int lazyPqBind(LazyLib *lib, void *handle) {
    int rc = 0;
#define LAZY_PQ_BIND(n) LAZY_BIND(lazyPq, n)
    LAZY_PQ_SYMBOLS(LAZY_PQ_BIND)
    return rc;
}

static LazyLib lazyPqLib = LAZY_LIB_INIT(GEYSER_LIBPQ_SONAME, "libpq5", lazyPqBind);

int lazyPqLoad(void) {
    return lazyLibLoad(&lazyPqLib);
}
