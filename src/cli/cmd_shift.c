/* cmd_shift.c - `geyser shift`: plan deferrable jobs into the cheapest,
 * greenest or most renewable hours, and say what that saves against
 * running every job when it arrives. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "shift.h"
#include "util.h"

void cmdShiftHelp(FILE *f) {
    fprintf(
        f,
        "NAME\n"
        "    geyser shift - place deferrable jobs in time by price, carbon or renewable supply\n\n"
        "SYNOPSIS\n"
        "    geyser shift --signals DIR --jobs FILE [--objective OBJ] [--slot S]\n"
        "                 [--capacity CPU] [--json]\n\n"
        "DESCRIPTION\n"
        "    Reads energy signals (price.csv, carbon.csv, renewable.csv in DIR) and deferrable\n"
        "    jobs (name,release,deadline,duration_s,power_kw,cpu), places every job so that it\n"
        "    meets its deadline, and compares money, CO2, energy and energy not covered by\n"
        "    on-site renewables with running every job at arrival. A job that cannot meet its\n"
        "    deadline is an error naming it.\n\n"
        "OPTIONS\n"
        "    --signals DIR    energy signals (data/signals/example is a synthetic day)\n"
        "    --jobs FILE      deferrable jobs\n"
        "    --objective OBJ  cost, carbon, renewable_share, or all (default all)\n"
        "    --slot S         slot length in seconds (default 3600)\n"
        "    --capacity CPU   capacity free for batch work in every slot (default unlimited)\n"
        "    --json           one JSON object per objective, with each job's planned start\n");
}

typedef struct ShiftRun {
    ShiftObjective obj;
    double *starts;
    ShiftTotals totals;
} ShiftRun;

static double horizonEnd(const DeferrableJob *jobs, int n) {
    double end = 0;
    for (int i = 0; i < n; i++)
        if (jobs[i].deadline > end) end = jobs[i].deadline;
    return end;
}

static double horizonStart(const DeferrableJob *jobs, int n) {
    double start = jobs[0].release;
    for (int i = 1; i < n; i++)
        if (jobs[i].release < start) start = jobs[i].release;
    return start;
}

static int runOne(const DeferrableJob *jobs, int n, const SignalSet *sig, double slotS,
                  double capacity, ShiftObjective obj, bool atArrival, ShiftRun *r, int *missed) {
    double start = horizonStart(jobs, n);
    int nslots = (int)((horizonEnd(jobs, n) - start) / slotS) + 2;
    ShiftSlots slots, fresh;
    shiftSlotsFromSignals(&slots, sig, start, slotS, nslots, capacity);
    r->obj = obj;
    r->starts = xmalloc((size_t)n * sizeof(double));
    int rc = atArrival ? shiftAtArrival(jobs, n, &slots, r->starts, missed)
                       : shiftSchedule(jobs, n, &slots, obj, r->starts);
    shiftSlotsFromSignals(&fresh, sig, start, slotS, nslots, capacity);
    if (rc == 0) shiftEvaluate(jobs, n, &fresh, r->starts, &r->totals);
    shiftSlotsFree(&slots);
    shiftSlotsFree(&fresh);
    return rc;
}

static json_t *runJson(const char *name, const ShiftRun *r, const DeferrableJob *jobs, int n) {
    json_t *starts = json_object();
    for (int i = 0; i < n; i++)
        json_object_set_new(starts, jobs[i].name, json_real(r->starts[i]));
    return json_pack("{s:s, s:f, s:f, s:f, s:f, s:o}", "objective", name, "cost_eur",
                     r->totals.costEur, "co2_kg", r->totals.co2Kg, "energy_kwh",
                     r->totals.energyKwh, "non_renewable_kwh", r->totals.nonRenewableKwh, "starts",
                     starts);
}

static void printRow(const char *name, const ShiftTotals *t, const ShiftTotals *base) {
    printf("  %-16s %9.2f %8.1f%% %9.1f %8.1f%% %9.1f %12.1f %8.1f%%\n", name, t->costEur,
           base->costEur ? 100 * (t->costEur / base->costEur - 1) : 0, t->co2Kg,
           base->co2Kg ? 100 * (t->co2Kg / base->co2Kg - 1) : 0, t->energyKwh, t->nonRenewableKwh,
           base->nonRenewableKwh ? 100 * (t->nonRenewableKwh / base->nonRenewableKwh - 1) : 0);
}

static int report(const DeferrableJob *jobs, int n, const SignalSet *sig, double slotS,
                  double capacity, int onlyObj, bool json) {
    ShiftRun base, runs[3];
    int missed = 0, unused = 0, nruns = 0, rc = 0;
    if (runOne(jobs, n, sig, slotS, capacity, SHIFT_COST, true, &base, &missed) != 0) return -1;
    for (int o = 0; o < 3 && rc == 0; o++) {
        if (onlyObj >= 0 && o != onlyObj) continue;
        rc = runOne(jobs, n, sig, slotS, capacity, (ShiftObjective)o, false, &runs[nruns], &unused);
        nruns++;
    }
    if (rc == 0 && json) {
        json_t *arr = json_array();
        json_t *b = runJson("at_arrival", &base, jobs, n);
        json_object_set_new(b, "deadlines_missed", json_integer(missed));
        json_array_append_new(arr, b);
        for (int k = 0; k < nruns; k++)
            json_array_append_new(arr, runJson(shiftObjectiveName(runs[k].obj), &runs[k], jobs, n));
        json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        fputc('\n', stdout);
        json_decref(arr);
    } else if (rc == 0) {
        printf("%d deferrable jobs; every shifted plan meets every deadline", n);
        printf(missed ? "; at arrival misses %d\n\n" : "\n\n", missed);
        printf("  %-16s %9s %9s %9s %9s %9s %12s %9s\n", "plan", "cost EUR", "vs", "CO2 kg", "vs",
               "kWh", "grid kWh", "vs");
        printRow("at arrival", &base.totals, &base.totals);
        for (int k = 0; k < nruns; k++)
            printRow(shiftObjectiveName(runs[k].obj), &runs[k].totals, &base.totals);
    }
    free(base.starts);
    for (int k = 0; k < nruns; k++)
        free(runs[k].starts);
    return rc;
}

int cmdShift(int argc, char **argv) {
    static const struct option opts[] = {{"signals", required_argument, NULL, 's'},
                                         {"jobs", required_argument, NULL, 'j'},
                                         {"objective", required_argument, NULL, 'o'},
                                         {"slot", required_argument, NULL, 'l'},
                                         {"capacity", required_argument, NULL, 'c'},
                                         {"json", no_argument, NULL, 'J'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *sigDir = NULL, *jobsFile = NULL;
    int onlyObj = -1, rc = 0;
    double slotS = 3600, capacity = 1e18;
    bool json = false;
    optind = 1;
    opterr = 0;
    int ch;
    while (rc == 0 && (ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 's': sigDir = optarg; break;
        case 'j': jobsFile = optarg; break;
        case 'o':
            if (strcmp(optarg, "all") != 0) {
                ShiftObjective o;
                rc = shiftObjectiveParse(optarg, &o);
                onlyObj = (int)o;
            }
            break;
        case 'l':
            if (parseDouble(optarg, &slotS) != 0 || slotS < 60 || slotS > 86400)
                rc = ERR("--slot: '%s' is not a number of seconds from 60 to 86400", optarg);
            break;
        case 'c':
            if (parseDouble(optarg, &capacity) != 0 || capacity <= 0)
                rc = ERR("--capacity: '%s' is not a positive number", optarg);
            break;
        case 'J': json = true; break;
        case 'h': cmdShiftHelp(stdout); return 0;
        default:
            rc = ERR("unknown or incomplete option '%s'; see 'geyser shift --help'",
                     argv[optind - 1]);
        }
    }
    if (rc == 0 && (!sigDir || !jobsFile)) rc = ERR("--signals DIR and --jobs FILE are required");
    if (rc != 0) {
        cliError("shift");
        return EXIT_USAGE;
    }
    SignalSet sig;
    DeferrableJob *jobs = NULL;
    int n = -1;
    if (signalLoadDir(sigDir, 0, &sig) == 0) {
        n = shiftLoadJobs(jobsFile, &jobs);
        if (n > 0) rc = report(jobs, n, &sig, slotS, capacity, onlyObj, json);
        signalSetFree(&sig);
    }
    free(jobs);
    if (n < 0 || rc != 0) {
        cliError("shift");
        return 1;
    }
    return 0;
}
