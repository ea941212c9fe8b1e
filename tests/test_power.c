/* test_power.c - the three power models against values worked out by hand,
 * the lower bound on watts per unit of utilization, and model validation. */
#include <math.h>

#include "err.h"
#include "power.h"
#include "testing.h"

/* CloudSim's PowerModelSpecPowerHpProLiantMl110G4Xeon3040. */
static const double g4[POWER_POINTS] = {86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117};

static void testLinear(void) {
    PowerModel m = powerLinear(100, 200);
    CHECK(m.kind == POWER_LINEAR);
    CHECK_NEAR(powerAt(&m, 0), 100, 1e-12);
    CHECK_NEAR(powerAt(&m, 0.25), 125, 1e-12); /* 100 + 100 * 0.25 */
    CHECK_NEAR(powerAt(&m, 1), 200, 1e-12);
    /* Out of range is clamped: below 0 is idle, above 1 is full load. */
    CHECK_NEAR(powerAt(&m, -0.5), 100, 1e-12);
    CHECK_NEAR(powerAt(&m, 1.7), 200, 1e-12);
    CHECK_NEAR(powerAt(&m, NAN), 100, 1e-12);
    /* The table is filled so that every kind prints alike: 100 + 100 * 0.3. */
    CHECK_NEAR(m.points[3], 130, 1e-12);
}

static void testPiecewiseBreakpoints(void) {
    PowerModel m = powerPiecewise(g4);
    CHECK(m.kind == POWER_PIECEWISE);
    CHECK(m.idleW == 86 && m.maxW == 117);
    /* At each 10 % point the table value itself, to the bit. */
    for (int i = 0; i < POWER_POINTS; i++)
        CHECK(powerAt(&m, i / 10.0) == g4[i]);
}

static void testPiecewiseBetween(void) {
    PowerModel m = powerPiecewise(g4);
    /* u = 0.05: halfway from 86 (0 %) to 89.4 (10 %): 86 + 3.4 / 2 = 87.7. */
    CHECK_NEAR(powerAt(&m, 0.05), 87.7, 1e-9);
    /* u = 0.55: halfway from 102 (50 %) to 106 (60 %): 102 + 4 / 2 = 104.0. */
    CHECK_NEAR(powerAt(&m, 0.55), 104.0, 1e-9);
    /* u = 0.97: 70 % of the way from 114 (90 %) to 117: 114 + 3 * 0.7 = 116.1. */
    CHECK_NEAR(powerAt(&m, 0.97), 116.1, 1e-9);
    /* u = 0.325: a quarter from 96 (30 %) to 99.5: 96 + 3.5 / 4 = 96.875. */
    CHECK_NEAR(powerAt(&m, 0.325), 96.875, 1e-9);
    /* Clamped ends. */
    CHECK(powerAt(&m, -1) == 86);
    CHECK(powerAt(&m, 2) == 117);
}

static void testConcave(void) {
    PowerModel m = powerConcave(150, 300, 1.4);
    CHECK(m.kind == POWER_CONCAVE);
    /* u = 0.5, r = 1.4: 0.5^1.4 = exp(1.4 * ln 0.5) = exp(-0.970406) = 0.3789291;
     * 2u - u^r = 1 - 0.3789291 = 0.6210709; P = 150 + 150 * 0.6210709 = 243.16063. */
    CHECK_NEAR(powerAt(&m, 0.5), 243.16063, 1e-4);
    CHECK_NEAR(powerAt(&m, 0), 150, 1e-12);
    CHECK_NEAR(powerAt(&m, 1), 300, 1e-12); /* 2 - 1 = 1 */
    CHECK_NEAR(powerAt(&m, 3), 300, 1e-12);
    /* u = 0.1: 0.1^1.4 = 10^-1.4 = 0.0398107; 0.2 - 0.0398107 = 0.1601893;
     * P = 150 + 150 * 0.1601893 = 174.0284. */
    CHECK_NEAR(powerAt(&m, 0.1), 174.0284, 1e-3);
    CHECK_NEAR(m.points[1], 174.0284, 1e-3);
    /* r = 2 at u = 0.5: 1 - 0.25 = 0.75; P = 0 + 100 * 0.75 = 75. */
    PowerModel q = powerConcave(0, 100, 2);
    CHECK_NEAR(powerAt(&q, 0.5), 75, 1e-12);
}

/* min over u in (0, 1] of P(u)/u, by brute force, to hold the closed forms to. */
static double scanMin(const PowerModel *m) {
    double best = INFINITY;
    for (int i = 1; i <= 100000; i++) {
        double u = i / 100000.0;
        double v = powerAt(m, u) / u;
        if (v < best) best = v;
    }
    return best;
}

static void testMinWattsPerUtil(void) {
    PowerModel lin = powerLinear(100, 200);
    CHECK_NEAR(powerMinWattsPerUtil(&lin), 200, 1e-12); /* 100/u + 100, least at u = 1 */
    PowerModel g = powerPiecewise(g4);
    /* 89.4/0.1 = 894, ..., 114/0.9 = 126.7, 117/1 = 117. */
    CHECK_NEAR(powerMinWattsPerUtil(&g), 117, 1e-12);
    /* A curve that jumps at the end: P/u = 50 at every point from 10 % to
     * 90 %, but 100 at 100 %; the least is 50, not P(1). */
    const double jump[POWER_POINTS] = {0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 100};
    PowerModel j = powerPiecewise(jump);
    CHECK_NEAR(powerMinWattsPerUtil(&j), 50, 1e-12);
    CHECK(powerMinWattsPerUtil(&j) <= scanMin(&j) + 1e-9);
    /* Concave: 150/u + 150 * (2 - u^0.4) falls all the way to u = 1: 300. */
    PowerModel c = powerConcave(150, 300, 1.4);
    CHECK_NEAR(powerMinWattsPerUtil(&c), 300, 1e-12);
    CHECK_NEAR(powerMinWattsPerUtil(&c), scanMin(&c), 1e-9);
    PowerModel c2 = powerConcave(0, 100, 2); /* 100 * (2 - u), least 100 at u = 1 */
    CHECK_NEAR(powerMinWattsPerUtil(&c2), 100, 1e-12);
    CHECK_NEAR(powerMinWattsPerUtil(&c2), scanMin(&c2), 1e-9);
}

static void testValidateAccepts(void) {
    PowerModel a = powerLinear(100, 200), b = powerPiecewise(g4), c = powerConcave(150, 300, 1.4);
    CHECK(powerValidate(&a) == 0);
    CHECK(powerValidate(&b) == 0);
    CHECK(powerValidate(&c) == 0);
    PowerModel flat = powerLinear(0, 0); /* a server that draws nothing is odd, not wrong */
    CHECK(powerValidate(&flat) == 0);
    PowerModel r2 = powerConcave(10, 20, 2);
    CHECK(powerValidate(&r2) == 0);
}

static void testValidateRejects(void) {
    PowerModel m = powerLinear(NAN, 200);
    CHECK(powerValidate(&m) == -1);
    CHECK_STR_CONTAINS(errLast(), "not a finite number");
    m = powerLinear(-1, 200);
    CHECK(powerValidate(&m) == -1);
    CHECK_STR_CONTAINS(errLast(), "negative");
    m = powerLinear(200, 100);
    CHECK(powerValidate(&m) == -1);
    CHECK_STR_CONTAINS(errLast(), "idle power 200 W (u0) is above the maximum 100 W (u100)");
    m = powerConcave(300, 150, 1.4);
    CHECK(powerValidate(&m) == -1);
    CHECK_STR_CONTAINS(errLast(), "concave power model: idle power 300 W");

    double p[POWER_POINTS];
    memcpy(p, g4, sizeof(p));
    p[3] = 90; /* below the 92.6 at 20 % */
    m = powerPiecewise(p);
    CHECK(powerValidate(&m) == -1);
    CHECK_STR_CONTAINS(errLast(), "u30 = 90 W is below u20 = 92.6 W");
    p[3] = -96;
    m = powerPiecewise(p);
    CHECK(powerValidate(&m) == -1);
    CHECK_STR_CONTAINS(errLast(), "u30 = -96 W is negative");
    p[3] = INFINITY;
    m = powerPiecewise(p);
    CHECK(powerValidate(&m) == -1);
    CHECK_STR_CONTAINS(errLast(), "u30 is not a finite number");
}

static void testValidateExponent(void) {
    const double bad[] = {1.0, 0.5, 2.5, -1, NAN, INFINITY};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        PowerModel m = powerConcave(150, 300, bad[i]);
        CHECK(powerValidate(&m) == -1);
        CHECK_STR_CONTAINS(errLast(), "exponent r = ");
    }
    /* Why 2 is the ceiling: at r = 3 the curve peaks above P_max (2u - u^3
     * at u = 0.8 is 1.6 - 0.512 = 1.088) and falls after. */
    PowerModel m = powerConcave(0, 100, 3);
    CHECK(powerAt(&m, 0.8) > powerAt(&m, 1.0));
}

static void testKindNames(void) {
    const PowerKind kinds[] = {POWER_LINEAR, POWER_PIECEWISE, POWER_CONCAVE};
    for (int i = 0; i < 3; i++) {
        PowerKind k = (PowerKind)-1;
        CHECK(powerKindParse(powerKindName(kinds[i]), &k) == 0);
        CHECK(k == kinds[i]);
    }
    CHECK(strcmp(powerKindName(POWER_PIECEWISE), "piecewise") == 0);
    PowerKind k;
    CHECK(powerKindParse("Concave", &k) == 0 && k == POWER_CONCAVE);
    CHECK(powerKindParse("cubic", &k) == -1);
    CHECK_STR_CONTAINS(errLast(), "'cubic'");
    CHECK(strcmp(powerKindName((PowerKind)42), "unknown") == 0);
}

int main(void) {
    RUN(testLinear);
    RUN(testPiecewiseBreakpoints);
    RUN(testPiecewiseBetween);
    RUN(testConcave);
    RUN(testMinWattsPerUtil);
    RUN(testValidateAccepts);
    RUN(testValidateRejects);
    RUN(testValidateExponent);
    RUN(testKindNames);
    return testSummary("test_power");
}
