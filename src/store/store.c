/* store.c - opening a store by URI through the backend registry, and the
 * checks every sample passes before any backend sees it (store.h). */
#include "store.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

extern const StoreDriver storeSqliteDriver;
extern const StoreDriver storePostgresDriver;

const StoreDriver *const storeDrivers[] = {
    &storeSqliteDriver,
    &storePostgresDriver,
    NULL,
};

struct Store {
    const StoreDriver *drv;
    void *db;
};

/* "postgresql://..." and "postgres://..." are libpq URIs: the whole string
 * goes to the PostgreSQL backend, which hands it to libpq as it is. */
static const StoreDriver *storeDriverFor(const char *uri, const char **target) {
    if (strStartsWith(uri, "postgresql://") || strStartsWith(uri, "postgres://")) {
        *target = uri;
        return &storePostgresDriver;
    }
    const char *colon = strchr(uri, ':');
    size_t len = (size_t)(colon - uri);
    *target = colon + 1;
    for (const StoreDriver *const *d = storeDrivers; *d; d++)
        if (strlen((*d)->scheme) == len && strncmp((*d)->scheme, uri, len) == 0) return *d;
    return NULL;
}

Store *storeOpen(const char *uri) {
    char shown[512];
    storeUriRedact(uri ? uri : "", shown, sizeof(shown));
    if (!uri || !strchr(uri, ':')) {
        ERR("store '%s' has no scheme; expected sqlite:PATH, postgres:CONNINFO or "
            "postgresql://...",
            shown);
        return NULL;
    }
    const char *target;
    const StoreDriver *drv = storeDriverFor(uri, &target);
    if (!drv) {
        ERR("store '%s': unknown scheme '%.*s'; expected sqlite:PATH, postgres:CONNINFO or "
            "postgresql://...",
            shown, (int)(strchr(uri, ':') - uri), uri);
        return NULL;
    }
    void *db = drv->open(target);
    if (!db) {
        errPrefix("cannot open store %s", shown);
        return NULL;
    }
    Store *st = xmalloc(sizeof(*st));
    st->drv = drv;
    st->db = db;
    return st;
}

/* Replace out[from, to) with "***" when it fits. */
static void redactSpan(char *out, size_t cap, char *from, char *to) {
    size_t tail = strlen(to) + 1;
    if ((size_t)(from - out) + 3 + tail > cap) return;
    memmove(from + 3, to, tail);
    memcpy(from, "***", 3);
}

/* Blank "password=VALUE" (conninfo) and the password of "scheme://user:pw@". */
void storeUriRedact(const char *uri, char *out, size_t cap) {
    snprintf(out, cap, "%s", uri);
    char *p = strstr(out, "://");
    if (p) {
        char *at = strchr(p + 3, '@'), *colon = strchr(p + 3, ':');
        if (at && colon && colon < at) redactSpan(out, cap, colon + 1, at);
    }
    for (char *k = strstr(out, "password="); k; k = strstr(k + 1, "password=")) {
        char *e = k + 9;
        while (*e && *e != ' ' && *e != '&')
            e++;
        redactSpan(out, cap, k + 9, e);
    }
}

void storeClose(Store *st) {
    if (!st) return;
    st->drv->close(st->db);
    free(st);
}

/* ---- checks ----------------------------------------------------------- */

static int checkName(const char *what, size_t i, const char *field, const char *s, bool optional) {
    if (!s || !*s) {
        if (optional) return 0;
        return ERR("%s %zu: %s is empty; every sample names its %s", what, i, field, field);
    }
    if (strlen(s) > STORE_NAME_MAX)
        return ERR("%s %zu: %s '%.20s...' is %zu bytes long, more than the %d allowed", what, i,
                   field, s, strlen(s), STORE_NAME_MAX);
    return 0;
}

static int checkTime(const char *what, size_t i, const char *name, double t) {
    if (!isfinite(t) || t < 0)
        return ERR("%s %zu (%s): time %g is not a finite number of seconds since 1970", what, i,
                   name, t);
    return 0;
}

static int checkUtil(const char *what, size_t i, const char *name, double u) {
    if (!(u >= 0 && u <= 1))
        return ERR("%s %zu (%s): utilization %g is outside [0, 1]", what, i, name, u);
    return 0;
}

static int checkPower(const PowerSample *s, size_t i) {
    if (checkName("power sample", i, "host", s->host, false) < 0) return -1;
    if (checkName("power sample", i, "meter", s->meter, false) < 0) return -1;
    if (checkTime("power sample", i, s->host, s->t) < 0) return -1;
    if (!isfinite(s->watts))
        return ERR("power sample %zu (host %s, meter %s): watts is not a finite number", i, s->host,
                   s->meter);
    if (s->watts < 0)
        return ERR("power sample %zu (host %s, meter %s): %g W is negative", i, s->host, s->meter,
                   s->watts);
    if (s->source != SAMPLE_MEASURED && s->source != SAMPLE_ESTIMATED)
        return ERR("power sample %zu (host %s): source %d is neither measured nor estimated", i,
                   s->host, (int)s->source);
    return 0;
}

int storeWritePower(Store *st, const PowerSample *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (checkPower(&s[i], i) < 0) return -1;
    return n ? st->drv->writePower(st->db, s, n) : 0;
}

int storeWriteHostUtil(Store *st, const HostUtilSample *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (checkName("host utilization sample", i, "host", s[i].host, false) < 0) return -1;
        if (checkTime("host utilization sample", i, s[i].host, s[i].t) < 0) return -1;
        if (checkUtil("host utilization sample", i, s[i].host, s[i].util) < 0) return -1;
    }
    return n ? st->drv->writeHostUtil(st->db, s, n) : 0;
}

int storeWriteVmUtil(Store *st, const VmUtilSample *s, size_t n) {
    const char *what = "VM utilization sample";
    for (size_t i = 0; i < n; i++) {
        if (checkName(what, i, "vm", s[i].vm, false) < 0) return -1;
        if (checkName(what, i, "host", s[i].host, false) < 0) return -1;
        if (checkTime(what, i, s[i].vm, s[i].t) < 0) return -1;
        if (checkUtil(what, i, s[i].vm, s[i].util) < 0) return -1;
        if (s[i].vcpus < 1)
            return ERR("%s %zu (%s): %d vCPUs; a VM has at least one", what, i, s[i].vm,
                       s[i].vcpus);
    }
    return n ? st->drv->writeVmUtil(st->db, s, n) : 0;
}

static int checkDetail(size_t i, const char *detail) {
    if (!detail) return 0;
    json_error_t je;
    json_t *j = json_loads(detail, 0, &je);
    int ok = j && json_is_object(j);
    json_decref(j);
    if (!ok)
        return ERR("event %zu: detail is not a JSON object (%s)", i,
                   j ? "another JSON value" : je.text);
    return 0;
}

int storeWriteEvents(Store *st, const StoreEvent *e, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (checkName("event", i, "kind", e[i].kind, false) < 0) return -1;
        if (checkName("event", i, "host", e[i].host, true) < 0) return -1;
        if (checkName("event", i, "vm", e[i].vm, true) < 0) return -1;
        if (checkTime("event", i, e[i].kind, e[i].t) < 0) return -1;
        if (checkDetail(i, e[i].detail) < 0) return -1;
    }
    return n ? st->drv->writeEvents(st->db, e, n) : 0;
}

int storeWriteVmEnergy(Store *st, const VmEnergySample *s, size_t n) {
    const char *what = "VM energy sample";
    for (size_t i = 0; i < n; i++) {
        if (checkName(what, i, "vm", s[i].vm, false) < 0) return -1;
        if (checkName(what, i, "host", s[i].host, false) < 0) return -1;
        if (checkName(what, i, "project", s[i].project, true) < 0) return -1;
        if (checkTime(what, i, s[i].vm, s[i].t) < 0) return -1;
        if (!isfinite(s[i].joules) || s[i].joules < 0)
            return ERR("%s %zu (%s): %g J is not a finite, non-negative energy", what, i, s[i].vm,
                       s[i].joules);
    }
    return n ? st->drv->writeVmEnergy(st->db, s, n) : 0;
}

int storeDescribeHosts(Store *st, const HostInfo *h, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (checkName("host", i, "host", h[i].host, false) < 0) return -1;
        if (checkName("host", i, "server type", h[i].serverType, true) < 0) return -1;
    }
    return n ? st->drv->describeHosts(st->db, h, n) : 0;
}

int storeDescribeMeters(Store *st, const MeterInfo *m, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (checkName("meter", i, "host", m[i].host, false) < 0) return -1;
        if (checkName("meter", i, "meter", m[i].meter, false) < 0) return -1;
        if (checkName("meter", i, "driver", m[i].driver, false) < 0) return -1;
    }
    return n ? st->drv->describeMeters(st->db, m, n) : 0;
}

int storeScan(Store *st, StoreTable table, double from, double to, StoreRowFn fn, void *ctx) {
    if ((int)table < 0 || table >= STORE_TABLES) return ERR("scan of unknown table %d", (int)table);
    if (isnan(from) || isnan(to) || from > to)
        return ERR("scan of %s: the range [%g, %g) is not a range of times", storeTableName(table),
                   from, to);
    return st->drv->scan(st->db, table, from, to, fn, ctx);
}

const char *storeTableName(StoreTable t) {
    static const char *const names[STORE_TABLES] = {"power", "host_util", "vm_util", "vm_energy",
                                                    "hosts", "meters",    "events"};
    return (int)t >= 0 && t < STORE_TABLES ? names[t] : "unknown";
}

int storeRetain(Store *st, double before, long *deleted) {
    long dummy;
    if (!isfinite(before)) return ERR("retention cut-off %g is not a finite time", before);
    return st->drv->retain(st->db, before, deleted ? deleted : &dummy);
}

/* ---- queries ---------------------------------------------------------- */

static bool whole(double x, double unit) {
    return fmod(x, unit) == 0;
}

static SeriesSource pickSource(double from, double step) {
    if (whole(step, 3600) && whole(from, 3600)) return SERIES_1HOUR;
    if (whole(step, 60) && whole(from, 60)) return SERIES_1MIN;
    return SERIES_RAW;
}

int storeSeries(Store *st, const char *host, const char *meter, double from, double to, double step,
                SeriesPoint **out, size_t *n, SeriesSource *used) {
    *out = NULL;
    *n = 0;
    if (!host || !*host) return ERR("series query: no host given");
    if (!isfinite(from) || !isfinite(to) || from >= to)
        return ERR("series query for host %s: the range [%g, %g) is empty or not finite", host,
                   from, to);
    if (!(step > 0) || !isfinite(step))
        return ERR("series query for host %s: step %g must be a positive number of seconds", host,
                   step);
    if ((to - from) / step > 1e7)
        return ERR("series query for host %s: %.0f steps is more than 10 million; use a longer "
                   "step",
                   host, (to - from) / step);
    SeriesSource src = pickSource(from, step);
    if (used) *used = src;
    return st->drv->series(st->db, host, meter, from, to, step, src, out, n);
}

int storeEnergy(Store *st, double from, double to, HostEnergy **out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (!isfinite(from) || !isfinite(to) || from >= to)
        return ERR("energy query: the range [%g, %g) is empty or not finite", from, to);
    if (!whole(from, 60) || !whole(to, 60))
        return ERR("energy query: [%g, %g) must start and end on whole minutes; energy is kept "
                   "per minute",
                   from, to);
    return st->drv->energy(st->db, from, to, out, n);
}

const char *storeSeriesSourceName(SeriesSource s) {
    switch (s) {
    case SERIES_RAW: return "raw";
    case SERIES_1MIN: return "1min";
    case SERIES_1HOUR: return "1hour";
    }
    return "unknown";
}

const char *sampleSourceName(SampleSource s) {
    return s == SAMPLE_ESTIMATED ? "estimated" : "measured";
}
