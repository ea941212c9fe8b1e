/* powerop.c - the power-on/power-off state machine. */
#include "powerop.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

PowerOpConfig powerOpDefaults(void) {
    return (PowerOpConfig){.bmcTimeoutS = 60, .serviceTimeoutS = 600, .maxAttempts = 3};
}

const char *powerOpStateName(PowerOpState s) {
    static const char *const names[] = {"idle", "sent", "wait_service", "done", "failed"};
    return (unsigned)s < 5 ? names[s] : "unknown";
}

static PowerOpState fail(PowerOp *op, const char *why) {
    op->state = POWEROP_FAILED;
    snprintf(op->error, sizeof(op->error), "%s", why);
    return op->state;
}

static PowerOpState send(PowerOp *op, PowerActuator *a, double now, const PowerOpConfig *cfg) {
    op->attempts++;
    bool soft = !op->on && cfg->softOffFirst && op->attempts == 1;
    int rc = op->on ? actuatorOn(a) : actuatorOff(a, soft);
    op->sendFailed = rc != 0;
    if (rc != 0) {
        if (op->attempts >= cfg->maxAttempts) return fail(op, errLast());
        snprintf(op->error, sizeof(op->error), "%s", errLast());
    }
    op->state = POWEROP_SENT;
    op->deadline = now + cfg->bmcTimeoutS;
    return op->state;
}

PowerOpState powerOpStart(PowerOp *op, PowerActuator *a, bool on, double now,
                          const PowerOpConfig *cfg) {
    memset(op, 0, sizeof(*op));
    op->on = on;
    return send(op, a, now, cfg);
}

/* A wait ran out: send again, or give up after the last attempt. */
static PowerOpState retry(PowerOp *op, PowerActuator *a, double now, const PowerOpConfig *cfg,
                          const char *why) {
    if (op->attempts >= cfg->maxAttempts) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%s after %d attempt(s)", why, op->attempts);
        return fail(op, msg);
    }
    snprintf(op->error, sizeof(op->error), "%s; sending again", why);
    return send(op, a, now, cfg);
}

static PowerOpState stepSent(PowerOp *op, PowerActuator *a, double now, const PowerOpConfig *cfg) {
    if (op->sendFailed) {
        char why[200];
        snprintf(why, sizeof(why), "%s", op->error);
        return retry(op, a, now, cfg, why);
    }
    PowerStatus st = POWER_STATUS_UNKNOWN;
    if (actuatorStatus(a, &st) != 0) st = POWER_STATUS_UNKNOWN; /* a flaky read is not a verdict */
    PowerStatus want = op->on ? POWER_STATUS_ON : POWER_STATUS_OFF;
    if (st == want || st == POWER_STATUS_UNKNOWN) {
        if (!op->on) {
            op->state = POWEROP_DONE;
        } else {
            op->state = POWEROP_WAIT_SERVICE;
            op->deadline = now + cfg->serviceTimeoutS;
        }
        return op->state;
    }
    if (now >= op->deadline)
        return retry(op, a, now, cfg,
                     op->on ? "the BMC still reports the host off"
                            : "the BMC still reports the host on");
    return op->state;
}

PowerOpState powerOpStep(PowerOp *op, PowerActuator *a, double now, bool serviceUp,
                         const PowerOpConfig *cfg) {
    switch (op->state) {
    case POWEROP_SENT: return stepSent(op, a, now, cfg);
    case POWEROP_WAIT_SERVICE:
        if (serviceUp) {
            op->state = POWEROP_DONE;
            op->error[0] = '\0';
        } else if (now >= op->deadline) {
            return retry(op, a, now, cfg, "the host's service did not come up in time");
        }
        return op->state;
    default: return op->state;
    }
}
