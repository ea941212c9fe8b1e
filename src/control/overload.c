/* overload.c - the overload detectors of Beloglazov & Buyya (CCPE 2012),
 * with the statistics of CloudSim 3.0.3 (MathUtil). */
#include "overload.h"

#include <math.h>
#include <string.h>

static const char *const kindNames[] = {"thr", "mad", "iqr", "lr", "lrr"};

int ovlParseKind(const char *name, size_t len, OverloadKind *out) {
    for (int k = 0; k < 5; k++)
        if (strlen(kindNames[k]) == len && strncmp(kindNames[k], name, len) == 0) {
            *out = (OverloadKind)k;
            return 0;
        }
    return -1;
}

const char *ovlKindName(OverloadKind k) {
    return (unsigned)k < 5 ? kindNames[k] : "?";
}

/* Insertion sort: histories hold at most 30 values, where it beats qsort
 * and its comparison callback several times over (it runs for every host
 * at every interval). */
static void sortSmall(double *x, int n) {
    for (int i = 1; i < n; i++) {
        double v = x[i];
        int j = i - 1;
        while (j >= 0 && x[j] > v) {
            x[j + 1] = x[j];
            j--;
        }
        x[j + 1] = v;
    }
}

/* Copy at most OVL_HISTORY_MAX values and sort them. */
static int sortedCopy(const double *x, int n, double *out) {
    if (n > OVL_HISTORY_MAX) {
        x += n - OVL_HISTORY_MAX;
        n = OVL_HISTORY_MAX;
    }
    memcpy(out, x, (size_t)n * sizeof(double));
    sortSmall(out, n);
    return n;
}

/* The k-th smallest of x[0..n) (x is reordered): Hoare's selection, O(n)
 * on average; the detectors take two medians per host per interval. */
static double selectKth(double *x, int n, int k) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = x[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (x[i] < pivot)
                i++;
            while (x[j] > pivot)
                j--;
            if (i <= j) {
                double t = x[i];
                x[i++] = x[j];
                x[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return x[k];
    }
    return x[k];
}

/* Median of x (reordered), n >= 1. */
static double medianInPlace(double *x, int n) {
    double hiMid = selectKth(x, n, n / 2);
    if (n % 2) return hiMid;
    /* After selection every value left of n/2 is <= hiMid: the lower middle
     * is their largest. */
    double loMid = x[0];
    for (int i = 1; i < n / 2; i++)
        if (x[i] > loMid) loMid = x[i];
    return (loMid + hiMid) / 2;
}

double ovlMedian(const double *x, int n) {
    if (n <= 0) return 0;
    if (n > OVL_HISTORY_MAX) {
        x += n - OVL_HISTORY_MAX;
        n = OVL_HISTORY_MAX;
    }
    double s[OVL_HISTORY_MAX];
    memcpy(s, x, (size_t)n * sizeof(double));
    return medianInPlace(s, n);
}

double ovlMad(const double *x, int n) {
    if (n <= 0) return 0;
    if (n > OVL_HISTORY_MAX) {
        x += n - OVL_HISTORY_MAX;
        n = OVL_HISTORY_MAX;
    }
    double m = ovlMedian(x, n), dev[OVL_HISTORY_MAX] = {0};
    for (int i = 0; i < n; i++)
        dev[i] = fabs(x[i] - m);
    return ovlMedian(dev, n);
}

double ovlIqr(const double *x, int n) {
    double s[OVL_HISTORY_MAX];
    n = sortedCopy(x, n, s);
    if (n == 0) return 0;
    int q1 = (int)lround(0.25 * (n + 1)) - 1, q3 = (int)lround(0.75 * (n + 1)) - 1;
    if (q1 < 0) q1 = 0;
    if (q3 > n - 1) q3 = n - 1;
    return s[q3] - s[q1];
}

static int weightedLine(const double *y, const double *w, int n, double *a, double *b) {
    double sw = 0, sx = 0, sy = 0;
    for (int i = 0; i < n; i++) {
        sw += w[i];
        sx += w[i] * (i + 1);
        sy += w[i] * y[i];
    }
    if (sw <= 0) return -1;
    double mx = sx / sw, my = sy / sw, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        double dx = (i + 1) - mx;
        sxx += w[i] * dx * dx;
        sxy += w[i] * dx * (y[i] - my);
    }
    if (sxx <= 0) return -1;
    *b = sxy / sxx;
    *a = my - *b * mx;
    return 0;
}

int ovlFitLine(const double *y, int n, bool robust, double *a, double *b) {
    if (n < 2 || n > OVL_HISTORY_MAX) return -1;
    double w[OVL_HISTORY_MAX], r[OVL_HISTORY_MAX];
    for (int i = 0; i < n; i++)
        w[i] = 1;
    if (weightedLine(y, w, n, a, b) != 0) return -1;
    if (!robust) return 0;
    /* One robust iteration: bisquare weights with 6 x the median absolute
     * residual as the scale; a point far off the line gets no weight. */
    for (int i = 0; i < n; i++)
        r[i] = fabs(y[i] - (*a + *b * (i + 1)));
    double s6 = 6 * ovlMedian(r, n);
    if (s6 <= 0) return 0; /* a perfect fit: nothing to down-weight */
    for (int i = 0; i < n; i++) {
        double u = r[i] / s6;
        w[i] = u < 1 ? (1 - u * u) * (1 - u * u) : 0;
    }
    double ra, rb;
    if (weightedLine(y, w, n, &ra, &rb) != 0) return 0;
    *a = ra;
    *b = rb;
    return 0;
}

double ovlUpperThreshold(const OverloadDetector *d, const double *hist, int n) {
    switch (d->kind) {
    case OVL_THR: return d->param;
    case OVL_MAD:
        if (n < OVL_MIN_HISTORY_STAT) return OVL_FALLBACK_THRESHOLD;
        return 1 - d->param * ovlMad(hist, n);
    case OVL_IQR:
        if (n < OVL_MIN_HISTORY_STAT) return OVL_FALLBACK_THRESHOLD;
        return 1 - d->param * ovlIqr(hist, n);
    case OVL_LR:
    case OVL_LRR:
        if (n < OVL_LR_WINDOW) return OVL_FALLBACK_THRESHOLD;
        return 1 / d->param;
    }
    return OVL_FALLBACK_THRESHOLD;
}

bool ovlIsOverloaded(const OverloadDetector *d, double util, const double *hist, int n,
                     int aheadSteps) {
    if (d->kind == OVL_LR || d->kind == OVL_LRR) {
        if (n < OVL_LR_WINDOW) return util > OVL_FALLBACK_THRESHOLD;
        double a, b;
        if (ovlFitLine(hist + n - OVL_LR_WINDOW, OVL_LR_WINDOW, d->kind == OVL_LRR, &a, &b) != 0)
            return util > OVL_FALLBACK_THRESHOLD;
        double predicted = a + b * (OVL_LR_WINDOW + aheadSteps);
        return predicted * d->param >= 1;
    }
    if ((d->kind == OVL_MAD || d->kind == OVL_IQR) && n >= OVL_MIN_HISTORY_STAT) {
        /* MAD and IQR are at most the range of the values, so a host below
         * 1 - PARAM x range is below its threshold: no medians needed (the
         * common case, and this runs for every host every interval). */
        int from = n > OVL_HISTORY_MAX ? n - OVL_HISTORY_MAX : 0;
        double lo = hist[from], hi = hist[from];
        for (int i = from + 1; i < n; i++) {
            if (hist[i] < lo) lo = hist[i];
            if (hist[i] > hi) hi = hist[i];
        }
        /* MAD is at most half the range: were it above, more than half the
         * values would lie over range/2 from the median, all on one side of
         * it (two on opposite sides would be over a range apart), which no
         * median allows. 1e-12 covers the rounding of the median and the
         * deviations (values near 1, errors near 1e-16), so the skip never
         * changes an answer. */
        double bound = d->kind == OVL_MAD ? (hi - lo) / 2 + 1e-12 : hi - lo;
        if (util <= 1 - d->param * bound) return false;
    }
    return util > ovlUpperThreshold(d, hist, n);
}
