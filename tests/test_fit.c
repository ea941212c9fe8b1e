/* test_fit.c - power model fitting (fit.h): data generated from known
 * models with seeded Gaussian noise must give the models back, and
 * degenerate input must be refused with a clear message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "fit.h"
#include "testing.h"

static uint64_t rngState;

static double uniform(void) {
    rngState ^= rngState << 13, rngState ^= rngState >> 7, rngState ^= rngState << 17;
    return (double)(rngState >> 11) / 9007199254740992.0;
}

/* Box-Muller; seeded, so every run sees the same noise. */
static double gauss(double sigma) {
    double a = uniform(), b = uniform();
    return sigma * sqrt(-2 * log(a + 1e-300)) * cos(2 * M_PI * b);
}

enum { N = 2000 };
static double us[N], ws[N];

static void generate(const PowerModel *m, double sigma, uint64_t seed) {
    rngState = seed;
    for (int i = 0; i < N; i++) {
        us[i] = uniform();
        ws[i] = powerAt(m, us[i]) + gauss(sigma);
    }
}

static void testLinearRecovered(void) {
    PowerModel truth = powerLinear(150, 300);
    generate(&truth, 5, 42);
    PowerModel m;
    double r;
    CHECK(fitLinear(us, ws, N, &m, &r) == 0);
    CHECK_NEAR(m.idleW, 150, 1.5);
    CHECK_NEAR(m.maxW, 300, 1.5);
    /* Expected r: slope * sd(u) / sd(w) with sd(u) = 1/sqrt(12). */
    double su = 150 / sqrt(12.0), expect = su / sqrt(su * su + 25);
    CHECK_NEAR(r, expect, 0.01);
    FitResult fr;
    CHECK(fitPower(us, ws, N, FIT_FOLDS, &fr) == 0);
    CHECK(fr.chosen == 0); /* linear: the others are not enough better */
    CHECK_NEAR(fr.cand[0].rmse, 5, 0.3);
    CHECK_NEAR(fr.cand[0].cvRmse, 5, 0.3);
}

static void testConcaveChosen(void) {
    PowerModel truth = powerConcave(150, 300, 1.4);
    generate(&truth, 3, 7);
    FitResult fr;
    CHECK(fitPower(us, ws, N, FIT_FOLDS, &fr) == 0);
    CHECK(fr.chosen == 1);
    const PowerModel *m = &fr.cand[1].model;
    CHECK(m->kind == POWER_CONCAVE);
    CHECK_NEAR(m->r, 1.4, 0.05);
    CHECK_NEAR(m->idleW, 150, 2);
    CHECK_NEAR(m->maxW, 300, 2);
    CHECK(fr.cand[1].cvRmse < fr.cand[0].cvRmse);
}

static void testPiecewiseRecovered(void) {
    /* A SPECpower table (HP ProLiant ML110 G5) with a kink no other model has. */
    const double pts[POWER_POINTS] = {93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135};
    PowerModel truth = powerPiecewise(pts);
    generate(&truth, 0.5, 99);
    PowerModel m;
    CHECK(fitPiecewise(us, ws, N, &m) == 0);
    for (int k = 0; k < POWER_POINTS; k++)
        CHECK_NEAR(m.points[k], pts[k], 0.3);
    CHECK(powerValidate(&m) == 0);
}

static void testDegenerate(void) {
    double u[5] = {0.5, 0.5, 0.5, 0.5, 0.5}, w[5] = {100, 101, 102, 103, 104};
    PowerModel m;
    FitResult fr;
    CHECK(fitPower(u, w, 5, FIT_FOLDS, &fr) == -1);
    CHECK_STR_CONTAINS(errLast(), "all 5 samples have the same utilization (50 %)");
    CHECK(fitLinear(u, w, 2, &m, NULL) == -1);
    CHECK_STR_CONTAINS(errLast(), "2 samples are too few");
    u[1] = 0.9;
    w[2] = NAN;
    CHECK(fitConcave(u, w, 5, &m) == -1);
    CHECK_STR_CONTAINS(errLast(), "sample 2: utilization 0.5 or watts nan is not a finite");
    /* Samples only at low load: piecewise cannot be fitted; the others can. */
    double lu[4] = {0, 0.05, 0.1, 0.2}, lw[4] = {100, 105, 110, 120};
    CHECK(fitPiecewise(lu, lw, 4, &m) == -1);
    CHECK_STR_CONTAINS(errLast(), "no samples between 20 % and 40 %");
    CHECK(fitPower(lu, lw, 4, FIT_FOLDS, &fr) == 0);
    CHECK(!fr.cand[2].ok && fr.chosen != 2);
}

static void testCsv(void) {
    char path[] = "/tmp/geyser-fit-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "time,host,server_type,cpu_util,watts\n0,h1,A,10,110\n1,h1,A,20,x\n");
    fclose(f);
    FitData d;
    CHECK(fitReadCsv(path, &d) == -1);
    CHECK_STR_CONTAINS(errLast(), ":3:5: column watts: 'x' is not a finite number");
    f = fopen(path, "w");
    fprintf(f, "host,time,cpu_util,watts,server_type\nh1,0,10,110,A\nh2,0,50,150,B\n"
               "h1,1,120,1,A\n");
    fclose(f);
    CHECK(fitReadCsv(path, &d) == -1);
    CHECK_STR_CONTAINS(errLast(), ":4:3: column cpu_util: 120 is outside 0..100");
    f = fopen(path, "w");
    fprintf(f, "host,time,cpu_util,watts,server_type\nh1,0,10,110,A\nh2,0,50,150,B\n");
    fclose(f);
    CHECK(fitReadCsv(path, &d) == 0);
    CHECK(d.n == 2 && d.sets[0].n == 1 && d.sets[1].u[0] == 0.5);
    fitDataFree(&d);
    remove(path);
}

int main(void) {
    RUN(testLinearRecovered);
    RUN(testConcaveChosen);
    RUN(testPiecewiseRecovered);
    RUN(testDegenerate);
    RUN(testCsv);
    return testSummary("test_fit");
}
