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
#include "history.h"
#include "loop.h"
#include "shift.h"
#include "signals.h"

#define HOOK_MAX_CAPS    64
#define HOOK_SLOT_S      3600.0         /* the planner's slot: signals are hourly */
#define HOOK_MAX_POINTS  1000           /* points in one pushed or polled forecast */
#define HOOK_MAX_AHEAD_S (31 * 86400.0) /* an admitted job's deadline, from now */

typedef struct EnergyHookConfig {
    const char *signalsDir; /* CSV signals, caps and jobs.csv; NULL: none */
    const char *url;        /* JSON document to poll; NULL: none */
    double pollS;           /* wall seconds between polls (default 60) */
    double maxAgeS;         /* a live value older than this is stale (default 3600) */
    ShiftObjective objective;
    double speed;    /* simulated seconds per wall second, for reports */
    double batchCpu; /* cores lent to deferrable jobs at any time; <= 0: unlimited */
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
    bool fromApi;  /* admitted through POST /api/v1/jobs */
    /* Re-planning: how often the job was moved, and the last re-plan that
     * concerned it (a move, or a window no longer feasible). */
    int replans;
    bool replanInfeasible; /* the last re-plan found no feasible start: plan kept */
    double replannedAt;    /* -1: never */
    double prevStart;      /* the planned start before that re-plan */
    char replanReason[200];
} HookJob;

/* POST /api/v1/jobs: the fields as given (NULL: absent). */
typedef struct HookJobForm {
    const char *name, *release, *deadline, *duration, *powerKw, *cpu;
} HookJobForm;

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
    double drawKw;                   /* hosts and running jobs at the last control tick */
    double jobsKw;                   /* running jobs then */
    double capKw;                    /* the cap acted on then, or -1 */
    CapStatus ctlCap;                /* what the controller did about it */
    const double *simTime;           /* the daemon's clock, for the poll timer */
    History *hist;                   /* re-plans are recorded here as events; NULL: not recorded */
    double forecastAt[SIGNAL_KINDS]; /* when a live forecast last changed a series, or -1 */
    long forecasts[SIGNAL_KINDS];    /* live forecasts taken */
    bool replanPending;              /* the objective's signal changed since the last re-plan */
    char replanWhy[120];
    double lastReplanAt; /* -1: never */
    long replanRuns, replanMoves, replanCoalesced;
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
/* A forecast for kind in unit: points "T:V,T:V,..." (T in seconds of the
 * cloud's clock, or "now+S"/"now-S"). It replaces the series over its
 * span; when it changes the signal the objective uses, a re-plan is due.
 * -1 with the reason; the series held stays. */
int energyHookForecast(EnergyHook *h, const char *kind, const char *unit, const char *points,
                       double now);
/* Re-plan the jobs not started yet when a forecast changed the objective's
 * signal, at most once per intervalS: each moves to its cheapest feasible
 * start from now if that is cheaper than its plan; deadlines stay hard; a
 * job with no feasible start left keeps its plan and is flagged. Every
 * move and flag is an event. Returns the jobs moved. */
int energyHookReplan(EnergyHook *h, double now, double intervalS);
/* Admission control for a new deferrable job: 0 and the job queued at its
 * cheapest feasible start; -1 with the reason and *status 400 (a field
 * missing or not a number), 422 (a job that can never meet its deadline)
 * or 409 (the capacity left cannot fit it before its deadline, or the name
 * is taken). */
int energyHookSubmit(EnergyHook *h, const HookJobForm *f, double now, int *status);
/* A cap of capKw from start to end. -1 with the reason. */
int energyHookAddCap(EnergyHook *h, double start, double end, double capKw, const char *source);
/* Parse a polled or pushed document: {"time": T, "price_eur_per_mwh": x,
 * ..., "forecast": {"price_eur_per_mwh": [[T, x], ...], ...}}. */
int energyHookApplyJson(EnergyHook *h, const char *text, double now);
/* Fetch the URL now and apply it. */
int energyHookPoll(EnergyHook *h, double now);

json_t *energyHookSignalsJson(const EnergyHook *h, double now);
json_t *energyHookJobsJson(const EnergyHook *h, double now);
json_t *energyHookCapsJson(const EnergyHook *h, double now);

#endif
