/* policy.h - the plug-in interface of consolidation policies.
 *
 * A policy looks at the cloud and proposes a plan; it never acts. The
 * controller (controller.h) checks every action against the safety rules and
 * executes it. Adding a policy is one file with a PolicyDriver and one line
 * in the registry (policy.c). */
#ifndef GEYSER_POLICY_H
#define GEYSER_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud.h"
#include "plan.h"

/* Settings shared by the controller's safety rules and the policies. */
typedef struct CtlConfig {
    double low;                /* hosts below this utilization are evacuated */
    double high;               /* no placement may push a host above this */
    double headroom;           /* keep up capacity x high >= (1 + headroom) x demand */
    int maxParallelMigrations; /* in flight at once; 0 = no limit */
    int minHostsOn;            /* never fewer hosts up (on or booting) */
    double cooldownS;          /* a host is not evacuated this long after a power change */
    bool allowMigrate;         /* false: never migrate (observe phases, baseline) */
    bool allowPowerOff;
    bool allowPowerOn;
    MigrationMode mode; /* migration mode to request */
    /* CloudSim 3.0.3 compatibility (simulate --compat cloudsim): policies
     * that support it decide as CloudSim's do, quirks included (see
     * docs/policies.md); the others refuse to configure. */
    bool cloudsim;
} CtlConfig;

/* The defaults: low 0.2, high 0.8, headroom 0.1, 100 parallel migrations,
 * 1 host on, cooldown 600 s, everything allowed, pre-copy. */
CtlConfig ctlConfigDefaults(void);

typedef struct PolicyDriver {
    const char *name;     /* "paper", "none" */
    const char *synopsis; /* "paper[:LOW,HIGH]" */
    const char *summary;  /* one line for --help */
    /* Parse the text after "name:" (NULL when absent) into cfg and *state;
     * a driver with .matches gets the whole spec ("lr-mmt:1.2") instead, to
     * know which member of its family was named. */
    int (*configure)(const char *args, CtlConfig *cfg, void **state);
    /* Propose actions for the view. */
    int (*plan)(void *state, const CloudView *v, const CtlConfig *cfg, Plan *out);
    void (*free)(void *state);
    /* Optional: whether this driver serves the name name[0..len) (a family
     * such as "thr-mmt", "lr-mc"); when NULL the name must equal .name. */
    bool (*matches)(const char *name, size_t len);
    /* Whether it has a CloudSim compatibility mode (CtlConfig.cloudsim). */
    bool cloudsim;
} PolicyDriver;

typedef struct Policy {
    const PolicyDriver *drv;
    void *state;
    char spec[128];
} Policy;

/* "paper:0.2,0.8" -> a configured policy; cfg gets the thresholds. Returns
 * NULL with an error naming the unknown policy or the bad argument. */
Policy *policyCreate(const char *spec, CtlConfig *cfg);
void policyFree(Policy *p);

/* The registry, NULL-terminated, for --help. */
extern const PolicyDriver *const policyRegistry[];

/* Shared by policies: power off every host that geyser disabled and that
 * now holds no VM and no migration, while more than cfg->minHostsOn stay
 * up (hostsUp counts the hosts up after the plan's other actions). */
void policyPowerOffEmpty(const CloudView *v, const CtlConfig *cfg, int hostsUp, Plan *out);

/* Up capacity (MIPS) that stays: hosts on or booting, not failed, minus
 * the hosts geyser is draining - what the cloud has once the current
 * evacuations finish. */
double policyCapacityStaying(const CloudView *v);

/* How many more migrations this plan may start: cfg->maxParallelMigrations
 * less those in flight (no limit when it is 0), 0 when migration is not
 * allowed. *hostsUp gets the hosts on or booting and not failed. */
int policyMigrationBudget(const CloudView *v, const CtlConfig *cfg, int *hostsUp);

/* Parse "LOW,HIGH" fractions in [0, 1] with LOW < HIGH. */
int policyParseThresholds(const char *args, double *low, double *high);

#endif
