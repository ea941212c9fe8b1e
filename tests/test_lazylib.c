/* test_lazylib.c - libraries opened on first use (src/core/lazylib.h): a
 * missing library or symbol is reported with the soname and the Debian
 * package, each library is bound exactly once even when threads race for
 * it, and the four real tables (libcurl, libvirt, libpq, libfreeipmi) are
 * not in the process until their load function runs. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <zlib.h>

#include "err.h"
#include "lazy_curl.h"
#include "lazy_ipmi.h"
#include "lazy_pq.h"
#include "lazy_virt.h"
#include "lazylib.h"
#include "testing.h"

static atomic_int binds;
static __typeof__(zlibVersion) *zVersion;

static int bindZlib(LazyLib *lib, void *handle) {
    atomic_fetch_add(&binds, 1);
    return lazyLibSym(lib, handle, "zlibVersion", &zVersion, sizeof(zVersion));
}

static int bindMissing(LazyLib *lib, void *handle) {
    void (*fn)(void);
    return lazyLibSym(lib, handle, "geyserNoSuchSymbol", &fn, sizeof(fn));
}

static void testMissingLibrary(void) {
    static LazyLib lib = LAZY_LIB_INIT("libgeyser-absent.so.9", "libgeyser-absent9", bindZlib);
    atomic_store(&binds, 0);
    CHECK(lazyLibLoad(&lib) == -1);
    CHECK_STR_CONTAINS(errLast(), "cannot load libgeyser-absent.so.9");
    CHECK_STR_CONTAINS(errLast(), "Debian package libgeyser-absent9");
    errClear();
    /* The failure is kept, and reported again: no second dlopen. */
    CHECK(lazyLibLoad(&lib) == -1);
    CHECK_STR_CONTAINS(errLast(), "cannot load libgeyser-absent.so.9");
    CHECK(atomic_load(&binds) == 0);
}

static void testMissingSymbol(void) {
    static LazyLib lib = LAZY_LIB_INIT("libz.so.1", "zlib1g", bindMissing);
    CHECK(lazyLibLoad(&lib) == -1);
    CHECK_STR_CONTAINS(errLast(),
                       "libz.so.1 (Debian package zlib1g) lacks the symbol geyserNoSuchSymbol");
}

static LazyLib zlibLib = LAZY_LIB_INIT("libz.so.1", "zlib1g", bindZlib);

static void *loadZlib(void *arg) {
    (void)arg;
    return lazyLibLoad(&zlibLib) == 0 ? &zlibLib : NULL;
}

static void testOnceAcrossThreads(void) {
    atomic_store(&binds, 0);
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        CHECK(pthread_create(&t[i], NULL, loadZlib, NULL) == 0);
    for (int i = 0; i < 8; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        CHECK(r == &zlibLib);
    }
    CHECK(atomic_load(&binds) == 1);
    CHECK(zVersion && strcmp(zVersion(), zlibVersion()) == 0);
}

static bool inProcess(const char *soname) {
    void *h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
    if (h) dlclose(h);
    return h != NULL;
}

/* This program links geysercore only, as geyser does: none of the four is
 * mapped before its load function runs. */
static void testRealTables(void) {
    const char *sonames[] = {"libcurl.so.4", "libvirt.so.0", "libpq.so.5", "libfreeipmi.so.17"};
    for (int i = 0; i < 4; i++)
        CHECK(!inProcess(sonames[i]));
    CHECK(lazyCurlLoad() == 0);
    CHECK(lazyVirtLoad() == 0);
    CHECK(lazyPqLoad() == 0);
    CHECK(lazyIpmiLoad() == 0);
    for (int i = 0; i < 4; i++)
        CHECK(inProcess(sonames[i]));
    CHECK(strcmp(lazyCurl.curl_easy_strerror(CURLE_OK), "No error") == 0);
    CHECK(lazyPq.PQstatus(NULL) == CONNECTION_BAD);
    virConnectPtr conn =
        lazyVirt.virConnectOpen("test:///default"); /* libvirt's in-process driver */
    CHECK(conn != NULL);
    if (conn) lazyVirt.virConnectClose(conn);
    fiid_obj_t obj = lazyIpmi.fiid_obj_create(*lazyIpmi.tmpl_cmd_get_chassis_status_rs);
    CHECK(obj != NULL);
    lazyIpmi.fiid_obj_destroy(obj);
}

int main(void) {
    RUN(testMissingLibrary);
    RUN(testMissingSymbol);
    RUN(testOnceAcrossThreads);
    RUN(testRealTables);
    return testSummary("test_lazylib");
}
