/* migmodel.h - an analytic cost model of live migration: how long a VM's
 * move takes, how long it is paused, how many bytes cross the link, for
 * pre-copy, post-copy and hybrid (pre-copy then post-copy). The equations
 * are in docs/migration.md; the simulator and the controller call
 * migPredict() and migChooseMode() to price a migration before they start it.
 *
 * Units: memory in MiB (QEMU's -m), dirty rate in MiB/s, bandwidth in MiB/s
 * (migBandwidthFromMbit() converts a link speed in Mbit/s), times in seconds
 * except the downtime target and result, in milliseconds. */
#ifndef GEYSER_MIGMODEL_H
#define GEYSER_MIGMODEL_H

#include <stdbool.h>

#include "cloud.h"

/* Terms fitted to a test bed from measured migrations (`geyser migbench
 * --calibrate`, docs/migration.md "Calibration"). migCalibDefaults() makes
 * them vanish: an ideal link that sends exactly the used memory at the
 * bandwidth cap, with nothing else to do. */
typedef struct MigCalib {
    double setupS;         /* fixed cost per migration: connect, setup, final sync, s */
    double linkEfficiency; /* achieved page rate / bandwidth cap, in (0, 2] */
    double scanMbps;       /* QEMU's scan of memory it does not send (zero pages), MiB/s; 0: free */
    double extraMb;        /* non-zero memory beyond usedMb: kernel, firmware, freed pages, MiB */
} MigCalib;

typedef struct MigInput {
    double memMb;          /* configured guest memory */
    double usedMb;         /* memory in use: what round 0 must send (<= memMb) */
    double wwsMb;          /* writable working set: most a round can find dirty (<= usedMb) */
    double mcrMbps;        /* memory change rate: MiB/s written inside the WWS */
    double bandwidthMbps;  /* usable migration bandwidth, MiB/s (> 0) */
    double downtimeMs;     /* pre-copy stops when the rest fits in this pause */
    int maxRounds;         /* pre-copy gives up after this many rounds */
    double maxDataFactor;  /* ... or once it has sent this many times usedMb */
    double deviceMb;       /* device state sent while paused, every mode */
    int hybridRounds;      /* hybrid: pre-copy rounds before switching */
    double faultLatencyMs; /* post-copy: stall per page fetched on demand */
    MigCalib cal;          /* test-bed terms; migCalibDefaults() in migInputDefaults() */
} MigInput;

typedef struct MigPrediction {
    double timeS;       /* start to VM running on the destination (or to cancel) */
    double downtimeMs;  /* VM paused; 0 when pre-copy does not converge */
    double bytes;       /* sent over the link */
    int rounds;         /* pre-copy rounds, round 0 included */
    bool converged;     /* false: pre-copy hit a limit and would be cancelled */
    double postcopyS;   /* time the guest runs on the destination with missing pages */
    double faultStallS; /* guest stall from on-demand page faults in post-copy */
} MigPrediction;

/* Defaults: QEMU's downtime-limit (300 ms), 30 rounds, 4x data, 0.5 MiB of
 * device state, 2 hybrid rounds, 0.1 ms per remote page fault. The caller
 * sets the VM and link fields. */
MigInput migInputDefaults(void);

/* The neutral calibration: setupS 0, linkEfficiency 1, scanMbps 0, extraMb 0. */
MigCalib migCalibDefaults(void);

/* Read a calibration file: "key value" lines (setup_s, link_efficiency,
 * scan_mibps, extra_mib), '#' comments; keys it lacks keep their defaults.
 * Returns 0, or -1 with an error naming the file and line. */
int migCalibLoad(const char *path, MigCalib *c);

/* Write c to path in the format migCalibLoad() reads, after a comment line
 * (may be NULL). Returns 0 or -1 with an error. */
int migCalibSave(const char *path, const MigCalib *c, const char *comment);

/* Mbit/s (10^6 bits) to MiB/s. */
double migBandwidthFromMbit(double mbit);

/* Check an input; -1 with a message naming the field otherwise. */
int migValidate(const MigInput *in);

/* Predict one migration in one mode. Returns 0, or -1 (ERR) on bad input. */
int migPredict(const MigInput *in, MigrationMode mode, MigPrediction *out);

/* Pre-copy when it converges within its limits, hybrid otherwise (post-copy
 * alone is never chosen: hybrid sends the cold pages first at no risk).
 * Returns MIGRATE_PRECOPY on bad input, with the error recorded. */
MigrationMode migChooseMode(const MigInput *in);

#endif
