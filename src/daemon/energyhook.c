/* energyhook.c - signals, caps and deferrable jobs in the daemon (see
 * energyhook.h). */
#include "energyhook.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "util.h"

#define HOOK_MAX_DOC   65536 /* bytes of a polled document */
#define HOOK_TIMEOUT_S 5L    /* a poll blocks the loop at most this long */
#define CAP_TOLERANCE  1e-6

static const char *const kindNames[SIGNAL_KINDS] = {"price", "carbon", "renewable"};
static const char *const unitNames[SIGNAL_KINDS] = {"eur_per_mwh", "g_per_kwh", "kw"};

/* ---- setup ---- */

static void planJobs(EnergyHook *h, DeferrableJob *jobs, int n) {
    h->jobs = xcalloc((size_t)(n ? n : 1), sizeof(HookJob));
    h->njobs = n;
    double *starts = xcalloc((size_t)(n ? n : 1), sizeof(double));
    double horizon = 0;
    for (int i = 0; i < n; i++)
        horizon = fmax(horizon, jobs[i].deadline);
    ShiftSlots s;
    /* The simulated cloud's CPU is not lent to jobs in the daemon: capacity
     * is not what limits them here, caps are (checked when they start). */
    shiftSlotsFromSignals(&s, &h->sig, 0, 3600, (int)ceil(horizon / 3600), 1e9);
    for (int k = 0; k < s.n; k++)
        s.roomKw[k] = INFINITY;
    if (shiftSchedule(jobs, n, &s, h->cfg.objective, starts) != 0) {
        /* Cannot happen for jobs that loaded (each fits its own window with
         * unlimited room); keep them at arrival all the same. */
        for (int i = 0; i < n; i++)
            starts[i] = jobs[i].release;
    }
    for (int i = 0; i < n; i++)
        h->jobs[i] = (HookJob){.job = jobs[i], .plannedStart = starts[i], .startedAt = -1};
    shiftSlotsFree(&s);
    free(starts);
}

static int loadDir(EnergyHook *h, const char *dir) {
    if (signalLoadDir(dir, 0, &h->sig) != 0) return -1;
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
    planJobs(h, jobs, n);
    free(jobs);
    return 0;
}

EnergyHook *energyHookCreate(const EnergyHookConfig *cfg) {
    EnergyHook *h = xcalloc(1, sizeof(*h));
    h->cfg = *cfg;
    if (h->cfg.pollS <= 0) h->cfg.pollS = 60;
    if (h->cfg.maxAgeS <= 0) h->cfg.maxAgeS = 3600;
    if (h->cfg.speed <= 0) h->cfg.speed = 1;
    h->capKw = -1;
    for (int k = 0; k < SIGNAL_KINDS; k++)
        h->live[k].kind = (SignalKind)k;
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
    if (parseDouble(at, out) == 0 && isfinite(*out)) return 0;
    return ERR("time '%.40s' is not 'now', 'now-SECONDS' or seconds of the cloud's clock", at);
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
    if (rc == 0 && !found)
        rc = ERR("the signals document has none of price_eur_per_mwh, carbon_g_per_kwh, "
                 "renewable_kw");
    json_decref(doc);
    return rc;
}

/* ---- polling ---- */

static size_t collect(char *data, size_t size, size_t n, void *arg) {
    Buf *b = arg;
    if (b->len + size * n > HOOK_MAX_DOC) return 0; /* curl then fails the transfer */
    bufAppend(b, data, size * n);
    return size * n;
}

int energyHookPoll(EnergyHook *h, double now) {
    CURL *c = curl_easy_init();
    if (!c) return ERR("cannot start libcurl");
    Buf b;
    bufInit(&b);
    curl_easy_setopt(c, CURLOPT_URL, h->url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, HOOK_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode cc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    int rc;
    if (cc != CURLE_OK) {
        rc = ERR("polling %s: %s", h->url, curl_easy_strerror(cc));
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
        json_array_append_new(arr, o);
    }
    return json_pack("{s:f, s:s, s:f, s:o}", "time_s", now, "objective",
                     shiftObjectiveName(h->cfg.objective), "running_kw", runningKw(h), "jobs", arr);
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
