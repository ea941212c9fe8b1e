/* test_geyser_policy.c - geyser's own policy: the price of a migration
 * worked out by hand, and the hysteresis that holds evacuations back while
 * the forecast demand rises. */
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

static int disables(const Plan *p) {
    int n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->actions[i].type == ACT_DISABLE;
    return n;
}

/* Four hosts, one light VM each: with a steady load geyser consolidates at
 * once; with load rising from one interval to the next it waits. */
static void runTwoTicks(double second, int *first, int *then) {
    int lens[2] = {1, 3};
    double utils[2] = {0.05, second};
    Workload *wl = workloadPhases(4, lens, utils, 2, 300);
    SimHostSpec hs[4] = {{"h0", &T}, {"h1", &T}, {"h2", &T}, {"h3", &T}};
    SimVmSpec vs[4];
    for (int i = 0; i < 4; i++)
        vs[i] = (SimVmSpec){
            .name = "vm", .vcpus = 1, .cpu = 1000, .ramMb = 500, .series = i, .host = i};
    Cloud *c = simCloudCreate(hs, 4, vs, 4, wl, NULL);
    CtlConfig cfg = ctlConfigDefaults();
    Policy *p = policyCreate("geyser", &cfg);
    CHECK(p != NULL);
    cfg.cooldownS = 0;
    Controller *ctl = ctlCreate(p, &cfg);
    CHECK(ctlTick(ctl, c, false) == 0);
    *first = disables(&ctl->plan);
    simAdvance(c, 300);
    simSetTime(c, 300);
    CHECK(ctlTick(ctl, c, false) == 0);
    *then = disables(&ctl->plan);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

static void testHysteresis(void) {
    int first, then;
    runTwoTicks(0.05, &first, &then);
    CHECK(first >= 1 && then >= 1); /* steady: evacuate (observe mode: again) */
    runTwoTicks(0.15, &first, &then);
    CHECK(first >= 1 && then == 0); /* rising: hold back */
}

int main(void) {
    T = fixtureType();
    RUN(testMigrationCost);
    RUN(testHysteresis);
    return testSummary("test_geyser_policy");
}
