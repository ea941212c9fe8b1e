/* cloudpower.h - power actuators attached to the hosts of a real cloud
 * backend (libvirt, OpenStack), and the rules every such backend follows
 * when it powers a host off or on.
 *
 * The backends share this file so the safety rules are written once:
 *   - a host with no actuator cannot be powered on or off (the error names
 *     it);
 *   - power-off is refused unless the backend, re-reading the cloud right
 *     before the command, counts zero instances on the host;
 *   - every operation runs as a powerop.h state machine that refresh()
 *     advances, so nothing blocks while a server shuts down or boots: the
 *     host shows HOST_SHUTTING_DOWN then HOST_OFF, or HOST_BOOTING then
 *     HOST_ON once the BMC and then the host's service (Nova's compute
 *     service, a libvirt connection) say so;
 *   - a power-on that never comes up marks the host failed (excluded from
 *     planning until an operator clears it), as VMware DPM does.
 * A host geyser powered off shows off until geyser powers it on: Nova keeps
 * reporting a dead compute service "up" for service_down_time. */
#ifndef GEYSER_CLOUDPOWER_H
#define GEYSER_CLOUDPOWER_H

#include "cloud.h"
#include "powerop.h"

/* Instances on host h, read afresh from the cloud (not from the view). */
typedef int (*CloudCountFn)(Cloud *c, int h, int *n);
/* Whether host h's service is up now (after this refresh's reading), with
 * evidence newer than the power-on command. */
typedef bool (*CloudAliveFn)(Cloud *c, int h);

/* For the backends' powerOff / powerOn. */
int cloudPowerOff(Cloud *c, int h, CloudCountFn count);
int cloudPowerOn(Cloud *c, int h);
/* For the backends' refresh(), after they have read the cloud: advance the
 * operations in progress and show their states in the view. */
void cloudPowerStep(Cloud *c, CloudAliveFn alive);
/* For cloudClose(). */
void cloudPowerFree(Cloud *c);

#endif
