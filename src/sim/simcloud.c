/* simcloud.c - the simulated cloud backend: hosts, VMs, events and energy.
 *
 * Energy is integrated lazily: each host remembers when it was last brought
 * up to date and at what draw; anything that changes its draw first
 * integrates it up to that instant. A step therefore costs O(hosts + VMs +
 * events), whatever the step length. */
#include "simcloud.h"

#include "cloudsim.h"
#include "simcloud_priv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "migcost.h"
#include "util.h"

static const CloudDriver simDriver;

static SimCloud *sim(Cloud *c) {
    return (SimCloud *)c;
}

SimConfig simConfigDefaults(void) {
    return (SimConfig){.linkMBps = 125.0, .degradation = 0.1};
}

bool simIsSimCloud(const Cloud *c) {
    return c && c->drv == &simDriver;
}

/* ---- event heap, ordered by (t, seq) ---- */

static bool evBefore(const SimEvent *a, const SimEvent *b) {
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void heapPush(SimCloud *s, double t, SimEventKind kind, int idx) {
    growArray((void **)&s->heap, sizeof(SimEvent), &s->capHeap, s->nheap + 1);
    size_t i = s->nheap++;
    SimEvent ev = {.t = t, .seq = s->seq++, .kind = kind, .idx = idx};
    while (i > 0 && evBefore(&ev, &s->heap[(i - 1) / 2])) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = ev;
}

static SimEvent heapPop(SimCloud *s) {
    SimEvent top = s->heap[0];
    SimEvent last = s->heap[--s->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const SimEvent *best = &last;
        if (l < s->nheap && evBefore(&s->heap[l], best)) m = l, best = &s->heap[l];
        if (r < s->nheap && evBefore(&s->heap[r], best)) m = r;
        if (m == i) break;
        s->heap[i] = s->heap[m];
        i = m;
    }
    if (s->nheap > 0) s->heap[i] = last;
    return top;
}

/* ---- power and integration ---- */

static double hostDraw(const SimCloud *s, int h) {
    const Host *host = &s->base.view.hosts[h];
    const ServerType *t = host->type;
    switch (host->state) {
    case HOST_ON: {
        double u = (host->demand + s->hs[h].reserve) / host->capacity;
        return powerAt(&t->power, u);
    }
    case HOST_OFF: return t->offW;
    case HOST_BOOTING: return t->bootW;
    case HOST_SHUTTING_DOWN: return t->shutdownW;
    }
    return 0;
}

/* Bring host h's energy and SLA accounting up to time t. */
static void hostIntegrate(SimCloud *s, int h, double t) {
    Host *host = &s->base.view.hosts[h];
    SimHostState *hs = &s->hs[h];
    double dt = t - hs->lastT;
    if (dt <= 0) return;
    if (s->cfg.cloudsim) {
        hs->lastT = t; /* CloudSim's mode charges at its updates (cloudsim.c) */
        return;
    }
    hs->energyJ += host->powerW * dt;
    s->tot.energyJ += host->powerW * dt;
    if (host->state == HOST_ON && host->nvms > 0) {
        double used = host->demand + hs->reserve;
        s->tot.activeHostS += dt;
        if (used >= host->capacity * (1 - 1e-12)) s->tot.saturatedHostS += dt;
        double unserved = used - host->capacity;
        if (unserved > host->demand) unserved = host->demand;
        if (unserved > 0) s->tot.unservedCpuS += unserved * dt;
        s->tot.requestedCpuS += host->demand * dt;
    }
    hs->lastT = t;
}

static void hostRedraw(SimCloud *s, int h) {
    s->base.view.hosts[h].powerW = hostDraw(s, h);
}

static void setState(SimCloud *s, int h, HostPowerState st, double t) {
    hostIntegrate(s, h, t);
    s->base.view.hosts[h].state = st;
    s->base.view.hosts[h].stateSince = t;
    hostRedraw(s, h);
}

/* ---- the cloud interface ---- */

static int simRefresh(Cloud *c) {
    (void)c; /* the view is kept current by every change */
    return 0;
}

static double vmDemand(const Vm *vm) {
    return vm->util * vm->cpu;
}

/* Host h no longer receives VM vmi. */
static void releaseTarget(SimCloud *s, int vmi, int h) {
    Host *host = &s->base.view.hosts[h];
    host->incoming--;
    host->ramUsed -= s->base.view.vms[vmi].ramMb;
    s->hs[h].reserve -= s->vs[vmi].migReserve;
    if (s->hs[h].reserve < 1e-9) s->hs[h].reserve = 0;
    hostRedraw(s, h);
}

/* CloudSim's mode: a VM sent twice in one plan (its policy may empty a host
 * that was just chosen to receive it) migrates twice there: both count,
 * both targets receive it until it lands, on the second. */
static int retarget(SimCloud *s, int vmi, int target) {
    CloudView *v = &s->base.view;
    Vm *vm = &v->vms[vmi];
    SimVmState *vs = &s->vs[vmi];
    Host *dst = &v->hosts[target];
    if (dst->state != HOST_ON)
        return ERR("host %s is %s, not on", dst->name, hostStateName(dst->state));
    if (vs->csAlsoTo >= 0) releaseTarget(s, vmi, vs->csAlsoTo); /* a third: keep two */
    vs->csAlsoTo = vm->target;
    vm->target = target;
    dst->incoming++;
    dst->ramUsed += vm->ramMb;
    s->hs[target].reserve += vs->migReserve;
    hostRedraw(s, target);
    s->tot.migrationsStarted++;
    return 0;
}

static int simMigrate(Cloud *c, int vmi, int target, MigrationMode mode) {
    SimCloud *s = sim(c);
    CloudView *v = &c->view;
    if (vmi < 0 || vmi >= v->nvms || target < 0 || target >= v->nhosts)
        return ERR("migration names VM %d or host %d, which do not exist", vmi, target);
    Vm *vm = &v->vms[vmi];
    Host *src = &v->hosts[vm->host], *dst = &v->hosts[target];
    if (vm->target >= 0 && s->cfg.cloudsim && s->vs[vmi].migStart == v->now && target != vm->host)
        return retarget(s, vmi, target);
    if (vm->target >= 0) return ERR("VM %s is already migrating", vm->name);
    if (vm->host == target) return ERR("VM %s is already on %s", vm->name, dst->name);
    if (dst->state != HOST_ON)
        return ERR("host %s is %s, not on", dst->name, hostStateName(dst->state));
    /* CloudSim's running VMs ask for no RAM (their cloudlets' RAM model is
     * UtilizationModelNull): it never stops a migration there. */
    if (!s->cfg.cloudsim && dst->ramUsed + vm->ramMb > dst->ramMb)
        return ERR("VM %s (%.0f MB) does not fit in the free RAM of %s", vm->name, vm->ramMb,
                   dst->name);
    double t = v->now;
    hostIntegrate(s, vm->host, t);
    hostIntegrate(s, target, t);
    /* Links are shared by the migrations in flight when this one starts. */
    int share = 1 + (src->outgoing > dst->incoming ? src->outgoing : dst->incoming);
    SimVmState *vs = &s->vs[vmi];
    /* Time and loss from the migration model: pre-copy, or hybrid where
     * pre-copy would not converge (docs/migration.md, "In the simulator"). */
    MigCost mc;
    if (s->cfg.cloudsim) /* no sharing, no model: RAM over half the link */
        mc = (MigCost){.timeS = csMigrationTime(vm->ramMb, s->cfg.linkMBps),
                       .lossShare = CS_TARGET_SHARE};
    else
        migCostPredict(vm, s->cfg.linkMBps / share, mode, s->cfg.degradation, &mc);
    vs->migLossShare = mc.lossShare;
    vs->migStart = t;
    vs->migEnd = t + mc.timeS;
    vs->migReserve = s->cfg.degradation * vmDemand(vm);
    vm->target = target;
    src->outgoing++;
    dst->incoming++;
    dst->ramUsed += vm->ramMb;
    s->hs[target].reserve += vs->migReserve;
    hostRedraw(s, target);
    if (!s->cfg.cloudsim) { /* that mode keeps its loss in cloudsim.c */
        growArray((void **)&s->migrating, sizeof(int), &s->capMigrating, s->nmigrating + 1);
        s->migrating[s->nmigrating++] = vmi;
    }
    s->tot.migrationsStarted++;
    heapPush(s, vs->migEnd, EV_MIGRATION_DONE, vmi);
    return 0;
}

static void migrationLand(SimCloud *s, int vmi, double t) {
    CloudView *v = &s->base.view;
    Vm *vm = &v->vms[vmi];
    int from = vm->host, to = vm->target;
    Host *src = &v->hosts[from], *dst = &v->hosts[to];
    hostIntegrate(s, from, t);
    hostIntegrate(s, to, t);
    double d = vmDemand(vm);
    src->demand -= d;
    src->ramUsed -= vm->ramMb;
    src->nvms--;
    src->outgoing--;
    dst->demand += d;
    dst->nvms++;
    dst->incoming--;
    s->hs[to].reserve -= s->vs[vmi].migReserve;
    if (s->hs[to].reserve < 1e-9) s->hs[to].reserve = 0;
    vm->host = to;
    vm->target = -1;
    if (s->vs[vmi].csAlsoTo >= 0) {
        releaseTarget(s, vmi, s->vs[vmi].csAlsoTo);
        s->vs[vmi].csAlsoTo = -1;
    }
    hostRedraw(s, from);
    hostRedraw(s, to);
    s->tot.migrationsDone++;
}

static int simSetEnabled(Cloud *c, int h, bool enabled, const char *reason) {
    (void)reason;
    if (h < 0 || h >= c->view.nhosts) return ERR("no host with index %d", h);
    Host *host = &c->view.hosts[h];
    host->enabled = enabled;
    host->disabledByGeyser = !enabled;
    return 0;
}

static int simPowerOn(Cloud *c, int h) {
    SimCloud *s = sim(c);
    if (h < 0 || h >= c->view.nhosts) return ERR("no host with index %d", h);
    Host *host = &c->view.hosts[h];
    if (host->state != HOST_OFF)
        return ERR("host %s is %s: only an off host can be powered on", host->name,
                   hostStateName(host->state));
    if (s->hs[h].failPowerOn) {
        host->failed = true;
        return ERR("host %s did not power on", host->name);
    }
    double t = c->view.now;
    if (host->type->bootS <= 0) {
        setState(s, h, HOST_ON, t);
    } else {
        setState(s, h, HOST_BOOTING, t);
        heapPush(s, t + host->type->bootS, EV_BOOT_DONE, h);
    }
    s->tot.boots++;
    return 0;
}

static int simPowerOff(Cloud *c, int h) {
    SimCloud *s = sim(c);
    if (h < 0 || h >= c->view.nhosts) return ERR("no host with index %d", h);
    Host *host = &c->view.hosts[h];
    if (host->state != HOST_ON)
        return ERR("host %s is %s: only an on host can be powered off", host->name,
                   hostStateName(host->state));
    if (host->nvms > 0 || host->incoming > 0 || host->outgoing > 0)
        return ERR("refusing to power off host %s: it holds %d VM(s) and %d migration(s) in flight",
                   host->name, host->nvms, host->incoming + host->outgoing);
    double t = c->view.now;
    if (host->type->shutdownS <= 0) {
        setState(s, h, HOST_OFF, t);
    } else {
        setState(s, h, HOST_SHUTTING_DOWN, t);
        heapPush(s, t + host->type->shutdownS, EV_SHUTDOWN_DONE, h);
    }
    s->tot.shutdowns++;
    return 0;
}

static void simClose(Cloud *c) {
    SimCloud *s = sim(c);
    cloudViewRelease(&c->view);
    free(s->hs);
    free(s->vs);
    free(s->heap);
    free(s->migrating);
    if (s->cfg.cloudsim) csFree(s);
    free(s);
}

static const CloudDriver simDriver = {
    .name = "sim",
    .refresh = simRefresh,
    .migrate = simMigrate,
    .setEnabled = simSetEnabled,
    .powerOn = simPowerOn,
    .powerOff = simPowerOff,
    .close = simClose,
};

/* ---- creation and time ---- */

static int checkVmSpec(const SimVmSpec *vs, int nhosts, const Workload *wl) {
    if (vs->host < 0 || vs->host >= nhosts)
        return ERR("VM %s is placed on host %d, but there are %d hosts", vs->name, vs->host,
                   nhosts);
    if (vs->series < 0 || vs->series >= wl->nseries)
        return ERR("VM %s uses series %d, but the workload has %d", vs->name, vs->series,
                   wl->nseries);
    if (!(vs->cpu > 0) || !(vs->ramMb > 0) || vs->vcpus < 1)
        return ERR("VM %s must have positive CPU, RAM and vCPUs", vs->name);
    return 0;
}

Cloud *simCloudCreate(const SimHostSpec *hosts, int nhosts, const SimVmSpec *vms, int nvms,
                      const Workload *wl, const SimConfig *cfg) {
    if (nhosts < 1) {
        ERR("a simulated cloud needs at least one host");
        return NULL;
    }
    for (int i = 0; i < nvms; i++)
        if (checkVmSpec(&vms[i], nhosts, wl) != 0) return NULL;
    SimCloud *s = xcalloc(1, sizeof(*s));
    s->base.drv = &simDriver;
    s->base.priv = s;
    s->wl = wl;
    s->cfg = cfg ? *cfg : simConfigDefaults();
    CloudView *v = &s->base.view;
    v->hosts = xcalloc((size_t)nhosts, sizeof(Host));
    v->vms = xcalloc((size_t)(nvms ? nvms : 1), sizeof(Vm));
    v->nhosts = nhosts;
    v->nvms = nvms;
    s->hs = xcalloc((size_t)nhosts, sizeof(SimHostState));
    s->vs = xcalloc((size_t)(nvms ? nvms : 1), sizeof(SimVmState));
    if (s->cfg.cloudsim) csInit(s);
    for (int h = 0; h < nhosts; h++) {
        Host *host = &v->hosts[h];
        host->name = xstrdup(hosts[h].name);
        host->type = hosts[h].type;
        host->capacity = serverTypeCapacity(host->type);
        host->ramMb = host->type->ramMb;
        host->state = HOST_ON;
        host->enabled = true;
        /* On since long before the simulation: no cooldown applies at start. */
        host->stateSince = -1e12;
    }
    for (int i = 0; i < nvms; i++) {
        Vm *vm = &v->vms[i];
        vm->name = xstrdup(vms[i].name);
        vm->flavor = vms[i].flavor;
        vm->project = vms[i].project ? xstrdup(vms[i].project) : NULL;
        vm->vcpus = vms[i].vcpus;
        vm->cpu = vms[i].cpu;
        vm->ramMb = vms[i].ramMb;
        vm->dirtyMbps = vms[i].dirtyMbps;
        vm->host = vms[i].host;
        vm->target = -1;
        s->vs[i].series = vms[i].series;
        s->vs[i].csAlsoTo = -1;
        Host *host = &v->hosts[vm->host];
        host->nvms++;
        host->ramUsed += vm->ramMb;
        if (host->ramUsed > host->ramMb) {
            ERR("host %s cannot hold its initial VMs: %.0f MB of RAM asked, %.0f MB there",
                host->name, host->ramUsed, host->ramMb);
            simClose(&s->base);
            return NULL;
        }
    }
    simSetTime(&s->base, 0);
    return &s->base;
}

/* Every VM's demand and every host's demand and draw at trace time t. */
static void setUtils(SimCloud *s, double traceT) {
    CloudView *v = &s->base.view;
    for (int h = 0; h < v->nhosts; h++)
        v->hosts[h].demand = 0;
    for (int i = 0; i < v->nvms; i++) {
        Vm *vm = &v->vms[i];
        vm->util = vm->finished ? 0 : workloadUtilAt(s->wl, s->vs[i].series, traceT);
        v->hosts[vm->host].demand += vmDemand(vm);
    }
    for (int h = 0; h < v->nhosts; h++)
        hostRedraw(s, h);
}

void simSetTime(Cloud *c, double t) {
    SimCloud *s = sim(c);
    CloudView *v = &c->view;
    /* Replay repeats the workload's whole span: one trace step per sample. */
    double span = s->wl->nsamples * s->wl->stepS;
    double traceT = s->cfg.replay && span > 0 ? fmod(t, span) : t;
    for (int h = 0; h < v->nhosts; h++)
        hostIntegrate(s, h, t);
    setUtils(s, traceT);
    if (s->cfg.cloudsim && t > 0) {
        /* An update of CloudSim's at a tick: charge the interval, retire
         * finished VMs, then the state that holds while the controller
         * acts (its migrations show from the next update). */
        csUpdate(s, t);
        csRetire(s, t);
        csHold(s, t, true);
    }
    v->now = t;
    s->stepStart = t;
}

/* PDM: a migrating VM loses its loss share (degradation, more while it is
 * paused or faulting pages in) of its demand while it moves. Demand is
 * constant over a step, so the loss of a step is exact. */
static void accountMigrationLoss(SimCloud *s, double t0, double t1) {
    const CloudView *v = &s->base.view;
    size_t keep = 0;
    for (size_t k = 0; k < s->nmigrating; k++) {
        int i = s->migrating[k];
        const SimVmState *vs = &s->vs[i];
        double a = vs->migStart > t0 ? vs->migStart : t0;
        double b = vs->migEnd < t1 ? vs->migEnd : t1;
        if (b > a) s->tot.migrationLossCpuS += vs->migLossShare * vmDemand(&v->vms[i]) * (b - a);
        if (vs->migEnd > t1) s->migrating[keep++] = i;
    }
    s->nmigrating = keep;
}

static void runEvent(SimCloud *s, const SimEvent *ev) {
    switch (ev->kind) {
    case EV_MIGRATION_DONE: migrationLand(s, ev->idx, ev->t); break;
    case EV_BOOT_DONE: setState(s, ev->idx, HOST_ON, ev->t); break;
    case EV_SHUTDOWN_DONE: setState(s, ev->idx, HOST_OFF, ev->t); break;
    }
}

/* CloudSim's mode: each instant with events is an update of every host
 * (demand interpolated there), before and after the events. Nothing is
 * charged past the last one until the next tick. */
static void advanceCloudsim(SimCloud *s, double t1) {
    Cloud *c = &s->base;
    /* The plan's migrations show in CloudSim's SLA records from the tick
     * on, in its energy only from the next update (cloudsim.h). */
    if (s->nheap > 0) csHoldSla(s);
    while (s->nheap > 0 && s->heap[0].t <= t1) {
        double te = s->heap[0].t;
        c->view.now = te;
        setUtils(s, te);
        csUpdate(s, te);
        while (s->nheap > 0 && s->heap[0].t == te) {
            SimEvent ev = heapPop(s);
            runEvent(s, &ev);
        }
        csHold(s, te, true);
    }
    c->view.now = t1;
    s->stepStart = t1;
}

void simAdvance(Cloud *c, double t1) {
    SimCloud *s = sim(c);
    if (s->cfg.cloudsim) {
        advanceCloudsim(s, t1);
        return;
    }
    while (s->nheap > 0 && s->heap[0].t <= t1) {
        SimEvent ev = heapPop(s);
        c->view.now = ev.t;
        runEvent(s, &ev);
    }
    for (int h = 0; h < c->view.nhosts; h++)
        hostIntegrate(s, h, t1);
    accountMigrationLoss(s, s->stepStart, t1);
    c->view.now = t1;
    s->stepStart = t1;
}

const SimTotals *simTotals(const Cloud *c) {
    return &((const SimCloud *)c)->tot;
}

double simHostEnergy(const Cloud *c, int h) {
    return ((const SimCloud *)c)->hs[h].energyJ;
}

/* Move a VM at once (no migration): for restoring a saved placement. */
static void vmPlace(SimCloud *s, int vmi, int to) {
    CloudView *v = &s->base.view;
    Vm *vm = &v->vms[vmi];
    int from = vm->host;
    if (from == to) return;
    Host *src = &v->hosts[from], *dst = &v->hosts[to];
    double t = v->now, d = vmDemand(vm);
    hostIntegrate(s, from, t);
    hostIntegrate(s, to, t);
    src->demand -= d;
    src->ramUsed -= vm->ramMb;
    src->nvms--;
    dst->demand += d;
    dst->ramUsed += vm->ramMb;
    dst->nvms++;
    vm->host = to;
    hostRedraw(s, from);
    hostRedraw(s, to);
}

int simRestore(Cloud *c, const int *vmHost, const HostPowerState *state, const bool *enabled) {
    SimCloud *s = sim(c);
    CloudView *v = &c->view;
    if (s->nmigrating > 0) return ERR("cannot restore a simulated cloud with migrations in flight");
    for (int i = 0; i < v->nvms; i++)
        if (vmHost[i] >= 0 && vmHost[i] < v->nhosts) vmPlace(s, i, vmHost[i]);
    for (int h = 0; h < v->nhosts; h++) {
        Host *host = &v->hosts[h];
        HostPowerState st = state[h] == HOST_BOOTING         ? HOST_ON
                            : state[h] == HOST_SHUTTING_DOWN ? HOST_OFF
                                                             : state[h];
        /* A host with VMs is on, whatever the file says. */
        if (st != host->state && (st == HOST_ON || host->nvms == 0)) setState(s, h, st, v->now);
        host->enabled = enabled[h];
        host->disabledByGeyser = false; /* the cloud keeps no such mark (audit.h) */
    }
    return 0;
}

int simOperatorDisable(Cloud *c, int h) {
    if (h < 0 || h >= c->view.nhosts) return ERR("no host with index %d", h);
    c->view.hosts[h].enabled = false;
    c->view.hosts[h].disabledByGeyser = false;
    return 0;
}

void simFailPowerOn(Cloud *c, int h) {
    sim(c)->hs[h].failPowerOn = true;
}
