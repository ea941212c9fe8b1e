/* recorder.c - the daemon's hosts, VMs, attributed energy and events into
 * a store at each tick (recorder.h). */
#include "recorder.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "err.h"
#include "meter/meter.h"
#include "store.h"
#include "util.h"

struct Recorder {
    Store *st;
    double start;     /* wall-clock epoch of simulated time 0 */
    double *vmEnergy; /* per VM: attributed joules already recorded */
    int nvms;
    long ticks, failures;
};

static int recDescribe(Recorder *r, const CloudView *v, const char *meter) {
    HostInfo *hi = xcalloc((size_t)v->nhosts + 1, sizeof(HostInfo));
    MeterInfo *mi = xcalloc((size_t)v->nhosts + 1, sizeof(MeterInfo));
    for (int h = 0; h < v->nhosts; h++) {
        hi[h] = (HostInfo){v->hosts[h].name, v->hosts[h].type ? v->hosts[h].type->name : NULL};
        mi[h] = (MeterInfo){
            .host = v->hosts[h].name, .meter = meter, .driver = meter, .source = SAMPLE_ESTIMATED};
    }
    int rc = storeDescribeHosts(r->st, hi, (size_t)v->nhosts);
    if (rc == 0) rc = storeDescribeMeters(r->st, mi, (size_t)v->nhosts);
    free(hi);
    free(mi);
    return rc;
}

Recorder *recorderCreate(const char *uri, const Daemon *d) {
    Recorder *r = xcalloc(1, sizeof(*r));
    r->start = meterWallClock();
    r->st = storeOpen(uri);
    if (!r->st || recDescribe(r, &d->cloud->view, daemonMeterName(d)) < 0) {
        recorderFree(r);
        return NULL;
    }
    return r;
}

static int recHosts(Recorder *r, const Daemon *d, double t) {
    const CloudView *v = &d->cloud->view;
    const char *meter = daemonMeterName(d);
    size_t n = (size_t)v->nhosts, nu = 0, np = 0;
    PowerSample *p = xcalloc(n + 1, sizeof(PowerSample));
    HostUtilSample *u = xcalloc(n + 1, sizeof(HostUtilSample));
    for (size_t h = 0; h < n; h++) {
        const Host *host = &v->hosts[h];
        /* The model's estimates; a host whose power a meter gave is stored
         * from the meter's own samples (meters.c), under its own series. */
        if (strcmp(daemonHostMeter(d, (int)h), meter) == 0)
            p[np++] = (PowerSample){.t = t,
                                    .host = host->name,
                                    .meter = meter,
                                    .watts = host->powerW,
                                    .source = SAMPLE_ESTIMATED};
        /* Off or booting, a host's power says nothing of its CPU's. */
        if (host->state == HOST_ON)
            u[nu++] = (HostUtilSample){.t = t, .host = host->name, .util = hostUtil(host)};
    }
    int rc = storeWritePower(r->st, p, np);
    if (rc == 0) rc = storeWriteHostUtil(r->st, u, nu);
    free(p);
    free(u);
    return rc;
}

static int recVms(Recorder *r, const Daemon *d, double t) {
    const CloudView *v = &d->cloud->view;
    if (v->nvms > r->nvms) { /* a backend may discover VMs */
        r->vmEnergy = xrealloc(r->vmEnergy, (size_t)v->nvms * sizeof(double));
        memset(r->vmEnergy + r->nvms, 0, (size_t)(v->nvms - r->nvms) * sizeof(double));
        r->nvms = v->nvms;
    }
    size_t n = (size_t)v->nvms;
    VmUtilSample *u = xcalloc(n + 1, sizeof(VmUtilSample));
    VmEnergySample *e = xcalloc(n + 1, sizeof(VmEnergySample));
    for (size_t i = 0; i < n; i++) {
        const Vm *vm = &v->vms[i];
        const char *host = v->hosts[vm->host].name;
        double util = vm->util < 0 ? 0 : vm->util > 1 ? 1 : vm->util;
        u[i] = (VmUtilSample){.t = t,
                              .vm = vm->name,
                              .host = host,
                              .vcpus = vm->vcpus > 0 ? vm->vcpus : 1,
                              .util = util};
        double j = d->vmEnergyJ[i] - r->vmEnergy[i];
        e[i] = (VmEnergySample){
            .t = t, .vm = vm->name, .host = host, .project = vm->project, .joules = j > 0 ? j : 0};
    }
    int rc = storeWriteVmUtil(r->st, u, n);
    if (rc == 0) rc = storeWriteVmEnergy(r->st, e, n);
    if (rc == 0)
        for (size_t i = 0; i < n; i++)
            r->vmEnergy[i] = d->vmEnergyJ[i];
    free(u);
    free(e);
    return rc;
}

/* The history's events of (t0, t1], oldest first. */
static int recEvents(Recorder *r, const Daemon *d, double t0, double t1) {
    enum { MAX = 1024 };
    HistEvent *ev = xmalloc(MAX * sizeof(HistEvent));
    size_t got = histEvents(d->hist, t0, t1, -1, ev, MAX), n = 0;
    StoreEvent *se = xcalloc(got + 1, sizeof(StoreEvent));
    char **details = xcalloc(got + 1, sizeof(char *));
    const CloudView *v = &d->cloud->view;
    for (size_t k = got; k-- > 0;) {
        const HistEvent *e = &ev[k];
        if (e->t <= t0) continue; /* recorded with the previous tick */
        json_t *j = json_pack("{s:s}", "reason", e->reason);
        if (e->target >= 0 && e->target < v->nhosts)
            json_object_set_new(j, "target", json_string(v->hosts[e->target].name));
        details[n] = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        se[n] = (StoreEvent){.t = r->start + e->t,
                             .kind = histEventTypeName(e->type),
                             .host = e->host >= 0 && e->host < v->nhosts ? v->hosts[e->host].name
                                                                         : NULL,
                             .vm = e->vm >= 0 && e->vm < v->nvms ? v->vms[e->vm].name : NULL,
                             .detail = details[n]};
        n++;
    }
    int rc = storeWriteEvents(r->st, se, n);
    for (size_t i = 0; i < n; i++)
        free(details[i]);
    free(details);
    free(se);
    free(ev);
    return rc;
}

int recorderTick(Recorder *r, const Daemon *d, double t0, double t1) {
    double t = r->start + t1;
    int rc = recHosts(r, d, t);
    if (rc == 0) rc = recVms(r, d, t);
    if (rc == 0) rc = recEvents(r, d, t0, t1);
    if (rc == 0) {
        r->ticks++;
        return 0;
    }
    r->failures++;
    /* The daemon goes on without its record: say so, sparingly. */
    if ((r->failures & (r->failures - 1)) == 0)
        fprintf(stderr, "geyser serve: store: %s (%ld ticks not fully recorded so far)\n",
                errLast(), r->failures);
    return -1;
}

long recorderTicks(const Recorder *r) {
    return r->ticks;
}

long recorderFailures(const Recorder *r) {
    return r->failures;
}

Store *recorderStore(Recorder *r) {
    return r->st;
}

double recorderClock(const Recorder *r, double simTime) {
    return r->start + simTime;
}

void recorderFree(Recorder *r) {
    if (!r) return;
    storeClose(r->st);
    free(r->vmEnergy);
    free(r);
}
