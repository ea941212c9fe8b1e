/* openstack.h - the OpenStack backend of the cloud interface: Nova compute
 * services and hypervisors are the hosts, servers of all projects the VMs. */
#ifndef GEYSER_OPENSTACK_H
#define GEYSER_OPENSTACK_H

#include "cloud.h"
#include "keystone.h"
#include "osconfig.h"

/* The prefix of the disabled_reason geyser writes; a service disabled with
 * any other reason was disabled by an operator and is left alone. */
#define OS_GEYSER_REASON_PREFIX "geyser: "

/* The compute microversion geyser speaks: >= 2.53 (UUID service ids, PUT
 * os-services/{id}), <= 2.87 (hypervisor statistics). */
#define OS_COMPUTE_MICROVERSION "2.79"

/* Per-VM CPU utilization in [0, 1]: Nova has none, so it comes from a
 * provider (libvirt agents, the store); without one util stays 0. */
typedef int (*OsUtilProvider)(void *arg, const char *serverId, const char *serverName,
                              double *util);

/* Connect, authenticate and read the first inventory. NULL with an error. */
Cloud *osCloudCreate(const OsConfig *cfg);
bool osIsOpenStack(const Cloud *c);
OsSession *osCloudSession(Cloud *c);
void osCloudSetUtilProvider(Cloud *c, OsUtilProvider fn, void *arg);

/* The Nova id of a VM (server UUID) or a host (compute service UUID). */
const char *osVmId(const Cloud *c, int vm);
const char *osHostServiceId(const Cloud *c, int host);

/* The newest migration record of a VM (os-migrations?instance_uuid=):
 * *status gets e.g. "completed", "error", "running" (caller frees), or NULL
 * when the server was never migrated. */
int osMigrationStatus(Cloud *c, int vm, char **status);

/* Force-complete or abort the live migration of a VM that is in progress. */
int osMigrationForceComplete(Cloud *c, int vm);
int osMigrationAbort(Cloud *c, int vm);

#endif
