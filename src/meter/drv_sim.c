/* drv_sim.c - meter driver that reads the hosts of a simulated cloud, so
 * that geyser with no configuration shows live data (the embedded default).
 * The cloud runs its scenario at `speed` simulated seconds per wall second,
 * with no controller acting, and each read reports every host's present draw
 * (Host.powerW of the cloud's view) as an estimated sample. The default is a
 * small synthetic cloud (four hosts, random-walk VM load), so that readings
 * move from the first one.
 *
 * Keys: scenario (synthetic, the default, or paper-3node), hosts (synthetic's
 * host mix, COUNT:TYPE,...; default 2 HP ML110 G4 + 2 G5), vms (synthetic's
 * VM count, default 6), speed (default 60). */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "meter.h"
#include "scenario.h"
#include "simcloud.h"
#include "util.h"

typedef struct Sim {
    Scenario *sc;
    Cloud *cloud;
    double started, speed, lastT;
} Sim;

static void simMeterFree(void *st) {
    Sim *s = st;
    if (!s) return;
    if (s->cloud) cloudClose(s->cloud);
    scenarioFree(s->sc);
    free(s);
}

static void *simMeterCreate(MeterConf *c) {
    Sim *s = xcalloc(1, sizeof(*s));
    const char *name = meterConfGet(c, "scenario");
    const char *hosts = meterConfGet(c, "hosts");
    double vms;
    HostMix mix;
    if (meterConfDouble(c, "speed", 60, 0, 1e6, &s->speed) < 0 ||
        meterConfDouble(c, "vms", 6, 1, 100000, &vms) < 0)
        goto fail;
    if (!name || strcmp(name, "synthetic") == 0) {
        if (hostMixParse(hosts ? hosts : "2:HpProLiantMl110G4Xeon3040,2:HpProLiantMl110G5Xeon3075",
                         &mix) < 0) {
            errPrefix("%s:%d: meter '%s': hosts", c->origin, meterConfLine(c, "hosts"), c->name);
            goto fail;
        }
        s->sc = scenarioSynthetic(&mix, (int)vms, 1);
    } else if (strcmp(name, "paper-3node") == 0) {
        s->sc = scenarioPaper3Node();
    } else {
        ERR("%s:%d: meter '%s': scenario must be synthetic or paper-3node, not '%s'", c->origin,
            meterConfLine(c, "scenario"), c->name, name);
        goto fail;
    }
    if (!s->sc) goto fail;
    SimConfig cfg = simConfigDefaults();
    s->cloud =
        simCloudCreate(s->sc->hosts, s->sc->nhosts, s->sc->vms, s->sc->nvms, s->sc->wl, &cfg);
    if (!s->cloud) goto fail;
    s->started = nowMonotonic();
    simSetTime(s->cloud, 0);
    return s;
fail:
    simMeterFree(s);
    return NULL;
}

static int simMeterRead(void *st, const MeterCtx *ctx) {
    Sim *s = st;
    double t = (nowMonotonic() - s->started) * s->speed;
    if (t > s->sc->durationS) t = s->sc->durationS;
    if (t > s->lastT) {
        simSetTime(s->cloud, t);
        simAdvance(s->cloud, t);
        s->lastT = t;
    }
    const CloudView *v = &s->cloud->view;
    for (int i = 0; i < v->nhosts; i++) {
        MeterSample smp = {.time = meterWallClock(),
                           .host = v->hosts[i].name,
                           .meter = ctx->instance,
                           .watts = v->hosts[i].powerW,
                           .source = METER_ESTIMATED};
        ctx->emit(ctx->emitCtx, &smp);
    }
    return 0;
}

const MeterDriver meterSim = {
    .name = "sim",
    .summary = "the hosts of a simulated cloud (the embedded default)",
    .create = simMeterCreate,
    .read = simMeterRead,
    .free = simMeterFree,
};
