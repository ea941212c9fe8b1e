/* energyrun.c - deferrable jobs, caps and energy accounting in a
 * simulation (see energyrun.h). */
#include "energyrun.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

#define CAP_TOLERANCE 1e-6 /* relative: float noise on a cap that is just met */

struct EnergyRun {
    const EnergySetup *e;
    bool shift;
    ShiftObjective obj;
    double dt;
    double *starts, *refStarts;
    int *site;
    double transferKwh;
    EnergyTotals transfer; /* cost and CO2 of moving data */
    EnergyResult res;
    double capFirstOk[ENERGY_MAX_CAPS]; /* start of the run of steps under the cap, or -1 */
};

void energySetupFree(EnergySetup *e) {
    if (!e) return;
    signalSetFree(&e->sig);
    free(e->jobs);
    for (int i = 0; i < e->nsites; i++)
        signalSetFree(&e->sites[i].sig);
    memset(e, 0, sizeof(*e));
}

int energySetupLoad(EnergySetup *e, const char *signalsDir, const char *jobsFile,
                    const char *sitesFile) {
    memset(e, 0, sizeof(*e));
    e->slotS = 3600;
    if (signalLoadDir(signalsDir, 0, &e->sig) != 0) return -1;
    if (jobsFile) {
        e->njobs = shiftLoadJobs(jobsFile, &e->jobs);
        if (e->njobs < 0) {
            energySetupFree(e);
            return -1;
        }
    }
    if (sitesFile && energyLoadSites(e, sitesFile) != 0) {
        energySetupFree(e);
        return -1;
    }
    return 0;
}

static int parseSite(char *line, const char *path, int lineNo, EnergySite *s) {
    char *f[6], *save = NULL;
    int n = 0;
    for (char *t = strtok_r(line, ",", &save); t && n < 6; t = strtok_r(NULL, ",", &save))
        f[n++] = strTrim(t);
    if (n != 5)
        return ERR("%s:%d: expected name,signals,batch_cpu,bandwidth_mbit,transfer_kwh_per_gb",
                   path, lineNo);
    snprintf(s->name, sizeof(s->name), "%s", f[0]);
    if (parseDouble(f[2], &s->batchCpu) != 0 || s->batchCpu < 0)
        return ERR("%s:%d: batch_cpu must be a non-negative number", path, lineNo);
    if (parseDouble(f[3], &s->bandwidthMbit) != 0 || !(s->bandwidthMbit > 0))
        return ERR("%s:%d: bandwidth_mbit must be a positive number", path, lineNo);
    if (parseDouble(f[4], &s->transferKwhPerGb) != 0 || s->transferKwhPerGb < 0)
        return ERR("%s:%d: transfer_kwh_per_gb must be a non-negative number", path, lineNo);
    char dir[1024], copy[1024];
    snprintf(copy, sizeof(copy), "%s", path);
    if (f[1][0] == '/')
        snprintf(dir, sizeof(dir), "%s", f[1]);
    else
        snprintf(dir, sizeof(dir), "%s/%s", dirname(copy), f[1]);
    if (signalLoadDir(dir, 0, &s->sig) != 0) {
        errPrefix("%s:%d: site %s", path, lineNo, s->name);
        return -1;
    }
    return 0;
}

int energyLoadSites(EnergySetup *e, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return ERR("cannot open %s: %s", path, strerror(errno));
    char line[1024];
    int lineNo = 0, rc = 0;
    bool header = false;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineNo++;
        strTrim(line);
        if (!*line || *line == '#') continue;
        if (!header) {
            header = true;
            if (strcmp(line, "name,signals,batch_cpu,bandwidth_mbit,transfer_kwh_per_gb") != 0)
                rc = ERR("%s:%d: the header must be "
                         "name,signals,batch_cpu,bandwidth_mbit,transfer_kwh_per_gb",
                         path, lineNo);
            continue;
        }
        if (e->nsites == ENERGY_MAX_SITES) {
            rc = ERR("%s:%d: at most %d remote sites", path, lineNo, ENERGY_MAX_SITES);
            break;
        }
        rc = parseSite(line, path, lineNo, &e->sites[e->nsites]);
        if (rc == 0) e->nsites++;
    }
    fclose(f);
    if (rc == 0 && e->nsites == 0) rc = ERR("%s: no sites", path);
    return rc;
}

int energySplitSpec(const char *spec, char *policy, size_t size, bool *shift, ShiftObjective *obj) {
    const char *plus = strchr(spec, '+');
    *shift = plus != NULL;
    size_t len = plus ? (size_t)(plus - spec) : strlen(spec);
    if (len + 1 > size) return ERR("policy spec '%s' is too long", spec);
    memcpy(policy, spec, len);
    policy[len] = '\0';
    if (!plus) return 0;
    const char *o = plus + 1;
    if (strcmp(o, "renewable") == 0) o = "renewable_share";
    if (shiftObjectiveParse(o, obj) != 0) {
        errPrefix("policy spec '%s'", spec);
        return -1;
    }
    return 0;
}

/* ---- planning ---- */

static void homeSlots(const EnergySetup *e, const double *forecastW, const double *demand,
                      int steps, double dt, double capacity, double coreUnit, ShiftSlots *s) {
    int n = (int)ceil(steps * dt / e->slotS - 1e-9);
    shiftSlotsFromSignals(s, &e->sig, 0, e->slotS, n, 0);
    for (int k = 0; k < n; k++) {
        double maxDemand = 0, maxW = 0, sumW = 0;
        int m = 0;
        for (int i = 0; i < steps; i++) {
            if (i * dt < k * e->slotS || i * dt >= (k + 1) * e->slotS) continue;
            maxDemand = fmax(maxDemand, demand[i]);
            maxW = fmax(maxW, forecastW[i]);
            sumW += forecastW[i];
            m++;
        }
        s->freeCpu[k] = (capacity - maxDemand) / coreUnit;
        s->surplusKw[k] -= m ? sumW / m / 1000 : 0;
        if (isfinite(s->roomKw[k])) s->roomKw[k] -= maxW / 1000;
    }
}

static void remoteSlots(const EnergySite *site, const ShiftSlots *home, ShiftSlots *s) {
    shiftSlotsFromSignals(s, &site->sig, home->start, home->slotS, home->n, site->batchCpu);
}

static double transferDelay(const EnergySite *s, const DeferrableJob *j) {
    return j->dataGb * 8000 / s->bandwidthMbit;
}

static double transferCost(const EnergySetup *e, const EnergySite *s, const DeferrableJob *j,
                           ShiftObjective obj) {
    double kwh = j->dataGb * s->transferKwhPerGb, v = 0;
    switch (obj) {
    case SHIFT_COST: signalAt(&e->sig.series[SIGNAL_PRICE], j->release, &v); return kwh * v / 1000;
    case SHIFT_CARBON:
        signalAt(&e->sig.series[SIGNAL_CARBON], j->release, &v);
        return kwh * v / 1000;
    case SHIFT_RENEWABLE_SHARE: return kwh;
    }
    return 0;
}

static int cmpSlack(const void *a, const void *b, void *arg) {
    const DeferrableJob *jobs = arg;
    double x = shiftSlack(&jobs[*(const int *)a]), y = shiftSlack(&jobs[*(const int *)b]);
    return x < y ? -1 : x > y;
}

/* Each job, least slack first, where (site and start) it costs least,
 * the transfer of its data included. */
static int planSites(EnergyRun *r, ShiftSlots *slots) {
    const EnergySetup *e = r->e;
    int *order = xmalloc((size_t)e->njobs * sizeof(int));
    for (int i = 0; i < e->njobs; i++)
        order[i] = i;
    qsort_r(order, (size_t)e->njobs, sizeof(int), cmpSlack, e->jobs);
    int rc = 0;
    for (int k = 0; k < e->njobs && rc == 0; k++) {
        const DeferrableJob *j = &e->jobs[order[k]];
        double best = INFINITY, c;
        int bestSite = -1, bestAt = -1;
        for (int s = 0; s <= (j->pinned ? 0 : e->nsites); s++) {
            DeferrableJob moved = *j;
            double extra = 0;
            if (s > 0) {
                moved.release += transferDelay(&e->sites[s - 1], j);
                if (moved.deadline - moved.release < moved.duration) continue;
                extra = transferCost(e, &e->sites[s - 1], j, r->obj);
            }
            int at = shiftBestStart(&moved, &slots[s], r->obj, &c);
            if (at >= 0 && c + extra < best - 1e-12) best = c + extra, bestSite = s, bestAt = at;
        }
        if (bestSite < 0) {
            rc = ERR("job %s cannot meet its deadline at any site", j->name);
            break;
        }
        shiftOccupy(j, &slots[bestSite], bestAt);
        r->starts[order[k]] = slots[bestSite].start + bestAt * slots[bestSite].slotS;
        r->site[order[k]] = bestSite;
    }
    free(order);
    return rc;
}

static void countTransfers(EnergyRun *r) {
    const EnergySetup *e = r->e;
    for (int i = 0; i < e->njobs; i++) {
        if (r->site[i] == 0) continue;
        const DeferrableJob *j = &e->jobs[i];
        double kwh = j->dataGb * e->sites[r->site[i] - 1].transferKwhPerGb, price = 0, co2 = 0;
        signalAt(&e->sig.series[SIGNAL_PRICE], j->release, &price);
        signalAt(&e->sig.series[SIGNAL_CARBON], j->release, &co2);
        r->res.jobsMoved++;
        r->transfer.energyKwh += kwh;
        r->transfer.costEur += kwh * price / 1000;
        r->transfer.co2Kg += kwh * co2 / 1000;
        r->transfer.nonRenewableKwh += kwh;
    }
}

static void initCaps(EnergyRun *r) {
    const SignalSet *sig = &r->e->sig;
    for (int c = 0; c < sig->ncaps && r->res.ncaps < ENERGY_MAX_CAPS; c++) {
        CapResult *cr = &r->res.caps[r->res.ncaps++];
        cr->start = sig->caps[c].start;
        cr->end = sig->caps[c].end;
        cr->capKw = sig->caps[c].capKw;
        cr->metAfterS = -1;
        r->capFirstOk[r->res.ncaps - 1] = -1;
    }
}

EnergyRun *energyRunPlan(const EnergySetup *e, bool shift, ShiftObjective obj,
                         const double *forecastW, const double *demand, int steps, double dt,
                         double capacity, double coreUnit) {
    EnergyRun *r = xcalloc(1, sizeof(*r));
    size_t nj = (size_t)(e->njobs ? e->njobs : 1);
    r->e = e;
    r->shift = shift;
    r->obj = obj;
    r->dt = dt;
    r->starts = xcalloc(nj, sizeof(double));
    r->refStarts = xcalloc(nj, sizeof(double));
    r->site = xcalloc(nj, sizeof(int));
    r->res.on = true;
    r->res.jobs = e->njobs;
    snprintf(r->res.objective, sizeof(r->res.objective), "%s",
             shift ? shiftObjectiveName(obj) : "at_arrival");
    ShiftSlots slots[ENERGY_MAX_SITES + 1];
    memset(slots, 0, sizeof(slots));
    homeSlots(e, forecastW, demand, steps, dt, capacity, coreUnit, &slots[0]);
    ShiftSlots ref;
    homeSlots(e, forecastW, demand, steps, dt, capacity, coreUnit, &ref);
    for (int s = 0; s < e->nsites; s++)
        remoteSlots(&e->sites[s], &slots[0], &slots[s + 1]);
    int missed = 0, rc = shiftAtArrival(e->jobs, e->njobs, &ref, r->refStarts, &missed);
    if (rc == 0 && !shift) {
        memcpy(r->starts, r->refStarts, nj * sizeof(double));
        r->res.deadlinesMet = e->njobs - missed;
    } else if (rc == 0) {
        rc = planSites(r, slots);
        r->res.deadlinesMet = e->njobs;
    }
    shiftSlotsFree(&ref);
    for (int s = 0; s <= e->nsites; s++)
        shiftSlotsFree(&slots[s]);
    if (rc != 0) {
        energyRunFree(r);
        return NULL;
    }
    countTransfers(r);
    initCaps(r);
    return r;
}

/* ---- running ---- */

/* Mean draw (kW) over [t, t + dt] of the jobs at site. */
static double jobsKw(const EnergyRun *r, const double *starts, const int *site, int at, double t,
                     double dt) {
    double kwS = 0;
    for (int i = 0; i < r->e->njobs; i++) {
        if ((site ? site[i] : 0) != at) continue;
        double a = fmax(t, starts[i]), b = fmin(t + dt, starts[i] + r->e->jobs[i].duration);
        if (b > a) kwS += r->e->jobs[i].powerKw * (b - a);
    }
    return kwS / dt;
}

double energyRunCapW(const EnergyRun *r, double t, double dt) {
    double cap = -1;
    const SignalSet *sig = &r->e->sig;
    for (int c = 0; c < sig->ncaps; c++)
        if (sig->caps[c].start < t + 2 * dt && sig->caps[c].end > t &&
            (cap < 0 || sig->caps[c].capKw < cap))
            cap = sig->caps[c].capKw;
    if (cap < 0) return -1;
    double w = (cap - jobsKw(r, r->starts, r->site, 0, t, dt)) * 1000;
    return w > 0 ? w : 0;
}

static void signalsAt(const SignalSet *sig, double t, double *price, double *co2, double *ren) {
    *price = *co2 = *ren = 0;
    signalAt(&sig->series[SIGNAL_PRICE], t, price);
    signalAt(&sig->series[SIGNAL_CARBON], t, co2);
    signalAt(&sig->series[SIGNAL_RENEWABLE], t, ren);
}

/* Add a draw of kw for h hours, of which nonRenKw was not renewable. */
static void add(EnergyTotals *x, double kw, double nonRenKw, double h, double price, double co2) {
    x->energyKwh += kw * h;
    x->costEur += kw * h * price / 1000;
    x->co2Kg += kw * h * co2 / 1000;
    x->nonRenewableKwh += nonRenKw * h;
}

static void accountHome(EnergyRun *r, const double *starts, double t, double dt, double intKw,
                        EnergyTotals *site, EnergyTotals *jobs) {
    double price, co2, ren, h = dt / 3600;
    signalsAt(&r->e->sig, t, &price, &co2, &ren);
    double jkw = jobsKw(r, starts, starts == r->starts ? r->site : NULL, 0, t, dt);
    double all = intKw + jkw;
    add(site, all, fmax(0, all - ren), h, price, co2);
    add(jobs, jkw, fmax(0, all - ren) - fmax(0, intKw - ren), h, price, co2);
}

static void accountRemote(EnergyRun *r, double t, double dt) {
    for (int s = 1; s <= r->e->nsites; s++) {
        double price, co2, ren, h = dt / 3600;
        signalsAt(&r->e->sites[s - 1].sig, t, &price, &co2, &ren);
        double jkw = jobsKw(r, r->starts, r->site, s, t, dt);
        add(&r->res.jobs_, jkw, fmax(0, jkw - ren), h, price, co2);
    }
}

static void checkCaps(EnergyRun *r, double t, double dt, double siteKw) {
    for (int c = 0; c < r->res.ncaps; c++) {
        CapResult *cr = &r->res.caps[c];
        if (t < cr->start || t >= cr->end) continue;
        bool ok = siteKw <= cr->capKw * (1 + CAP_TOLERANCE);
        cr->maxDrawKw = fmax(cr->maxDrawKw, siteKw);
        cr->maxOverKw = fmax(cr->maxOverKw, siteKw - cr->capKw);
        if (ok && r->capFirstOk[c] < 0) r->capFirstOk[c] = t;
        if (!ok) r->capFirstOk[c] = -1;
    }
    (void)dt;
}

void energyRunStep(EnergyRun *r, double t, double dt, double interactiveW) {
    double intKw = interactiveW / 1000;
    accountHome(r, r->starts, t, dt, intKw, &r->res.site, &r->res.jobs_);
    accountHome(r, r->refStarts, t, dt, intKw, &r->res.siteAtArrival, &r->res.jobsAtArrival);
    accountRemote(r, t, dt);
    checkCaps(r, t, dt, intKw + jobsKw(r, r->starts, r->site, 0, t, dt));
}

void energyRunFinish(EnergyRun *r, EnergyResult *out) {
    EnergyTotals *j = &r->res.jobs_;
    j->energyKwh += r->transfer.energyKwh;
    j->costEur += r->transfer.costEur;
    j->co2Kg += r->transfer.co2Kg;
    j->nonRenewableKwh += r->transfer.nonRenewableKwh;
    r->res.transferKwh = r->transfer.energyKwh;
    for (int c = 0; c < r->res.ncaps; c++) {
        r->res.caps[c].met = r->capFirstOk[c] >= 0;
        r->res.caps[c].metAfterS =
            r->res.caps[c].met ? r->capFirstOk[c] - r->res.caps[c].start : -1;
    }
    *out = r->res;
}

double energyRunStart(const EnergyRun *r, int i, int *site) {
    if (site) *site = r->site[i];
    return r->starts[i];
}

void energyRunFree(EnergyRun *r) {
    if (!r) return;
    free(r->starts);
    free(r->refStarts);
    free(r->site);
    free(r);
}
