/* simcloud_priv.h - the simulated cloud's internals, shared by simcloud.c
 * and cloudsim.c (its CloudSim accounting mode). Not for other modules. */
#ifndef GEYSER_SIMCLOUD_PRIV_H
#define GEYSER_SIMCLOUD_PRIV_H

#include "cloudsim.h"
#include "simcloud.h"

typedef enum { EV_MIGRATION_DONE, EV_BOOT_DONE, EV_SHUTDOWN_DONE } SimEventKind;

typedef struct SimEvent {
    double t;
    long seq; /* ties resolve in the order events were made */
    SimEventKind kind;
    int idx; /* VM for migrations, host otherwise */
} SimEvent;

typedef struct SimHostState {
    double lastT; /* integrated up to here */
    double energyJ;
    double reserve; /* CPU reserved by incoming migrations */
    bool failPowerOn;
} SimHostState;

typedef struct SimVmState {
    int series;
    double migStart, migEnd, migReserve;
    double migLossShare; /* share of its demand the VM loses while it moves */
    /* CloudSim mode: the first target of a VM sent twice in one tick (it
     * lands on the second; both receive it until then), or -1. */
    int csAlsoTo;
} SimVmState;

typedef struct SimCloud {
    Cloud base;
    const Workload *wl;
    SimConfig cfg;
    SimHostState *hs;
    SimVmState *vs;
    SimEvent *heap;
    size_t nheap, capHeap;
    long seq;
    int *migrating; /* VMs with a migration in flight */
    size_t nmigrating, capMigrating;
    double stepStart;
    SimTotals tot;
    CsState cs; /* CloudSim mode only (cfg.cloudsim) */
} SimCloud;

/* The CloudSim mode's steps (cloudsim.c). */
void csInit(SimCloud *s);
void csFree(SimCloud *s);
/* Charge every host from the last update to t with the present state. */
void csUpdate(SimCloud *s, double t);
/* Sample the present state: it holds from t until the next update; the
 * utilization the next energy interval starts from only when withEnergy. */
void csHold(SimCloud *s, double t, bool withEnergy);
/* Sample again for the SLA metrics only, at the time of the last update. */
void csHoldSla(SimCloud *s);
/* Retire the VMs that finish at t (csVmFinishes). */
void csRetire(SimCloud *s, double t);

#endif
