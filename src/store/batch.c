/* batch.c - series grouping, time-order checks, energy integration and
 * roll-up deltas for a batch of power samples (see batch.h). */
#include "batch.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

static uint64_t hashName(uint64_t h, const char *s) {
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

static size_t hashSeries(const char *host, const char *meter) {
    return (size_t)hashName(hashName(14695981039346656037ULL, host), meter);
}

/* Open addressing over the batch's distinct series, kept at most half
 * full: sized by the series, not the samples, so that clearing it for
 * each batch costs little. */
static void tableReset(BatchPlan *p) {
    if (!p->slotMask) {
        p->slotMask = 63;
        p->slot = xmalloc((p->slotMask + 1) * sizeof(size_t));
    }
    memset(p->slot, 0, (p->slotMask + 1) * sizeof(size_t));
}

/* Double the table and put the series already in the plan back in. */
static void tableGrow(BatchPlan *p) {
    p->slotMask = 2 * p->slotMask + 1;
    free(p->slot);
    p->slot = xcalloc(p->slotMask + 1, sizeof(size_t));
    for (size_t k = 0; k < p->nSeries; k++) {
        size_t i = hashSeries(p->series[k].host, p->series[k].meter) & p->slotMask;
        while (p->slot[i])
            i = (i + 1) & p->slotMask;
        p->slot[i] = k + 1;
    }
}

/* The index of the sample's series in plan->series, adding it when new. */
static long seriesIndex(BatchPlan *p, const PowerSample *s, SeriesLookup lookup, void *db) {
    size_t i = hashSeries(s->host, s->meter) & p->slotMask;
    for (; p->slot[i]; i = (i + 1) & p->slotMask) {
        const SeriesState *st = &p->series[p->slot[i] - 1];
        if (strcmp(st->host, s->host) == 0 && strcmp(st->meter, s->meter) == 0)
            return (long)p->slot[i] - 1;
    }
    size_t k = p->nSeries;
    SeriesState st = {.host = s->host, .meter = s->meter};
    if (lookup(db, &st) < 0) return -1;
    growArray((void **)&p->series, sizeof(SeriesState), &p->capSeries, k + 1);
    growArray((void **)&p->curMinute, sizeof(long), &p->capCurMinute, k + 1);
    growArray((void **)&p->curHour, sizeof(long), &p->capCurHour, k + 1);
    p->series[k] = st;
    p->curMinute[k] = p->curHour[k] = -1;
    p->nSeries = k + 1;
    if (2 * p->nSeries > p->slotMask + 1)
        tableGrow(p); /* rehashes this one too */
    else
        p->slot[i] = k + 1;
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
static void orderBySeries(BatchPlan *p, size_t n) {
    growArray((void **)&p->start, sizeof(size_t), &p->capStart, p->nSeries + 1);
    size_t *start = p->start;
    memset(start, 0, (p->nSeries + 1) * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        start[p->local[i] + 1]++;
    for (size_t k = 0; k < p->nSeries; k++)
        start[k + 1] += start[k];
    for (size_t i = 0; i < n; i++)
        p->order[start[p->local[i]]++] = i;
}

/* Per-sample arrays for n samples; their contents are all rewritten. */
static void sampleArrays(BatchPlan *p, size_t n) {
    if (n <= p->capSamples) return;
    size_t cap = p->capSamples ? p->capSamples : 16;
    while (cap < n)
        cap *= 2;
    free(p->seriesOf);
    free(p->order);
    free(p->joules);
    free(p->local);
    p->seriesOf = xmalloc(cap * sizeof(long));
    p->order = xmalloc(cap * sizeof(size_t));
    p->joules = xmalloc(cap * sizeof(double));
    p->local = xmalloc(cap * sizeof(size_t));
    p->capSamples = cap;
}

int batchPlan(const PowerSample *s, size_t n, SeriesLookup lookup, void *db, BatchPlan *p) {
    sampleArrays(p, n ? n : 1);
    p->nSeries = p->nMinute = p->nHour = 0;
    tableReset(p);
    for (size_t i = 0; i < n; i++) {
        long k = seriesIndex(p, &s[i], lookup, db);
        if (k < 0 || checkOrder(&p->series[k], &s[i], i) < 0) {
            p->nSeries = p->nMinute = p->nHour = 0;
            return -1;
        }
        SeriesState *st = &p->series[k];
        p->local[i] = (size_t)k;
        double dt = st->hasLast ? s[i].t - st->lastT : INFINITY;
        double j = dt <= STORE_GAP_MAX_S ? (st->lastW + s[i].watts) / 2 * dt : 0;
        p->seriesOf[i] = st->id;
        p->joules[i] = j;
        rollupAdd(&p->minute, &p->nMinute, &p->capMinute, &p->curMinute[k], st->id, 60, s[i].t,
                  s[i].watts, j);
        rollupAdd(&p->hour, &p->nHour, &p->capHour, &p->curHour[k], st->id, 3600, s[i].t,
                  s[i].watts, j);
        st->hasLast = true;
        st->lastT = s[i].t;
        st->lastW = s[i].watts;
    }
    orderBySeries(p, n);
    return 0;
}

void batchPlanFree(BatchPlan *p) {
    if (!p) return;
    free(p->seriesOf);
    free(p->order);
    free(p->joules);
    free(p->series);
    free(p->minute);
    free(p->hour);
    free(p->local);
    free(p->slot);
    free(p->curMinute);
    free(p->curHour);
    free(p->start);
    memset(p, 0, sizeof(*p));
}
