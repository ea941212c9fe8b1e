/* migcalib.c - the calibration fit of migcalib.h: a coarse grid search in
 * two stages (bytes fix extra_mib; times fix the other three), repeated once
 * since the round lengths that extra_mib's bytes depend on move with the
 * link efficiency. */
#include <math.h>
#include <stdlib.h>

#include "err.h"
#include "migcalib.h"
#include "util.h"

int migSamplePredict(const MigSample *s, const MigCalib *cal, MigPrediction *p) {
    MigInput in = s->in;
    in.cal = *cal;
    if (migPredict(&in, s->mode, p) != 0) return -1;
    if (s->mode == MIGRATE_PRECOPY && s->timeLimitS > 0 && p->timeS > s->timeLimitS)
        p->converged = false;
    return 0;
}

static int cmpDouble(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    if (n == 0) return NAN;
    qsort(v, (size_t)n, sizeof(*v), cmpDouble);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void migFitEvaluate(const MigSample *s, int n, const MigCalib *cal, MigFitError *e) {
    *e = (MigFitError){0};
    double *et = xcalloc((size_t)n + 1, sizeof(double));
    double *eb = xcalloc((size_t)n + 1, sizeof(double));
    for (int i = 0; i < n; i++) {
        MigPrediction p;
        if (migSamplePredict(&s[i], cal, &p) != 0) continue;
        if (s[i].mode == MIGRATE_PRECOPY) {
            e->precopyRuns++;
            e->convergenceWrong += p.converged != s[i].completed;
        }
        if (!s[i].completed || s[i].timeS <= 0 || s[i].bytes <= 0) continue;
        et[e->n] = 100 * fabs(p.timeS - s[i].timeS) / s[i].timeS;
        eb[e->n] = 100 * fabs(p.bytes - s[i].bytes) / s[i].bytes;
        e->n++;
    }
    e->timeMedPct = median(et, e->n);
    e->bytesMedPct = median(eb, e->n);
    free(et);
    free(eb);
}

/* Mean relative error of bytes (bytes) or of time plus one per wrong
 * pre-copy verdict (time) over the samples: the quantity the grid minimizes.
 * A mean, not the reported median, so that every sample pulls. */
static double cost(const MigSample *s, int n, const MigCalib *cal, bool bytes) {
    double sum = 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        MigPrediction p;
        if (migSamplePredict(&s[i], cal, &p) != 0) return HUGE_VAL;
        if (!bytes && s[i].mode == MIGRATE_PRECOPY && p.converged != s[i].completed) sum += 1;
        if (!s[i].completed || s[i].timeS <= 0 || s[i].bytes <= 0) continue;
        sum += bytes ? fabs(p.bytes - s[i].bytes) / s[i].bytes
                     : fabs(p.timeS - s[i].timeS) / s[i].timeS;
        m++;
    }
    return m ? sum / m : HUGE_VAL;
}

static void fitExtra(const MigSample *s, int n, MigCalib *cal) {
    MigCalib best = *cal, c = *cal;
    double bestCost = HUGE_VAL;
    for (double x = 0; x <= 512; x += 1) {
        c.extraMb = x;
        double v = cost(s, n, &c, true);
        if (v < bestCost) bestCost = v, best = c;
    }
    *cal = best;
}

static void fitTime(const MigSample *s, int n, MigCalib *cal) {
    MigCalib best = *cal, c = *cal;
    double bestCost = HUGE_VAL;
    /* 0 (scan for free), then 100 MiB/s to 12.8 GiB/s in steps of sqrt(2). */
    double scans[16] = {0};
    for (int k = 1; k < 16; k++)
        scans[k] = 100 * pow(2, (k - 1) / 2.0);
    for (int k = 0; k < 16; k++)
        for (double eta = 0.40; eta <= 1.5001; eta += 0.02)
            for (double setup = 0; setup <= 4.0001; setup += 0.05) {
                c.scanMbps = scans[k];
                c.linkEfficiency = eta;
                c.setupS = setup;
                double v = cost(s, n, &c, false);
                if (v < bestCost) bestCost = v, best = c;
            }
    *cal = best;
}

int migCalibFit(const MigSample *s, int n, MigCalib *cal) {
    int completed = 0;
    for (int i = 0; i < n; i++)
        completed += s[i].completed && s[i].timeS > 0 && s[i].bytes > 0;
    if (completed < 3)
        return ERR("calibration needs at least 3 completed migrations, not %d", completed);
    *cal = migCalibDefaults();
    for (int pass = 0; pass < 2; pass++) {
        fitExtra(s, n, cal);
        fitTime(s, n, cal);
    }
    return 0;
}
