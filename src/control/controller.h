/* controller.h - the control loop: ask the policy for a plan, hold every
 * action to the safety rules, execute what passes against the cloud.
 *
 * The same controller drives the simulated cloud and real ones. Safety rules
 * enforced here, whatever the policy proposes:
 *   - a VM is never placed where it pushes a host above cfg.high, or where
 *     its RAM does not fit;
 *   - a host is emptied (every VM it holds migrated away by one plan) only
 *     once it is disabled, so that the scheduler places nothing new there;
 *   - a host is powered off only when it was disabled by geyser, holds no
 *     VM and has no migration in flight (re-checked against a fresh view
 *     right before the command), only if at least cfg.minHostsOn hosts stay
 *     up, and only if the capacity that stays up keeps the spare capacity
 *     the configuration asks for (capacity x high >= (1 + headroom) x demand);
 *   - a host disabled by an operator is never enabled, evacuated or powered;
 *   - no more than cfg.maxParallelMigrations migrations in flight;
 *   - a failed evacuation re-enables the host: a migration the backend
 *     refused, or one that ended with the VM still on its source (Nova
 *     answers 202 and fails later), leaves a host geyser disabled with VMs
 *     on it; it is enabled again (in the same plan when the backend refused
 *     at once, else at the next tick), never powered off while it holds
 *     them, nor evacuated again within cfg.cooldownS;
 *   - a host that failed a power-on is disabled (once: an operator may
 *     enable it again), so that the scheduler places nothing on a host
 *     that is off; it is never powered on again.
 *
 * Plans have ids (monotonic per controller) so that one can be approved
 * later (manual mode: ctlPlan, then ctlApply) and so that the audit log
 * can tie every action to the plan it came from. */
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

/* The audit hook: called with AUDIT_INTENT right before action i of plan
 * runs (return -1 when the intent could not be recorded: the action is then
 * held back, refused with the hook's error) and with AUDIT_OUTCOME right
 * after, with how long the backend call took. Refused actions get only the
 * outcome call (seconds 0). */
typedef enum { AUDIT_INTENT = 0, AUDIT_OUTCOME } AuditPhase;
typedef int (*CtlAuditFn)(void *arg, const Plan *plan, size_t i, AuditPhase phase, double seconds);

/* A migration this controller started and has not yet seen end. */
typedef struct CtlFlight {
    int vm, from, to;
} CtlFlight;

typedef struct Controller {
    Policy *policy;
    CtlConfig cfg;
    Plan plan;       /* the last plan, with outcomes */
    long nextPlanId; /* the id the next plan gets (from 1; set it to resume a series) */
    bool applied;    /* ctl->plan was executed (or discarded): a new one may be made */
    CtlAuditFn audit;
    void *auditArg;
    CtlStats stats;
    /* Demand response: the hosts' draw must stay at or below capW watts
     * (negative: no cap). Set by the owner of the signals before a tick. */
    double capW;
    CapStatus cap; /* what the last tick did about it */
    /* Scratch, sized to the view, for cumulative safety checks. */
    double *demand;
    double *ram;
    int *leaving; /* per host: migrations off it in the plan */
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

/* Manual mode, in two steps: ctlPlan refreshes the view and makes a new
 * plan (a new id; nothing is executed); ctlApply executes ctl->plan later,
 * after refreshing the view again, so that every action is checked against
 * the cloud as it is then and refused where it became unsafe. ctlApply
 * fails (-1) when the plan was already applied or discarded. */
int ctlPlan(Controller *ctl, Cloud *cloud);
int ctlApply(Controller *ctl, Cloud *cloud);
/* Mark every planned action of ctl->plan discarded. */
void ctlDiscard(Controller *ctl);

#endif
