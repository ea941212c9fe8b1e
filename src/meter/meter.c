/* meter.c - the driver registry, the typed config getters and instance
 * construction shared by every meter driver. */
#include "meter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "util.h"

/* The registry: one line per driver (its file defines the table). */
/* clang-format off */
#define METER_DRIVERS(X)                                                                           \
    X(meterHwmon)   /* drv_hwmon.c: Linux hwmon power and energy sensors */                        \
    X(meterRapl)    /* drv_rapl.c: RAPL powercap zones */                                          \
    X(meterExec)    /* drv_exec.c: a command that prints watts */                                  \
    X(meterIpmi)    /* drv_ipmi.c: a BMC over IPMI (DCMI or SDR sensor) */                         \
    X(meterRedfish) /* drv_redfish.c: a BMC over Redfish */                                        \
    X(meterModel)   /* drv_model.c: CPU utilization through a power model */                       \
    X(meterSim)     /* drv_sim.c: the simulated cloud's hosts */
/* clang-format on */

#define METER_EXTERN(d) extern const MeterDriver d;
#define METER_ENTRY(d)  &d,
METER_DRIVERS(METER_EXTERN)
const MeterDriver *const meterDrivers[] = {METER_DRIVERS(METER_ENTRY) NULL};

const MeterDriver *meterDriverFind(const char *name) {
    char names[256] = "";
    size_t used = 0;
    for (int i = 0; meterDrivers[i]; i++) {
        if (strcmp(meterDrivers[i]->name, name) == 0) return meterDrivers[i];
        int n = snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
                         meterDrivers[i]->name);
        if (n > 0 && (size_t)n < sizeof(names) - used) used += (size_t)n;
    }
    ERR("unknown meter driver '%s' (known: %s)", name, names);
    return NULL;
}

static MeterKey *confFind(const MeterConf *c, const char *key) {
    for (int i = 0; i < c->nkeys; i++)
        if (strcmp(c->keys[i].key, key) == 0) return &c->keys[i];
    return NULL;
}

const char *meterConfGet(MeterConf *c, const char *key) {
    MeterKey *k = confFind(c, key);
    if (!k) return NULL;
    k->taken = true;
    return k->value;
}

const char *meterConfRequire(MeterConf *c, const char *key) {
    const char *v = meterConfGet(c, key);
    if (!v || !*v) ERR("%s:%d: meter '%s' needs the key '%s'", c->origin, c->line, c->name, key);
    return v && *v ? v : NULL;
}

int meterConfLine(const MeterConf *c, const char *key) {
    const MeterKey *k = confFind(c, key);
    return k ? k->line : 0;
}

int meterConfDouble(MeterConf *c, const char *key, double def, double lo, double hi, double *out) {
    const char *v = meterConfGet(c, key);
    if (!v) {
        *out = def;
        return 0;
    }
    double d;
    if (parseDouble(v, &d) < 0 || d < lo || d > hi)
        return ERR("%s:%d: meter '%s': %s must be a number in [%g, %g], not '%s'", c->origin,
                   meterConfLine(c, key), c->name, key, lo, hi, v);
    *out = d;
    return 0;
}

int meterConfBool(MeterConf *c, const char *key, bool def, bool *out) {
    const char *v = meterConfGet(c, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1"))
        *out = true;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0"))
        *out = false;
    else
        return ERR("%s:%d: meter '%s': %s must be true or false, not '%s'", c->origin,
                   meterConfLine(c, key), c->name, key, v);
    return 0;
}

bool meterKeyIsSecret(const char *key) {
    return strstr(key, "password") || strstr(key, "secret") || strstr(key, "token");
}

Meter *meterCreate(MeterConf *conf) {
    Meter *m = xcalloc(1, sizeof(*m));
    m->name = xstrdup(conf->name);
    const char *drv = meterConfRequire(conf, "driver");
    if (!drv) goto fail;
    m->drv = meterDriverFind(drv);
    if (!m->drv) {
        errPrefix("%s:%d", conf->origin, meterConfLine(conf, "driver"));
        goto fail;
    }
    if (meterConfDouble(conf, "interval", 10, 0.01, 86400, &m->interval) < 0) goto fail;
    if (meterConfDouble(conf, "timeout", m->interval < 5 ? m->interval : 5, 0.01, 3600,
                        &m->timeout) < 0)
        goto fail;
    const char *host = meterConfGet(conf, "host");
    m->host = xstrdup(host && *host ? host : conf->name);
    m->state = m->drv->create(conf);
    if (!m->state) goto fail;
    for (int i = 0; i < conf->nkeys; i++)
        if (!conf->keys[i].taken) {
            ERR("%s:%d: meter '%s': unknown key '%s' for driver %s", conf->origin,
                conf->keys[i].line, conf->name, conf->keys[i].key, m->drv->name);
            goto fail;
        }
    return m;
fail:
    meterFree(m);
    return NULL;
}

void meterFree(Meter *m) {
    if (!m) return;
    if (m->state) m->drv->free(m->state);
    free(m->name);
    free(m->host);
    free(m);
}

double meterWallClock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void meterEmitWatts(const MeterCtx *ctx, const char *meter, double watts, const char *source) {
    MeterSample s = {.time = meterWallClock(),
                     .host = ctx->host,
                     .meter = meter ? meter : ctx->instance,
                     .watts = watts,
                     .source = source};
    ctx->emit(ctx->emitCtx, &s);
}

void meterEmitJoules(const MeterCtx *ctx, const char *meter, double joules, const char *source) {
    MeterSample s = {.time = meterWallClock(),
                     .host = ctx->host,
                     .meter = meter ? meter : ctx->instance,
                     .joules = joules,
                     .isCounter = true,
                     .source = source};
    ctx->emit(ctx->emitCtx, &s);
}

int meterReadNumber(const char *path, double *out) {
    char buf[128];
    FILE *f = fopen(path, "r");
    if (!f) return ERR("cannot open %s: %s", path, strerror(errno));
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) return ERR("cannot read %s", path);
    buf[n] = '\0';
    double d;
    if (parseDouble(buf, &d) < 0 || d < 0)
        return ERR("%s does not hold a non-negative number ('%.40s')", path, strTrim(buf));
    *out = d;
    return 0;
}

MeterCounter *meterCounterFor(MeterCounters *set, const char *key) {
    for (int i = 0; i < set->n; i++)
        if (strcmp(set->items[i].key, key) == 0) return &set->items[i];
    growArray((void **)&set->items, sizeof(*set->items), &set->cap, (size_t)set->n + 1);
    MeterCounter *c = &set->items[set->n++];
    memset(c, 0, sizeof(*c));
    c->key = xstrdup(key);
    return c;
}

int meterCounterWatts(MeterCounter *c, double value, double wrap, double now, double *watts) {
    bool had = c->primed;
    double last = c->last, lastT = c->lastT;
    c->last = value;
    c->lastT = now;
    c->primed = true;
    if (!had || now <= lastT) return 0;
    double delta = value - last;
    if (delta < 0) {
        if (wrap <= 0 || last > wrap) return 0; /* reset, not wrap: prime again */
        delta = (wrap - last) + value;
    }
    *watts = delta / (now - lastT);
    return 1;
}

void meterCountersFree(MeterCounters *set) {
    if (!set) return;
    for (int i = 0; i < set->n; i++)
        free(set->items[i].key);
    free(set->items);
    memset(set, 0, sizeof(*set));
}

int meterJoin(char *out, size_t cap, const char *dir, const char *file) {
    int n = snprintf(out, cap, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= cap) return ERR("path %s/%s is too long", dir, file);
    return 0;
}
