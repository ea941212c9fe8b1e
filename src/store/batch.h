/* batch.h - the part of writing a batch of power samples that every store
 * backend shares: grouping samples into series (host, meter), checking that
 * time moves forward in each, integrating energy between neighbouring
 * samples, and summing the batch into 1-minute and 1-hour roll-up deltas
 * that the backend adds to its roll-up tables. Backends only supply the
 * stored state of a series and write what the plan says. */
#ifndef GEYSER_STORE_BATCH_H
#define GEYSER_STORE_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

/* A series' identity in the backend and its last stored sample. */
typedef struct SeriesState {
    const char *host, *meter;
    long id;
    bool hasLast;
    double lastT, lastW;
} SeriesState;

/* Fill st->id (creating the series when new) and its last sample. */
typedef int (*SeriesLookup)(void *db, SeriesState *st);

/* What one roll-up row gains from the batch. */
typedef struct RollupDelta {
    long series;
    double bucket; /* start of the minute or hour */
    long count;
    double sum, min, max, joules;
} RollupDelta;

/* A plan's arrays are kept from one batch to the next (a backend holds one
 * BatchPlan per connection): a batch of 100 000 samples needs a few MiB of
 * arrays, and allocating them afresh each time cost a page fault per 4 KiB
 * of them, about 7 % of SQLite ingest. Zero a plan ({0}) before its first
 * use; batchPlanFree releases it. */
typedef struct BatchPlan {
    long *seriesOf;      /* per sample: the series id */
    size_t *order;       /* sample indices grouped by series, in time order within each */
    double *joules;      /* per sample: energy since the previous sample */
    SeriesState *series; /* distinct series, with their new last sample */
    size_t nSeries;
    RollupDelta *minute, *hour;
    size_t nMinute, nHour;
    /* Scratch and capacities, private to batch.c. */
    size_t *local;             /* per sample: its series' index in `series` */
    size_t *slot;              /* hash table over `series`: index + 1, 0 empty */
    size_t slotMask;           /* slot count - 1 (0: no table yet) */
    long *curMinute, *curHour; /* per series: its open roll-up row, or -1 */
    size_t *start;             /* per series + 1: counting-sort offsets */
    size_t capSamples, capSeries, capCurMinute, capCurHour, capStart, capMinute, capHour;
} BatchPlan;

/* Build the plan for samples already checked field by field, reusing the
 * plan's arrays. Fails (with the sample's index, host, meter and times)
 * when a sample is not after the previous one of its series, in the store
 * or earlier in the batch; the plan then holds nothing usable but keeps
 * its arrays. */
int batchPlan(const PowerSample *s, size_t n, SeriesLookup lookup, void *db, BatchPlan *plan);
void batchPlanFree(BatchPlan *plan);

#endif
