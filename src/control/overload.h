/* overload.h - host overload detectors of Beloglazov & Buyya (CCPE 2012):
 * a static threshold (THR), adaptive thresholds from the median absolute
 * deviation (MAD) and the interquartile range (IQR) of the host's
 * utilization history, and local regression (LR, and its robust variant
 * LRR) that predicts the next utilization.
 *
 * The statistics follow CloudSim 3.0.3's MathUtil so that results compare
 * with the published ones. Histories are passed oldest first. */
#ifndef GEYSER_OVERLOAD_H
#define GEYSER_OVERLOAD_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { OVL_THR = 0, OVL_MAD, OVL_IQR, OVL_LR, OVL_LRR } OverloadKind;

/* History lengths below which a detector falls back to THR 0.7. */
#define OVL_FALLBACK_THRESHOLD 0.7
#define OVL_MIN_HISTORY_STAT   12 /* MAD, IQR */
#define OVL_LR_WINDOW          10 /* LR, LRR: the last 10 values */
#define OVL_HISTORY_MAX        30 /* CloudSim keeps 30 values per VM */

typedef struct OverloadDetector {
    OverloadKind kind;
    double param; /* THR: the threshold; MAD, IQR, LR, LRR: the safety parameter */
} OverloadDetector;

/* "thr" -> OVL_THR. Returns -1 (no error recorded) for an unknown name. */
int ovlParseKind(const char *name, size_t len, OverloadKind *out);
const char *ovlKindName(OverloadKind k);

/* The median of x[0..n) (mean of the two middle values for even n). */
double ovlMedian(const double *x, int n);
/* Median absolute deviation, as CloudSim's MathUtil.mad. */
double ovlMad(const double *x, int n);
/* Interquartile range, as CloudSim's MathUtil.iqr: sorted x at
 * round(0.75 (n + 1)) - 1 minus sorted x at round(0.25 (n + 1)) - 1. */
double ovlIqr(const double *x, int n);
/* Least-squares line through (1, y[0]) .. (n, y[n-1]): *a + *b x. Robust
 * (LRR) refits once with bisquare weights of the residuals. Returns -1 when
 * the fit is undefined (n < 2). */
int ovlFitLine(const double *y, int n, bool robust, double *a, double *b);

/* The utilization above which a host with this history (oldest first, n
 * values) is overloaded, for THR, MAD and IQR; for LR and LRR the fallback
 * threshold when the history is short, else 1 / param (the predicted
 * utilization times the safety parameter reaches 1). */
double ovlUpperThreshold(const OverloadDetector *d, const double *hist, int n);

/* Whether a host is overloaded. util is its present utilization (demand /
 * capacity), hist its history oldest first (n values; the last is
 * normally util). aheadSteps: how many intervals past the window LR predicts
 * (CloudSim: ceil(longest migration time of the host's VMs / interval),
 * usually 1). */
bool ovlIsOverloaded(const OverloadDetector *d, double util, const double *hist, int n,
                     int aheadSteps);

#endif
