/* store_bench.c - figures for bench/store.sh: batched ingest rate into a
 * store, and query times for a day of one host (raw, 1 Hz) and a day of
 * 1000 hosts at the 1-minute roll-up.
 *   store_bench URI ingest SAMPLES BATCH HOSTS
 *   store_bench URI day1
 *   store_bench URI hosts HOSTS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "err.h"
#include "store.h"
#include "util.h"

#define DAY 86400

/* CPU seconds of this process (user + system): on a shared machine the
 * wall-clock rate depends on the neighbours, the CPU cost does not. */
static double cpuSeconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static int die(const char *what) {
    fprintf(stderr, "store_bench: %s: %s\n", what, errLast());
    return 1;
}

static char (*hostNames(long hosts))[16] {
    char(*names)[16] = xmalloc((size_t)hosts * 16);
    for (long h = 0; h < hosts; h++)
        snprintf(names[h], 16, "host%05d", (int)(h % 100000));
    return names;
}

/* samples spread over hosts, at `period` seconds, written in batches. */
static int ingest(Store *st, long samples, long batch, long hosts, double period, double *secs) {
    char(*names)[16] = hostNames(hosts);
    PowerSample *b = xmalloc((size_t)batch * sizeof(PowerSample));
    long perHost = samples / hosts, done = 0;
    double t0 = nowMonotonic();
    int rc = 0;
    /* Time-major, as agents report: every host's sample at t, then t + 1.
     * Times have a fraction, as real meter readings do: a whole-number
     * time is stored by SQLite as a small integer, which made the rows
     * (and the figure) smaller than in use. Under 0.1 s for up to 1000
     * hosts, so a sample stays in the minute of i * period. */
    for (long i = 0; i < perHost && rc == 0; i++) {
        for (long h = 0; h < hosts && rc == 0; h++) {
            long k = done % batch;
            b[k] = (PowerSample){.t = (double)i * period + 0.137 + (double)(h % 1000) * 1e-4,
                                 .host = names[h],
                                 .meter = "ipmi",
                                 .watts = 100 + (double)((i * 7 + h * 13) % 100)};
            if (++done % batch == 0) rc = storeWritePower(st, b, (size_t)batch);
        }
    }
    if (rc == 0 && done % batch) rc = storeWritePower(st, b, (size_t)(done % batch));
    *secs = nowMonotonic() - t0;
    free(b);
    free(names);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: store_bench URI ingest SAMPLES BATCH HOSTS | day1 | hosts N\n");
        return 2;
    }
    Store *st = storeOpen(argv[1]);
    if (!st) return die("open");
    double secs;
    SeriesPoint *pts;
    size_t n;
    if (strcmp(argv[2], "ingest") == 0 && argc == 6) {
        long samples = strtol(argv[3], NULL, 10), batch = strtol(argv[4], NULL, 10);
        long hosts = strtol(argv[5], NULL, 10);
        double cpu0 = cpuSeconds();
        if (ingest(st, samples, batch, hosts, 1, &secs) < 0) return die("ingest");
        double cpu = cpuSeconds() - cpu0;
        printf("ingest %ld samples (%ld hosts, batches of %ld): %.2f s, %.0f samples/s"
               " (CPU %.2f s: %.0f samples per CPU second)\n",
               samples, hosts, batch, secs, (double)samples / secs, cpu, (double)samples / cpu);
    } else if (strcmp(argv[2], "day1") == 0) {
        if (ingest(st, DAY, 10000, 1, 1, &secs) < 0) return die("ingest");
        double t0 = nowMonotonic();
        if (storeSeries(st, "host00000", NULL, 0, DAY, 1, &pts, &n, NULL) < 0) return die("query");
        printf("query one host, one day raw at 1 s (%zu points): %.1f ms\n", n,
               (nowMonotonic() - t0) * 1e3);
        free(pts);
        t0 = nowMonotonic();
        if (storeSeries(st, "host00000", NULL, 0, DAY, 60, &pts, &n, NULL) < 0) return die("query");
        printf("query one host, one day at the 1-minute roll-up (%zu points): %.1f ms\n", n,
               (nowMonotonic() - t0) * 1e3);
        free(pts);
    } else if (strcmp(argv[2], "hosts") == 0 && argc == 4) {
        long hosts = strtol(argv[3], NULL, 10);
        /* One sample a minute per host: the same 1-minute roll-up rows as
         * 1 Hz would make, at 1/60 of the ingest time. */
        if (ingest(st, hosts * 1440, 20000, hosts, 60, &secs) < 0) return die("ingest");
        printf("ingest %ld hosts x 1440 samples (one a minute): %.2f s\n", hosts, secs);
        char(*names)[16] = hostNames(hosts);
        size_t total = 0;
        double t0 = nowMonotonic();
        for (long h = 0; h < hosts; h++) {
            if (storeSeries(st, names[h], NULL, 0, DAY, 60, &pts, &n, NULL) < 0)
                return die("query");
            total += n;
            free(pts);
        }
        printf("query %ld hosts, one day each at the 1-minute roll-up (%zu points): %.1f ms\n",
               hosts, total, (nowMonotonic() - t0) * 1e3);
        HostEnergy *e;
        t0 = nowMonotonic();
        if (storeEnergy(st, 0, DAY, &e, &n) < 0) return die("energy");
        printf("energy totals of %zu hosts over the day: %.1f ms\n", n,
               (nowMonotonic() - t0) * 1e3);
        free(e);
        free(names);
    } else {
        fprintf(stderr, "store_bench: unknown mode %s\n", argv[2]);
        return 2;
    }
    storeClose(st);
    return 0;
}
