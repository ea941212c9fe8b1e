/* daemon.c - the serve loop: one periodic tick advances the cloud and runs
 * the controller; HTTP handlers read the same state on the same thread. */
#include "daemon.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"
#include "simcloud.h"
#include "util.h"

int daemonParseMode(const char *s, DaemonMode *out) {
    if (strcmp(s, "observe") == 0)
        *out = MODE_OBSERVE;
    else if (strcmp(s, "auto") == 0)
        *out = MODE_AUTO;
    else if (strcmp(s, "manual") == 0)
        return ERR("mode 'manual' needs plan approval through the API, which this version does "
                   "not have yet; use observe or auto");
    else
        return ERR("unknown mode '%s' (expected observe or auto)", s);
    return 0;
}

const char *daemonModeName(DaemonMode m) {
    return m == MODE_AUTO ? "auto" : "observe";
}

int daemonTick(Daemon *d, double wallSeconds) {
    double target = d->simTime + wallSeconds * d->cfg.speed;
    while (d->nextControl <= target) {
        simAdvance(d->cloud, d->nextControl);
        simSetTime(d->cloud, d->nextControl);
        if (ctlTick(d->ctl, d->cloud, d->cfg.mode == MODE_AUTO) != 0) return -1;
        d->nextControl += d->intervalS;
    }
    simAdvance(d->cloud, target);
    d->simTime = target;
    d->ticks++;
    return 0;
}

static long onTick(Loop *l, void *arg) {
    (void)l;
    Daemon *d = arg;
    if (daemonTick(d, d->cfg.tickMs / 1000.0) != 0) {
        errPrefix("controller tick");
        return -1;
    }
    if (d->cfg.runForS > 0 && loopNowMs() - d->startedMs >= (long long)(d->cfg.runForS * 1000))
        return -1;
    return d->cfg.tickMs;
}

Daemon *daemonCreate(const DaemonConfig *cfg, Scenario *sc) {
    Daemon *d = xcalloc(1, sizeof(*d));
    d->cfg = *cfg;
    d->sc = sc;
    d->intervalS = sc->intervalS;
    SimConfig simCfg = simConfigDefaults();
    simCfg.replay = true;
    CtlConfig ctlCfg = cfg->ctl;
    d->loop = loopCreate();
    if (!d->loop) goto fail;
    Policy *policy = policyCreate(cfg->policy ? cfg->policy : sc->defaultPolicy, &ctlCfg);
    if (!policy) goto fail;
    d->ctl = ctlCreate(policy, &ctlCfg);
    d->cloud = simCloudCreate(sc->hosts, sc->nhosts, sc->vms, sc->nvms, sc->wl, &simCfg);
    if (!d->cloud) goto fail;
    d->http = httpStart(d->loop, cfg->listen);
    if (!d->http || apiRegister(d) != 0) goto fail;
    return d;
fail:
    daemonFree(d);
    return NULL;
}

int daemonRun(Daemon *d) {
    d->startedMs = loopNowMs();
    loopAddTimer(d->loop, 0, onTick, d);
    return loopRun(d->loop);
}

void daemonFree(Daemon *d) {
    if (!d) return;
    httpStop(d->http);
    loopFree(d->loop);
    ctlFree(d->ctl);
    cloudClose(d->cloud);
    scenarioFree(d->sc);
    free(d);
}
