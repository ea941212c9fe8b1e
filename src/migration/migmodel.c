/* migmodel.c - the live-migration cost model of migmodel.h: an iterative
 * pre-copy (Clark et al., NSDI 2005), post-copy by demand paging plus a
 * background push (Hines & Gopalan, VEE 2009), and QEMU's hybrid, which runs
 * pre-copy rounds and then switches to post-copy. docs/migration.md has the
 * equations this file implements, in the same order. */
#include <math.h>

#include "err.h"
#include "migmodel.h"

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
    };
    return in;
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

/* One pre-copy round: send what is pending (Eq. 2); what the guest dirtied
 * meanwhile, capped by the WWS, is pending next (Eq. 3). */
static void precopyRound(const MigInput *in, Precopy *p) {
    double dt = p->pendingMb / in->bandwidthMbps;
    p->elapsedS += dt;
    p->sentMb += p->pendingMb;
    p->rounds++;
    p->prevMb = p->pendingMb;
    p->pendingMb = fmin(in->wwsMb, in->mcrMbps * dt);
}

/* True when the pending pages fit in the downtime target (Eq. 4). */
static bool precopyFits(const MigInput *in, const Precopy *p) {
    return p->pendingMb / in->bandwidthMbps <= in->downtimeMs / 1000;
}

/* True when the next round would pass the round or data limit (Eq. 5). */
static bool precopyAtLimit(const MigInput *in, const Precopy *p) {
    return p->rounds >= in->maxRounds || p->sentMb + p->pendingMb > in->maxDataFactor * in->usedMb;
}

/* Stop-and-copy: pause, send the rest and the device state (Eq. 6). */
static void finishStopAndCopy(const MigInput *in, const Precopy *p, MigPrediction *out) {
    double pauseS = (p->pendingMb + in->deviceMb) / in->bandwidthMbps;
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
    double pauseS = in->deviceMb / in->bandwidthMbps;
    out->postcopyS = p->pendingMb / in->bandwidthMbps;
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
    Precopy p = {.pendingMb = in->usedMb, .prevMb = HUGE_MB};
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
