/* simcloud.h - the simulated cloud: a backend of the cloud interface whose
 * hosts and VMs live in memory and whose VMs follow utilization traces.
 *
 * Time advances in steps chosen by the caller (simSetTime, then the
 * controller acts, then simAdvance to the end of the step). Within a step
 * everything that takes time is an event at its own instant: a migration
 * lands after RAM / bandwidth seconds, a host finishes booting after its
 * boot time. Each host's energy is integrated exactly between events
 * (power is piecewise constant: utilization is held over a step, as the
 * traces are 5-minute averages).
 *
 * Accounting, after Beloglazov & Buyya (CCPE 2012):
 *  - a migrating VM gets (1 - degradation) of its demand for the duration
 *    of the move (PDM), and the destination reserves degradation x demand
 *    of CPU while it receives the VM;
 *  - an active host (on, holding a VM) whose demand reaches its capacity
 *    counts its time towards SLATAH;
 *  - demand above a host's capacity is unserved (overload). */
#ifndef GEYSER_SIMCLOUD_H
#define GEYSER_SIMCLOUD_H

#include "cloud.h"
#include "workload.h"

typedef struct SimHostSpec {
    const char *name;       /* copied */
    const ServerType *type; /* borrowed: must outlive the cloud */
} SimHostSpec;

typedef struct SimVmSpec {
    const char *name;    /* copied */
    const char *flavor;  /* static string, or NULL */
    const char *project; /* owning project, copied; NULL for none */
    int vcpus;
    double cpu; /* CPU size at 100 %, in the unit of host capacity */
    double ramMb;
    double dirtyMbps;
    int series; /* index into the workload */
    int host;   /* initial host */
} SimVmSpec;

typedef struct SimConfig {
    double linkMBps;    /* migration bandwidth of a host link, MB/s */
    double degradation; /* CPU share lost by a VM while it migrates */
    bool replay;        /* loop the workload forever (the daemon's embedded default) */
    /* CloudSim 3.0.3's accounting (cloudsim.h): energy and SLA metrics at
     * discrete updates, migrations of RAM / (link / 2) with a fixed 10 %
     * degradation, VMs that finish when their demand reaches 0. Set with
     * simSetTime at multiples of the trace step. */
    bool cloudsim;
} SimConfig;

/* Totals since the start, all in SI units. */
typedef struct SimTotals {
    double energyJ;
    double activeHostS;       /* time hosts were on and held a VM */
    double saturatedHostS;    /* of which at 100 % utilization */
    double requestedCpuS;     /* sum of VM demand x time */
    double unservedCpuS;      /* demand above host capacity x time */
    double migrationLossCpuS; /* degradation x demand x time while migrating */
    long migrationsDone;
    long migrationsStarted;
    long shutdowns;
    long boots;
    long vmsFinished; /* CloudSim mode: VMs whose demand reached 0 */
} SimTotals;

SimConfig simConfigDefaults(void); /* 1 Gbit/s links, 10 % degradation */

/* All hosts start on and enabled. The workload is borrowed. Returns NULL
 * with an error when a VM names a bad host or series, or a host's RAM
 * cannot hold its initial VMs. */
Cloud *simCloudCreate(const SimHostSpec *hosts, int nhosts, const SimVmSpec *vms, int nvms,
                      const Workload *wl, const SimConfig *cfg);

/* Integrate every host up to t and set each VM's utilization to its
 * trace's value at t. t must not go backwards. */
void simSetTime(Cloud *c, double t);

/* Run events up to t1 and integrate every host to t1. */
void simAdvance(Cloud *c, double t1);

const SimTotals *simTotals(const Cloud *c);

/* Energy of one host so far, in joules. */
double simHostEnergy(const Cloud *c, int host);

/* What an operator does by hand: disable a host for maintenance. geyser
 * must leave such a host alone. */
int simOperatorDisable(Cloud *c, int host);

/* Put a fresh simulated cloud in a state another process saved (the
 * daemon's --sim-state, which lets the simulated cloud outlive the daemon
 * as a real one does): VM i on host vmHost[i] (-1: where it is), host h
 * in state[h] (boots and shutdowns finished) and enabled[h]. Which hosts
 * geyser disabled is not part of a cloud's state: every disabled host comes
 * back disabled by "someone", as from a libvirt cloud after a restart. */
int simRestore(Cloud *c, const int *vmHost, const HostPowerState *state, const bool *enabled);

/* Mark a host as failing every power-on (fault injection for tests). */
void simFailPowerOn(Cloud *c, int host);

bool simIsSimCloud(const Cloud *c);

#endif
