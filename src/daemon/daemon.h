/* daemon.h - `geyser serve`: the cloud, the controller and the HTTP server
 * in one process on one event loop, driven by a single periodic tick.
 *
 * With no configuration the cloud is the simulated one, replaying its
 * scenario's workload in a loop at `speed` simulated seconds per second, so
 * that a newcomer sees consolidation happen within seconds. The same daemon
 * drives a real cloud (OpenStack, libvirt: DaemonConfig.realCloud): the
 * clock is then wall seconds since start, each tick refreshes the cloud's
 * view, hosts' power is their server type's model at their measured
 * utilization, and the controller runs every intervalS wall seconds. One
 * control loop, many worlds: history, API, metrics, store, audit and manual
 * approval are the same code on both. */
#ifndef GEYSER_DAEMON_H
#define GEYSER_DAEMON_H

#include "attribution.h"
#include "audit.h"
#include "controller.h"
#include "energyhook.h"
#include "history.h"
#include "http.h"
#include "loop.h"
#include "scenario.h"
#include "utilfile.h"

typedef enum {
    MODE_OBSERVE = 0, /* record and plan, never act */
    MODE_AUTO,        /* act on every plan */
    MODE_MANUAL,      /* plans wait for approval (daemonApply) */
} DaemonMode;

typedef struct DaemonConfig {
    const char *listen; /* "127.0.0.1:8080" */
    DaemonMode mode;
    double speed;       /* simulated seconds per wall second */
    long tickMs;        /* the periodic tick */
    const char *policy; /* NULL: the scenario's */
    CtlConfig ctl;
    double runForS;      /* stop after this many wall seconds; 0 = until a signal */
    const char *tlsCert; /* HTTPS with this PEM certificate and tlsKey; NULL: HTTP */
    const char *tlsKey;
    const char *tokenFile;   /* bearer token for requests that change anything */
    const char *store;       /* record each tick into this store (recorder.h), or NULL */
    const char *simState;    /* the simulated cloud's state, kept across restarts, or NULL */
    EnergyHookConfig energy; /* signals, caps, deferrable jobs (energyhook.h) */
    /* A real cloud instead of the simulated one, or NULL. The daemon owns
     * it (and util) from daemonCreate on, also when that fails. */
    Cloud *realCloud;
    const char *cloudName;        /* "openstack", "libvirt": the status's name of it */
    UtilFile *util;               /* re-read at each control interval, or NULL */
    double intervalS;             /* the real cloud's control interval, wall seconds */
    const ServerType *serverType; /* power model of hosts whose backend knows no type */
    const char *meters;           /* a meter configuration (geyser collect's), or NULL */
} DaemonConfig;

typedef struct Daemon {
    DaemonConfig cfg;
    bool real; /* a real cloud (cfg.realCloud): no scenario, no shadow */
    Loop *loop;
    HttpServer *http;
    Scenario *sc; /* owned */
    Cloud *cloud;
    Controller *ctl;
    double simTime;     /* simulated seconds since start */
    double nextControl; /* simulated time of the next controller tick */
    double planAtS;     /* simulated time the current plan was made */
    double intervalS;
    long long startedMs;
    long ticks;
    /* Energy attribution (src/model/attribution.h), integrated per tick. */
    IdleSplit idleSplit;
    double *vmEnergyJ;      /* per VM */
    double *overheadJ;      /* per host: energy no VM caused (empty, booting, off) */
    double *hostEnergySeen; /* per host: energy already attributed */
    /* The no-management baseline: a shadow of the simulated cloud, fed the
     * same workload in lockstep, where every host stays on and every VM
     * stays where the scenario placed it (as `geyser simulate` defines it). */
    Cloud *shadow;
    /* A real cloud has no simulator to account energy: the daemon
     * integrates each host's power over its ticks, and the baseline is
     * the cloud's draw plus the idle draw of each host geyser powered off
     * (daemonBaselineW). */
    double *hostEnergyJ;
    double energyJ, baselineJ;
    int capHosts, capVms; /* the per-host and per-VM arrays' sizes */
    long tickErrors;      /* ticks that could not read the real cloud */
    /* --meters: each host's power is its meter's where one gives it
     * (powerMeter and powerSource then name it; NULL: the model's). */
    struct DaemonMeters *meters;
    const char **powerMeter, **powerSource;
    /* What each real host showed at the previous tick, to log changes. */
    uint8_t *prevState, *prevEnabled, *prevFailed;
    int prevN;
    char lastError[256]; /* why the last one could not, or "" */
    /* What the dashboard and the API read: history and events. */
    History *hist;
    float *frHostPower, *frHostUtil, *frVmUtil, *frVmPower; /* the frame being recorded */
    uint8_t *frHostState, *overloaded;
    double *vmEnergyPrev;
    double migrationMBps;      /* link bandwidth, for the migrations' estimated duration */
    struct Recorder *rec;      /* --store, or NULL */
    EnergyHook *energy;        /* the energy supply: signals, caps, job queue */
    Audit *audit;              /* intents and outcomes of every action (audit.h) */
    double wallStart;          /* the audit clock without a store: wall start + simulated time */
    ReconcileStats reconciled; /* what the start-up reconciliation found */
    long auditedRuns;          /* actions run (for the crash test's fault injection) */
    long killBeforeOutcome;    /* GEYSER_TEST_KILL_BEFORE_OUTCOME=[TYPE:]N: SIGKILL itself */
    int killType;              /* at the Nth action run (of that type; -1: any) */
} Daemon;

int daemonParseMode(const char *s, DaemonMode *out);
const char *daemonModeName(DaemonMode m);

/* Takes ownership of sc (NULL with cfg->realCloud). Starts listening; NULL
 * with an error. */
Daemon *daemonCreate(const DaemonConfig *cfg, Scenario *sc);
/* Serve until SIGINT/SIGTERM (or runForS). */
int daemonRun(Daemon *d);
void daemonFree(Daemon *d);

/* One tick: advance the simulated cloud (or, on a real one, refresh its
 * view wallSeconds after the last tick) and run the controller where a
 * control interval ends. Exposed for tests. A real cloud that cannot be
 * read is logged and counted (tickErrors), not fatal. In manual mode a plan with
 * actions waits (the controller makes no new one) until it is applied or
 * discarded. */
int daemonTick(Daemon *d, double wallSeconds);

/* Manual mode: execute (or discard) the waiting plan, which must have the
 * id given. -1 with the reason when there is no such plan waiting (*stale
 * is then set: the id is not the current plan's, or it was applied or
 * discarded already), or when the cloud cannot be read. Apply re-checks
 * every action against the cloud as it is now. */
int daemonApply(Daemon *d, long planId, bool *stale);
int daemonDiscard(Daemon *d, long planId, bool *stale);
/* Whether the current plan waits for approval. */
bool daemonPlanWaiting(const Daemon *d);

/* What the API, metrics and the recorder read, whatever the cloud. */
const char *daemonCloudName(const Daemon *d); /* the scenario's name, or the backend's */
const char *daemonMeterName(const Daemon *d); /* "sim", or "model" for estimates */
double daemonHostEnergyJ(const Daemon *d, int host);
double daemonEnergyJ(const Daemon *d);
/* The no-management baseline: on the simulated cloud its shadow; on a real
 * cloud the present draw plus, for every host geyser powered off (off or
 * shutting down and disabled by geyser), the idle draw it would have on. */
double daemonBaselineJ(const Daemon *d);
double daemonBaselineW(const Daemon *d);
/* Where host's power comes from: the meter instance ("sim", "model" for
 * estimates) and the source ("measured" or "estimated"). */
const char *daemonHostMeter(const Daemon *d, int host);
const char *daemonHostSource(const Daemon *d, int host);
/* Migrations started, hosts powered off and on. */
void daemonCounts(const Daemon *d, long *migrations, long *shutdowns, long *boots);

#endif
