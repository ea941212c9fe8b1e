/* policy.c - the registry of consolidation policies, and the "none" policy
 * (no power management: the baseline every saving is measured against). */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

extern const PolicyDriver policyPaper;
extern const PolicyDriver policyBeloglazov;
extern const PolicyDriver policyGeyser;

static int noneConfigure(const char *args, CtlConfig *cfg, void **state) {
    if (args && *args) return ERR("policy 'none' takes no arguments (got '%s')", args);
    cfg->allowMigrate = false;
    cfg->allowPowerOff = false;
    *state = NULL;
    return 0;
}

static int nonePlan(void *state, const CloudView *v, const CtlConfig *cfg, Plan *out) {
    (void)state, (void)v, (void)cfg, (void)out;
    return 0;
}

static const PolicyDriver policyNone = {
    .name = "none",
    .synopsis = "none",
    .summary = "no power management: every host stays on, nothing moves",
    .configure = noneConfigure,
    .plan = nonePlan,
    .cloudsim = true,
};

const PolicyDriver *const policyRegistry[] = {&policyGeyser, &policyPaper, &policyBeloglazov,
                                              &policyNone, NULL};

CtlConfig ctlConfigDefaults(void) {
    return (CtlConfig){
        .low = 0.2,
        .high = 0.8,
        .headroom = 0.1,
        .maxParallelMigrations = 100,
        .minHostsOn = 1,
        .cooldownS = 600,
        .allowMigrate = true,
        .allowPowerOff = true,
        .allowPowerOn = true,
        .mode = MIGRATE_PRECOPY,
    };
}

int policyParseThresholds(const char *args, double *low, double *high) {
    const char *comma = args ? strchr(args, ',') : NULL;
    if (!comma)
        return ERR("expected LOW,HIGH thresholds such as 0.2,0.8, got '%s'", args ? args : "");
    char lowText[64];
    snprintf(lowText, sizeof(lowText), "%.*s", (int)(comma - args), args);
    double lo, hi;
    if (parseDouble(lowText, &lo) != 0 || parseDouble(comma + 1, &hi) != 0)
        return ERR("thresholds '%s' are not two numbers", args);
    if (lo < 0 || hi > 1 || lo >= hi)
        return ERR("thresholds '%s' must satisfy 0 <= LOW < HIGH <= 1", args);
    *low = lo;
    *high = hi;
    return 0;
}

Policy *policyCreate(const char *spec, CtlConfig *cfg) {
    const char *colon = strchr(spec, ':');
    size_t nameLen = colon ? (size_t)(colon - spec) : strlen(spec);
    for (int i = 0; policyRegistry[i]; i++) {
        const PolicyDriver *d = policyRegistry[i];
        bool named = strlen(d->name) == nameLen && strncmp(d->name, spec, nameLen) == 0;
        if (!named && !(d->matches && d->matches(spec, nameLen))) continue;
        if (cfg->cloudsim && !d->cloudsim) {
            ERR("policy '%s' has no CloudSim compatibility mode (the Beloglazov & Buyya family "
                "DET-SEL and none have)",
                spec);
            return NULL;
        }
        Policy *p = xcalloc(1, sizeof(*p));
        p->drv = d;
        snprintf(p->spec, sizeof(p->spec), "%s", spec);
        const char *args = d->matches ? spec : colon ? colon + 1 : NULL;
        if (d->configure(args, cfg, &p->state) != 0) {
            errPrefix("policy '%s'", spec);
            free(p);
            return NULL;
        }
        return p;
    }
    char known[256] = "";
    for (int i = 0; policyRegistry[i]; i++) {
        strncat(known, i ? ", " : "", sizeof(known) - strlen(known) - 1);
        strncat(known, policyRegistry[i]->name, sizeof(known) - strlen(known) - 1);
    }
    ERR("unknown policy '%.*s' (known: %s)", (int)nameLen, spec, known);
    return NULL;
}

void policyFree(Policy *p) {
    if (!p) return;
    if (p->drv->free) p->drv->free(p->state);
    free(p);
}

double policyCapacityStaying(const CloudView *v) {
    double c = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        if (!hostIsUp(host) || host->failed) continue;
        if (host->disabledByGeyser && host->state == HOST_ON) continue;
        c += host->capacity;
    }
    return c;
}

int policyMigrationBudget(const CloudView *v, const CtlConfig *cfg, int *hostsUp) {
    int inFlight = 0, up = 0;
    for (int h = 0; h < v->nhosts; h++) {
        inFlight += v->hosts[h].outgoing;
        up += hostIsUp(&v->hosts[h]) && !v->hosts[h].failed;
    }
    *hostsUp = up;
    if (!cfg->allowMigrate) return 0;
    int budget = cfg->maxParallelMigrations > 0 ? cfg->maxParallelMigrations - inFlight : v->nvms;
    return budget < 0 ? 0 : budget;
}

void policyPowerOffEmpty(const CloudView *v, const CtlConfig *cfg, int hostsUp, Plan *out) {
    for (int h = 0; h < v->nhosts && hostsUp - 1 >= cfg->minHostsOn; h++) {
        const Host *host = &v->hosts[h];
        if (host->state != HOST_ON || !host->disabledByGeyser || host->enabled) continue;
        if (host->nvms > 0 || host->incoming > 0 || host->outgoing > 0) continue;
        planAdd(out, ACT_POWER_OFF, h, -1, -1, "evacuated: holds no VM");
        hostsUp--;
    }
}
