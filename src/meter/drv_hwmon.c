/* drv_hwmon.c - meter driver for Linux hwmon power sensors in sysfs:
 * power*_input and power*_average in microwatts, energy*_input in microjoules
 * (converted to watts between two reads; the first read only primes it).
 * This covers IBM AEM (ibmaem), ACPI power meters (acpi_power_meter) and the
 * PMBus supplies that export power.
 *
 * Keys: root (default /sys/class/hwmon), chip (only the chip whose `name`
 * file or directory name matches). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "meter.h"
#include "util.h"

typedef struct Hwmon {
    char *root;
    char *chip;
    MeterCounters energy;
} Hwmon;

static void hwmonFree(void *st) {
    Hwmon *h = st;
    if (!h) return;
    free(h->root);
    free(h->chip);
    meterCountersFree(&h->energy);
    free(h);
}

static void *hwmonCreate(MeterConf *c) {
    Hwmon *h = xcalloc(1, sizeof(*h));
    const char *root = meterConfGet(c, "root");
    const char *chip = meterConfGet(c, "chip");
    h->root = xstrdup(root && *root ? root : "/sys/class/hwmon");
    h->chip = chip && *chip ? xstrdup(chip) : NULL;
    DIR *d = opendir(h->root);
    if (!d) {
        ERR("%s:%d: meter '%s': hwmon root %s is not a readable directory", c->origin,
            meterConfLine(c, "root") ? meterConfLine(c, "root") : c->line, c->name, h->root);
        hwmonFree(h);
        return NULL;
    }
    closedir(d);
    return h;
}

/* power3_input -> kind 'p', "power3"; energy1_input -> 'e'. 0 otherwise. */
static char hwmonSensorKind(const char *file) {
    int idx, n = 0;
    if (sscanf(file, "power%d_input%n", &idx, &n) == 1 && file[n] == '\0') return 'p';
    n = 0;
    if (sscanf(file, "power%d_average%n", &idx, &n) == 1 && file[n] == '\0') return 'p';
    n = 0;
    if (sscanf(file, "energy%d_input%n", &idx, &n) == 1 && file[n] == '\0') return 'e';
    return 0;
}

static bool hwmonChipMatches(const Hwmon *h, const char *dir, const char *entry) {
    if (!h->chip) return true;
    if (strcmp(entry, h->chip) == 0) return true;
    char path[4096], name[128] = "";
    if (meterJoin(path, sizeof(path), dir, "name") < 0) return false;
    FILE *f = fopen(path, "r");
    if (!f) return false;
    bool ok = fgets(name, sizeof(name), f) && strcmp(strTrim(name), h->chip) == 0;
    fclose(f);
    return ok;
}

/* Read the sensors of one chip; counts what it found; 0 or -1. */
static int hwmonReadChip(Hwmon *h, const MeterCtx *ctx, const char *dir, const char *entry,
                         int *found) {
    DIR *d = opendir(dir);
    if (!d) return 0; /* not a directory: ignore */
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char kind = hwmonSensorKind(e->d_name);
        if (!kind) continue;
        char path[4096], meter[512];
        double v;
        (*found)++;
        if (meterJoin(path, sizeof(path), dir, e->d_name) < 0 || meterReadNumber(path, &v) < 0) {
            rc = -1; /* keep going: one bad file must not hide the others */
            continue;
        }
        if (snprintf(meter, sizeof(meter), "%s/%s/%.*s", ctx->instance, entry,
                     (int)strcspn(e->d_name, "_"), e->d_name) >= (int)sizeof(meter))
            continue; /* cannot happen with sysfs names; found++ already reported it */
        if (kind == 'p') {
            meterEmitWatts(ctx, meter, v * 1e-6, METER_MEASURED);
            continue;
        }
        double joules = v * 1e-6, watts;
        meterEmitJoules(ctx, meter, joules, METER_MEASURED);
        if (meterCounterWatts(meterCounterFor(&h->energy, path), joules, 0, nowMonotonic(), &watts))
            meterEmitWatts(ctx, meter, watts, METER_MEASURED);
    }
    closedir(d);
    return rc;
}

static int hwmonRead(void *st, const MeterCtx *ctx) {
    Hwmon *h = st;
    DIR *d = opendir(h->root);
    if (!d) return ERR("cannot open hwmon root %s", h->root);
    int found = 0, rc = 0;
    char first[1024] = "";
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char dir[4096];
        if (meterJoin(dir, sizeof(dir), h->root, e->d_name) < 0) continue;
        if (!hwmonChipMatches(h, dir, e->d_name)) continue;
        if (hwmonReadChip(h, ctx, dir, e->d_name, &found) < 0 && rc == 0) {
            rc = -1;
            snprintf(first, sizeof(first), "%s", errLast());
        }
    }
    closedir(d);
    if (rc < 0) return ERR("%s", first);
    if (found == 0)
        return ERR("no power or energy sensor under %s%s%s", h->root, h->chip ? " for chip " : "",
                   h->chip ? h->chip : "");
    return 0;
}

const MeterDriver meterHwmon = {
    .name = "hwmon",
    .summary = "Linux hwmon power*_input/_average (uW) and energy*_input (uJ) in sysfs",
    .create = hwmonCreate,
    .read = hwmonRead,
    .free = hwmonFree,
};
