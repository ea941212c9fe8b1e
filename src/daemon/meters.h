/* meters.h - the collector inside `geyser serve`: the meters of a `geyser
 * collect` configuration (meterconf.h), polled by the poller (poller.h) on
 * its own threads, their samples handed to the daemon's one thread.
 *
 * The poller's workers emit samples at any time; the daemon's state has one
 * owner, the event loop. So the sink only queues a copy under a mutex, and
 * the daemon drains the queue at each tick (daemonMetersDrain): the latest
 * power of each host then replaces the model's estimate (daemon.c), and,
 * with a store, the samples go through the same collector as `geyser
 * collect --store` writes them (collector.h).
 *
 * A meter covers the cloud host named by its `host =` key (by default its
 * instance name, as in geyser collect). */
#ifndef GEYSER_METERS_H
#define GEYSER_METERS_H

#include <stdbool.h>

#include "cloud.h"

typedef struct DaemonMeters DaemonMeters;

/* Read the configuration at path and build its meters; with storeUri their
 * samples are also stored. Every meter must cover a host of the view (a
 * name that matches none is an error naming the meter), so that a typo is
 * not a silent estimate. NULL with an error. */
DaemonMeters *daemonMetersOpen(const char *path, const char *storeUri, const CloudView *v);

/* Start polling (a thread of its own running the poller). */
int daemonMetersStart(DaemonMeters *m);

/* Take the samples queued since the last call: update each host's latest
 * power, and store them (failures are reported on stderr, sparingly, and
 * the samples stay pending in the collector for the next try). */
void daemonMetersDrain(DaemonMeters *m);

/* The latest measured (or meter-estimated) power of the host, if one of its
 * meters gave one recently enough (three of its intervals plus its
 * timeout); *meter and *source name where it comes from. */
bool daemonMetersPower(const DaemonMeters *m, const char *host, double *watts, const char **meter,
                       const char **source);

/* For Prometheus: the meters, each with its host and whether its last read
 * succeeded. i from 0 to daemonMetersCount() - 1. */
int daemonMetersCount(const DaemonMeters *m);
void daemonMetersInfo(DaemonMeters *m, int i, const char **name, const char **host, bool *up);

/* Stop the thread (waiting for reads in progress, which their timeouts
 * bound), flush what is pending, and free. */
void daemonMetersFree(DaemonMeters *m);

#endif
