/* capping.c - reaching a power cap: spare hosts off first, then harder
 * consolidation. The projection starts from the policy's plan, so that the
 * two never count the same saving twice. */
#include "capping.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "power.h"
#include "util.h"

typedef struct CapWork {
    double *demand, *ram;
    bool *going;   /* powered off, or being emptied, by the plan */
    bool *busy;    /* a migration of the plan touches it */
    bool *emptied; /* every VM leaves it in this plan */
} CapWork;

double capHostPower(const Host *h, double demand) {
    if (h->state == HOST_OFF) return h->type ? h->type->offW : 0;
    if (!h->type) return h->powerW;
    double u = h->capacity > 0 ? demand / h->capacity : 0;
    return powerAt(&h->type->power, u > 1 ? 1 : u);
}

static double offPower(const Host *h) {
    return h->type ? h->type->offW : 0;
}

/* Replay the policy's plan on a copy of the projection. */
static void applyPolicyPlan(const CloudView *v, const Plan *plan, CapWork *w) {
    for (size_t i = 0; i < plan->n; i++) {
        const Action *a = &plan->actions[i];
        if (a->type == ACT_MIGRATE && a->vm >= 0 && a->vm < v->nvms && a->target >= 0) {
            const Vm *vm = &v->vms[a->vm];
            w->demand[vm->host] -= vm->util * vm->cpu;
            w->demand[a->target] += vm->util * vm->cpu;
            w->ram[a->target] += vm->ramMb;
            w->busy[vm->host] = w->busy[a->target] = true;
        } else if ((a->type == ACT_POWER_OFF || a->type == ACT_DISABLE) && a->host >= 0) {
            w->going[a->host] = true;
        } else if (a->type == ACT_ENABLE && a->host >= 0) {
            w->busy[a->host] = true; /* the policy wants it */
        }
    }
}

static double projectedDraw(const CloudView *v, const CapWork *w) {
    double p = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        bool off = host->state == HOST_OFF ||
                   (w->going[h] && w->demand[h] <= 1e-9 && (host->nvms == 0 || w->emptied[h]));
        p += off ? offPower(host) : capHostPower(host, w->demand[h]);
    }
    return p;
}

static int hostsUp(const CloudView *v, const CapWork *w) {
    int n = 0;
    for (int h = 0; h < v->nhosts; h++)
        n += hostIsUp(&v->hosts[h]) && !(w->going[h] && v->hosts[h].nvms == 0);
    return n;
}

/* Geyser may act on the host: on, not held by an operator, not failed. */
static bool ours(const Host *h) {
    return h->state == HOST_ON && !h->failed && (h->enabled || h->disabledByGeyser);
}

static void stopSpareHosts(const CloudView *v, const CtlConfig *cfg, Plan *plan, CapWork *w,
                           double capW, double *p, CapStatus *st) {
    int up = hostsUp(v, w);
    for (int h = 0; h<v->nhosts && * p> capW && up > cfg->minHostsOn; h++) {
        const Host *host = &v->hosts[h];
        if (!ours(host) || w->going[h] || w->busy[h] || host->nvms > 0 || host->incoming > 0 ||
            host->outgoing > 0)
            continue;
        if (host->enabled)
            planAdd(plan, ACT_DISABLE, h, -1, -1, "power cap %.0f W: spare host", capW);
        planAdd(plan, ACT_POWER_OFF, h, -1, -1, "power cap %.0f W: spare host", capW);
        w->going[h] = true;
        *p -= capHostPower(host, 0) - offPower(host);
        up--;
        st->hostsStopped++;
    }
}

/* The host that fits vm with the least room left, or -1. */
static int bestTarget(const CloudView *v, const CapWork *w, const Vm *vm, int from) {
    int best = -1;
    double bestRoom = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *t = &v->hosts[h];
        if (h == from || t->state != HOST_ON || !t->enabled || t->failed || w->going[h]) continue;
        if (w->demand[h] <= 0) continue; /* filling an empty host saves nothing */
        double room = CAP_HIGH * t->capacity - w->demand[h] - vm->util * vm->cpu;
        if (room < 0 || w->ram[h] + vm->ramMb > t->ramMb) continue;
        if (best < 0 || room < bestRoom) best = h, bestRoom = room;
    }
    return best;
}

/* Empty host h into the others, or change nothing and return false. */
static bool emptyHost(const CloudView *v, int h, CapWork *w, int *targets) {
    bool ok = true;
    for (int i = 0; i < v->nvms && ok; i++) {
        const Vm *vm = &v->vms[i];
        if (vm->host != h) continue;
        int t = vm->target < 0 ? bestTarget(v, w, vm, h) : -1;
        if (t < 0) {
            ok = false;
            break;
        }
        targets[i] = t;
        w->demand[t] += vm->util * vm->cpu;
        w->ram[t] += vm->ramMb;
    }
    for (int i = 0; i < v->nvms; i++) {
        if (v->vms[i].host != h || targets[i] < 0) continue;
        if (!ok) {
            w->demand[targets[i]] -= v->vms[i].util * v->vms[i].cpu;
            w->ram[targets[i]] -= v->vms[i].ramMb;
            targets[i] = -1;
        }
    }
    return ok;
}

static int lightestCandidate(const CloudView *v, const CapWork *w, const bool *tried) {
    int best = -1;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        if (tried[h] || !ours(host) || w->going[h] || w->busy[h] || host->nvms == 0 ||
            host->incoming > 0 || host->outgoing > 0)
            continue;
        if (best < 0 || w->demand[h] < w->demand[best]) best = h;
    }
    return best;
}

/* Migrations the controller will still accept this tick. */
static int migrationBudget(const CloudView *v, const CtlConfig *cfg, const Plan *plan) {
    if (!cfg->allowMigrate) return 0;
    if (cfg->maxParallelMigrations <= 0) return v->nvms;
    int used = 0;
    for (int h = 0; h < v->nhosts; h++)
        used += v->hosts[h].outgoing;
    for (size_t i = 0; i < plan->n; i++)
        used += plan->actions[i].type == ACT_MIGRATE;
    return cfg->maxParallelMigrations - used;
}

static void consolidateHarder(const CloudView *v, const CtlConfig *cfg, Plan *plan, CapWork *w,
                              double capW, double *p, CapStatus *st) {
    int budget = migrationBudget(v, cfg, plan);
    bool *tried = xcalloc((size_t)v->nhosts, sizeof(bool));
    int *targets = xmalloc((size_t)(v->nvms ? v->nvms : 1) * sizeof(int));
    for (int i = 0; i < v->nvms; i++)
        targets[i] = -1;
    int up = hostsUp(v, w);
    while (*p > capW && up > cfg->minHostsOn) {
        int h = lightestCandidate(v, w, tried);
        if (h < 0) break;
        tried[h] = true;
        if (v->hosts[h].nvms > budget) continue;
        if (!emptyHost(v, h, w, targets)) continue;
        /* Disabled before it is emptied (a safety rule of the controller):
         * the scheduler must not place new VMs there meanwhile. */
        if (v->hosts[h].enabled)
            planAdd(plan, ACT_DISABLE, h, -1, -1, "power cap %.0f W: emptied", capW);
        for (int i = 0; i < v->nvms; i++) {
            if (v->vms[i].host != h || targets[i] < 0) continue;
            planAdd(plan, ACT_MIGRATE, h, i, targets[i], "power cap %.0f W: empty %s", capW,
                    v->hosts[h].name);
            w->busy[targets[i]] = true;
            targets[i] = -1;
            budget--;
        }
        w->demand[h] = 0;
        w->going[h] = w->busy[h] = w->emptied[h] = true;
        *p = projectedDraw(v, w);
        up--;
        st->hostsEmptied++;
    }
    free(tried);
    free(targets);
}

static bool anyOverloaded(const CloudView *v, const CapWork *w) {
    for (int h = 0; h < v->nhosts; h++)
        if (hostIsUp(&v->hosts[h]) && w->demand[h] > v->hosts[h].capacity) return true;
    return false;
}

/* A policy that wants more hosts up for headroom waits for the cap to end;
 * one that needs them for an overload does not. */
static void holdPowerOns(const CloudView *v, Plan *plan, const CapWork *w, double capW, double p,
                         CapStatus *st) {
    if (anyOverloaded(v, w)) return;
    for (size_t i = 0; i < plan->n; i++) {
        Action *a = &plan->actions[i];
        if (a->type != ACT_POWER_ON || a->host < 0 || a->host >= v->nhosts) continue;
        if (p + capHostPower(&(Host){.type = v->hosts[a->host].type,
                                     .capacity = v->hosts[a->host].capacity,
                                     .powerW = v->hosts[a->host].powerW},
                             0) <=
            capW)
            continue;
        a->outcome = OUTCOME_REFUSED;
        snprintf(a->detail, sizeof(a->detail), "a power cap of %.0f W is active", capW);
        st->powerOnsHeld++;
    }
}

void capPlan(const CloudView *v, const CtlConfig *cfg, double capW, const double *demand,
             const double *ram, Plan *plan, CapStatus *st) {
    memset(st, 0, sizeof(*st));
    st->active = true;
    st->capW = capW;
    size_t n = (size_t)(v->nhosts ? v->nhosts : 1);
    CapWork w = {.demand = xmalloc(n * sizeof(double)),
                 .ram = xmalloc(n * sizeof(double)),
                 .going = xcalloc(n, sizeof(bool)),
                 .busy = xcalloc(n, sizeof(bool)),
                 .emptied = xcalloc(n, sizeof(bool))};
    memcpy(w.demand, demand, (size_t)v->nhosts * sizeof(double));
    memcpy(w.ram, ram, (size_t)v->nhosts * sizeof(double));
    for (int h = 0; h < v->nhosts; h++)
        st->drawW += v->hosts[h].powerW;
    applyPolicyPlan(v, plan, &w);
    double p = projectedDraw(v, &w), aim = capW * (1 - CAP_MARGIN);
    holdPowerOns(v, plan, &w, aim, p, st);
    stopSpareHosts(v, cfg, plan, &w, aim, &p, st);
    consolidateHarder(v, cfg, plan, &w, aim, &p, st);
    st->projectedW = p;
    st->reachable = p <= capW * (1 + 1e-9);
    free(w.demand);
    free(w.ram);
    free(w.going);
    free(w.busy);
    free(w.emptied);
}
