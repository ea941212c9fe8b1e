/* plan_bench.c - figures for bench/plan.sh: the time the controller takes
 * to compute one plan (policy and safety bookkeeping, nothing executed) on
 * the simulated cloud, and how good the plan is: hosts left holding VMs
 * once its migrations land, and the number of migrations.
 *   plan_bench HOSTS [POLICY] [RUNS]
 * The cloud: HOSTS hosts (half HP ML110 G4, half G5, interleaved), 1.3 VMs
 * per host of the EC2-like types, spread as Nova places them, with the
 * synthetic scenario's utilization (a seeded random walk around 12 %:
 * mostly lightly loaded). No limit on parallel migrations, so that one
 * plan is the whole consolidation, as OpenStack Watcher's
 * vm_workload_consolidation computes it. Each run makes its plan with a
 * fresh controller on a fresh cloud; the best time is reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controller.h"
#include "err.h"
#include "scenario.h"
#include "simcloud.h"
#include "util.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what) {
    fprintf(stderr, "plan_bench: %s: %s\n", what, errLast());
    return 1;
}

/* Hosts that hold a VM once the plan's migrations have landed. */
static int hostsInUse(const CloudView *v, const Plan *p) {
    int *at = xmalloc(((size_t)v->nvms + 1) * sizeof(int));
    char *used = xcalloc((size_t)v->nhosts + 1, 1);
    for (int i = 0; i < v->nvms; i++)
        at[i] = v->vms[i].host;
    for (size_t k = 0; k < p->n; k++)
        if (p->actions[k].type == ACT_MIGRATE) at[p->actions[k].vm] = p->actions[k].target;
    int n = 0;
    for (int i = 0; i < v->nvms; i++)
        if (!used[at[i]]) used[at[i]] = 1, n++;
    free(at);
    free(used);
    return n;
}

int main(int argc, char **argv) {
    long hosts, runs = 5;
    if (argc < 2 || parseLong(argv[1], &hosts) != 0 || hosts < 2 || hosts > 1000000 ||
        (argc > 3 && (parseLong(argv[3], &runs) != 0 || runs < 1))) {
        fprintf(stderr, "usage: plan_bench HOSTS [POLICY] [RUNS]\n");
        return 2;
    }
    const char *policy = argc > 2 ? argv[2] : "geyser";
    char mixText[200];
    snprintf(mixText, sizeof(mixText),
             "%ld:HpProLiantMl110G4Xeon3040,%ld:HpProLiantMl110G5Xeon3075", hosts / 2,
             hosts - hosts / 2);
    HostMix mix;
    if (hostMixParse(mixText, &mix) != 0) return die("host mix");
    int nvms = (int)(hosts * 13 / 10);
    double best = 1e30;
    int inUse = 0, before = 0, migrations = 0;
    size_t actions = 0;
    for (long r = 0; r < runs; r++) {
        Scenario *sc = scenarioSynthetic(&mix, nvms, 1);
        if (!sc) return die("scenario");
        SimConfig simCfg = simConfigDefaults();
        Cloud *c = simCloudCreate(sc->hosts, sc->nhosts, sc->vms, sc->nvms, sc->wl, &simCfg);
        if (!c) return die("simulated cloud");
        CtlConfig cfg = ctlConfigDefaults();
        cfg.maxParallelMigrations = 0;
        Policy *p = policyCreate(policy, &cfg);
        if (!p) return die("policy");
        Controller *ctl = ctlCreate(p, &cfg);
        double t0 = now();
        if (ctlPlan(ctl, c) != 0) return die("plan");
        double dt = now() - t0;
        if (dt < best) best = dt;
        before = hostsInUse(&c->view, &(Plan){0});
        inUse = hostsInUse(&c->view, &ctl->plan);
        migrations = 0;
        for (size_t k = 0; k < ctl->plan.n; k++)
            migrations += ctl->plan.actions[k].type == ACT_MIGRATE;
        actions = ctl->plan.n;
        ctlFree(ctl);
        cloudClose(c);
        scenarioFree(sc);
    }
    printf("%ld %d %s %.6f %d %d %d %zu\n", hosts, nvms, policy, best, before, inUse, migrations,
           actions);
    return 0;
}
