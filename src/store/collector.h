/* collector.h - the agent's path from meters to the store: what
 * `geyser collect --store` runs.
 *
 * The poller's sink hands each meter sample to collectorAdd, which copies
 * it into the pending batch (raw energy counters are left out: the store
 * keeps power, and the drivers that read counters also emit the watts
 * between two reads). collectorFlush then writes, each as one
 * transaction: the power batch, this host's CPU utilization from
 * /proc/stat since the last flush, and, with a libvirt URI, each running
 * VM's CPU utilization and vCPUs (cpu.time deltas, through the libvirt
 * cloud backend). Only after a write returned 0 are its samples passed to
 * the acknowledgement callback: a sample acknowledged is a sample committed
 * (store.h). A write that fails keeps its samples pending for the next
 * flush; nothing pending is acknowledged.
 *
 * Metadata goes in on the way: this host's server type (for `geyser fit
 * --store`) when the collector opens, and each meter instance (host,
 * instance, driver, measured or estimated) the first time it reports. */
#ifndef GEYSER_COLLECTOR_H
#define GEYSER_COLLECTOR_H

#include <stddef.h>

#include "meter/meter.h"
#include "store.h"

typedef struct CollectorConfig {
    const char *uri;        /* the store */
    const char *host;       /* this machine, for its utilization and VMs */
    const char *serverType; /* this machine's server type, or NULL */
    const char *procRoot;   /* where stat is read (NULL: /proc) */
    const char *libvirtUri; /* VMs from this libvirt URI, or NULL */
    size_t batch;           /* collectorAdd flushes at this many pending samples */
    double utilEvery;       /* seconds between utilization readings (0: every flush) */
} CollectorConfig;

/* What a flush committed. The arrays are valid for the call only. */
typedef struct CollectorAck {
    const PowerSample *power;
    size_t nPower;
    const HostUtilSample *hostUtil; /* 0 or 1 */
    size_t nHostUtil;
    const VmUtilSample *vmUtil;
    size_t nVmUtil;
} CollectorAck;

typedef void (*CollectorAckFn)(void *ctx, const CollectorAck *ack);

typedef struct Collector Collector;

/* Open the store and (with libvirtUri) libvirt, and record the host. The
 * meters are borrowed (for their drivers' names). NULL with an error. */
Collector *collectorOpen(const CollectorConfig *cfg, Meter **meters, int n, CollectorAckFn ack,
                         void *ackCtx);

/* Take one sample (strings are copied). Flushes when the batch is full;
 * returns that flush's result, else 0. */
int collectorAdd(Collector *c, const MeterSample *s);

/* Commit everything pending, then acknowledge it. -1 with an error when a
 * write failed (what it held stays pending). */
int collectorFlush(Collector *c);

/* Samples added and not yet committed. */
size_t collectorPending(const Collector *c);

/* Counters: samples committed, and failed flushes so far. */
long collectorCommitted(const Collector *c);

void collectorClose(Collector *c);

#endif
