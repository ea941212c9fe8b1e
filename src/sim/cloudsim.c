/* cloudsim.c - CloudSim 3.0.3's accounting mode of the simulated cloud. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "simcloud_priv.h"
#include "util.h"

double csIntervalEnergy(const PowerModel *p, double uPrev, double uNow, double dt) {
    /* PowerHost.getEnergyLinearInterpolation: an idle host counts as off. */
    if (uPrev == 0 || !(dt > 0)) return 0;
    double from = powerAt(p, uPrev), to = powerAt(p, uNow);
    return (from + (to - from) / 2) * dt;
}

double csMigrationTime(double ramMb, double linkMBps) {
    return ramMb / (linkMBps * CS_LINK_FRACTION);
}

bool csVmFinishes(const Workload *wl, int s, double t) {
    return workloadUtilAt(wl, s, t) == 0 && workloadUtilAt(wl, s, t + wl->stepS) == 0;
}

CsHostSample csSampleHost(double capacity, double peMips, CsLoad *vms, int n) {
    CsHostSample out = {0};
    /* What VmSchedulerTimeShared sets aside for each VM: a leaving VM its
     * whole (capped) demand although it gets 0.9 of it, an arriving one
     * 0.1. */
    double need = 0;
    for (int i = 0; i < n; i++) {
        double cap = peMips * (vms[i].vcpus > 0 ? vms[i].vcpus : 1);
        double c = vms[i].requested < cap ? vms[i].requested : cap;
        vms[i].allocated = c;
        need += vms[i].role == CS_ARRIVING ? c * CS_TARGET_SHARE : c;
        out.requestedMips += vms[i].requested;
    }
    /* VmSchedulerTimeSharedOverSubscription: when that is more than the
     * host has, every share is scaled to fit and rounded down to a whole
     * MIPS (redistributeMipsDueToOverSubscription). */
    bool over = need > capacity;
    double scale = over ? capacity / need : 1;
    for (int i = 0; i < n; i++) {
        double a = vms[i].allocated;
        if (vms[i].role == CS_LEAVING)
            a = over ? a * scale * CS_SOURCE_SHARE : a * CS_SOURCE_SHARE;
        else if (vms[i].role == CS_ARRIVING)
            a = over ? a * CS_TARGET_SHARE * scale : a * CS_TARGET_SHARE;
        else
            a = over ? a * scale : a;
        vms[i].allocated = over ? floor(a) : a;
        /* The source still counts a leaving VM at its whole share. */
        out.allocatedMips +=
            vms[i].role == CS_LEAVING ? vms[i].allocated / CS_SOURCE_SHARE : vms[i].allocated;
    }
    double u = capacity > 0 ? out.allocatedMips / capacity : 0;
    out.util = u > 1 ? 1 : u;
    out.active = out.allocatedMips > 0;
    out.violating = out.allocatedMips < out.requestedMips;
    return out;
}

int csPlaceInitial(const SimHostSpec *hosts, int nhosts, SimVmSpec *vms, int nvms, bool firstFit) {
    double *alloc = xcalloc((size_t)nhosts, sizeof(double));
    double *ram = xcalloc((size_t)nhosts, sizeof(double));
    int rc = 0;
    for (int i = 0; i < nvms && rc == 0; i++) {
        const SimVmSpec *vm = &vms[i];
        int best = -1;
        double bestInc = 0;
        for (int h = 0; h < nhosts; h++) {
            const ServerType *t = hosts[h].type;
            double cap = serverTypeCapacity(t);
            /* Host.isSuitableForVm: one core per vCPU, free MIPS, RAM. */
            if (t->coreMips * vm->vcpus < vm->cpu || cap - alloc[h] < vm->cpu ||
                t->ramMb - ram[h] < vm->ramMb)
                continue;
            if (firstFit) {
                best = h;
                break;
            }
            /* Before the first update a host's power is P(0), so the
             * increase is measured from there, not from its present load. */
            double u = (alloc[h] + vm->cpu) / cap;
            if (u > 1) continue;
            double inc = powerAt(&t->power, u) - powerAt(&t->power, 0);
            if (best < 0 || inc < bestInc) best = h, bestInc = inc;
        }
        if (best < 0) {
            rc = ERR("VM %s (%.0f MIPS, %.0f MB) fits on no host at its full MIPS, as CloudSim "
                     "places it: the cloud is too small",
                     vm->name, vm->cpu, vm->ramMb);
            break;
        }
        alloc[best] += vm->cpu;
        ram[best] += vm->ramMb;
        vms[i].host = best;
    }
    free(alloc);
    free(ram);
    return rc;
}

/* ---- the mode inside the simulated cloud ---- */

void csInit(SimCloud *s) {
    const CloudView *v = &s->base.view;
    size_t nh = (size_t)v->nhosts, nv = (size_t)(v->nvms ? v->nvms : 1);
    CsState *cs = &s->cs;
    cs->lastT = -1;
    cs->uPrev = xcalloc(nh, sizeof(double));
    cs->active = xcalloc(nh, 1);
    cs->violating = xcalloc(nh, 1);
    cs->loads = xcalloc(3 * nv, sizeof(CsLoad));
    cs->loadVm = xcalloc(3 * nv, sizeof(int));
    cs->start = xcalloc(nh + 1, sizeof(int));
    cs->fill = xcalloc(nh + 1, sizeof(int));
    cs->uNow = xcalloc(nh, sizeof(double));
    cs->sample = xcalloc(nh, sizeof(CsHostSample));
}

void csFree(SimCloud *s) {
    CsState *cs = &s->cs;
    free(cs->uPrev);
    free(cs->active);
    free(cs->violating);
    free(cs->loads);
    free(cs->loadVm);
    free(cs->start);
    free(cs->fill);
    free(cs->uNow);
    free(cs->sample);
}

/* Every host's update with the present placement and demand; the VMs'
 * allocations are left in cs->loads. */
static void sampleAll(SimCloud *s) {
    CsState *cs = &s->cs;
    const CloudView *v = &s->base.view;
    memset(cs->start, 0, (size_t)(v->nhosts + 1) * sizeof(int));
    for (int i = 0; i < v->nvms; i++) {
        const Vm *vm = &v->vms[i];
        if (vm->finished) continue;
        cs->start[vm->host + 1]++;
        if (vm->target >= 0) cs->start[vm->target + 1]++;
        if (s->vs[i].csAlsoTo >= 0) cs->start[s->vs[i].csAlsoTo + 1]++;
    }
    for (int h = 0; h < v->nhosts; h++) {
        cs->start[h + 1] += cs->start[h];
        cs->fill[h] = cs->start[h];
    }
    for (int i = 0; i < v->nvms; i++) {
        const Vm *vm = &v->vms[i];
        if (vm->finished) continue;
        double r = vm->util * vm->cpu;
        int k = cs->fill[vm->host]++;
        cs->loads[k] = (CsLoad){r, vm->vcpus, vm->target >= 0 ? CS_LEAVING : CS_RESIDENT, 0};
        cs->loadVm[k] = i;
        int to[2] = {vm->target, s->vs[i].csAlsoTo};
        for (int j = 0; j < 2; j++) {
            if (to[j] < 0) continue;
            k = cs->fill[to[j]]++;
            cs->loads[k] = (CsLoad){r, vm->vcpus, CS_ARRIVING, 0};
            cs->loadVm[k] = i;
        }
    }
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        cs->sample[h] = csSampleHost(host->capacity, host->type ? host->type->coreMips : 0,
                                     &cs->loads[cs->start[h]], cs->start[h + 1] - cs->start[h]);
    }
}

void csUpdate(SimCloud *s, double t) {
    CsState *cs = &s->cs;
    if (cs->lastT < 0 || t <= cs->lastT) return;
    const CloudView *v = &s->base.view;
    double dt = t - cs->lastT;
    sampleAll(s);
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        double e = host->type
                       ? csIntervalEnergy(&host->type->power, cs->uPrev[h], cs->sample[h].util, dt)
                       : 0;
        s->hs[h].energyJ += e;
        s->tot.energyJ += e;
        /* SLATAH as CloudSim's Helper: the state of the earlier update
         * holds over the interval. */
        if (cs->active[h]) {
            s->tot.activeHostS += dt;
            if (cs->violating[h]) s->tot.saturatedHostS += dt;
        }
    }
    s->tot.requestedCpuS += cs->heldRequested * dt;
    s->tot.migrationLossCpuS += cs->heldMigrationLoss * dt;
    s->tot.unservedCpuS += cs->heldUnserved * dt;
}

void csHoldSla(SimCloud *s) {
    if (s->cs.lastT >= 0) csHold(s, s->cs.lastT, false);
}

void csHold(SimCloud *s, double t, bool withEnergy) {
    CsState *cs = &s->cs;
    const CloudView *v = &s->base.view;
    sampleAll(s);
    cs->heldRequested = cs->heldMigrationLoss = cs->heldUnserved = 0;
    for (int h = 0; h < v->nhosts; h++) {
        if (withEnergy) cs->uPrev[h] = cs->sample[h].util;
        cs->active[h] = cs->sample[h].active;
        cs->violating[h] = cs->sample[h].violating;
        /* The VM's own history is kept where it runs (the source while it
         * moves), as CloudSim records it. */
        for (int k = cs->start[h]; k < cs->start[h + 1]; k++) {
            const CsLoad *l = &cs->loads[k];
            if (l->role == CS_ARRIVING) continue;
            double lost = l->requested - l->allocated;
            cs->heldRequested += l->requested;
            if (lost > 0) {
                cs->heldUnserved += lost;
                if (l->role == CS_LEAVING) cs->heldMigrationLoss += lost;
            }
        }
    }
    cs->lastT = t;
}

void csRetire(SimCloud *s, double t) {
    CloudView *v = &s->base.view;
    for (int i = 0; i < v->nvms; i++) {
        Vm *vm = &v->vms[i];
        if (vm->finished || vm->target >= 0 || !csVmFinishes(s->wl, s->vs[i].series, t)) continue;
        Host *host = &v->hosts[vm->host];
        vm->finished = true;
        host->demand -= vm->util * vm->cpu;
        vm->util = 0;
        host->nvms--;
        host->ramUsed -= vm->ramMb;
        s->tot.vmsFinished++;
    }
}
