/* energyrun.h - following the energy supply in a simulation: deferrable
 * jobs planned against the signals and the capacity the interactive VMs
 * leave, demand-response caps handed to the controller, and the site's
 * money, CO2 and non-renewable energy counted step by step against the
 * same day with every job run at arrival.
 *
 * The interactive load is forecast by a first run of the same policy
 * without jobs or caps (a perfect forecast of it: the traces are known),
 * which is what the planner sees. A job adds its power_kw to the site
 * while it runs and occupies its cpu (in cores) of the capacity the
 * interactive VMs leave below the policy's high threshold.
 *
 * Several sites (energyLoadSites): the first is the simulated one; the
 * others have their own signals and batch capacity and take deferrable
 * jobs whose data may leave (not pinned), when their cheaper or greener
 * hours outweigh moving the data (size / bandwidth of delay, and its
 * transfer energy at the home site's price and intensity). */
#ifndef GEYSER_ENERGYRUN_H
#define GEYSER_ENERGYRUN_H

#include <stdbool.h>
#include <stddef.h>

#include "shift.h"
#include "signals.h"

#define ENERGY_MAX_CAPS  8
#define ENERGY_MAX_SITES 8

typedef struct EnergySite {
    char name[32];
    SignalSet sig;
    double batchCpu;         /* cores free for deferrable jobs */
    double bandwidthMbit;    /* from the home site */
    double transferKwhPerGb; /* energy to move one GB there */
} EnergySite;

/* What `--signals DIR --jobs FILE [--sites FILE]` load, shared by every run. */
typedef struct EnergySetup {
    SignalSet sig; /* the simulated (home) site's */
    DeferrableJob *jobs;
    int njobs;
    double slotS;                       /* planning slot, default 3600 */
    EnergySite sites[ENERGY_MAX_SITES]; /* remote sites */
    int nsites;
} EnergySetup;

typedef struct EnergyTotals {
    double energyKwh, costEur, co2Kg, nonRenewableKwh;
} EnergyTotals;

typedef struct CapResult {
    double start, end, capKw;
    bool met;         /* the draw stayed under the cap from metAfterS to the end */
    double metAfterS; /* from the cap's start to the step from which it held */
    double maxOverKw; /* the worst step's excess */
    double maxDrawKw; /* the worst step's draw */
} CapResult;

typedef struct EnergyResult {
    bool on;
    char objective[24]; /* "at_arrival", "cost", "carbon", "renewable_share" */
    int jobs, deadlinesMet, jobsMoved;
    EnergyTotals site, siteAtArrival;  /* the simulated site with its jobs */
    EnergyTotals jobs_, jobsAtArrival; /* the jobs alone, wherever they ran */
    double transferKwh;
    int ncaps;
    CapResult caps[ENERGY_MAX_CAPS];
} EnergyResult;

/* Load signals, jobs and (sitesFile may be NULL) sites. */
int energySetupLoad(EnergySetup *e, const char *signalsDir, const char *jobsFile,
                    const char *sitesFile);
void energySetupFree(EnergySetup *e);

/* Sites CSV: name,signals,batch_cpu,bandwidth_mbit,transfer_kwh_per_gb; the
 * signals directory relative to the file's. */
int energyLoadSites(EnergySetup *e, const char *path);

/* "geyser+cost" -> the policy "geyser" and the objective; no "+": jobs at
 * arrival. *policy gets a copy of the policy part. */
int energySplitSpec(const char *spec, char *policy, size_t size, bool *shift, ShiftObjective *obj);

typedef struct EnergyRun EnergyRun;

/* Plan the jobs. forecastW and demand hold the interactive draw (W) and
 * CPU demand of each of the steps of dt seconds; capacity is the site's
 * usable capacity in the same unit as demand, coreUnit one core of it. */
EnergyRun *energyRunPlan(const EnergySetup *e, bool shift, ShiftObjective obj,
                         const double *forecastW, const double *demand, int steps, double dt,
                         double capacity, double coreUnit);
/* What the interactive hosts may draw over [t, t + dt] (W), or -1 when no
 * cap is near: a cap is acted on one interval before it begins
 * (demand-response events are announced ahead). */
double energyRunCapW(const EnergyRun *r, double t, double dt);
/* Account a step that drew interactiveW on average. */
void energyRunStep(EnergyRun *r, double t, double dt, double interactiveW);
void energyRunFinish(EnergyRun *r, EnergyResult *out);
void energyRunFree(EnergyRun *r);

/* The planned start and site (0: home, k: sites[k - 1]) of job i. */
double energyRunStart(const EnergyRun *r, int i, int *site);

#endif
