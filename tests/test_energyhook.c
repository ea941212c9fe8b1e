/* test_energyhook.c - the daemon's energy hook without the daemon: forecasts
 * that move the cheapest window and the queue with it (hand-made prices
 * whose optimum is known), a running job that stays, a job whose window is
 * gone, the rate limit, admission control, and live values that keep the
 * last good value with a staleness flag when a poll fails. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "energyhook.h"
#include "err.h"
#include "history.h"
#include "testing.h"

static char tmpdir[] = "/tmp/geyser-hook-XXXXXX";

static void writeFile(const char *dir, const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static HookJob *jobNamed(EnergyHook *h, const char *name) {
    for (int i = 0; i < h->njobs; i++)
        if (strcmp(h->jobs[i].job.name, name) == 0) return &h->jobs[i];
    return NULL;
}

/* The replan events in the history, newest first. */
static size_t replanEvents(const History *hist, HistEvent *ev, size_t max) {
    HistEvent all[64];
    size_t n = histEvents(hist, 0, 1e9, -1, all, 64), k = 0;
    for (size_t i = 0; i < n && k < max; i++)
        if (all[i].type == EV_REPLAN) ev[k++] = all[i];
    return k;
}

/* Hourly prices 50, 40, 30, 20, 60, 70, then 80 EUR/MWh. Job a (one hour,
 * window 0-6 h) is planned in the cheapest hour, 3 (10800 s); b must run
 * in hour 0; c in hour 0 or 1 (planned in 1, the cheaper). */
static EnergyHook *queueHook(const char *dir, History *hist) {
    writeFile(dir, "price.csv",
              "time,price_eur_per_mwh\n0,50\n3600,40\n7200,30\n10800,20\n14400,60\n18000,70\n"
              "21600,80\n");
    writeFile(dir, "jobs.csv",
              "name,release,deadline,duration_s,power_kw,cpu\n"
              "a,0,21600,3600,2,1\nb,0,3600,3600,2,1\nc,0,9000,3600,2,1\n");
    EnergyHookConfig cfg = {.signalsDir = dir, .objective = SHIFT_COST};
    EnergyHook *h = energyHookCreate(&cfg);
    if (h) h->hist = hist;
    return h;
}

static void testForecastMovesJob(void) {
    History *hist = histCreate(1, 1);
    EnergyHook *h = queueHook(tmpdir, hist);
    CHECK(h != NULL);
    if (!h) return;
    CHECK(jobNamed(h, "a")->plannedStart == 10800);
    CHECK(jobNamed(h, "b")->plannedStart == 0);
    CHECK(jobNamed(h, "c")->plannedStart == 3600);
    /* b has started: whatever the forecast says, it stays. */
    HookJob *b = jobNamed(h, "b");
    b->state = JOB_RUNNING;
    b->startedAt = 0;

    /* Hour 2 becomes the cheapest (10), hour 3 dear (90): a follows. */
    CHECK(energyHookForecast(h, "price", "eur_per_mwh", "3600:90,7200:10,10800:90", 1800) == 0);
    CHECK(h->replanPending);
    CHECK(energyHookReplan(h, 1800, 300) == 1);
    CHECK(jobNamed(h, "a")->plannedStart == 7200);
    CHECK(jobNamed(h, "a")->replans == 1 && jobNamed(h, "a")->prevStart == 10800);
    CHECK_STR_CONTAINS(jobNamed(h, "a")->replanReason, "price forecast changed");
    CHECK(b->plannedStart == 0 && b->startedAt == 0 && b->state == JOB_RUNNING && b->replans == 0);
    /* c's only start is hour 1, dearer now, but there is no other. */
    CHECK(jobNamed(h, "c")->plannedStart == 3600 && jobNamed(h, "c")->replans == 0);
    HistEvent ev[8];
    CHECK(replanEvents(hist, ev, 8) == 1);
    CHECK(ev[0].fromS == 10800 && ev[0].toS == 7200 && ev[0].host == -1);
    CHECK_STR_CONTAINS(ev[0].reason, "job a: planned start 10800 s -> 7200 s");

    /* The same forecast again changes nothing: no re-plan is due. */
    CHECK(energyHookForecast(h, "price", "eur_per_mwh", "3600:90,7200:10,10800:90", 1850) == 0);
    CHECK(!h->replanPending);
    /* Carbon does not steer a cost plan. */
    CHECK(energyHookForecast(h, "carbon", "g_per_kwh", "3600:100", 1850) == 0);
    CHECK(!h->replanPending);

    /* Rate limit: a new forecast 100 s after the last re-plan waits for
     * the interval to pass, then moves a to hour 3 (now 5). */
    CHECK(energyHookForecast(h, "price", "eur_per_mwh", "7200:95,10800:5", 1900) == 0);
    CHECK(energyHookReplan(h, 1900, 300) == 0 && h->replanPending);
    CHECK(jobNamed(h, "a")->plannedStart == 7200);
    CHECK(energyHookReplan(h, 2100, 300) == 1 && !h->replanPending);
    CHECK(jobNamed(h, "a")->plannedStart == 10800 && jobNamed(h, "a")->replans == 2);

    /* Bad forecasts are refused whole, and the series held stays. */
    CHECK(energyHookForecast(h, "price", "eur_per_mwh", "14400:5,10800:5", 2200) != 0);
    CHECK_STR_CONTAINS(errLast(), "out of order");
    CHECK(energyHookForecast(h, "price", "eur_per_mwh", "14400:99999", 2200) != 0);
    CHECK_STR_CONTAINS(errLast(), "outside the plausible range");
    CHECK_STR_CONTAINS(h->live[SIGNAL_PRICE].lastError, "outside the plausible range");
    CHECK(energyHookForecast(h, "price", "eur_per_kwh", "14400:0.05", 2200) != 0);
    CHECK(energyHookForecast(h, "price", "eur_per_mwh", "14400", 2200) != 0);
    double v = 0;
    CHECK(signalAt(&h->sig.series[SIGNAL_PRICE], 14400, &v) && v == 60);
    CHECK(!h->replanPending);

    /* At 5000 s c (deadline 9000 s, one hour) has no start on the hour
     * left: it keeps its plan and is flagged; a moves to hour 4 (now 1). */
    CHECK(energyHookForecast(h, "price", "eur_per_mwh", "14400:1", 5000) == 0);
    CHECK(energyHookReplan(h, 5000, 300) == 1);
    HookJob *c = jobNamed(h, "c");
    CHECK(c->plannedStart == 3600 && c->replanInfeasible && c->replans == 0);
    CHECK_STR_CONTAINS(c->replanReason, "plan kept");
    CHECK(jobNamed(h, "a")->plannedStart == 14400);
    size_t n = replanEvents(hist, ev, 8);
    CHECK(n == 4);
    bool flagged = false;
    for (size_t i = 0; i < n; i++)
        flagged |= strstr(ev[i].reason, "job c:") && ev[i].fromS == 3600 && ev[i].toS == 3600;
    CHECK(flagged);
    json_t *j = energyHookJobsJson(h, 5000);
    CHECK(json_integer_value(json_object_get(json_object_get(j, "replan"), "runs")) == 3);
    json_decref(j);

    /* A polled forecast re-plans the same way: hour 5 drops to 0.5. */
    CHECK(energyHookApplyJson(h, "{\"forecast\": {\"price_eur_per_mwh\": [[18000, 0.5]]}}", 5400) ==
          0);
    CHECK(energyHookReplan(h, 5400, 300) == 1);
    CHECK(jobNamed(h, "a")->plannedStart == 18000);
    CHECK_STR_CONTAINS(jobNamed(h, "a")->replanReason, "polled at 5400 s");
    energyHookFree(h);
    histFree(hist);
}

/* One core for batch jobs; x takes it for hours 0 and 1. */
static void testAdmission(void) {
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/adm", tmpdir);
    CHECK(mkdir(dir, 0700) == 0);
    writeFile(dir, "price.csv", "time,price_eur_per_mwh\n0,50\n3600,50\n7200,40\n10800,30\n");
    writeFile(dir, "jobs.csv",
              "name,release,deadline,duration_s,power_kw,cpu\nx,0,7200,7200,3,1\n");
    EnergyHookConfig cfg = {.signalsDir = dir, .objective = SHIFT_COST, .batchCpu = 1};
    EnergyHook *h = energyHookCreate(&cfg);
    CHECK(h != NULL);
    if (!h) return;
    int st = 0;
    HookJobForm f = {
        .name = "y", .deadline = "7200", .duration = "3600", .powerKw = "2", .cpu = "1"};
    CHECK(energyHookSubmit(h, &f, 0, &st) != 0 && st == 409);
    CHECK_STR_CONTAINS(errLast(), "capacity left");
    f.deadline = "now+14400"; /* hours 2 and 3 are free; 3 is cheaper */
    CHECK(energyHookSubmit(h, &f, 0, &st) == 0 && st == 201);
    CHECK(h->njobs == 2 && h->jobs[1].plannedStart == 10800 && h->jobs[1].fromApi);
    CHECK(energyHookSubmit(h, &f, 0, &st) != 0 && st == 409); /* the name is taken */
    CHECK_STR_CONTAINS(errLast(), "already queued");
    HookJobForm z = {.name = "z", .deadline = "now+1000", .duration = "3600", .powerKw = "1"};
    CHECK(energyHookSubmit(h, &z, 0, &st) != 0 && st == 422);
    CHECK_STR_CONTAINS(errLast(), "cannot meet its deadline");
    z.deadline = "20000", z.cpu = "2";
    CHECK(energyHookSubmit(h, &z, 0, &st) != 0 && st == 422);
    CHECK_STR_CONTAINS(errLast(), "batch capacity is 1");
    z.cpu = "1", z.deadline = "now+99999999";
    CHECK(energyHookSubmit(h, &z, 0, &st) != 0 && st == 422);
    CHECK_STR_CONTAINS(errLast(), "more than 31 days ahead");
    z.deadline = "20000", z.duration = NULL;
    CHECK(energyHookSubmit(h, &z, 0, &st) != 0 && st == 400);
    CHECK_STR_CONTAINS(errLast(), "duration_s: missing");
    /* z fits only in hour 2 (y holds 3): admitted there. */
    z.duration = "3600", z.deadline = "now+14400";
    CHECK(energyHookSubmit(h, &z, 0, &st) == 0 && h->jobs[2].plannedStart == 7200);
    energyHookFree(h);
}

/* A polled URL that goes down or returns garbage: the last good value
 * stays, the error is reported, and the value turns stale with age. */
static void testPollKeepsLastGood(void) {
    EnergyHookConfig cfg = {.url = "http://127.0.0.1:1/sig.json", .maxAgeS = 600};
    EnergyHook *h = energyHookCreate(&cfg);
    CHECK(h != NULL);
    if (!h) return;
    CHECK(energyHookApplyJson(h, "{\"renewable_kw\": 12.5}", 100) == 0);
    CHECK(energyHookApplyJson(h, "<html>502 Bad Gateway</html>", 200) != 0);
    CHECK_STR_CONTAINS(errLast(), "not a JSON object");
    CHECK(energyHookApplyJson(h, "{\"renewable_kw\": \"lots\"}", 200) != 0);
    CHECK(energyHookApplyJson(h, "{\"forecast\": {\"renewable_kw\": [[0, -4]]}}", 200) != 0);
    CHECK(energyHookPoll(h, 300) != 0); /* nothing listens on port 1 */
    CHECK_STR_CONTAINS(h->pollError, "polling http://127.0.0.1:1/sig.json");
    CHECK(h->pollFailures == 1);
    json_t *s = energyHookSignalsJson(h, 300);
    json_t *ren = json_object_get(json_object_get(s, "signals"), "renewable");
    CHECK(json_real_value(json_object_get(ren, "live_value")) == 12.5);
    CHECK(json_is_false(json_object_get(ren, "stale")));
    CHECK_STR_CONTAINS(json_string_value(json_object_get(s, "poll_error")), "127.0.0.1:1");
    json_decref(s);
    s = energyHookSignalsJson(h, 1000); /* 900 s after the last good value */
    ren = json_object_get(json_object_get(s, "signals"), "renewable");
    CHECK(json_is_true(json_object_get(ren, "stale")));
    CHECK(json_real_value(json_object_get(ren, "live_value")) == 12.5);
    CHECK(strcmp(json_string_value(json_object_get(ren, "source")), "none") == 0);
    json_decref(s);
    /* A good document with a forecast fills an absent series. */
    CHECK(energyHookApplyJson(h, "{\"forecast\": {\"renewable_kw\": [[0, 4], [3600, 8]]}}", 1000) ==
          0);
    double v = 0;
    CHECK(signalAt(&h->sig.series[SIGNAL_RENEWABLE], 4000, &v) && v == 8);
    energyHookFree(h);
}

int main(void) {
    CHECK(mkdtemp(tmpdir) != NULL);
    RUN(testForecastMovesJob);
    RUN(testAdmission);
    RUN(testPollKeepsLastGood);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    CHECK(system(cmd) == 0);
    return testSummary("test_energyhook");
}
