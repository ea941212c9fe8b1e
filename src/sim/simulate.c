/* simulate.c - run a scenario through the controller and measure it. */
#include "simulate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cloudsim.h"
#include "controller.h"
#include "err.h"
#include "util.h"

#define J_PER_KWH 3.6e6

/* ---- lower bound ---- */

typedef struct TypeCount {
    const ServerType *type;
    int count;
} TypeCount;

/* Marginal cost of running a host at full load instead of leaving it off,
 * per unit of capacity: the order in which the bound fills hosts. */
static double fullCostPerCpu(const ServerType *t) {
    return (powerAt(&t->power, 1) - t->offW) / serverTypeCapacity(t);
}

static int cmpTypeCost(const void *a, const void *b) {
    double x = fullCostPerCpu(((const TypeCount *)a)->type);
    double y = fullCostPerCpu(((const TypeCount *)b)->type);
    return x < y ? -1 : x > y;
}

static int countTypes(const Scenario *sc, TypeCount *out, int max) {
    int n = 0;
    for (int h = 0; h < sc->nhosts; h++) {
        int k = 0;
        while (k < n && out[k].type != sc->hosts[h].type)
            k++;
        if (k == n) {
            if (n == max) continue;
            out[n++] = (TypeCount){sc->hosts[h].type, 0};
        }
        out[k].count++;
    }
    qsort(out, (size_t)n, sizeof(TypeCount), cmpTypeCost);
    return n;
}

/* The remainder goes to whichever unused host serves it most cheaply.
 * Returns its type index, or -1 when no single unused host can. */
static int remainderHost(const TypeCount *tc, const int *used, int n, double rem, double *cost) {
    int best = -1;
    for (int k = 0; k < n; k++) {
        double cap = serverTypeCapacity(tc[k].type);
        if (used[k] >= tc[k].count || cap < rem) continue;
        double c = powerAt(&tc[k].type->power, rem / cap) - tc[k].type->offW;
        if (best < 0 || c < *cost) best = k, *cost = c;
    }
    return best;
}

/* Hosts switched on only for their memory run idle: add the cheapest idle
 * watts per MB until the memory asked for is there. */
static double addHostsForRam(const TypeCount *tc, int *used, int n, double ramShort) {
    double power = 0;
    while (ramShort > 1e-9) {
        int best = -1;
        double bestCost = 0;
        for (int k = 0; k < n; k++) {
            if (used[k] >= tc[k].count) continue;
            double c = (powerAt(&tc[k].type->power, 0) - tc[k].type->offW) / tc[k].type->ramMb;
            if (best < 0 || c < bestCost) best = k, bestCost = c;
        }
        if (best < 0) break;
        used[best]++;
        power += powerAt(&tc[best].type->power, 0) - tc[best].type->offW;
        ramShort -= tc[best].type->ramMb;
    }
    return power;
}

double lowerBoundPower(const Scenario *sc, double demand, double ramMb) {
    TypeCount tc[64] = {{0}};
    int used[64] = {0};
    int n = countTypes(sc, tc, 64);
    double power = 0, ramOn = 0;
    for (int k = 0; k < n; k++)
        power += tc[k].count * tc[k].type->offW;
    double rem = demand;
    for (int k = 0; k < n && rem > 1e-9; k++) {
        double cap = serverTypeCapacity(tc[k].type);
        int full = (int)fmin(tc[k].count, floor(rem / cap));
        power += full * (powerAt(&tc[k].type->power, 1) - tc[k].type->offW);
        used[k] = full;
        ramOn += full * tc[k].type->ramMb;
        rem -= full * cap;
        if (rem <= 1e-9) break;
        double cost = 0;
        int r = remainderHost(tc, used, n, rem, &cost);
        if (r >= 0) {
            power += cost;
            used[r]++;
            ramOn += tc[r].type->ramMb;
            rem = 0;
        }
    }
    return power + addHostsForRam(tc, used, n, ramMb - ramOn);
}

/* The bound under CloudSim's accounting, where an idle host costs nothing
 * and RAM does not limit placement: the demand on the hosts with the least
 * power per unit of capacity at full load, the remainder on the host that
 * serves it most cheaply. */
static int cmpFullPower(const void *a, const void *b) {
    const ServerType *x = ((const TypeCount *)a)->type, *y = ((const TypeCount *)b)->type;
    double ex = powerAt(&x->power, 1) / serverTypeCapacity(x);
    double ey = powerAt(&y->power, 1) / serverTypeCapacity(y);
    return ex < ey ? -1 : ex > ey;
}

static double cloudsimBoundPower(const Scenario *sc, double demand) {
    TypeCount tc[64] = {{0}};
    int n = countTypes(sc, tc, 64);
    qsort(tc, (size_t)n, sizeof(TypeCount), cmpFullPower);
    double power = 0, rem = demand;
    for (int k = 0; k < n && rem > 1e-9; k++) {
        double cap = serverTypeCapacity(tc[k].type);
        int full = (int)fmin(tc[k].count, floor(rem / cap));
        power += full * powerAt(&tc[k].type->power, 1);
        rem -= full * cap;
        tc[k].count -= full;
    }
    if (rem > 1e-9) {
        double best = -1;
        for (int k = 0; k < n; k++) {
            double cap = serverTypeCapacity(tc[k].type);
            if (tc[k].count < 1 || cap < rem) continue;
            double p = powerAt(&tc[k].type->power, rem / cap);
            if (best < 0 || p < best) best = p;
        }
        power += best > 0 ? best : 0;
    }
    return power;
}

/* ---- the run ---- */

static const ScenarioPhase *phaseAt(const Scenario *sc, double t) {
    for (int i = 0; i < sc->nphases; i++)
        if (t >= sc->phases[i].startS && t < sc->phases[i].endS) return &sc->phases[i];
    return NULL;
}

static Cloud *makeCloudWith(const Scenario *sc, const SimOptions *o, const SimVmSpec *vms) {
    SimConfig cfg = o->simSet ? o->sim : simConfigDefaults();
    Cloud *c = simCloudCreate(sc->hosts, sc->nhosts, vms, sc->nvms, sc->wl, &cfg);
    if (!c) errPrefix("scenario %s", sc->name);
    return c;
}

static Cloud *makeCloud(const Scenario *sc, const SimOptions *o) {
    return makeCloudWith(sc, o, sc->vms);
}

static double totalDemand(const CloudView *v) {
    double d = 0;
    for (int i = 0; i < v->nvms; i++)
        d += v->vms[i].util * v->vms[i].cpu;
    return d;
}

static double totalRam(const CloudView *v) {
    double r = 0;
    for (int i = 0; i < v->nvms; i++)
        r += v->vms[i].ramMb;
    return r;
}

static double totalCapacity(const CloudView *v) {
    double c = 0;
    for (int h = 0; h < v->nhosts; h++)
        c += v->hosts[h].capacity;
    return c;
}

static void countStates(const CloudView *v, int counts[4]) {
    memset(counts, 0, 4 * sizeof(int));
    for (int h = 0; h < v->nhosts; h++)
        counts[v->hosts[h].state]++;
}

/* No power management: the same cloud, nothing acts. */
static double runBaseline(const Scenario *sc, const SimOptions *o, int steps, double dt) {
    Cloud *c = makeCloud(sc, o);
    if (!c) return -1;
    for (int k = 0; k < steps; k++) {
        simSetTime(c, k * dt);
        simAdvance(c, (k + 1) * dt);
    }
    double e = simTotals(c)->energyJ;
    cloudClose(c);
    return e;
}

/* CloudSim's NonPowerAware: every host at its maximum power from the first
 * update to the last tick. */
static double nonPowerAware(const Scenario *sc, int steps, double dt) {
    double w = 0;
    for (int h = 0; h < sc->nhosts; h++)
        w += powerAt(&sc->hosts[h].type->power, 1);
    return w * (steps - 1) * dt;
}

/* What CloudSim does not have: a migration limit, cooldowns, headroom,
 * hosts kept on, powering hosts off and on (an idle host costs nothing
 * there), and a placement limit below 100 % outside the policy's own. */
static void cloudsimLimits(CtlConfig *cfg) {
    cfg->high = 1;
    cfg->headroom = 0;
    cfg->maxParallelMigrations = 0;
    cfg->minHostsOn = 0;
    cfg->cooldownS = 0;
    cfg->allowPowerOff = false;
    cfg->allowPowerOn = false;
}

static void timelineHeader(FILE *f) {
    fprintf(f, "time_s,hosts_on,hosts_booting,hosts_shutting_down,hosts_off,power_w,"
               "lower_bound_w,demand_pct,migrations,energy_kwh\n");
}

typedef struct StepRecord {
    double t, dt, powerW, lowerW, demandPct, energyKwh;
    int states[4];
    long migrations;
} StepRecord;

static void timelineRow(FILE *f, const StepRecord *s) {
    fprintf(f, "%.0f,%d,%d,%d,%d,%.2f,%.2f,%.3f,%ld,%.6f\n", s->t, s->states[HOST_ON],
            s->states[HOST_BOOTING], s->states[HOST_SHUTTING_DOWN], s->states[HOST_OFF], s->powerW,
            s->lowerW, s->demandPct, s->migrations, s->energyKwh);
}

static void phaseAccount(SimResult *r, const Scenario *sc, const StepRecord *s) {
    for (int i = 0; i < sc->nphases; i++) {
        if (s->t < sc->phases[i].startS || s->t >= sc->phases[i].endS) continue;
        PhaseResult *p = &r->phases[i];
        p->durationS += s->dt;
        p->energyJ += s->powerW * s->dt;
        p->avgHostsOn +=
            (s->states[HOST_ON] + s->states[HOST_BOOTING] + s->states[HOST_SHUTTING_DOWN]) * s->dt;
    }
}

static void phasesFinish(SimResult *r, const Scenario *sc) {
    r->nphases = sc->nphases;
    for (int i = 0; i < sc->nphases; i++) {
        PhaseResult *p = &r->phases[i];
        snprintf(p->name, sizeof(p->name), "%s", sc->phases[i].name);
        if (p->durationS > 0) {
            p->avgPowerW = p->energyJ / p->durationS;
            p->avgHostsOn /= p->durationS;
        }
    }
}

static void applyPhase(Controller *ctl, const CtlConfig *base, const ScenarioPhase *p) {
    ctl->cfg.allowMigrate = base->allowMigrate && (!p || p->allowMigrate);
    ctl->cfg.allowPowerOff = base->allowPowerOff && (!p || p->allowPowerOff);
    ctl->cfg.allowPowerOn = base->allowPowerOn && (!p || p->allowPowerOn);
}

static void fillMetrics(SimResult *r, const SimTotals *tot, const Controller *ctl) {
    r->energyKwh = tot->energyJ / J_PER_KWH;
    r->migrations = tot->migrationsStarted;
    r->hostShutdowns = tot->shutdowns;
    r->hostBoots = tot->boots;
    double slatah = tot->activeHostS > 0 ? tot->saturatedHostS / tot->activeHostS : 0;
    double pdm = tot->requestedCpuS > 0 ? tot->migrationLossCpuS / tot->requestedCpuS : 0;
    r->slatahPct = 100 * slatah;
    r->pdmPct = 100 * pdm;
    r->slav = slatah * pdm;
    r->overloadPct = tot->requestedCpuS > 0 ? 100 * tot->unservedCpuS / tot->requestedCpuS : 0;
    r->refused = ctl->stats.refused;
    r->failed = ctl->stats.failed;
    r->vmsFinished = tot->vmsFinished;
}

static void notePlanProblems(SimResult *r, const Controller *ctl, const CloudView *v) {
    for (size_t i = 0; i < ctl->plan.n; i++) {
        const Action *a = &ctl->plan.actions[i];
        if (a->outcome != OUTCOME_REFUSED && a->outcome != OUTCOME_FAILED) continue;
        snprintf(r->lastProblem, sizeof(r->lastProblem), "t=%.0f s %s %s on %s: %s", v->now,
                 actionOutcomeName(a->outcome), actionTypeName(a->type),
                 a->host >= 0 && a->host < v->nhosts ? v->hosts[a->host].name : "?", a->detail);
    }
}

static int runManaged(const Scenario *sc, const SimOptions *o, const SimVmSpec *vms,
                      Controller *ctl, int steps, double dt, SimResult *r, double *lowerJ,
                      EnergyRun *er) {
    Cloud *c = makeCloudWith(sc, o, vms);
    if (!c) return -1;
    CtlConfig base = ctl->cfg;
    double capacity = totalCapacity(&c->view), ram = totalRam(&c->view), prevE = 0;
    long prevMig = 0;
    if (o->timeline) timelineHeader(o->timeline);
    for (int k = 0; k < steps; k++) {
        double t = k * dt;
        simSetTime(c, t);
        applyPhase(ctl, &base, phaseAt(sc, t));
        double demand = totalDemand(&c->view);
        if (er) ctl->capW = energyRunCapW(er, t, dt);
        /* CloudSim does not optimize at the instant the VMs are submitted. */
        bool skip = ctl->cfg.cloudsim && k == 0;
        if (!skip && ctlTick(ctl, c, true) != 0) {
            cloudClose(c);
            return -1;
        }
        notePlanProblems(r, ctl, &c->view);
        simAdvance(c, t + dt);
        const SimTotals *tot = simTotals(c);
        StepRecord s = {.t = t,
                        .dt = dt,
                        .powerW = (tot->energyJ - prevE) / dt,
                        .lowerW = ctl->cfg.cloudsim ? cloudsimBoundPower(sc, demand)
                                                    : lowerBoundPower(sc, demand, ram),
                        .demandPct = capacity > 0 ? 100 * demand / capacity : 0,
                        .energyKwh = tot->energyJ / J_PER_KWH,
                        .migrations = tot->migrationsStarted - prevMig};
        countStates(&c->view, s.states);
        if (er) energyRunStep(er, t, dt, s.powerW);
        /* CloudSim charges neither the first interval nor the last. */
        if (!ctl->cfg.cloudsim || (k > 0 && k < steps - 1)) *lowerJ += s.lowerW * dt;
        phaseAccount(r, sc, &s);
        if (o->timeline) timelineRow(o->timeline, &s);
        prevE = tot->energyJ;
        prevMig = tot->migrationsStarted;
        if (o->progress) o->progress(o->progressArg, (double)(k + 1) / steps);
    }
    fillMetrics(r, simTotals(c), ctl);
    cloudClose(c);
    return 0;
}

/* The interactive load alone under the same policy, no caps: the forecast
 * the job planner sees (exact, since the traces are known). */
static int forecastRun(const Scenario *sc, const SimOptions *o, const char *spec, int steps,
                       double dt, double *powerW, double *demand) {
    CtlConfig cfg = o->ctlSet ? o->ctl : ctlConfigDefaults();
    Policy *policy = policyCreate(spec, &cfg);
    if (!policy) return -1;
    Controller *ctl = ctlCreate(policy, &cfg);
    Cloud *c = makeCloud(sc, o);
    int rc = c ? 0 : -1;
    double prevE = 0;
    for (int k = 0; k < steps && rc == 0; k++) {
        simSetTime(c, k * dt);
        applyPhase(ctl, &cfg, phaseAt(sc, k * dt));
        demand[k] = totalDemand(&c->view);
        rc = ctlTick(ctl, c, true);
        simAdvance(c, (k + 1) * dt);
        powerW[k] = (simTotals(c)->energyJ - prevE) / dt;
        prevE = simTotals(c)->energyJ;
    }
    if (c) cloudClose(c);
    ctlFree(ctl);
    return rc;
}

/* Plan the deferrable jobs for this run's objective. */
static EnergyRun *energyPlan(const Scenario *sc, const SimOptions *o, const char *policy,
                             bool shift, ShiftObjective obj, const CtlConfig *cfg, int steps,
                             double dt) {
    double *powerW = xcalloc((size_t)steps, sizeof(double));
    double *demand = xcalloc((size_t)steps, sizeof(double));
    EnergyRun *er = NULL;
    if (forecastRun(sc, o, policy, steps, dt, powerW, demand) == 0) {
        double capacity = 0, cores = 0;
        for (int h = 0; h < sc->nhosts; h++) {
            capacity += serverTypeCapacity(sc->hosts[h].type);
            cores += sc->hosts[h].type->cores;
        }
        er = energyRunPlan(o->energy, shift, obj, powerW, demand, steps, dt, cfg->high * capacity,
                           cores > 0 ? capacity / cores : 1);
    }
    free(powerW);
    free(demand);
    return er;
}

int simulateRun(const Scenario *sc, const SimOptions *o, SimResult *r) {
    double t0 = nowMonotonic();
    memset(r, 0, sizeof(*r));
    CtlConfig cfg = o->ctlSet ? o->ctl : ctlConfigDefaults();
    const char *spec = o->policy ? o->policy : sc->defaultPolicy;
    char policySpec[128];
    bool shift = false;
    ShiftObjective obj = SHIFT_COST;
    if (energySplitSpec(spec, policySpec, sizeof(policySpec), &shift, &obj) != 0) return -1;
    if (shift && !o->energy)
        return ERR("policy '%s' names an energy objective: it needs --signals DIR and --jobs FILE",
                   spec);
    bool cloudsim = o->simSet && o->sim.cloudsim;
    if (cloudsim && o->energy)
        return ERR("the CloudSim compatibility mode has no energy signals or deferrable jobs");
    cfg.cloudsim = cloudsim;
    Policy *policy = policyCreate(policySpec, &cfg);
    if (!policy) return -1;
    if (cloudsim) cloudsimLimits(&cfg);
    double dt = o->intervalS > 0 ? o->intervalS : sc->intervalS;
    int steps = (int)ceil(sc->durationS / dt - 1e-9);
    EnergyRun *er = NULL;
    if (o->energy && !(er = energyPlan(sc, o, policySpec, shift, obj, &cfg, steps, dt))) {
        policyFree(policy);
        return -1;
    }
    Controller *ctl = ctlCreate(policy, &cfg);
    snprintf(r->scenario, sizeof(r->scenario), "%s", sc->name);
    snprintf(r->policy, sizeof(r->policy), "%s", spec);
    r->hosts = sc->nhosts;
    r->vms = sc->nvms;
    r->cloudsim = cloudsim;
    r->steps = steps;
    r->intervalS = dt;
    r->durationS = steps * dt;

    double lowerJ = 0;
    SimVmSpec *vms = sc->vms;
    int rc = 0;
    if (cloudsim) {
        vms = xmalloc((size_t)(sc->nvms ? sc->nvms : 1) * sizeof(SimVmSpec));
        memcpy(vms, sc->vms, (size_t)sc->nvms * sizeof(SimVmSpec));
        /* NonPowerAware and Dvfs place first fit; the migration policies
         * with PABFD. */
        rc = csPlaceInitial(sc->hosts, sc->nhosts, vms, sc->nvms,
                            strcmp(policy->drv->name, "none") == 0);
        if (rc != 0) errPrefix("scenario %s", sc->name);
    }
    if (rc == 0) rc = runManaged(sc, o, vms, ctl, steps, dt, r, &lowerJ, er);
    if (vms != sc->vms) free(vms);
    ctlFree(ctl);
    if (er && rc == 0) energyRunFinish(er, &r->energy);
    energyRunFree(er);
    if (rc != 0) return -1;
    double baseJ = cloudsim ? nonPowerAware(sc, steps, dt) : runBaseline(sc, o, steps, dt);
    if (baseJ < 0) return -1;
    r->baselineKwh = baseJ / J_PER_KWH;
    r->lowerBoundKwh = lowerJ / J_PER_KWH;
    phasesFinish(r, sc);
    if (sc->savingFrom >= 0 && r->phases[sc->savingFrom].avgPowerW > 0)
        r->savingPct =
            100 * (1 - r->phases[sc->savingTo].avgPowerW / r->phases[sc->savingFrom].avgPowerW);
    else if (r->baselineKwh > 0)
        r->savingPct = 100 * (1 - r->energyKwh / r->baselineKwh);
    r->runtimeS = nowMonotonic() - t0;
    return 0;
}
