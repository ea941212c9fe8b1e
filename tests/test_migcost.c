/* test_migcost.c - the price of a migration as the simulator and the
 * policies see it: the model's input built from a VM, the mode switch for a
 * pre-copy that would not converge, and the CPU lost, worked by hand. */
#include "migcost.h"
#include "testing.h"

/* 1000 MiB at half load: dirty rate 20 MiB/s in a 250 MiB WWS, link 125 MB/s
 * = 119.2093 MiB/s. Round 0: 1000 / B = 8.388608 s; round 1 sends
 * min(250, 20 x 8.388608) = 167.772 MiB in 1.407375 s; then 28.1475 MiB
 * pending take 0.23612 s <= 0.3: stop and copy (28.1475 + 0.5) / B =
 * 0.240313 s. Time 10.036296 s. */
static void testPrecopy(void) {
    Vm vm = {.ramMb = 1000, .cpu = 1000, .util = 0.5};
    MigInput in = migCostInput(&vm, 125);
    CHECK_NEAR(in.mcrMbps, 20, 1e-12);
    CHECK_NEAR(in.wwsMb, 250, 1e-12);
    CHECK_NEAR(in.bandwidthMbps, 119.2093, 1e-4);
    MigCost mc;
    migCostPredict(&vm, 125, MIGRATE_PRECOPY, 0.1, &mc);
    CHECK(mc.mode == MIGRATE_PRECOPY);
    CHECK(migCostChooseMode(&vm, 125, MIGRATE_PRECOPY) == MIGRATE_PRECOPY);
    CHECK(mc.pred.converged && mc.pred.rounds == 2);
    CHECK_NEAR(mc.timeS, 10.036296, 1e-5);
    CHECK_NEAR(mc.pred.downtimeMs, 240.3126, 1e-3);
    /* 500 CPU x (0.1 x (10.036296 - 0.240313) + 0.240313) = 609.955 */
    CHECK_NEAR(mc.lossCpuS, 609.955, 1e-3);
    CHECK_NEAR(mc.lossShare, 609.955 / (500 * 10.036296), 1e-6);
}

/* A VM that dirties 200 MiB/s, above the link's 119 MiB/s: pre-copy never
 * converges, so it is priced as hybrid: 2 pre-copy rounds (1000 MiB, then
 * min(250, 200 x 8.388608) = 250 MiB), pause for the 0.5 MiB of device
 * state, then push the 250 MiB still dirty while the guest faults in its
 * WWS: 250 x 256 pages x 0.1 ms = 6.4 s of stall. */
static void testHybridWhenPrecopyFails(void) {
    Vm vm = {.ramMb = 1000, .cpu = 1000, .util = 1, .dirtyMbps = 200};
    MigCost mc;
    migCostPredict(&vm, 125, MIGRATE_PRECOPY, 0.1, &mc);
    CHECK(mc.mode == MIGRATE_HYBRID);
    CHECK(mc.pred.converged);
    double b = 125 / 1.048576;
    double t = 1000 / b + 250 / b + 0.5 / b + 250 / b;
    CHECK_NEAR(mc.timeS, t, 1e-6);
    CHECK_NEAR(mc.pred.faultStallS, 6.4, 1e-9);
    double paused = 0.5 / b + 6.4;
    CHECK_NEAR(mc.lossCpuS, 1000 * (0.1 * (t - paused) + paused), 1e-6);
    CHECK(migCostChooseMode(&vm, 125, MIGRATE_PRECOPY) == MIGRATE_HYBRID);
    /* Asked for post-copy: post-copy it stays. */
    migCostPredict(&vm, 125, MIGRATE_POSTCOPY, 0.1, &mc);
    CHECK(mc.mode == MIGRATE_POSTCOPY);
}

/* An idle VM loses nothing; a link of 0 means 1 Gbit/s. */
static void testIdleAndDefaults(void) {
    Vm vm = {.ramMb = 613, .cpu = 500, .util = 0};
    MigCost a, b;
    migCostPredict(&vm, 0, MIGRATE_PRECOPY, 0.1, &a);
    migCostPredict(&vm, 125, MIGRATE_PRECOPY, 0.1, &b);
    CHECK_NEAR(a.timeS, b.timeS, 1e-12);
    CHECK_NEAR(a.timeS, (613 + 0.5) / (125 / 1.048576), 1e-9);
    CHECK(a.lossCpuS == 0 && a.lossShare == 0);
}

int main(void) {
    RUN(testPrecopy);
    RUN(testHybridWhenPrecopyFails);
    RUN(testIdleAndDefaults);
    return testSummary("test_migcost");
}
