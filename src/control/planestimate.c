/* planestimate.c - a plan's expected saving and migration cost (see
 * planestimate.h). A host counts as saved once, whether the plan disables it
 * to empty it now or powers it off (the power-off of a host emptied in an
 * earlier plan); its saving is the idle draw of its server type less what it
 * draws when off. */
#include "planestimate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migcost.h"
#include "util.h"

/* Watts a host stops drawing when it goes from idle to off. */
static double hostOffSavingW(const Host *h) {
    if (!h->type) return 0;
    double idle = powerAt(&h->type->power, 0);
    return idle > h->type->offW ? idle - h->type->offW : 0;
}

static void estimateMigration(const CloudView *v, const Action *a, double linkMBps,
                              ActionEstimate *e) {
    const Vm *vm = &v->vms[a->vm];
    MigCost c;
    migCostPredict(vm, linkMBps, a->mode, 0.1, &c);
    e->mode = c.mode;
    e->timeS = c.timeS;
    e->downtimeMs = c.pred.downtimeMs;
    e->dataMb = c.pred.bytes / (1024.0 * 1024.0);
    e->converges = c.pred.converged || c.mode != MIGRATE_PRECOPY;
    e->energyJ = migrationCostJ(vm, &v->hosts[a->host], linkMBps, 0.1);
}

void planEstimate(const CloudView *v, const Plan *p, double linkMBps, PlanEstimate *out,
                  ActionEstimate *per) {
    memset(out, 0, sizeof(*out));
    /* A host both disabled and powered off in one plan is saved once. */
    uint8_t *counted = xcalloc((size_t)v->nhosts + 1, 1);
    for (size_t i = 0; i < p->n; i++) {
        const Action *a = &p->actions[i];
        ActionEstimate e;
        memset(&e, 0, sizeof(e));
        e.converges = true;
        bool validHost = a->host >= 0 && a->host < v->nhosts;
        if (a->type == ACT_MIGRATE && a->vm >= 0 && a->vm < v->nvms && validHost) {
            estimateMigration(v, a, linkMBps, &e);
            out->migrations++;
            out->migrationS += e.timeS;
            out->dataMb += e.dataMb;
            out->energyJ += e.energyJ;
            if (e.downtimeMs > out->maxDowntimeMs) out->maxDowntimeMs = e.downtimeMs;
        } else if ((a->type == ACT_DISABLE || a->type == ACT_POWER_OFF) && validHost) {
            e.savingW = hostOffSavingW(&v->hosts[a->host]);
            if (!counted[a->host]) {
                counted[a->host] = 1;
                out->savingW += e.savingW;
                out->hostsEmptied++;
            }
        } else if (a->type == ACT_POWER_ON && validHost) {
            e.savingW = -hostOffSavingW(&v->hosts[a->host]);
            out->savingW += e.savingW;
            out->hostsWoken++;
        }
        if (per) per[i] = e;
    }
    free(counted);
    if (out->migrations == 0)
        out->paybackS = 0;
    else
        out->paybackS = out->savingW > 0 ? out->energyJ / out->savingW : -1;
}
