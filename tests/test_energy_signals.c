/* test_energy_signals.c - energy signals (loading, validation, lookup, live
 * updates) and the time-shifting scheduler on hand-made cases whose
 * optimum is known. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "shift.h"
#include "signals.h"
#include "testing.h"

static char tmpdir[] = "/tmp/geyser-signals-XXXXXX";

static const char *writeFile(const char *name, const char *text) {
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void testLoadAndLookup(void) {
    SignalSeries s;
    const char *p = writeFile("price.csv", "# day-ahead, EUR/MWh\n"
                                           "time,price_eur_per_mwh\n"
                                           "2025-06-01T00:00:00Z,80\n"
                                           "\n"
                                           "2025-06-01T01:00:00Z,-5.5\n"
                                           "2025-06-01T02:00:00Z,120\n");
    CHECK(signalLoadCsv(p, 0, &s) == 0);
    CHECK(s.kind == SIGNAL_PRICE && s.n == 3);
    CHECK_NEAR(s.t[0], 1748736000, 0); /* 2025-06-01T00:00:00Z */
    double v;
    CHECK(signalAt(&s, s.t[0] + 1800, &v) && v == 80); /* held over the hour */
    CHECK(signalAt(&s, s.t[1], &v) && v == -5.5);      /* negative prices are real */
    CHECK(signalAt(&s, s.t[0] - 100, &v) && v == 80);  /* before: the first */
    CHECK(signalAt(&s, s.t[2] + 1e6, &v) && v == 120); /* after: the last */
    signalSeriesFree(&s);
    CHECK(!signalAt(&s, 0, &v));
}

static void expectLoadError(const char *text, const char *needle) {
    SignalSeries s;
    const char *p = writeFile("bad.csv", text);
    CHECK(signalLoadCsv(p, 3600, &s) != 0);
    CHECK_STR_CONTAINS(errLast(), needle);
}

static void testBadSignals(void) {
    expectLoadError("time,price\n0,10\n", "unknown signal column 'price'");
    expectLoadError("time,carbon_g_per_kwh\n0,300\n600,abc\n", "bad.csv:3: 'abc' is not a number");
    expectLoadError("time,carbon_g_per_kwh\n0,300\n600,-4\n",
                    "bad.csv:3: carbon_g_per_kwh: -4 is outside");
    expectLoadError("time,price_eur_per_mwh\n0,0.08\n600,95000\n", "outside the plausible range");
    expectLoadError("time,renewable_kw\n600,3\n0,4\n", "bad.csv:3: time 0 is not after");
    expectLoadError("time,renewable_kw\n0,3\n0,4\n", "duplicate");
    expectLoadError("time,renewable_kw\n0,3\n7200,4\n", "a gap of 7200 s");
    expectLoadError("time,renewable_kw\n2025-06-01T00:00:00+02:00,3\n", "must be UTC");
    expectLoadError("time,renewable_kw\nyesterday,3\n", "neither seconds nor an ISO 8601 time");
    expectLoadError("time,renewable_kw\n0,3,4\n", "expected two fields");
    expectLoadError("", "is empty");
    expectLoadError("time,renewable_kw\n", "no data points");
}

static void testCapsAndDir(void) {
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/set", tmpdir);
    CHECK(mkdir(dir, 0700) == 0);
    char path[700];
    snprintf(path, sizeof(path), "%s/price.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("time,price_eur_per_mwh\n0,50\n3600,30\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/caps.csv", dir);
    f = fopen(path, "w");
    fputs("start,end,cap_kw,source\n1000,2000,40,grid-operator\n3000,4000,10\n", f);
    fclose(f);
    SignalSet set;
    CHECK(signalLoadDir(dir, 0, &set) == 0);
    CHECK(set.series[SIGNAL_PRICE].n == 2 && set.series[SIGNAL_CARBON].n == 0);
    CHECK(set.ncaps == 2);
    CHECK(signalCapAt(&set, 1500) == 40 && signalCapAt(&set, 2500) < 0);
    CHECK(strcmp(set.caps[1].source, "file") == 0);
    signalSetFree(&set);
    f = fopen(path, "w");
    fputs("start,end,cap_kw\n1000,2000,40\n1500,2500,10\n", f);
    fclose(f);
    CHECK(signalLoadDir(dir, 0, &set) != 0);
    CHECK_STR_CONTAINS(errLast(), "caps.csv:3: the event overlaps an earlier one");
    f = fopen(path, "w");
    fputs("start,end,cap_kw\n2000,1000,40\n", f);
    fclose(f);
    CHECK(signalLoadDir(dir, 0, &set) != 0);
    CHECK_STR_CONTAINS(errLast(), "ends before it starts");
    snprintf(path, sizeof(path), "%s/empty", tmpdir);
    CHECK(mkdir(path, 0700) == 0);
    CHECK(signalLoadDir(path, 0, &set) != 0);
    CHECK_STR_CONTAINS(errLast(), "holds none of price.csv");
}

static void testLiveSignal(void) {
    LiveSignal s = {.kind = SIGNAL_CARBON};
    CHECK(liveSignalStale(&s, 0, 60));
    CHECK(liveSignalUpdate(&s, 100, 250) == 0);
    CHECK(!liveSignalStale(&s, 150, 60));
    CHECK(liveSignalUpdate(&s, 160, 99999) != 0); /* absurd: the last good value stays */
    CHECK(s.value == 250 && s.at == 100);
    CHECK_STR_CONTAINS(s.lastError, "outside the plausible range");
    CHECK(liveSignalUpdate(&s, 50, 200) != 0); /* older than what is held */
    CHECK_STR_CONTAINS(s.lastError, "older than the value held");
    CHECK(liveSignalStale(&s, 200, 60));
}

/* A forecast replaces the points over its span and keeps the others. */
static void testSpliceForecast(void) {
    double t0[] = {0, 3600, 7200, 10800}, v0[] = {50, 40, 30, 20};
    SignalSeries s = {.kind = SIGNAL_PRICE};
    bool changed = false;
    CHECK(signalSpliceForecast(&s, t0, v0, 4, &changed) == 0 && changed && s.n == 4);
    double t1[] = {3000, 7200}, v1[] = {45, 30}, v = 0;
    CHECK(signalSpliceForecast(&s, t1, v1, 2, &changed) == 0 && changed);
    /* 0 stays; 3600 (inside the span) goes; 7200 is the forecast's; 10800 stays. */
    CHECK(s.n == 4 && s.t[0] == 0 && s.t[1] == 3000 && s.t[3] == 10800);
    CHECK(signalAt(&s, 5000, &v) && v == 45);
    CHECK(signalAt(&s, 11000, &v) && v == 20);
    CHECK(signalSpliceForecast(&s, t1, v1, 2, &changed) == 0 && !changed); /* the same again */
    double t2[] = {7200, 3600}, v2[] = {1, 1};
    CHECK(signalSpliceForecast(&s, t2, v2, 2, &changed) != 0 && !changed);
    CHECK_STR_CONTAINS(errLast(), "out of order");
    double t3[] = {7200}, v3[] = {20000};
    CHECK(signalSpliceForecast(&s, t3, v3, 1, &changed) != 0);
    CHECK_STR_CONTAINS(errLast(), "outside the plausible range");
    CHECK(s.n == 4 && signalAt(&s, 7200, &v) && v == 30); /* refused whole */
    signalSeriesFree(&s);
}

/* Four one-hour slots with prices 50, 10, 40, 30 EUR/MWh. */
static ShiftSlots fourHours(double freeCpu) {
    static double price[4], carbon[4], surplus[4], free[4];
    double p[4] = {50, 10, 40, 30}, c[4] = {300, 500, 100, 200}, r[4] = {0, 0, 0, 20};
    for (int k = 0; k < 4; k++) {
        price[k] = p[k];
        carbon[k] = c[k];
        surplus[k] = r[k];
        free[k] = freeCpu;
    }
    return (ShiftSlots){.start = 0,
                        .slotS = 3600,
                        .n = 4,
                        .freeCpu = free,
                        .price = price,
                        .carbon = carbon,
                        .surplusKw = surplus};
}

static DeferrableJob job(const char *name, double release, double deadline, double duration,
                         double kw, double cpu) {
    DeferrableJob j;
    memset(&j, 0, sizeof(j));
    snprintf(j.name, sizeof(j.name), "%s", name);
    j.release = release, j.deadline = deadline, j.duration = duration, j.powerKw = kw, j.cpu = cpu;
    return j;
}

static void testCheapestWindow(void) {
    ShiftSlots s = fourHours(10);
    DeferrableJob j[1] = {job("render", 0, 4 * 3600, 3600, 10, 1)};
    double start;
    CHECK(shiftSchedule(j, 1, &s, SHIFT_COST, &start) == 0);
    CHECK(start == 3600); /* the 10 EUR/MWh hour */
    ShiftTotals t;
    s = fourHours(10);
    shiftEvaluate(j, 1, &s, &start, &t);
    CHECK_NEAR(t.energyKwh, 10, 1e-9);
    CHECK_NEAR(t.costEur, 10 * 10 / 1000.0, 1e-12);
    /* Carbon picks hour 2 (100 g/kWh); renewable share picks hour 3 (20 kW
     * of surplus covers the whole 10 kW job). */
    s = fourHours(10);
    CHECK(shiftSchedule(j, 1, &s, SHIFT_CARBON, &start) == 0 && start == 2 * 3600);
    s = fourHours(10);
    CHECK(shiftSchedule(j, 1, &s, SHIFT_RENEWABLE_SHARE, &start) == 0 && start == 3 * 3600);
    s = fourHours(10);
    shiftEvaluate(j, 1, &s, &start, &t);
    CHECK_NEAR(t.nonRenewableKwh, 0, 1e-9);
}

static void testDeadlineBindsAndTwoHourJob(void) {
    ShiftSlots s = fourHours(10);
    /* Must end by 01:00: only hour 0 is possible, however dear. */
    DeferrableJob a[1] = {job("urgent", 0, 3600, 3600, 10, 1)};
    double start;
    CHECK(shiftSchedule(a, 1, &s, SHIFT_COST, &start) == 0 && start == 0);
    /* Two hours: the cheapest pair of consecutive hours is 1-2 (10 + 40 =
     * 50) against 0-1 (60) and 2-3 (70). */
    s = fourHours(10);
    DeferrableJob b[1] = {job("etl", 0, 4 * 3600, 7200, 10, 1)};
    CHECK(shiftSchedule(b, 1, &s, SHIFT_COST, &start) == 0 && start == 3600);
    /* 90 minutes: ceil to two slots, the last one half used: 1-2 costs
     * 10 + 40 / 2 = 30 per 10 kW-hour unit; 2-3 costs 40 + 30 / 2 = 55; 0-1
     * costs 50 + 5 = 55. */
    s = fourHours(10);
    DeferrableJob c[1] = {job("etl90", 0, 4 * 3600, 5400, 10, 1)};
    CHECK(shiftSchedule(c, 1, &s, SHIFT_COST, &start) == 0 && start == 3600);
}

static void testCapacityShared(void) {
    /* Room for one job per hour: the two jobs cannot both have hour 1.
     * The less flexible one (window 0-2) is placed first and takes hour 1
     * (10); the other takes the best of the rest, hour 3 (30). Optimum:
     * 10 + 30 = 40 (the alternative, hour 1 for the flexible one, leaves
     * the other 50 or 40: worse). */
    ShiftSlots s = fourHours(1);
    DeferrableJob j[2] = {job("flexible", 0, 4 * 3600, 3600, 10, 1),
                          job("tight", 0, 2 * 3600, 3600, 10, 1)};
    double starts[2];
    CHECK(shiftSchedule(j, 2, &s, SHIFT_COST, starts) == 0);
    CHECK(starts[1] == 3600 && starts[0] == 3 * 3600);
    ShiftTotals t;
    ShiftSlots fresh = fourHours(1);
    shiftEvaluate(j, 2, &fresh, starts, &t);
    CHECK_NEAR(t.costEur, (10 * 10 + 10 * 30) / 1000.0, 1e-12);
    /* At arrival both want hour 0; the second waits for hour 1. */
    ShiftSlots arrival = fourHours(1);
    int missed;
    double at[2];
    CHECK(shiftAtArrival(j, 2, &arrival, at, &missed) == 0);
    CHECK(at[0] == 0 && at[1] == 3600 && missed == 0);
    fresh = fourHours(1);
    ShiftTotals base;
    shiftEvaluate(j, 2, &fresh, at, &base);
    CHECK(t.costEur < base.costEur);
}

static void testInfeasible(void) {
    ShiftSlots s = fourHours(1);
    DeferrableJob j[2] = {job("a", 0, 3600, 3600, 10, 1), job("b", 0, 3600, 3600, 10, 1)};
    double starts[2];
    CHECK(shiftSchedule(j, 2, &s, SHIFT_COST, starts) != 0);
    CHECK_STR_CONTAINS(errLast(), "cannot meet its deadline");
    DeferrableJob bad[1] = {job("late", 3600, 5000, 3600, 10, 1)};
    s = fourHours(1);
    CHECK(shiftSchedule(bad, 1, &s, SHIFT_COST, starts) != 0);
    CHECK_STR_CONTAINS(errLast(), "job late cannot finish by its deadline");
    ShiftObjective o;
    CHECK(shiftObjectiveParse("greenest", &o) != 0);
    CHECK(shiftObjectiveParse("renewable_share", &o) == 0 && o == SHIFT_RENEWABLE_SHARE);
}

static void testJobsFile(void) {
    const char *p =
        writeFile("jobs.csv", "name,release,deadline,duration_s,power_kw,cpu\n"
                              "backup,0,14400,3600,5,2\n"
                              "report,2025-06-01T00:00:00Z,2025-06-01T06:00:00Z,1800,2,1\n");
    DeferrableJob *jobs;
    CHECK(shiftLoadJobs(p, &jobs) == 2);
    CHECK(strcmp(jobs[1].name, "report") == 0 && jobs[1].deadline - jobs[1].release == 21600);
    free(jobs);
    p = writeFile("jobs.csv", "name,release,deadline,duration_s,power_kw,cpu\nx,0,100,3600,5,2\n");
    CHECK(shiftLoadJobs(p, &jobs) < 0);
    CHECK_STR_CONTAINS(errLast(), "jobs.csv:2: job x cannot finish by its deadline");
}

int main(void) {
    CHECK(mkdtemp(tmpdir) != NULL);
    RUN(testLoadAndLookup);
    RUN(testBadSignals);
    RUN(testCapsAndDir);
    RUN(testLiveSignal);
    RUN(testSpliceForecast);
    RUN(testCheapestWindow);
    RUN(testDeadlineBindsAndTwoHourJob);
    RUN(testCapacityShared);
    RUN(testInfeasible);
    RUN(testJobsFile);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    CHECK(system(cmd) == 0);
    return testSummary("test_energy_signals");
}
