/* scenario.h - what a simulation runs on: hosts, VMs with their initial
 * placement, their utilization traces, the control interval, and optional
 * phases that open and close what the controller may do.
 *
 * Built-in scenarios need no file from outside the binary:
 *   paper-3node  the paper's 3-node experiment (Sec. III.C, Fig. 15-16)
 *   synthetic    800 PlanetLab-like hosts and 1052 VMs with seeded
 *                random-walk utilization: the embedded default
 *   planetlab    the research standard (Beloglazov & Buyya 2012) on a
 *                PlanetLab day given with --trace */
#ifndef GEYSER_SCENARIO_H
#define GEYSER_SCENARIO_H

#include <stdbool.h>

#include "simcloud.h"
#include "workload.h"

#define SCENARIO_MAX_PHASES 8

typedef struct ScenarioPhase {
    char name[32];
    double startS, endS;
    bool allowMigrate, allowPowerOff, allowPowerOn;
} ScenarioPhase;

typedef struct Scenario {
    char name[64];
    SimHostSpec *hosts;
    int nhosts;
    SimVmSpec *vms;
    int nvms;
    Workload *wl;     /* owned */
    double intervalS; /* control interval */
    double durationS;
    ScenarioPhase phases[SCENARIO_MAX_PHASES];
    int nphases;
    /* For scenarios that report saving between two phases (paper-3node):
     * the saving of phase savingTo's average power against savingFrom's. */
    int savingFrom, savingTo;
    char defaultPolicy[64];
} Scenario;

/* A host mix: "400:HpProLiantMl110G4Xeon3040,400:HpProLiantMl110G5Xeon3075".
 * Hosts of the groups are interleaved (G4, G5, G4, ...), as CloudSim
 * alternates them by index. */
typedef struct HostMix {
    const ServerType *types[16];
    int counts[16];
    int ngroups;
} HostMix;

int hostMixParse(const char *text, HostMix *out);
/* The standard research mix: 400 HP ML110 G4 + 400 HP ML110 G5. */
HostMix hostMixStandard(void);

/* The EC2-like VM types of the research setup, used for trace VMs: VM i of
 * n gets type i / ceil(n/4). */
typedef struct VmType {
    const char *name;
    double mips;
    double ramMb;
} VmType;
extern const VmType vmTypesStandard[4];

Scenario *scenarioPaper3Node(void);
Scenario *scenarioSynthetic(const HostMix *mix, int nvms, uint64_t seed);
/* Takes ownership of wl. */
Scenario *scenarioFromTrace(const char *name, Workload *wl, const HostMix *mix);

/* Re-place every VM as Nova's scheduler would at boot: "spread" (its
 * default, the most free RAM first: the built-ins start so) or "stack"
 * (the least free RAM that fits: as few hosts as RAM allows). Returns 0,
 * or -1 with an error for another name or a VM that fits nowhere. */
int scenarioPlace(Scenario *sc, const char *how);

/* Names of the built-ins, for help and errors. */
extern const char *const scenarioBuiltinNames[];

void scenarioFree(Scenario *sc);

#endif
