/* audit.h - the daemon's audit log of actions, and reconciliation after a
 * restart.
 *
 * Every action the controller runs is recorded twice: an intent right
 * before it runs (plan id, action index, type, host, VM, target, migration
 * mode, daemon mode, reason) and an outcome right after (done, failed,
 * refused; how long the call took; the backend's error). With a store the
 * records are events of kind "intent" and "outcome" (detail: JSON), written
 * synchronously: if the intent cannot be committed, the action does not
 * run. The last AUDIT_KEEP records are also kept in memory for
 * GET /api/v1/audit.
 *
 * After a crash some intents have no outcome: the action may or may not
 * have happened. On start, auditReconcile() reads them and looks at the
 * cloud: an action whose effect is visible (the VM is on, or on its way
 * to, its target; the host is disabled, off...) gets the outcome "done",
 * one without effect gets "abandoned" and is not repeated (the policy plans
 * afresh from the cloud as it is). Hosts that geyser disabled, by the log,
 * and that the cloud still reports disabled, are marked as geyser's again
 * (a backend such as libvirt keeps that mark only in memory); a disabled
 * host the log does not explain is an operator's and is left alone.
 * A backend that keeps those marks only in memory (CloudDriver.volatileMarks:
 * libvirt) comes back with every host enabled: before the intents are
 * settled, each host whose last completed enable/disable in the log is a
 * disable is disabled again through the driver (disabledByGeyser). */
#ifndef GEYSER_AUDIT_H
#define GEYSER_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cloud.h"
#include "plan.h"
#include "store.h"

#define AUDIT_KEEP 2048

typedef struct AuditRecord {
    long plan;
    int action; /* index in the plan */
    double t;   /* the daemon's clock (seconds since the Unix epoch) */
    char type[12], host[STORE_NAME_MAX + 1], vm[STORE_NAME_MAX + 1], target[STORE_NAME_MAX + 1];
    char mode[12];       /* migration mode, or "" */
    char daemonMode[12]; /* observe, manual, auto, or "reconcile" */
    char reason[96];
    char outcome[12]; /* "" while only the intent is known */
    double durationS;
    char detail[128];
} AuditRecord;

typedef struct Audit Audit;

/* st may be NULL (memory only); it is borrowed. */
Audit *auditCreate(Store *st);
void auditFree(Audit *a);

/* Record the intent of action i of plan (before it runs): -1 when the
 * store could not commit it. */
int auditIntent(Audit *a, const CloudView *v, const Plan *plan, size_t i, const char *daemonMode,
                double t);
/* Record its outcome. A store failure is reported (-1) but cannot undo
 * the action: reconciliation settles it after a restart. */
int auditOutcome(Audit *a, const CloudView *v, const Plan *plan, size_t i, double seconds,
                 double t);

/* Record that a plan with actions was made (event kind "plan": its id, its
 * number of actions, the daemon's mode), so that after a restart plan ids
 * resume above every id an operator may have seen, not only above those
 * that ran: an old id is never given to a different plan. */
int auditPlanMade(Audit *a, const Plan *plan, const char *daemonMode, double t);

/* {"records": [...]}: newest first, at most limit; plan > 0 keeps that
 * plan's only. */
json_t *auditJson(const Audit *a, long plan, size_t limit);

/* What reconciliation did. */
typedef struct ReconcileStats {
    long pending;   /* intents without an outcome */
    long done;      /* of them, effect visible */
    long abandoned; /* of them, no effect */
    long retracked; /* hosts marked as disabled by geyser again */
    long restored;  /* hosts disabled again through the driver (volatileMarks) */
    long maxPlan;   /* the highest plan id in the log (0: none) */
} ReconcileStats;

/* Read the store's audit events, restore volatile marks, settle intents without outcomes against
 * the cloud's view (refreshed first) and write their outcomes. Without a
 * store: nothing to do. */
int auditReconcile(Audit *a, Cloud *cloud, double t, ReconcileStats *st);

#endif
