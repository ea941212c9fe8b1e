/* collector.c - meter samples, host and VM utilization into the store, in
 * batches, acknowledged only once committed (collector.h). */
#include "collector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/libvirtcloud.h"
#include "err.h"
#include "meter/procstat.h"
#include "util.h"

/* Beyond this many pending samples (the store has been failing for a
 * while), new samples are refused with an error instead of growing memory
 * without bound. */
#define COLLECTOR_PENDING_MAX 1000000

/* A series (host, meter) seen so far: its last time, so that a wall clock
 * stepped back is refused here, one sample, instead of failing a batch. */
typedef struct CollSeries {
    const char *host, *meter;
    double lastT;
} CollSeries;

struct Collector {
    CollectorConfig cfg;
    char *host, *serverType, *procRoot;
    Store *st;
    Cloud *lv;
    Meter **meters;
    int nMeters;
    CollectorAckFn ack;
    void *ackCtx;
    char **names; /* interned host and meter names */
    size_t nNames, capNames;
    CollSeries *series;
    size_t nSeries, capSeries;
    PowerSample *power; /* pending */
    size_t nPower, capPower;
    MeterInfo *meterInfo; /* meters first seen, not yet recorded */
    size_t nMeterInfo, capMeterInfo;
    char **described; /* "host\tinstance" of meters recorded or pending */
    size_t nDescribed, capDescribed;
    ProcStat lastStat;
    double lastUtil; /* monotonic time of the last utilization reading */
    char **prevVms;  /* VMs seen at the previous flush: their next reading is a delta */
    int nPrevVms;
    long committed;
};

static const char *collIntern(Collector *c, const char *s) {
    for (size_t i = 0; i < c->nNames; i++)
        if (strcmp(c->names[i], s) == 0) return c->names[i];
    growArray((void **)&c->names, sizeof(char *), &c->capNames, c->nNames + 1);
    return c->names[c->nNames++] = xstrdup(s);
}

static CollSeries *collSeries(Collector *c, const char *host, const char *meter) {
    for (size_t i = 0; i < c->nSeries; i++)
        if (c->series[i].host == host && c->series[i].meter == meter) return &c->series[i];
    growArray((void **)&c->series, sizeof(CollSeries), &c->capSeries, c->nSeries + 1);
    c->series[c->nSeries] = (CollSeries){host, meter, -1};
    return &c->series[c->nSeries++];
}

static const char *collDriverOf(const Collector *c, const char *instance) {
    for (int i = 0; i < c->nMeters; i++)
        if (strcmp(c->meters[i]->name, instance) == 0) return c->meters[i]->drv->name;
    return "unknown";
}

/* Queue the meter's description the first time its instance reports. */
static void collDescribe(Collector *c, const char *host, const char *meter, SampleSource src) {
    const char *slash = strchr(meter, '/');
    size_t len = slash ? (size_t)(slash - meter) : strlen(meter);
    char key[2 * STORE_NAME_MAX + 2], inst[STORE_NAME_MAX + 1];
    snprintf(inst, sizeof(inst), "%.*s", (int)len, meter);
    snprintf(key, sizeof(key), "%s\t%s", host, inst);
    for (size_t i = 0; i < c->nDescribed; i++)
        if (strcmp(c->described[i], key) == 0) return;
    growArray((void **)&c->described, sizeof(char *), &c->capDescribed, c->nDescribed + 1);
    c->described[c->nDescribed++] = xstrdup(key);
    growArray((void **)&c->meterInfo, sizeof(MeterInfo), &c->capMeterInfo, c->nMeterInfo + 1);
    c->meterInfo[c->nMeterInfo++] = (MeterInfo){
        .host = host, .meter = collIntern(c, inst), .driver = collDriverOf(c, inst), .source = src};
}

static void collFreeVms(Collector *c) {
    for (int i = 0; i < c->nPrevVms; i++)
        free(c->prevVms[i]);
    free(c->prevVms);
    c->prevVms = NULL;
    c->nPrevVms = 0;
}

/* Remember the VMs libvirt reports now. */
static void collNoteVms(Collector *c) {
    collFreeVms(c);
    const CloudView *v = &c->lv->view;
    c->prevVms = xcalloc((size_t)v->nvms + 1, sizeof(char *));
    for (int i = 0; i < v->nvms; i++)
        c->prevVms[c->nPrevVms++] = xstrdup(v->vms[i].name);
}

static bool collSeenVm(const Collector *c, const char *name) {
    for (int i = 0; i < c->nPrevVms; i++)
        if (strcmp(c->prevVms[i], name) == 0) return true;
    return false;
}

static int collOpenLibvirt(Collector *c) {
    LibvirtHostSpec spec = {.name = c->host, .uri = c->cfg.libvirtUri};
    c->lv = libvirtCloudOpen(&spec, 1);
    if (!c->lv) {
        errPrefix("libvirt %s", c->cfg.libvirtUri);
        return -1;
    }
    collNoteVms(c);
    return 0;
}

Collector *collectorOpen(const CollectorConfig *cfg, Meter **meters, int n, CollectorAckFn ack,
                         void *ackCtx) {
    if (!cfg->host || !*cfg->host || strlen(cfg->host) > STORE_NAME_MAX) {
        ERR("collector: host name '%s' must be 1 to %d bytes", cfg->host ? cfg->host : "",
            STORE_NAME_MAX);
        return NULL;
    }
    Collector *c = xcalloc(1, sizeof(*c));
    c->cfg = *cfg;
    c->host = xstrdup(cfg->host);
    c->serverType = cfg->serverType ? xstrdup(cfg->serverType) : NULL;
    c->procRoot = cfg->procRoot ? xstrdup(cfg->procRoot) : NULL;
    c->cfg.host = c->host;
    if (c->cfg.batch == 0) c->cfg.batch = 5000;
    c->meters = meters;
    c->nMeters = n;
    c->ack = ack;
    c->ackCtx = ackCtx;
    c->st = storeOpen(cfg->uri);
    if (!c->st) goto fail;
    HostInfo hi = {.host = c->host, .serverType = c->serverType};
    if (storeDescribeHosts(c->st, &hi, 1) < 0) goto fail;
    if (procStatRead(c->procRoot, &c->lastStat) < 0) goto fail;
    c->lastUtil = nowMonotonic();
    if (cfg->libvirtUri && collOpenLibvirt(c) < 0) goto fail;
    return c;
fail:
    collectorClose(c);
    return NULL;
}

int collectorAdd(Collector *c, const MeterSample *s) {
    if (strlen(s->host) > STORE_NAME_MAX || strlen(s->meter) > STORE_NAME_MAX)
        return ERR("sample of host %.20s..., meter %.30s...: a name is longer than %d bytes; "
                   "shorten the meter's instance or host name",
                   s->host, s->meter, STORE_NAME_MAX);
    /* The store keeps power; a driver that reads an energy counter also
     * emits the watts between two reads, which is what is stored. */
    if (s->isCounter) return 0;
    if (c->nPower >= COLLECTOR_PENDING_MAX)
        return ERR("%zu samples wait for the store, which keeps failing; sample of %s/%s at "
                   "%.3f dropped",
                   c->nPower, s->host, s->meter, s->time);
    const char *host = collIntern(c, s->host), *meter = collIntern(c, s->meter);
    SampleSource src = strcmp(s->source, METER_ESTIMATED) == 0 ? SAMPLE_ESTIMATED : SAMPLE_MEASURED;
    double w = s->watts;
    CollSeries *ser = collSeries(c, host, meter);
    if (s->time <= ser->lastT)
        return ERR("sample of %s/%s at %.3f is not after the previous one at %.3f (the clock "
                   "stepped back?); dropped",
                   host, meter, s->time, ser->lastT);
    ser->lastT = s->time;
    collDescribe(c, host, meter, src);
    growArray((void **)&c->power, sizeof(PowerSample), &c->capPower, c->nPower + 1);
    c->power[c->nPower++] =
        (PowerSample){.t = s->time, .host = host, .meter = meter, .watts = w, .source = src};
    return c->nPower >= c->cfg.batch ? collectorFlush(c) : 0;
}

/* This host's utilization since the last flush; 0 with n = 0 when too
 * little CPU time passed to tell. */
static int collHostUtil(Collector *c, double now, HostUtilSample *out, size_t *n) {
    ProcStat cur;
    *n = 0;
    if (procStatRead(c->procRoot, &cur) < 0) return -1;
    if (cur.total == c->lastStat.total) return 0;
    double u;
    int rc = procStatUtil(&c->lastStat, &cur, &u);
    c->lastStat = cur;
    if (rc < 0) return -1;
    *out = (HostUtilSample){.t = now, .host = c->host, .util = u};
    *n = 1;
    return 0;
}

/* Each VM libvirt reported at the previous flush too (its utilization is a
 * cpu.time delta over that interval). *out is allocated. */
static int collVmUtil(Collector *c, double now, VmUtilSample **out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (!c->lv) return 0;
    if (cloudRefresh(c->lv) < 0) return -1;
    const CloudView *v = &c->lv->view;
    *out = xcalloc((size_t)v->nvms + 1, sizeof(VmUtilSample));
    for (int i = 0; i < v->nvms; i++)
        if (collSeenVm(c, v->vms[i].name))
            (*out)[(*n)++] = (VmUtilSample){.t = now,
                                            .vm = v->vms[i].name,
                                            .host = c->host,
                                            .vcpus = v->vms[i].vcpus,
                                            .util = v->vms[i].util};
    collNoteVms(c);
    return 0;
}

int collectorFlush(Collector *c) {
    CollectorAck ack = {0};
    int rc = 0;
    if (c->nMeterInfo && storeDescribeMeters(c->st, c->meterInfo, c->nMeterInfo) == 0)
        c->nMeterInfo = 0;
    if (c->nPower) {
        if (storeWritePower(c->st, c->power, c->nPower) == 0) {
            ack.power = c->power;
            ack.nPower = c->nPower;
        } else {
            errPrefix("%zu power samples kept for the next try", c->nPower);
            rc = -1;
        }
    }
    double now = meterWallClock();
    HostUtilSample hu;
    size_t nHu = 0;
    /* Utilization is a rate: over a few milliseconds (flushes can follow
     * each other that closely) it is noise, so it is read at its own pace. */
    bool readUtil = nowMonotonic() - c->lastUtil >= c->cfg.utilEvery;
    if (readUtil) c->lastUtil = nowMonotonic();
    if (rc == 0 && readUtil && collHostUtil(c, now, &hu, &nHu) < 0) rc = -1;
    if (rc == 0 && nHu && storeWriteHostUtil(c->st, &hu, 1) == 0) {
        ack.hostUtil = &hu;
        ack.nHostUtil = 1;
    } else if (nHu) {
        rc = -1;
    }
    VmUtilSample *vu = NULL;
    size_t nVu = 0;
    if (rc == 0 && readUtil && collVmUtil(c, now, &vu, &nVu) < 0) rc = -1;
    if (rc == 0 && nVu && storeWriteVmUtil(c->st, vu, nVu) == 0) {
        ack.vmUtil = vu;
        ack.nVmUtil = nVu;
    } else if (nVu) {
        rc = -1;
    }
    if (ack.nPower + ack.nHostUtil + ack.nVmUtil && c->ack) c->ack(c->ackCtx, &ack);
    c->committed += (long)ack.nPower;
    if (ack.nPower) c->nPower = 0;
    free(vu);
    return rc;
}

size_t collectorPending(const Collector *c) {
    return c->nPower;
}

long collectorCommitted(const Collector *c) {
    return c->committed;
}

void collectorClose(Collector *c) {
    if (!c) return;
    storeClose(c->st);
    if (c->lv) cloudClose(c->lv);
    collFreeVms(c);
    for (size_t i = 0; i < c->nNames; i++)
        free(c->names[i]);
    free(c->names);
    for (size_t i = 0; i < c->nDescribed; i++)
        free(c->described[i]);
    free(c->described);
    free(c->series);
    free(c->power);
    free(c->meterInfo);
    free(c->host);
    free(c->serverType);
    free(c->procRoot);
    free(c);
}
