/* history.c - rings of per-host and per-VM samples (tick and one-minute
 * roll-ups) and a ring of events; see history.h. Values are floats: a
 * sample needs no more than 7 digits, and memory is what bounds history. */
#include "history.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

typedef struct Ring {
    size_t cap, n, head; /* head: the next slot to write */
    double *t;           /* end of each sample's interval */
    float *hostPower, *hostUtil, *vmUtil, *vmPower;
    uint8_t *hostState;
    double *energyJ, *baselineJ; /* cumulative at t */
    float *cloudPower, *cloudBaseline, *hostsOn;
} Ring;

struct History {
    int nhosts, nvms;
    Ring tick, minute;
    /* The minute being accumulated: time-weighted sums over [accStart, t). */
    double accMinute; /* start of that minute; -1 before the first record */
    double accDt, *accHost, *accHostUtil, *accVm, *accVmPower;
    double accCloud, accBaseline, accOn;
    double prevEnergyJ, prevBaselineJ, prevT, lastT1;
    HistEvent *events;
    size_t nev, evHead;
};

static void ringInit(Ring *r, size_t cap, int nhosts, int nvms) {
    r->cap = cap;
    r->t = xcalloc(cap, sizeof(double));
    r->hostPower = xcalloc(cap * (size_t)nhosts, sizeof(float));
    r->hostUtil = xcalloc(cap * (size_t)nhosts, sizeof(float));
    r->hostState = xcalloc(cap * (size_t)nhosts, 1);
    r->vmUtil = xcalloc(cap * (size_t)nvms, sizeof(float));
    r->vmPower = xcalloc(cap * (size_t)nvms, sizeof(float));
    r->energyJ = xcalloc(cap, sizeof(double));
    r->baselineJ = xcalloc(cap, sizeof(double));
    r->cloudPower = xcalloc(cap, sizeof(float));
    r->cloudBaseline = xcalloc(cap, sizeof(float));
    r->hostsOn = xcalloc(cap, sizeof(float));
}

static void ringFree(Ring *r) {
    free(r->t);
    free(r->hostPower);
    free(r->hostUtil);
    free(r->hostState);
    free(r->vmUtil);
    free(r->vmPower);
    free(r->energyJ);
    free(r->baselineJ);
    free(r->cloudPower);
    free(r->cloudBaseline);
    free(r->hostsOn);
}

/* Index of the i-th oldest sample. */
static size_t ringAt(const Ring *r, size_t i) {
    return (r->head + r->cap - r->n + i) % r->cap;
}

/* Claim the next slot (overwriting the oldest when full). */
static size_t ringPush(Ring *r, double t) {
    size_t k = r->head;
    r->head = (r->head + 1) % r->cap;
    if (r->n < r->cap) r->n++;
    r->t[k] = t;
    return k;
}

History *histCreate(int nhosts, int nvms) {
    History *h = xcalloc(1, sizeof(*h));
    h->nhosts = nhosts;
    h->nvms = nvms;
    ringInit(&h->tick, HIST_TICK_SLOTS, nhosts, nvms);
    ringInit(&h->minute, HIST_MINUTE_SLOTS, nhosts, nvms);
    h->accMinute = -1;
    h->accHost = xcalloc((size_t)nhosts + 1, sizeof(double));
    h->accHostUtil = xcalloc((size_t)nhosts + 1, sizeof(double));
    h->accVm = xcalloc((size_t)nvms + 1, sizeof(double));
    h->accVmPower = xcalloc((size_t)nvms + 1, sizeof(double));
    h->events = xcalloc(HIST_MAX_EVENTS, sizeof(HistEvent));
    return h;
}

void histFree(History *h) {
    if (!h) return;
    ringFree(&h->tick);
    ringFree(&h->minute);
    free(h->accHost);
    free(h->accHostUtil);
    free(h->accVm);
    free(h->accVmPower);
    free(h->events);
    free(h);
}

size_t histBytes(const History *h) {
    size_t perSlot = sizeof(double) * 3 + sizeof(float) * 3 +
                     (size_t)h->nhosts * (2 * sizeof(float) + 1) +
                     (size_t)h->nvms * 2 * sizeof(float);
    return perSlot * (h->tick.cap + h->minute.cap) + HIST_MAX_EVENTS * sizeof(HistEvent);
}

static void accumulate(History *h, const HistFrame *fr, double dt, double cloudW, double baseW,
                       double on) {
    for (int i = 0; i < h->nhosts; i++) {
        h->accHost[i] += fr->hostPowerW[i] * dt;
        h->accHostUtil[i] += fr->hostUtil[i] * dt;
    }
    for (int i = 0; i < h->nvms; i++) {
        h->accVm[i] += fr->vmUtil[i] * dt;
        h->accVmPower[i] += fr->vmPowerW[i] * dt;
    }
    h->accCloud += cloudW * dt;
    h->accBaseline += baseW * dt;
    h->accOn += on * dt;
    h->accDt += dt;
}

/* Close the minute being accumulated into a roll-up slot. The state is the
 * one at the minute's end; the counters are interpolated to it. */
static void flushMinute(History *h, const HistFrame *fr, double end) {
    Ring *r = &h->minute;
    size_t k = ringPush(r, end);
    double dt = h->accDt > 0 ? h->accDt : 1;
    for (int i = 0; i < h->nhosts; i++) {
        r->hostPower[k * (size_t)h->nhosts + (size_t)i] = (float)(h->accHost[i] / dt);
        r->hostUtil[k * (size_t)h->nhosts + (size_t)i] = (float)(h->accHostUtil[i] / dt);
        r->hostState[k * (size_t)h->nhosts + (size_t)i] = fr->hostState[i];
    }
    for (int i = 0; i < h->nvms; i++) {
        r->vmUtil[k * (size_t)h->nvms + (size_t)i] = (float)(h->accVm[i] / dt);
        r->vmPower[k * (size_t)h->nvms + (size_t)i] = (float)(h->accVmPower[i] / dt);
    }
    r->cloudPower[k] = (float)(h->accCloud / dt);
    r->cloudBaseline[k] = (float)(h->accBaseline / dt);
    r->hostsOn[k] = (float)(h->accOn / dt);
    double span = h->lastT1 - h->prevT;
    double f = span > 0 ? (end - h->prevT) / span : 1;
    r->energyJ[k] = h->prevEnergyJ + f * (fr->energyJ - h->prevEnergyJ);
    r->baselineJ[k] = h->prevBaselineJ + f * (fr->baselineJ - h->prevBaselineJ);
    memset(h->accHost, 0, sizeof(double) * (size_t)h->nhosts);
    memset(h->accHostUtil, 0, sizeof(double) * (size_t)h->nhosts);
    memset(h->accVm, 0, sizeof(double) * (size_t)h->nvms);
    memset(h->accVmPower, 0, sizeof(double) * (size_t)h->nvms);
    h->accCloud = h->accBaseline = h->accOn = h->accDt = 0;
}

void histRecord(History *h, double t0, double t1, const HistFrame *fr) {
    if (!(t1 > t0)) return;
    double dt = t1 - t0;
    double cloudW = (fr->energyJ - h->prevEnergyJ) / dt;
    double baseW = (fr->baselineJ - h->prevBaselineJ) / dt;
    double on = 0;
    for (int i = 0; i < h->nhosts; i++)
        on += fr->hostState[i] == 0; /* HOST_ON */
    h->prevT = t0;
    h->lastT1 = t1;

    Ring *r = &h->tick;
    size_t k = ringPush(r, t1);
    memcpy(&r->hostPower[k * (size_t)h->nhosts], fr->hostPowerW, sizeof(float) * (size_t)h->nhosts);
    memcpy(&r->hostUtil[k * (size_t)h->nhosts], fr->hostUtil, sizeof(float) * (size_t)h->nhosts);
    memcpy(&r->hostState[k * (size_t)h->nhosts], fr->hostState, (size_t)h->nhosts);
    memcpy(&r->vmUtil[k * (size_t)h->nvms], fr->vmUtil, sizeof(float) * (size_t)h->nvms);
    memcpy(&r->vmPower[k * (size_t)h->nvms], fr->vmPowerW, sizeof(float) * (size_t)h->nvms);
    r->energyJ[k] = fr->energyJ;
    r->baselineJ[k] = fr->baselineJ;
    r->cloudPower[k] = (float)cloudW;
    r->cloudBaseline[k] = (float)baseW;
    r->hostsOn[k] = (float)on;

    /* A tick longer than the roll-up ring only keeps its last day. */
    double t = fmax(t0, t1 - 60.0 * HIST_MINUTE_SLOTS);
    if (h->accMinute < 0 || t >= h->accMinute + 60) {
        h->accMinute = floor(t / 60) * 60;
        h->accDt = 0;
    }
    while (t < t1) {
        double end = fmin(t1, h->accMinute + 60);
        accumulate(h, fr, end - t, cloudW, baseW, on);
        if (end >= h->accMinute + 60) {
            flushMinute(h, fr, h->accMinute + 60);
            h->accMinute += 60;
        }
        t = end;
    }
    h->prevEnergyJ = fr->energyJ;
    h->prevBaselineJ = fr->baselineJ;
}

/* Roll-ups unless the tick ring covers `from` at a finer step. */
static const Ring *pickRing(const History *h, double from, double step) {
    const Ring *tk = &h->tick;
    if (tk->n > 0 && step < 60 && tk->t[ringAt(tk, 0)] <= from) return tk;
    if (h->minute.n == 0) return tk;
    return &h->minute;
}

/* First sample index (oldest = 0) with t > x. */
static size_t ringUpper(const Ring *r, double x) {
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->t[ringAt(r, mid)] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int histQuery(const History *h, HistSubject subj, int index, double from, double to, double step,
              HistSeries *out) {
    memset(out, 0, sizeof(*out));
    if (!(step > 0)) return ERR("step must be a positive number of seconds");
    if (to < from) return ERR("'to' (%.0f) is before 'from' (%.0f)", to, from);
    double npts = floor((to - from) / step) + 1;
    if (npts > HIST_MAX_POINTS)
        return ERR("%.0f points requested; at most %d per query: use a larger step", npts,
                   HIST_MAX_POINTS);
    if ((subj == HIST_HOST && (index < 0 || index >= h->nhosts)) ||
        (subj == HIST_VM && (index < 0 || index >= h->nvms)))
        return ERR("no such %s index %d", subj == HIST_HOST ? "host" : "VM", index);
    const Ring *r = pickRing(h, from, step);
    size_t n = (size_t)npts;
    out->n = n;
    out->resolutionS = r == &h->minute ? 60 : 0;
    out->t = xmalloc(n * sizeof(double));
    out->power = xmalloc(n * sizeof(double));
    out->util = xmalloc(n * sizeof(double));
    if (subj == HIST_CLOUD) out->baseline = xmalloc(n * sizeof(double));
    size_t stride = subj == HIST_HOST ? (size_t)h->nhosts : (size_t)h->nvms;
    size_t i = ringUpper(r, from - 1e-9);
    for (size_t b = 0; b < n; b++) {
        double b0 = from + (double)b * step, b1 = b0 + step;
        double sp = 0, su = 0, sb = 0;
        int cnt = 0;
        /* Samples are interval ends: a sample at t belongs to (b0, b1]. */
        for (; i < r->n && r->t[ringAt(r, i)] <= b1 + 1e-9; i++) {
            size_t k = ringAt(r, i);
            if (r->t[k] <= b0 + 1e-9 && b > 0) continue;
            if (subj == HIST_CLOUD) {
                sp += r->cloudPower[k];
                su += r->hostsOn[k];
                sb += r->cloudBaseline[k];
            } else {
                const float *p = subj == HIST_HOST ? r->hostPower : r->vmPower;
                const float *u = subj == HIST_HOST ? r->hostUtil : r->vmUtil;
                sp += p[k * stride + (size_t)index];
                su += u[k * stride + (size_t)index];
            }
            cnt++;
        }
        out->t[b] = b1;
        out->power[b] = cnt ? sp / cnt : NAN;
        out->util[b] = cnt ? su / cnt : NAN;
        if (out->baseline) out->baseline[b] = cnt ? sb / cnt : NAN;
    }
    return 0;
}

void histSeriesFree(HistSeries *s) {
    if (!s) return;
    free(s->t);
    free(s->power);
    free(s->util);
    free(s->baseline);
    memset(s, 0, sizeof(*s));
}

static void ringEnergyAt(const Ring *r, double t, double *e, double *b) {
    size_t i = ringUpper(r, t);
    if (i == 0) {
        *e = *b = 0;
        return;
    }
    size_t k = ringAt(r, i - 1);
    *e = r->energyJ[k];
    *b = r->baselineJ[k];
}

void histEnergyAt(const History *h, double t, double *energyJ, double *baselineJ) {
    const Ring *r = h->tick.n && h->tick.t[ringAt(&h->tick, 0)] <= t ? &h->tick : &h->minute;
    ringEnergyAt(r, t, energyJ, baselineJ);
}

double histOldest(const History *h) {
    const Ring *r = h->minute.n ? &h->minute : &h->tick;
    double m = r->n ? r->t[ringAt(r, 0)] : 0;
    if (h->tick.n && h->tick.t[ringAt(&h->tick, 0)] < m) m = h->tick.t[ringAt(&h->tick, 0)];
    return m;
}

double histNewest(const History *h) {
    return h->tick.n ? h->tick.t[ringAt(&h->tick, h->tick.n - 1)] : 0;
}

void histAddEvent(History *h, const HistEvent *ev) {
    h->events[h->evHead] = *ev;
    h->evHead = (h->evHead + 1) % HIST_MAX_EVENTS;
    if (h->nev < HIST_MAX_EVENTS) h->nev++;
}

size_t histEvents(const History *h, double from, double to, int host, HistEvent *out, size_t max) {
    size_t n = 0;
    for (size_t i = h->nev; i-- > 0 && n < max;) {
        const HistEvent *e =
            &h->events[(h->evHead + HIST_MAX_EVENTS - h->nev + i) % HIST_MAX_EVENTS];
        if (e->t < from || e->t > to) continue;
        if (host >= 0 && e->host != host && e->target != host) continue;
        out[n++] = *e;
    }
    return n;
}

const char *histEventTypeName(HistEventType t) {
    static const char *names[] = {"migration", "power_on", "power_off", "refused",
                                  "failed",    "overload", "recovered", "replan"};
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

size_t histHostSamples(const History *h, const uint8_t *pick, double *util, double *power,
                       size_t max) {
    const Ring *r = &h->tick;
    size_t n = 0, nh = (size_t)h->nhosts;
    for (size_t i = r->n; i-- > 0 && n < max;) {
        size_t k = ringAt(r, i);
        for (size_t j = 0; j < nh && n < max; j++) {
            if (!pick[j] || r->hostState[k * nh + j] != 0) continue;
            util[n] = r->hostUtil[k * nh + j];
            power[n] = r->hostPower[k * nh + j];
            n++;
        }
    }
    return n;
}
