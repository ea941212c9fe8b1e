/* test_geyser_policy.c - geyser's own policy on hand-made clouds: the
 * price of a migration worked out by hand, consolidation of a steady light
 * load, the break-even rule that holds a power-down back while demand
 * rises, the 15-minute peak that keeps a host that was just busy, overload
 * relief only above capacity, the migration mode the model picks, a host
 * woken only for a saturation that lasts, and a host whose idle draw is
 * not worth a migration. */
#include <math.h>

#include "controller.h"
#include "migcost.h"
#include "simcloud.h"
#include "simfixture.h"
#include "testing.h"

static ServerType T;

static void testMigrationCost(void) {
    Host h = {.type = &T, .capacity = 1000};
    Vm vm = {.ramMb = 1000, .cpu = 1000, .util = 0.5};
    /* The model (worked in test_migcost.c): 10.03630 s, 0.24031 s paused.
     * 2 ends x 10.0363 s x 100 W marginal x 0.5 share = 1003.63 J, plus the
     * CPU lost, 500 x (0.1 x 9.79598 + 0.24031) = 609.955 CPU-s, priced
     * 10 x 100 W / 1000 per CPU-s = 609.955 J. */
    CHECK_NEAR(migrationCostJ(&vm, &h, 125, 0.1), 1613.585, 1e-2);
    CHECK_NEAR(migrationCostJ(&vm, &h, 0, 0.1), 1613.585, 1e-2); /* 0: 1 Gbit/s */
    vm.util = 0;
    CHECK_NEAR(migrationCostJ(&vm, &h, 125, 0.1), 0, 1e-12);
}

static int count(const Plan *p, ActionType type) {
    int n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->actions[i].type == type && p->actions[i].outcome != OUTCOME_REFUSED;
    return n;
}

/* A workload of nvm series over nsamples 5-minute steps, util[i][k]. */
static Workload *series(int nvm, int nsamples, const double util[][6]) {
    Workload *wl = workloadConstant(nvm, nsamples, 300, 0);
    for (int i = 0; i < nvm; i++)
        for (int k = 0; k < nsamples; k++)
            wl->series[i].util[k] = (float)util[i][k];
    return wl;
}

typedef struct Rig {
    Workload *wl;
    Cloud *c;
    Controller *ctl;
} Rig;

/* nh hosts of type t; VM i (cpu, ram) on host at[i]. */
static void rigStart(Rig *r, const ServerType *t, int nh, int nvm, const int *at, double cpu,
                     const double *ram, Workload *wl) {
    SimHostSpec hs[8];
    SimVmSpec vs[8];
    for (int h = 0; h < nh; h++)
        hs[h] = (SimHostSpec){"h", t};
    for (int i = 0; i < nvm; i++)
        vs[i] = (SimVmSpec){
            .name = "vm", .vcpus = 1, .cpu = cpu, .ramMb = ram[i], .series = i, .host = at[i]};
    r->wl = wl;
    r->c = simCloudCreate(hs, nh, vs, nvm, wl, NULL);
    CHECK(r->c != NULL);
    CtlConfig cfg = ctlConfigDefaults();
    Policy *p = policyCreate("geyser", &cfg);
    CHECK(p != NULL);
    cfg.cooldownS = 0;
    r->ctl = ctlCreate(p, &cfg);
}

/* One interval: plan (and act when execute) at k x 300 s, then run to the
 * next. */
static void rigTick(Rig *r, int k, bool execute) {
    simSetTime(r->c, k * 300.0);
    CHECK(ctlTick(r->ctl, r->c, execute) == 0);
    simAdvance(r->c, (k + 1) * 300.0);
}

static void rigEnd(Rig *r) {
    ctlFree(r->ctl);
    cloudClose(r->c);
    workloadFree(r->wl);
}

static const int ONE_EACH[4] = {0, 1, 2, 3};
static const double RAM500[4] = {500, 500, 500, 500};

/* Four hosts, one light VM each: a steady load is consolidated at once. */
static void testConsolidatesSteadyLoad(void) {
    const double u[4][6] = {{0.05, 0.05}, {0.05, 0.05}, {0.05, 0.05}, {0.05, 0.05}};
    Rig r;
    rigStart(&r, &T, 4, 4, ONE_EACH, 1000, RAM500, series(4, 2, u));
    rigTick(&r, 0, true);
    CHECK(count(&r.ctl->plan, ACT_DISABLE) >= 1);
    CHECK(count(&r.ctl->plan, ACT_MIGRATE) >= 1);
    rigEnd(&r);
}

/* Break-even: with a 1000 s boot the fixture's host breaks even after
 * (50 x 80 + 1000 x 150 - 1050 x 5) / 100 W = 1487.5 s. The cloud's peak
 * rising from 4 x 50 to 4 x 250 MIPS in 300 s (2.67 MIPS/s, x 1.1
 * headroom) uses the 4000 - 1000 - 1100 MIPS left spare after one host
 * goes in 648 s: too soon, no power-down. The same cloud at a steady load
 * empties hosts. */
static void testBreakEvenWhileRising(void) {
    ServerType slow = T;
    slow.bootS = 1000;
    const double rising[4][6] = {{0.05, 0.25}, {0.05, 0.25}, {0.05, 0.25}, {0.05, 0.25}};
    const double steady[4][6] = {{0.25, 0.25}, {0.25, 0.25}, {0.25, 0.25}, {0.25, 0.25}};
    Rig r;
    rigStart(&r, &slow, 4, 4, ONE_EACH, 1000, RAM500, series(4, 2, rising));
    rigTick(&r, 0, false);
    rigTick(&r, 1, false);
    CHECK(count(&r.ctl->plan, ACT_DISABLE) == 0);
    rigEnd(&r);
    rigStart(&r, &slow, 4, 4, ONE_EACH, 1000, RAM500, series(4, 2, steady));
    rigTick(&r, 0, false);
    rigTick(&r, 1, false);
    CHECK(count(&r.ctl->plan, ACT_DISABLE) >= 1);
    rigEnd(&r);
}

/* Hysteresis: hosts whose VMs were at 50 % ten minutes ago are not emptied
 * while that peak is in the 15-minute window, and are once it has left. */
static void testPeakWindow(void) {
    const double u[2][6] = {{0.5, 0.05, 0.05, 0.05}, {0.5, 0.05, 0.05, 0.05}};
    Rig r;
    rigStart(&r, &T, 2, 2, ONE_EACH, 1000, RAM500, series(2, 4, u));
    for (int k = 0; k < 3; k++) {
        rigTick(&r, k, false);
        CHECK(count(&r.ctl->plan, ACT_DISABLE) == 0);
    }
    rigTick(&r, 3, false);
    CHECK(count(&r.ctl->plan, ACT_DISABLE) == 1);
    rigEnd(&r);
}

/* Overload: two VMs of 600 MIPS on a 1000 MIPS host. At 80 % each (960,
 * under capacity) nothing moves; at 90 % (1080) exactly one VM leaves. */
static void testRelievesOnlyAboveCapacity(void) {
    const int at[3] = {0, 0, 1};
    const double ram[3] = {500, 500, 500};
    const double u[3][6] = {{0.8, 0.9}, {0.8, 0.9}, {0.5, 0.5}};
    Rig r;
    rigStart(&r, &T, 2, 3, at, 600, ram, series(3, 2, u));
    rigTick(&r, 0, false);
    CHECK(count(&r.ctl->plan, ACT_MIGRATE) == 0);
    rigTick(&r, 1, false);
    CHECK(count(&r.ctl->plan, ACT_MIGRATE) == 1);
    CHECK(r.ctl->plan.n >= 1 && r.ctl->plan.actions[0].host == 0);
    rigEnd(&r);
}

/* The controller runs a migration as the model says: a VM that dirties
 * 200 MiB/s, faster than the 1 Gbit/s link, goes hybrid, not pre-copy. */
static void testModeFromModel(void) {
    const int at[3] = {0, 0, 1};
    const double ram[3] = {500, 500, 500};
    const double u[3][6] = {{0.9, 0.9}, {0.9, 0.9}, {0.1, 0.1}};
    Rig r;
    rigStart(&r, &T, 2, 3, at, 600, ram, series(3, 2, u));
    for (int i = 0; i < 3; i++)
        r.c->view.vms[i].dirtyMbps = 200;
    rigTick(&r, 0, true);
    CHECK(count(&r.ctl->plan, ACT_MIGRATE) == 1);
    CHECK(r.ctl->plan.n >= 1 && r.ctl->plan.actions[0].mode == MIGRATE_HYBRID);
    CHECK(r.ctl->plan.actions[0].outcome == OUTCOME_DONE);
    rigEnd(&r);
}

/* Waking: host 0 saturates (2 x 600 x 0.9 = 1080 > 1000) and host 1 has
 * CPU but no RAM; host 2 is empty and goes off at once. A saturation seen
 * once wakes nothing; seen twice running, host 2 is woken. */
static void testWakesOnlyForLastingSaturation(void) {
    const int at[4] = {0, 0, 1, 1};
    const double ram[4] = {2000, 2000, 2000, 2000};
    const double u[4][6] = {{0.3, 0.9, 0.9, 0.9}, {0.3, 0.9, 0.9, 0.9}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    ServerType quick = T;
    quick.shutdownS = quick.bootS = 0;
    Rig r;
    rigStart(&r, &quick, 3, 4, at, 600, ram, series(4, 4, u));
    rigTick(&r, 0, true);
    CHECK(count(&r.ctl->plan, ACT_POWER_OFF) == 1);
    CHECK(r.c->view.hosts[2].state == HOST_OFF);
    rigTick(&r, 1, true);
    CHECK(count(&r.ctl->plan, ACT_POWER_ON) == 0);
    rigTick(&r, 2, true);
    CHECK(count(&r.ctl->plan, ACT_POWER_ON) == 1);
    for (size_t i = 0; i < r.ctl->plan.n; i++)
        if (r.ctl->plan.actions[i].type == ACT_POWER_ON)
            CHECK_STR_CONTAINS(r.ctl->plan.actions[i].reason, "found no room");
    rigEnd(&r);
}

/* A host drawing 6 W idle against 5 W off saves 1 W x (3600 s - break-
 * even): less than three times the price of moving a half-busy VM, so its
 * VM stays; the fixture's 100 W idle host is emptied. */
static void testNotWorthIt(void) {
    ServerType frugal = T;
    frugal.power = powerLinear(6, 200);
    const double u[2][6] = {{0.25, 0.25}, {0.25, 0.25}};
    Rig r;
    rigStart(&r, &frugal, 2, 2, ONE_EACH, 1000, RAM500, series(2, 2, u));
    rigTick(&r, 0, false);
    CHECK(count(&r.ctl->plan, ACT_MIGRATE) == 0);
    rigEnd(&r);
    rigStart(&r, &T, 2, 2, ONE_EACH, 1000, RAM500, series(2, 2, u));
    rigTick(&r, 0, false);
    CHECK(count(&r.ctl->plan, ACT_MIGRATE) == 1);
    rigEnd(&r);
}

int main(void) {
    T = fixtureType();
    RUN(testMigrationCost);
    RUN(testConsolidatesSteadyLoad);
    RUN(testBreakEvenWhileRising);
    RUN(testPeakWindow);
    RUN(testRelievesOnlyAboveCapacity);
    RUN(testModeFromModel);
    RUN(testWakesOnlyForLastingSaturation);
    RUN(testNotWorthIt);
    return testSummary("test_geyser_policy");
}
