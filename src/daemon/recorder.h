/* recorder.h - `geyser serve --store`: what the daemon sees at each tick,
 * written to a store (src/store/store.h).
 *
 * At each tick: every host's power (meter "sim", estimated: it comes from
 * the simulated hosts' power models; on a real cloud meter "model", the
 * server type's model at the measured utilization, and nothing for a host
 * whose power a meter of --meters gave: meters.c stores the meter's own
 * samples) and, while it is on, its CPU
 * utilization; every VM's utilization and vCPUs, and the energy attributed
 * to it over the tick with its project; and the events of the tick
 * (migrations, power changes, refusals, overloads). Each table is one
 * transaction per tick. Hosts are described once with their server types,
 * so `geyser fit --store URI --estimated` can fit the simulated types.
 *
 * Times are the simulated clock anchored at the wall-clock start of the
 * daemon: t = start + simulated seconds, so that energy integrated from
 * the stored power matches the simulated energy (at --speed 300 the stored
 * times run 300 times faster than the wall clock). On a real cloud the
 * daemon's clock is wall seconds since start: stored times are epoch. */
#ifndef GEYSER_RECORDER_H
#define GEYSER_RECORDER_H

typedef struct Daemon Daemon;
typedef struct Recorder Recorder;

/* Open the store and describe the daemon's hosts. NULL with an error. */
Recorder *recorderCreate(const char *uri, const Daemon *d);

/* Record the tick that took simulated time from t0 to t1. A failed write
 * is counted, reported on stderr (at the 1st, 2nd, 4th, 8th... failure, so
 * a store that stays down does not flood the log) and does not stop the
 * daemon; -1 when one failed. */
int recorderTick(Recorder *r, const Daemon *d, double t0, double t1);

/* Ticks whose writes all committed, and ticks with a failed write. */
long recorderTicks(const Recorder *r);
long recorderFailures(const Recorder *r);

/* The store it writes to (borrowed), for the audit log (audit.h). */
struct Store *recorderStore(Recorder *r);
/* Its clock: the wall-clock start plus simulated seconds. */
double recorderClock(const Recorder *r, double simTime);

void recorderFree(Recorder *r);

#endif
