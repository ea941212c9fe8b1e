/* shift.h - time shifting of deferrable work: place batch jobs into the
 * cheapest, greenest or most renewable hours that still meet every
 * deadline, given the capacity interactive load leaves free.
 *
 * Time is cut into slots of equal length; a job runs without interruption
 * for ceil(duration / slot) slots, starting on a slot boundary at or after
 * its release, ending by its deadline, and only where every slot it covers
 * has room for it. Jobs are placed one at a time, least flexible first
 * (fewest feasible starts), each at its cheapest feasible start under the
 * objective; ties go to the earliest start. Deadlines are hard: a job that
 * cannot be placed is an error naming it, never a silent miss. */
#ifndef GEYSER_SHIFT_H
#define GEYSER_SHIFT_H

#include "signals.h"

typedef enum {
    SHIFT_COST = 0,        /* minimise money */
    SHIFT_CARBON,          /* minimise CO2 */
    SHIFT_RENEWABLE_SHARE, /* minimise energy not covered by on-site renewables */
} ShiftObjective;

typedef struct DeferrableJob {
    char name[48];
    double release;  /* earliest start, s */
    double deadline; /* latest end, s */
    double duration; /* s */
    double powerKw;  /* draw while it runs */
    double cpu;      /* capacity it occupies (the unit of the slots' free capacity) */
    double dataGb;   /* input it needs where it runs (space shifting moves it) */
    bool pinned;     /* its data may not leave its site */
} DeferrableJob;

typedef struct ShiftSlots {
    double start; /* time of slot 0, s */
    double slotS;
    int n;
    double *freeCpu;   /* capacity left by interactive load */
    double *price;     /* EUR/MWh */
    double *carbon;    /* gCO2/kWh */
    double *surplusKw; /* renewable supply above the interactive load's draw */
    double *roomKw;    /* power jobs may add under a demand-response cap (INFINITY: no cap) */
} ShiftSlots;

typedef struct ShiftTotals {
    double energyKwh;
    double costEur;
    double co2Kg;
    double nonRenewableKwh; /* not covered by the renewable surplus */
} ShiftTotals;

/* Slots over [start, start + n * slotS) from a signal set (missing
 * signals read as 0), with the same free capacity in every slot. A slot
 * that a demand-response cap touches gets the lowest such cap as room. */
void shiftSlotsFromSignals(ShiftSlots *s, const SignalSet *sig, double start, double slotS, int n,
                           double freeCpu);
void shiftSlotsFree(ShiftSlots *s);

/* Choose starts (seconds) for every job; slots->freeCpu and ->surplusKw
 * are consumed as jobs are placed. -1 with the first job that cannot meet
 * its deadline. */
int shiftSchedule(const DeferrableJob *jobs, int n, ShiftSlots *slots, ShiftObjective obj,
                  double *starts);

/* One job's cheapest feasible start slot under obj (ties: the earliest),
 * with its cost in *cost; -1 when no slot in its window has room. */
int shiftBestStart(const DeferrableJob *j, const ShiftSlots *s, ShiftObjective obj, double *cost);
/* Take the job's capacity, power room and renewable surplus from the
 * slots it covers when it starts at slot at. */
void shiftOccupy(const DeferrableJob *j, ShiftSlots *s, int at);
/* Whether the job fits when it starts at slot at (every slot it covers has
 * the capacity and power room), and what it then costs under obj. */
bool shiftFits(const DeferrableJob *j, const ShiftSlots *s, int at);
double shiftPlacementCost(const DeferrableJob *j, const ShiftSlots *s, int at, ShiftObjective obj);
/* The slots a job covers (ceil(duration / slot), at least one). */
int shiftSlotsOf(const DeferrableJob *j, double slotS);
/* Every job's slack (window length minus duration): the order in which
 * jobs competing for slots are best placed, least first. */
double shiftSlack(const DeferrableJob *j);

/* The reference: every job at the first slot at or after its release with
 * room for it (deadlines may then be missed: *missed counts them). */
int shiftAtArrival(const DeferrableJob *jobs, int n, ShiftSlots *slots, double *starts,
                   int *missed);

/* Money, CO2 and energy of a placement, against the slots' signals (the
 * surplus as it was before any job was placed: pass a fresh copy). */
void shiftEvaluate(const DeferrableJob *jobs, int n, const ShiftSlots *slots, const double *starts,
                   ShiftTotals *out);

int shiftObjectiveParse(const char *s, ShiftObjective *out);
const char *shiftObjectiveName(ShiftObjective o);

/* Jobs from CSV: name,release,deadline,duration_s,power_kw,cpu, optionally
 * followed by data_gb,pinned (times as seconds or ISO 8601 UTC; pinned is
 * yes or no). */
int shiftLoadJobs(const char *path, DeferrableJob **out);

#endif
