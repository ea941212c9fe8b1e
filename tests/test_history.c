/* test_history.c - the daemon's history: roll-ups average ticks over each
 * minute, energy over a range is a difference of counters, queries are
 * bounded and validated, rings and the event log forget their oldest. */
#include <math.h>

#include "history.h"
#include "testing.h"

/* Two hosts, one VM; host 0 draws 100 W then 200 W, host 1 is off. */
static void fill(History *h, double t0, double t1, float p0, double energyJ, double baseJ) {
    float power[2] = {p0, 10}, util[2] = {0.5f, 0};
    uint8_t state[2] = {0, 1};
    float vmUtil[1] = {0.25f}, vmPower[1] = {p0 / 2};
    HistFrame fr = {.hostPowerW = power,
                    .hostUtil = util,
                    .hostState = state,
                    .vmUtil = vmUtil,
                    .vmPowerW = vmPower,
                    .energyJ = energyJ,
                    .baselineJ = baseJ};
    histRecord(h, t0, t1, &fr);
}

static void testRollupsAndEnergy(void) {
    History *h = histCreate(2, 1);
    /* 30 s ticks: two per minute, 100 W for the first minute, 200 W after. */
    double e = 0, b = 0;
    for (int k = 0; k < 8; k++) {
        float p = k < 2 ? 100 : 200;
        e += (p + 10) * 30;
        b += 400 * 30;
        fill(h, k * 30.0, (k + 1) * 30.0, p, e, b);
    }
    HistSeries s;
    CHECK(histQuery(h, HIST_HOST, 0, 60, 240, 60, &s) == 0);
    CHECK(s.n == 4);
    CHECK(s.resolutionS == 60);
    CHECK_NEAR(s.power[1], 200, 1e-6); /* the minute (60, 120] */
    CHECK_NEAR(s.util[1], 0.5, 1e-6);
    histSeriesFree(&s);
    /* Finer than a minute: the tick ring. */
    CHECK(histQuery(h, HIST_HOST, 0, 30, 120, 30, &s) == 0);
    CHECK(s.resolutionS == 0);
    CHECK_NEAR(s.power[0], 100, 1e-6);
    CHECK_NEAR(s.power[2], 200, 1e-6);
    histSeriesFree(&s);
    /* The cloud: power and baseline power. */
    CHECK(histQuery(h, HIST_CLOUD, 0, 120, 240, 60, &s) == 0);
    CHECK_NEAR(s.power[1], 210, 1e-3);
    CHECK_NEAR(s.baseline[1], 400, 1e-3);
    CHECK_NEAR(s.util[1], 1, 1e-6); /* one host on */
    histSeriesFree(&s);
    double e0, b0, e1, b1;
    histEnergyAt(h, 60, &e0, &b0);
    histEnergyAt(h, 240, &e1, &b1);
    CHECK_NEAR(e1 - e0, 210 * 180, 1e-6);
    CHECK_NEAR(b1 - b0, 400 * 180, 1e-6);
    histFree(h);
}

static void testBoundsAndErrors(void) {
    History *h = histCreate(2, 1);
    /* Ticks of 5 minutes for three days: both rings wrap. */
    for (int k = 0; k < 3 * 288; k++)
        fill(h, k * 300.0, (k + 1) * 300.0, 100, (k + 1) * 300.0 * 110, (k + 1) * 300.0 * 400);
    double newest = histNewest(h);
    CHECK_NEAR(newest, 3 * 86400, 1e-6);
    CHECK(histOldest(h) >= newest - 86400 * 2.6);
    HistSeries s;
    CHECK(histQuery(h, HIST_HOST, 0, newest - 86400, newest, 60, &s) == 0);
    CHECK(s.n == 1441);
    int have = 0;
    for (size_t i = 0; i < s.n; i++)
        have += isfinite(s.power[i]);
    CHECK(have >= 1439); /* every minute of the last day */
    histSeriesFree(&s);
    CHECK(histQuery(h, HIST_HOST, 0, 0, 100, 0, &s) == -1);
    CHECK(histQuery(h, HIST_HOST, 0, 100, 0, 10, &s) == -1);
    CHECK(histQuery(h, HIST_HOST, 0, 0, 1e6, 1, &s) == -1); /* too many points */
    CHECK(histQuery(h, HIST_HOST, 5, 0, 100, 10, &s) == -1);
    CHECK(histQuery(h, HIST_VM, -1, 0, 100, 10, &s) == -1);
    histFree(h);
}

static void testEvents(void) {
    History *h = histCreate(3, 1);
    for (int k = 0; k < HIST_MAX_EVENTS + 10; k++) {
        HistEvent ev = {.t = k,
                        .type = k % 2 ? EV_POWER_OFF : EV_MIGRATION,
                        .host = k % 3,
                        .vm = 0,
                        .target = (k + 1) % 3};
        histAddEvent(h, &ev);
    }
    HistEvent out[5];
    size_t n = histEvents(h, 0, 1e9, -1, out, 5);
    CHECK(n == 5);
    CHECK_NEAR(out[0].t, HIST_MAX_EVENTS + 9, 0); /* newest first */
    n = histEvents(h, 0, 9, -1, out, 5);
    CHECK(n == 0); /* the oldest were forgotten */
    n = histEvents(h, 0, 1e9, 1, out, 5);
    CHECK(n == 5);
    for (size_t i = 0; i < n; i++)
        CHECK(out[i].host == 1 || out[i].target == 1);
    CHECK(strcmp(histEventTypeName(EV_OVERLOAD), "overload") == 0);
    histFree(h);
}

int main(void) {
    RUN(testRollupsAndEnergy);
    RUN(testBoundsAndErrors);
    RUN(testEvents);
    return testSummary("test_history");
}
