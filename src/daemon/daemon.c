/* daemon.c - the serve loop: one periodic tick advances the cloud and runs
 * the controller; HTTP handlers read the same state on the same thread. */
#include "daemon.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"
#include "meter/meter.h"
#include "meters.h"
#include "recorder.h"
#include "simcloud.h"
#include "util.h"

int daemonParseMode(const char *s, DaemonMode *out) {
    if (strcmp(s, "observe") == 0)
        *out = MODE_OBSERVE;
    else if (strcmp(s, "auto") == 0)
        *out = MODE_AUTO;
    else if (strcmp(s, "manual") == 0)
        *out = MODE_MANUAL;
    else
        return ERR("unknown mode '%s' (expected observe, manual or auto)", s);
    return 0;
}

const char *daemonModeName(DaemonMode m) {
    return m == MODE_AUTO ? "auto" : m == MODE_MANUAL ? "manual" : "observe";
}

/* Split the energy each host used since the last tick among the VMs it
 * holds now. VMs that moved during the tick are charged where they ended:
 * a tick is short against the time VMs stay put. */
static void attributeEnergy(Daemon *d, double dt) {
    const CloudView *v = &d->cloud->view;
    size_t nv = (size_t)(v->nvms ? v->nvms : 1);
    int *start = xcalloc((size_t)v->nhosts + 1, sizeof(int));
    int *fill = xmalloc(((size_t)v->nhosts + 1) * sizeof(int));
    int *order = xmalloc(nv * sizeof(int));
    int *vcpus = xmalloc(nv * sizeof(int));
    double *used = xmalloc(nv * sizeof(double));
    double *share = xmalloc(nv * sizeof(double));
    for (int i = 0; i < v->nvms; i++)
        start[v->vms[i].host + 1]++;
    for (int h = 0; h < v->nhosts; h++)
        start[h + 1] += start[h];
    memcpy(fill, start, ((size_t)v->nhosts + 1) * sizeof(int));
    for (int i = 0; i < v->nvms; i++)
        order[fill[v->vms[i].host]++] = i;
    for (int h = 0; h < v->nhosts; h++) {
        double e = daemonHostEnergyJ(d, h), de = e - d->hostEnergySeen[h];
        d->hostEnergySeen[h] = e;
        int n = start[h + 1] - start[h];
        for (int k = 0; k < n; k++) {
            const Vm *vm = &v->vms[order[start[h] + k]];
            used[k] = vm->util * vm->cpu;
            vcpus[k] = vm->vcpus;
        }
        const Host *host = &v->hosts[h];
        double idleW = host->type && host->state == HOST_ON ? powerAt(&host->type->power, 0) : 0;
        double overW = attributePower(de / dt, idleW, used, vcpus, n, d->idleSplit, share);
        d->overheadJ[h] += overW * dt;
        for (int k = 0; k < n; k++)
            d->vmEnergyJ[order[start[h] + k]] += share[k] * dt;
    }
    free(start);
    free(fill);
    free(order);
    free(vcpus);
    free(used);
    free(share);
}

static int simStateSave(const Daemon *d);
static double auditClock(const Daemon *d);

static void growZero(void **p, size_t size, size_t oldN, size_t newN) {
    *p = xrealloc(*p, (newN + 1) * size);
    memset((char *)*p + oldN * size, 0, (newN + 1 - oldN) * size);
}

const char *daemonCloudName(const Daemon *d) {
    return d->real ? (d->cfg.cloudName ? d->cfg.cloudName : d->cloud->drv->name) : d->sc->name;
}

const char *daemonMeterName(const Daemon *d) {
    return d->real ? "model" : "sim";
}

double daemonHostEnergyJ(const Daemon *d, int host) {
    return d->real ? d->hostEnergyJ[host] : simHostEnergy(d->cloud, host);
}

double daemonEnergyJ(const Daemon *d) {
    return d->real ? d->energyJ : simTotals(d->cloud)->energyJ;
}

double daemonBaselineJ(const Daemon *d) {
    return d->real ? d->baselineJ : simTotals(d->shadow)->energyJ;
}

void daemonCounts(const Daemon *d, long *migrations, long *shutdowns, long *boots) {
    if (d->real) {
        *migrations = d->ctl->stats.migrations;
        *shutdowns = d->ctl->stats.powerOffs;
        *boots = d->ctl->stats.powerOns;
        return;
    }
    const SimTotals *t = simTotals(d->cloud);
    *migrations = t->migrationsStarted;
    *shutdowns = t->shutdowns;
    *boots = t->boots;
}

/* Events from what the controller did at this control interval (or at an
 * approval, at time t). */
static void recordPlanEvents(Daemon *d, double t) {
    const CloudView *v = &d->cloud->view;
    for (size_t i = 0; i < d->ctl->plan.n; i++) {
        const Action *a = &d->ctl->plan.actions[i];
        if (a->outcome == OUTCOME_PLANNED || a->outcome == OUTCOME_DISCARDED) continue;
        HistEvent ev = {.t = t, .host = a->host, .vm = -1, .target = -1};
        if (a->outcome == OUTCOME_REFUSED || a->outcome == OUTCOME_FAILED)
            ev.type = a->outcome == OUTCOME_REFUSED ? EV_REFUSED : EV_FAILED;
        else if (a->type == ACT_MIGRATE)
            ev.type = EV_MIGRATION;
        else if (a->type == ACT_POWER_ON)
            ev.type = EV_POWER_ON;
        else if (a->type == ACT_POWER_OFF)
            ev.type = EV_POWER_OFF;
        else
            continue;
        if (a->type == ACT_MIGRATE) {
            ev.vm = a->vm;
            ev.target = a->target;
            ev.mode = (int)a->mode;
            ev.durationS = v->vms[a->vm].ramMb / d->migrationMBps;
        }
        snprintf(ev.reason, sizeof(ev.reason), "%.95s%s%.95s", a->reason, a->detail[0] ? ": " : "",
                 a->detail);
        histAddEvent(d->hist, &ev);
    }
}

/* On a real cloud, one line on stderr per action run (or refused, or
 * failed): the operator's log of what geyser did to the cloud. */
static void logPlan(const Daemon *d) {
    const CloudView *v = &d->cloud->view;
    for (size_t i = 0; i < d->ctl->plan.n; i++) {
        const Action *a = &d->ctl->plan.actions[i];
        if (a->outcome == OUTCOME_PLANNED || a->outcome == OUTCOME_DISCARDED) continue;
        if (a->type == ACT_MIGRATE)
            fprintf(stderr, "geyser serve: t=%.0f plan %ld %s %s: %s -> %s: %s (%s%s%s)\n", v->now,
                    d->ctl->plan.id, actionTypeName(a->type), v->vms[a->vm].name,
                    v->hosts[a->host].name, v->hosts[a->target].name, actionOutcomeName(a->outcome),
                    a->reason, a->detail[0] ? "; " : "", a->detail);
        else
            fprintf(stderr, "geyser serve: t=%.0f plan %ld %s %s: %s (%s%s%s)\n", v->now,
                    d->ctl->plan.id, actionTypeName(a->type), v->hosts[a->host].name,
                    actionOutcomeName(a->outcome), a->reason, a->detail[0] ? "; " : "", a->detail);
    }
}

/* And one line per host whose power state, scheduling or failure changed,
 * whoever changed it. */
static void logHosts(Daemon *d) {
    const CloudView *v = &d->cloud->view;
    if (v->nhosts > d->prevN) {
        size_t n = (size_t)v->nhosts + 1;
        d->prevState = xrealloc(d->prevState, n);
        d->prevEnabled = xrealloc(d->prevEnabled, n);
        d->prevFailed = xrealloc(d->prevFailed, n);
        for (int h = d->prevN; h < v->nhosts; h++) {
            d->prevState[h] = (uint8_t)v->hosts[h].state;
            d->prevEnabled[h] = v->hosts[h].enabled;
            d->prevFailed[h] = v->hosts[h].failed;
        }
        d->prevN = v->nhosts;
    }
    for (int h = 0; h < v->nhosts; h++) {
        const Host *hp = &v->hosts[h];
        if (hp->state == d->prevState[h] && hp->enabled == d->prevEnabled[h] &&
            hp->failed == d->prevFailed[h])
            continue;
        const char *err = cloudPowerError(d->cloud, h);
        fprintf(stderr, "geyser serve: t=%.0f host %s: %s, %s, %d VM(s)%s%s\n", v->now, hp->name,
                hp->failed ? "failed" : hostStateName(hp->state),
                hp->enabled ? "enabled" : "disabled", hp->nvms, err ? ": " : "", err ? err : "");
        d->prevState[h] = (uint8_t)hp->state;
        d->prevEnabled[h] = hp->enabled;
        d->prevFailed[h] = hp->failed;
    }
    fflush(stderr);
}

/* Record the tick into the history, and threshold crossings as events. */
static void recordTick(Daemon *d, double t0, double t1) {
    const CloudView *v = &d->cloud->view;
    double dt = t1 - t0;
    for (int i = 0; i < v->nhosts; i++) {
        const Host *h = &v->hosts[i];
        d->frHostPower[i] = (float)h->powerW;
        d->frHostUtil[i] = (float)hostUtil(h);
        d->frHostState[i] = (uint8_t)h->state;
        bool over = h->state == HOST_ON && hostDemandRatio(h) >= 1;
        if (over != (bool)d->overloaded[i]) {
            HistEvent ev = {.t = t1,
                            .type = over ? EV_OVERLOAD : EV_RECOVERED,
                            .host = i,
                            .vm = -1,
                            .target = -1};
            snprintf(ev.reason, sizeof(ev.reason), "CPU demand %.0f %% of capacity",
                     100 * hostDemandRatio(h));
            histAddEvent(d->hist, &ev);
            d->overloaded[i] = over;
        }
    }
    for (int i = 0; i < v->nvms; i++) {
        d->frVmUtil[i] = (float)v->vms[i].util;
        d->frVmPower[i] = (float)((d->vmEnergyJ[i] - d->vmEnergyPrev[i]) / dt);
        d->vmEnergyPrev[i] = d->vmEnergyJ[i];
    }
    HistFrame fr = {.hostPowerW = d->frHostPower,
                    .hostUtil = d->frHostUtil,
                    .hostState = d->frHostState,
                    .vmUtil = d->frVmUtil,
                    .vmPowerW = d->frVmPower,
                    .energyJ = daemonEnergyJ(d),
                    .baselineJ = daemonBaselineJ(d)};
    histRecord(d->hist, t0, t1, &fr);
}

/* ---- a real cloud ---- */

/* A backend may discover hosts and VMs (it appends them): grow what is
 * kept per host and per VM. The history keeps the ones it was made for. */
static void growArrays(Daemon *d) {
    CloudView *v = &d->cloud->view;
    /* A host its backend knows no hardware of (Nova says nothing of it) is
     * of --server-type's type, for its power model everywhere: estimates,
     * attribution, plan estimates, labels. No backend sets a type it did
     * not have, so this holds until the host is dropped. */
    if (d->real)
        for (int h = 0; h < v->nhosts; h++)
            if (!v->hosts[h].type) v->hosts[h].type = d->cfg.serverType;
    if (v->nhosts > d->capHosts) {
        size_t o = (size_t)d->capHosts, n = (size_t)v->nhosts;
        growZero((void **)&d->frHostPower, sizeof(float), o, n);
        growZero((void **)&d->frHostUtil, sizeof(float), o, n);
        growZero((void **)&d->frHostState, 1, o, n);
        growZero((void **)&d->overloaded, 1, o, n);
        growZero((void **)&d->overheadJ, sizeof(double), o, n);
        growZero((void **)&d->hostEnergySeen, sizeof(double), o, n);
        growZero((void **)&d->hostEnergyJ, sizeof(double), o, n);
        growZero((void **)&d->powerMeter, sizeof(char *), o, n);
        growZero((void **)&d->powerSource, sizeof(char *), o, n);
        d->capHosts = v->nhosts;
    }
    if (v->nvms > d->capVms) {
        size_t o = (size_t)d->capVms, n = (size_t)v->nvms;
        growZero((void **)&d->frVmUtil, sizeof(float), o, n);
        growZero((void **)&d->frVmPower, sizeof(float), o, n);
        growZero((void **)&d->vmEnergyPrev, sizeof(double), o, n);
        growZero((void **)&d->vmEnergyJ, sizeof(double), o, n);
        d->capVms = v->nvms;
    }
}

static const ServerType *hostType(const Daemon *d, const Host *h) {
    return h->type ? h->type : d->cfg.serverType; /* growArrays gave one */
}

/* Hosts' power: a meter's latest reading where one gives it (--meters),
 * else their server type's model at their measured utilization (off,
 * booting or shutting down: 0, as the backends report it). */
static void estimatePower(Daemon *d) {
    CloudView *v = &d->cloud->view;
    for (int h = 0; h < v->nhosts; h++) {
        Host *host = &v->hosts[h];
        const ServerType *t = hostType(d, host);
        d->powerMeter[h] = d->powerSource[h] = NULL;
        double w;
        const char *meter, *source;
        if (d->meters && daemonMetersPower(d->meters, host->name, &w, &meter, &source)) {
            host->powerW = w;
            d->powerMeter[h] = meter;
            d->powerSource[h] = source;
            continue;
        }
        host->powerW = t && host->state == HOST_ON ? powerAt(&t->power, hostUtil(host)) : 0;
    }
}

const char *daemonHostMeter(const Daemon *d, int host) {
    return d->real && host < d->capHosts && d->powerMeter[host] ? d->powerMeter[host]
                                                                : daemonMeterName(d);
}

const char *daemonHostSource(const Daemon *d, int host) {
    return d->real && host < d->capHosts && d->powerSource[host] ? d->powerSource[host]
                                                                 : "estimated";
}

double daemonBaselineW(const Daemon *d) {
    if (!d->real) {
        double w = 0;
        for (int i = 0; i < d->shadow->view.nhosts; i++)
            w += d->shadow->view.hosts[i].powerW;
        return w;
    }
    const CloudView *v = &d->cloud->view;
    double w = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        const ServerType *t = hostType(d, host);
        w += host->powerW;
        /* Without geyser it would still be on, idle: its VMs left it. */
        if (t && host->disabledByGeyser &&
            (host->state == HOST_OFF || host->state == HOST_SHUTTING_DOWN))
            w += powerAt(&t->power, 0);
    }
    return w;
}

static void noteCloudError(Daemon *d) {
    d->tickErrors++;
    snprintf(d->lastError, sizeof(d->lastError), "%s", errLast());
    fprintf(stderr, "geyser serve: tick %ld: cannot read the cloud: %s\n", d->ticks + 1,
            d->lastError);
}

/* A real cloud's tick: now is wallSeconds after the last one. At the end of
 * a control interval the controller refreshes the view and plans; between
 * them the view is refreshed alone, for the dashboard's and the store's
 * resolution. A cloud that cannot be read this time (Keystone or Nova down,
 * retries spent) is not a reason to stop: nothing was done. */
static int realTick(Daemon *d, double wallSeconds) {
    double now = d->simTime + wallSeconds;
    bool ok = true;
    if (now >= d->nextControl) {
        bool changed = false;
        if (d->cfg.util && utilFileReload(d->cfg.util, &changed) != 0)
            fprintf(stderr, "geyser serve: %s (the previous utilization stays)\n", errLast());
        energyHookControl(d->energy, d->ctl, &d->cloud->view, now, d->intervalS);
        if (!daemonPlanWaiting(d)) {
            if (ctlTick(d->ctl, d->cloud, d->cfg.mode == MODE_AUTO) != 0) {
                ok = false;
            } else {
                d->planAtS = now;
                if (auditPlanMade(d->audit, &d->ctl->plan, daemonModeName(d->cfg.mode),
                                  auditClock(d)) != 0)
                    fprintf(stderr, "geyser serve: %s\n", errLast());
                if (d->cfg.mode != MODE_MANUAL || d->ctl->plan.n == 0) d->ctl->applied = true;
            }
        } else if (cloudRefresh(d->cloud) != 0) {
            ok = false;
        }
        if (ok) {
            energyHookAfterControl(d->energy, d->ctl);
            recordPlanEvents(d, now);
            logPlan(d);
        }
        while (d->nextControl <= now)
            d->nextControl += d->intervalS;
    } else if (cloudRefresh(d->cloud) != 0) {
        ok = false;
    }
    if (ok)
        d->lastError[0] = '\0';
    else
        noteCloudError(d);
    growArrays(d);
    if (d->meters) daemonMetersDrain(d->meters);
    estimatePower(d);
    logHosts(d);
    double dt = now - d->simTime;
    if (dt > 0) {
        const CloudView *v = &d->cloud->view;
        for (int h = 0; h < v->nhosts; h++) {
            d->hostEnergyJ[h] += v->hosts[h].powerW * dt;
            d->energyJ += v->hosts[h].powerW * dt;
        }
        d->baselineJ += daemonBaselineW(d) * dt;
        attributeEnergy(d, dt);
        recordTick(d, d->simTime, now);
        if (d->rec) recorderTick(d->rec, d, d->simTime, now);
    }
    d->simTime = now;
    d->ticks++;
    return 0;
}

int daemonTick(Daemon *d, double wallSeconds) {
    if (d->real) return realTick(d, wallSeconds);
    double target = d->simTime + wallSeconds * d->cfg.speed;
    while (d->nextControl <= target) {
        simAdvance(d->cloud, d->nextControl);
        simSetTime(d->cloud, d->nextControl);
        simAdvance(d->shadow, d->nextControl);
        simSetTime(d->shadow, d->nextControl);
        energyHookControl(d->energy, d->ctl, &d->cloud->view, d->nextControl, d->intervalS);
        /* A plan waiting for approval stays the plan: its id is what the
         * operator approves. */
        if (!daemonPlanWaiting(d)) {
            if (ctlTick(d->ctl, d->cloud, d->cfg.mode == MODE_AUTO) != 0) return -1;
            d->planAtS = d->nextControl;
            if (auditPlanMade(d->audit, &d->ctl->plan, daemonModeName(d->cfg.mode),
                              auditClock(d)) != 0)
                fprintf(stderr, "geyser serve: %s\n", errLast());
            /* An empty plan has nothing to approve. */
            if (d->cfg.mode != MODE_MANUAL || d->ctl->plan.n == 0) d->ctl->applied = true;
        }
        energyHookAfterControl(d->energy, d->ctl);
        recordPlanEvents(d, d->nextControl);
        d->nextControl += d->intervalS;
    }
    simAdvance(d->cloud, target);
    simAdvance(d->shadow, target);
    if (simStateSave(d) != 0) return -1;
    if (target > d->simTime) {
        attributeEnergy(d, target - d->simTime);
        recordTick(d, d->simTime, target);
        if (d->rec) recorderTick(d->rec, d, d->simTime, target); /* reports its own failures */
    }
    d->simTime = target;
    d->ticks++;
    return 0;
}

/* ---- --sim-state: the simulated cloud outlives the daemon ---- */

/* Written to FILE.tmp and renamed, so that a kill leaves the old or the new
 * state, never half of one. */
static int simStateSave(const Daemon *d) {
    if (!d->cfg.simState) return 0;
    const CloudView *v = &d->cloud->view;
    json_t *hosts = json_array(), *vms = json_array();
    for (int h = 0; h < v->nhosts; h++)
        json_array_append_new(hosts, json_pack("{s:s, s:s, s:b}", "name", v->hosts[h].name, "state",
                                               hostStateName(v->hosts[h].state), "enabled",
                                               v->hosts[h].enabled));
    for (int i = 0; i < v->nvms; i++) {
        const Vm *vm = &v->vms[i];
        int at = vm->target >= 0 ? vm->target : vm->host; /* it lands while we are away */
        json_array_append_new(vms,
                              json_pack("{s:s, s:s}", "name", vm->name, "host", v->hosts[at].name));
    }
    json_t *o = json_pack("{s:o, s:o}", "hosts", hosts, "vms", vms);
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", d->cfg.simState);
    int rc = json_dump_file(o, tmp, JSON_COMPACT);
    json_decref(o);
    if (rc != 0 || rename(tmp, d->cfg.simState) != 0)
        return ERR("cannot write the simulated cloud's state to '%s'", d->cfg.simState);
    return 0;
}

static int simStateLoad(Daemon *d) {
    FILE *f = fopen(d->cfg.simState, "r");
    if (!f) return 0; /* the first run */
    json_error_t e;
    json_t *o = json_loadf(f, 0, &e);
    fclose(f);
    if (!o) return ERR("%s:%d: %s", d->cfg.simState, e.line, e.text);
    const CloudView *v = &d->cloud->view;
    int *vmHost = xmalloc(((size_t)v->nvms + 1) * sizeof(int));
    HostPowerState *state = xmalloc(((size_t)v->nhosts + 1) * sizeof(HostPowerState));
    bool *enabled = xmalloc(((size_t)v->nhosts + 1) * sizeof(bool));
    int rc = 0;
    json_t *hosts = json_object_get(o, "hosts"), *vms = json_object_get(o, "vms");
    if (json_array_size(hosts) != (size_t)v->nhosts || json_array_size(vms) != (size_t)v->nvms)
        rc = ERR("%s: %zu hosts and %zu VMs, but the scenario has %d and %d", d->cfg.simState,
                 json_array_size(hosts), json_array_size(vms), v->nhosts, v->nvms);
    for (int h = 0; rc == 0 && h < v->nhosts; h++) {
        json_t *x = json_array_get(hosts, (size_t)h);
        const char *st = json_string_value(json_object_get(x, "state"));
        int k = 0;
        while (k < 4 && (!st || strcmp(st, hostStateName((HostPowerState)k)) != 0))
            k++;
        if (k == 4) rc = ERR("%s: hosts[%d].state: not a host state", d->cfg.simState, h);
        state[h] = (HostPowerState)k;
        enabled[h] = json_is_true(json_object_get(x, "enabled"));
    }
    for (int i = 0; rc == 0 && i < v->nvms; i++) {
        const char *at = json_string_value(json_object_get(json_array_get(vms, (size_t)i), "host"));
        vmHost[i] = at ? cloudHostIndex(d->cloud, at) : -1;
        if (vmHost[i] < 0) rc = ERR("%s: vms[%d].host: no such host", d->cfg.simState, i);
    }
    if (rc == 0) rc = simRestore(d->cloud, vmHost, state, enabled);
    json_decref(o);
    free(vmHost);
    free(state);
    free(enabled);
    return rc;
}

bool daemonPlanWaiting(const Daemon *d) {
    return d->cfg.mode == MODE_MANUAL && !d->ctl->applied && d->ctl->plan.n > 0;
}

static int checkWaiting(const Daemon *d, long planId, bool *stale) {
    *stale = true;
    const Plan *p = &d->ctl->plan;
    if (d->cfg.mode != MODE_MANUAL)
        return ERR("the daemon runs in %s mode: plans are not waiting for approval",
                   daemonModeName(d->cfg.mode));
    if (planId != p->id)
        return ERR("plan %ld is not the current plan (%ld): it was replaced", planId, p->id);
    if (d->ctl->applied) return ERR("plan %ld was already applied or discarded", planId);
    *stale = false;
    return 0;
}

int daemonApply(Daemon *d, long planId, bool *stale) {
    if (checkWaiting(d, planId, stale) != 0) return -1;
    if (ctlApply(d->ctl, d->cloud) != 0) return -1;
    recordPlanEvents(d, d->simTime);
    if (d->real) {
        growArrays(d); /* the apply refreshed the view */
        logPlan(d);
    }
    return 0;
}

int daemonDiscard(Daemon *d, long planId, bool *stale) {
    if (checkWaiting(d, planId, stale) != 0) return -1;
    ctlDiscard(d->ctl);
    return 0;
}

static double auditClock(const Daemon *d) {
    return d->rec ? recorderClock(d->rec, d->simTime) : d->wallStart + d->simTime;
}

/* The controller's audit hook (controller.h). */
static int onAudit(void *arg, const Plan *plan, size_t i, AuditPhase phase, double seconds) {
    Daemon *d = arg;
    const CloudView *v = &d->cloud->view;
    if (phase == AUDIT_INTENT)
        return auditIntent(d->audit, v, plan, i, daemonModeName(d->cfg.mode), auditClock(d));
    /* The simulated cloud keeps what was done, as a real one does. */
    if (simStateSave(d) != 0) fprintf(stderr, "geyser serve: %s\n", errLast());
    /* Fault injection for the crash test (tests/cli/serve_crash.sh): die
     * as kill -9 would, after an action ran and before its outcome is
     * recorded, the window reconciliation exists for. */
    const Action *a = &plan->actions[i];
    if (a->outcome != OUTCOME_REFUSED && (d->killType < 0 || (int)a->type == d->killType) &&
        ++d->auditedRuns == d->killBeforeOutcome)
        raise(SIGKILL);
    if (auditOutcome(d->audit, v, plan, i, seconds, auditClock(d)) != 0)
        fprintf(stderr, "geyser serve: %s\n", errLast()); /* the action ran: go on */
    return 0;
}

/* "N" (the Nth action run) or "TYPE:N" (the Nth of that type, such as
 * power_off:1), for the crash test. */
static int parseKillHook(Daemon *d, const char *spec) {
    d->killType = -1;
    if (!spec) return 0;
    const char *colon = strchr(spec, ':'), *n = colon ? colon + 1 : spec;
    if (colon) {
        for (int t = ACT_MIGRATE; t <= ACT_POWER_ON && d->killType < 0; t++)
            if (strncmp(spec, actionTypeName((ActionType)t), (size_t)(colon - spec)) == 0 &&
                strlen(actionTypeName((ActionType)t)) == (size_t)(colon - spec))
                d->killType = t;
        if (d->killType < 0)
            return ERR("GEYSER_TEST_KILL_BEFORE_OUTCOME: no action type '%.*s'",
                       (int)(colon - spec), spec);
    }
    if (parseLong(n, &d->killBeforeOutcome) != 0 || d->killBeforeOutcome < 1)
        return ERR("GEYSER_TEST_KILL_BEFORE_OUTCOME: '%s' is not [TYPE:]N", spec);
    return 0;
}

/* With a store: settle what a previous run left half done, and resume its
 * plan ids, before the first plan (audit.h). */
static int reconcileAtStart(Daemon *d) {
    double t = auditClock(d);
    if (auditReconcile(d->audit, d->cloud, t, &d->reconciled) != 0) return -1;
    if (d->reconciled.maxPlan >= d->ctl->nextPlanId) d->ctl->nextPlanId = d->reconciled.maxPlan + 1;
    if (d->reconciled.restored)
        fprintf(stderr,
                "geyser serve: %ld host(s) disabled again by geyser, as the audit log left "
                "them\n",
                d->reconciled.restored);
    if (d->reconciled.pending || d->reconciled.retracked)
        fprintf(stderr,
                "geyser serve: reconciled %ld action(s) left without outcome (%ld done, %ld "
                "abandoned); %ld host(s) tracked again as disabled by geyser\n",
                d->reconciled.pending, d->reconciled.done, d->reconciled.abandoned,
                d->reconciled.retracked);
    /* Without a store nothing remembers which hosts geyser disabled. */
    if (!d->rec && d->cloud->drv->volatileMarks)
        fprintf(stderr,
                "geyser serve: no --store: the hosts geyser disables on this %s "
                "cloud are enabled again after a restart\n",
                d->cloud->drv->name);
    return 0;
}

static long onTick(Loop *l, void *arg) {
    (void)l;
    Daemon *d = arg;
    /* A real cloud's clock is the wall's: the time a slow refresh took
     * counts. */
    double dt =
        d->real ? (loopNowMs() - d->startedMs) / 1000.0 - d->simTime : d->cfg.tickMs / 1000.0;
    if (daemonTick(d, dt) != 0) {
        errPrefix("controller tick");
        return -1;
    }
    if (d->cfg.runForS > 0 && loopNowMs() - d->startedMs >= (long long)(d->cfg.runForS * 1000))
        return -1;
    return d->cfg.tickMs;
}

/* How many VMs a real cloud's history keeps room for beyond those it has
 * at start: a backend appends the VMs it discovers. */
enum { REAL_VM_HEADROOM = 256 };

Daemon *daemonCreate(const DaemonConfig *cfg, Scenario *sc) {
    Daemon *d = xcalloc(1, sizeof(*d));
    d->cfg = *cfg;
    d->sc = sc;
    d->real = cfg->realCloud != NULL;
    d->cloud = cfg->realCloud; /* owned from here on */
    d->startedMs = loopNowMs();
    SimConfig simCfg = simConfigDefaults();
    simCfg.replay = true;
    CtlConfig ctlCfg = cfg->ctl;
    d->loop = loopCreate();
    if (!d->loop) goto fail;
    const char *policyName = cfg->policy ? cfg->policy : d->real ? "paper" : sc->defaultPolicy;
    Policy *policy = policyCreate(policyName, &ctlCfg);
    if (!policy) goto fail;
    d->ctl = ctlCreate(policy, &ctlCfg);
    if (d->real) {
        d->intervalS = cfg->intervalS > 0 ? cfg->intervalS : 300;
        d->cfg.speed = 1;
        /* The first plan after one interval: a backend that measures
         * utilization as a counter's delta (libvirt) needs two reads. */
        d->nextControl = d->intervalS;
    } else {
        d->intervalS = sc->intervalS;
        d->cloud = simCloudCreate(sc->hosts, sc->nhosts, sc->vms, sc->nvms, sc->wl, &simCfg);
        if (!d->cloud) goto fail;
        d->shadow = simCloudCreate(sc->hosts, sc->nhosts, sc->vms, sc->nvms, sc->wl, &simCfg);
        if (!d->shadow) goto fail;
    }
    d->migrationMBps = simCfg.linkMBps;
    d->cfg.energy.speed = d->cfg.speed;
    d->energy = energyHookCreate(&d->cfg.energy);
    if (!d->energy) goto fail;
    const CloudView *v0 = &d->cloud->view;
    d->hist = histCreate(v0->nhosts, v0->nvms + (d->real ? REAL_VM_HEADROOM : 0));
    d->energy->hist = d->hist; /* re-plans are events */
    growArrays(d);
    if (d->real) {
        /* The history's frames are read up to its own VM count. */
        growZero((void **)&d->frVmUtil, sizeof(float), (size_t)d->capVms,
                 (size_t)v0->nvms + REAL_VM_HEADROOM);
        growZero((void **)&d->frVmPower, sizeof(float), (size_t)d->capVms,
                 (size_t)v0->nvms + REAL_VM_HEADROOM);
        estimatePower(d);
    }
    HttpConfig httpCfg = {.listen = cfg->listen,
                          .tlsCert = cfg->tlsCert,
                          .tlsKey = cfg->tlsKey,
                          .tokenFile = cfg->tokenFile};
    if (cfg->store && !(d->rec = recorderCreate(cfg->store, d))) goto fail;
    d->wallStart = meterWallClock();
    d->audit = auditCreate(d->rec ? recorderStore(d->rec) : NULL);
    d->ctl->audit = onAudit;
    d->ctl->auditArg = d;
    if (parseKillHook(d, getenv("GEYSER_TEST_KILL_BEFORE_OUTCOME")) != 0) goto fail;
    if (cfg->simState && simStateLoad(d) != 0) {
        errPrefix("--sim-state");
        goto fail;
    }
    if (cfg->meters && !d->real) {
        ERR("--meters needs a real cloud (--os-cloud, --openstack or --libvirt): the simulated "
            "cloud's power is simulated");
        goto fail;
    }
    if (cfg->meters && !(d->meters = daemonMetersOpen(cfg->meters, cfg->store, &d->cloud->view)))
        goto fail;
    if (reconcileAtStart(d) != 0) goto fail;
    d->http = httpStart(d->loop, &httpCfg);
    if (!d->http || apiRegister(d) != 0) goto fail;
    return d;
fail:
    daemonFree(d);
    return NULL;
}

int daemonRun(Daemon *d) {
    if (!d->real) d->startedMs = loopNowMs(); /* a real cloud's clock started at creation */
    if (d->meters && daemonMetersStart(d->meters) != 0) return -1;
    loopAddTimer(d->loop, 0, onTick, d);
    energyHookStart(d->energy, d->loop, &d->simTime);
    return loopRun(d->loop);
}

void daemonFree(Daemon *d) {
    if (!d) return;
    httpStop(d->http);
    daemonMetersFree(d->meters); /* before the recorder: a store each */
    auditFree(d->audit);
    recorderFree(d->rec);
    loopFree(d->loop);
    ctlFree(d->ctl);
    energyHookFree(d->energy);
    cloudClose(d->cloud);
    cloudClose(d->shadow);
    utilFileFree(d->cfg.util);
    free(d->hostEnergyJ);
    free(d->powerMeter);
    free(d->powerSource);
    free(d->prevState);
    free(d->prevEnabled);
    free(d->prevFailed);
    histFree(d->hist);
    free(d->frHostPower);
    free(d->frHostUtil);
    free(d->frHostState);
    free(d->overloaded);
    free(d->frVmUtil);
    free(d->frVmPower);
    free(d->vmEnergyPrev);
    scenarioFree(d->sc);
    free(d->vmEnergyJ);
    free(d->overheadJ);
    free(d->hostEnergySeen);
    free(d);
}
