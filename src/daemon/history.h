/* history.h - the daemon's in-memory history: what each host and VM did
 * over time, and the events that changed the cloud, in bounded memory.
 *
 * Two rings of the same shape: one sample per daemon tick (the finest the
 * daemon sees), and one-minute roll-ups (time-weighted averages of the
 * ticks, a tick spanning several minutes filling each of them). Each slot
 * holds every host's power, utilization and power state, every VM's
 * utilization and attributed power, and the cloud's cumulative energy and
 * baseline energy, so that energy over any range is a difference of two
 * counters. Long ranges are served from the roll-ups.
 *
 * Callers see only this interface (record, query), so that a persistent
 * store (SQLite/PostgreSQL) can back it later without touching the API. */
#ifndef GEYSER_HISTORY_H
#define GEYSER_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#define HIST_TICK_SLOTS   720  /* samples at tick resolution */
#define HIST_MINUTE_SLOTS 1440 /* one-minute roll-ups: a simulated day */
#define HIST_MAX_POINTS   5000 /* points one query may return */

/* One instant of the cloud, as the daemon records it after a tick. */
typedef struct HistFrame {
    const float *hostPowerW, *hostUtil;
    const uint8_t *hostState; /* HostPowerState */
    const float *vmUtil, *vmPowerW;
    double energyJ, baselineJ; /* cumulative, the whole cloud */
} HistFrame;

typedef enum { HIST_HOST = 0, HIST_VM, HIST_CLOUD } HistSubject;

/* A series answered by histQuery: n points at t[i]; NaN where no sample. */
typedef struct HistSeries {
    size_t n;
    double *t;
    double *power;    /* W: host, VM (attributed) or the whole cloud */
    double *util;     /* ratio; for the cloud: hosts on */
    double *baseline; /* the cloud only: baseline power, else NULL */
    int resolutionS;  /* 0: tick samples; 60: minute roll-ups */
} HistSeries;

typedef struct History History;

History *histCreate(int nhosts, int nvms);
void histFree(History *h);

/* The cloud held fr's values over (t0, t1]. */
void histRecord(History *h, double t0, double t1, const HistFrame *fr);

/* Average subject `index` over buckets [from + k*step, from + (k+1)*step)
 * up to `to`. Returns -1 with a message when the range is not usable
 * (step <= 0, to < from, too many points). */
int histQuery(const History *h, HistSubject subj, int index, double from, double to, double step,
              HistSeries *out);
void histSeriesFree(HistSeries *s);

/* Cumulative cloud energy and baseline energy at time t (nearest earlier
 * sample; 0 before the first). */
void histEnergyAt(const History *h, double t, double *energyJ, double *baselineJ);

/* Recent (utilization, power) pairs of the hosts for which pick[host] is
 * non-zero and that were on, newest tick first: the scatter behind a power
 * model. Returns the number of pairs written (at most max). */
size_t histHostSamples(const History *h, const uint8_t *pick, double *util, double *power,
                       size_t max);

/* The oldest time still held (roll-ups), and the newest. */
double histOldest(const History *h);
double histNewest(const History *h);

/* Bytes held, for the docs and the status resource. */
size_t histBytes(const History *h);

/* Events: migrations, power changes, threshold crossings. A ring of
 * HIST_MAX_EVENTS: the oldest go first. */
#define HIST_MAX_EVENTS 20000

typedef enum {
    EV_MIGRATION = 0,
    EV_POWER_ON,
    EV_POWER_OFF,
    EV_REFUSED,   /* a safety rule stopped an action */
    EV_FAILED,    /* the backend failed an action */
    EV_OVERLOAD,  /* a host reached 100 % CPU */
    EV_RECOVERED, /* and came back below */
    EV_REPLAN,    /* a deferrable job's planned start moved, or could not (energyhook.c) */
} HistEventType;

typedef struct HistEvent {
    double t;
    HistEventType type;
    int host;         /* the host acted on (migration: the source) */
    int vm;           /* migration: the VM, else -1 */
    int target;       /* migration: the destination, else -1 */
    int mode;         /* migration: MigrationMode */
    int job;          /* replan: the job's index in the queue (host is -1) */
    double durationS; /* migration: estimated RAM / link bandwidth */
    double fromS;     /* replan: the planned start before */
    double toS;       /* replan: and after (the same when the plan was kept) */
    char reason[200];
} HistEvent;

void histAddEvent(History *h, const HistEvent *ev);
/* Events with from <= t <= to, newest first, for host (or -1 for all);
 * at most max. Returns the count written to out. */
size_t histEvents(const History *h, double from, double to, int host, HistEvent *out, size_t max);
const char *histEventTypeName(HistEventType t);

#endif
