/* simulate.h - one simulation run and its metrics.
 *
 * A run drives the simulated cloud with the real controller, step by step,
 * and measures it against two references computed on the same workload:
 *   baseline     every host on, no power management, VMs where they began;
 *   lower bound  at each step, the total demand packed onto the fewest, most
 *                efficient hosts that also hold the VMs' memory, the rest off,
 *                with no migration cost.
 * Metric names are stable (they are the JSON keys) and follow Beloglazov &
 * Buyya (CCPE 2012) so that results compare with published ones. */
#ifndef GEYSER_SIMULATE_H
#define GEYSER_SIMULATE_H

#include <stdio.h>

#include "energyrun.h"
#include "policy.h"
#include "scenario.h"

typedef struct SimOptions {
    const char *policy; /* spec such as "paper:0.2,0.8"; NULL = scenario's */
    CtlConfig ctl;      /* limits; thresholds come from the policy spec */
    bool ctlSet;        /* false: use ctlConfigDefaults() */
    double intervalS;   /* 0 = the scenario's */
    SimConfig sim;
    bool simSet;
    FILE *timeline; /* CSV per step, or NULL */
    /* Signals and deferrable jobs (NULL: none). The policy spec may then
     * carry an objective: "geyser+cost" plans the jobs for cost, "geyser"
     * runs them at arrival. Caps in the signals go to the controller. */
    const EnergySetup *energy;
    void (*progress)(void *arg, double fraction);
    void *progressArg;
} SimOptions;

typedef struct PhaseResult {
    char name[32];
    double durationS;
    double energyJ;
    double avgPowerW;
    double avgHostsOn;
} PhaseResult;

typedef struct SimResult {
    char scenario[64];
    char policy[128];
    int hosts, vms, steps;
    double intervalS, durationS;
    double energyKwh;
    double baselineKwh;
    double lowerBoundKwh;
    double savingPct; /* against the baseline, or between phases */
    long migrations;
    long hostShutdowns;
    long hostBoots;
    double slatahPct;
    double pdmPct;
    double slav;        /* SLATAH x PDM, as fractions */
    double overloadPct; /* share of requested CPU not served */
    double runtimeS;
    bool cloudsim;    /* run in CloudSim's accounting (SimConfig.cloudsim) */
    long vmsFinished; /* CloudSim mode: VMs that finished (demand reached 0) */
    long refused;     /* actions stopped by safety rules */
    long failed;
    char lastProblem[200]; /* the last refused or failed action, for the report */
    PhaseResult phases[SCENARIO_MAX_PHASES];
    int nphases;
    EnergyResult energy; /* .on when SimOptions.energy was given */
} SimResult;

int simulateRun(const Scenario *sc, const SimOptions *o, SimResult *r);

/* Power of the lower bound for one instant: CPU demand packed onto the most
 * efficient hosts, plus idle hosts where memory needs more (VM memory is
 * not overcommitted). The rest are off. A true bound for linear and concave
 * power curves, where packing beats spreading. Exposed for tests. */
double lowerBoundPower(const Scenario *sc, double demand, double ramMb);

#endif
