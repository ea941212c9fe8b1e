/* power.c - evaluation and validation of the linear, piecewise (SPECpower)
 * and concave (Fan et al.) server power models declared in power.h. */
#include "power.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"

/* Lowest and highest exponent accepted for the concave model. At r = 1 the
 * curve is the linear one (use that kind); above 2, 2u - u^r rises past 1
 * before u = 1 and then falls, so a host would draw more than P_max at part
 * load and less as load grows, which no real server does. */
#define CONCAVE_R_MIN 1.0
#define CONCAVE_R_MAX 2.0

static const char *const kindNames[] = {"linear", "piecewise", "concave"};

static double clampUtil(double u) {
    /* Written so that NaN falls to 0: an unknown load is no load. */
    if (!(u > 0)) return 0;
    return u > 1 ? 1 : u;
}

static double concaveShape(double u, double r) {
    return 2 * u - pow(u, r);
}

/* The table of a model that is not piecewise, so that every model can be
 * printed the same way. */
static void fillPoints(PowerModel *m) {
    for (int i = 0; i < POWER_POINTS; i++)
        m->points[i] = powerAt(m, i / 10.0);
}

PowerModel powerLinear(double idleW, double maxW) {
    PowerModel m = {.kind = POWER_LINEAR, .idleW = idleW, .maxW = maxW, .r = 0};
    fillPoints(&m);
    return m;
}

PowerModel powerConcave(double idleW, double maxW, double r) {
    PowerModel m = {.kind = POWER_CONCAVE, .idleW = idleW, .maxW = maxW, .r = r};
    fillPoints(&m);
    return m;
}

PowerModel powerPiecewise(const double points[POWER_POINTS]) {
    PowerModel m = {.kind = POWER_PIECEWISE, .r = 0};
    memcpy(m.points, points, sizeof(m.points));
    m.idleW = points[0];
    m.maxW = points[POWER_POINTS - 1];
    return m;
}

/* CloudSim's PowerModelSpecPower.getPower, operation for operation (the
 * fmod test is Java's `u % 0.1 == 0`), so that energy totals can be compared
 * with CloudSim's to the last bit rather than to a rounding error. */
static double piecewiseAt(const double *p, double u) {
    /* fmod is dear and this runs for every candidate host of every
     * placement: only a u within a hair of a breakpoint can be an exact
     * multiple of 0.1, so the exact test is needed only there. */
    double x = u * 10;
    /* u is in [0, 1]: truncation is floor, and ceil is one more unless x is
     * whole (libm's floor and ceil are calls without SSE4.1). */
    int lo = (int)x;
    int hi = lo + (x > lo);
    double frac = x - lo;
    if ((frac < 1e-6 || frac > 1 - 1e-6) && fmod(u, 0.1) == 0) return p[(int)(u * 10)];
    double delta = (p[hi] - p[lo]) / 10;
    return p[lo] + delta * (u - (double)lo / 10) * 100;
}

double powerAt(const PowerModel *m, double u) {
    u = clampUtil(u);
    switch (m->kind) {
    case POWER_LINEAR: return m->idleW + (m->maxW - m->idleW) * u;
    case POWER_PIECEWISE: return piecewiseAt(m->points, u);
    case POWER_CONCAVE: return m->idleW + (m->maxW - m->idleW) * concaveShape(u, m->r);
    }
    return NAN;
}

/* Between two breakpoints P is a + b*u, so P/u = a/u + b is monotonic and
 * its minimum on the segment lies at an end; u = 0 is excluded, and with
 * P(0) >= 0 the first segment's minimum is at 10 %. */
static double piecewiseMinPerUtil(const double *p) {
    double best = INFINITY;
    for (int i = 1; i < POWER_POINTS; i++) {
        double v = p[i] / (i / 10.0);
        if (v < best) best = v;
    }
    return best;
}

/* For a model outside the ranges the analysis below covers (only an invalid
 * one): a fine scan is the honest fallback. */
static double scanMinPerUtil(const PowerModel *m) {
    enum { STEPS = 10000 };
    double best = powerAt(m, 1.0);
    for (int i = 1; i < STEPS; i++) {
        double u = (double)i / STEPS;
        double v = powerAt(m, u) / u;
        if (v < best) best = v;
    }
    return best;
}

double powerMinWattsPerUtil(const PowerModel *m) {
    if (m->kind == POWER_PIECEWISE) return piecewiseMinPerUtil(m->points);
    /* P/u = idle/u + (max-idle)*g(u)/u with g(u)/u = 1 (linear) or 2 - u^(r-1)
     * (concave). With idle >= 0, max >= idle and r >= 1 both terms fall as u
     * grows, so the minimum is at u = 1, where P/u = max. */
    bool concaveOk = m->kind != POWER_CONCAVE || m->r >= 1;
    if (m->idleW >= 0 && m->maxW >= m->idleW && concaveOk) return m->maxW;
    return scanMinPerUtil(m);
}

static int checkWatts(PowerKind k, const char *label, double w) {
    const char *kind = powerKindName(k);
    if (!isfinite(w)) return ERR("%s power model: %s is not a finite number of watts", kind, label);
    if (w < 0)
        return ERR("%s power model: %s = %g W is negative; a server cannot draw negative power",
                   kind, label, w);
    return 0;
}

static int validatePiecewise(const PowerModel *m) {
    char col[8];
    for (int i = 0; i < POWER_POINTS; i++) {
        snprintf(col, sizeof(col), "u%d", i * 10);
        if (checkWatts(m->kind, col, m->points[i]) < 0) return -1;
    }
    for (int i = 1; i < POWER_POINTS; i++) {
        if (m->points[i] < m->points[i - 1])
            return ERR("piecewise power model: u%d = %g W is below u%d = %g W; power must not "
                       "fall as load rises",
                       i * 10, m->points[i], (i - 1) * 10, m->points[i - 1]);
    }
    return 0;
}

static int validateEnds(const PowerModel *m) {
    if (checkWatts(m->kind, "idle power (u0)", m->idleW) < 0) return -1;
    if (checkWatts(m->kind, "maximum power (u100)", m->maxW) < 0) return -1;
    if (m->idleW > m->maxW)
        return ERR("%s power model: idle power %g W (u0) is above the maximum %g W (u100)",
                   powerKindName(m->kind), m->idleW, m->maxW);
    return 0;
}

static int validateExponent(double r) {
    if (!isfinite(r) || r <= CONCAVE_R_MIN || r > CONCAVE_R_MAX)
        return ERR("concave power model: exponent r = %g is outside (%g, %g]; Fan et al. use 1.4, "
                   "r = 1 is the linear model, and above %g the curve would fall as load rises",
                   r, CONCAVE_R_MIN, CONCAVE_R_MAX, CONCAVE_R_MAX);
    return 0;
}

int powerValidate(const PowerModel *m) {
    switch (m->kind) {
    case POWER_PIECEWISE: return validatePiecewise(m);
    case POWER_LINEAR: return validateEnds(m);
    case POWER_CONCAVE: return validateEnds(m) < 0 ? -1 : validateExponent(m->r);
    }
    return ERR("power model kind %d is not one of linear, piecewise or concave", (int)m->kind);
}

const char *powerKindName(PowerKind k) {
    return (unsigned)k < sizeof(kindNames) / sizeof(kindNames[0]) ? kindNames[k] : "unknown";
}

int powerKindParse(const char *s, PowerKind *out) {
    for (unsigned i = 0; i < sizeof(kindNames) / sizeof(kindNames[0]); i++) {
        if (strcasecmp(s, kindNames[i]) == 0) {
            *out = (PowerKind)i;
            return 0;
        }
    }
    return ERR("unknown power model '%s' (expected linear, piecewise or concave)", s);
}
