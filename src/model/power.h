/* power.h - how a server's power draw follows its CPU utilization.
 *
 * Three model kinds, all evaluated on utilization u in [0, 1] (values outside
 * are clamped: a host cannot draw more than at full load):
 *   linear     P = P_idle + (P_max - P_idle) * u
 *   piecewise  11 points at 0 %, 10 %, ..., 100 % (SPECpower style), linear
 *              in between, exactly as CloudSim's PowerModelSpecPower
 *   concave    Fan, Weber & Barroso (ISCA 2007):
 *              P = P_idle + (P_max - P_idle) * (2u - u^r)
 * A model is a small value type: copy it freely. */
#ifndef GEYSER_POWER_H
#define GEYSER_POWER_H

#define POWER_POINTS 11

typedef enum {
    POWER_LINEAR = 0,
    POWER_PIECEWISE,
    POWER_CONCAVE,
} PowerKind;

typedef struct PowerModel {
    PowerKind kind;
    double idleW;                /* P(0) */
    double maxW;                 /* P(1) */
    double r;                    /* concave exponent (Fan et al. use 1.4) */
    double points[POWER_POINTS]; /* piecewise: P at 0, 10, ..., 100 % */
} PowerModel;

PowerModel powerLinear(double idleW, double maxW);
PowerModel powerConcave(double idleW, double maxW, double r);
/* points[0..10]; idleW/maxW are taken from the ends. */
PowerModel powerPiecewise(const double points[POWER_POINTS]);

/* Watts at utilization u (clamped to [0, 1]). */
double powerAt(const PowerModel *m, double u);

/* Smallest energy per unit of work the model allows, as watts per unit of
 * utilization: min over u in (0, 1] of P(u) / u. For the curves of real
 * servers this is P(1); it is what makes the consolidation lower bound a
 * bound. */
double powerMinWattsPerUtil(const PowerModel *m);

/* Check that a model is physically meaningful (finite, non-negative,
 * non-decreasing, idle <= max). Returns 0, or -1 with an error recorded. */
int powerValidate(const PowerModel *m);

/* "linear", "piecewise", "concave" */
const char *powerKindName(PowerKind k);
int powerKindParse(const char *s, PowerKind *out);

#endif
