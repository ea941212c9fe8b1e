/* flavor.c - the OpenStack default flavors of the paper's Table 1 and their
 * lookup by name. */
#include "flavor.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"

const Flavor flavorTable[] = {
    {"m1.tiny", 1, 512, 0},    {"m1.small", 1, 2048, 20},   {"m1.medium", 2, 4096, 40},
    {"m1.large", 4, 8192, 60}, {"m1.xlarge", 8, 16384, 80}, {NULL, 0, 0, 0},
};

#define FLAVOR_PREFIX "m1."

/* "m1.tiny" -> "tiny"; the prefix is optional in what users type. */
static const char *shortName(const char *name) {
    size_t n = strlen(FLAVOR_PREFIX);
    return strncasecmp(name, FLAVOR_PREFIX, n) == 0 ? name + n : name;
}

/* "m1.tiny, m1.small, ..." for error messages. */
static void knownFlavors(char *buf, size_t size) {
    size_t len = 0;
    buf[0] = '\0';
    for (const Flavor *f = flavorTable; f->vcpus && len < size; f++)
        len +=
            (size_t)snprintf(buf + len, size - len, "%s%s", f == flavorTable ? "" : ", ", f->name);
}

const Flavor *flavorFind(const char *name) {
    for (const Flavor *f = flavorTable; name && f->vcpus; f++) {
        if (strcasecmp(shortName(name), shortName(f->name)) == 0) return f;
    }
    char known[256];
    knownFlavors(known, sizeof(known));
    if (!name)
        ERR("no flavor name given (known flavors: %s)", known);
    else
        ERR("unknown flavor '%s' (known flavors: %s)", name, known);
    return NULL;
}
