/* powerop.h - one power operation on one host, as an explicit state
 * machine that the daemon's tick drives, so that nothing blocks waiting for
 * a server to boot.
 *
 *   power on:  SENT --BMC says on (or cannot tell)--> WAIT_SERVICE
 *              WAIT_SERVICE --the cloud reports the host's service up--> DONE
 *              any wait past its timeout --> resend (SENT), up to maxAttempts,
 *              then FAILED: the caller marks the host failed and excludes it,
 *              as VMware DPM does after a failed power-on test.
 *   power off: SENT --BMC says off (or cannot tell, once the command
 *              succeeded)--> DONE; still on past the timeout --> resend, then
 *              FAILED.
 * States never go backwards except by an explicit resend. */
#ifndef GEYSER_POWEROP_H
#define GEYSER_POWEROP_H

#include <stdbool.h>

#include "actuator.h"

typedef enum {
    POWEROP_IDLE = 0,
    POWEROP_SENT,
    POWEROP_WAIT_SERVICE,
    POWEROP_DONE,
    POWEROP_FAILED,
} PowerOpState;

typedef struct PowerOpConfig {
    double bmcTimeoutS;     /* for the BMC to report the new state (default 60) */
    double serviceTimeoutS; /* for the host's service to come up (default 600) */
    int maxAttempts;        /* sends before giving up (default 3) */
    bool softOffFirst;      /* first power-off asks the OS (ACPI soft-off); resends cut power */
} PowerOpConfig;

typedef struct PowerOp {
    PowerOpState state;
    bool on; /* direction */
    int attempts;
    bool sendFailed; /* the last send itself failed: resend at the next step */
    double deadline; /* of the present wait */
    char error[200]; /* why it failed, or the last resend's reason */
} PowerOp;

PowerOpConfig powerOpDefaults(void);

/* Send the request. Returns the new state (FAILED if the send failed). */
PowerOpState powerOpStart(PowerOp *op, PowerActuator *a, bool on, double now,
                          const PowerOpConfig *cfg);

/* Advance: read the BMC where needed; serviceUp is the cloud's view of the
 * host's service (ignored when powering off). */
PowerOpState powerOpStep(PowerOp *op, PowerActuator *a, double now, bool serviceUp,
                         const PowerOpConfig *cfg);

const char *powerOpStateName(PowerOpState s);

#endif
