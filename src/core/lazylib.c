/* lazylib.c - dlopen on first use, once, for the lazy_*.c tables (see lazylib.h). */
#include "lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static int lazyLibOpen(LazyLib *lib) {
    /* RTLD_LOCAL: the library's symbols stay out of the global namespace,
     * so another copy of a dependency cannot be bound by accident. */
    void *handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return ERR("cannot load %s (Debian package %s): %s", lib->soname, lib->package, dlerror());
    /* The handle is never closed: the table points into the library for
     * the life of the process. */
    return lib->bind(lib, handle);
}

int lazyLibLoad(LazyLib *lib) {
    pthread_mutex_lock(&lib->lock);
    if (!lib->done) {
        if (lazyLibOpen(lib) < 0) snprintf(lib->err, sizeof(lib->err), "%s", errLast());
        lib->done = true;
    }
    int rc = lib->err[0] ? ERR("%s", lib->err) : 0;
    pthread_mutex_unlock(&lib->lock);
    return rc;
}

int lazyLibSym(const LazyLib *lib, void *handle, const char *name, void *slot, size_t slotSize) {
    dlerror();
    void *sym = dlsym(handle, name);
    if (!sym)
        return ERR("%s (Debian package %s) lacks the symbol %s", lib->soname, lib->package, name);
    /* POSIX guarantees a function's address survives the trip through
     * void *; memcpy makes the conversion without a cast ISO C forbids. */
    if (slotSize != sizeof(sym))
        return ERR("%s: %s has an unexpected pointer size", lib->soname, name);
    memcpy(slot, &sym, sizeof(sym));
    return 0;
}
