/* test_workload.c - unit tests of the workload module: the PlanetLab and
 * CSV loaders on good and broken fixtures (tests/data/workload), sampling,
 * repeating and the generators, plus one load of a real PlanetLab day when
 * the shared data set is present. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "testing.h"
#include "util.h"
#include "workload.h"

#ifndef GEYSER_TEST_DATA
#error "GEYSER_TEST_DATA must name the tests/data directory"
#endif

#define WL_DATA        GEYSER_TEST_DATA "/workload"
#define PL_DIR(name)   WL_DATA "/planetlab/" name
#define CSV_FILE(name) WL_DATA "/csv/" name

static void writeFile(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static void pathIn(char *out, size_t size, const char *dir, const char *name) {
    snprintf(out, size, "%s/%s", dir, name);
}

/* --- PlanetLab directories ---------------------------------------------- */

static void testPlanetLabGood(void) {
    Workload *w = workloadLoadPlanetLab(PL_DIR("good"));
    CHECK(w != NULL);
    if (!w) {
        fprintf(stderr, "  %s\n", errLast());
        return;
    }
    /* Byte order puts 'C' before 'a'; .hidden is not loaded. */
    CHECK(w->nseries == 3);
    CHECK(w->nsamples == 4);
    CHECK_NEAR(w->stepS, 300.0, 0);
    CHECK(strcmp(w->series[0].name, "C_vm") == 0);
    CHECK(strcmp(w->series[1].name, "a_vm") == 0);
    CHECK(strcmp(w->series[2].name, "b_vm") == 0);
    for (int i = 0; i < w->nseries; i++)
        CHECK(w->series[i].nsamples == 4);
    /* C_vm: trailing blanks and no final newline; a_vm: CRLF; b_vm: a
     * trailing empty line. */
    CHECK_NEAR(w->series[0].util[0], 0.05, 1e-7);
    CHECK_NEAR(w->series[0].util[3], 0.35, 1e-7);
    CHECK_NEAR(w->series[1].util[1], 0.50, 1e-7);
    CHECK_NEAR(w->series[1].util[2], 1.00, 1e-7);
    CHECK_NEAR(w->series[2].util[3], 0.40, 1e-7);
    workloadFree(w);
}

static void testUtilAt(void) {
    Workload *w = workloadLoadPlanetLab(PL_DIR("good"));
    CHECK(w != NULL);
    if (!w) return;
    /* C_vm is 5, 15, 25, 35 % at 0, 300, 600, 900 s. */
    CHECK_NEAR(workloadUtilAt(w, 0, 0), 0.05, 1e-7);
    CHECK_NEAR(workloadUtilAt(w, 0, 150), 0.10, 1e-7);
    CHECK_NEAR(workloadUtilAt(w, 0, 450), 0.20, 1e-7);
    CHECK_NEAR(workloadUtilAt(w, 0, 375), 0.175, 1e-7);
    CHECK_NEAR(workloadUtilAt(w, 0, 900), 0.35, 1e-7);
    CHECK_NEAR(workloadUtilAt(w, 0, 5000), 0.35, 1e-7); /* holds after the end */
    CHECK_NEAR(workloadUtilAt(w, 0, -10), 0.05, 1e-7);  /* clamped to 0 */
    /* a_vm falls from 100 % at 600 s to 25 % at 900 s. */
    CHECK_NEAR(workloadUtilAt(w, 1, 800), 0.50, 1e-7);
    CHECK_NEAR(workloadDuration(w), 900.0, 1e-9);
    workloadFree(w);
}

static void testShortSeriesHolds(void) {
    const int lens[] = {1, 1, 1, 1};
    const double utils[] = {0.1, 0.2, 0.3, 0.4};
    Workload *w = workloadPhases(1, lens, utils, 4, 60);
    CHECK(w != NULL);
    if (!w) return;
    w->series[0].nsamples = 2; /* shorter than w->nsamples */
    CHECK_NEAR(workloadUtilAt(w, 0, 30), 0.15, 1e-7);
    CHECK_NEAR(workloadUtilAt(w, 0, 60), 0.2, 1e-7);
    CHECK_NEAR(workloadUtilAt(w, 0, 180), 0.2, 1e-7);
    workloadFree(w);
}

/* Load dir, expect failure, and check the message names every needle. */
static void expectPlanetLabError(const char *dir, const char *needle1, const char *needle2) {
    errClear();
    Workload *w = workloadLoadPlanetLab(dir);
    CHECK(w == NULL);
    workloadFree(w);
    CHECK_STR_CONTAINS(errLast(), needle1);
    if (needle2) CHECK_STR_CONTAINS(errLast(), needle2);
}

static void testPlanetLabBad(void) {
    expectPlanetLabError(PL_DIR("bad-nonint"), "bad-nonint/vm1:3:", "'abc'");
    expectPlanetLabError(PL_DIR("bad-101"), "bad-101/vm1:2:", "101");
    expectPlanetLabError(PL_DIR("bad-neg"), "bad-neg/vm1:1:", "-1");
    expectPlanetLabError(PL_DIR("bad-emptyfile"), "bad-emptyfile/vm1", "empty");
    expectPlanetLabError(PL_DIR("bad-emptyline"), "bad-emptyline/vm1:2:", "empty");
    expectPlanetLabError(PL_DIR("bad-lengths"), "bad-lengths/b_vm", "3 lines");
    CHECK_STR_CONTAINS(errLast(), "bad-lengths/a_vm has 4");
    expectPlanetLabError(PL_DIR("does-not-exist"), "does-not-exist", NULL);
}

static void testPlanetLabDirShapes(void) {
    char tmpl[] = "/tmp/geyser-test-workload-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir) return;
    char file[512], sub[512], hidden[512], link[512];
    pathIn(file, sizeof(file), dir, "vm1");
    pathIn(sub, sizeof(sub), dir, "sub");
    pathIn(hidden, sizeof(hidden), dir, ".hidden");
    pathIn(link, sizeof(link), dir, "vm2");

    expectPlanetLabError(dir, dir, "no trace files"); /* empty */
    writeFile(hidden, "junk\n");
    expectPlanetLabError(dir, dir, "no trace files"); /* only hidden files */

    writeFile(file, "1\n2\n");
    CHECK(mkdir(sub, 0700) == 0);
    expectPlanetLabError(dir, "/sub", "not a regular file");
    CHECK(rmdir(sub) == 0);

    /* A symlink to a trace is a trace. */
    CHECK(symlink("vm1", link) == 0);
    Workload *w = workloadLoadPlanetLab(dir);
    CHECK(w != NULL && w->nseries == 2 && w->nsamples == 2);
    workloadFree(w);

    unlink(link);
    unlink(file);
    unlink(hidden);
    CHECK(rmdir(dir) == 0);
}

static void testPlanetLabOrdered(void) {
    Workload *w = workloadLoadPlanetLabOrdered(PL_DIR("good"), WL_DATA "/order-good.csv");
    CHECK(w != NULL);
    if (w) {
        CHECK(w->nseries == 3 && w->nsamples == 4);
        CHECK(strcmp(w->series[0].name, "b_vm") == 0);
        CHECK(strcmp(w->series[1].name, "C_vm") == 0);
        CHECK(strcmp(w->series[2].name, "a_vm") == 0);
        CHECK_NEAR(w->series[0].util[0], 0.10, 1e-7);
        CHECK_NEAR(w->stepS, 300.0, 0);
    }
    workloadFree(w);

    w = workloadLoadPlanetLabOrdered(PL_DIR("good"), WL_DATA "/order-noheader.csv");
    CHECK(w != NULL);
    if (w) {
        CHECK(strcmp(w->series[0].name, "a_vm") == 0);
        CHECK(strcmp(w->series[2].name, "b_vm") == 0);
    }
    workloadFree(w);

    w = workloadLoadPlanetLabOrdered(PL_DIR("good"), WL_DATA "/order-missing.csv");
    CHECK(w == NULL);
    CHECK_STR_CONTAINS(errLast(), "order-missing.csv:3:");
    CHECK_STR_CONTAINS(errLast(), "'nosuch_vm'");
    workloadFree(w);

    w = workloadLoadPlanetLabOrdered(PL_DIR("good"), WL_DATA "/order-dup.csv");
    CHECK(w == NULL);
    CHECK_STR_CONTAINS(errLast(), "order-dup.csv:4:");
    CHECK_STR_CONTAINS(errLast(), "'b_vm' is named twice (first on line 2)");
    workloadFree(w);

    w = workloadLoadPlanetLabOrdered(PL_DIR("good"), WL_DATA "/order-unnamed.csv");
    CHECK(w == NULL);
    CHECK_STR_CONTAINS(errLast(), "good/C_vm is not named in");
    CHECK_STR_CONTAINS(errLast(), "order-unnamed.csv");
    workloadFree(w);

    w = workloadLoadPlanetLabOrdered(PL_DIR("good"), WL_DATA "/no-such-order.csv");
    CHECK(w == NULL);
    CHECK_STR_CONTAINS(errLast(), "no-such-order.csv");
    workloadFree(w);
}

/* --- CSV ---------------------------------------------------------------- */

static void testCsvGood(void) {
    Workload *w = workloadLoadCsv(CSV_FILE("good.csv"));
    CHECK(w != NULL);
    if (!w) {
        fprintf(stderr, "  %s\n", errLast());
        return;
    }
    CHECK(w->nseries == 2 && w->nsamples == 3);
    CHECK_NEAR(w->stepS, 300.0, 1e-9);
    CHECK(strcmp(w->series[0].name, "web") == 0); /* first appearance */
    CHECK(strcmp(w->series[1].name, "db") == 0);
    CHECK_NEAR(w->series[0].util[1], 0.20, 1e-7);
    CHECK_NEAR(w->series[1].util[1], 0.125, 1e-7);
    CHECK_NEAR(w->series[1].util[2], 1.0, 1e-7);
    CHECK_NEAR(workloadUtilAt(w, 1, 450), (0.125 + 1.0) / 2, 1e-7);
    workloadFree(w);
}

static void expectCsvError(const char *path, const char *needle1, const char *needle2) {
    errClear();
    Workload *w = workloadLoadCsv(path);
    CHECK(w == NULL);
    workloadFree(w);
    CHECK_STR_CONTAINS(errLast(), needle1);
    if (needle2) CHECK_STR_CONTAINS(errLast(), needle2);
}

static void testCsvBad(void) {
    expectCsvError(CSV_FILE("bad-missing-col.csv"), "bad-missing-col.csv:1:", "'cpu_util'");
    expectCsvError(CSV_FILE("bad-number.csv"), "bad-number.csv:3:", "'abc'");
    expectCsvError(CSV_FILE("bad-negtime.csv"), "bad-negtime.csv:4:", "negative");
    expectCsvError(CSV_FILE("bad-offgrid.csv"), "bad-offgrid.csv:3:", "time 300 s");
    expectCsvError(CSV_FILE("bad-gap.csv"), "vm 'b' has no sample at time 300 s", "grid step 300");
    expectCsvError(CSV_FILE("bad-dup.csv"), "bad-dup.csv:5:", "first is on line 2");
    expectCsvError(CSV_FILE("bad-dup2.csv"), "bad-dup2.csv:4:", "vm 'a'");
    expectCsvError(CSV_FILE("bad-150.csv"), "bad-150.csv:3:", "150");
    expectCsvError(CSV_FILE("bad-quoted.csv"), "bad-quoted.csv:2:", "quoted");
    expectCsvError(CSV_FILE("bad-emptyline.csv"), "bad-emptyline.csv:3:", "empty");
    expectCsvError(CSV_FILE("no-such.csv"), "no-such.csv", NULL);
}

static void testCsvShapes(void) {
    char tmpl[] = "/tmp/geyser-test-csv-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir) return;
    char path[512];
    pathIn(path, sizeof(path), dir, "t.csv");

    writeFile(path, "");
    expectCsvError(path, "t.csv", "empty");
    writeFile(path, "time,vm,cpu_util\n");
    expectCsvError(path, "t.csv", "no samples");
    writeFile(path, "time,vm,cpu_util\n0,a,1\n0,b,2\n");
    expectCsvError(path, "t.csv", "two distinct times");
    writeFile(path, "time,vm,cpu_util,time\n0,a,1,0\n");
    expectCsvError(path, "t.csv:1:", "twice");
    writeFile(path, "time,vm,cpu_util\n0,a,1\n60,a\n");
    expectCsvError(path, "t.csv:3:", "2 fields");
    /* Times printed through floating point still land on the grid. */
    writeFile(path, "time,vm,cpu_util\n0,a,1\n0.5000000001,a,2\n1,a,3\n");
    Workload *w = workloadLoadCsv(path);
    CHECK(w != NULL && w->nsamples == 3);
    if (w) CHECK_NEAR(w->stepS, 0.5, 1e-6);
    workloadFree(w);

    unlink(path);
    CHECK(rmdir(dir) == 0);
}

/* 100800 rows (350 VMs x 288 times), rows grouped by VM: the size of a
 * day's export, which must load in milliseconds. */
static void testCsvLarge(void) {
    char tmpl[] = "/tmp/geyser-test-csvbig-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir) return;
    char path[512];
    pathIn(path, sizeof(path), dir, "big.csv");
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("vm,time,cpu_util\n", f);
    for (int v = 0; v < 350; v++)
        for (int k = 0; k < 288; k++)
            fprintf(f, "vm%d,%d,%d\n", v, k * 300, (v + k) % 101);
    fclose(f);

    double t0 = nowMonotonic();
    Workload *w = workloadLoadCsv(path);
    double ms = (nowMonotonic() - t0) * 1e3;
    CHECK(w != NULL);
    if (w) {
        CHECK(w->nseries == 350 && w->nsamples == 288);
        CHECK(strcmp(w->series[349].name, "vm349") == 0);
        CHECK_NEAR(w->series[349].util[287], ((349 + 287) % 101) / 100.0, 1e-7);
    }
    fprintf(stderr, "  note: 100800-row CSV loaded in %.1f ms\n", ms);
    workloadFree(w);
    unlink(path);
    CHECK(rmdir(dir) == 0);
}

/* --- generators and repeat ---------------------------------------------- */

static void testConstant(void) {
    Workload *w = workloadConstant(3, 5, 60, 0.25);
    CHECK(w != NULL);
    if (w) {
        CHECK(w->nseries == 3 && w->nsamples == 5);
        CHECK_NEAR(w->stepS, 60, 0);
        for (int s = 0; s < 3; s++)
            for (int k = 0; k < 5; k++)
                CHECK_NEAR(w->series[s].util[k], 0.25, 0);
        CHECK(w->series[2].name && w->series[2].name[0]);
        CHECK_NEAR(workloadDuration(w), 240, 1e-9);
    }
    workloadFree(w);
    /* One sample still covers one step. */
    w = workloadConstant(1, 1, 60, 0);
    CHECK(w != NULL);
    if (w) CHECK_NEAR(workloadDuration(w), 60, 1e-9);
    workloadFree(w);

    CHECK(workloadConstant(0, 5, 60, 0.5) == NULL);
    CHECK_STR_CONTAINS(errLast(), "series");
    CHECK(workloadConstant(1, 0, 60, 0.5) == NULL);
    CHECK_STR_CONTAINS(errLast(), "samples");
    CHECK(workloadConstant(1, 5, 0, 0.5) == NULL);
    CHECK_STR_CONTAINS(errLast(), "step");
    CHECK(workloadConstant(1, 5, 60, 1.5) == NULL);
    CHECK_STR_CONTAINS(errLast(), "1.5");
    CHECK(workloadConstant(1, 5, 60, NAN) == NULL);
}

static void testPhases(void) {
    const int lens[] = {2, 3, 1};
    const double utils[] = {0.1, 0.9, 0.5};
    Workload *w = workloadPhases(2, lens, utils, 3, 300);
    CHECK(w != NULL);
    if (w) {
        CHECK(w->nseries == 2 && w->nsamples == 6 && w->series[1].nsamples == 6);
        const double want[] = {0.1, 0.1, 0.9, 0.9, 0.9, 0.5};
        for (int k = 0; k < 6; k++)
            CHECK_NEAR(w->series[1].util[k], want[k], 1e-7);
    }
    workloadFree(w);

    const int badLens[] = {2, 0};
    CHECK(workloadPhases(1, badLens, utils, 2, 300) == NULL);
    CHECK_STR_CONTAINS(errLast(), "phase 1");
    const double badUtils[] = {0.1, -0.1};
    CHECK(workloadPhases(1, lens, badUtils, 2, 300) == NULL);
    CHECK_STR_CONTAINS(errLast(), "-0.1");
    CHECK(workloadPhases(1, lens, utils, 0, 300) == NULL);
    CHECK(workloadPhases(1, lens, utils, 3, -1) == NULL);
}

static int allInUnitRange(const Workload *w) {
    for (int s = 0; s < w->nseries; s++)
        for (int k = 0; k < w->series[s].nsamples; k++)
            if (!(w->series[s].util[k] >= 0 && w->series[s].util[k] <= 1)) return 0;
    return 1;
}

static void testRandomWalk(void) {
    Workload *a = workloadRandomWalk(4, 1000, 300, 0.5, 0.3, 42);
    Workload *b = workloadRandomWalk(4, 1000, 300, 0.5, 0.3, 42);
    Workload *c = workloadRandomWalk(4, 1000, 300, 0.5, 0.3, 43);
    CHECK(a && b && c);
    if (a && b && c) {
        CHECK(a->nseries == 4 && a->nsamples == 1000);
        CHECK_NEAR(a->series[0].util[0], 0.5, 1e-7);
        int same = 1, differs = 0, moves = 0;
        for (int s = 0; s < 4; s++) {
            size_t bytes = 1000 * sizeof(float);
            same &= memcmp(a->series[s].util, b->series[s].util, bytes) == 0;
            differs |= memcmp(a->series[s].util, c->series[s].util, bytes) != 0;
            moves |= a->series[s].util[1] != a->series[s].util[0];
        }
        CHECK(same);
        CHECK(differs);
        CHECK(moves);
        CHECK(memcmp(a->series[0].util, a->series[1].util, 1000 * sizeof(float)) != 0);
        CHECK(allInUnitRange(a) && allInUnitRange(c));
    }
    workloadFree(a);
    workloadFree(b);
    workloadFree(c);

    /* Steps larger than the range still reflect inside it. */
    Workload *wild = workloadRandomWalk(2, 500, 60, 0.0, 5.0, 7);
    CHECK(wild != NULL && allInUnitRange(wild));
    workloadFree(wild);

    CHECK(workloadRandomWalk(1, 10, 60, 1.2, 0.1, 1) == NULL);
    CHECK_STR_CONTAINS(errLast(), "start");
    CHECK(workloadRandomWalk(1, 10, 60, 0.5, -0.1, 1) == NULL);
    CHECK(workloadRandomWalk(1, 10, 60, 0.5, INFINITY, 1) == NULL);
}

static void testRepeat(void) {
    Workload *w = workloadLoadPlanetLab(PL_DIR("good"));
    CHECK(w != NULL);
    if (!w) return;
    Workload *r = workloadRepeat(w, 3);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->nseries == 9 && r->nsamples == 4);
        CHECK_NEAR(r->stepS, 300, 0);
        CHECK(strcmp(r->series[0].name, "C_vm#0") == 0);
        CHECK(strcmp(r->series[2].name, "b_vm#0") == 0);
        CHECK(strcmp(r->series[3].name, "C_vm#1") == 0);
        CHECK(strcmp(r->series[8].name, "b_vm#2") == 0);
        for (int i = 0; i < 9; i++) {
            CHECK(r->series[i].nsamples == 4);
            CHECK(memcmp(r->series[i].util, w->series[i % 3].util, 4 * sizeof(float)) == 0);
        }
    }
    workloadFree(r);
    CHECK(workloadRepeat(w, 0) == NULL);
    CHECK_STR_CONTAINS(errLast(), "0 times");
    CHECK(workloadRepeat(NULL, 2) == NULL);
    workloadFree(w);
}

/* --- the real day ------------------------------------------------------- */

static void testRealDay(void) {
    const char *shared = getenv("GEYSER_SHARED");
    char dir[1024], order[1024];
    snprintf(dir, sizeof(dir), "%s/data/planetlab/20110303", shared ? shared : "");
    snprintf(order, sizeof(order), "%s/data/planetlab/cloudsim-vm-order-20110303-thismachine.csv",
             shared ? shared : "");
    struct stat st;
    if (!shared || stat(dir, &st) != 0) {
        fprintf(stderr, "  note: %s not found (set GEYSER_SHARED); real-day test skipped\n", dir);
        return;
    }
    double t0 = nowMonotonic();
    Workload *w = workloadLoadPlanetLab(dir);
    double ms = (nowMonotonic() - t0) * 1e3;
    CHECK(w != NULL);
    if (!w) {
        fprintf(stderr, "  %s\n", errLast());
        return;
    }
    fprintf(stderr, "  note: 20110303 (1052 files) loaded in %.1f ms\n", ms);
    CHECK(w->nseries == 1052);
    CHECK(w->nsamples == 288);
    double sum = 0;
    for (int s = 0; s < w->nseries; s++)
        for (int k = 0; k < w->series[s].nsamples; k++)
            sum += w->series[s].util[k];
    CHECK_NEAR(100.0 * sum / (1052.0 * 288.0), 12.31, 0.01);
    for (int s = 1; s < w->nseries; s++)
        CHECK(strcmp(w->series[s - 1].name, w->series[s].name) < 0);
    workloadFree(w);

    if (stat(order, &st) == 0) {
        w = workloadLoadPlanetLabOrdered(dir, order);
        CHECK(w != NULL && w->nseries == 1052);
        if (w) CHECK(strcmp(w->series[0].name, "planetlab3_cs_st-andrews_ac_uk_upmc_ts") == 0);
        workloadFree(w);
    }
}

int main(void) {
    RUN(testPlanetLabGood);
    RUN(testUtilAt);
    RUN(testShortSeriesHolds);
    RUN(testPlanetLabBad);
    RUN(testPlanetLabDirShapes);
    RUN(testPlanetLabOrdered);
    RUN(testCsvGood);
    RUN(testCsvBad);
    RUN(testCsvShapes);
    RUN(testCsvLarge);
    RUN(testConstant);
    RUN(testPhases);
    RUN(testRandomWalk);
    RUN(testRepeat);
    RUN(testRealDay);
    return testSummary("test_workload");
}
