/* workload.c - sampling, repeating and freeing workloads, and the synthetic
 * generators (constant, phases, seeded random walk) used by tests and
 * benchmarks. The loaders live in planetlab.c and csvtrace.c. */
#include "workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

void workloadFree(Workload *w) {
    if (!w) return;
    for (int i = 0; i < w->nseries; i++) {
        free(w->series[i].name);
        free(w->series[i].util);
    }
    free(w->series);
    free(w);
}

double workloadUtilAt(const Workload *w, int s, double t) {
    if (!w || s < 0 || s >= w->nseries) return 0.0;
    const WorkloadSeries *ser = &w->series[s];
    int n = ser->nsamples;
    if (n <= 0) return 0.0;
    /* !(t > 0) also catches NaN, so a bad time reads the first sample. */
    if (!(t > 0) || !(w->stepS > 0)) return ser->util[0];
    double pos = t / w->stepS;
    if (pos >= (double)(n - 1)) return ser->util[n - 1];
    int k = (int)pos;
    double frac = pos - (double)k;
    return (double)ser->util[k] + frac * ((double)ser->util[k + 1] - (double)ser->util[k]);
}

double workloadDuration(const Workload *w) {
    if (!w) return 0.0;
    double d = (double)(w->nsamples - 1) * w->stepS;
    return d > w->stepS ? d : w->stepS;
}

/* A workload of nseries empty series; the caller fills names and samples. */
static Workload *workloadNew(int nseries, double stepS) {
    Workload *w = xcalloc(1, sizeof(*w));
    w->series = xcalloc((size_t)nseries, sizeof(*w->series));
    w->nseries = nseries;
    w->stepS = stepS;
    return w;
}

static char *seriesName(const char *prefix, int i) {
    char buf[64];
    snprintf(buf, sizeof(buf), "%s-%d", prefix, i);
    return xstrdup(buf);
}

static int checkShape(const char *fn, int nseries, int nsamples, double stepS) {
    if (nseries <= 0) return ERR("%s: the number of series must be positive, not %d.", fn, nseries);
    if (nsamples <= 0)
        return ERR("%s: the number of samples must be positive, not %d.", fn, nsamples);
    if (!(stepS > 0) || !isfinite(stepS))
        return ERR("%s: the sample step must be a positive number of seconds, not %g.", fn, stepS);
    return 0;
}

static int checkFraction(const char *fn, const char *what, double v) {
    if (!(v >= 0 && v <= 1))
        return ERR("%s: %s must be a utilization between 0 and 1, not %g.", fn, what, v);
    return 0;
}

Workload *workloadConstant(int nseries, int nsamples, double stepS, double util) {
    if (checkShape("workloadConstant", nseries, nsamples, stepS) < 0) return NULL;
    if (checkFraction("workloadConstant", "the value", util) < 0) return NULL;
    Workload *w = workloadNew(nseries, stepS);
    w->nsamples = nsamples;
    for (int i = 0; i < nseries; i++) {
        WorkloadSeries *s = &w->series[i];
        s->name = seriesName("const", i);
        s->nsamples = nsamples;
        s->util = xmalloc((size_t)nsamples * sizeof(float));
        for (int k = 0; k < nsamples; k++)
            s->util[k] = (float)util;
    }
    return w;
}

/* Validates the phase table and returns the series length, or -1. */
static long phasesLength(const int *lens, const double *utils, int nphases) {
    if (!lens || !utils || nphases <= 0)
        return ERR("workloadPhases: at least one phase is needed, got %d.", nphases);
    long total = 0;
    for (int i = 0; i < nphases; i++) {
        if (lens[i] <= 0)
            return ERR("workloadPhases: phase %d must last at least one sample, not %d.", i,
                       lens[i]);
        if (checkFraction("workloadPhases", "every phase's value", utils[i]) < 0) return -1;
        total += lens[i];
        if (total > 100000000L)
            return ERR("workloadPhases: the phases add up to more than 100000000 samples.");
    }
    return total;
}

Workload *workloadPhases(int nseries, const int *lens, const double *utils, int nphases,
                         double stepS) {
    long total = phasesLength(lens, utils, nphases);
    if (total < 0) return NULL;
    if (checkShape("workloadPhases", nseries, (int)total, stepS) < 0) return NULL;
    Workload *w = workloadNew(nseries, stepS);
    w->nsamples = (int)total;
    for (int i = 0; i < nseries; i++) {
        WorkloadSeries *s = &w->series[i];
        s->name = seriesName("phases", i);
        s->nsamples = (int)total;
        s->util = xmalloc((size_t)total * sizeof(float));
        int k = 0;
        for (int p = 0; p < nphases; p++)
            for (int j = 0; j < lens[p]; j++)
                s->util[k++] = (float)utils[p];
    }
    return w;
}

/* splitmix64: tiny, well mixed and identical on every platform, so a seed
 * names the same walk everywhere (rand() does not). */
static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) from the top 53 bits. */
static double uniform01(uint64_t *state) {
    return (double)(splitmix64(state) >> 11) * 0x1.0p-53;
}

/* Mirror x at 0 and 1 as often as needed: the closed form of bouncing
 * between two walls, so even a step larger than 1 lands inside. */
static double reflect01(double x) {
    double y = fmod(x, 2.0);
    if (y < 0) y += 2.0;
    return y > 1.0 ? 2.0 - y : y;
}

Workload *workloadRandomWalk(int nseries, int nsamples, double stepS, double start, double stepMax,
                             uint64_t seed) {
    if (checkShape("workloadRandomWalk", nseries, nsamples, stepS) < 0) return NULL;
    if (checkFraction("workloadRandomWalk", "the start", start) < 0) return NULL;
    if (!(stepMax >= 0) || !isfinite(stepMax)) {
        ERR("workloadRandomWalk: the largest step must be a finite number >= 0, not %g.", stepMax);
        return NULL;
    }
    Workload *w = workloadNew(nseries, stepS);
    w->nsamples = nsamples;
    uint64_t state = seed;
    for (int i = 0; i < nseries; i++) {
        WorkloadSeries *s = &w->series[i];
        s->name = seriesName("walk", i);
        s->nsamples = nsamples;
        s->util = xmalloc((size_t)nsamples * sizeof(float));
        double x = start;
        for (int k = 0; k < nsamples; k++) {
            s->util[k] = (float)x;
            x = reflect01(x + (2.0 * uniform01(&state) - 1.0) * stepMax);
        }
    }
    return w;
}

Workload *workloadRepeat(const Workload *w, int times) {
    if (!w) {
        ERR("workloadRepeat: there is no workload to repeat.");
        return NULL;
    }
    if (times <= 0 || (long)times * w->nseries > 100000000L) {
        ERR("workloadRepeat: cannot repeat %d series %d times.", w->nseries, times);
        return NULL;
    }
    Workload *r = workloadNew(w->nseries * times, w->stepS);
    r->nsamples = w->nsamples;
    /* Copy after copy, each in the original's order, so that series i of
     * the original is series k * nseries + i of the result. */
    for (int k = 0; k < times; k++) {
        for (int i = 0; i < w->nseries; i++) {
            const WorkloadSeries *src = &w->series[i];
            WorkloadSeries *dst = &r->series[k * w->nseries + i];
            size_t len = strlen(src->name) + 16;
            dst->name = xmalloc(len);
            snprintf(dst->name, len, "%s#%d", src->name, k);
            dst->nsamples = src->nsamples;
            dst->util = xmalloc((size_t)(src->nsamples > 0 ? src->nsamples : 1) * sizeof(float));
            if (src->nsamples > 0)
                memcpy(dst->util, src->util, (size_t)src->nsamples * sizeof(float));
        }
    }
    return r;
}
