/* cloudsim.h - CloudSim 3.0.3's accounting, as a mode of the simulated cloud
 * (SimConfig.cloudsim, `geyser simulate --compat cloudsim`), so that the
 * literature policies can be compared with CloudSim's published PlanetLab
 * figures number for number. The facts are those of
 * ../shared/data/planetlab/CLOUDSIM-REFERENCE.md; docs/policies.md lists
 * what still differs.
 *
 * CloudSim does not integrate power continuously: it updates every host at
 * discrete instants (the 300 s ticks and each migration's completion) and
 * charges the interval between two updates as a trapezoid of P(u) at both
 * ends; a host whose utilization was 0 at the earlier update is charged
 * nothing (it counts as switched off). Hosts are never powered down.
 *
 * The simulated cloud calls csUpdate (charge the interval up to t) and
 * csHold (sample the state that holds from t) around each of its changes;
 * the pure functions below are each one accounting rule, for the tests. */
#ifndef GEYSER_CLOUDSIM_H
#define GEYSER_CLOUDSIM_H

#include <stdbool.h>

#include "power.h"
#include "simcloud.h"
#include "workload.h"

/* During a migration the source gives the VM this share of its demand (the
 * 10 % degradation) and the destination reserves the rest. */
#define CS_SOURCE_SHARE 0.9
#define CS_TARGET_SHARE 0.1
/* CloudSim gives migrations half of the host link (the other half carries
 * the VMs' traffic) and moves the VM's whole configured RAM. */
#define CS_LINK_FRACTION 0.5

/* Energy in joules of one host between two updates dt apart, utilization
 * uPrev at the first and uNow at the second:
 * (P(uPrev) + (P(uNow) - P(uPrev)) / 2) dt, and 0 when uPrev is 0. */
double csIntervalEnergy(const PowerModel *p, double uPrev, double uNow, double dt);

/* Seconds to migrate a VM of ramMb over a host link of linkMBps:
 * RAM / (link / 2); 1 Gbit/s: 870 MB -> 13.92 s. */
double csMigrationTime(double ramMb, double linkMBps);

/* Does the VM on series s finish at time t? CloudSim updates at t + 0.1 s,
 * between two trace points: its demand is 0 there only when the trace is 0
 * at t and one trace step later. A finished VM leaves for the rest of the
 * run. */
bool csVmFinishes(const Workload *wl, int s, double t);

/* One VM's part in a host's update. */
typedef enum {
    CS_RESIDENT, /* runs here */
    CS_LEAVING,  /* runs here, migrating away */
    CS_ARRIVING, /* migrating here */
} CsRole;

typedef struct CsLoad {
    double requested; /* MIPS the VM asks for (utilization x its MIPS) */
    int vcpus;        /* each gets at most one core */
    CsRole role;
    double allocated; /* out: MIPS the host gives it */
} CsLoad;

typedef struct CsHostSample {
    double util;          /* what the power model sees, [0, 1] */
    double allocatedMips; /* CloudSim's host "utilization MIPS" */
    double requestedMips; /* every VM in its list, arriving ones included */
    bool active;          /* allocatedMips > 0 */
    bool violating;       /* allocated < requested: counts towards SLATAH */
} CsHostSample;

/* A host's update, as CloudSim's HostDynamicWorkload.updateVmsProcessing
 * with VmSchedulerTimeSharedOverSubscription: each VM gets at most one
 * core's MIPS (peMips); a leaving VM gets 0.9 of that and counts as
 * allocated / 0.9 in the host's utilization; an arriving one gets 0.1.
 * When what the scheduler sets aside (a leaving VM's whole demand, 0.1 of
 * an arriving one's) exceeds the host, every share is scaled to fit and
 * rounded down to a whole MIPS. */
CsHostSample csSampleHost(double capacity, double peMips, CsLoad *vms, int n);

/* CloudSim's initial placement, at each VM's full MIPS (a VM being
 * instantiated asks for all of it), in VM order: firstFit as
 * PowerVmAllocationPolicySimple (the NonPowerAware and Dvfs runs), else
 * PABFD as PowerVmAllocationPolicyMigrationAbstract.findHostForVm: among
 * hosts where the VM fits (one core's MIPS, free MIPS, RAM), the least
 * power increase P(after) - P(0), the first host on ties. Sets vms[].host;
 * -1 with an error when a VM fits nowhere. */
int csPlaceInitial(const SimHostSpec *hosts, int nhosts, SimVmSpec *vms, int nvms, bool firstFit);

/* The per-cloud state of the mode (inside the simulated cloud). */
typedef struct CsState {
    double lastT;             /* time of the last update; < 0: none yet */
    double *uPrev;            /* per host: utilization held since lastT */
    unsigned char *active;    /* per host, held */
    unsigned char *violating; /* per host, held */
    double heldRequested;     /* sum of VM demand held since lastT */
    double heldMigrationLoss; /* demand of leaving VMs not served, held */
    double heldUnserved;      /* demand not served, held */
    /* Scratch for an update: loads grouped by host (CSR). */
    CsLoad *loads;
    int *loadVm;
    int *start;
    int *fill;
    double *uNow;
    CsHostSample *sample;
} CsState;

#endif
