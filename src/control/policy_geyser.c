/* policy_geyser.c - geyser's own policy: the paper's load manager driven by
 * a short-horizon forecast, with hysteresis on every consolidation.
 *
 *  - Forecast: each VM's demand is taken as the largest of its last WINDOW
 *    utilizations (15 minutes by default), so that a host is judged on the
 *    load it is likely to see before the next decisions can correct it,
 *    not on one 5-minute sample. The paper's planner (policy_paper.c) runs
 *    on that forecast view; the controller still checks the real one.
 *  - Hysteresis: an evacuation the planner proposes is kept only when the
 *    idle power it saves over the horizon clearly exceeds (by MARGIN) the
 *    energy and SLA cost of its migrations (migcost.h, the one place a
 *    migration is priced), and only when the host is expected to
 *    stay empty longer than its break-even time, (shutdown + boot energy) /
 *    idle power: the forecast demand of the cloud must not be rising.
 * Overload relief is never held back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "migcost.h"
#include "policy.h"
#include "util.h"

extern const PolicyDriver policyPaper;

#define GEYSER_WINDOW    3      /* intervals in the forecast (15 minutes) */
#define GEYSER_HORIZON_S 3600.0 /* savings are counted over an hour */
#define GEYSER_MARGIN    3.0    /* savings must exceed the cost this many times */

typedef struct GeyserState {
    void *paper;
    int nvms;
    double *hist; /* nvms x GEYSER_WINDOW, ring */
    int filled, pos;
    double lastNow;
    bool started;
    Vm *forecastVms;
    double demandPrev, demandNow; /* forecast cloud demand, last two plans */
    Plan raw;
} GeyserState;

static int geyserConfigure(const char *args, CtlConfig *cfg, void **state) {
    void *paper = NULL;
    if (policyPaper.configure(args && *args ? args : "0.3,0.85", cfg, &paper) != 0) return -1;
    GeyserState *s = xcalloc(1, sizeof(*s));
    s->paper = paper;
    planInit(&s->raw);
    *state = s;
    return 0;
}

static void geyserFree(void *state) {
    GeyserState *s = state;
    if (!s) return;
    policyPaper.free(s->paper);
    free(s->hist);
    free(s->forecastVms);
    planFree(&s->raw);
    free(s);
}

static void recordHistory(GeyserState *s, const CloudView *v) {
    if (s->nvms != v->nvms) {
        free(s->hist);
        free(s->forecastVms);
        s->hist = xcalloc((size_t)v->nvms * GEYSER_WINDOW + 1, sizeof(double));
        s->forecastVms = xcalloc((size_t)v->nvms + 1, sizeof(Vm));
        s->nvms = v->nvms;
        s->filled = s->pos = 0;
        s->started = false;
    }
    if (s->started && v->now == s->lastNow) return;
    s->started = true;
    s->lastNow = v->now;
    for (int i = 0; i < v->nvms; i++)
        s->hist[(size_t)i * GEYSER_WINDOW + s->pos] = v->vms[i].util;
    s->pos = (s->pos + 1) % GEYSER_WINDOW;
    if (s->filled < GEYSER_WINDOW) s->filled++;
}

static double forecastUtil(const GeyserState *s, int i) {
    double m = 0;
    for (int k = 0; k < s->filled; k++) {
        double u = s->hist[(size_t)i * GEYSER_WINDOW + k];
        if (u > m) m = u;
    }
    return m;
}

/* Is the evacuation of host h (its migrations in raw[from..to)) worth it? */
static bool worthEvacuating(const GeyserState *s, const CloudView *v, int h, size_t from,
                            size_t to) {
    const Host *host = &v->hosts[h];
    if (!host->type) return true;
    const ServerType *t = host->type;
    double idleW = powerAt(&t->power, 0);
    if (idleW <= 0) return false;
    /* Break-even: off for less than this costs more than it saves. */
    double breakEvenS =
        (t->shutdownS * t->shutdownW + t->bootS * t->bootW - (t->shutdownS + t->bootS) * t->offW) /
        idleW;
    if (s->demandNow > s->demandPrev * 1.02 && breakEvenS > 0) return false; /* load rising */
    double saved = (idleW - t->offW) * (GEYSER_HORIZON_S - breakEvenS), cost = 0;
    for (size_t k = from; k < to; k++) {
        const Action *a = &s->raw.actions[k];
        if (a->type == ACT_MIGRATE) cost += migrationCostJ(&v->vms[a->vm], host, 125, 0.1);
    }
    return saved > GEYSER_MARGIN * cost;
}

/* Copy the planner's actions, dropping evacuations that do not pay. An
 * evacuation is a DISABLE of a host followed by the migrations away from
 * it (and a POWER_OFF when it was already empty). */
static void filterPlan(GeyserState *s, const CloudView *v, Plan *out) {
    for (size_t k = 0; k < s->raw.n;) {
        const Action *a = &s->raw.actions[k];
        size_t end = k + 1;
        if (a->type == ACT_DISABLE) {
            while (end < s->raw.n && s->raw.actions[end].host == a->host &&
                   (s->raw.actions[end].type == ACT_MIGRATE ||
                    s->raw.actions[end].type == ACT_POWER_OFF))
                end++;
            if (!worthEvacuating(s, v, a->host, k, end)) {
                k = end;
                continue;
            }
        }
        for (size_t j = k; j < end; j++) {
            const Action *b = &s->raw.actions[j];
            Action *c = planAdd(out, b->type, b->host, b->vm, b->target, "%s", b->reason);
            c->mode = b->mode;
        }
        k = end;
    }
}

static int geyserPlan(void *state, const CloudView *v, const CtlConfig *cfg, Plan *out) {
    GeyserState *s = state;
    recordHistory(s, v);
    CloudView f = *v;
    f.vms = s->forecastVms;
    double demand = 0;
    for (int i = 0; i < v->nvms; i++) {
        s->forecastVms[i] = v->vms[i];
        s->forecastVms[i].util = forecastUtil(s, i);
        demand += s->forecastVms[i].util * v->vms[i].cpu;
    }
    s->demandPrev = s->demandNow > 0 ? s->demandNow : demand;
    s->demandNow = demand;
    planClear(&s->raw);
    if (policyPaper.plan(s->paper, &f, cfg, &s->raw) != 0) return -1;
    filterPlan(s, v, out);
    return 0;
}

const PolicyDriver policyGeyser = {
    .name = "geyser",
    .synopsis = "geyser[:LOW,HIGH]",
    .summary = "geyser's own: the paper's planner on a 15-minute max forecast, evacuations "
               "only when they pay (default 0.3,0.85)",
    .configure = geyserConfigure,
    .plan = geyserPlan,
    .free = geyserFree,
};
