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

typedef struct BatchPlan {
    long *seriesOf;      /* per sample: the series id */
    size_t *order;       /* sample indices grouped by series, in time order within each */
    double *joules;      /* per sample: energy since the previous sample */
    SeriesState *series; /* distinct series, with their new last sample */
    size_t nSeries;
    RollupDelta *minute, *hour;
    size_t nMinute, nHour;
} BatchPlan;

/* Build the plan for samples already checked field by field. Fails (with
 * the sample's index, host, meter and times) when a sample is not after the
 * previous one of its series, in the store or earlier in the batch. */
int batchPlan(const PowerSample *s, size_t n, SeriesLookup lookup, void *db, BatchPlan *plan);
void batchPlanFree(BatchPlan *plan);

#endif
