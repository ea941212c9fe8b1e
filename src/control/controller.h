/* controller.h - the control loop: ask the policy for a plan, hold every
 * action to the safety rules, execute what passes against the cloud.
 *
 * The same controller drives the simulated cloud and real ones. Safety rules
 * enforced here, whatever the policy proposes:
 *   - a VM is never placed where it pushes a host above cfg.high, or where
 *     its RAM does not fit;
 *   - a host is powered off only when it was disabled by geyser, holds no
 *     VM and has no migration in flight (re-checked right before), and only
 *     if at least cfg.minHostsOn hosts stay up;
 *   - a host disabled by an operator is never enabled, evacuated or powered;
 *   - no more than cfg.maxParallelMigrations migrations in flight;
 *   - a failed evacuation re-enables the host: a migration the backend
 *     refused, or one that ended with the VM still on its source (Nova
 *     answers 202 and fails later), leaves a host geyser disabled with VMs
 *     on it; the next tick enables it again, and it is never powered off
 *     while it holds them, nor evacuated again within cfg.cooldownS;
 *   - a host that failed a power-on is disabled (once: an operator may
 *     enable it again), so that the scheduler places nothing on a host
 *     that is off; it is never powered on again. */
#ifndef GEYSER_CONTROLLER_H
#define GEYSER_CONTROLLER_H

#include "capping.h"
#include "cloud.h"
#include "plan.h"
#include "policy.h"

typedef struct CtlStats {
    long ticks;
    long migrations; /* started */
    long powerOffs;
    long powerOns;
    long refused; /* actions stopped by a safety rule */
    long failed;  /* actions the backend failed */
} CtlStats;

/* A migration this controller started and has not yet seen end. */
typedef struct CtlFlight {
    int vm, from, to;
} CtlFlight;

typedef struct Controller {
    Policy *policy;
    CtlConfig cfg;
    Plan plan; /* the last tick's plan, with outcomes */
    CtlStats stats;
    /* Demand response: the hosts' draw must stay at or below capW watts
     * (negative: no cap). Set by the owner of the signals before a tick. */
    double capW;
    CapStatus cap; /* what the last tick did about it */
    /* Scratch, sized to the view, for cumulative safety checks. */
    double *demand;
    double *ram;
    int scratchHosts;
    /* Failed evacuations: migrations in flight, and per host why its
     * evacuation failed ("" when it did not), until it is enabled again. */
    CtlFlight *flights;
    size_t nflights, capFlights;
    char (*evacFailed)[128];
    double *evacFailedAt; /* when (view time); -1: never. Holds the host's next
                           * evacuation back for cfg.cooldownS */
    int nEvacFailed;
    /* Hosts whose failed power-on this controller has disabled. */
    unsigned char *failDisabled;
    int nFailDisabled;
} Controller;

/* Takes ownership of policy. */
Controller *ctlCreate(Policy *policy, const CtlConfig *cfg);
void ctlFree(Controller *ctl);

/* Refresh the view, plan, and (unless execute is false: observe mode)
 * execute. Returns -1 only when the cloud cannot be read; refused and
 * failed actions are recorded in ctl->plan and ctl->stats. */
int ctlTick(Controller *ctl, Cloud *cloud, bool execute);

#endif
