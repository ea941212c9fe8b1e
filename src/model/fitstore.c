/* fitstore.c - power and utilization samples from a store, paired by host
 * and time, as fitting input (fitstore.h). */
#include "fitstore.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

typedef struct FsRow {
    int host, series;
    double t, v;
} FsRow;

typedef struct FsRead {
    const FitStoreQuery *q;
    FitStoreStats *stats;
    char **names; /* interned host and series names */
    size_t nNames, capNames;
    char **typeOf; /* per name id: the host's server type, or NULL */
    size_t capTypes;
    FsRow *util, *power;
    size_t nUtil, capUtil, nPower, capPower;
} FsRead;

static int fsIntern(FsRead *r, const char *s) {
    for (size_t i = 0; i < r->nNames; i++)
        if (strcmp(r->names[i], s) == 0) return (int)i;
    growArray((void **)&r->names, sizeof(char *), &r->capNames, r->nNames + 1);
    size_t cap = r->capTypes;
    growArray((void **)&r->typeOf, sizeof(char *), &cap, r->nNames + 1);
    r->capTypes = cap;
    r->typeOf[r->nNames] = NULL;
    r->names[r->nNames] = xstrdup(s);
    return (int)r->nNames++;
}

static int fsHostRow(void *ctx, const StoreRow *row) {
    FsRead *r = ctx;
    int h = fsIntern(r, row->host);
    if (row->text && *row->text) r->typeOf[h] = xstrdup(row->text);
    return 0;
}

static int fsUtilRow(void *ctx, const StoreRow *row) {
    FsRead *r = ctx;
    growArray((void **)&r->util, sizeof(FsRow), &r->capUtil, r->nUtil + 1);
    r->util[r->nUtil++] = (FsRow){fsIntern(r, row->host), -1, row->t, row->value};
    return 0;
}

/* "node1/hwmon0/power1" is chosen by itself, "hwmon0/power1" or "power1". */
static bool fsMeterMatches(const char *series, const char *want) {
    if (!want) return true;
    size_t n = strlen(series), k = strlen(want);
    if (n == k) return strcmp(series, want) == 0;
    return n > k && series[n - k - 1] == '/' && strcmp(series + n - k, want) == 0;
}

static int fsPowerRow(void *ctx, const StoreRow *row) {
    FsRead *r = ctx;
    if (row->source == SAMPLE_ESTIMATED && !r->q->estimated) {
        r->stats->estimated++;
        return 0;
    }
    if (!fsMeterMatches(row->name, r->q->meter)) return 0;
    growArray((void **)&r->power, sizeof(FsRow), &r->capPower, r->nPower + 1);
    r->power[r->nPower++] =
        (FsRow){fsIntern(r, row->host), fsIntern(r, row->name), row->t, row->value};
    return 0;
}

static int fsByHostTime(const void *a, const void *b) {
    const FsRow *x = a, *y = b;
    if (x->host != y->host) return x->host < y->host ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* One power series per host: two are ambiguous (a BMC and RAPL zones would
 * be fitted as one cloud of points). */
static int fsCheckOneSeries(const FsRead *r) {
    for (size_t i = 1; i < r->nPower; i++) {
        const FsRow *a = &r->power[i - 1], *b = &r->power[i];
        if (a->host == b->host && a->series != b->series)
            return ERR("host %s has more than one measured power series (%s, %s); choose one "
                       "with --meter NAME (the series, or its end after a '/')",
                       r->names[a->host], r->names[a->series], r->names[b->series]);
    }
    return 0;
}

/* The utilization of host nearest to t within maxSkew, or NAN. */
static double fsNearestUtil(const FsRead *r, int host, double t, double maxSkew) {
    size_t lo = 0, hi = r->nUtil;
    while (lo < hi) { /* first row >= (host, t) */
        size_t mid = (lo + hi) / 2;
        const FsRow *m = &r->util[mid];
        if (m->host < host || (m->host == host && m->t < t))
            lo = mid + 1;
        else
            hi = mid;
    }
    double best = NAN, bestDt = maxSkew;
    for (size_t k = lo > 0 ? lo - 1 : lo; k <= lo && k < r->nUtil; k++) {
        const FsRow *u = &r->util[k];
        if (u->host == host && fabs(u->t - t) <= bestDt) {
            best = u->v;
            bestDt = fabs(u->t - t);
        }
    }
    return best;
}

static int fsPair(FsRead *r, FitData *out) {
    /* qsort's array must not be NULL, even when empty (C17 7.22.5). */
    if (r->nUtil > 1) qsort(r->util, r->nUtil, sizeof(FsRow), fsByHostTime);
    if (r->nPower > 1) qsort(r->power, r->nPower, sizeof(FsRow), fsByHostTime);
    if (fsCheckOneSeries(r) < 0) return -1;
    int lastUntyped = -1;
    for (size_t i = 0; i < r->nPower; i++) {
        const FsRow *p = &r->power[i];
        const char *type = r->typeOf[p->host];
        if (!type) {
            if (p->host != lastUntyped) r->stats->untypedHosts++;
            lastUntyped = p->host;
            continue;
        }
        double u = fsNearestUtil(r, p->host, p->t, r->q->maxSkew);
        if (isnan(u)) {
            r->stats->unpaired++;
            continue;
        }
        fitDataAdd(out, type, u, p->v);
        r->stats->pairs++;
    }
    if (out->n == 0)
        return ERR("no measured power sample in [%.0f, %.0f) has a host with a server type and "
                   "a utilization sample within %g s (%zu power and %zu utilization samples "
                   "read; %d hosts without a server type, %ld estimated samples left out)",
                   r->q->from, r->q->to, r->q->maxSkew, r->nPower, r->nUtil, r->stats->untypedHosts,
                   r->stats->estimated);
    return 0;
}

static void fsFree(FsRead *r) {
    for (size_t i = 0; i < r->nNames; i++) {
        free(r->names[i]);
        free(r->typeOf[i]);
    }
    free(r->names);
    free(r->typeOf);
    free(r->util);
    free(r->power);
}

int fitReadStore(Store *st, const FitStoreQuery *q, FitData *out, FitStoreStats *stats) {
    memset(out, 0, sizeof(*out));
    memset(stats, 0, sizeof(*stats));
    FsRead r = {.q = q, .stats = stats};
    int rc = storeScan(st, STORE_HOSTS, q->from, q->to, fsHostRow, &r);
    if (rc == 0)
        rc =
            storeScan(st, STORE_HOST_UTIL, q->from - q->maxSkew, q->to + q->maxSkew, fsUtilRow, &r);
    if (rc == 0) rc = storeScan(st, STORE_POWER, q->from, q->to, fsPowerRow, &r);
    if (rc == 0) rc = fsPair(&r, out);
    fsFree(&r);
    if (rc < 0) fitDataFree(out);
    return rc;
}
