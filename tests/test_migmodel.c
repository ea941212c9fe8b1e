/* test_migmodel.c - the live-migration cost model against cases computed by
 * hand (the arithmetic is in the comments), its edge cases and bad input. */
#include "err.h"
#include "migration/migmodel.h"
#include "testing.h"

#define MIB 1048576.0

/* A 1 GiB guest, 128 MiB hot set dirtied at 64 MiB/s, a 128 MiB/s link, no
 * device state (so the arithmetic stays round). */
static MigInput caseA(void) {
    MigInput in = migInputDefaults();
    in.memMb = 2048;
    in.usedMb = 1024;
    in.wwsMb = 128;
    in.mcrMbps = 64;
    in.bandwidthMbps = 128;
    in.deviceMb = 0;
    return in;
}

static void testPrecopyConverges(void) {
    /* round 0: 1024/128 = 8 s, then min(128, 64*8=512) = 128 pending
     * round 1: 128/128 = 1 s (t=9),  then min(128, 64*1) = 64 pending
     * round 2: 64/128 = 0.5 s (t=9.5), then min(128, 64*0.5) = 32 pending
     * 32/128 = 0.25 s <= 0.3 s: stop-and-copy, downtime 250 ms, t = 9.75 s
     * bytes = 1024+128+64+32 = 1248 MiB, 3 rounds. */
    MigInput in = caseA();
    MigPrediction p;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == 0);
    CHECK(p.converged);
    CHECK(p.rounds == 3);
    CHECK_NEAR(p.timeS, 9.75, 1e-9);
    CHECK_NEAR(p.downtimeMs, 250, 1e-9);
    CHECK_NEAR(p.bytes, 1248 * MIB, 1e-3);
    CHECK(migChooseMode(&in) == MIGRATE_PRECOPY);
}

static void testHybrid(void) {
    /* Rounds 0 and 1 as above (t = 9 s, 1152 MiB sent, 64 MiB pending); two
     * hybrid rounds done, 64/128 = 0.5 s > 0.3 s: switch. Pause for the
     * device state (0 here), push 64 MiB: 0.5 s. t = 9.5 s, 1216 MiB.
     * Faults: min(128, 64) MiB = 16384 pages x 0.1 ms = 1.6384 s. */
    MigInput in = caseA();
    MigPrediction p;
    CHECK(migPredict(&in, MIGRATE_HYBRID, &p) == 0);
    CHECK(p.converged);
    CHECK(p.rounds == 2);
    CHECK_NEAR(p.timeS, 9.5, 1e-9);
    CHECK_NEAR(p.downtimeMs, 0, 1e-9);
    CHECK_NEAR(p.bytes, 1216 * MIB, 1e-3);
    CHECK_NEAR(p.postcopyS, 0.5, 1e-9);
    CHECK_NEAR(p.faultStallS, 1.6384, 1e-9);
}

static void testPostcopy(void) {
    /* One pass of the used memory: 1024/128 = 8 s; device state 1 MiB:
     * pause 1/128 s = 7.8125 ms; t = 8.0078125 s; bytes 1025 MiB.
     * Faults: the WWS, 128 MiB = 32768 pages x 0.1 ms = 3.2768 s. */
    MigInput in = caseA();
    in.deviceMb = 1;
    MigPrediction p;
    CHECK(migPredict(&in, MIGRATE_POSTCOPY, &p) == 0);
    CHECK(p.converged);
    CHECK(p.rounds == 0);
    CHECK_NEAR(p.timeS, 8.0078125, 1e-9);
    CHECK_NEAR(p.downtimeMs, 7.8125, 1e-9);
    CHECK_NEAR(p.bytes, 1025 * MIB, 1e-3);
    CHECK_NEAR(p.faultStallS, 3.2768, 1e-9);
}

static void testDirtyFasterThanLink(void) {
    /* WWS = all used memory, dirtied at 200 MiB/s over a 100 MiB/s link:
     * every round finds 1024 MiB dirty. Rounds of 10.24 s each until the
     * data cap 4 x 1024: after 4 rounds 4096 MiB are sent and a fifth would
     * make 5120 > 4096. Cancelled at t = 40.96 s, never paused. */
    MigInput in = migInputDefaults();
    in.memMb = in.usedMb = in.wwsMb = 1024;
    in.mcrMbps = 200;
    in.bandwidthMbps = 100;
    MigPrediction p;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == 0);
    CHECK(!p.converged);
    CHECK(p.rounds == 4);
    CHECK_NEAR(p.timeS, 40.96, 1e-9);
    CHECK_NEAR(p.downtimeMs, 0, 1e-12);
    CHECK_NEAR(p.bytes, 4096 * MIB, 1e-3);
    CHECK(migChooseMode(&in) == MIGRATE_HYBRID);
    /* Hybrid: round 0 (10.24 s), round 1 (20.48 s) finds 1024 pending again:
     * not shrinking, switch; push 1024 MiB (10.24 s) + 0.5 MiB device state. */
    CHECK(migPredict(&in, MIGRATE_HYBRID, &p) == 0);
    CHECK(p.converged);
    CHECK(p.rounds == 1);
    CHECK_NEAR(p.timeS, 10.24 + 0.005 + 10.24, 1e-9);
    CHECK_NEAR(p.downtimeMs, 5, 1e-9);
    /* Even without the data cap it never converges: the round cap stops it. */
    in.maxDataFactor = 1e6;
    in.mcrMbps = 100; /* equal to the link */
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == 0);
    CHECK(!p.converged);
    CHECK(p.rounds == 30);
}

static void testRoundLimit(void) {
    /* Dirtying at 90% of the link: pending shrinks by 0.9 a round, 100, 90,
     * 81, 72.9, 65.61 then 59.049 MiB, still 0.59 s > 0.3 s after 5 rounds.
     * t = 1 + 0.9 + 0.81 + 0.729 + 0.6561 = 4.0951 s = 10 (1 - 0.9^5). */
    MigInput in = migInputDefaults();
    in.memMb = in.usedMb = in.wwsMb = 100;
    in.mcrMbps = 90;
    in.bandwidthMbps = 100;
    in.maxRounds = 5;
    in.maxDataFactor = 100;
    MigPrediction p;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == 0);
    CHECK(!p.converged);
    CHECK(p.rounds == 5);
    CHECK_NEAR(p.timeS, 4.0951, 1e-9);
    CHECK_NEAR(p.bytes, 409.51 * MIB, 1e-3);
}

static void testIdle(void) {
    /* No dirtying: one round of 512/64 = 8 s, nothing pending, then the
     * 0.5 MiB device state: 0.5/64 s = 7.8125 ms. */
    MigInput in = migInputDefaults();
    in.memMb = 1024;
    in.usedMb = 512;
    in.wwsMb = 0;
    in.mcrMbps = 0;
    in.bandwidthMbps = 64;
    MigPrediction p;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == 0);
    CHECK(p.converged);
    CHECK(p.rounds == 1);
    CHECK_NEAR(p.timeS, 8.0078125, 1e-9);
    CHECK_NEAR(p.downtimeMs, 7.8125, 1e-9);
    /* Hybrid on an idle guest converges as pre-copy does. */
    MigPrediction h;
    CHECK(migPredict(&in, MIGRATE_HYBRID, &h) == 0);
    CHECK(h.rounds == 1 && h.faultStallS == 0);
    CHECK_NEAR(h.timeS, p.timeS, 1e-12);
    /* A guest small enough to fit in the downtime is one stop-and-copy. */
    in.usedMb = 10;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == 0);
    CHECK(p.rounds == 0 && p.converged);
    CHECK_NEAR(p.downtimeMs, 10.5 / 64 * 1000, 1e-9);
}

static void testBadInput(void) {
    MigInput in = caseA();
    MigPrediction p;
    in.bandwidthMbps = 0;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == -1);
    CHECK_STR_CONTAINS(errLast(), "bandwidth must be more than 0");
    in = caseA();
    in.usedMb = 4096;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == -1);
    CHECK_STR_CONTAINS(errLast(), "memory in use (MiB) must be a number from 0 to 2048");
    in = caseA();
    in.wwsMb = 2000;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == -1);
    CHECK_STR_CONTAINS(errLast(), "writable working set");
    in = caseA();
    in.mcrMbps = -1;
    CHECK(migPredict(&in, MIGRATE_HYBRID, &p) == -1);
    CHECK_STR_CONTAINS(errLast(), "dirty rate");
    in = caseA();
    in.memMb = NAN;
    CHECK(migPredict(&in, MIGRATE_HYBRID, &p) == -1);
    CHECK_STR_CONTAINS(errLast(), "memory must be more than 0");
    in = caseA();
    in.maxRounds = 0;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == -1);
    CHECK_STR_CONTAINS(errLast(), "max rounds");
    in = caseA();
    CHECK(migPredict(&in, (MigrationMode)7, &p) == -1);
    CHECK_STR_CONTAINS(errLast(), "unknown migration mode");
    CHECK(migPredict(NULL, MIGRATE_PRECOPY, &p) == -1);
}

static void testUnits(void) {
    /* 1000 Mbit/s = 125 000 000 B/s = 119.209... MiB/s */
    CHECK_NEAR(migBandwidthFromMbit(1000), 125e6 / MIB, 1e-12);
}

int main(void) {
    RUN(testPrecopyConverges);
    RUN(testHybrid);
    RUN(testPostcopy);
    RUN(testDirtyFasterThanLink);
    RUN(testRoundLimit);
    RUN(testIdle);
    RUN(testBadInput);
    RUN(testUnits);
    return testSummary("test_migmodel");
}
