/* test_sim.c - the simulated cloud's accounting against hand-computed
 * values: energy integration, migrations landing mid-step, boot and
 * shutdown, SLA metrics, the backend's own refusals, and the lower bound. */
#include "simcloud.h"
#include "simfixture.h"
#include "simulate.h"
#include "testing.h"
#include "err.h"

static ServerType T;

static Cloud *oneHostOneVm(double util, Workload **wl) {
    *wl = workloadConstant(1, 10, 60, util);
    SimHostSpec h[1] = {{"h0", &T}};
    SimVmSpec v[1] = {
        {.name = "vm0", .vcpus = 1, .cpu = 1000, .ramMb = 1250, .series = 0, .host = 0}};
    return simCloudCreate(h, 1, v, 1, *wl, NULL);
}

static void testConstantLoadEnergy(void) {
    Workload *wl;
    Cloud *c = oneHostOneVm(0.5, &wl);
    for (int k = 0; k < 10; k++) {
        simSetTime(c, k * 60.0);
        simAdvance(c, (k + 1) * 60.0);
    }
    /* P(0.5) = 100 + 100 * 0.5 = 150 W for 600 s. */
    CHECK_NEAR(simTotals(c)->energyJ, 150.0 * 600, 1e-6);
    CHECK_NEAR(simHostEnergy(c, 0), 150.0 * 600, 1e-6);
    CHECK_NEAR(simTotals(c)->requestedCpuS, 500.0 * 600, 1e-6);
    CHECK_NEAR(simTotals(c)->activeHostS, 600, 1e-9);
    CHECK(simTotals(c)->saturatedHostS == 0);
    cloudClose(c);
    workloadFree(wl);
}

static void testMigrationLandsMidStep(void) {
    Workload *wl = workloadConstant(1, 10, 60, 0.5);
    SimHostSpec h[2] = {{"h0", &T}, {"h1", &T}};
    SimVmSpec v[1] = {
        {.name = "vm0", .vcpus = 1, .cpu = 1000, .ramMb = 1250, .series = 0, .host = 0}};
    Cloud *c = simCloudCreate(h, 2, v, 1, wl, NULL);
    simSetTime(c, 0);
    CHECK(c->drv->migrate(c, 0, 1, MIGRATE_PRECOPY) == 0);
    CHECK(c->view.vms[0].target == 1);
    CHECK(c->view.hosts[1].incoming == 1 && c->view.hosts[0].outgoing == 1);
    simAdvance(c, 60);
    /* The migration model (docs/migration.md): 1250 MiB at half load dirty
     * 20 MiB/s in a 312.5 MiB WWS; 125 MB/s = 119.2093 MiB/s. Round 0:
     * 10.48576 s; round 1: 209.7152 MiB in 1.759219 s; 35.18437 MiB left
     * send in 0.29515 s <= 0.3 s: pause for (35.18437 + 0.5) / B =
     * 0.299342 s. The move takes t = 12.544321 s.
     * h0: 150 W x t + 100 W x (60 - t) = 6627.216 J. h1 reserves 10 % of
     * 500 MIPS while receiving: P(0.05) = 105 W x t, then hosts the VM:
     * 150 W x (60 - t); 8435.506 J. */
    CHECK_NEAR(simHostEnergy(c, 0), 6627.216, 1e-3);
    CHECK_NEAR(simHostEnergy(c, 1), 8435.506, 1e-3);
    CHECK(c->view.vms[0].host == 1 && c->view.vms[0].target == -1);
    CHECK(c->view.hosts[0].nvms == 0 && c->view.hosts[1].nvms == 1);
    CHECK(c->view.hosts[1].incoming == 0 && c->view.hosts[0].outgoing == 0);
    /* PDM: 10 % of 500 MIPS lost while it moves, all of it while paused:
     * 500 x (0.1 x (t - 0.299342) + 0.299342) = 761.920 of 500 x 60 asked. */
    CHECK_NEAR(simTotals(c)->migrationLossCpuS, 761.920, 1e-3);
    CHECK_NEAR(simTotals(c)->requestedCpuS, 30000, 1e-6);
    CHECK(simTotals(c)->migrationsDone == 1);
    cloudClose(c);
    workloadFree(wl);
}

static void testShutdownAndBoot(void) {
    Workload *wl = workloadConstant(1, 10, 60, 0.5);
    SimHostSpec h[2] = {{"h0", &T}, {"h1", &T}};
    SimVmSpec v[1] = {
        {.name = "vm0", .vcpus = 1, .cpu = 1000, .ramMb = 1000, .series = 0, .host = 0}};
    Cloud *c = simCloudCreate(h, 2, v, 1, wl, NULL);
    simSetTime(c, 0);
    CHECK(c->drv->powerOff(c, 1) == 0);
    CHECK(c->view.hosts[1].state == HOST_SHUTTING_DOWN);
    simAdvance(c, 60);
    /* 80 W for 50 s, then 5 W for 10 s. */
    CHECK_NEAR(simHostEnergy(c, 1), 80 * 50 + 5 * 10, 1e-6);
    CHECK(c->view.hosts[1].state == HOST_OFF);
    simSetTime(c, 60);
    CHECK(c->drv->powerOn(c, 1) == 0);
    CHECK(c->view.hosts[1].state == HOST_BOOTING);
    simAdvance(c, 120);
    simSetTime(c, 120);
    simAdvance(c, 180);
    /* 150 W booting from 60 to 160, then idle 100 W to 180. */
    CHECK_NEAR(simHostEnergy(c, 1), 4050 + 150 * 100 + 100 * 20, 1e-6);
    CHECK(c->view.hosts[1].state == HOST_ON);
    CHECK(simTotals(c)->shutdowns == 1 && simTotals(c)->boots == 1);
    cloudClose(c);
    workloadFree(wl);
}

static void testBackendRefusals(void) {
    Workload *wl;
    Cloud *c = oneHostOneVm(0.5, &wl);
    CHECK(c->drv->powerOff(c, 0) != 0);
    CHECK_STR_CONTAINS(errLast(), "refusing to power off host h0");
    CHECK(c->view.hosts[0].state == HOST_ON);
    CHECK(c->drv->migrate(c, 0, 0, MIGRATE_PRECOPY) != 0);
    CHECK(c->drv->migrate(c, 5, 0, MIGRATE_PRECOPY) != 0);
    CHECK(c->drv->powerOn(c, 0) != 0);
    CHECK_STR_CONTAINS(errLast(), "only an off host");
    cloudClose(c);
    workloadFree(wl);

    /* A migration to an off host or one without RAM is refused. */
    wl = workloadConstant(2, 10, 60, 0.1);
    SimHostSpec h[2] = {{"a", &T}, {"b", &T}};
    SimVmSpec v[2] = {
        {.name = "big", .vcpus = 1, .cpu = 100, .ramMb = 3000, .series = 0, .host = 0},
        {.name = "big2", .vcpus = 1, .cpu = 100, .ramMb = 3000, .series = 1, .host = 1}};
    c = simCloudCreate(h, 2, v, 2, wl, NULL);
    CHECK(c->drv->migrate(c, 0, 1, MIGRATE_PRECOPY) != 0);
    CHECK_STR_CONTAINS(errLast(), "does not fit in the free RAM of b");
    cloudClose(c);

    /* Initial placement that overflows RAM is rejected at creation. */
    v[1].host = 0;
    c = simCloudCreate(h, 2, v, 2, wl, NULL);
    CHECK(c == NULL);
    CHECK_STR_CONTAINS(errLast(), "cannot hold its initial VMs");
    v[1].host = 7;
    CHECK(simCloudCreate(h, 2, v, 2, wl, NULL) == NULL);
    CHECK_STR_CONTAINS(errLast(), "placed on host 7");
    workloadFree(wl);
}

static void testOverloadAccounting(void) {
    /* Two VMs of 1000 MIPS at 60 % on one 1000 MIPS host: demand 1200. */
    Workload *wl = workloadConstant(2, 10, 60, 0.6);
    SimHostSpec h[1] = {{"h0", &T}};
    SimVmSpec v[2] = {{.name = "a", .vcpus = 1, .cpu = 1000, .ramMb = 100, .series = 0, .host = 0},
                      {.name = "b", .vcpus = 1, .cpu = 1000, .ramMb = 100, .series = 1, .host = 0}};
    Cloud *c = simCloudCreate(h, 1, v, 2, wl, NULL);
    simSetTime(c, 0);
    simAdvance(c, 60);
    const SimTotals *t = simTotals(c);
    CHECK_NEAR(t->energyJ, 200.0 * 60, 1e-6); /* capped at full power */
    CHECK_NEAR(t->saturatedHostS, 60, 1e-9);
    CHECK_NEAR(t->unservedCpuS, 200.0 * 60, 0.1); /* traces are stored as floats */
    CHECK_NEAR(t->requestedCpuS, 1200.0 * 60, 0.1);
    cloudClose(c);
    workloadFree(wl);
}

static void testUtilFormula(void) {
    /* The paper: u_host = sum(u_vm x vCPU_vm) / CPU_host. */
    double u[2] = {0.5, 1.0}, cpu[2] = {2, 4}, raw;
    CHECK_NEAR(hostUtilFormula(u, cpu, 2, 8, &raw), (0.5 * 2 + 1.0 * 4) / 8.0, 1e-12);
    CHECK_NEAR(hostUtilFormula(u, cpu, 2, 4, &raw), 1.0, 1e-12);
    CHECK_NEAR(raw, 1.25, 1e-12);
    CHECK(hostUtilFormula(u, cpu, 0, 4, NULL) == 0);
}

static void testLowerBound(void) {
    /* Type A: 1000 MIPS, 100-200 W; type B: 2000 MIPS, 150-250 W; 5 W off.
     * Marginal full-load cost per MIPS: A 0.195, B 0.1225: B first. */
    ServerType a = fixtureType(), b = fixtureType();
    b.coreMips = 2000;
    b.power = powerLinear(150, 250);
    SimHostSpec hosts[4] = {{"a1", &a}, {"a2", &a}, {"b1", &b}, {"b2", &b}};
    Scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.hosts = hosts;
    sc.nhosts = 4;
    CHECK_NEAR(lowerBoundPower(&sc, 0, 0), 20, 1e-9);
    /* 3000: one B full (245 above off), the 1000 left on A at full or B at
     * half, both 195 above off: 20 + 245 + 195. */
    CHECK_NEAR(lowerBoundPower(&sc, 3000, 0), 460, 1e-9);
    /* 500: best single host for the remainder: A at 50 % (145) beats B at
     * 25 % (170). */
    CHECK_NEAR(lowerBoundPower(&sc, 500, 0), 20 + 145, 1e-9);
    /* 7000 exceeds the 6000 there is: everything at full power. */
    CHECK_NEAR(lowerBoundPower(&sc, 7000, 0), 2 * 200 + 2 * 250, 1e-9);
    /* Memory: 500 MIPS on A (145 above off) brings 4096 MB; 10000 MB need
     * 5904 more, from one idle host. Idle cost per MB: A 95/4096 = 0.023,
     * B 145/8192 = 0.018, so one B: 20 + 145 + 145. */
    a.ramMb = 4096;
    b.ramMb = 8192;
    CHECK_NEAR(lowerBoundPower(&sc, 500, 10000), 20 + 145 + 145, 1e-9);
    CHECK_NEAR(lowerBoundPower(&sc, 500, 4000), 20 + 145, 1e-9);
}

int main(void) {
    T = fixtureType();
    RUN(testConstantLoadEnergy);
    RUN(testMigrationLandsMidStep);
    RUN(testShutdownAndBoot);
    RUN(testBackendRefusals);
    RUN(testOverloadAccounting);
    RUN(testUtilFormula);
    RUN(testLowerBound);
    return testSummary("test_sim");
}
