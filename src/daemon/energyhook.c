/* energyhook.c - signals, caps and deferrable jobs in the daemon (see
 * energyhook.h). */
#include "energyhook.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "lazy_curl.h"
#include "util.h"

#define HOOK_MAX_DOC   65536 /* bytes of a polled document */
#define HOOK_TIMEOUT_S 5L    /* a poll blocks the loop at most this long */
#define CAP_TOLERANCE  1e-6

static const char *const kindNames[SIGNAL_KINDS] = {"price", "carbon", "renewable"};
static const char *const unitNames[SIGNAL_KINDS] = {"eur_per_mwh", "g_per_kwh", "kw"};

/* ---- setup ---- */

static int planJobs(EnergyHook *h, DeferrableJob *jobs, int n) {
    h->jobs = xcalloc((size_t)(n ? n : 1), sizeof(HookJob));
    h->njobs = 0;
    double *starts = xcalloc((size_t)(n ? n : 1), sizeof(double));
    double horizon = 0;
    for (int i = 0; i < n; i++)
        horizon = fmax(horizon, jobs[i].deadline);
    ShiftSlots s;
    /* The simulated cloud's CPU is not lent to jobs in the daemon: the
     * batch capacity (--batch-cpu, unlimited by default) is what limits
     * them, and caps (checked when they start). */
    shiftSlotsFromSignals(&s, &h->sig, 0, HOOK_SLOT_S, (int)ceil(horizon / HOOK_SLOT_S),
                          h->cfg.batchCpu > 0 ? h->cfg.batchCpu : 1e9);
    for (int k = 0; k < s.n; k++)
        s.roomKw[k] = INFINITY;
    int rc = shiftSchedule(jobs, n, &s, h->cfg.objective, starts);
    if (rc == 0) {
        for (int i = 0; i < n; i++)
            h->jobs[i] = (HookJob){.job = jobs[i],
                                   .plannedStart = starts[i],
                                   .startedAt = -1,
                                   .replannedAt = -1,
                                   .prevStart = -1};
        h->njobs = n;
    }
    shiftSlotsFree(&s);
    free(starts);
    return rc;
}

static int loadDir(EnergyHook *h, const char *dir) {
    if (signalLoadDir(dir, 0, &h->sig) != 0) return -1;
    for (int k = 0; k < SIGNAL_KINDS; k++) /* absent ones too: a forecast may fill them */
        h->sig.series[k].kind = (SignalKind)k;
    for (int i = 0; i < h->sig.ncaps && h->ncaps < HOOK_MAX_CAPS; i++)
        h->caps[h->ncaps++] = (HookCap){.ev = h->sig.caps[i], .firstOk = -1};
    char path[1024];
    snprintf(path, sizeof(path), "%s/jobs.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0; /* jobs are optional */
    fclose(f);
    DeferrableJob *jobs = NULL;
    int n = shiftLoadJobs(path, &jobs);
    if (n < 0) return -1;
    int rc = planJobs(h, jobs, n);
    free(jobs);
    if (rc != 0) errPrefix("%s", path);
    return rc;
}

EnergyHook *energyHookCreate(const EnergyHookConfig *cfg) {
    EnergyHook *h = xcalloc(1, sizeof(*h));
    h->cfg = *cfg;
    if (h->cfg.pollS <= 0) h->cfg.pollS = 60;
    if (h->cfg.maxAgeS <= 0) h->cfg.maxAgeS = 3600;
    if (h->cfg.speed <= 0) h->cfg.speed = 1;
    h->capKw = -1;
    h->lastReplanAt = -1;
    for (int k = 0; k < SIGNAL_KINDS; k++) {
        h->live[k].kind = (SignalKind)k;
        h->sig.series[k].kind = (SignalKind)k;
        h->forecastAt[k] = -1;
    }
    if (cfg->url) {
        if (strncmp(cfg->url, "http://", 7) != 0 && strncmp(cfg->url, "https://", 8) != 0) {
            ERR("signals URL '%s' is not http:// or https://", cfg->url);
            energyHookFree(h);
            return NULL;
        }
        snprintf(h->url, sizeof(h->url), "%s", cfg->url);
        h->cfg.url = h->url;
    }
    if (cfg->signalsDir && loadDir(h, cfg->signalsDir) != 0) {
        energyHookFree(h);
        return NULL;
    }
    return h;
}

void energyHookFree(EnergyHook *h) {
    if (!h) return;
    signalSetFree(&h->sig);
    free(h->jobs);
    free(h);
}

/* ---- the control tick ---- */

static double runningKw(const EnergyHook *h) {
    double kw = 0;
    for (int i = 0; i < h->njobs; i++)
        if (h->jobs[i].state == JOB_RUNNING) kw += h->jobs[i].job.powerKw;
    return kw;
}

/* The lowest cap in force at any time in [from, to), or -1. */
static double capBetween(const EnergyHook *h, double from, double to) {
    double cap = -1;
    for (int i = 0; i < h->ncaps; i++) {
        const CapEvent *e = &h->caps[i].ev;
        if (e->start < to && e->end > from && (cap < 0 || e->capKw < cap)) cap = e->capKw;
    }
    return cap;
}

/* Finish jobs whose time is up; start those due, unless a cap has no room
 * for them and their deadline still allows waiting. */
static void stepJobs(EnergyHook *h, double now, double intervalS, double hostsKw) {
    for (int i = 0; i < h->njobs; i++) {
        HookJob *j = &h->jobs[i];
        if (j->state == JOB_RUNNING && now >= j->startedAt + j->job.duration) j->state = JOB_DONE;
    }
    double cap = capBetween(h, now, now + intervalS);
    for (int i = 0; i < h->njobs; i++) {
        HookJob *j = &h->jobs[i];
        if (j->state != JOB_WAITING || now < j->plannedStart) continue;
        bool mustStart = now + intervalS + j->job.duration > j->job.deadline;
        if (cap >= 0 && hostsKw + runningKw(h) + j->job.powerKw > cap && !mustStart) {
            j->deferred = true;
            continue;
        }
        j->state = JOB_RUNNING;
        j->startedAt = now;
    }
}

static void checkCaps(EnergyHook *h, double now) {
    for (int i = 0; i < h->ncaps; i++) {
        HookCap *c = &h->caps[i];
        if (now < c->ev.start || now >= c->ev.end) continue;
        c->seen = true;
        c->maxDrawKw = fmax(c->maxDrawKw, h->drawKw);
        if (h->drawKw <= c->ev.capKw * (1 + CAP_TOLERANCE)) {
            if (c->firstOk < 0) c->firstOk = now;
        } else {
            c->firstOk = -1;
        }
    }
}

void energyHookControl(EnergyHook *h, Controller *ctl, const CloudView *v, double now,
                       double intervalS) {
    double hostsW = 0;
    for (int i = 0; i < v->nhosts; i++)
        hostsW += v->hosts[i].powerW;
    /* Re-plan before jobs start, so that a job moved away from now waits. */
    energyHookReplan(h, now, intervalS);
    stepJobs(h, now, intervalS, hostsW / 1000);
    h->jobsKw = runningKw(h);
    h->drawKw = hostsW / 1000 + h->jobsKw;
    checkCaps(h, now);
    /* Caps from files are announced: act one interval ahead. */
    h->capKw = capBetween(h, now, now + 2 * intervalS);
    ctl->capW = h->capKw < 0 ? -1 : fmax(0, (h->capKw - h->jobsKw) * 1000);
}

void energyHookAfterControl(EnergyHook *h, const Controller *ctl) {
    h->ctlCap = ctl->cap;
}

/* ---- inputs ---- */

static int parseWhen(const char *at, double now, double *out) {
    if (!at || strcmp(at, "now") == 0) {
        *out = now;
        return 0;
    }
    double back;
    if (strncmp(at, "now-", 4) == 0 && parseDouble(at + 4, &back) == 0 && back >= 0) {
        *out = now - back;
        return 0;
    }
    if (strncmp(at, "now+", 4) == 0 && parseDouble(at + 4, &back) == 0 && back >= 0) {
        *out = now + back;
        return 0;
    }
    if (parseDouble(at, out) == 0 && isfinite(*out)) return 0;
    return ERR("time '%.40s' is not 'now', 'now-SECONDS', 'now+SECONDS' or seconds of the "
               "cloud's clock",
               at);
}

static int kindByName(const char *name, SignalKind *k) {
    for (int i = 0; i < SIGNAL_KINDS; i++)
        if (strcmp(name, kindNames[i]) == 0) {
            *k = (SignalKind)i;
            return 0;
        }
    return ERR("kind '%.40s' is not price, carbon or renewable", name);
}

static int pushValue(EnergyHook *h, SignalKind k, double v, double at, double now) {
    if (at > now + 60)
        return ERR("%s: a value for %.0f s is in the future (the cloud's clock is at %.0f s)",
                   signalColumn(k), at, now);
    if (liveSignalUpdate(&h->live[k], at, v) != 0) return -1;
    return 0;
}

int energyHookPush(EnergyHook *h, const char *kind, const char *unit, const char *value,
                   const char *at, double now) {
    SignalKind k = SIGNAL_PRICE;
    double v, t;
    if (!kind || !unit || !value) return ERR("kind, unit and value are required");
    if (kindByName(kind, &k) != 0) return -1;
    if (strcmp(unit, unitNames[k]) != 0)
        return ERR("unit '%.40s' is not the unit of %s (%s)", unit, kind, unitNames[k]);
    if (parseDouble(value, &v) != 0) return ERR("value '%.40s' is not a number", value);
    if (parseWhen(at, now, &t) != 0) return -1;
    if (pushValue(h, k, v, t, now) != 0) {
        snprintf(h->live[k].lastError, sizeof(h->live[k].lastError), "%s", errLast());
        return -1;
    }
    return 0;
}

int energyHookAddCap(EnergyHook *h, double start, double end, double capKw, const char *source) {
    if (!(capKw >= 0) || !isfinite(capKw)) return ERR("cap_kw must be a non-negative number");
    if (!(end > start)) return ERR("the cap must end after it starts");
    for (int i = 0; i < h->ncaps; i++)
        if (h->caps[i].ev.start < end && h->caps[i].ev.end > start)
            return ERR("the cap overlaps the cap of %.0f kW from %.0f to %.0f s",
                       h->caps[i].ev.capKw, h->caps[i].ev.start, h->caps[i].ev.end);
    if (h->ncaps == HOOK_MAX_CAPS) return ERR("at most %d caps are held", HOOK_MAX_CAPS);
    HookCap *c = &h->caps[h->ncaps++];
    *c = (HookCap){
        .ev = {.start = start, .end = end, .capKw = capKw}, .fromApi = true, .firstOk = -1};
    snprintf(c->ev.source, sizeof(c->ev.source), "%s", source ? source : "api");
    return 0;
}

static int applyForecast(EnergyHook *h, SignalKind k, const double *t, const double *v, int n,
                         double now, const char *how);

/* {"price_eur_per_mwh": [[T, x], ...], ...}: each series' forecast. */
static int applyJsonForecast(EnergyHook *h, json_t *fc, double now) {
    if (!json_is_object(fc)) return ERR("\"forecast\" must be an object of series");
    double t[HOOK_MAX_POINTS], v[HOOK_MAX_POINTS];
    const char *key;
    json_t *arr;
    json_object_foreach(fc, key, arr) {
        int k = 0;
        while (k < SIGNAL_KINDS && strcmp(key, signalColumn((SignalKind)k)) != 0)
            k++;
        if (k == SIGNAL_KINDS)
            return ERR("forecast: unknown series \"%.40s\" (expected price_eur_per_mwh, "
                       "carbon_g_per_kwh or renewable_kw: the unit is part of the name)",
                       key);
        size_t n = json_array_size(arr);
        if (!json_is_array(arr) || n == 0 || n > HOOK_MAX_POINTS)
            return ERR("forecast %s: must be an array of 1 to %d [time, value] points", key,
                       HOOK_MAX_POINTS);
        for (size_t i = 0; i < n; i++) {
            json_t *p = json_array_get(arr, i);
            if (!json_is_array(p) || json_array_size(p) != 2 ||
                !json_is_number(json_array_get(p, 0)) || !json_is_number(json_array_get(p, 1)))
                return ERR("forecast %s: point %zu is not [time, value] in numbers", key, i + 1);
            t[i] = json_number_value(json_array_get(p, 0));
            v[i] = json_number_value(json_array_get(p, 1));
        }
        if (applyForecast(h, (SignalKind)k, t, v, (int)n, now, "polled") != 0) return -1;
    }
    return 0;
}

int energyHookApplyJson(EnergyHook *h, const char *text, double now) {
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (!doc || !json_is_object(doc)) {
        json_decref(doc);
        return ERR("the signals document is not a JSON object (%s)", jerr.text);
    }
    double at = now;
    json_t *t = json_object_get(doc, "time");
    int rc = 0, found = 0;
    if (t && !json_is_number(t)) rc = ERR("\"time\" must be seconds of the cloud's clock");
    if (t && rc == 0) at = json_number_value(t);
    for (int k = 0; k < SIGNAL_KINDS && rc == 0; k++) {
        json_t *v = json_object_get(doc, signalColumn((SignalKind)k));
        if (!v) continue;
        found++;
        if (!json_is_number(v))
            rc = ERR("\"%s\" must be a number", signalColumn((SignalKind)k));
        else
            rc = pushValue(h, (SignalKind)k, json_number_value(v), at, now);
    }
    json_t *fc = json_object_get(doc, "forecast");
    if (fc && rc == 0) {
        found++;
        rc = applyJsonForecast(h, fc, now);
    }
    if (rc == 0 && !found)
        rc = ERR("the signals document has none of price_eur_per_mwh, carbon_g_per_kwh, "
                 "renewable_kw, forecast");
    json_decref(doc);
    return rc;
}

/* ---- forecasts and re-planning ---- */

/* The signal each objective is planned on. */
static SignalKind objectiveKind(ShiftObjective o) {
    return o == SHIFT_CARBON            ? SIGNAL_CARBON
           : o == SHIFT_RENEWABLE_SHARE ? SIGNAL_RENEWABLE
                                        : SIGNAL_PRICE;
}

/* Take a validated forecast into the series; a change to the objective's
 * signal makes a re-plan due (run at the next control tick). */
static int applyForecast(EnergyHook *h, SignalKind k, const double *t, const double *v, int n,
                         double now, const char *how) {
    bool changed = false;
    if (signalSpliceForecast(&h->sig.series[k], t, v, n, &changed) != 0) {
        snprintf(h->live[k].lastError, sizeof(h->live[k].lastError), "%s", errLast());
        return -1;
    }
    h->forecasts[k]++;
    h->live[k].lastError[0] = '\0';
    if (!changed) return 0;
    h->forecastAt[k] = now;
    if (k != objectiveKind(h->cfg.objective)) return 0;
    if (h->replanPending) h->replanCoalesced++;
    h->replanPending = true;
    snprintf(h->replanWhy, sizeof(h->replanWhy), "the %s forecast changed (%s at %.0f s)",
             kindNames[k], how, now);
    return 0;
}

/* "TIME:VALUE", the i-th point of a pushed forecast (in place). */
static int parsePoint(char *p, int i, double now, double *t, double *v) {
    char *colon = strrchr(p, ':');
    if (!colon) return ERR("forecast point %d '%.40s' is not TIME:VALUE", i, p);
    *colon = '\0';
    if (parseWhen(strTrim(p), now, t) != 0) {
        errPrefix("forecast point %d", i);
        return -1;
    }
    if (parseDouble(strTrim(colon + 1), v) != 0)
        return ERR("forecast point %d: value '%.40s' is not a number", i, colon + 1);
    return 0;
}

int energyHookForecast(EnergyHook *h, const char *kind, const char *unit, const char *points,
                       double now) {
    SignalKind k = SIGNAL_PRICE;
    if (!kind || !unit || !points) return ERR("kind, unit and forecast are required");
    if (kindByName(kind, &k) != 0) return -1;
    if (strcmp(unit, unitNames[k]) != 0)
        return ERR("unit '%.40s' is not the unit of %s (%s)", unit, kind, unitNames[k]);
    double t[HOOK_MAX_POINTS], v[HOOK_MAX_POINTS];
    int n = 0, rc = 0;
    char *copy = xstrdup(points), *save = NULL;
    for (char *p = strtok_r(copy, ",", &save); p && rc == 0; p = strtok_r(NULL, ",", &save)) {
        if (n == HOOK_MAX_POINTS)
            rc = ERR("forecast: more than %d points", HOOK_MAX_POINTS);
        else
            rc = parsePoint(p, n + 1, now, &t[n], &v[n]);
        n++;
    }
    free(copy);
    if (rc == 0) rc = applyForecast(h, k, t, v, n, now, "pushed");
    if (rc != 0) snprintf(h->live[k].lastError, sizeof(h->live[k].lastError), "%s", errLast());
    return rc;
}

/* Hourly slots from the hour holding now to past every job's end (and
 * until), with the batch capacity in each. Caps are not planned around:
 * a job is held at its start while a cap has no room (stepJobs). */
static void hookSlots(const EnergyHook *h, double now, double until, ShiftSlots *s) {
    double g = floor(now / HOOK_SLOT_S) * HOOK_SLOT_S, end = fmax(until, now);
    for (int i = 0; i < h->njobs; i++) {
        const HookJob *j = &h->jobs[i];
        end = fmax(end, j->job.deadline);
        end = fmax(end, (j->startedAt >= 0 ? j->startedAt : j->plannedStart) + j->job.duration);
    }
    int n = (int)ceil((end - g) / HOOK_SLOT_S) + 1;
    shiftSlotsFromSignals(s, &h->sig, g, HOOK_SLOT_S, n,
                          h->cfg.batchCpu > 0 ? h->cfg.batchCpu : 1e9);
    for (int k = 0; k < s->n; k++)
        s->roomKw[k] = INFINITY;
}

/* Take what a job uses from `from` on (a running one's rest, or a plan
 * kept) out of the slots. */
static void occupyFrom(ShiftSlots *s, const DeferrableJob *j, double from) {
    int at = (int)floor((from - s->start) / s->slotS);
    if (at < 0) at = 0;
    double slotStart = s->start + at * s->slotS, end = from + j->duration;
    if (at >= s->n || end <= slotStart) return;
    DeferrableJob rest = *j;
    rest.duration = fmin(end - slotStart, (s->n - at) * s->slotS);
    shiftOccupy(&rest, s, at);
}

/* The job as the planner sees it from now: it cannot start before now. */
static DeferrableJob fromNow(const DeferrableJob *j, double now) {
    DeferrableJob c = *j;
    c.release = fmax(c.release, now);
    return c;
}

static void recordReplan(EnergyHook *h, int i, double now, double to, bool infeasible) {
    HookJob *j = &h->jobs[i];
    j->replanInfeasible = infeasible;
    j->replannedAt = now;
    j->prevStart = j->plannedStart;
    if (infeasible)
        snprintf(j->replanReason, sizeof(j->replanReason),
                 "%.100s; no feasible start before its deadline at %.0f s is left: plan kept",
                 h->replanWhy, j->job.deadline);
    else
        snprintf(j->replanReason, sizeof(j->replanReason), "%.100s; %s is lower at the new start",
                 h->replanWhy, shiftObjectiveName(h->cfg.objective));
    if (!infeasible) {
        j->replans++;
        j->plannedStart = to;
        h->replanMoves++;
    }
    if (!h->hist) return;
    HistEvent ev = {.t = now,
                    .type = EV_REPLAN,
                    .host = -1,
                    .vm = -1,
                    .target = -1,
                    .job = i,
                    .fromS = j->prevStart,
                    .toS = to};
    snprintf(ev.reason, sizeof(ev.reason), "job %.40s: planned start %.0f s -> %.0f s: %.120s",
             j->job.name, j->prevStart, to, j->replanReason);
    histAddEvent(h->hist, &ev);
}

static int bySlack(const void *a, const void *b) {
    double x = ((const DeferrableJob *)a)->duration, y = ((const DeferrableJob *)b)->duration;
    return (x > y) - (x < y); /* duration holds the slack while sorting */
}

int energyHookReplan(EnergyHook *h, double now, double intervalS) {
    if (!h->replanPending) return 0;
    /* The rate limit: forecasts that arrive faster than the controller
     * acts are taken, and planned on once, at the next interval. */
    if (h->lastReplanAt >= 0 && now - h->lastReplanAt < intervalS) return 0;
    h->replanPending = false;
    h->lastReplanAt = now;
    h->replanRuns++;
    ShiftSlots s;
    hookSlots(h, now, 0, &s);
    /* Sort the waiting jobs least slack first (the slack left from now),
     * in DeferrableJob records whose duration carries the slack and whose
     * cpu carries the index. */
    DeferrableJob *order = xcalloc((size_t)h->njobs + 1, sizeof(DeferrableJob));
    int n = 0, moved = 0;
    for (int i = 0; i < h->njobs; i++) {
        const HookJob *j = &h->jobs[i];
        if (j->state == JOB_RUNNING) occupyFrom(&s, &j->job, j->startedAt);
        if (j->state != JOB_WAITING) continue;
        DeferrableJob c = fromNow(&j->job, now);
        order[n].duration = shiftSlack(&c);
        order[n++].cpu = i;
    }
    qsort(order, (size_t)n, sizeof(DeferrableJob), bySlack);
    for (int o = 0; o < n; o++) {
        int i = (int)order[o].cpu;
        HookJob *j = &h->jobs[i];
        DeferrableJob c = fromNow(&j->job, now);
        double best, kept = INFINITY;
        int at = shiftBestStart(&c, &s, h->cfg.objective, &best);
        double off = (j->plannedStart - s.start) / s.slotS;
        int cur = (int)llround(off);
        bool onGrid = fabs(off - cur) < 1e-6 && j->plannedStart >= now;
        if (onGrid && shiftFits(&c, &s, cur))
            kept = shiftPlacementCost(&c, &s, cur, h->cfg.objective);
        if (at < 0) {
            recordReplan(h, i, now, j->plannedStart, true);
            occupyFrom(&s, &j->job, fmax(j->plannedStart, now));
        } else if (kept <= best + 1e-9) {
            j->replanInfeasible = false;
            shiftOccupy(&c, &s, cur); /* no gain: moving would only churn */
        } else {
            recordReplan(h, i, now, s.start + at * s.slotS, false);
            shiftOccupy(&c, &s, at);
            moved++;
        }
    }
    free(order);
    shiftSlotsFree(&s);
    return moved;
}

/* ---- admission ---- */

static int formNumber(const char *v, const char *name, double *out, int *status) {
    if (!v || parseDouble(v, out) != 0 || !isfinite(*out)) {
        *status = 400;
        return ERR("%s: %s", name, v ? "not a number" : "missing");
    }
    return 0;
}

int energyHookSubmit(EnergyHook *h, const HookJobForm *f, double now, int *status) {
    DeferrableJob j;
    memset(&j, 0, sizeof(j));
    *status = 400;
    if (!f->name || !*f->name || strlen(f->name) >= sizeof(j.name))
        return ERR("name: missing or longer than %zu characters", sizeof(j.name) - 1);
    snprintf(j.name, sizeof(j.name), "%s", f->name);
    if (parseWhen(f->release, now, &j.release) != 0) {
        errPrefix("release");
        return -1;
    }
    if (!f->deadline) return ERR("deadline: missing (seconds of the cloud's clock or now+S)");
    if (parseWhen(f->deadline, now, &j.deadline) != 0) {
        errPrefix("deadline");
        return -1;
    }
    if (formNumber(f->duration, "duration_s", &j.duration, status) ||
        formNumber(f->powerKw, "power_kw", &j.powerKw, status) ||
        formNumber(f->cpu ? f->cpu : "0", "cpu", &j.cpu, status))
        return -1;
    *status = 422;
    if (!(j.duration > 0) || j.powerKw < 0 || j.cpu < 0)
        return ERR("job %s: duration_s must be positive, power_kw and cpu non-negative", j.name);
    if (h->cfg.batchCpu > 0 && j.cpu > h->cfg.batchCpu)
        return ERR("job %s needs %g cores; the batch capacity is %g", j.name, j.cpu,
                   h->cfg.batchCpu);
    /* The planner holds a slot per hour up to the deadline. */
    if (j.deadline - now > HOOK_MAX_AHEAD_S)
        return ERR("job %s: the deadline is more than %.0f days ahead", j.name,
                   HOOK_MAX_AHEAD_S / 86400);
    DeferrableJob c = fromNow(&j, now);
    if (c.deadline - c.release < c.duration)
        return ERR("job %s cannot meet its deadline (%.0f s): it needs %.0f s from %.0f s", j.name,
                   j.deadline, j.duration, c.release);
    *status = 409;
    for (int i = 0; i < h->njobs; i++)
        if (strcmp(h->jobs[i].job.name, j.name) == 0)
            return ERR("a job named %s is already queued", j.name);
    /* Place it in what the other jobs leave, their plans untouched. */
    ShiftSlots s;
    hookSlots(h, now, j.deadline, &s);
    for (int i = 0; i < h->njobs; i++) {
        const HookJob *o = &h->jobs[i];
        if (o->state != JOB_DONE)
            occupyFrom(&s, &o->job, o->startedAt >= 0 ? o->startedAt : fmax(o->plannedStart, now));
    }
    double cost;
    int at = shiftBestStart(&c, &s, h->cfg.objective, &cost);
    double start = s.start + at * s.slotS;
    shiftSlotsFree(&s);
    if (at < 0)
        return ERR("job %s: the capacity left (%g cores for batch jobs) has no start on the "
                   "hour between %.0f s and its deadline at %.0f s",
                   j.name, h->cfg.batchCpu > 0 ? h->cfg.batchCpu : INFINITY, c.release, j.deadline);
    h->jobs = xrealloc(h->jobs, (size_t)(h->njobs + 1) * sizeof(HookJob));
    h->jobs[h->njobs++] = (HookJob){.job = j,
                                    .plannedStart = start,
                                    .startedAt = -1,
                                    .fromApi = true,
                                    .replannedAt = -1,
                                    .prevStart = -1};
    *status = 201;
    return 0;
}

/* ---- polling ---- */

static size_t collect(char *data, size_t size, size_t n, void *arg) {
    Buf *b = arg;
    if (b->len + size * n > HOOK_MAX_DOC) return 0; /* curl then fails the transfer */
    bufAppend(b, data, size * n);
    return size * n;
}

int energyHookPoll(EnergyHook *h, double now) {
    if (lazyCurlLoad() < 0) return -1;
    CURL *c = lazyCurl.curl_easy_init();
    if (!c) return ERR("cannot start libcurl");
    Buf b;
    bufInit(&b);
    lazyCurl.curl_easy_setopt(c, CURLOPT_URL, h->url);
    lazyCurl.curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    lazyCurl.curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    lazyCurl.curl_easy_setopt(c, CURLOPT_TIMEOUT, HOOK_TIMEOUT_S);
    lazyCurl.curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    lazyCurl.curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode cc = lazyCurl.curl_easy_perform(c);
    lazyCurl.curl_easy_cleanup(c);
    int rc;
    if (cc != CURLE_OK) {
        rc = ERR("polling %s: %s", h->url, lazyCurl.curl_easy_strerror(cc));
    } else {
        bufAppend(&b, "", 1);
        rc = energyHookApplyJson(h, b.data, now);
        if (rc != 0) errPrefix("polling %s", h->url);
    }
    bufFree(&b);
    h->polls++;
    if (rc != 0) {
        h->pollFailures++;
        snprintf(h->pollError, sizeof(h->pollError), "%s", errLast());
    } else {
        h->pollError[0] = '\0';
    }
    return rc;
}

static long onPoll(Loop *l, void *arg) {
    (void)l;
    EnergyHook *h = arg;
    energyHookPoll(h, *h->simTime); /* a failure is recorded and reported, not fatal */
    return (long)(h->cfg.pollS * 1000);
}

void energyHookStart(EnergyHook *h, Loop *loop, const double *simTime) {
    h->simTime = simTime;
    if (h->cfg.url) loopAddTimer(loop, 0, onPoll, h);
}

/* ---- reports ---- */

/* The file series at n hourly points from `from`: {"time_s": [...], kind: [...]}
 * for each kind the files hold (a value holds until the next point). */
static json_t *signalTableJson(const EnergyHook *h, double from, int n) {
    json_t *tab = json_pack("{s:[]}", "time_s");
    for (int k = 0; k < SIGNAL_KINDS; k++)
        if (h->sig.series[k].n > 0) json_object_set_new(tab, kindNames[k], json_array());
    for (int i = 0; i < n; i++) {
        double t = from + i * 3600, v;
        json_array_append_new(json_object_get(tab, "time_s"), json_real(t));
        for (int k = 0; k < SIGNAL_KINDS; k++)
            if (h->sig.series[k].n > 0)
                json_array_append_new(json_object_get(tab, kindNames[k]),
                                      signalAt(&h->sig.series[k], t, &v) ? json_real(v)
                                                                         : json_null());
    }
    return tab;
}

json_t *energyHookSignalsJson(const EnergyHook *h, double now) {
    json_t *sig = json_object();
    for (int k = 0; k < SIGNAL_KINDS; k++) {
        const LiveSignal *l = &h->live[k];
        double fileV = 0;
        bool haveFile = signalAt(&h->sig.series[k], now, &fileV);
        bool stale = liveSignalStale(l, now, h->cfg.maxAgeS);
        json_t *o =
            json_pack("{s:s, s:s}", "unit", unitNames[k], "column", signalColumn((SignalKind)k));
        const char *source = l->have && !stale ? "live" : haveFile ? "file" : "none";
        double v = l->have && !stale ? l->value : fileV;
        json_object_set_new(o, "source", json_string(source));
        json_object_set_new(o, "value", strcmp(source, "none") ? json_real(v) : json_null());
        json_object_set_new(o, "live_value", l->have ? json_real(l->value) : json_null());
        json_object_set_new(o, "live_at_s", l->have ? json_real(l->at) : json_null());
        json_object_set_new(o, "stale", json_boolean(l->have && stale));
        json_object_set_new(o, "last_error", json_string(l->lastError));
        json_object_set_new(o, "forecasts_taken", json_integer(h->forecasts[k]));
        json_object_set_new(o, "forecast_changed_s",
                            h->forecastAt[k] >= 0 ? json_real(h->forecastAt[k]) : json_null());
        json_object_set_new(sig, kindNames[k], o);
    }
    /* The file series hourly over the next day (the forecast) and the day
     * before it (what was in force), for the dashboard's time axis. */
    double from = floor(now / 3600) * 3600;
    json_t *fc = signalTableJson(h, from, 24);
    json_t *recent = signalTableJson(h, from - 24 * 3600, 24);
    json_t *o = json_pack("{s:f, s:o, s:o, s:o, s:f}", "time_s", now, "signals", sig, "forecast",
                          fc, "recent", recent, "max_age_s", h->cfg.maxAgeS);
    json_object_set_new(o, "url", h->cfg.url ? json_string(h->cfg.url) : json_null());
    json_object_set_new(o, "polls", json_integer(h->polls));
    json_object_set_new(o, "poll_failures", json_integer(h->pollFailures));
    json_object_set_new(o, "poll_error", json_string(h->pollError));
    return o;
}

static const char *jobStateName(HookJobState s) {
    return s == JOB_RUNNING ? "running" : s == JOB_DONE ? "done" : "waiting";
}

json_t *energyHookJobsJson(const EnergyHook *h, double now) {
    json_t *arr = json_array();
    for (int i = 0; i < h->njobs; i++) {
        const HookJob *j = &h->jobs[i];
        json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:s, s:b}", "name", j->job.name,
                              "release_s", j->job.release, "deadline_s", j->job.deadline,
                              "duration_s", j->job.duration, "power_kw", j->job.powerKw, "cpu",
                              j->job.cpu, "planned_start_s", j->plannedStart, "state",
                              jobStateName(j->state), "deferred_by_cap", j->deferred);
        json_object_set_new(o, "started_s",
                            j->startedAt >= 0 ? json_real(j->startedAt) : json_null());
        json_object_set_new(o, "from", json_string(j->fromApi ? "api" : "file"));
        json_object_set_new(o, "replans", json_integer(j->replans));
        json_object_set_new(o, "replan_infeasible", json_boolean(j->replanInfeasible));
        json_object_set_new(o, "last_replan",
                            j->replannedAt < 0
                                ? json_null()
                                : json_pack("{s:f, s:f, s:f, s:b, s:s}", "t", j->replannedAt,
                                            "previous_start_s", j->prevStart, "new_start_s",
                                            j->plannedStart, "moved", !j->replanInfeasible,
                                            "reason", j->replanReason));
        json_array_append_new(arr, o);
    }
    json_t *rp = json_pack("{s:b, s:I, s:I, s:I}", "pending", h->replanPending, "runs",
                           (json_int_t)h->replanRuns, "moves", (json_int_t)h->replanMoves,
                           "coalesced", (json_int_t)h->replanCoalesced);
    json_object_set_new(rp, "last_s",
                        h->lastReplanAt >= 0 ? json_real(h->lastReplanAt) : json_null());
    json_object_set_new(rp, "signal", json_string(kindNames[objectiveKind(h->cfg.objective)]));
    json_t *o = json_pack("{s:f, s:s, s:f, s:o, s:o}", "time_s", now, "objective",
                          shiftObjectiveName(h->cfg.objective), "running_kw", runningKw(h),
                          "replan", rp, "jobs", arr);
    json_object_set_new(o, "batch_cpu",
                        h->cfg.batchCpu > 0 ? json_real(h->cfg.batchCpu) : json_null());
    return o;
}

json_t *energyHookCapsJson(const EnergyHook *h, double now) {
    json_t *arr = json_array();
    for (int i = 0; i < h->ncaps; i++) {
        const HookCap *c = &h->caps[i];
        bool active = now >= c->ev.start && now < c->ev.end;
        bool met = c->seen && c->firstOk >= 0;
        json_t *o = json_pack("{s:f, s:f, s:f, s:s, s:s, s:b, s:b}", "start_s", c->ev.start,
                              "end_s", c->ev.end, "cap_kw", c->ev.capKw, "source", c->ev.source,
                              "from", c->fromApi ? "api" : "file", "active", active, "met", met);
        double after = met ? c->firstOk - c->ev.start : -1;
        json_object_set_new(o, "met_after_s", met ? json_real(after) : json_null());
        json_object_set_new(o, "met_after_wall_s",
                            met ? json_real(after / h->cfg.speed) : json_null());
        json_object_set_new(o, "max_draw_kw", c->seen ? json_real(c->maxDrawKw) : json_null());
        json_array_append_new(arr, o);
    }
    json_t *ctl =
        json_pack("{s:b, s:f, s:f, s:b, s:i, s:i, s:i}", "active", h->ctlCap.active, "cap_w",
                  h->ctlCap.capW, "projected_w", h->ctlCap.projectedW, "reachable",
                  h->ctlCap.reachable, "hosts_emptied", h->ctlCap.hostsEmptied, "hosts_stopped",
                  h->ctlCap.hostsStopped, "power_ons_held", h->ctlCap.powerOnsHeld);
    json_t *o = json_pack("{s:f, s:f, s:f, s:o, s:o}", "time_s", now, "draw_kw", h->drawKw,
                          "jobs_kw", h->jobsKw, "controller", ctl, "caps", arr);
    json_object_set_new(o, "cap_kw", h->capKw >= 0 ? json_real(h->capKw) : json_null());
    return o;
}
