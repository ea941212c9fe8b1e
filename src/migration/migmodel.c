/* migmodel.c - the live-migration cost model of migmodel.h: an iterative
 * pre-copy (Clark et al., NSDI 2005), post-copy by demand paging plus a
 * background push (Hines & Gopalan, VEE 2009), and QEMU's hybrid, which runs
 * pre-copy rounds and then switches to post-copy. docs/migration.md has the
 * equations this file implements, in the same order. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "migmodel.h"
#include "util.h"

#define MIB           1048576.0
#define PAGES_PER_MIB 256.0 /* 4 KiB pages */
#define HUGE_MB       1e300

MigInput migInputDefaults(void) {
    MigInput in = {
        .downtimeMs = 300,
        .maxRounds = 30,
        .maxDataFactor = 4,
        .deviceMb = 0.5,
        .hybridRounds = 2,
        .faultLatencyMs = 0.1,
        .cal = migCalibDefaults(),
    };
    return in;
}

MigCalib migCalibDefaults(void) {
    return (MigCalib){.setupS = 0, .linkEfficiency = 1, .scanMbps = 0, .extraMb = 0};
}

/* The file's keys, in the order migCalibSave() writes them. */
typedef struct CalibKey {
    const char *name;
    double min, max;
} CalibKey;

static const CalibKey calibKeys[] = {
    {"setup_s", 0, 3600},
    {"link_efficiency", 0.01, 2},
    {"scan_mibps", 0, 1e9},
    {"extra_mib", 0, 1e9},
};
#define N_CALIB_KEYS (sizeof(calibKeys) / sizeof(calibKeys[0]))

/* The field of c that calibKeys[i] names. */
static double *calibField(MigCalib *c, size_t i) {
    switch (i) {
    case 0: return &c->setupS;
    case 1: return &c->linkEfficiency;
    case 2: return &c->scanMbps;
    default: return &c->extraMb;
    }
}

int migCalibLoad(const char *path, MigCalib *c) {
    FILE *f = fopen(path, "r");
    if (!f) return ERR("cannot read calibration %s: %s", path, strerror(errno));
    *c = migCalibDefaults();
    char line[512];
    int lineNo = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineNo++;
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *key = strTrim(line);
        if (*key == '\0') continue;
        char *val = key + strcspn(key, " \t=");
        if (*val) *val++ = '\0';
        val = strTrim(val + strspn(val, " \t="));
        size_t idx = N_CALIB_KEYS;
        for (size_t i = 0; i < N_CALIB_KEYS; i++)
            if (strcmp(key, calibKeys[i].name) == 0) idx = i;
        const CalibKey *k = idx < N_CALIB_KEYS ? &calibKeys[idx] : NULL;
        double v;
        if (!k)
            rc = ERR("%s:%d: unknown calibration key '%s' (known: setup_s, link_efficiency, "
                     "scan_mibps, extra_mib)",
                     path, lineNo, key);
        else if (parseDouble(val, &v) != 0 || v < k->min || v > k->max)
            rc = ERR("%s:%d: %s must be a number from %g to %g, not '%s'", path, lineNo, key,
                     k->min, k->max, val);
        else
            *calibField(c, idx) = v;
    }
    fclose(f);
    return rc;
}

int migCalibSave(const char *path, const MigCalib *c, const char *comment) {
    FILE *f = fopen(path, "w");
    if (!f) return ERR("cannot write calibration %s: %s", path, strerror(errno));
    fprintf(f, "# geyser migration model calibration (docs/migration.md, \"Calibration\")\n");
    if (comment) fprintf(f, "# %s\n", comment);
    MigCalib copy = *c;
    for (size_t i = 0; i < N_CALIB_KEYS; i++)
        fprintf(f, "%s %.6g\n", calibKeys[i].name, *calibField(&copy, i));
    if (fclose(f) != 0) return ERR("cannot write calibration %s: %s", path, strerror(errno));
    return 0;
}

double migBandwidthFromMbit(double mbit) {
    return mbit * 1e6 / 8 / MIB;
}

static int checkField(const char *name, double v, double min, double max) {
    if (!isfinite(v) || v < min || v > max)
        return ERR("migration model: %s must be a number from %g to %g, not %g", name, min, max, v);
    return 0;
}

int migValidate(const MigInput *in) {
    if (!in) return ERR("migration model: no input");
    if (!(isfinite(in->memMb) && in->memMb > 0))
        return ERR("migration model: memory must be more than 0 MiB, not %g", in->memMb);
    if (!(isfinite(in->bandwidthMbps) && in->bandwidthMbps > 0))
        return ERR("migration model: bandwidth must be more than 0, not %g", in->bandwidthMbps);
    if (!(isfinite(in->downtimeMs) && in->downtimeMs > 0))
        return ERR("migration model: the downtime target must be more than 0 ms, not %g",
                   in->downtimeMs);
    if (checkField("memory in use (MiB)", in->usedMb, 0, in->memMb) != 0 ||
        checkField("writable working set (MiB)", in->wwsMb, 0, in->usedMb) != 0 ||
        checkField("dirty rate (MiB/s)", in->mcrMbps, 0, 1e9) != 0 ||
        checkField("max data factor", in->maxDataFactor, 1, 1e6) != 0 ||
        checkField("device state (MiB)", in->deviceMb, 0, 1e6) != 0 ||
        checkField("fault latency (ms)", in->faultLatencyMs, 0, 1e6) != 0)
        return -1;
    if (checkField("setup time (s)", in->cal.setupS, 0, 3600) != 0 ||
        checkField("link efficiency", in->cal.linkEfficiency, 0.01, 2) != 0 ||
        checkField("scan rate (MiB/s)", in->cal.scanMbps, 0, 1e9) != 0 ||
        checkField("extra memory (MiB)", in->cal.extraMb, 0, 1e9) != 0)
        return -1;
    if (in->maxRounds < 1 || in->maxRounds > 100000)
        return ERR("migration model: max rounds must be from 1 to 100000, not %d", in->maxRounds);
    if (in->hybridRounds < 0 || in->hybridRounds > 100000)
        return ERR("migration model: hybrid rounds must be from 0 to 100000, not %d",
                   in->hybridRounds);
    return 0;
}

/* Where pre-copy stands between rounds. */
typedef struct Precopy {
    double elapsedS, sentMb, pendingMb, prevMb;
    int rounds;
} Precopy;

/* The rate pages actually cross at: the cap times the fitted efficiency. */
static double linkMbps(const MigInput *in) {
    return in->bandwidthMbps * in->cal.linkEfficiency;
}

/* What round 0 sends (Eq. 1): the used memory plus the non-zero pages the
 * guest's own accounting misses (kernel image, firmware, freed pages that
 * still hold data), never more than the guest has. */
static double firstPassMb(const MigInput *in) {
    return fmin(in->memMb, in->usedMb + in->cal.extraMb);
}

/* Round 0 also reads every page it does not send, to find it all zero. */
static double zeroScanS(const MigInput *in) {
    return in->cal.scanMbps > 0 ? (in->memMb - firstPassMb(in)) / in->cal.scanMbps : 0;
}

/* One pre-copy round: send what is pending (Eq. 2); what the guest dirtied
 * meanwhile, capped by the WWS, is pending next (Eq. 3). */
static void precopyRound(const MigInput *in, Precopy *p) {
    double dt = p->pendingMb / linkMbps(in) + (p->rounds == 0 ? zeroScanS(in) : 0);
    p->elapsedS += dt;
    p->sentMb += p->pendingMb;
    p->rounds++;
    p->prevMb = p->pendingMb;
    p->pendingMb = fmin(in->wwsMb, in->mcrMbps * dt);
}

/* True when the pending pages fit in the downtime target (Eq. 4). */
static bool precopyFits(const MigInput *in, const Precopy *p) {
    return p->pendingMb / linkMbps(in) <= in->downtimeMs / 1000;
}

/* True when the next round would pass the round or data limit (Eq. 5). */
static bool precopyAtLimit(const MigInput *in, const Precopy *p) {
    return p->rounds >= in->maxRounds ||
           p->sentMb + p->pendingMb > in->maxDataFactor * firstPassMb(in);
}

/* Stop-and-copy: pause, send the rest and the device state (Eq. 6). */
static void finishStopAndCopy(const MigInput *in, const Precopy *p, MigPrediction *out) {
    double pauseS = (p->pendingMb + in->deviceMb) / linkMbps(in);
    out->timeS = p->elapsedS + pauseS;
    out->downtimeMs = pauseS * 1000;
    out->bytes = (p->sentMb + p->pendingMb + in->deviceMb) * MIB;
    out->rounds = p->rounds;
    out->converged = true;
}

/* Switch to post-copy: pause for the device state, resume on the
 * destination, push the pending pages while the guest faults in the hot
 * ones it touches first (Eq. 7-9). */
static void finishPostcopy(const MigInput *in, const Precopy *p, MigPrediction *out) {
    double pauseS = in->deviceMb / linkMbps(in);
    /* Plain post-copy's single pass is round 0: it scans the zero pages too. */
    out->postcopyS = p->pendingMb / linkMbps(in) + (p->rounds == 0 ? zeroScanS(in) : 0);
    out->timeS = p->elapsedS + pauseS + out->postcopyS;
    out->downtimeMs = pauseS * 1000;
    out->bytes = (p->sentMb + p->pendingMb + in->deviceMb) * MIB;
    out->rounds = p->rounds;
    out->converged = true;
    out->faultStallS = fmin(in->wwsMb, p->pendingMb) * PAGES_PER_MIB * in->faultLatencyMs / 1000;
}

int migPredict(const MigInput *in, MigrationMode mode, MigPrediction *out) {
    if (!out) return ERR("migration model: no place for the prediction");
    *out = (MigPrediction){0};
    if (migValidate(in) != 0) return -1;
    /* The fixed set-up cost comes first, before round 0's pages move. */
    Precopy p = {.elapsedS = in->cal.setupS, .pendingMb = firstPassMb(in), .prevMb = HUGE_MB};
    switch (mode) {
    case MIGRATE_POSTCOPY: finishPostcopy(in, &p, out); return 0;
    case MIGRATE_PRECOPY:
        while (!precopyFits(in, &p)) {
            if (precopyAtLimit(in, &p)) {
                /* Cancelled at the limit: the VM never paused and stays on the source. */
                out->timeS = p.elapsedS;
                out->bytes = p.sentMb * MIB;
                out->rounds = p.rounds;
                out->converged = false;
                return 0;
            }
            precopyRound(in, &p);
        }
        finishStopAndCopy(in, &p, out);
        return 0;
    case MIGRATE_HYBRID:
        while (!precopyFits(in, &p)) {
            bool stalled = p.pendingMb >= p.prevMb;
            if (p.rounds >= in->hybridRounds || stalled || precopyAtLimit(in, &p)) {
                finishPostcopy(in, &p, out);
                return 0;
            }
            precopyRound(in, &p);
        }
        finishStopAndCopy(in, &p, out);
        return 0;
    }
    return ERR("migration model: unknown migration mode %d", (int)mode);
}

MigrationMode migChooseMode(const MigInput *in) {
    MigPrediction pre;
    if (migPredict(in, MIGRATE_PRECOPY, &pre) != 0) return MIGRATE_PRECOPY;
    return pre.converged ? MIGRATE_PRECOPY : MIGRATE_HYBRID;
}
