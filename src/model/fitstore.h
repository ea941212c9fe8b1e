/* fitstore.h - measurements for `geyser fit --store`: power and host CPU
 * utilization samples read back from a store and paired by host and time,
 * grouped by each host's recorded server type.
 *
 * A power sample is paired with the host utilization sample of the same
 * host nearest in time, if one lies within maxSkew seconds; power from a
 * model (source estimated) is left out (fitting it only returns the model)
 * unless asked for, as for a simulated cloud recorded by `geyser serve`. A host needs a server type
 * in the store (the agent's
 * --server-type, or the simulated cloud's types under `geyser serve`). */
#ifndef GEYSER_FITSTORE_H
#define GEYSER_FITSTORE_H

#include "fit.h"
#include "store/store.h"

typedef struct FitStoreQuery {
    double from, to;   /* [from, to), seconds since the epoch */
    const char *meter; /* a power series name, or its end after a '/'; NULL: the host's only one */
    double maxSkew;    /* seconds between a power and a utilization sample */
    bool estimated;    /* fit estimated power too (a simulated cloud's) */
} FitStoreQuery;

/* What was read and left out, for the caller to report. */
typedef struct FitStoreStats {
    long pairs;       /* samples fitted */
    long unpaired;    /* measured power with no utilization near enough */
    long estimated;   /* estimated power, left out */
    int untypedHosts; /* hosts with power but no server type */
} FitStoreStats;

/* Fill out (empty on entry) from the store; -1 with an error naming the
 * cause (no typed host, several power series without a choice, no pair). */
int fitReadStore(Store *st, const FitStoreQuery *q, FitData *out, FitStoreStats *stats);

#endif
