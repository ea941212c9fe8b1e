/* fit.h - learning a server type's power model from measurements: power
 * against host CPU utilization, fitted three ways (least-squares linear,
 * piecewise-linear over deciles, and Fan et al.'s concave curve), with the
 * model to keep chosen by k-fold cross-validated RMSE.
 *
 * The input is a FitData: samples grouped by server type, read from a CSV
 * (time,host,server_type,cpu_util,watts; cpu_util in percent). */
#ifndef GEYSER_FIT_H
#define GEYSER_FIT_H

#include <stdbool.h>
#include <stddef.h>

#include "power.h"

#define FIT_FOLDS      5
#define FIT_CANDIDATES 3 /* linear, concave, piecewise: simplest first */

/* The samples of one server type; u in [0, 1], w in watts. */
typedef struct FitSet {
    char type[64];
    double *u, *w;
    size_t n, cap;
} FitSet;

typedef struct FitData {
    FitSet *sets;
    size_t n, cap;
} FitData;

/* One candidate model. ok is false when it could not be fitted (why says
 * so); cvRmse is the k-fold cross-validated RMSE, rmse the in-sample one. */
typedef struct FitCandidate {
    bool ok;
    PowerModel model;
    double rmse, cvRmse;
    char why[160];
} FitCandidate;

typedef struct FitResult {
    size_t n;
    double pearson; /* Pearson r of watts against utilization */
    int chosen;     /* index into cand */
    FitCandidate cand[FIT_CANDIDATES];
} FitResult;

/* Read a CSV with a header naming the columns time, host, server_type,
 * cpu_util and watts (any order). Any bad line fails the whole read with
 * FILE:LINE:COLUMN and the cause. */
int fitReadCsv(const char *path, FitData *out);
void fitDataFree(FitData *d);
/* Add one sample (u in [0, 1]) to the set of its type. */
void fitDataAdd(FitData *d, const char *type, double u, double w);

/* Fitting one model to n samples. Fail (with an error) on fewer than 3
 * samples, on non-finite values, or when every sample has the same
 * utilization (no slope can be learnt). */
int fitLinear(const double *u, const double *w, size_t n, PowerModel *out, double *pearson);
int fitConcave(const double *u, const double *w, size_t n, PowerModel *out);
int fitPiecewise(const double *u, const double *w, size_t n, PowerModel *out);

/* Fit all candidates, cross-validate with `folds` folds (samples assigned
 * by a fixed pseudo-random permutation, so results repeat) and choose: the
 * lowest cv RMSE, except that a more complex model must beat a simpler one
 * by more than 1 % to be chosen. */
int fitPower(const double *u, const double *w, size_t n, int folds, FitResult *out);

/* Root mean square error of a model over samples. */
double fitRmse(const PowerModel *m, const double *u, const double *w, size_t n);

#endif
