/* cloud.h - the small interface every cloud backend implements, and the data
 * model the controller sees through it.
 *
 * One control loop, many worlds: the controller is written once against
 * this table of functions; the simulated cloud, libvirt hosts and OpenStack
 * are backends of it, as libvirt's test:/// driver is a backend of the same
 * table as its QEMU driver.
 *
 * A backend owns a CloudView: arrays of hosts and VMs, indexed from 0.
 * refresh() brings it up to date; the indices stay valid for the life of the
 * backend (a backend that discovers a new VM appends it). Actions refer to
 * hosts and VMs by these indices. */
#ifndef GEYSER_CLOUD_H
#define GEYSER_CLOUD_H

#include <stdbool.h>

#include "powerop.h"
#include "servertype.h"

typedef enum {
    HOST_ON = 0,
    HOST_OFF,
    HOST_BOOTING,
    HOST_SHUTTING_DOWN,
} HostPowerState;

typedef enum {
    MIGRATE_PRECOPY = 0,
    MIGRATE_POSTCOPY,
    MIGRATE_HYBRID,
} MigrationMode;

typedef struct Host {
    char *name;
    const ServerType *type;
    double capacity; /* CPU capacity: MIPS, or cores where the cloud counts cores */
    double ramMb;
    HostPowerState state;
    bool enabled;          /* the scheduler may place VMs here */
    bool disabledByGeyser; /* disabled by the controller, not by an operator */
    bool failed;           /* failed a power-on: excluded until an operator clears it */
    double stateSince;     /* when the power state last changed (s) */
    double powerW;         /* present draw, measured or modelled */

    /* Derived by the backend at each refresh. */
    double demand;  /* sum of u_vm x cpu_vm of VMs placed here, uncapped */
    double ramUsed; /* RAM of VMs placed here plus incoming reservations */
    int nvms;       /* VMs placed here, including ones leaving */
    int incoming;   /* migrations in flight towards this host */
    int outgoing;   /* migrations in flight away from it */
} Host;

typedef struct Vm {
    char *name;
    const char *flavor; /* flavour name (static string), or NULL */
    char *project;      /* owning project (tenant) where the cloud knows it, or NULL */
    int vcpus;
    double cpu; /* CPU size at 100 % (same unit as Host.capacity) */
    double ramMb;
    double dirtyMbps; /* memory dirty rate, for migration cost */
    double util;      /* present CPU utilization of its vCPUs, [0, 1] */
    int host;         /* index of the host it runs on */
    int target;       /* index of the migration target, or -1 */
    /* Finished (the simulator's CloudSim mode: its demand reached 0, so it
     * left the cloud for good). It holds no CPU or RAM on its host, and
     * policies and the controller leave it alone. Always false elsewhere. */
    bool finished;
} Vm;

typedef struct CloudView {
    double now; /* seconds */
    Host *hosts;
    int nhosts;
    Vm *vms;
    int nvms;
    /* Migrations that failed after they were accepted (the backend learns
     * it later: libvirt's call returns, Nova's migration record), and why
     * the last one did; the VM stays on its source. */
    long migrationFailures;
    char lastMigrationError[256];
} CloudView;

typedef struct Cloud Cloud;

typedef struct CloudDriver {
    const char *name;
    /* Bring c->view up to date. */
    int (*refresh)(Cloud *c);
    /* Start a live migration of vm to host target. */
    int (*migrate)(Cloud *c, int vm, int target, MigrationMode mode);
    /* Enable or disable a host for scheduling (Nova's service disable). */
    int (*setEnabled)(Cloud *c, int host, bool enabled, const char *reason);
    int (*powerOn)(Cloud *c, int host);
    /* Must refuse a host that holds any VM: the last line of defence. */
    int (*powerOff)(Cloud *c, int host);
    void (*close)(Cloud *c);
    /* Drives real hosts, so power goes through attached actuators
     * (cloudAttachPower); false for the simulated cloud, which simulates
     * power itself. */
    bool actuators;
    /* Enable/disable marks live only in the backend's memory (libvirt has
     * no scheduler to keep them): lost when the daemon stops, so the daemon
     * restores them from its audit log at start (audit.h). False where the
     * cloud keeps them (Nova's service state) or simulates them. */
    bool volatileMarks;
} CloudDriver;

struct Cloud {
    const CloudDriver *drv;
    CloudView view;
    void *priv;
    struct CloudPower *power; /* actuators and operations (cloudpower.c) */
};

/* Utilization of a host: demand / capacity, capped at 1. */
double hostUtil(const Host *h);

/* Uncapped: above 1 means the host is overcommitted (SLA accounting). */
double hostDemandRatio(const Host *h);

/* The paper's formula (Sec. III.A.2): u_host = sum(u_vm x cpu_vm) / cpu_host,
 * with cpu in vCPUs and host CPUs, or in MIPS. Returns the value capped at 1;
 * *uncapped (if not NULL) gets the raw ratio. */
double hostUtilFormula(const double *uVm, const double *cpuVm, int n, double cpuHost,
                       double *uncapped);

bool hostIsUp(const Host *h); /* ON, or BOOTING (capacity on its way) */

const char *hostStateName(HostPowerState s);
const char *migrationModeName(MigrationMode m);
int migrationModeParse(const char *s, MigrationMode *out);

static inline int cloudRefresh(Cloud *c) {
    return c->drv->refresh(c);
}
void cloudClose(Cloud *c);

/* The index of the host named name, or -1. */
int cloudHostIndex(const Cloud *c, const char *name);

/* Attach a power actuator to a host of a backend that drives real hosts
 * (libvirt, OpenStack); the simulated cloud refuses, it simulates power
 * itself. The cloud owns a from this call on, also when the call fails (a
 * is then freed at once); it is freed by cloudClose(). An actuator attached
 * before is replaced, unless an operation is in progress on the host.
 * Without an actuator, powerOn/powerOff fail with an error naming the host. */
int cloudAttachPower(Cloud *c, int host, PowerActuator *a);
/* Timeouts, attempts and soft-off first, for every host of c (default:
 * powerOpDefaults()). */
int cloudSetPowerConfig(Cloud *c, const PowerOpConfig *cfg);
bool cloudHasPower(const Cloud *c, int host);
/* The state of the host's last power operation (POWEROP_IDLE if none) and,
 * when it failed, why (else NULL). */
PowerOpState cloudPowerState(const Cloud *c, int host);
const char *cloudPowerError(const Cloud *c, int host);

/* Free what a view owns (host and VM names, projects, the arrays): for
 * backends' close(). */
void cloudViewRelease(CloudView *v);

#endif
