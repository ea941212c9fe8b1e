/* libvirtcloud.h - a cloud of plain libvirt hosts (no OpenStack): each host
 * is a libvirt connection URI; VMs are its running domains.
 *
 * Utilization comes from libvirt's own counters: a VM's CPU time grows by
 * vcpus x u_vm per second of wall time, so between two refreshes
 * u_vm = d(cpu.time) / (d(wall) x vcpus). Host capacity is its CPU count
 * (nodeinfo), VM size its vCPU count: host utilization is then exactly the
 * paper's formula. A host geyser cannot reach is reported off. Scheduling
 * ("disabled") is geyser's own marking: libvirt has no scheduler. */
#ifndef GEYSER_LIBVIRTCLOUD_H
#define GEYSER_LIBVIRTCLOUD_H

#include "cloud.h"

typedef struct LibvirtHostSpec {
    const char *name;            /* geyser's name for the host */
    const char *uri;             /* libvirt URI, e.g. qemu+tcp://10.0.0.1/system */
    const char *migrationUri;    /* where QEMU sends migration data, or NULL */
    const ServerType *type;      /* for its power model; may be NULL */
    unsigned long bandwidthMiBs; /* cap on migrations leaving it, MiB/s; 0 = none */
} LibvirtHostSpec;

/* Opens every connection (the specs' strings are copied); a host that does
 * not answer starts off (and is retried at each refresh). NULL with an
 * error if no host answers. */
Cloud *libvirtCloudOpen(const LibvirtHostSpec *hosts, int n);

/* How many migrations were switched to post-copy (post-copy and hybrid
 * modes), for tests and metrics. */
long libvirtCloudPostcopySwitches(const Cloud *c);

#endif
