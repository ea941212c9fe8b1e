/* poller.h - read many meters, each on its own interval, without one slow
 * meter holding up the others.
 *
 * Why a worker pool and not per-read timeouts alone: the reads are blocking
 * library calls (libfreeipmi, libcurl, read(2) on sysfs, a child's pipe)
 * that can each stall for their whole timeout. One scheduler (the caller's
 * thread) decides what is due and hands reads to a small pool of worker
 * threads (default 4), so a BMC that takes 5 s occupies one worker while the
 * others keep the fast hwmon and RAPL meters on time. Drivers bound their own
 * reads by the instance timeout (curl and IPMI timeouts, killing an exec
 * child); on top of that the scheduler declares a read that overruns
 * timeout + grace failed, so the meter is reported down even if a driver
 * ignores its timeout, and samples that arrive after that are counted as
 * rejected instead of delivered. A meter is never read twice at once.
 *
 * Failing meters are retried with exponential backoff (pollerBackoff) and
 * reported through MeterStatus: up/down, last error, consecutive failures.
 * Nothing is dropped silently: every emitted sample is either delivered to
 * the sink or counted in `rejected` with the reason in lastError. */
#ifndef GEYSER_POLLER_H
#define GEYSER_POLLER_H

#include "meter.h"

typedef struct MeterStatus {
    bool up;          /* the last read succeeded */
    long reads;       /* reads finished (or timed out) */
    long failures;    /* of which failed */
    long consecutive; /* failures since the last success */
    long samples;     /* samples delivered */
    long rejected;    /* samples not delivered: invalid value, or late */
    double nextDue;   /* monotonic seconds of the next read */
    char lastError[512];
} MeterStatus;

typedef struct Poller Poller;

/* The meters are borrowed and must outlive the poller. workers <= 0 means 4
 * (never more than there are meters). */
Poller *pollerCreate(Meter **meters, int n, int workers, MeterEmitFn emit, void *ctx);

/* Read every meter once and wait until each read finished or timed out.
 * Returns the number of meters down afterwards. */
int pollerRound(Poller *p);

/* Poll on schedule for `seconds` (or until pollerStop). */
void pollerRun(Poller *p, double seconds);

/* Make pollerRun return; safe from another thread (not from a signal
 * handler: it takes the lock). */
void pollerStop(Poller *p);

void pollerStatus(Poller *p, int i, MeterStatus *out);

/* Waits for reads in progress (which their timeouts bound), then frees. */
void pollerFree(Poller *p);

/* Delay before retrying a meter after `consecutive` failures:
 * interval x 2^consecutive, at most max(interval, 300 s). */
double pollerBackoff(double interval, long consecutive);

#endif
