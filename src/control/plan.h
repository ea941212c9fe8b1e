/* plan.h - what the controller intends to do: an ordered list of actions,
 * each with the reason it was chosen and, once executed, its outcome.
 * A plan is data: it can be printed, stored, approved and then applied. */
#ifndef GEYSER_PLAN_H
#define GEYSER_PLAN_H

#include <stddef.h>

#include "cloud.h"

typedef enum {
    ACT_MIGRATE = 0,
    ACT_DISABLE,
    ACT_ENABLE,
    ACT_POWER_OFF,
    ACT_POWER_ON,
} ActionType;

typedef enum {
    OUTCOME_PLANNED = 0, /* not executed (observe mode, or not yet) */
    OUTCOME_DONE,        /* the backend accepted it */
    OUTCOME_REFUSED,     /* a safety rule stopped it */
    OUTCOME_FAILED,      /* the backend failed it */
    OUTCOME_DISCARDED,   /* manual mode: an operator discarded its plan */
} ActionOutcome;

typedef struct Action {
    ActionType type;
    int vm;     /* ACT_MIGRATE only, else -1 */
    int host;   /* the host acted on (for a migration: the source) */
    int target; /* ACT_MIGRATE: destination host, else -1 */
    MigrationMode mode;
    ActionOutcome outcome;
    char reason[96]; /* why the policy chose it */
    char detail[96]; /* why a safety rule refused it, or the backend's error */
} Action;

typedef struct Plan {
    long id; /* from the controller: monotonic, 0 for none (plans built by hand) */
    Action *actions;
    size_t n, cap;
} Plan;

void planInit(Plan *p);
void planClear(Plan *p);
void planFree(Plan *p);

/* Append an action; reason is printf-style. Returns the new action. */
Action *planAdd(Plan *p, ActionType type, int host, int vm, int target, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

const char *actionTypeName(ActionType t);
const char *actionOutcomeName(ActionOutcome o);

#endif
