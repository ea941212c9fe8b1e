/* planestimate.h - what a plan is expected to gain and to cost, for the
 * people who approve it: the power the hosts it empties will stop drawing,
 * the power the hosts it wakes will add, and the price of its migrations
 * from the migration model (migcost.h) - time, downtime, data, energy. */
#ifndef GEYSER_PLANESTIMATE_H
#define GEYSER_PLANESTIMATE_H

#include "cloud.h"
#include "plan.h"

typedef struct ActionEstimate {
    /* ACT_MIGRATE: the model's figures, in the mode the plan asks for. */
    MigrationMode mode;
    double timeS, downtimeMs, dataMb, energyJ;
    bool converges; /* pre-copy converges (always true for post-copy, hybrid) */
    /* ACT_DISABLE (a host being emptied) and ACT_POWER_OFF: watts saved once
     * the host is off; ACT_POWER_ON: watts added (negative). */
    double savingW;
} ActionEstimate;

typedef struct PlanEstimate {
    double savingW;    /* net: hosts going off minus hosts coming on */
    int hostsEmptied;  /* hosts disabled for evacuation or powered off */
    int hostsWoken;    /* hosts powered on */
    int migrations;    /* moves priced */
    double migrationS; /* sum of their times (they may overlap) */
    double dataMb;     /* sent over the links */
    double energyJ;    /* what the moves cost (migcost.h) */
    double maxDowntimeMs;
    double paybackS; /* energyJ / savingW: when the saving has paid for the moves;
                        0 when nothing moves, -1 when the plan saves nothing */
} PlanEstimate;

/* per (may be NULL) gets one entry per action of p. linkMBps <= 0: 1 Gbit/s. */
void planEstimate(const CloudView *v, const Plan *p, double linkMBps, PlanEstimate *out,
                  ActionEstimate *per);

#endif
