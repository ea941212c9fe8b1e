/* test_fitstore.c - `geyser fit --store` input (fitstore.h): a store filled
 * with power and utilization samples of known linear models and seeded
 * noise, on hosts of two server types, must give the models back; the
 * pairs must be exactly those of the same measurements as a CSV (so the
 * two inputs print the same fit); estimated power, hosts without a server
 * type, samples too far apart in time and ambiguous meters are handled as
 * documented. Runs on SQLite, and on PostgreSQL under
 * tests/pg/with-postgres.sh (GEYSER_TEST_POSTGRES). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fit.h"
#include "fitstore.h"
#include "store.h"
#include "testing.h"

static char tmpDir[] = "/tmp/geyser-fitstore-XXXXXX";
static const char *pg;
static int seq;

static Store *freshStore(void) {
    char uri[512];
    if (pg)
        snprintf(uri, sizeof(uri), "postgres:%s dbname=geyser_t%d", pg, ++seq);
    else
        snprintf(uri, sizeof(uri), "sqlite:%s/s%d.db", tmpDir, ++seq);
    Store *st = storeOpen(uri);
    if (!st) fprintf(stderr, "storeOpen(%s): %s\n", uri, errLast());
    return st;
}

static uint64_t rng = 88172645463325252ULL;

static double uniform(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

enum { PER_HOST = 600, T0 = 1700000000 };

typedef struct HostSpec {
    const char *host, *type;
    double idle, max;
} HostSpec;

static const HostSpec hosts[] = {
    {"a1", "TypeA", 100, 200},
    {"a2", "TypeA", 100, 200},
    {"b1", "TypeB", 80, 250},
    {"u1", NULL, 50, 60}, /* no server type: left out */
};
enum { NHOSTS = sizeof(hosts) / sizeof(hosts[0]) };

/* Power at 1 Hz, utilization 0.3 s later (the pairing's skew), +-2 W of
 * uniform noise; a1 also has a model's estimates, which must be ignored.
 * The same pairs go to csv, in (host, time) order. */
static void fill(Store *st, FILE *csv) {
    PowerSample p[PER_HOST], e[PER_HOST];
    HostUtilSample u[PER_HOST];
    HostInfo info[NHOSTS];
    fprintf(csv, "time,host,server_type,cpu_util,watts\n");
    for (int h = 0; h < NHOSTS; h++) {
        const HostSpec *hs = &hosts[h];
        info[h] = (HostInfo){hs->host, hs->type};
        for (int i = 0; i < PER_HOST; i++) {
            double t = T0 + i, util = uniform();
            double w = hs->idle + (hs->max - hs->idle) * util + 4 * (uniform() - 0.5);
            p[i] = (PowerSample){.t = t, .host = hs->host, .meter = "bmc", .watts = w};
            e[i] = (PowerSample){
                .t = t, .host = hs->host, .meter = "model", .watts = 1, .source = SAMPLE_ESTIMATED};
            u[i] = (HostUtilSample){.t = t + 0.3, .host = hs->host, .util = util};
            if (hs->type)
                fprintf(csv, "%.3f,%s,%s,%.17g,%.17g\n", t, hs->host, hs->type, util * 100, w);
        }
        CHECK(storeWritePower(st, p, PER_HOST) == 0);
        if (h == 0) CHECK(storeWritePower(st, e, PER_HOST) == 0);
        CHECK(storeWriteHostUtil(st, u, PER_HOST) == 0);
    }
    CHECK(storeDescribeHosts(st, info, NHOSTS) == 0);
}

static void testRecoversModels(void) {
    Store *st = freshStore();
    if (!st) return;
    char csvPath[256];
    snprintf(csvPath, sizeof(csvPath), "%s/m%d.csv", tmpDir, seq);
    FILE *csv = fopen(csvPath, "w");
    fill(st, csv);
    fclose(csv);
    FitStoreQuery q = {.from = 0, .to = 2e9, .maxSkew = 5};
    FitData d, c;
    FitStoreStats stats;
    CHECK(fitReadStore(st, &q, &d, &stats) == 0);
    CHECK(stats.pairs == 3 * PER_HOST && stats.untypedHosts == 1);
    CHECK(stats.estimated == PER_HOST && stats.unpaired == 0);
    CHECK(fitReadCsv(csvPath, &c) == 0);
    CHECK(d.n == 2 && c.n == 2);
    for (size_t s = 0; s < d.n && s < c.n; s++) {
        CHECK(strcmp(d.sets[s].type, c.sets[s].type) == 0);
        CHECK(d.sets[s].n == c.sets[s].n);
        for (size_t i = 0; i < d.sets[s].n && i < c.sets[s].n; i++) {
            CHECK_NEAR(d.sets[s].u[i], c.sets[s].u[i], 1e-12);
            CHECK_NEAR(d.sets[s].w[i], c.sets[s].w[i], 1e-9);
        }
        FitResult r;
        CHECK(fitPower(d.sets[s].u, d.sets[s].w, d.sets[s].n, FIT_FOLDS, &r) == 0);
        const HostSpec *hs = strcmp(d.sets[s].type, "TypeA") == 0 ? &hosts[0] : &hosts[2];
        const PowerModel *m = &r.cand[r.chosen].model;
        CHECK(r.chosen == 0); /* linear data: the linear model */
        CHECK_NEAR(m->idleW, hs->idle, 0.5);
        CHECK_NEAR(m->maxW, hs->max, 0.5);
        CHECK(r.pearson > 0.99);
    }
    fitDataFree(&c);
    fitDataFree(&d);
    /* A time range selects; a tight skew pairs nothing, and says why. */
    q.from = T0 + 100;
    q.to = T0 + 200;
    CHECK(fitReadStore(st, &q, &d, &stats) == 0);
    CHECK(stats.pairs == 3 * 100);
    fitDataFree(&d);
    q.maxSkew = 0.1;
    CHECK(fitReadStore(st, &q, &d, &stats) == -1);
    CHECK_STR_CONTAINS(errLast(), "utilization sample within 0.1 s");
    storeClose(st);
}

static void testAmbiguousMeters(void) {
    Store *st = freshStore();
    if (!st) return;
    PowerSample p[2] = {{.t = 1, .host = "h", .meter = "h/hwmon0/power1", .watts = 100},
                        {.t = 1, .host = "h", .meter = "cpu/intel-rapl:0/package-0", .watts = 30}};
    HostUtilSample u = {.t = 1, .host = "h", .util = 0.5};
    HostInfo hi = {"h", "T"};
    CHECK(storeWritePower(st, p, 2) == 0);
    CHECK(storeWriteHostUtil(st, &u, 1) == 0);
    CHECK(storeDescribeHosts(st, &hi, 1) == 0);
    FitStoreQuery q = {.from = 0, .to = 10, .maxSkew = 5};
    FitData d;
    FitStoreStats stats;
    CHECK(fitReadStore(st, &q, &d, &stats) == -1);
    CHECK_STR_CONTAINS(errLast(), "host h has more than one measured power series");
    CHECK_STR_CONTAINS(errLast(), "--meter");
    q.meter = "power1";
    CHECK(fitReadStore(st, &q, &d, &stats) == 0);
    CHECK(d.n == 1 && d.sets[0].n == 1 && d.sets[0].w[0] == 100);
    fitDataFree(&d);
    q.meter = "ower1"; /* a suffix must start after a '/' */
    CHECK(fitReadStore(st, &q, &d, &stats) == -1);
    storeClose(st);
}

int main(void) {
    if (!mkdtemp(tmpDir)) {
        perror("mkdtemp");
        return 1;
    }
    pg = getenv("GEYSER_TEST_POSTGRES");
    if (pg && !*pg) pg = NULL;
    fprintf(stderr, "== backend %s\n", pg ? "postgres" : "sqlite");
    RUN(testRecoversModels);
    RUN(testAmbiguousMeters);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpDir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpDir);
    return testSummary("test_fitstore");
}
