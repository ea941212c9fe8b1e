/* capping.h - power capping and demand response, for every policy.
 *
 * When the grid (or an operator) asks the site to draw at most some power
 * for a while, the controller adds to whatever the policy proposed the
 * actions that bring the hosts' draw under the cap, in the order that
 * costs the VMs least:
 *   1. power down spare hosts (on, empty, not needed by the policy);
 *   2. consolidate harder: empty the least-loaded hosts into the others
 *      up to CAP_HIGH (above the policy's high threshold, never above
 *      capacity), disable them, and power them down once empty;
 *   3. hold the policy's power-ons for headroom (never those for an
 *      overload) while they would break the cap.
 * Interactive VMs are only ever live-migrated. Deferring deferrable jobs is
 * done by whoever owns the job queue (src/energy), which gives the
 * controller the cap minus the jobs' draw. */
#ifndef GEYSER_CAPPING_H
#define GEYSER_CAPPING_H

#include <stdbool.h>

#include "cloud.h"
#include "plan.h"
#include "policy.h"

/* The utilization hosts may be packed to while a cap is active. */
#define CAP_HIGH 0.95
/* The plan aims this fraction under the cap: the load moves within an
 * interval, and a plan that lands exactly on the cap breaks it half the
 * time. */
#define CAP_MARGIN 0.03

typedef struct CapStatus {
    bool active;
    double capW;       /* what the hosts may draw */
    double drawW;      /* what they drew when the tick began */
    double projectedW; /* after the plan, as the power models predict it */
    int hostsEmptied;  /* hosts this tick started to empty */
    int hostsStopped;  /* spare hosts this tick powered down */
    int powerOnsHeld;  /* the policy's power-ons refused while the cap holds */
    bool reachable;    /* false: even packing everything leaves the draw above the cap */
} CapStatus;

/* Add to *plan (the policy's) what brings the projected draw of v under
 * capW. demand and ram are the hosts' projections after migrations in
 * flight (the controller's scratch); they are not changed. */
void capPlan(const CloudView *v, const CtlConfig *cfg, double capW, const double *demand,
             const double *ram, Plan *plan, CapStatus *st);

/* The draw of a host at a projected demand, by its power model (its
 * measured draw when it has no model). */
double capHostPower(const Host *h, double demand);

#endif
