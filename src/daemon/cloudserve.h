/* cloudserve.h - `geyser serve` against a real cloud (OpenStack, libvirt):
 * the controller on one event loop with a wall-clock control interval, and
 * a small HTTP status of the hosts, their power operations and the last
 * plan.
 *
 * The simulated daemon (daemon.h) replays a workload and accounts energy
 * from the simulator; a real cloud has neither, so this loop only reads the
 * cloud, plans and (in auto mode) acts, logging every action with its
 * outcome. Per-VM utilization comes from the backend's provider (for
 * OpenStack, a utilization file: utilfile.h). */
#ifndef GEYSER_CLOUDSERVE_H
#define GEYSER_CLOUDSERVE_H

#include <stdio.h>

#include "cloud.h"
#include "daemon.h"
#include "utilfile.h"

typedef struct CloudServeConfig {
    const char *listen; /* "127.0.0.1:8080" */
    const char *tlsCert, *tlsKey, *tokenFile;
    DaemonMode mode;
    double intervalS;   /* the control interval, wall seconds */
    double runForS;     /* stop after this long; 0 = until a signal */
    const char *policy; /* NULL: "paper" */
    CtlConfig ctl;
    FILE *log; /* one line per action and per host state change (stderr) */
} CloudServeConfig;

/* Serve until SIGINT/SIGTERM (or runForS). Takes ownership of cloud and of
 * util (may be NULL), which the cloud's provider reads. */
int cloudServeRun(const CloudServeConfig *cfg, Cloud *cloud, UtilFile *util);

#endif
