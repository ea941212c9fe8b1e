/* test_energyrun.c - deferrable jobs against signals, caps and sites, on
 * hand-made days of four one-hour slots whose optimum is known. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "energyrun.h"
#include "err.h"
#include "testing.h"
#include "util.h"

#define STEPS 48 /* four hours of 5-minute steps */
#define DT    300.0

static void series(SignalSeries *s, SignalKind k, const double v[4]) {
    s->kind = k;
    s->n = 4;
    s->t = xmalloc(4 * sizeof(double));
    s->v = xmalloc(4 * sizeof(double));
    for (int i = 0; i < 4; i++)
        s->t[i] = i * 3600, s->v[i] = v[i];
}

static void day(SignalSet *sig, const double price[4], const double carbon[4],
                const double ren[4]) {
    memset(sig, 0, sizeof(*sig));
    series(&sig->series[SIGNAL_PRICE], SIGNAL_PRICE, price);
    series(&sig->series[SIGNAL_CARBON], SIGNAL_CARBON, carbon);
    series(&sig->series[SIGNAL_RENEWABLE], SIGNAL_RENEWABLE, ren);
}

static DeferrableJob job(const char *name, double release, double deadline, double kw,
                         double dataGb, bool pinned) {
    DeferrableJob j;
    memset(&j, 0, sizeof(j));
    snprintf(j.name, sizeof(j.name), "%s", name);
    j.release = release, j.deadline = deadline, j.duration = 3600, j.powerKw = kw, j.cpu = 1;
    j.dataGb = dataGb, j.pinned = pinned;
    return j;
}

/* 10 kW of interactive draw, 1 % of a 100-core site busy. */
static double forecastW[STEPS], demand[STEPS];

static void flatForecast(void) {
    for (int i = 0; i < STEPS; i++)
        forecastW[i] = 10000, demand[i] = 1;
}

static void setupFree(EnergySetup *e) {
    e->jobs = NULL; /* on the stack */
    energySetupFree(e);
}

/* The cheapest hour is 0, but a 12 kW cap there leaves 2 kW for a 5 kW
 * job: it runs in hour 1, the cheapest feasible one. Running it at
 * arrival would have broken the cap as well; the reference defers it. */
static void testCapDefersJob(void) {
    EnergySetup e = {.slotS = 3600};
    double price[4] = {10, 20, 30, 40}, co2[4] = {100, 100, 100, 100}, ren[4] = {0, 0, 0, 0};
    day(&e.sig, price, co2, ren);
    CapEvent cap = {.start = 0, .end = 3600, .capKw = 12};
    e.sig.caps = xmalloc(sizeof(cap));
    e.sig.caps[0] = cap;
    e.sig.ncaps = 1;
    DeferrableJob j = job("batch", 0, 4 * 3600, 5, 0, true);
    e.jobs = &j;
    e.njobs = 1;
    EnergyRun *r = energyRunPlan(&e, true, SHIFT_COST, forecastW, demand, STEPS, DT, 100, 1);
    CHECK(r != NULL);
    CHECK(energyRunStart(r, 0, NULL) == 3600);
    /* The controller's budget during the cap: 12 kW, no job running. */
    CHECK_NEAR(energyRunCapW(r, 0, DT), 12000, 1e-9);
    CHECK(energyRunCapW(r, 2 * 3600, DT) < 0);
    for (int i = 0; i < STEPS; i++)
        energyRunStep(r, i * DT, DT, 10000);
    EnergyResult res;
    energyRunFinish(r, &res);
    CHECK(res.deadlinesMet == 1 && res.ncaps == 1 && res.caps[0].met);
    CHECK_NEAR(res.caps[0].metAfterS, 0, 1e-9);
    /* Site: 10 kW x 4 h at 10, 20, 30, 40 EUR/MWh plus 5 kWh at 20. */
    CHECK_NEAR(res.site.costEur, (10 * (10 + 20 + 30 + 40) + 5 * 20) / 1000.0, 1e-9);
    CHECK_NEAR(res.jobs_.energyKwh, 5, 1e-9);
    energyRunFree(r);
    setupFree(&e);
}

/* With no cap, the reference runs the job at arrival (hour 0); the carbon
 * objective picks the cleanest hour; the renewable one the hour whose
 * surplus over the interactive draw covers it. */
static void testObjectivesAgainstArrival(void) {
    EnergySetup e = {.slotS = 3600};
    double price[4] = {50, 40, 60, 70}, co2[4] = {300, 200, 100, 400}, ren[4] = {0, 0, 8, 20};
    day(&e.sig, price, co2, ren);
    DeferrableJob j = job("batch", 0, 4 * 3600, 5, 0, true);
    e.jobs = &j;
    e.njobs = 1;
    const struct {
        ShiftObjective o;
        double start;
    } want[] = {{SHIFT_COST, 3600}, {SHIFT_CARBON, 7200}, {SHIFT_RENEWABLE_SHARE, 10800}};
    for (size_t k = 0; k < 3; k++) {
        EnergyRun *r = energyRunPlan(&e, true, want[k].o, forecastW, demand, STEPS, DT, 100, 1);
        CHECK(r != NULL && energyRunStart(r, 0, NULL) == want[k].start);
        for (int i = 0; i < STEPS; i++)
            energyRunStep(r, i * DT, DT, 10000);
        EnergyResult res;
        energyRunFinish(r, &res);
        if (want[k].o == SHIFT_COST) CHECK(res.jobs_.costEur < res.jobsAtArrival.costEur);
        if (want[k].o == SHIFT_CARBON) CHECK(res.jobs_.co2Kg < res.jobsAtArrival.co2Kg);
        if (want[k].o == SHIFT_RENEWABLE_SHARE) {
            /* Hour 3: 20 kW of PV, 10 kW interactive: the job's 5 kW all renewable. */
            CHECK_NEAR(res.jobs_.nonRenewableKwh, 0, 1e-9);
            CHECK_NEAR(res.jobsAtArrival.nonRenewableKwh, 5, 1e-9);
        }
        energyRunFree(r);
    }
    EnergyRun *r = energyRunPlan(&e, false, SHIFT_COST, forecastW, demand, STEPS, DT, 100, 1);
    CHECK(r != NULL && energyRunStart(r, 0, NULL) == 0);
    energyRunFree(r);
    setupFree(&e);
}

/* A remote site ten times cheaper: a job with 1 GB (8 s over 1 Gbit/s)
 * moves there and starts at its first slot after the data arrives; a
 * pinned one stays; one whose data takes longer than its slack stays. */
static void testSpaceShifting(void) {
    EnergySetup e = {.slotS = 3600};
    double home[4] = {100, 100, 100, 100}, cheap[4] = {10, 10, 10, 10},
           co2[4] = {300, 300, 300, 300}, ren[4] = {0, 0, 0, 0};
    day(&e.sig, home, co2, ren);
    e.nsites = 1;
    snprintf(e.sites[0].name, sizeof(e.sites[0].name), "far");
    day(&e.sites[0].sig, cheap, co2, ren);
    e.sites[0].batchCpu = 10;
    e.sites[0].bandwidthMbit = 1000;
    e.sites[0].transferKwhPerGb = 0.5;
    DeferrableJob jobs[3] = {
        job("mobile", 0, 4 * 3600, 5, 1, false), job("pinned", 0, 4 * 3600, 5, 1, true),
        job("heavy", 0, 2 * 3600, 5, 2000, false)}; /* 16000 s > 3600 s slack */
    e.jobs = jobs;
    e.njobs = 3;
    EnergyRun *r = energyRunPlan(&e, true, SHIFT_COST, forecastW, demand, STEPS, DT, 100, 1);
    CHECK(r != NULL);
    int site;
    CHECK(energyRunStart(r, 0, &site) == 3600 && site == 1);
    CHECK(energyRunStart(r, 1, &site) >= 0 && site == 0);
    energyRunStart(r, 2, &site);
    CHECK(site == 0);
    for (int i = 0; i < STEPS; i++)
        energyRunStep(r, i * DT, DT, 10000);
    EnergyResult res;
    energyRunFinish(r, &res);
    CHECK(res.jobsMoved == 1);
    CHECK_NEAR(res.transferKwh, 0.5, 1e-9);
    /* 5 kWh at 10 remote + 0.5 kWh moved at 100 home; 10 kWh at home at 100. */
    CHECK_NEAR(res.jobs_.costEur, (5 * 10 + 0.5 * 100 + 10 * 100) / 1000.0, 1e-9);
    CHECK(res.jobs_.costEur < res.jobsAtArrival.costEur);
    energyRunFree(r);
    setupFree(&e);
}

static void testSplitSpec(void) {
    char p[64];
    bool shift;
    ShiftObjective o;
    CHECK(energySplitSpec("geyser+renewable", p, sizeof(p), &shift, &o) == 0);
    CHECK(shift && o == SHIFT_RENEWABLE_SHARE && strcmp(p, "geyser") == 0);
    CHECK(energySplitSpec("paper:0.2,0.8", p, sizeof(p), &shift, &o) == 0);
    CHECK(!shift && strcmp(p, "paper:0.2,0.8") == 0);
    CHECK(energySplitSpec("geyser+fastest", p, sizeof(p), &shift, &o) != 0);
    CHECK_STR_CONTAINS(errLast(), "unknown objective 'fastest'");
}

int main(void) {
    flatForecast();
    RUN(testCapDefersJob);
    RUN(testObjectivesAgainstArrival);
    RUN(testSpaceShifting);
    RUN(testSplitSpec);
    return testSummary("test_energyrun");
}
