/* test_cloudsim.c - CloudSim 3.0.3's accounting (the simulated cloud's
 * --compat cloudsim mode), one rule at a time, on values worked by hand:
 * the trapezoid and the idle host that costs nothing, migration time,
 * finishing VMs, a host's update (degradation, reservation, one core per
 * VM, over-subscription), the initial placement, and a small cloud stepped
 * through a migration, a finished VM and a VM sent twice. */
#include <stdlib.h>

#include "cloudsim.h"
#include "controller.h"
#include "policy.h"
#include "servertype.h"
#include "simcloud.h"
#include "testing.h"

static const ServerType *G4, *G5;

static void testTrapezoid(void) {
    /* SPECpower G4: P(0.5) = 102 W, P(0.6) = 106 W. */
    CHECK_NEAR(csIntervalEnergy(&G4->power, 0.5, 0.6, 300), (102 + 2.0) * 300, 1e-9);
    CHECK_NEAR(csIntervalEnergy(&G4->power, 0.6, 0.5, 300), (106 - 2.0) * 300, 1e-9);
    /* Linear between the 10 % points: P(0.55) = 104 W. */
    CHECK_NEAR(csIntervalEnergy(&G4->power, 0.55, 0.55, 10), 1040, 1e-9);
    /* Idle at the earlier update: nothing, whatever comes after. */
    CHECK(csIntervalEnergy(&G4->power, 0, 0.9, 300) == 0);
    /* Idle at the later update only: half the way down to P(0) = 86 W. */
    CHECK_NEAR(csIntervalEnergy(&G4->power, 1, 0, 100), (117 + (86 - 117) / 2.0) * 100, 1e-9);
}

static void testMigrationTime(void) {
    /* RAM / (1 Gbit/s / 2) = RAM / 62.5 MB/s. */
    CHECK_NEAR(csMigrationTime(613, 125), 9.808, 1e-12);
    CHECK_NEAR(csMigrationTime(870, 125), 13.92, 1e-12);
    CHECK_NEAR(csMigrationTime(1740, 125), 27.84, 1e-12);
}

static void testFinishes(void) {
    Workload *wl = workloadConstant(1, 5, 300, 0.5);
    float *u = wl->series[0].util; /* 0.5, 0, 0, 0.3, 0 */
    u[1] = u[2] = 0;
    u[3] = 0.3f;
    u[4] = 0;
    CHECK(!csVmFinishes(wl, 0, 0));   /* 0.5 then 0 */
    CHECK(csVmFinishes(wl, 0, 300));  /* 0 then 0: two in a row */
    CHECK(!csVmFinishes(wl, 0, 600)); /* 0 then 0.3 */
    CHECK(csVmFinishes(wl, 0, 1200)); /* the last 0 repeats past the end */
    workloadFree(wl);
}

static void testHostSample(void) {
    /* G4: 2 cores x 1860 = 3720 MIPS. */
    CsLoad one[1] = {{1000, 1, CS_RESIDENT, 0}};
    CsHostSample s = csSampleHost(3720, 1860, one, 1);
    CHECK_NEAR(s.util, 1000 / 3720.0, 1e-12);
    CHECK(s.active && !s.violating);

    /* Leaving: it gets 900, the host counts 900 / 0.9 = 1000. */
    CsLoad leave[1] = {{1000, 1, CS_LEAVING, 0}};
    s = csSampleHost(3720, 1860, leave, 1);
    CHECK_NEAR(leave[0].allocated, 900, 1e-9);
    CHECK_NEAR(s.allocatedMips, 1000, 1e-9);
    CHECK(!s.violating);

    /* Arriving next to a resident: 10 % of it served, all of it requested:
     * the receiver violates its SLA while the VM moves. */
    CsLoad in[2] = {{500, 1, CS_RESIDENT, 0}, {1000, 1, CS_ARRIVING, 0}};
    s = csSampleHost(3720, 1860, in, 2);
    CHECK_NEAR(in[1].allocated, 100, 1e-9);
    CHECK_NEAR(s.allocatedMips, 600, 1e-9);
    CHECK_NEAR(s.requestedMips, 1500, 1e-9);
    CHECK(s.violating);

    /* One core per vCPU: 2000 MIPS asked, 1860 served. */
    CsLoad big[1] = {{2000, 1, CS_RESIDENT, 0}};
    s = csSampleHost(3720, 1860, big, 1);
    CHECK_NEAR(big[0].allocated, 1860, 1e-9);
    CHECK(s.violating);

    /* Over-subscription: 1800 + 1800 + 1000 = 4600 on 3720: all scaled by
     * 3720 / 4600 and rounded down (808.69 -> 808); the host just under
     * 100 %. */
    CsLoad over[3] = {
        {1800, 1, CS_RESIDENT, 0}, {1800, 1, CS_RESIDENT, 0}, {1000, 1, CS_RESIDENT, 0}};
    s = csSampleHost(3720, 1860, over, 3);
    CHECK(over[2].allocated == 808 && over[0].allocated == 1455);
    CHECK_NEAR(s.util, (1455 + 1455 + 808) / 3720.0, 1e-12);
    CHECK(s.violating);

    /* A leaving VM is set aside whole: 3000 + 700 leaving = 3700 fits;
     * 3000 + 730 leaving does not (though 0.9 x 730 would): scaled by 3720 / 3730, 0.9 of that for
     * the leaving one, rounded down: 2991 and floor(728.04 x 0.9) = 655, counted 655 / 0.9 = 727.8
     * at the source. */
    CsLoad tight[2] = {{3000, 2, CS_RESIDENT, 0}, {700, 1, CS_LEAVING, 0}};
    s = csSampleHost(3720, 1860, tight, 2);
    CHECK(!s.violating && tight[1].allocated == 700 * 0.9);
    CsLoad tighter[2] = {{3000, 2, CS_RESIDENT, 0}, {730, 1, CS_LEAVING, 0}};
    s = csSampleHost(3720, 1860, tighter, 2);
    CHECK(tighter[0].allocated == 2991 && tighter[1].allocated == 655);
    CHECK_NEAR(s.allocatedMips, 2991 + 655 / 0.9, 1e-9);
    CHECK(s.violating);

    /* Nothing asked: inactive, no violation. */
    CsLoad zero[1] = {{0, 1, CS_RESIDENT, 0}};
    s = csSampleHost(3720, 1860, zero, 1);
    CHECK(!s.active && !s.violating && s.util == 0);
}

static void testInitialPlacement(void) {
    SimHostSpec h[4] = {{"h0", G4}, {"h1", G5}, {"h2", G4}, {"h3", G5}};
    SimVmSpec v[3] = {
        {.name = "a", .vcpus = 1, .cpu = 2500, .ramMb = 870},
        {.name = "b", .vcpus = 1, .cpu = 2000, .ramMb = 1740},
        {.name = "c", .vcpus = 1, .cpu = 500, .ramMb = 613},
    };
    /* a: 2500 MIPS needs a G5 core (2660); G4's are 1860: h1 (first of
     * the two equal G5s). b: fits G5s only (one core each): h3 empty,
     * P(2000/5320) - P(0) = 15.10 W, beats h1, P(4500/5320) - P(0) = 37.14 W.
     * c: G4 empty: P(500/3720) - 86 = 3.23 W (h0 before h2); the G5s rise
     * more. */
    CHECK(csPlaceInitial(h, 4, v, 3, false) == 0);
    CHECK(v[0].host == 1 && v[1].host == 3 && v[2].host == 0);
    /* First fit: the first host where each fits. */
    CHECK(csPlaceInitial(h, 4, v, 3, true) == 0);
    CHECK(v[0].host == 1 && v[1].host == 1 && v[2].host == 0);
    /* Nowhere to go: an error naming the VM. */
    SimVmSpec huge[1] = {{.name = "huge", .vcpus = 1, .cpu = 3000, .ramMb = 100}};
    CHECK(csPlaceInitial(h, 4, huge, 1, false) != 0);
}

static Cloud *smallCloud(Workload **wl) {
    static SimHostSpec h[3];
    h[0] = (SimHostSpec){"h0", G4};
    h[1] = (SimHostSpec){"h1", G4};
    h[2] = (SimHostSpec){"h2", G4};
    /* vm0 at 50 % of 1000 MIPS all along; vm1 finishes at 300 s (0, 0). */
    *wl = workloadConstant(2, 4, 300, 0.5);
    (*wl)->series[1].util[1] = (*wl)->series[1].util[2] = 0;
    SimVmSpec v[2] = {
        {.name = "vm0", .vcpus = 1, .cpu = 1000, .ramMb = 625, .series = 0, .host = 0},
        {.name = "vm1", .vcpus = 1, .cpu = 1000, .ramMb = 625, .series = 1, .host = 2},
    };
    SimConfig cfg = simConfigDefaults();
    cfg.cloudsim = true;
    return simCloudCreate(h, 3, v, 2, *wl, &cfg);
}

static void testSteppedCloud(void) {
    Workload *wl;
    Cloud *c = smallCloud(&wl);
    double p = powerAt(&G4->power, 500 / 3720.0);
    simSetTime(c, 0);
    simAdvance(c, 300);
    /* The first interval: nothing (every host was idle before). */
    CHECK(simTotals(c)->energyJ == 0);
    simSetTime(c, 300);
    /* vm1's demand is 0 at 300 s and 600 s: it finishes, freeing h2. */
    CHECK(c->view.vms[1].finished && simTotals(c)->vmsFinished == 1);
    CHECK(c->view.hosts[2].nvms == 0 && c->view.hosts[2].ramUsed == 0);
    /* 625 MB over 62.5 MB/s: lands at 310 s. */
    CHECK(c->drv->migrate(c, 0, 1, MIGRATE_PRECOPY) == 0);
    simAdvance(c, 600);
    CHECK(c->view.vms[0].host == 1 && c->view.vms[0].target == -1);
    simSetTime(c, 600);
    /* h0: P(u) for 10 s (the leaving VM counts whole), then idle (0 W);
     * h1: idle at 300 s, so 0 until 310 s, then P(u) for 290 s; h2: 0. */
    CHECK_NEAR(simHostEnergy(c, 0), p * 10, 1e-9);
    CHECK_NEAR(simHostEnergy(c, 1), p * 290, 1e-9);
    CHECK(simHostEnergy(c, 2) == 0);
    /* PDM: 10 % of 500 MIPS for 10 s over 500 MIPS for 300 s. SLATAH: h1
     * receives (100 of 600 MIPS served) 300-310 s; active time h0 10 s,
     * h1 300 s. */
    const SimTotals *t = simTotals(c);
    CHECK_NEAR(t->migrationLossCpuS, 0.1 * 500 * 10, 1e-9);
    CHECK_NEAR(t->requestedCpuS, 500 * 300, 1e-9);
    CHECK_NEAR(t->activeHostS, 310, 1e-9);
    CHECK_NEAR(t->saturatedHostS, 10, 1e-9);
    CHECK(t->migrationsStarted == 1);
    cloudClose(c);
    workloadFree(wl);
}

static void testSentTwice(void) {
    Workload *wl;
    Cloud *c = smallCloud(&wl);
    simSetTime(c, 0);
    simAdvance(c, 300);
    simSetTime(c, 300);
    /* One plan sends vm0 to h1, then (emptying h1) on to h2: both count,
     * it lands on h2, and h1 receives nothing in the end. */
    CHECK(c->drv->migrate(c, 0, 1, MIGRATE_PRECOPY) == 0);
    CHECK(c->drv->migrate(c, 0, 2, MIGRATE_PRECOPY) == 0);
    CHECK(c->view.hosts[1].incoming == 1 && c->view.hosts[2].incoming == 1);
    simAdvance(c, 600);
    CHECK(c->view.vms[0].host == 2 && simTotals(c)->migrationsStarted == 2);
    CHECK(c->view.hosts[1].incoming == 0 && c->view.hosts[2].incoming == 0);
    CHECK(c->view.hosts[1].nvms == 0 && c->view.hosts[1].ramUsed == 0);
    /* Not in a later tick: that is a VM still migrating. */
    simSetTime(c, 600);
    CHECK(c->drv->migrate(c, 0, 1, MIGRATE_PRECOPY) == 0);
    simAdvance(c, 601);
    CHECK(c->drv->migrate(c, 0, 0, MIGRATE_PRECOPY) != 0);
    cloudClose(c);
    workloadFree(wl);
}

/* The policy's CloudSim mode on three G4 hosts (3720 MIPS) with THR 0.8:
 * h0 holds 1800 + 1000 + 400 MIPS (86 %): MMT sends the 613 MB VM (400).
 * PABFD: h1 (20 %): P(30.75 %) - P(20 %) = 3.66 W; h2 (30 %): P(40.75 %) -
 * P(30 %) = 3.76 W: h1. Underload, least utilized at the tick first: h1,
 * the receiver (CloudSim's empty exclusion list lets it be emptied), with
 * the VM it was just given: both go to h2, the only host left, to 60.75 %.
 * The 400 MIPS VM moves twice; nothing is disabled or powered off. */
static void testPolicyQuirks(void) {
    static SimHostSpec h[3];
    for (int i = 0; i < 3; i++)
        h[i] = (SimHostSpec){i == 0 ? "h0" : i == 1 ? "h1" : "h2", G4};
    Workload *wl = workloadConstant(5, 4, 300, 1.0);
    SimVmSpec v[5] = {
        {.name = "a1", .vcpus = 1, .cpu = 1800, .ramMb = 870, .series = 0, .host = 0},
        {.name = "a2", .vcpus = 1, .cpu = 1000, .ramMb = 870, .series = 1, .host = 0},
        {.name = "b", .vcpus = 1, .cpu = 400, .ramMb = 613, .series = 2, .host = 0},
        {.name = "c", .vcpus = 1, .cpu = 744, .ramMb = 1740, .series = 3, .host = 1},
        {.name = "d", .vcpus = 1, .cpu = 1116, .ramMb = 1740, .series = 4, .host = 2},
    };
    SimConfig sc = simConfigDefaults();
    sc.cloudsim = true;
    Cloud *c = simCloudCreate(h, 3, v, 5, wl, &sc);
    CtlConfig cfg = ctlConfigDefaults();
    cfg.cloudsim = true;
    Policy *p = policyCreate("thr-mmt:0.8", &cfg);
    CHECK(p != NULL);
    if (!p || !c) return;
    cfg.high = 1;
    cfg.maxParallelMigrations = 0;
    cfg.cooldownS = 0;
    cfg.headroom = 0;
    cfg.minHostsOn = 0;
    cfg.allowPowerOff = cfg.allowPowerOn = false;
    Controller *ctl = ctlCreate(p, &cfg);
    simSetTime(c, 0);
    simAdvance(c, 300);
    simSetTime(c, 300);
    CHECK(ctlTick(ctl, c, true) == 0);
    const Plan *plan = &ctl->plan;
    CHECK(plan->n == 3);
    if (plan->n == 3) {
        CHECK(plan->actions[0].type == ACT_MIGRATE && plan->actions[0].vm == 2 &&
              plan->actions[0].target == 1);
        /* Evacuation goes largest demand first: c (744), then b (400). */
        CHECK(plan->actions[1].type == ACT_MIGRATE && plan->actions[1].vm == 3 &&
              plan->actions[1].target == 2);
        CHECK(plan->actions[2].type == ACT_MIGRATE && plan->actions[2].vm == 2 &&
              plan->actions[2].target == 2);
        for (int k = 0; k < 3; k++)
            CHECK(plan->actions[k].outcome == OUTCOME_DONE);
    }
    simAdvance(c, 600);
    CHECK(c->view.vms[2].host == 2 && c->view.vms[3].host == 2);
    CHECK(simTotals(c)->migrationsStarted == 3);
    CHECK(c->view.hosts[1].nvms == 0 && c->view.hosts[1].enabled);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

static void testPolicyRefusal(void) {
    CtlConfig cfg = ctlConfigDefaults();
    cfg.cloudsim = true;
    Policy *p = policyCreate("geyser", &cfg);
    CHECK(p == NULL);
    p = policyCreate("thr-mmt:0.8", &cfg);
    CHECK(p != NULL);
    policyFree(p);
    p = policyCreate("none", &cfg);
    CHECK(p != NULL);
    policyFree(p);
}

int main(void) {
    G4 = serverTypeFind("HpProLiantMl110G4Xeon3040");
    G5 = serverTypeFind("HpProLiantMl110G5Xeon3075");
    if (!G4 || !G5) return 1;
    RUN(testTrapezoid);
    RUN(testMigrationTime);
    RUN(testFinishes);
    RUN(testHostSample);
    RUN(testInitialPlacement);
    RUN(testSteppedCloud);
    RUN(testSentTwice);
    RUN(testPolicyQuirks);
    RUN(testPolicyRefusal);
    return testSummary("test_cloudsim");
}
