/* migbench.h - one measured live migration between two local QEMU
 * processes (TCG, loopback TCP): start the source with the migbench guest
 * (kernel + initramfs running tools/appmembench), start the destination
 * listening, migrate with migexec, time the guest's heartbeats on both serial
 * consoles, and stop both processes by PID. Used by `geyser migbench`. */
#ifndef GEYSER_MIGBENCH_H
#define GEYSER_MIGBENCH_H

#include "migexec.h"

typedef struct BenchSpec {
    const char *qemu;    /* emulator, default qemu-system-x86_64 */
    const char *kernel;  /* guest kernel */
    const char *initrd;  /* guest initramfs (scripts/build-guest.sh) */
    const char *workDir; /* sockets and QEMU logs go here */
    double memMb;        /* guest memory */
    double wwsMb;        /* appmembench W */
    double mcrMbps;      /* appmembench R */
    double bootTimeoutS; /* for the guest to report ready (default 120) */
    double settleS;      /* heartbeats to watch after the end for a guest crash (default 2 s) */
    MigExecOptions exec; /* mode, bandwidth, downtime, time limit; uri is set here */
} BenchSpec;

typedef struct BenchMeasure {
    MigResult res;
    double usedMb;          /* guest MemTotal - MemFree once loaded, MiB */
    double guestDowntimeMs; /* longest heartbeat gap seen by the host */
    double achievedMcr;     /* appmembench's own dirty rate before the start */
    char guestCrash[160];   /* a kernel oops or panic seen on a console; empty when none */
} BenchMeasure;

/* Run one migration. Returns 0 when it was measured (m->res.outcome says
 * how it ended), -1 with an error when the harness could not run it. */
int benchRun(const BenchSpec *s, BenchMeasure *m);

/* Copy the last run's QEMU logs (stderr) and guest consoles from workDir to
 * PREFIX-src.log, PREFIX-dst.log, PREFIX-src.console, PREFIX-dst.console,
 * for a run that failed. Returns 0 or -1 with an error. */
int benchKeepLogs(const char *workDir, const char *prefix);

/* Remove the last run's logs and consoles from workDir. */
void benchCleanWork(const char *workDir);

#endif
