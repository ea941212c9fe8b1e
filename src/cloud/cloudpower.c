/* cloudpower.c - power actuators attached to a real cloud's hosts, and the
 * power-off and power-on rules the libvirt and OpenStack backends share
 * (see cloudpower.h). */
#include "cloudpower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

typedef struct HostPower {
    PowerActuator *act;
    PowerOp op;
    bool busy;            /* an operation is in progress */
    bool offByUs;         /* geyser powered it off: shown off until it powers it on */
    HostPowerState shown; /* the state geyser shows while it overrides */
    double since;         /* since when (monotonic s); 0: not overriding */
    char error[200];      /* why the last operation failed, or "" */
} HostPower;

typedef struct CloudPower {
    HostPower *hosts; /* by host index; grows as hosts get actuators */
    size_t n;
    PowerOpConfig cfg;
} CloudPower;

static HostPower *slot(const Cloud *c, int h) {
    return c->power && h >= 0 && (size_t)h < c->power->n ? &c->power->hosts[h] : NULL;
}

static const char *hostName(const Cloud *c, int h) {
    return h >= 0 && h < c->view.nhosts ? c->view.hosts[h].name : "?";
}

int cloudAttachPower(Cloud *c, int h, PowerActuator *a) {
    if (!a) return ERR("no actuator given for host %s", hostName(c, h));
    if (h < 0 || h >= c->view.nhosts) {
        ERR("cannot attach power actuator %s: no host with index %d", a->name, h);
        actuatorFree(a); /* after the message, which names it */
        return -1;
    }
    if (!c->drv->actuators) {
        actuatorFree(a);
        return ERR("the %s cloud simulates power itself: no actuator can be attached to host %s",
                   c->drv->name, c->view.hosts[h].name);
    }
    if (!c->power) {
        c->power = xcalloc(1, sizeof(*c->power));
        c->power->cfg = powerOpDefaults();
    }
    CloudPower *p = c->power;
    if ((size_t)h >= p->n) {
        p->hosts = xrealloc(p->hosts, (size_t)(h + 1) * sizeof(HostPower));
        memset(p->hosts + p->n, 0, ((size_t)h + 1 - p->n) * sizeof(HostPower));
        p->n = (size_t)h + 1;
    }
    HostPower *hp = &p->hosts[h];
    if (hp->busy) {
        actuatorFree(a);
        return ERR("host %s: a power operation is in progress; its actuator cannot change now",
                   c->view.hosts[h].name);
    }
    actuatorFree(hp->act);
    hp->act = a;
    return 0;
}

int cloudSetPowerConfig(Cloud *c, const PowerOpConfig *cfg) {
    if (cfg->bmcTimeoutS <= 0 || cfg->serviceTimeoutS <= 0 || cfg->maxAttempts < 1)
        return ERR("power timeouts must be > 0 and attempts >= 1 (got %g s, %g s, %d)",
                   cfg->bmcTimeoutS, cfg->serviceTimeoutS, cfg->maxAttempts);
    if (!c->power) c->power = xcalloc(1, sizeof(*c->power));
    c->power->cfg = *cfg;
    return 0;
}

bool cloudHasPower(const Cloud *c, int h) {
    const HostPower *hp = slot(c, h);
    return hp && hp->act;
}

PowerOpState cloudPowerState(const Cloud *c, int h) {
    const HostPower *hp = slot(c, h);
    return hp ? hp->op.state : POWEROP_IDLE;
}

const char *cloudPowerError(const Cloud *c, int h) {
    const HostPower *hp = slot(c, h);
    return hp && hp->error[0] ? hp->error : NULL;
}

/* The actuator of host h ready for a new operation, or NULL with an error. */
static HostPower *ready(Cloud *c, int h, const char *verb) {
    if (h < 0 || h >= c->view.nhosts) {
        ERR("no host with index %d", h);
        return NULL;
    }
    HostPower *hp = slot(c, h);
    if (!hp || !hp->act) {
        ERR("host %s has no power actuator: it cannot be powered %s", c->view.hosts[h].name, verb);
        return NULL;
    }
    if (hp->busy) {
        ERR("host %s: a power %s is already in progress", c->view.hosts[h].name,
            hp->op.on ? "on" : "off");
        return NULL;
    }
    return hp;
}

static void show(Cloud *c, int h, HostPower *hp, HostPowerState st, double now) {
    Host *host = &c->view.hosts[h];
    if (hp->since == 0 || hp->shown != st) {
        hp->since = now;
        hp->shown = st;
    }
    host->state = st;
    host->stateSince = c->view.now - (now - hp->since);
}

int cloudPowerOff(Cloud *c, int h, CloudCountFn count) {
    HostPower *hp = ready(c, h, "off");
    if (!hp) return -1;
    Host *host = &c->view.hosts[h];
    if (host->state != HOST_ON)
        return ERR("host %s is %s: only a host that is on can be powered off", host->name,
                   hostStateName(host->state));
    if (host->nvms > 0 || host->incoming > 0 || host->outgoing > 0)
        return ERR("refusing to power off host %s: it holds %d VM(s) and %d migration(s) in flight",
                   host->name, host->nvms, host->incoming + host->outgoing);
    /* The last line of defence: the view may be a tick old. */
    int n = 0;
    if (count(c, h, &n) != 0) {
        errPrefix("refusing to power off host %s: cannot re-read its instances", host->name);
        return -1;
    }
    if (n > 0)
        return ERR("refusing to power off host %s: the cloud reports %d instance(s) on it",
                   host->name, n);
    double now = nowMonotonic();
    hp->error[0] = '\0';
    if (powerOpStart(&hp->op, hp->act, false, now, &c->power->cfg) == POWEROP_FAILED) {
        snprintf(hp->error, sizeof(hp->error), "%s", hp->op.error);
        return ERR("powering off host %s: %s", host->name, hp->op.error);
    }
    hp->busy = true;
    show(c, h, hp, HOST_SHUTTING_DOWN, now);
    return 0;
}

int cloudPowerOn(Cloud *c, int h) {
    HostPower *hp = ready(c, h, "on");
    if (!hp) return -1;
    Host *host = &c->view.hosts[h];
    if (host->state != HOST_OFF)
        return ERR("host %s is %s: only a host that is off can be powered on", host->name,
                   hostStateName(host->state));
    double now = nowMonotonic();
    hp->error[0] = '\0';
    if (powerOpStart(&hp->op, hp->act, true, now, &c->power->cfg) == POWEROP_FAILED) {
        snprintf(hp->error, sizeof(hp->error), "%s", hp->op.error);
        host->failed = true;
        return ERR("powering on host %s: %s", host->name, hp->op.error);
    }
    hp->busy = true;
    show(c, h, hp, HOST_BOOTING, now);
    return 0;
}

/* One operation in progress: advance it and settle the host's flags. */
static void stepOne(Cloud *c, int h, HostPower *hp, CloudAliveFn alive, double now) {
    bool up = hp->op.state == POWEROP_WAIT_SERVICE && alive(c, h);
    PowerOpState st = powerOpStep(&hp->op, hp->act, now, up, &c->power->cfg);
    if (st != POWEROP_DONE && st != POWEROP_FAILED) return;
    hp->busy = false;
    if (st == POWEROP_DONE) {
        hp->offByUs = !hp->op.on;
        if (hp->op.on) c->view.hosts[h].failed = false; /* it passed the power-on test */
        return;
    }
    snprintf(hp->error, sizeof(hp->error), "%s", hp->op.error);
    if (hp->op.on) {
        /* Never came up: excluded until an operator clears it (DPM). */
        c->view.hosts[h].failed = true;
        hp->offByUs = true;
    } else {
        hp->offByUs = false; /* still on, as far as anyone knows: the backend says */
    }
}

void cloudPowerStep(Cloud *c, CloudAliveFn alive) {
    if (!c->power) return;
    double now = nowMonotonic();
    for (size_t i = 0; i < c->power->n && (int)i < c->view.nhosts; i++) {
        HostPower *hp = &c->power->hosts[i];
        int h = (int)i;
        if (!hp->act) continue;
        if (hp->busy) stepOne(c, h, hp, alive, now);
        if (hp->busy)
            show(c, h, hp, hp->op.on ? HOST_BOOTING : HOST_SHUTTING_DOWN, now);
        else if (hp->offByUs)
            show(c, h, hp, HOST_OFF, now);
        else
            hp->since = 0; /* the backend's own reading stands */
    }
}

void cloudPowerFree(Cloud *c) {
    if (!c->power) return;
    for (size_t i = 0; i < c->power->n; i++)
        actuatorFree(c->power->hosts[i].act);
    free(c->power->hosts);
    free(c->power);
    c->power = NULL;
}
