/* migexec.h - run one live migration between two QEMU processes through
 * their QMP sockets: pre-copy, post-copy or hybrid, with a time limit after
 * which a pre-copy that has not finished is cancelled and the guest stays on
 * the source. The libvirt path will sit beside this one; both report a
 * MigResult. */
#ifndef GEYSER_MIGEXEC_H
#define GEYSER_MIGEXEC_H

#include <stdbool.h>

#include "cloud.h"
#include "qmp.h"

/* One query-migrate answer. Missing fields read 0. */
typedef struct MigProgress {
    char status[32]; /* setup, active, postcopy-active, completed, failed, cancelled ... */
    double elapsedS; /* since migExecute() started */
    long long transferred, remaining, total; /* RAM bytes */
    double dirtyPagesRate;                   /* pages/s */
    long long dirtySyncCount;                /* pre-copy rounds started, round 0 included */
    double expectedDowntimeMs, downtimeMs, totalTimeMs, setupTimeMs;
    double mbps; /* QEMU's measured throughput, Mbit/s */
} MigProgress;

typedef struct MigExecOptions {
    MigrationMode mode;
    const char *uri;         /* where the destination listens: "tcp:127.0.0.1:PORT" */
    double maxBandwidthMBps; /* QEMU max-bandwidth in MiB/s; 0 keeps QEMU's */
    double downtimeMs;       /* QEMU downtime-limit; 0 keeps QEMU's */
    int hybridRounds;        /* hybrid: switch after this many dirty-sync rounds */
    double timeLimitS;       /* cancel a pre-copy still running after this; 0 = none */
    double pollS;            /* query-migrate interval (default 0.05 s) */
    void (*onProgress)(void *arg, const MigProgress *p); /* may be NULL */
    void *progressArg;
} MigExecOptions;

typedef enum {
    MIG_COMPLETED = 0,
    MIG_CANCELLED,       /* time limit reached in pre-copy; the guest stays on the source */
    MIG_FAILED,          /* failed in pre-copy; the guest stays on the source */
    MIG_FAILED_POSTCOPY, /* failed after the switch: the guest's state is split, VM-loss risk */
} MigOutcome;

typedef struct MigResult {
    MigOutcome outcome;
    MigProgress last;     /* the final query-migrate */
    bool postcopyStarted; /* migrate-start-postcopy was sent and accepted */
    double switchS;       /* when post-copy started */
    bool sourceRunning;   /* query-status on the source after a cancel or failure */
    char detail[256];     /* QEMU's error-desc, when it gave one */
} MigResult;

const char *migOutcomeName(MigOutcome o);

/* Parse one query-migrate reply into p (elapsedS left alone). */
void migProgressParse(const json_t *reply, MigProgress *p);

/* Run a migration from src to dst (dst started with -incoming defer or
 * -incoming URI; dst may be NULL when post-copy is not used and the
 * destination is already listening). Returns 0 when the migration reached
 * an end (see r->outcome: cancelled and failed are ends), -1 with an error
 * when the executor itself could not drive QEMU (a QMP failure). */
int migExecute(Qmp *src, Qmp *dst, const MigExecOptions *o, MigResult *r);

#endif
