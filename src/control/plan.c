/* plan.c - building and naming plan actions. */
#include "plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

void planInit(Plan *p) {
    p->id = 0;
    p->actions = NULL;
    p->n = p->cap = 0;
}

void planClear(Plan *p) {
    p->n = 0;
}

void planFree(Plan *p) {
    free(p->actions);
    planInit(p);
}

Action *planAdd(Plan *p, ActionType type, int host, int vm, int target, const char *fmt, ...) {
    growArray((void **)&p->actions, sizeof(Action), &p->cap, p->n + 1);
    Action *a = &p->actions[p->n++];
    a->type = type;
    a->host = host;
    a->vm = vm;
    a->target = target;
    a->mode = MIGRATE_PRECOPY;
    a->outcome = OUTCOME_PLANNED;
    a->detail[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->reason, sizeof(a->reason), fmt, ap);
    va_end(ap);
    return a;
}

const char *actionTypeName(ActionType t) {
    static const char *const names[] = {"migrate", "disable", "enable", "power_off", "power_on"};
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

const char *actionOutcomeName(ActionOutcome o) {
    static const char *const names[] = {"planned", "done", "refused", "failed", "discarded"};
    return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "unknown";
}
