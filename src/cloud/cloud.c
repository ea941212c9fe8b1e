/* cloud.c - helpers over the cloud data model shared by every backend. */
#include "cloud.h"

#include <stdlib.h>
#include <string.h>

#include "cloudpower.h"
#include "err.h"

double hostUtilFormula(const double *uVm, const double *cpuVm, int n, double cpuHost,
                       double *uncapped) {
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += uVm[i] * cpuVm[i];
    double u = cpuHost > 0 ? sum / cpuHost : 0;
    if (uncapped) *uncapped = u;
    return u > 1 ? 1 : u;
}

double hostDemandRatio(const Host *h) {
    return h->capacity > 0 ? h->demand / h->capacity : 0;
}

double hostUtil(const Host *h) {
    double u = hostDemandRatio(h);
    return u > 1 ? 1 : u;
}

bool hostIsUp(const Host *h) {
    return h->state == HOST_ON || h->state == HOST_BOOTING;
}

const char *hostStateName(HostPowerState s) {
    switch (s) {
    case HOST_ON: return "on";
    case HOST_OFF: return "off";
    case HOST_BOOTING: return "booting";
    case HOST_SHUTTING_DOWN: return "shutting_down";
    }
    return "unknown";
}

static const char *const modeNames[] = {"precopy", "postcopy", "hybrid"};

const char *migrationModeName(MigrationMode m) {
    return (unsigned)m < 3 ? modeNames[m] : "unknown";
}

int migrationModeParse(const char *s, MigrationMode *out) {
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, modeNames[i]) == 0) {
            *out = (MigrationMode)i;
            return 0;
        }
    }
    return ERR("unknown migration mode '%s' (expected precopy, postcopy or hybrid)", s);
}

void cloudViewRelease(CloudView *v) {
    for (int h = 0; h < v->nhosts; h++)
        free(v->hosts[h].name);
    for (int i = 0; i < v->nvms; i++) {
        free(v->vms[i].name);
        free(v->vms[i].project);
    }
    free(v->hosts);
    free(v->vms);
    v->hosts = NULL;
    v->vms = NULL;
    v->nhosts = v->nvms = 0;
}

int cloudHostIndex(const Cloud *c, const char *name) {
    for (int h = 0; h < c->view.nhosts; h++)
        if (strcmp(c->view.hosts[h].name, name) == 0) return h;
    return -1;
}

void cloudClose(Cloud *c) {
    if (!c) return;
    cloudPowerFree(c); /* before the backend frees c */
    if (c->drv && c->drv->close) c->drv->close(c);
}
