/* vmselect.c - VM selection rules of Beloglazov & Buyya (CCPE 2012). */
#include "vmselect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const selNames[] = {"mmt", "mc", "mu", "rs"};

int vmSelectParseKind(const char *name, size_t len, VmSelectKind *out) {
    for (int k = 0; k < 4; k++)
        if (strlen(selNames[k]) == len && strncmp(selNames[k], name, len) == 0) {
            *out = (VmSelectKind)k;
            return 0;
        }
    return -1;
}

const char *vmSelectKindName(VmSelectKind k) {
    return (unsigned)k < 4 ? selNames[k] : "?";
}

/* xorshift64*: small, seeded, the same on every platform. */
static uint64_t nextRandom(uint64_t *s) {
    if (*s == 0) *s = 0x9E3779B97F4A7C15ULL;
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* Solve the k x k system a x = b in place (Gaussian elimination with
 * partial pivoting). Returns -1 when it is singular. */
static int solve(double *a, double *b, int k) {
    for (int c = 0; c < k; c++) {
        int piv = c;
        for (int r = c + 1; r < k; r++)
            if (fabs(a[r * k + c]) > fabs(a[piv * k + c])) piv = r;
        if (fabs(a[piv * k + c]) < 1e-12) return -1;
        if (piv != c) {
            for (int j = 0; j < k; j++) {
                double t = a[c * k + j];
                a[c * k + j] = a[piv * k + j];
                a[piv * k + j] = t;
            }
            double t = b[c];
            b[c] = b[piv];
            b[piv] = t;
        }
        for (int r = c + 1; r < k; r++) {
            double f = a[r * k + c] / a[c * k + c];
            for (int j = c; j < k; j++)
                a[r * k + j] -= f * a[c * k + j];
            b[r] -= f * b[c];
        }
    }
    for (int c = k - 1; c >= 0; c--) {
        for (int j = c + 1; j < k; j++)
            b[c] -= a[c * k + j] * b[j];
        b[c] /= a[c * k + c];
    }
    return 0;
}

int vmSelectRSquared(const double *y, const double *const *x, int p, int m, double *r2) {
    if (m <= p + 1) return -1;
    int k = p + 1; /* intercept + p regressors */
    double *a = xcalloc((size_t)(k * k), sizeof(double)), *b = xcalloc((size_t)k, sizeof(double));
    int rc = -1;
    for (int t = 0; t < m; t++)
        for (int i = 0; i < k; i++) {
            double xi = i == 0 ? 1 : x[i - 1][t];
            b[i] += xi * y[t];
            for (int j = 0; j < k; j++)
                a[i * k + j] += xi * (j == 0 ? 1 : x[j - 1][t]);
        }
    if (solve(a, b, k) != 0) goto done;
    double mean = 0, ssTot = 0, ssRes = 0;
    for (int t = 0; t < m; t++)
        mean += y[t];
    mean /= m;
    for (int t = 0; t < m; t++) {
        double fit = b[0];
        for (int j = 1; j < k; j++)
            fit += b[j] * x[j - 1][t];
        ssRes += (y[t] - fit) * (y[t] - fit);
        ssTot += (y[t] - mean) * (y[t] - mean);
    }
    *r2 = ssTot > 0 ? 1 - ssRes / ssTot : 0;
    rc = 0;
done:
    free(a);
    free(b);
    return rc;
}

static int selectMinRam(const VmCand *c, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (c[i].ramMb < c[best].ramMb) best = i;
    return best;
}

/* The VM whose last m values the other VMs' last m values explain best. */
static int selectMaxCorrelation(const VmCand *c, int n) {
    int m = c[0].histLen;
    for (int i = 1; i < n; i++)
        if (c[i].histLen < m) m = c[i].histLen;
    if (n < 2 || m <= n) return selectMinRam(c, n);
    const double **x = xcalloc((size_t)n, sizeof(double *));
    int best = -1;
    double bestR2 = -1;
    for (int i = 0; i < n; i++) {
        int p = 0;
        for (int j = 0; j < n; j++)
            if (j != i) x[p++] = c[j].hist + c[j].histLen - m;
        double r2;
        if (vmSelectRSquared(c[i].hist + c[i].histLen - m, x, p, m, &r2) != 0) continue;
        if (r2 > bestR2) {
            bestR2 = r2;
            best = i;
        }
    }
    free(x);
    return best >= 0 ? best : selectMinRam(c, n);
}

int vmSelect(VmSelectKind k, const VmCand *c, int n, uint64_t *rng) {
    if (n <= 0) return -1;
    switch (k) {
    case SEL_MMT: return selectMinRam(c, n);
    case SEL_MC: return selectMaxCorrelation(c, n);
    case SEL_MU: {
        int best = 0;
        for (int i = 1; i < n; i++)
            if (c[i].util < c[best].util) best = i;
        return best;
    }
    case SEL_RS: return (int)(nextRandom(rng) % (uint64_t)n);
    }
    return 0;
}
