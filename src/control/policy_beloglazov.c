/* policy_beloglazov.c - the policy family of Beloglazov & Buyya (CCPE 2012),
 * one driver for every "<detector>-<selection>[:PARAM]" name: thr-mmt:0.8,
 * mad-mc:2.5, iqr-mu:1.5, lr-mmt:1.2, lrr-rs:1.2, ...
 *
 * Each control interval, as CloudSim's PowerVmAllocationPolicyMigration-
 * Abstract.optimizeAllocation:
 *  1. Every VM's utilization is appended to its history (30 values kept);
 *     a host's history is the sum over the VMs it holds now (CloudSim's
 *     PowerHostUtilizationHistory).
 *  2. Overloaded hosts (overload.h) give up VMs chosen by the selection rule
 *     (vmselect.h) until the detector no longer fires.
 *  3. The VMs to move, largest demand first, go where the power rises least
 *     (PABFD) among hosts that are not overloaded after the placement; with
 *     no such host, hosts are woken.
 *  4. Otherwise the least utilized hosts are emptied, one after another,
 *     each only if all its VMs fit elsewhere (PABFD, sources and receivers
 *     of this interval excluded); emptied hosts are disabled and powered off
 *     once empty.
 *
 * The controller still holds every proposal to its safety rules; the policy
 * sets cfg.high to THR's threshold, and to 1 for the adaptive detectors,
 * whose limits are per host. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "overload.h"
#include "policy.h"
#include "util.h"
#include "vmselect.h"

#define HIST OVL_HISTORY_MAX

typedef struct BeloState {
    OverloadDetector det;
    VmSelectKind sel;
    uint64_t rng;
    int nhosts, nvms;
    double lastNow;
    bool started;
    double *vmHist; /* nvms x HIST, oldest first */
    int *vmHistLen;
    double *hostHist; /* nhosts x HIST, newest first: sum of VM util x cpu / capacity */
    int *hostHistLen;
    double *demand; /* projected: migrations in flight landed */
    double *freeRam;
    double *power;         /* power at the projected demand, kept with demand */
    unsigned char *busy;   /* source or receiver in this plan */
    int *at;               /* projected host of each VM, or -1 once picked to move */
    int *vmStart, *vmList; /* CSR: movable VMs of each host */
    int *order;            /* scratch */
    int *moving;           /* VMs picked to move */
    int *placed;           /* scratch targets */
    int *cand;             /* scratch candidate hosts */
    int *targets;          /* hosts that may receive VMs in this plan */
    int ntargets;
    double *candInc;
    double *targetLimit; /* per target: the demand it may reach, cfg.high x capacity */
    VmCand *vc;
    int *vcId;
    /* CloudSim mode (cfg.cloudsim) */
    double *uTick;          /* each host's utilization at the tick */
    double *pTick;          /* and its power there */
    unsigned char *exclDst; /* not a target in this phase */
    unsigned char *exclSrc; /* not an underloaded host to empty */
    int *arrHead, *arrNext; /* VMs placed on each host in this plan */
} BeloState;

static bool beloParseName(const char *name, size_t len, OverloadKind *det, VmSelectKind *sel) {
    const char *dash = memchr(name, '-', len);
    if (!dash) return false;
    size_t dl = (size_t)(dash - name);
    return ovlParseKind(name, dl, det) == 0 && vmSelectParseKind(dash + 1, len - dl - 1, sel) == 0;
}

static bool beloMatches(const char *name, size_t len) {
    OverloadKind d;
    VmSelectKind s;
    return beloParseName(name, len, &d, &s);
}

static double defaultParam(OverloadKind k) {
    switch (k) {
    case OVL_THR: return 0.8;
    case OVL_MAD: return 2.5;
    case OVL_IQR: return 1.5;
    case OVL_LR:
    case OVL_LRR: return 1.2;
    }
    return 1;
}

/* spec is the whole "det-sel[:PARAM[,SEED]]" (see PolicyDriver.matches). */
static int beloConfigure(const char *spec, CtlConfig *cfg, void **state) {
    const char *colon = strchr(spec, ':'), *name = spec, *args = colon ? colon + 1 : NULL;
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    BeloState *s = xcalloc(1, sizeof(*s));
    if (!beloParseName(name, len, &s->det.kind, &s->sel)) {
        free(s);
        return ERR("'%.*s' is not DETECTOR-SELECTION (thr, mad, iqr, lr, lrr; mmt, mc, mu, rs)",
                   (int)len, name);
    }
    s->det.param = defaultParam(s->det.kind);
    s->rng = 20120101;
    if (args && *args) {
        char text[64];
        snprintf(text, sizeof(text), "%s", args);
        char *comma = strchr(text, ',');
        if (comma) *comma = '\0';
        long seed = 0;
        if (parseDouble(text, &s->det.param) != 0 ||
            (comma && (parseLong(comma + 1, &seed) != 0 || seed < 0))) {
            free(s);
            return ERR("arguments '%s' are not PARAM[,SEED] (a number, a seed >= 0)", args);
        }
        if (comma) s->rng = (uint64_t)seed + 1;
    }
    double p = s->det.param;
    if (s->det.kind == OVL_THR ? !(p > 0 && p <= 1) : !(p >= 0 && p <= 100)) {
        free(s);
        return ERR("parameter %g is out of range (THR: (0, 1]; MAD, IQR, LR, LRR: [0, 100])", p);
    }
    cfg->high = s->det.kind == OVL_THR ? p : 1.0;
    *state = s;
    return 0;
}

static void beloReleaseArrays(BeloState *s) {
    free(s->vmHist);
    free(s->vmHistLen);
    free(s->hostHist);
    free(s->hostHistLen);
    free(s->demand);
    free(s->freeRam);
    free(s->power);
    free(s->busy);
    free(s->at);
    free(s->vmStart);
    free(s->vmList);
    free(s->order);
    free(s->moving);
    free(s->placed);
    free(s->cand);
    free(s->targets);
    free(s->candInc);
    free(s->targetLimit);
    free(s->vc);
    free(s->vcId);
    free(s->uTick);
    free(s->pTick);
    free(s->exclDst);
    free(s->exclSrc);
    free(s->arrHead);
    free(s->arrNext);
}

static void beloFree(void *state) {
    BeloState *s = state;
    if (!s) return;
    beloReleaseArrays(s);
    free(s);
}

static void beloResize(BeloState *s, const CloudView *v) {
    if (s->nhosts == v->nhosts && s->nvms == v->nvms) return;
    beloReleaseArrays(s);
    size_t nh = (size_t)v->nhosts + 1, nv = (size_t)v->nvms + 1;
    s->vmHist = xcalloc(nv * HIST, sizeof(double));
    s->vmHistLen = xcalloc(nv, sizeof(int));
    s->hostHist = xcalloc(nh * HIST, sizeof(double));
    s->hostHistLen = xcalloc(nh, sizeof(int));
    s->demand = xcalloc(nh, sizeof(double));
    s->freeRam = xcalloc(nh, sizeof(double));
    s->power = xcalloc(nh, sizeof(double));
    s->busy = xcalloc(nh, 1);
    s->at = xcalloc(nv, sizeof(int));
    s->vmStart = xcalloc(nh + 1, sizeof(int));
    s->vmList = xcalloc(nv, sizeof(int));
    s->order = xcalloc(nh, sizeof(int));
    s->moving = xcalloc(nv, sizeof(int));
    s->placed = xcalloc(nv, sizeof(int));
    s->cand = xcalloc(nh, sizeof(int));
    s->targets = xcalloc(nh, sizeof(int));
    s->candInc = xcalloc(nh, sizeof(double));
    s->targetLimit = xcalloc(nh, sizeof(double));
    s->vc = xcalloc(nv, sizeof(VmCand));
    s->vcId = xcalloc(nv, sizeof(int));
    s->uTick = xcalloc(nh, sizeof(double));
    s->pTick = xcalloc(nh, sizeof(double));
    s->exclDst = xcalloc(nh, 1);
    s->exclSrc = xcalloc(nh, 1);
    s->arrHead = xcalloc(nh, sizeof(int));
    s->arrNext = xcalloc(nv, sizeof(int));
    s->nhosts = v->nhosts;
    s->nvms = v->nvms;
    s->started = false;
}

static void recordHistory(BeloState *s, const CloudView *v) {
    if (s->started && v->now == s->lastNow) return;
    s->started = true;
    s->lastNow = v->now;
    for (int i = 0; i < v->nvms; i++) {
        double *h = &s->vmHist[(size_t)i * HIST];
        int n = s->vmHistLen[i];
        if (n == HIST) {
            memmove(h, h + 1, (HIST - 1) * sizeof(double));
            n--;
        }
        h[n] = v->vms[i].util;
        s->vmHistLen[i] = n + 1;
    }
}

static double vmDemand(const Vm *vm) {
    return vm->util * vm->cpu;
}

/* Add (sign 1) or remove (sign -1) a VM's history to a host's. */
static void hostHistAdd(BeloState *s, const CloudView *v, int h, int i, double sign) {
    double scale = sign * v->vms[i].cpu / v->hosts[h].capacity;
    const double *vh = &s->vmHist[(size_t)i * HIST];
    double *hh = &s->hostHist[(size_t)h * HIST];
    int n = s->vmHistLen[i];
    for (int j = 0; j < n; j++)
        hh[j] += scale * vh[n - 1 - j];
    if (n > s->hostHistLen[h]) s->hostHistLen[h] = n;
}

static double hostPower(const Host *h, double demand) {
    if (!h->type) return 0;
    double u = demand / h->capacity;
    return powerAt(&h->type->power, u > 1 ? 1 : u);
}

/* Change a host's projected demand, keeping its power in step. */
static void addDemand(BeloState *s, const CloudView *v, int h, double d) {
    s->demand[h] += d;
    s->power[h] = hostPower(&v->hosts[h], s->demand[h]);
}

static void project(BeloState *s, const CloudView *v) {
    memset(s->hostHist, 0, (size_t)v->nhosts * HIST * sizeof(double));
    for (int h = 0; h < v->nhosts; h++) {
        s->demand[h] = 0;
        s->freeRam[h] = v->hosts[h].ramMb;
        s->busy[h] = 0;
        s->hostHistLen[h] = 0;
        s->vmStart[h] = 0;
    }
    s->vmStart[v->nhosts] = 0;
    for (int i = 0; i < v->nvms; i++) {
        const Vm *vm = &v->vms[i];
        if (vm->finished) {
            s->at[i] = -2; /* gone for good: neither moved nor counted */
            continue;
        }
        int at = vm->target >= 0 ? vm->target : vm->host;
        s->at[i] = at;
        s->demand[at] += vmDemand(vm);
        s->freeRam[at] -= vm->ramMb;
        if (vm->target >= 0)
            s->freeRam[vm->host] -= vm->ramMb;
        else
            s->vmStart[vm->host + 1]++;
        hostHistAdd(s, v, at, i, 1);
    }
    for (int h = 0; h < v->nhosts; h++) {
        s->vmStart[h + 1] += s->vmStart[h];
        s->power[h] = hostPower(&v->hosts[h], s->demand[h]);
    }
    int *fill = s->order;
    for (int h = 0; h < v->nhosts; h++)
        fill[h] = s->vmStart[h];
    for (int i = 0; i < v->nvms; i++)
        if (v->vms[i].target < 0 && !v->vms[i].finished) s->vmList[fill[v->vms[i].host]++] = i;
}

/* Longest migration of the host's VMs in control intervals (CloudSim: RAM
 * over half of a 1 Gbit/s link), which LR predicts ahead by. */
static int aheadSteps(const BeloState *s, const CloudView *v, int h, double intervalS) {
    double longest = 0;
    for (int k = s->vmStart[h]; k < s->vmStart[h + 1]; k++) {
        double t = v->vms[s->vmList[k]].ramMb / 62.5;
        if (t > longest) longest = t;
    }
    int n = (int)ceil(longest / intervalS);
    return n < 1 ? 1 : n;
}

/* Is host h overloaded, with extraVm (or -1) added to it? */
static bool isOverloaded(BeloState *s, const CloudView *v, int h, int extraVm) {
    double util = s->demand[h] / v->hosts[h].capacity;
    if (extraVm >= 0) {
        util += vmDemand(&v->vms[extraVm]) / v->hosts[h].capacity;
        hostHistAdd(s, v, h, extraVm, 1);
    }
    double hist[HIST];
    int n = s->hostHistLen[h];
    const double *hh = &s->hostHist[(size_t)h * HIST];
    for (int j = 0; j < n; j++)
        hist[j] = hh[n - 1 - j];
    bool over = ovlIsOverloaded(&s->det, util, hist, n, aheadSteps(s, v, h, 300));
    if (extraVm >= 0) hostHistAdd(s, v, h, extraVm, -1);
    return over;
}

static bool isOperators(const Host *h) {
    return !h->enabled && !h->disabledByGeyser;
}

static bool isTarget(const Host *h) {
    return h->state == HOST_ON && h->enabled && !h->failed;
}

/* PABFD: the target host whose power rises least, not overloaded after the
 * placement, within cfg.high and RAM; hosts marked busy are skipped when
 * skipBusy. Returns -1 when none fits. */
static int pabfd(BeloState *s, const CloudView *v, int vm, int exclude, bool skipBusy) {
    const Vm *x = &v->vms[vm];
    double d = vmDemand(x);
    int n = 0, best = 0;
    double bestInc = 0;
    for (int k = 0; k < s->ntargets; k++) {
        int h = s->targets[k];
        if (h == exclude || (skipBusy && s->busy[h] == 1)) continue;
        if (s->freeRam[h] < x->ramMb) continue;
        if (s->demand[h] + d > s->targetLimit[k]) continue;
        double inc = hostPower(&v->hosts[h], s->demand[h] + d) - s->power[h];
        /* The first cheapest is found while listing (same comparisons as
         * the search below), which saves a second pass in the usual case
         * where the detector accepts it. */
        if (n == 0 || inc < bestInc) {
            best = n;
            bestInc = inc;
        }
        s->cand[n] = h;
        s->candInc[n++] = inc;
    }
    /* The detector is the costly check: try candidates cheapest first. */
    bool first = true;
    while (n > 0) {
        if (!first) {
            best = 0;
            for (int k = 1; k < n; k++)
                if (s->candInc[k] < s->candInc[best]) best = k;
        }
        first = false;
        int h = s->cand[best];
        if (!isOverloaded(s, v, h, vm)) return h;
        s->cand[best] = s->cand[n - 1];
        s->candInc[best] = s->candInc[--n];
    }
    return -1;
}

static void moveVm(BeloState *s, const CloudView *v, int vm, int from, int to) {
    const Vm *x = &v->vms[vm];
    addDemand(s, v, from, -vmDemand(x));
    hostHistAdd(s, v, from, vm, -1);
    if (to >= 0) {
        addDemand(s, v, to, vmDemand(x));
        s->freeRam[to] -= x->ramMb;
        hostHistAdd(s, v, to, vm, 1);
    }
}

/* Step 2: pick VMs off overloaded hosts until the detector is quiet. */
static int selectFromOverloaded(BeloState *s, const CloudView *v) {
    int nmove = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        if (host->state != HOST_ON || isOperators(host) || !isOverloaded(s, v, h, -1)) continue;
        s->busy[h] = 1;
        while (isOverloaded(s, v, h, -1)) {
            int n = 0;
            for (int k = s->vmStart[h]; k < s->vmStart[h + 1]; k++) {
                int i = s->vmList[k];
                if (s->at[i] != h) continue;
                s->vc[n] = (VmCand){v->vms[i].ramMb, v->vms[i].util, &s->vmHist[(size_t)i * HIST],
                                    s->vmHistLen[i]};
                s->vcId[n++] = i;
            }
            int pick = vmSelect(s->sel, s->vc, n, &s->rng);
            if (pick < 0) break;
            int i = s->vcId[pick];
            moveVm(s, v, i, h, -1);
            s->at[i] = -1;
            s->moving[nmove++] = i;
        }
    }
    return nmove;
}

static int cmpDemandDesc(const void *a, const void *b, void *arg) {
    const CloudView *v = arg;
    double x = vmDemand(&v->vms[*(const int *)a]), y = vmDemand(&v->vms[*(const int *)b]);
    return x > y ? -1 : x < y ? 1 : (*(const int *)a - *(const int *)b);
}

/* Step 3. Returns the demand of the VMs that found no place. */
static double placeMoving(BeloState *s, const CloudView *v, int nmove, int *budget, Plan *out) {
    qsort_r(s->moving, (size_t)nmove, sizeof(int), cmpDemandDesc, (void *)v);
    double homeless = 0;
    for (int k = 0; k < nmove; k++) {
        int i = s->moving[k], from = v->vms[i].host;
        int t = *budget > 0 ? pabfd(s, v, i, from, false) : -1;
        if (t < 0) {
            /* It stays: its load is back on its host. */
            addDemand(s, v, from, vmDemand(&v->vms[i]));
            hostHistAdd(s, v, from, i, 1);
            s->at[i] = from;
            homeless += vmDemand(&v->vms[i]);
            continue;
        }
        addDemand(s, v, t, vmDemand(&v->vms[i]));
        s->freeRam[t] -= v->vms[i].ramMb;
        hostHistAdd(s, v, t, i, 1);
        s->at[i] = t;
        s->busy[t] = 1;
        (*budget)--;
        planAdd(out, ACT_MIGRATE, from, i, t, "%s: host %s overloaded", ovlKindName(s->det.kind),
                v->hosts[from].name);
    }
    return homeless;
}

static int cmpEfficiency(const void *a, const void *b, void *arg) {
    const CloudView *v = arg;
    const Host *x = &v->hosts[*(const int *)a], *y = &v->hosts[*(const int *)b];
    double ex = x->type ? powerAt(&x->type->power, 1) / x->capacity : 0;
    double ey = y->type ? powerAt(&y->type->power, 1) / y->capacity : 0;
    return ex < ey ? -1 : ex > ey ? 1 : (*(const int *)a - *(const int *)b);
}

/* Wake capacity for demand that found no place: re-enable hosts geyser is
 * draining, then power on off hosts, most efficient first. */
static void addCapacity(BeloState *s, const CloudView *v, const CtlConfig *cfg, double need,
                        Plan *out) {
    double have = 0;
    for (int h = 0; h < v->nhosts && have < need; h++) {
        const Host *host = &v->hosts[h];
        if (host->state != HOST_ON || !host->disabledByGeyser || host->failed) continue;
        planAdd(out, ACT_ENABLE, h, -1, -1, "%.0f of demand found no host", need);
        have += cfg->high * host->capacity - s->demand[h];
    }
    if (!cfg->allowPowerOn) return;
    int n = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        if (host->state == HOST_OFF && !host->failed && (host->disabledByGeyser || host->enabled))
            s->order[n++] = h;
    }
    qsort_r(s->order, (size_t)n, sizeof(int), cmpEfficiency, (void *)v);
    for (int k = 0; k < n && have < need; k++) {
        int h = s->order[k];
        planAdd(out, ACT_POWER_ON, h, -1, -1, "%.0f of demand found no host", need);
        if (v->hosts[h].disabledByGeyser)
            planAdd(out, ACT_ENABLE, h, -1, -1, "woken for demand that found no host");
        have += OVL_FALLBACK_THRESHOLD * v->hosts[h].capacity;
    }
}

static int cmpUtil(const void *a, const void *b, void *arg) {
    const BeloState *s = ((void **)arg)[0];
    const CloudView *v = ((void **)arg)[1];
    int x = *(const int *)a, y = *(const int *)b;
    double ux = s->demand[x] / v->hosts[x].capacity, uy = s->demand[y] / v->hosts[y].capacity;
    return ux < uy ? -1 : ux > uy ? 1 : x - y;
}

/* Place every VM of h elsewhere or nothing. Returns the count, or -1. */
static int evacuate(BeloState *s, const CloudView *v, int h) {
    int nv = s->vmStart[h + 1] - s->vmStart[h];
    qsort_r(&s->vmList[s->vmStart[h]], (size_t)nv, sizeof(int), cmpDemandDesc, (void *)v);
    for (int j = 0; j < nv; j++) {
        int i = s->vmList[s->vmStart[h] + j];
        int t = pabfd(s, v, i, h, true);
        if (t < 0) {
            for (int u = j - 1; u >= 0; u--) {
                int k = s->vmList[s->vmStart[h] + u];
                moveVm(s, v, k, s->placed[u], h);
                s->freeRam[s->placed[u]] += v->vms[k].ramMb;
                s->freeRam[h] += v->vms[k].ramMb; /* moveVm took it from h */
            }
            return -1;
        }
        moveVm(s, v, i, h, t);
        s->placed[j] = t;
    }
    return nv;
}

static bool isUnderloadCandidate(const BeloState *s, const CloudView *v, int h) {
    const Host *host = &v->hosts[h];
    return host->state == HOST_ON && host->enabled && !host->failed && host->incoming == 0 &&
           host->outgoing == 0 && s->busy[h] == 0;
}

/* Step 4. Returns the number of hosts up afterwards. */
static int consolidate(BeloState *s, const CloudView *v, const CtlConfig *cfg, int hostsUp,
                       int budget, Plan *out) {
    int n = 0;
    for (int h = 0; h < v->nhosts; h++)
        if (isUnderloadCandidate(s, v, h)) s->order[n++] = h;
    void *ctx[2] = {s, (void *)v};
    qsort_r(s->order, (size_t)n, sizeof(int), cmpUtil, ctx);
    for (int k = 0; k < n && hostsUp - 1 >= cfg->minHostsOn; k++) {
        int h = s->order[k];
        int nv = s->vmStart[h + 1] - s->vmStart[h];
        if (s->busy[h] || nv > budget) continue;
        s->busy[h] = 2; /* a source: never a target in this plan */
        double util = s->demand[h] / v->hosts[h].capacity;
        if (evacuate(s, v, h) < 0) continue;
        planAdd(out, ACT_DISABLE, h, -1, -1, "least utilized (%.1f%%): all its VMs fit elsewhere",
                100 * util);
        for (int j = 0; j < nv; j++) {
            int i = s->vmList[s->vmStart[h] + j], t = s->placed[j];
            s->busy[t] = 1;
            planAdd(out, ACT_MIGRATE, h, i, t, "evacuating underloaded %s", v->hosts[h].name);
        }
        if (nv == 0 && cfg->allowPowerOff)
            planAdd(out, ACT_POWER_OFF, h, -1, -1, "idle and not needed");
        budget -= nv;
        hostsUp--;
    }
    return hostsUp;
}

/* ---- CloudSim compatibility (cfg.cloudsim) ----
 *
 * The same detectors, selection rules and histories, with the rest of
 * CloudSim 3.0.3's PowerVmAllocationPolicyMigrationAbstract.optimizeAllocation
 * as it is, quirks included, so that results compare with its figures:
 *  - every host is a target (idle hosts are never switched off there);
 *  - a host fits a VM with one core's MIPS for each vCPU and the free MIPS;
 *    RAM is no limit, as a running VM asks CloudSim for RAM and bandwidth
 *    through its cloudlet's models, UtilizationModelNull (0) in the
 *    PlanetLab runs; the detector is asked only of hosts already loaded in
 *    the plan;
 *  - the power increase is P(planned load + VM) - P(load at the tick), so a
 *    host that already received a VM in this plan looks dearer;
 *  - underloaded hosts are taken least utilized at the tick first, every
 *    one of them in turn (not only while consolidation pays); those tried
 *    never receive, those that received from another underloaded host are
 *    never emptied, but receivers of the overloaded hosts' VMs may be
 *    (CloudSim excludes them from an empty list);
 *  - hosts are never disabled or powered off: an idle host costs nothing in
 *    that accounting. */

/* PowerVmAllocationPolicyMigrationAbstract.findHostForVm: the least power
 * increase among suitable hosts that are not overloaded after the placement,
 * the first in host order on ties. The increases are listed first and the
 * detector (the dear part) asked cheapest first, which gives CloudSim's
 * answer with one or two detector calls instead of one per improvement. */
static int csFind(BeloState *s, const CloudView *v, int vm) {
    const Vm *x = &v->vms[vm];
    double r = vmDemand(x);
    int n = 0, best0 = -1;
    /* Idle hosts of one type all offer the same increase, and ties keep the
     * first: only the first idle host of each type is a candidate. */
    const ServerType *idleSeen[8];
    int nIdleSeen = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        if (s->exclDst[h] || !isTarget(host) || !host->type) continue;
        double cap = host->capacity;
        if (host->type->coreMips * x->vcpus < r || cap - s->demand[h] < r) continue;
        if (s->demand[h] == 0 && s->uTick[h] == 0) {
            int k = 0;
            while (k < nIdleSeen && idleSeen[k] != host->type)
                k++;
            if (k < nIdleSeen) continue;
            if (nIdleSeen < 8) idleSeen[nIdleSeen++] = host->type;
        }
        double u = (s->demand[h] + r) / cap;
        if (u > 1) continue; /* PowerModelSpecPower refuses it */
        double inc = powerAt(&host->type->power, u) - s->pTick[h];
        /* The first search below, done while listing (same comparisons). */
        if (best0 < 0 || inc < s->candInc[best0]) best0 = n;
        s->cand[n] = h;
        s->candInc[n++] = inc;
    }
    for (bool first = true;; first = false) {
        int best = first ? best0 : -1;
        for (int k = 0; !first && k < n; k++)
            if (s->cand[k] >= 0 && (best < 0 || s->candInc[k] < s->candInc[best])) best = k;
        if (best < 0) return -1;
        int h = s->cand[best];
        /* CloudSim asks the detector only of hosts loaded in the plan. */
        if (s->demand[h] == 0 || !isOverloaded(s, v, h, vm)) return h;
        s->cand[best] = -1; /* keeps the order of the rest for ties */
    }
}

static void csPlace(BeloState *s, const CloudView *v, int i, int t) {
    addDemand(s, v, t, vmDemand(&v->vms[i]));
    s->freeRam[t] -= v->vms[i].ramMb;
    hostHistAdd(s, v, t, i, 1);
    s->at[i] = t;
    s->arrNext[i] = s->arrHead[t];
    s->arrHead[t] = i;
}

static int cmpTick(const void *a, const void *b, void *arg) {
    const double *u = arg;
    int x = *(const int *)a, y = *(const int *)b;
    return u[x] < u[y] ? -1 : u[x] > u[y] ? 1 : x - y;
}

/* Empty host h if every VM it holds in the plan fits elsewhere. */
static void csEvacuate(BeloState *s, const CloudView *v, int h, Plan *out) {
    int n = 0;
    for (int k = s->vmStart[h]; k < s->vmStart[h + 1]; k++)
        if (s->at[s->vmList[k]] == h) s->moving[n++] = s->vmList[k];
    for (int i = s->arrHead[h]; i >= 0; i = s->arrNext[i])
        if (s->at[i] == h) s->moving[n++] = i;
    if (n == 0) return;
    qsort_r(s->moving, (size_t)n, sizeof(int), cmpDemandDesc, (void *)v);
    int j = 0;
    for (; j < n; j++) {
        int i = s->moving[j], t;
        moveVm(s, v, i, h, -1);
        s->freeRam[h] += v->vms[i].ramMb;
        if ((t = csFind(s, v, i)) < 0) {
            addDemand(s, v, h, vmDemand(&v->vms[i]));
            hostHistAdd(s, v, h, i, 1);
            s->freeRam[h] -= v->vms[i].ramMb;
            break;
        }
        csPlace(s, v, i, t);
        s->placed[j] = t;
    }
    if (j < n) { /* "reallocation cancelled": every VM goes back */
        for (int u = j - 1; u >= 0; u--) {
            int i = s->moving[u];
            moveVm(s, v, i, s->placed[u], -1);
            s->freeRam[s->placed[u]] += v->vms[i].ramMb;
            addDemand(s, v, h, vmDemand(&v->vms[i]));
            hostHistAdd(s, v, h, i, 1);
            s->freeRam[h] -= v->vms[i].ramMb;
            s->at[i] = h;
        }
        return;
    }
    for (j = 0; j < n; j++) {
        s->exclSrc[s->placed[j]] = 1;
        planAdd(out, ACT_MIGRATE, v->vms[s->moving[j]].host, s->moving[j], s->placed[j],
                "evacuating underloaded %s", v->hosts[h].name);
    }
}

static int csPlan(BeloState *s, const CloudView *v, Plan *out) {
    for (int h = 0; h < v->nhosts; h++) {
        double u = v->hosts[h].demand / v->hosts[h].capacity;
        s->uTick[h] = u > 1 ? 1 : u;
        s->pTick[h] = v->hosts[h].type ? powerAt(&v->hosts[h].type->power, s->uTick[h]) : 0;
        s->arrHead[h] = -1;
    }
    int nmove = selectFromOverloaded(s, v);
    for (int h = 0; h < v->nhosts; h++)
        s->exclDst[h] = s->exclSrc[h] = s->busy[h] == 1;
    qsort_r(s->moving, (size_t)nmove, sizeof(int), cmpDemandDesc, (void *)v);
    int *moved = s->placed; /* the overload phase's VMs, kept apart from evacuations */
    for (int k = 0; k < nmove; k++)
        moved[k] = s->moving[k];
    for (int k = 0; k < nmove; k++) {
        int i = moved[k], from = v->vms[i].host, t = csFind(s, v, i);
        if (t < 0) continue; /* it stays where it is */
        csPlace(s, v, i, t);
        planAdd(out, ACT_MIGRATE, from, i, t, "%s: host %s overloaded", ovlKindName(s->det.kind),
                v->hosts[from].name);
    }
    int n = 0;
    for (int h = 0; h < v->nhosts; h++) {
        if (s->uTick[h] == 0) s->exclDst[h] = s->exclSrc[h] = 1; /* "switched off" */
        if (!s->exclSrc[h] && s->uTick[h] < 1 && isTarget(&v->hosts[h])) s->order[n++] = h;
    }
    qsort_r(s->order, (size_t)n, sizeof(int), cmpTick, s->uTick);
    for (int k = 0; k < n; k++) {
        int h = s->order[k];
        if (s->exclSrc[h]) continue;
        s->exclSrc[h] = s->exclDst[h] = 1;
        csEvacuate(s, v, h, out);
    }
    return 0;
}

static int beloPlan(void *state, const CloudView *v, const CtlConfig *cfg, Plan *out) {
    BeloState *s = state;
    beloResize(s, v);
    recordHistory(s, v);
    project(s, v);
    if (cfg->cloudsim) return csPlan(s, v, out);
    s->ntargets = 0;
    for (int h = 0; h < v->nhosts; h++)
        if (isTarget(&v->hosts[h])) {
            /* The same expression PABFD tested per candidate, so the same bits. */
            s->targetLimit[s->ntargets] = cfg->high * v->hosts[h].capacity * (1 - 1e-9);
            s->targets[s->ntargets++] = h;
        }
    int hostsUp;
    int budget = policyMigrationBudget(v, cfg, &hostsUp);

    int nmove = selectFromOverloaded(s, v);
    double homeless = placeMoving(s, v, nmove, &budget, out);
    if (homeless > 0) {
        addCapacity(s, v, cfg, homeless, out);
        return 0;
    }
    if (cfg->allowMigrate) hostsUp = consolidate(s, v, cfg, hostsUp, budget, out);
    if (cfg->allowPowerOff) policyPowerOffEmpty(v, cfg, hostsUp, out);
    return 0;
}

const PolicyDriver policyBeloglazov = {
    .name = "thr-mmt",
    .synopsis = "DET-SEL[:PARAM[,SEED]]",
    .summary = "Beloglazov & Buyya 2012 (thr|mad|iqr|lr|lrr)-(mmt|mc|mu|rs), e.g. lr-mmt:1.2",
    .configure = beloConfigure,
    .plan = beloPlan,
    .free = beloFree,
    .matches = beloMatches,
    .cloudsim = true,
};
