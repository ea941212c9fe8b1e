/* fit.c - least-squares power models (linear, concave, piecewise) chosen by
 * cross-validation, and the CSV reader for measurements (fit.h). */
#include "fit.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

/* A more complex model must lower the cv RMSE by this fraction to win. */
#define FIT_SIMPLER_MARGIN 0.01
#define CONCAVE_LO         1.0001
#define CONCAVE_HI         2.0

/* ---- data ------------------------------------------------------------- */

void fitDataAdd(FitData *d, const char *type, double u, double w) {
    FitSet *s = NULL;
    for (size_t i = 0; i < d->n && !s; i++)
        if (strcmp(d->sets[i].type, type) == 0) s = &d->sets[i];
    if (!s) {
        growArray((void **)&d->sets, sizeof(FitSet), &d->cap, d->n + 1);
        s = &d->sets[d->n++];
        memset(s, 0, sizeof(*s));
        snprintf(s->type, sizeof(s->type), "%s", type);
    }
    size_t cap = s->cap;
    growArray((void **)&s->u, sizeof(double), &cap, s->n + 1);
    growArray((void **)&s->w, sizeof(double), &s->cap, s->n + 1);
    s->u[s->n] = u;
    s->w[s->n++] = w;
}

void fitDataFree(FitData *d) {
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->sets[i].u);
        free(d->sets[i].w);
    }
    free(d->sets);
    memset(d, 0, sizeof(*d));
}

/* ---- checks ----------------------------------------------------------- */

static int checkSamples(const double *u, const double *w, size_t n) {
    if (n < 3) return ERR("%zu samples are too few to fit a power model; at least 3 are needed", n);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(u[i]) || !isfinite(w[i]))
            return ERR("sample %zu: utilization %g or watts %g is not a finite number", i, u[i],
                       w[i]);
        if (u[i] < lo) lo = u[i];
        if (u[i] > hi) hi = u[i];
    }
    if (hi - lo < 1e-9)
        return ERR("all %zu samples have the same utilization (%g %%); power cannot be fitted "
                   "against load without samples at different loads",
                   n, lo * 100);
    return 0;
}

double fitRmse(const PowerModel *m, const double *u, const double *w, size_t n) {
    double sse = 0;
    for (size_t i = 0; i < n; i++) {
        double e = powerAt(m, u[i]) - w[i];
        sse += e * e;
    }
    return n ? sqrt(sse / (double)n) : NAN;
}

/* ---- linear and concave ----------------------------------------------- */

/* Least squares w = a + b x; returns the sum of squared errors. */
static double lineFit(const double *x, const double *w, size_t n, double *a, double *b,
                      double *pearson) {
    double mx = 0, mw = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        mw += w[i];
    }
    mx /= (double)n;
    mw /= (double)n;
    double sxx = 0, sxw = 0, sww = 0;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxw += (x[i] - mx) * (w[i] - mw);
        sww += (w[i] - mw) * (w[i] - mw);
    }
    *b = sxx > 0 ? sxw / sxx : 0;
    *a = mw - *b * mx;
    if (pearson) *pearson = sxx > 0 && sww > 0 ? sxw / sqrt(sxx * sww) : 0;
    double sse = sww - *b * sxw;
    return sse > 0 ? sse : 0;
}

int fitLinear(const double *u, const double *w, size_t n, PowerModel *out, double *pearson) {
    if (checkSamples(u, w, n) < 0) return -1;
    double a, b;
    lineFit(u, w, n, &a, &b, pearson);
    *out = powerLinear(a, a + b);
    return 0;
}

/* For a fixed exponent the concave model is linear in x = 2u - u^r. */
static double concaveSse(const double *u, const double *w, size_t n, double r, double *x, double *a,
                         double *b) {
    for (size_t i = 0; i < n; i++) {
        double v = u[i] < 0 ? 0 : u[i] > 1 ? 1 : u[i];
        x[i] = 2 * v - pow(v, r);
    }
    return lineFit(x, w, n, a, b, NULL);
}

int fitConcave(const double *u, const double *w, size_t n, PowerModel *out) {
    if (checkSamples(u, w, n) < 0) return -1;
    double *x = xmalloc(n * sizeof(double));
    double a, b;
    /* A coarse grid finds the basin, golden section refines it. */
    enum { GRID = 20 };
    double bestR = CONCAVE_HI, best = INFINITY;
    for (int i = 0; i <= GRID; i++) {
        double r = CONCAVE_LO + (CONCAVE_HI - CONCAVE_LO) * i / GRID;
        double sse = concaveSse(u, w, n, r, x, &a, &b);
        if (sse < best) {
            best = sse;
            bestR = r;
        }
    }
    double step = (CONCAVE_HI - CONCAVE_LO) / GRID;
    double lo = fmax(CONCAVE_LO, bestR - step), hi = fmin(CONCAVE_HI, bestR + step);
    const double g = (sqrt(5) - 1) / 2;
    double c = hi - g * (hi - lo), d = lo + g * (hi - lo);
    double fc = concaveSse(u, w, n, c, x, &a, &b), fd = concaveSse(u, w, n, d, x, &a, &b);
    for (int it = 0; it < 60 && hi - lo > 1e-7; it++) {
        if (fc < fd) {
            hi = d, d = c, fd = fc;
            c = hi - g * (hi - lo);
            fc = concaveSse(u, w, n, c, x, &a, &b);
        } else {
            lo = c, c = d, fc = fd;
            d = lo + g * (hi - lo);
            fd = concaveSse(u, w, n, d, x, &a, &b);
        }
    }
    double r = (lo + hi) / 2;
    if (best < concaveSse(u, w, n, r, x, &a, &b)) r = bestR;
    concaveSse(u, w, n, r, x, &a, &b);
    free(x);
    *out = powerConcave(a, a + b, r);
    return 0;
}

/* ---- piecewise -------------------------------------------------------- */

/* Solve the k x k system m x = y in place (Gaussian elimination with
 * partial pivoting); -1 when it is singular. */
static int solve(double m[POWER_POINTS][POWER_POINTS], double *y, int k) {
    for (int c = 0; c < k; c++) {
        int p = c;
        for (int r = c + 1; r < k; r++)
            if (fabs(m[r][c]) > fabs(m[p][c])) p = r;
        if (fabs(m[p][c]) < 1e-12) return -1;
        for (int j = 0; j < k; j++) {
            double t = m[c][j];
            m[c][j] = m[p][j];
            m[p][j] = t;
        }
        double t = y[c];
        y[c] = y[p];
        y[p] = t;
        for (int r = c + 1; r < k; r++) {
            double f = m[r][c] / m[c][c];
            for (int j = c; j < k; j++)
                m[r][j] -= f * m[c][j];
            y[r] -= f * y[c];
        }
    }
    for (int c = k - 1; c >= 0; c--) {
        for (int j = c + 1; j < k; j++)
            y[c] -= m[c][j] * y[j];
        y[c] /= m[c][c];
    }
    return 0;
}

/* Pool adjacent violators: the closest (weighted) non-decreasing sequence,
 * since a fitted table where power falls as load rises is not a model. */
static void makeMonotone(double *p, const double *wt, int k) {
    double val[POWER_POINTS], wsum[POWER_POINTS];
    int len[POWER_POINTS], nb = 0;
    for (int i = 0; i < k; i++) {
        val[nb] = p[i];
        wsum[nb] = wt[i] > 0 ? wt[i] : 1e-12;
        len[nb++] = 1;
        while (nb > 1 && val[nb - 2] > val[nb - 1]) {
            double w = wsum[nb - 2] + wsum[nb - 1];
            val[nb - 2] = (val[nb - 2] * wsum[nb - 2] + val[nb - 1] * wsum[nb - 1]) / w;
            wsum[nb - 2] = w;
            len[nb - 2] += len[nb - 1];
            nb--;
        }
    }
    for (int b = 0, i = 0; b < nb; b++)
        for (int j = 0; j < len[b]; j++)
            p[i++] = val[b];
}

int fitPiecewise(const double *u, const double *w, size_t n, PowerModel *out) {
    if (checkSamples(u, w, n) < 0) return -1;
    double m[POWER_POINTS][POWER_POINTS] = {{0}}, y[POWER_POINTS] = {0}, diag[POWER_POINTS];
    for (size_t i = 0; i < n; i++) {
        double v = u[i] < 0 ? 0 : u[i] > 1 ? 1 : u[i];
        int k = (int)floor(v * 10);
        if (k > POWER_POINTS - 2) k = POWER_POINTS - 2;
        double f = v * 10 - k, g = 1 - f;
        m[k][k] += g * g;
        m[k][k + 1] += g * f;
        m[k + 1][k] += g * f;
        m[k + 1][k + 1] += f * f;
        y[k] += g * w[i];
        y[k + 1] += f * w[i];
    }
    for (int k = 0; k < POWER_POINTS; k++) {
        diag[k] = m[k][k];
        if (diag[k] < 1e-9)
            return ERR("piecewise model: no samples between %d %% and %d %% utilization, so the "
                       "power at %d %% cannot be fitted",
                       k ? (k - 1) * 10 : 0, k < POWER_POINTS - 1 ? (k + 1) * 10 : 100, k * 10);
    }
    if (solve(m, y, POWER_POINTS) < 0)
        return ERR("piecewise model: the samples do not determine all 11 points");
    makeMonotone(y, diag, POWER_POINTS);
    for (int k = 0; k < POWER_POINTS; k++)
        if (y[k] < 0) y[k] = 0;
    *out = powerPiecewise(y);
    return 0;
}

/* ---- choosing --------------------------------------------------------- */

typedef int (*FitFn)(const double *, const double *, size_t, PowerModel *);

static int fitLinearFn(const double *u, const double *w, size_t n, PowerModel *m) {
    return fitLinear(u, w, n, m, NULL);
}

static const FitFn candidateFns[FIT_CANDIDATES] = {fitLinearFn, fitConcave, fitPiecewise};

/* Fold of each sample: a fixed permutation (xorshift), dealt round-robin. */
static int *foldsOf(size_t n, int folds) {
    size_t *perm = xmalloc(n * sizeof(size_t));
    int *fold = xmalloc(n * sizeof(int));
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        size_t j = (size_t)(s % i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        fold[perm[i]] = (int)(i % (size_t)folds);
    free(perm);
    return fold;
}

/* k-fold cross-validated RMSE of one candidate; -1 (with why) when a
 * fold's training part cannot be fitted. */
static int crossValidate(FitFn fn, const double *u, const double *w, size_t n, const int *fold,
                         int folds, double *cv) {
    double *tu = xmalloc(n * sizeof(double)), *tw = xmalloc(n * sizeof(double));
    double sse = 0;
    int rc = 0;
    for (int f = 0; f < folds && rc == 0; f++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (fold[i] != f) tu[m] = u[i], tw[m++] = w[i];
        PowerModel pm;
        rc = fn(tu, tw, m, &pm);
        if (rc < 0) errPrefix("cross-validation fold %d of %d", f + 1, folds);
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (fold[i] != f) continue;
            double e = powerAt(&pm, u[i]) - w[i];
            sse += e * e;
        }
    }
    free(tu);
    free(tw);
    *cv = sqrt(sse / (double)n);
    return rc;
}

int fitPower(const double *u, const double *w, size_t n, int folds, FitResult *out) {
    memset(out, 0, sizeof(*out));
    PowerModel lin;
    if (fitLinear(u, w, n, &lin, &out->pearson) < 0) return -1;
    out->n = n;
    if (folds < 2) folds = 2;
    if ((size_t)folds > n) folds = (int)n;
    int *fold = foldsOf(n, folds);
    for (int c = 0; c < FIT_CANDIDATES; c++) {
        FitCandidate *k = &out->cand[c];
        k->ok = candidateFns[c](u, w, n, &k->model) == 0 &&
                crossValidate(candidateFns[c], u, w, n, fold, folds, &k->cvRmse) == 0;
        if (!k->ok) {
            snprintf(k->why, sizeof(k->why), "%s", errLast());
            continue;
        }
        k->rmse = fitRmse(&k->model, u, w, n);
    }
    free(fold);
    out->chosen = 0;
    for (int c = 1; c < FIT_CANDIDATES; c++) {
        const FitCandidate *k = &out->cand[c];
        if (k->ok && k->cvRmse < out->cand[out->chosen].cvRmse * (1 - FIT_SIMPLER_MARGIN))
            out->chosen = c;
    }
    return 0;
}

/* ---- CSV -------------------------------------------------------------- */

enum { F_TIME, F_HOST, F_TYPE, F_UTIL, F_WATTS, F_COUNT };
static const char *const fieldNames[F_COUNT] = {"time", "host", "server_type", "cpu_util", "watts"};

/* Split a line at commas in place; returns the number of fields. */
static int splitLine(char *line, char **f, int max) {
    int n = 0;
    for (char *p = line;;) {
        char *c = strchr(p, ',');
        if (c) *c = '\0';
        if (n < max) f[n] = strTrim(p);
        n++;
        if (!c) return n;
        p = c + 1;
    }
}

static int readHeader(char *line, const char *path, int *col) {
    char *f[16];
    int n = splitLine(line, f, 16);
    for (int k = 0; k < F_COUNT; k++)
        col[k] = -1;
    for (int i = 0; i < n && i < 16; i++)
        for (int k = 0; k < F_COUNT; k++)
            if (strcmp(f[i], fieldNames[k]) == 0) col[k] = i;
    for (int k = 0; k < F_COUNT; k++)
        if (col[k] < 0)
            return ERR("%s:1: the header has no column '%s' (expected time,host,server_type,"
                       "cpu_util,watts)",
                       path, fieldNames[k]);
    return n;
}

static int numberAt(char **f, const int *col, int k, const char *path, int line, double *out) {
    if (parseDouble(f[col[k]], out) < 0)
        return ERR("%s:%d:%d: column %s: '%s' is not a finite number", path, line, col[k] + 1,
                   fieldNames[k], f[col[k]]);
    return 0;
}

static int readRow(char *line, const char *path, int lineNo, const int *col, int cols, FitData *d) {
    char *f[16];
    int n = splitLine(line, f, 16);
    if (n != cols)
        return ERR("%s:%d:%d: found %d columns, the header has %d", path, lineNo,
                   n < cols ? n : cols + 1, n, cols);
    double t, u, w;
    if (numberAt(f, col, F_TIME, path, lineNo, &t) < 0) return -1;
    if (numberAt(f, col, F_UTIL, path, lineNo, &u) < 0) return -1;
    if (numberAt(f, col, F_WATTS, path, lineNo, &w) < 0) return -1;
    if (u < 0 || u > 100)
        return ERR("%s:%d:%d: column cpu_util: %g is outside 0..100 (percent)", path, lineNo,
                   col[F_UTIL] + 1, u);
    if (w < 0)
        return ERR("%s:%d:%d: column watts: %g is negative", path, lineNo, col[F_WATTS] + 1, w);
    const char *type = f[col[F_TYPE]];
    if (!*type || strlen(type) >= sizeof(d->sets[0].type))
        return ERR("%s:%d:%d: column server_type is empty or longer than 63 characters", path,
                   lineNo, col[F_TYPE] + 1);
    fitDataAdd(d, type, u / 100, w);
    return 0;
}

int fitReadCsv(const char *path, FitData *d) {
    memset(d, 0, sizeof(*d));
    FILE *fp = fopen(path, "r");
    if (!fp) return ERR("cannot open %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t size = 0;
    int col[F_COUNT], cols = 0, lineNo = 0, rc = 0;
    while (rc == 0 && getline(&line, &size, fp) >= 0) {
        lineNo++;
        if (!*strTrim(line)) continue;
        if (cols == 0)
            rc = (cols = readHeader(line, path, col)) < 0 ? -1 : 0;
        else
            rc = readRow(line, path, lineNo, col, cols, d);
    }
    if (rc == 0 && ferror(fp)) rc = ERR("reading %s: %s", path, strerror(errno));
    if (rc == 0 && d->n == 0) rc = ERR("%s: no samples (an empty file or only a header)", path);
    free(line);
    fclose(fp);
    if (rc < 0) fitDataFree(d);
    return rc;
}
