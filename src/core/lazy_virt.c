/* lazy_virt.c - the libvirt table (libvirt brings glib, libxml2, gnutls
 * and more; only the libvirt cloud backend needs it). */
#include "lazy_virt.h"

#ifndef GEYSER_LIBVIRT_SONAME
#define GEYSER_LIBVIRT_SONAME "libvirt.so.0"
#endif

struct LazyVirt lazyVirt;

static int lazyVirtBind(LazyLib *lib, void *handle) {
    int rc = 0;
#define LAZY_VIRT_BIND(n) LAZY_BIND(lazyVirt, n)
    LAZY_VIRT_SYMBOLS(LAZY_VIRT_BIND)
    return rc;
}

static LazyLib lazyVirtLib = LAZY_LIB_INIT(GEYSER_LIBVIRT_SONAME, "libvirt0", lazyVirtBind);

int lazyVirtLoad(void) {
    return lazyLibLoad(&lazyVirtLib);
}
