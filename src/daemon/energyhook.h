/* energyhook.h - the energy supply in `geyser serve`: signals from files,
 * pushed through the API or polled from a JSON URL; demand-response caps
 * handed to the controller and checked; the queue of deferrable jobs.
 *
 * Everything runs on the daemon's one thread: the API handlers call in to
 * push a value or set a cap, the control tick calls energyHookControl
 * before the controller plans, and a loop timer polls the URL (a blocking
 * fetch with a short timeout: one small JSON document). Times are seconds
 * of the daemon's simulated clock. */
#ifndef GEYSER_ENERGYHOOK_H
#define GEYSER_ENERGYHOOK_H

#include <jansson.h>
#include <stdbool.h>

#include "controller.h"
#include "loop.h"
#include "shift.h"
#include "signals.h"

#define HOOK_MAX_CAPS 64

typedef struct EnergyHookConfig {
    const char *signalsDir; /* CSV signals, caps and jobs.csv; NULL: none */
    const char *url;        /* JSON document to poll; NULL: none */
    double pollS;           /* wall seconds between polls (default 60) */
    double maxAgeS;         /* a live value older than this is stale (default 3600) */
    ShiftObjective objective;
    double speed; /* simulated seconds per wall second, for reports */
} EnergyHookConfig;

typedef struct HookCap {
    CapEvent ev;
    bool fromApi;
    double firstOk;   /* start of the present run of ticks under the cap, or -1 */
    double maxDrawKw; /* the worst tick since the cap began */
    bool seen;        /* a tick fell inside it */
} HookCap;

typedef enum { JOB_WAITING = 0, JOB_RUNNING, JOB_DONE } HookJobState;

typedef struct HookJob {
    DeferrableJob job;
    double plannedStart;
    double startedAt;
    HookJobState state;
    bool deferred; /* held back by a cap at least once */
} HookJob;

typedef struct EnergyHook {
    EnergyHookConfig cfg;
    char url[512];
    SignalSet sig; /* from files (forecasts); series with n == 0 are absent */
    LiveSignal live[SIGNAL_KINDS];
    HookCap caps[HOOK_MAX_CAPS];
    int ncaps;
    HookJob *jobs;
    int njobs;
    long polls, pollFailures;
    char pollError[200];
    double drawKw;         /* hosts and running jobs at the last control tick */
    double jobsKw;         /* running jobs then */
    double capKw;          /* the cap acted on then, or -1 */
    CapStatus ctlCap;      /* what the controller did about it */
    const double *simTime; /* the daemon's clock, for the poll timer */
} EnergyHook;

/* NULL with an error (a bad signal file, a bad URL). */
EnergyHook *energyHookCreate(const EnergyHookConfig *cfg);
void energyHookFree(EnergyHook *h);

/* Start the poll timer on loop when a URL was given. */
void energyHookStart(EnergyHook *h, Loop *loop, const double *simTime);

/* At a control tick, before the controller plans: start and finish jobs,
 * check the caps against the draw, and give the controller its budget. */
void energyHookControl(EnergyHook *h, Controller *ctl, const CloudView *v, double now,
                       double intervalS);
/* After the controller ran: remember what it did about the cap. */
void energyHookAfterControl(EnergyHook *h, const Controller *ctl);

/* A pushed value: kind (price, carbon, renewable), its unit (eur_per_mwh,
 * g_per_kwh, kw: it must be the kind's), the value, and its time ("now",
 * "now-S" or seconds; NULL: now). -1 with the reason; the value held stays. */
int energyHookPush(EnergyHook *h, const char *kind, const char *unit, const char *value,
                   const char *at, double now);
/* A cap of capKw from start to end. -1 with the reason. */
int energyHookAddCap(EnergyHook *h, double start, double end, double capKw, const char *source);
/* Parse a polled document: {"time": T, "price_eur_per_mwh": x, ...}. */
int energyHookApplyJson(EnergyHook *h, const char *text, double now);
/* Fetch the URL now and apply it. */
int energyHookPoll(EnergyHook *h, double now);

json_t *energyHookSignalsJson(const EnergyHook *h, double now);
json_t *energyHookJobsJson(const EnergyHook *h, double now);
json_t *energyHookCapsJson(const EnergyHook *h, double now);

#endif
