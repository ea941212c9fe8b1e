/* lazylib.h - shared libraries opened on first use instead of at start.
 *
 * libvirt, libcurl, libpq and libfreeipmi pull in about 60 further
 * libraries (gnutls, glib, libxml2, icu, krb5...), which the dynamic loader
 * would map and relocate at every start, costing the collect agent over
 * 10 MB resident that it never uses. So geyser does not link them: each one
 * has a table of the functions geyser calls (lazy_curl.h, lazy_virt.h,
 * lazy_pq.h, lazy_ipmi.h), filled with dlopen/dlsym by its load function the
 * first time a module needs it. Every entry point of a module that uses one
 * calls the load function (lazyCurlLoad() ...) first, then calls through the
 * table (lazyCurl.curl_easy_init(...)).
 *
 * A table is an X-macro list of names; each field is declared with
 * __typeof__ of the library's own prototype, so a call through it is checked
 * by the compiler against the library header, exactly as a direct call. */
#ifndef GEYSER_LAZYLIB_H
#define GEYSER_LAZYLIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* One library: where to find it, and what became of loading it. */
typedef struct LazyLib {
    const char *soname;  /* "libcurl.so.4" */
    const char *package; /* the Debian package that ships it, for the error */
    /* Resolves every symbol into the library's table with lazyLibSym();
     * may then initialise the library. Returns 0 or -1 (ERR set). */
    int (*bind)(struct LazyLib *lib, void *handle);
    pthread_mutex_t lock;
    bool done;     /* loaded, or failed for good: err says which */
    char err[512]; /* the failure, reported again on every later use */
} LazyLib;

#define LAZY_LIB_INIT(soname, package, bind)                                                       \
    { soname, package, bind, PTHREAD_MUTEX_INITIALIZER, false, "" }

/* Loads lib once, thread-safely; later calls return the first result
 * (a failure is reported again with the same message). */
int lazyLibLoad(LazyLib *lib);

/* For bind functions: looks up name in handle and stores the address in
 * *slot (a function pointer of size slotSize). Returns 0 or -1 (ERR set). */
int lazyLibSym(const LazyLib *lib, void *handle, const char *name, void *slot, size_t slotSize);

/* Declares the table struct's fields from an X-macro symbol list. */
#define LAZY_FIELD(n) __typeof__(n) *n;
/* Resolves one field of table t in a bind function (rc, lib and handle in scope). */
#define LAZY_BIND(t, n)                                                                            \
    if (rc == 0) rc = lazyLibSym(lib, handle, #n, &(t).n, sizeof((t).n));

#endif
