/* lazy_ipmi.c - the libfreeipmi table (2 MB resident once loaded; only
 * IPMI meters and the IPMI power actuator need it). */
#include "lazy_ipmi.h"

#ifndef GEYSER_FREEIPMI_SONAME
#define GEYSER_FREEIPMI_SONAME "libfreeipmi.so.17"
#endif

struct LazyIpmi lazyIpmi;

static int lazyIpmiBind(LazyLib *lib, void *handle) {
    int rc = 0;
#define LAZY_IPMI_BIND(n) LAZY_BIND(lazyIpmi, n)
    LAZY_IPMI_SYMBOLS(LAZY_IPMI_BIND)
    return rc;
}

static LazyLib lazyIpmiLib = LAZY_LIB_INIT(GEYSER_FREEIPMI_SONAME, "libfreeipmi17", lazyIpmiBind);

int lazyIpmiLoad(void) {
    return lazyLibLoad(&lazyIpmiLib);
}
