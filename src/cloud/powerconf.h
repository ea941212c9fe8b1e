/* powerconf.h - which actuator powers which host of a real cloud, read from
 * an INI file, and the timeouts of the verified power operations.
 *
 *   [power]                      ; optional, powerop.h's defaults otherwise
 *   bmc_timeout = 60             ; s for the BMC to report the new state
 *   service_timeout = 600        ; s for the host's service to come up
 *   attempts = 3                 ; sends before the host is marked failed
 *   soft_off_first = yes         ; ACPI soft-off first, resends cut power
 *
 *   [host "compute1"]            ; a host as the cloud names it
 *   driver = ipmi                ; ipmi, wol or exec (docs/power.md)
 *   address = 10.0.0.11          ; the rest is the driver's own keys
 *   user = admin
 *   password = secret
 *
 * `geyser serve --power FILE` attaches one actuator per [host] section to
 * the cloud (cloudAttachPower); a host without one cannot be powered. */
#ifndef GEYSER_POWERCONF_H
#define GEYSER_POWERCONF_H

#include "actuator.h"
#include "cloud.h"
#include "powerop.h"

typedef struct PowerConfHost {
    char *host;   /* the host's name in the cloud */
    char *driver; /* actuator driver */
    int line;     /* of the section header */
    ActuatorKey *keys;
    size_t nkeys, capKeys;
} PowerConfHost;

typedef struct PowerConf {
    char *origin; /* the file's name, for messages */
    PowerOpConfig op;
    PowerConfHost *hosts;
    size_t nhosts, capHosts;
} PowerConf;

/* Parse text (origin names it in messages). -1 with "origin:line: ..." */
int powerConfParse(const char *text, const char *origin, PowerConf *out);
int powerConfLoad(const char *path, PowerConf *out);
void powerConfFree(PowerConf *pc);

/* Create every host's actuator and attach it to c, and set the operations'
 * timeouts. A host the cloud does not know is an error naming the line. */
int powerConfApply(const PowerConf *pc, Cloud *c);

#endif
