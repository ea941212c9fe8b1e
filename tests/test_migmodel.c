/* test_migmodel.c - the live-migration cost model against cases computed by
 * hand (the arithmetic is in the comments), its edge cases and bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "migration/migcalib.h"
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

/* caseA with every calibration term on: 0.5 s set-up, half the cap
 * achieved (64 MiB/s), zero pages scanned at 256 MiB/s, 64 MiB non-zero
 * beyond the used memory. */
static MigInput caseCal(void) {
    MigInput in = caseA();
    in.cal = (MigCalib){.setupS = 0.5, .linkEfficiency = 0.5, .scanMbps = 256, .extraMb = 64};
    return in;
}

static void testCalibratedPrecopy(void) {
    /* V0 = min(2048, 1024 + 64) = 1088 MiB; zero scan (2048 - 1088)/256 = 3.75 s
     * round 0: 1088/64 + 3.75 = 20.75 s (t = 0.5 + 20.75 = 21.25), then
     *   min(128, 64 x 20.75) = 128 pending; every later round 128/64 = 2 s
     *   leaves min(128, 64 x 2) = 128: 2 s > 0.3 s, never fits.
     * Data cap 4 x 1088 = 4352: after k later rounds 1088 + 128k are sent;
     *   the next would pass it when 1088 + 128(k+1) > 4352, k = 25.
     * Cancelled after 26 rounds at t = 21.25 + 25 x 2 = 71.25 s, 4288 MiB. */
    MigInput in = caseCal();
    MigPrediction p;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == 0);
    CHECK(!p.converged);
    CHECK(p.rounds == 26);
    CHECK_NEAR(p.timeS, 71.25, 1e-9);
    CHECK_NEAR(p.bytes, 4288 * MIB, 1e-3);
    CHECK(migChooseMode(&in) == MIGRATE_HYBRID);
}

static void testCalibratedHybridAndPostcopy(void) {
    /* Hybrid: rounds 0 and 1 as above (t = 23.25 s, 1216 MiB sent, 128 MiB
     * pending); switch after 2 rounds; push 128/64 = 2 s (no scan: round 0
     * already read the zero pages). t = 25.25 s, 1344 MiB. */
    MigInput in = caseCal();
    MigPrediction p;
    CHECK(migPredict(&in, MIGRATE_HYBRID, &p) == 0);
    CHECK(p.converged && p.rounds == 2);
    CHECK_NEAR(p.timeS, 25.25, 1e-9);
    CHECK_NEAR(p.bytes, 1344 * MIB, 1e-3);
    CHECK_NEAR(p.postcopyS, 2, 1e-9);
    /* Post-copy: one pass of 1088 MiB at 64 MiB/s plus the scan, 17 + 3.75 s,
     * after the 0.5 s set-up: t = 21.25 s, 1088 MiB. */
    CHECK(migPredict(&in, MIGRATE_POSTCOPY, &p) == 0);
    CHECK_NEAR(p.postcopyS, 20.75, 1e-9);
    CHECK_NEAR(p.timeS, 21.25, 1e-9);
    CHECK_NEAR(p.bytes, 1088 * MIB, 1e-3);
}

static void testCalibratedIdle(void) {
    /* 1024 MiB guest, 512 used, idle, 64 MiB/s cap; set-up 1 s, efficiency
     * 0.5 (32 MiB/s), scan 512 MiB/s, 32 MiB extra, 0.5 MiB device state.
     * V0 = 544: 544/32 = 17 s + (1024 - 544)/512 = 0.9375 s scan; t = 18.9375;
     * nothing dirty: pause 0.5/32 = 15.625 ms; t = 18.953125 s; 544.5 MiB. */
    MigInput in = migInputDefaults();
    in.memMb = 1024;
    in.usedMb = 512;
    in.bandwidthMbps = 64;
    in.cal = (MigCalib){.setupS = 1, .linkEfficiency = 0.5, .scanMbps = 512, .extraMb = 32};
    MigPrediction p;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == 0);
    CHECK(p.converged && p.rounds == 1);
    CHECK_NEAR(p.timeS, 18.953125, 1e-9);
    CHECK_NEAR(p.downtimeMs, 15.625, 1e-9);
    CHECK_NEAR(p.bytes, 544.5 * MIB, 1e-3);
    /* extra never makes round 0 larger than the guest */
    in.cal.extraMb = 4096;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == 0);
    CHECK_NEAR(p.bytes, 1024.5 * MIB, 1e-3);
    in.cal.linkEfficiency = 0;
    CHECK(migPredict(&in, MIGRATE_PRECOPY, &p) == -1);
    CHECK_STR_CONTAINS(errLast(), "link efficiency");
}

static void testCalibFile(void) {
    char path[] = "/tmp/geyser-cal-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    MigCalib c = {.setupS = 0.75, .linkEfficiency = 0.9, .scanMbps = 400, .extraMb = 24};
    CHECK(migCalibSave(path, &c, "test") == 0);
    MigCalib r;
    CHECK(migCalibLoad(path, &r) == 0);
    CHECK_NEAR(r.setupS, 0.75, 1e-12);
    CHECK_NEAR(r.linkEfficiency, 0.9, 1e-12);
    CHECK_NEAR(r.scanMbps, 400, 1e-12);
    CHECK_NEAR(r.extraMb, 24, 1e-12);
    /* missing keys keep their defaults; '=' and comments are allowed */
    FILE *f = fopen(path, "w");
    fprintf(f, "# partial\nsetup_s = 2  # seconds\n\n");
    fclose(f);
    CHECK(migCalibLoad(path, &r) == 0);
    CHECK_NEAR(r.setupS, 2, 1e-12);
    CHECK_NEAR(r.linkEfficiency, 1, 1e-12);
    f = fopen(path, "w");
    fprintf(f, "setup_s 1\nlink_efficiency 3\n");
    fclose(f);
    CHECK(migCalibLoad(path, &r) == -1);
    CHECK_STR_CONTAINS(errLast(), ":2: link_efficiency must be a number from 0.01 to 2, not '3'");
    f = fopen(path, "w");
    fprintf(f, "speed 1\n");
    fclose(f);
    CHECK(migCalibLoad(path, &r) == -1);
    CHECK_STR_CONTAINS(errLast(), ":1: unknown calibration key 'speed'");
    unlink(path);
    CHECK(migCalibLoad(path, &r) == -1);
    CHECK_STR_CONTAINS(errLast(), "cannot read calibration");
}

static void testCalibFit(void) {
    /* Samples the model itself makes with known terms: the fit must find
     * terms that reproduce them (the grid holds these exact values). */
    MigCalib truth = {.setupS = 0.8, .linkEfficiency = 0.9, .scanMbps = 400, .extraMb = 24};
    static const double mem[] = {128, 512, 1024, 512, 512, 256, 256, 256};
    static const double used[] = {20, 25, 30, 60, 150, 150, 150, 150};
    static const double wws[] = {0, 0, 0, 32, 128, 128, 128, 128};
    static const double mcr[] = {0, 0, 0, 20, 20, 10, 60, 160};
    MigSample s[16];
    int n = 0;
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 2; k++) {
            MigSample *x = &s[n++];
            *x = (MigSample){.mode = k ? MIGRATE_HYBRID : MIGRATE_PRECOPY, .timeLimitS = 15};
            x->in = migInputDefaults();
            x->in.memMb = mem[i];
            x->in.usedMb = used[i];
            x->in.wwsMb = wws[i];
            x->in.mcrMbps = mcr[i];
            x->in.bandwidthMbps = 61.035;
            MigPrediction p;
            CHECK(migSamplePredict(x, &truth, &p) == 0);
            x->completed = p.converged;
            x->timeS = p.timeS;
            x->bytes = p.bytes;
        }
    MigCalib fit;
    CHECK(migCalibFit(s, n, &fit) == 0);
    MigFitError e;
    migFitEvaluate(s, n, &fit, &e);
    CHECK(e.timeMedPct < 1);
    CHECK(e.bytesMedPct < 1);
    CHECK(e.convergenceWrong == 0);
    CHECK(e.precopyRuns == 8);
    CHECK_NEAR(fit.extraMb, 24, 1.5);
    CHECK_NEAR(fit.linkEfficiency, 0.9, 0.03);
    /* Uncalibrated, the same samples are far off. */
    MigCalib none = migCalibDefaults();
    migFitEvaluate(s, n, &none, &e);
    CHECK(e.timeMedPct > 10);
    /* Too few completed runs to fit. */
    CHECK(migCalibFit(s, 2, &fit) == -1 || s[0].completed + s[1].completed >= 3);
    for (int i = 0; i < n; i++)
        s[i].completed = false;
    CHECK(migCalibFit(s, n, &fit) == -1);
    CHECK_STR_CONTAINS(errLast(), "at least 3 completed");
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
    RUN(testCalibratedPrecopy);
    RUN(testCalibratedHybridAndPostcopy);
    RUN(testCalibratedIdle);
    RUN(testCalibFile);
    RUN(testCalibFit);
    return testSummary("test_migmodel");
}
