/* drv_model.c - meter driver that estimates a host's draw from its measured
 * CPU utilization (/proc/stat between two reads) and the power model of its
 * server type: the fallback for hosts with no power sensor. Samples are
 * labelled source = estimated. The first utilization is taken over the time
 * since the instance was created.
 *
 * Keys: type (a server type of the catalogue, required), proc (directory
 * holding stat, default /proc). */
#include <stdlib.h>

#include "err.h"
#include "meter.h"
#include "procstat.h"
#include "servertype.h"
#include "util.h"

typedef struct Model {
    const ServerType *type;
    char *proc;
    ProcStat last;
} Model;

static void modelFree(void *st) {
    Model *m = st;
    if (!m) return;
    free(m->proc);
    free(m);
}

static void *modelCreate(MeterConf *c) {
    Model *m = xcalloc(1, sizeof(*m));
    const char *type = meterConfRequire(c, "type");
    const char *proc = meterConfGet(c, "proc");
    m->proc = xstrdup(proc && *proc ? proc : "/proc");
    if (!type) goto fail;
    m->type = serverTypeFind(type);
    if (!m->type) {
        errPrefix("%s:%d: meter '%s'", c->origin, meterConfLine(c, "type"), c->name);
        goto fail;
    }
    if (procStatRead(m->proc, &m->last) < 0) {
        errPrefix("%s:%d: meter '%s'", c->origin, c->line, c->name);
        goto fail;
    }
    return m;
fail:
    modelFree(m);
    return NULL;
}

static int modelRead(void *st, const MeterCtx *ctx) {
    Model *m = st;
    ProcStat now;
    double u;
    if (procStatRead(m->proc, &now) < 0) return -1;
    int rc = procStatUtil(&m->last, &now, &u);
    m->last = now;
    if (rc < 0) return -1;
    meterEmitWatts(ctx, NULL, powerAt(&m->type->power, u), METER_ESTIMATED);
    return 0;
}

const MeterDriver meterModel = {
    .name = "model",
    .summary = "estimated watts from /proc/stat CPU utilization and a server type's power model",
    .create = modelCreate,
    .read = modelRead,
    .free = modelFree,
};
