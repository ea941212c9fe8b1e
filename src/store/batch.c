/* batch.c - series grouping, time-order checks, energy integration and
 * roll-up deltas for a batch of power samples (see batch.h). */
#include "batch.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

/* Open addressing over the batch's distinct series; the table is sized for
 * the batch, so it never fills. */
typedef struct SeriesTable {
    size_t *slot; /* index into plan->series + 1; 0 is empty */
    size_t mask;
    long *curMinute, *curHour; /* per series: its open roll-up row, or -1 */
    size_t capSeries, capMinute, capHour;
} SeriesTable;

static uint64_t hashName(uint64_t h, const char *s) {
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

static void tableInit(SeriesTable *t, size_t n) {
    size_t size = 16;
    while (size < 2 * n)
        size <<= 1;
    t->slot = xcalloc(size, sizeof(size_t));
    t->mask = size - 1;
    t->curMinute = NULL;
    t->curHour = NULL;
    t->capSeries = t->capMinute = t->capHour = 0;
}

static void tableFree(SeriesTable *t) {
    free(t->slot);
    free(t->curMinute);
    free(t->curHour);
}

/* The index of the sample's series in plan->series, adding it when new. */
static long seriesIndex(SeriesTable *t, BatchPlan *p, const PowerSample *s, SeriesLookup lookup,
                        void *db) {
    size_t i = hashName(hashName(14695981039346656037ULL, s->host), s->meter) & t->mask;
    for (; t->slot[i]; i = (i + 1) & t->mask) {
        const SeriesState *st = &p->series[t->slot[i] - 1];
        if (strcmp(st->host, s->host) == 0 && strcmp(st->meter, s->meter) == 0)
            return (long)t->slot[i] - 1;
    }
    size_t k = p->nSeries;
    SeriesState st = {.host = s->host, .meter = s->meter};
    if (lookup(db, &st) < 0) return -1;
    growArray((void **)&p->series, sizeof(SeriesState), &t->capSeries, k + 1);
    growArray((void **)&t->curMinute, sizeof(long), &t->capMinute, k + 1);
    growArray((void **)&t->curHour, sizeof(long), &t->capHour, k + 1);
    p->series[k] = st;
    t->curMinute[k] = t->curHour[k] = -1;
    p->nSeries = k + 1;
    t->slot[i] = k + 1;
    return (long)k;
}

/* Add one sample to the open roll-up row of its series, opening a new one
 * when the sample starts a new bucket (samples of a series arrive in time
 * order, so buckets only move forward). */
static void rollupAdd(RollupDelta **rows, size_t *n, size_t *cap, long *cur, long series,
                      double width, double t, double w, double joules) {
    double bucket = floor(t / width) * width;
    if (*cur < 0 || (*rows)[*cur].bucket != bucket) {
        growArray((void **)rows, sizeof(RollupDelta), cap, *n + 1);
        (*rows)[*n] = (RollupDelta){
            .series = series, .bucket = bucket, .min = w, .max = w, .sum = 0, .joules = 0};
        *cur = (long)(*n)++;
    }
    RollupDelta *r = &(*rows)[*cur];
    r->count++;
    r->sum += w;
    r->joules += joules;
    if (w < r->min) r->min = w;
    if (w > r->max) r->max = w;
}

static int checkOrder(const SeriesState *st, const PowerSample *s, size_t i) {
    if (!st->hasLast || s->t > st->lastT) return 0;
    return ERR("power sample %zu (host %s, meter %s): time %.3f is not after the previous sample "
               "of this series at %.3f; samples of a series must arrive in time order, once",
               i, s->host, s->meter, s->t, st->lastT);
}

/* Counting sort of the samples by their series' place in the batch: the
 * backends insert rows grouped by series, so that consecutive inserts land
 * in the same B-tree leaf. Stable, so time order within a series stays. */
static void orderBySeries(BatchPlan *p, const size_t *local, size_t n) {
    size_t *start = xcalloc(p->nSeries + 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        start[local[i] + 1]++;
    for (size_t k = 0; k < p->nSeries; k++)
        start[k + 1] += start[k];
    for (size_t i = 0; i < n; i++)
        p->order[start[local[i]]++] = i;
    free(start);
}

int batchPlan(const PowerSample *s, size_t n, SeriesLookup lookup, void *db, BatchPlan *p) {
    memset(p, 0, sizeof(*p));
    p->seriesOf = xmalloc((n ? n : 1) * sizeof(long));
    p->order = xmalloc((n ? n : 1) * sizeof(size_t));
    size_t *local = xmalloc((n ? n : 1) * sizeof(size_t));
    p->joules = xmalloc((n ? n : 1) * sizeof(double));
    SeriesTable t;
    tableInit(&t, n);
    size_t capMin = 0, capHour = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        long k = seriesIndex(&t, p, &s[i], lookup, db);
        if (k < 0 || checkOrder(&p->series[k], &s[i], i) < 0) {
            rc = -1;
            break;
        }
        SeriesState *st = &p->series[k];
        local[i] = (size_t)k;
        double dt = st->hasLast ? s[i].t - st->lastT : INFINITY;
        double j = dt <= STORE_GAP_MAX_S ? (st->lastW + s[i].watts) / 2 * dt : 0;
        p->seriesOf[i] = st->id;
        p->joules[i] = j;
        rollupAdd(&p->minute, &p->nMinute, &capMin, &t.curMinute[k], st->id, 60, s[i].t, s[i].watts,
                  j);
        rollupAdd(&p->hour, &p->nHour, &capHour, &t.curHour[k], st->id, 3600, s[i].t, s[i].watts,
                  j);
        st->hasLast = true;
        st->lastT = s[i].t;
        st->lastW = s[i].watts;
    }
    tableFree(&t);
    if (rc == 0) orderBySeries(p, local, n);
    free(local);
    if (rc < 0) batchPlanFree(p);
    return rc;
}

void batchPlanFree(BatchPlan *p) {
    if (!p) return;
    free(p->seriesOf);
    free(p->order);
    free(p->joules);
    free(p->series);
    free(p->minute);
    free(p->hour);
    memset(p, 0, sizeof(*p));
}
