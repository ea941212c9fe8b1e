/* shift.c - placing deferrable jobs in time. */
#include "shift.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

int shiftObjectiveParse(const char *s, ShiftObjective *out) {
    if (strcmp(s, "cost") == 0)
        *out = SHIFT_COST;
    else if (strcmp(s, "carbon") == 0)
        *out = SHIFT_CARBON;
    else if (strcmp(s, "renewable_share") == 0)
        *out = SHIFT_RENEWABLE_SHARE;
    else
        return ERR("unknown objective '%s' (expected cost, carbon or renewable_share)", s);
    return 0;
}

const char *shiftObjectiveName(ShiftObjective o) {
    static const char *const names[] = {"cost", "carbon", "renewable_share"};
    return (unsigned)o < 3 ? names[o] : "unknown";
}

void shiftSlotsFromSignals(ShiftSlots *s, const SignalSet *sig, double start, double slotS, int n,
                           double freeCpu) {
    s->start = start;
    s->slotS = slotS;
    s->n = n;
    s->freeCpu = xmalloc((size_t)n * sizeof(double));
    s->price = xcalloc((size_t)n, sizeof(double));
    s->carbon = xcalloc((size_t)n, sizeof(double));
    s->surplusKw = xcalloc((size_t)n, sizeof(double));
    s->roomKw = xmalloc((size_t)n * sizeof(double));
    for (int k = 0; k < n; k++) {
        double t = start + k * slotS;
        s->freeCpu[k] = freeCpu;
        s->roomKw[k] = INFINITY;
        for (int c = 0; c < sig->ncaps; c++)
            if (sig->caps[c].start < t + slotS && sig->caps[c].end > t &&
                sig->caps[c].capKw < s->roomKw[k])
                s->roomKw[k] = sig->caps[c].capKw;
        signalAt(&sig->series[SIGNAL_PRICE], t, &s->price[k]);
        signalAt(&sig->series[SIGNAL_CARBON], t, &s->carbon[k]);
        signalAt(&sig->series[SIGNAL_RENEWABLE], t, &s->surplusKw[k]);
    }
}

void shiftSlotsFree(ShiftSlots *s) {
    free(s->freeCpu);
    free(s->price);
    free(s->carbon);
    free(s->surplusKw);
    free(s->roomKw);
    memset(s, 0, sizeof(*s));
}

static int slotsOf(const DeferrableJob *j, double slotS) {
    int n = (int)ceil(j->duration / slotS - 1e-9);
    return n > 0 ? n : 1;
}

/* kWh the job draws in its k-th slot (the last one may be partial). */
static double energyInSlot(const DeferrableJob *j, int k, double slotS) {
    double run = j->duration - k * slotS;
    if (run > slotS) run = slotS;
    return run > 0 ? j->powerKw * run / 3600 : 0;
}

/* Feasible start slots: [first, last]; empty when last < first. */
static void window(const DeferrableJob *j, const ShiftSlots *s, int *first, int *last) {
    *first = (int)ceil((j->release - s->start) / s->slotS - 1e-9);
    if (*first < 0) *first = 0;
    int len = slotsOf(j, s->slotS);
    *last = (int)floor((j->deadline - j->duration - s->start) / s->slotS + 1e-9);
    if (*last > s->n - len) *last = s->n - len;
}

static bool fits(const DeferrableJob *j, const ShiftSlots *s, int at) {
    int len = slotsOf(j, s->slotS);
    for (int k = 0; k < len; k++) {
        if (s->freeCpu[at + k] < j->cpu - 1e-9) return false;
        if (s->roomKw && s->roomKw[at + k] < j->powerKw - 1e-9) return false;
    }
    return true;
}

static double slotCost(const DeferrableJob *j, const ShiftSlots *s, int slot, int k,
                       ShiftObjective obj) {
    double kwh = energyInSlot(j, k, s->slotS);
    switch (obj) {
    case SHIFT_COST: return kwh * s->price[slot] / 1000;
    case SHIFT_CARBON: return kwh * s->carbon[slot] / 1000;
    case SHIFT_RENEWABLE_SHARE: {
        double covered = s->surplusKw[slot] * s->slotS / 3600;
        if (covered < 0) covered = 0;
        return kwh > covered ? kwh - covered : 0;
    }
    }
    return 0;
}

static double placementCost(const DeferrableJob *j, const ShiftSlots *s, int at,
                            ShiftObjective obj) {
    double c = 0;
    for (int k = 0; k < slotsOf(j, s->slotS); k++)
        c += slotCost(j, s, at + k, k, obj);
    return c;
}

static void occupy(const DeferrableJob *j, ShiftSlots *s, int at) {
    for (int k = 0; k < slotsOf(j, s->slotS); k++) {
        s->freeCpu[at + k] -= j->cpu;
        s->surplusKw[at + k] -= j->powerKw; /* later jobs see what is left */
        if (s->roomKw) s->roomKw[at + k] -= j->powerKw;
    }
}

static int countFeasible(const DeferrableJob *j, const ShiftSlots *s) {
    int first, last, n = 0;
    window(j, s, &first, &last);
    for (int at = first; at <= last; at++)
        n += fits(j, s, at);
    return n;
}

/* The job with the fewest feasible starts among those not yet placed. */
static int leastFlexible(const DeferrableJob *jobs, int n, const bool *placed,
                         const ShiftSlots *s) {
    int best = -1, bestCount = 0;
    for (int i = 0; i < n; i++) {
        if (placed[i]) continue;
        int c = countFeasible(&jobs[i], s);
        if (best < 0 || c < bestCount) best = i, bestCount = c;
    }
    return best;
}

static int checkJob(const DeferrableJob *j) {
    if (!(j->duration > 0) || !(j->powerKw >= 0) || !(j->cpu >= 0))
        return ERR("job %s: duration must be positive, power and cpu non-negative", j->name);
    if (j->deadline - j->release < j->duration)
        return ERR("job %s cannot finish by its deadline even if started on release", j->name);
    return 0;
}

int shiftBestStart(const DeferrableJob *j, const ShiftSlots *s, ShiftObjective obj, double *cost) {
    int first, last, best = -1;
    *cost = INFINITY;
    window(j, s, &first, &last);
    for (int at = first; at <= last; at++) {
        if (!fits(j, s, at)) continue;
        double c = placementCost(j, s, at, obj);
        if (c < *cost - 1e-12) best = at, *cost = c;
    }
    return best;
}

void shiftOccupy(const DeferrableJob *j, ShiftSlots *s, int at) {
    occupy(j, s, at);
}

bool shiftFits(const DeferrableJob *j, const ShiftSlots *s, int at) {
    return at >= 0 && at + slotsOf(j, s->slotS) <= s->n && fits(j, s, at);
}

double shiftPlacementCost(const DeferrableJob *j, const ShiftSlots *s, int at, ShiftObjective obj) {
    return placementCost(j, s, at, obj);
}

int shiftSlotsOf(const DeferrableJob *j, double slotS) {
    return slotsOf(j, slotS);
}

double shiftSlack(const DeferrableJob *j) {
    return j->deadline - j->release - j->duration;
}

int shiftSchedule(const DeferrableJob *jobs, int n, ShiftSlots *slots, ShiftObjective obj,
                  double *starts) {
    for (int i = 0; i < n; i++)
        if (checkJob(&jobs[i]) != 0) return -1;
    bool *placed = xcalloc((size_t)(n ? n : 1), sizeof(bool));
    int rc = 0;
    for (int done = 0; done < n && rc == 0; done++) {
        int i = leastFlexible(jobs, n, placed, slots);
        double bestCost;
        int best = shiftBestStart(&jobs[i], slots, obj, &bestCost);
        if (best < 0) {
            rc = ERR("job %s cannot meet its deadline: no window between its release and "
                     "deadline has room for it",
                     jobs[i].name);
            break;
        }
        occupy(&jobs[i], slots, best);
        starts[i] = slots->start + best * slots->slotS;
        placed[i] = true;
    }
    free(placed);
    return rc;
}

int shiftAtArrival(const DeferrableJob *jobs, int n, ShiftSlots *slots, double *starts,
                   int *missed) {
    *missed = 0;
    for (int i = 0; i < n; i++) {
        if (checkJob(&jobs[i]) != 0) return -1;
        int first, last, len = slotsOf(&jobs[i], slots->slotS), at;
        window(&jobs[i], slots, &first, &last);
        for (at = first; at <= slots->n - len && !fits(&jobs[i], slots, at); at++) {
        }
        if (at > slots->n - len)
            return ERR("job %s finds no room before the horizon ends", jobs[i].name);
        if (at > last) (*missed)++;
        occupy(&jobs[i], slots, at);
        starts[i] = slots->start + at * slots->slotS;
    }
    return 0;
}

void shiftEvaluate(const DeferrableJob *jobs, int n, const ShiftSlots *slots, const double *starts,
                   ShiftTotals *out) {
    memset(out, 0, sizeof(*out));
    double *surplus = xmalloc((size_t)(slots->n ? slots->n : 1) * sizeof(double));
    memcpy(surplus, slots->surplusKw, (size_t)slots->n * sizeof(double));
    for (int i = 0; i < n; i++) {
        int at = (int)llround((starts[i] - slots->start) / slots->slotS);
        for (int k = 0; k < slotsOf(&jobs[i], slots->slotS) && at + k < slots->n; k++) {
            int s = at + k;
            double kwh = energyInSlot(&jobs[i], k, slots->slotS);
            double covered = surplus[s] > 0 ? surplus[s] * slots->slotS / 3600 : 0;
            if (covered > kwh) covered = kwh;
            surplus[s] -= covered * 3600 / slots->slotS;
            out->energyKwh += kwh;
            out->costEur += kwh * slots->price[s] / 1000;
            out->co2Kg += kwh * slots->carbon[s] / 1000;
            out->nonRenewableKwh += kwh - covered;
        }
    }
    free(surplus);
}

static int parseLocality(char **f, const char *path, int lineNo, DeferrableJob *j) {
    if (parseDouble(f[6], &j->dataGb) != 0 || j->dataGb < 0)
        return ERR("%s:%d: data_gb must be a non-negative number", path, lineNo);
    if (strcmp(f[7], "yes") != 0 && strcmp(f[7], "no") != 0)
        return ERR("%s:%d: pinned must be yes or no, not '%s'", path, lineNo, f[7]);
    j->pinned = strcmp(f[7], "yes") == 0;
    return 0;
}

static int parseJob(char *line, const char *path, int lineNo, int want, DeferrableJob *j) {
    char *f[9], *save = NULL;
    int n = 0;
    for (char *t = strtok_r(line, ",", &save); t && n < 9; t = strtok_r(NULL, ",", &save))
        f[n++] = strTrim(t);
    if (n != want)
        return ERR("%s:%d: expected %d fields as the header names, found %d", path, lineNo, want,
                   n);
    memset(j, 0, sizeof(*j));
    snprintf(j->name, sizeof(j->name), "%s", f[0]);
    if (signalParseTime(f[1], &j->release) != 0 || signalParseTime(f[2], &j->deadline) != 0) {
        errPrefix("%s:%d", path, lineNo);
        return -1;
    }
    if (parseDouble(f[3], &j->duration) != 0 || parseDouble(f[4], &j->powerKw) != 0 ||
        parseDouble(f[5], &j->cpu) != 0)
        return ERR("%s:%d: duration_s, power_kw and cpu must be numbers", path, lineNo);
    if (want == 8 && parseLocality(f, path, lineNo, j) != 0) return -1;
    if (checkJob(j) != 0) {
        errPrefix("%s:%d", path, lineNo);
        return -1;
    }
    return 0;
}

int shiftLoadJobs(const char *path, DeferrableJob **out) {
    FILE *f = fopen(path, "r");
    if (!f) return ERR("cannot open %s: %s", path, strerror(errno));
    char line[1024];
    int lineNo = 0, n = 0, rc = 0, want = 0;
    *out = NULL;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineNo++;
        if (!strchr(line, '\n') && !feof(f)) {
            rc = ERR("%s:%d: line longer than %zu characters", path, lineNo, sizeof(line) - 2);
            break;
        }
        strTrim(line);
        if (!*line || *line == '#') continue;
        if (!want) {
            if (strcmp(line, "name,release,deadline,duration_s,power_kw,cpu") == 0)
                want = 6;
            else if (strcmp(line, "name,release,deadline,duration_s,power_kw,cpu,data_gb,pinned") ==
                     0)
                want = 8;
            else
                rc = ERR("%s:%d: the header must be name,release,deadline,duration_s,power_kw,cpu "
                         "(then optionally ,data_gb,pinned)",
                         path, lineNo);
            continue;
        }
        *out = xrealloc(*out, (size_t)(n + 1) * sizeof(DeferrableJob));
        rc = parseJob(line, path, lineNo, want, &(*out)[n]);
        if (rc == 0) n++;
    }
    fclose(f);
    if (rc == 0 && n == 0) rc = ERR("%s: no jobs", path);
    if (rc != 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return n;
}
