/* drv_rapl.c - meter driver for Intel/AMD RAPL through powercap sysfs:
 * every zone intel-rapl:N (and sub-zone intel-rapl:N:M) has energy_uj, a
 * counter that wraps at max_energy_range_uj; the driver turns two reads into
 * watts per zone (the first read primes) and handles the wrap.
 *
 * Keys: root (default /sys/class/powercap), zone (only this zone directory,
 * e.g. intel-rapl:0, or zone name, e.g. package-0). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "meter.h"
#include "util.h"

typedef struct Rapl {
    char *root;
    char *zone;
    MeterCounters counters;
} Rapl;

static void raplFree(void *st) {
    Rapl *r = st;
    if (!r) return;
    free(r->root);
    free(r->zone);
    meterCountersFree(&r->counters);
    free(r);
}

static void *raplCreate(MeterConf *c) {
    Rapl *r = xcalloc(1, sizeof(*r));
    const char *root = meterConfGet(c, "root");
    const char *zone = meterConfGet(c, "zone");
    r->root = xstrdup(root && *root ? root : "/sys/class/powercap");
    r->zone = zone && *zone ? xstrdup(zone) : NULL;
    DIR *d = opendir(r->root);
    if (!d) {
        ERR("%s:%d: meter '%s': powercap root %s is not a readable directory", c->origin,
            meterConfLine(c, "root") ? meterConfLine(c, "root") : c->line, c->name, r->root);
        raplFree(r);
        return NULL;
    }
    closedir(d);
    return r;
}

static int raplReadZone(Rapl *r, const MeterCtx *ctx, const char *entry, double now) {
    char dir[4096], path[4096], name[64] = "", meter[512];
    double e, wrap = 0, watts;
    if (meterJoin(dir, sizeof(dir), r->root, entry) < 0 ||
        meterJoin(path, sizeof(path), dir, "name") < 0)
        return -1;
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(name, sizeof(name), f)) name[0] = '\0';
        fclose(f);
        strTrim(name);
    }
    if (r->zone && strcmp(r->zone, entry) != 0 && strcmp(r->zone, name) != 0) return 0;
    if (meterJoin(path, sizeof(path), dir, "max_energy_range_uj") < 0 ||
        meterReadNumber(path, &wrap) < 0)
        wrap = 0; /* no range: a decrease is a reset */
    if (meterJoin(path, sizeof(path), dir, "energy_uj") < 0 || meterReadNumber(path, &e) < 0)
        return -1;
    if (snprintf(meter, sizeof(meter), "%s/%s%s%s", ctx->instance, entry, name[0] ? "/" : "",
                 name) >= (int)sizeof(meter))
        return ERR("zone name %s is too long", entry);
    if (meterCounterWatts(meterCounterFor(&r->counters, entry), e * 1e-6, wrap * 1e-6, now, &watts))
        meterEmitWatts(ctx, meter, watts, METER_MEASURED);
    return 1;
}

static int raplRead(void *st, const MeterCtx *ctx) {
    Rapl *r = st;
    DIR *d = opendir(r->root);
    if (!d) return ERR("cannot open powercap root %s", r->root);
    int found = 0, rc = 0;
    char first[1024] = "";
    struct dirent *e;
    double now = nowMonotonic(); /* one instant for all zones: their watts compare */
    while ((e = readdir(d))) {
        if (!strStartsWith(e->d_name, "intel-rapl:")) continue;
        int z = raplReadZone(r, ctx, e->d_name, now);
        if (z < 0 && rc == 0) {
            rc = -1;
            snprintf(first, sizeof(first), "%s", errLast());
        }
        if (z != 0) found++;
    }
    closedir(d);
    if (rc < 0) return ERR("%s", first);
    if (!found)
        return ERR("no RAPL zone under %s%s%s", r->root, r->zone ? " named " : "",
                   r->zone ? r->zone : "");
    return 0;
}

const MeterDriver meterRapl = {
    .name = "rapl",
    .summary = "RAPL energy counters per powercap zone (package, core, dram), wrap handled",
    .create = raplCreate,
    .read = raplRead,
    .free = raplFree,
};
