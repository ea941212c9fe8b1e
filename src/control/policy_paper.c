/* policy_paper.c - the load manager of the paper (Sec. III.C), made safe.
 *
 * Each control interval:
 *  1. Hosts above the high threshold shed VMs (the smallest VM that brings
 *     the host back under, else the largest, repeatedly) to the best-fit
 *     host that stays under the threshold.
 *  2. If capacity runs short - a VM found no room, or the up capacity at the
 *     high threshold is less than (1 + headroom) x demand - hosts come back:
 *     first draining hosts are re-enabled, then powered-off hosts are woken,
 *     most efficient first. No consolidation happens in such an interval.
 *  3. Otherwise hosts below the low threshold are evacuated, least loaded
 *     first: a host is evacuated only if every one of its VMs finds a place
 *     (best fit, under the high threshold); it is disabled first, and a host
 *     that received VMs in this interval is not evacuated in it.
 *  4. Hosts that geyser disabled and that now hold no VM are powered off.
 *
 * Best fit fills the fullest hosts first, so receivers climb above the low
 * threshold; the paper's "targets between low and high" is the state this
 * converges to, not a precondition (with every host under the low threshold,
 * as in a freshly spread cloud, a strict reading would never consolidate). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fitindex.h"
#include "policy.h"
#include "util.h"

/* What a host already does in this plan; a host with a role is not evacuated. */
typedef enum { ROLE_NONE = 0, ROLE_SOURCE, ROLE_RECEIVER, ROLE_RELIEVED } HostRole;

typedef struct PaperState {
    int nhosts, nvms;
    double *demand; /* projected, migrations in flight landed */
    double *freeRam;
    double *cpuFree; /* scratch for the index build */
    unsigned char *role;
    int *vmStart; /* CSR: VMs (not migrating) placed on each host */
    int *vmList;
    int *order;  /* scratch host order */
    int *placed; /* scratch: targets chosen during one evacuation */
    FitIndex fit;
} PaperState;

static int paperConfigure(const char *args, CtlConfig *cfg, void **state) {
    if (args && *args && policyParseThresholds(args, &cfg->low, &cfg->high) != 0) return -1;
    *state = xcalloc(1, sizeof(PaperState));
    return 0;
}

static void paperReleaseArrays(PaperState *s) {
    free(s->demand);
    free(s->freeRam);
    free(s->cpuFree);
    free(s->role);
    free(s->vmStart);
    free(s->vmList);
    free(s->order);
    free(s->placed);
    fitFree(&s->fit);
}

static void paperFree(void *state) {
    PaperState *s = state;
    if (!s) return;
    paperReleaseArrays(s);
    free(s);
}

static void paperResize(PaperState *s, const CloudView *v) {
    if (s->nhosts == v->nhosts && s->nvms == v->nvms) return;
    paperReleaseArrays(s);
    size_t nh = (size_t)v->nhosts + 1, nv = (size_t)v->nvms + 1;
    s->demand = xmalloc(nh * sizeof(double));
    s->freeRam = xmalloc(nh * sizeof(double));
    s->cpuFree = xmalloc(nh * sizeof(double));
    s->role = xmalloc(nh);
    s->vmStart = xmalloc((nh + 1) * sizeof(int));
    s->vmList = xmalloc(nv * sizeof(int));
    s->order = xmalloc(nh * sizeof(int));
    s->placed = xmalloc(nv * sizeof(int));
    fitInit(&s->fit, v->nhosts);
    s->nhosts = v->nhosts;
    s->nvms = v->nvms;
}

static double vmDemand(const Vm *vm) {
    return vm->util * vm->cpu;
}

/* Demand and RAM as if in-flight migrations had landed, and the list of
 * movable (not migrating) VMs of each host. */
static void paperProject(PaperState *s, const CloudView *v) {
    for (int h = 0; h < v->nhosts; h++) {
        s->demand[h] = 0;
        s->freeRam[h] = v->hosts[h].ramMb;
        s->role[h] = ROLE_NONE;
        s->vmStart[h] = 0;
    }
    s->vmStart[v->nhosts] = 0;
    for (int i = 0; i < v->nvms; i++) {
        const Vm *vm = &v->vms[i];
        int at = vm->target >= 0 ? vm->target : vm->host;
        s->demand[at] += vmDemand(vm);
        s->freeRam[at] -= vm->ramMb;
        /* The source keeps the VM's memory until the migration lands. */
        if (vm->target >= 0) s->freeRam[vm->host] -= vm->ramMb;
        if (vm->target < 0) s->vmStart[vm->host + 1]++;
    }
    for (int h = 0; h < v->nhosts; h++)
        s->vmStart[h + 1] += s->vmStart[h];
    int *fill = s->order; /* borrowed as a cursor per host */
    for (int h = 0; h < v->nhosts; h++)
        fill[h] = s->vmStart[h];
    for (int i = 0; i < v->nvms; i++)
        if (v->vms[i].target < 0) s->vmList[fill[v->vms[i].host]++] = i;
}

/* An operator's host (disabled, but not by geyser) is left alone entirely. */
static bool isOperators(const Host *h) {
    return !h->enabled && !h->disabledByGeyser;
}

static bool isTarget(const Host *h) {
    return h->state == HOST_ON && h->enabled && !h->failed;
}

static double freeCpu(const PaperState *s, const CloudView *v, const CtlConfig *cfg, int h) {
    return cfg->high * v->hosts[h].capacity - s->demand[h];
}

static void buildFitIndex(PaperState *s, const CloudView *v, const CtlConfig *cfg) {
    int n = 0;
    for (int h = 0; h < v->nhosts; h++) {
        if (!isTarget(&v->hosts[h])) continue;
        s->order[n++] = h;
        s->cpuFree[h] = freeCpu(s, v, cfg, h);
    }
    fitBuild(&s->fit, s->order, n, s->cpuFree, s->freeRam);
}

/* Tentatively move a VM's projected load between hosts. The source's RAM is
 * not counted free: it stays taken until the migration lands, after this
 * plan has run. */
static void moveLoad(PaperState *s, const CloudView *v, const CtlConfig *cfg, const Vm *vm,
                     int from, int to) {
    s->demand[from] -= vmDemand(vm);
    s->demand[to] += vmDemand(vm);
    s->freeRam[to] -= vm->ramMb;
    if (fitContains(&s->fit, from))
        fitUpdate(&s->fit, from, freeCpu(s, v, cfg, from), s->freeRam[from]);
    if (fitContains(&s->fit, to)) fitUpdate(&s->fit, to, freeCpu(s, v, cfg, to), s->freeRam[to]);
}

/* Undo moveLoad(from, to). */
static void unmoveLoad(PaperState *s, const CloudView *v, const CtlConfig *cfg, const Vm *vm,
                       int from, int to) {
    moveLoad(s, v, cfg, vm, to, from);
    s->freeRam[from] += vm->ramMb; /* moveLoad took it from `from` again */
    s->freeRam[to] += vm->ramMb;
}

static int findTarget(PaperState *s, const Vm *vm, int exclude) {
    bool had = fitContains(&s->fit, exclude);
    double keepCpu = s->fit.cpu[exclude], keepRam = s->fit.ram[exclude];
    if (had) fitRemove(&s->fit, exclude);
    int t = fitFind(&s->fit, vmDemand(vm), vm->ramMb);
    if (had) fitInsert(&s->fit, exclude, keepCpu, keepRam);
    return t;
}

/* Step 1. Returns the number of VMs that found no place. */
static int relieveOverloads(PaperState *s, const CloudView *v, const CtlConfig *cfg, Plan *out,
                            int *budget) {
    int homeless = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        if (host->state != HOST_ON || isOperators(host) ||
            s->demand[h] <= cfg->high * host->capacity)
            continue;
        s->role[h] = ROLE_RELIEVED; /* its VM list now has holes */
        for (int k = s->vmStart[h]; k < s->vmStart[h + 1]; k++) {
            double excess = s->demand[h] - cfg->high * host->capacity;
            if (excess <= 0) break;
            /* Smallest VM that clears the excess alone, else the largest. */
            int pick = -1;
            for (int j = s->vmStart[h]; j < s->vmStart[h + 1]; j++) {
                int i = s->vmList[j];
                if (i < 0) continue;
                double d = vmDemand(&v->vms[i]);
                if (pick < 0) {
                    pick = j;
                    continue;
                }
                double dp = vmDemand(&v->vms[s->vmList[pick]]);
                bool clears = d >= excess, pickClears = dp >= excess;
                if ((clears && (!pickClears || d < dp)) || (!clears && !pickClears && d > dp))
                    pick = j;
            }
            if (pick < 0) break;
            int i = s->vmList[pick];
            s->vmList[pick] = -1;
            if (*budget == 0) {
                homeless++;
                continue;
            }
            int t = findTarget(s, &v->vms[i], h);
            if (t < 0) {
                homeless++;
                continue;
            }
            moveLoad(s, v, cfg, &v->vms[i], h, t);
            s->role[t] = ROLE_RECEIVER;
            planAdd(out, ACT_MIGRATE, h, i, t,
                    "host %s at %.1f%% is above the high threshold %.0f%%", host->name,
                    100 * (s->demand[h] + vmDemand(&v->vms[i])) / host->capacity, 100 * cfg->high);
            (*budget)--;
        }
    }
    return homeless;
}

static double totalDemand(const PaperState *s, const CloudView *v) {
    double d = 0;
    for (int h = 0; h < v->nhosts; h++)
        d += s->demand[h];
    return d;
}

static int cmpEfficiency(const void *a, const void *b, void *arg) {
    const CloudView *v = arg;
    const Host *x = &v->hosts[*(const int *)a], *y = &v->hosts[*(const int *)b];
    double ex = x->type ? powerAt(&x->type->power, 1) / x->capacity : 0;
    double ey = y->type ? powerAt(&y->type->power, 1) / y->capacity : 0;
    return ex < ey ? -1 : ex > ey ? 1 : (*(const int *)a - *(const int *)b);
}

/* Why a host comes back: capacity short of the need, or (urgent) VMs of an
 * overloaded host that found no room although the total would suffice - the
 * case where "have of need" would read as a contradiction. */
static void capacityReason(char *buf, size_t n, double have, double need) {
    if (have < need)
        snprintf(buf, n, "capacity short: %.0f of %.0f needed", have, need);
    else
        snprintf(buf, n, "VMs leaving an overloaded host found no room (capacity %.0f, need %.0f)",
                 have, need);
}

/* Step 2: bring capacity back until it covers need (and at least one host
 * when VMs found no place). */
static void addCapacity(PaperState *s, const CloudView *v, double have, double need, bool urgent,
                        Plan *out) {
    for (int h = 0; h < v->nhosts && (have < need || urgent); h++) {
        const Host *host = &v->hosts[h];
        if (host->state != HOST_ON || !host->disabledByGeyser || host->failed) continue;
        char why[128];
        capacityReason(why, sizeof why, have, need);
        planAdd(out, ACT_ENABLE, h, -1, -1, "%s", why);
        have += host->capacity;
        urgent = false;
    }
    int n = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        if (host->state == HOST_OFF && !host->failed && (host->disabledByGeyser || host->enabled))
            s->order[n++] = h;
    }
    qsort_r(s->order, (size_t)n, sizeof(int), cmpEfficiency, (void *)v);
    for (int k = 0; k < n && (have < need || urgent); k++) {
        int h = s->order[k];
        char why[128];
        capacityReason(why, sizeof why, have, need);
        planAdd(out, ACT_POWER_ON, h, -1, -1, "%s", why);
        if (v->hosts[h].disabledByGeyser)
            planAdd(out, ACT_ENABLE, h, -1, -1, "woken to add capacity");
        have += v->hosts[h].capacity;
        urgent = false;
    }
}

static int cmpUtil(const void *a, const void *b, void *arg) {
    const PaperState *s = ((void **)arg)[0];
    const CloudView *v = ((void **)arg)[1];
    int x = *(const int *)a, y = *(const int *)b;
    double ux = s->demand[x] / v->hosts[x].capacity, uy = s->demand[y] / v->hosts[y].capacity;
    return ux < uy ? -1 : ux > uy ? 1 : x - y;
}

/* Try to place every VM of host h elsewhere; on failure undo. Returns the
 * number of VMs placed (all of them), or -1. */
static int evacuate(PaperState *s, const CloudView *v, const CtlConfig *cfg, int h) {
    int n = 0;
    for (int k = s->vmStart[h]; k < s->vmStart[h + 1]; k++) {
        const Vm *vm = &v->vms[s->vmList[k]];
        int t = fitFind(&s->fit, vmDemand(vm), vm->ramMb);
        if (t < 0) {
            for (int j = n - 1; j >= 0; j--)
                unmoveLoad(s, v, cfg, &v->vms[s->vmList[s->vmStart[h] + j]], h, s->placed[j]);
            return -1;
        }
        moveLoad(s, v, cfg, vm, h, t);
        s->placed[n++] = t;
    }
    return n;
}

static int cmpVmDemandDesc(const void *a, const void *b, void *arg) {
    const CloudView *v = arg;
    double x = vmDemand(&v->vms[*(const int *)a]), y = vmDemand(&v->vms[*(const int *)b]);
    return x > y ? -1 : x < y ? 1 : (*(const int *)a - *(const int *)b);
}

static bool isCandidate(const PaperState *s, const CloudView *v, const CtlConfig *cfg, int h) {
    const Host *host = &v->hosts[h];
    return host->state == HOST_ON && host->enabled && !host->failed && host->incoming == 0 &&
           host->outgoing == 0 && s->role[h] == ROLE_NONE &&
           s->demand[h] < cfg->low * host->capacity && v->now - host->stateSince >= cfg->cooldownS;
}

/* Step 3. Returns the number of hosts still up afterwards. */
static int consolidate(PaperState *s, const CloudView *v, const CtlConfig *cfg, double have,
                       double need, int hostsUp, int budget, Plan *out) {
    int n = 0;
    for (int h = 0; h < v->nhosts; h++)
        if (isCandidate(s, v, cfg, h)) s->order[n++] = h;
    void *ctx[2] = {s, (void *)v};
    qsort_r(s->order, (size_t)n, sizeof(int), cmpUtil, ctx);
    for (int k = 0; k < n && hostsUp - 1 >= cfg->minHostsOn; k++) {
        int h = s->order[k];
        const Host *host = &v->hosts[h];
        int nv = s->vmStart[h + 1] - s->vmStart[h];
        if (s->role[h] != ROLE_NONE || nv > budget || have - host->capacity < need) continue;
        qsort_r(&s->vmList[s->vmStart[h]], (size_t)nv, sizeof(int), cmpVmDemandDesc, (void *)v);
        bool wasTarget = fitContains(&s->fit, h);
        if (wasTarget) fitRemove(&s->fit, h);
        double util = s->demand[h] / host->capacity;
        if (evacuate(s, v, cfg, h) < 0) {
            if (wasTarget) fitInsert(&s->fit, h, freeCpu(s, v, cfg, h), s->freeRam[h]);
            continue;
        }
        s->role[h] = ROLE_SOURCE;
        planAdd(out, ACT_DISABLE, h, -1, -1, "utilization %.1f%% is below the low threshold %.0f%%",
                100 * util, 100 * cfg->low);
        for (int j = 0; j < nv; j++) {
            int i = s->vmList[s->vmStart[h] + j], t = s->placed[j];
            s->role[t] = ROLE_RECEIVER;
            planAdd(out, ACT_MIGRATE, h, i, t, "evacuating %s (%.1f%% < %.0f%%)", host->name,
                    100 * util, 100 * cfg->low);
        }
        if (nv == 0) planAdd(out, ACT_POWER_OFF, h, -1, -1, "idle and not needed");
        budget -= nv;
        have -= host->capacity;
        hostsUp--;
    }
    return hostsUp;
}

static int paperPlan(void *state, const CloudView *v, const CtlConfig *cfg, Plan *out) {
    PaperState *s = state;
    paperResize(s, v);
    paperProject(s, v);
    buildFitIndex(s, v, cfg);

    int hostsUp;
    int budget = policyMigrationBudget(v, cfg, &hostsUp);

    int homeless = relieveOverloads(s, v, cfg, out, &budget);
    double need = (1 + cfg->headroom) * totalDemand(s, v) / cfg->high;
    double have = policyCapacityStaying(v);
    if (homeless > 0 || have < need) {
        if (cfg->allowPowerOn) addCapacity(s, v, have, need, homeless > 0, out);
        return 0;
    }
    if (cfg->allowMigrate) hostsUp = consolidate(s, v, cfg, have, need, hostsUp, budget, out);
    if (cfg->allowPowerOff) policyPowerOffEmpty(v, cfg, hostsUp, out);
    return 0;
}

const PolicyDriver policyPaper = {
    .name = "paper",
    .synopsis = "paper[:LOW,HIGH]",
    .summary = "the paper's load manager: evacuate hosts under LOW to hosts kept under HIGH,\n"
               "power off emptied hosts, wake them when load returns (default 0.2,0.8)",
    .configure = paperConfigure,
    .plan = paperPlan,
    .free = paperFree,
};
