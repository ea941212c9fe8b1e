/* controller.c - safety rules and execution of plans against a cloud.
 *
 * The policy proposes; this file disposes. Every check here is cumulative
 * over the plan: the projected demand and RAM of each host are updated as
 * actions are accepted, so two migrations that each fit alone cannot
 * together overload a host. */
#include "controller.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "migcost.h"
#include "util.h"

/* Headroom for float noise in threshold comparisons. */
#define UTIL_EPS 1e-9

Controller *ctlCreate(Policy *policy, const CtlConfig *cfg) {
    Controller *ctl = xcalloc(1, sizeof(*ctl));
    ctl->policy = policy;
    ctl->cfg = *cfg;
    ctl->capW = -1;
    ctl->nextPlanId = 1;
    ctl->applied = true;
    planInit(&ctl->plan);
    return ctl;
}

void ctlFree(Controller *ctl) {
    if (!ctl) return;
    policyFree(ctl->policy);
    planFree(&ctl->plan);
    free(ctl->demand);
    free(ctl->ram);
    free(ctl->leaving);
    free(ctl->flights);
    free(ctl->evacFailed);
    free(ctl->evacFailedAt);
    free(ctl->failDisabled);
    free(ctl);
}

/* Project each host's demand and RAM as if every migration in flight had
 * landed: the state the plan's checks must start from. */
static void projectHosts(Controller *ctl, const CloudView *v) {
    if (ctl->scratchHosts < v->nhosts) {
        ctl->demand = xrealloc(ctl->demand, (size_t)v->nhosts * sizeof(double));
        ctl->ram = xrealloc(ctl->ram, (size_t)v->nhosts * sizeof(double));
        ctl->leaving = xrealloc(ctl->leaving, (size_t)v->nhosts * sizeof(int));
        ctl->scratchHosts = v->nhosts;
    }
    for (int h = 0; h < v->nhosts; h++) {
        ctl->demand[h] = 0;
        ctl->ram[h] = 0;
    }
    for (int i = 0; i < v->nvms; i++) {
        const Vm *vm = &v->vms[i];
        if (vm->finished) continue;
        int at = vm->target >= 0 ? vm->target : vm->host;
        ctl->demand[at] += vm->util * vm->cpu;
        ctl->ram[at] += vm->ramMb;
        /* The source keeps the VM's memory until the migration lands. */
        if (vm->target >= 0) ctl->ram[vm->host] += vm->ramMb;
    }
}

/* Mark host h's evacuation failed (the first reason is kept). */
static void evacFail(Controller *ctl, int h, const char *why, double now) {
    if (h < 0) return;
    if (h >= ctl->nEvacFailed) {
        ctl->evacFailed = xrealloc(ctl->evacFailed, (size_t)(h + 1) * sizeof(*ctl->evacFailed));
        ctl->evacFailedAt = xrealloc(ctl->evacFailedAt, (size_t)(h + 1) * sizeof(double));
        for (int k = ctl->nEvacFailed; k <= h; k++) {
            ctl->evacFailed[k][0] = '\0';
            ctl->evacFailedAt[k] = -1;
        }
        ctl->nEvacFailed = h + 1;
    }
    if (!ctl->evacFailed[h][0]) snprintf(ctl->evacFailed[h], sizeof(ctl->evacFailed[h]), "%s", why);
    ctl->evacFailedAt[h] = now;
}

/* Whether host h's evacuation failed within the cooldown: evacuating it
 * again at once would repeat the failure (a VM that cannot move) and
 * disable and enable the host at every other interval. */
static bool evacHeld(const Controller *ctl, const CloudView *v, int h) {
    return h >= 0 && h < ctl->nEvacFailed && ctl->evacFailedAt[h] >= 0 &&
           v->now - ctl->evacFailedAt[h] < ctl->cfg.cooldownS;
}

/* The migrations started earlier that have ended: a VM that is no longer
 * in flight and is still on its source did not move. */
static void checkFlights(Controller *ctl, const CloudView *v) {
    size_t keep = 0;
    for (size_t i = 0; i < ctl->nflights; i++) {
        CtlFlight f = ctl->flights[i];
        if (f.vm >= v->nvms || f.from >= v->nhosts || f.to >= v->nhosts) continue;
        const Vm *vm = &v->vms[f.vm];
        if (vm->target >= 0) {
            ctl->flights[keep++] = f;
            continue;
        }
        if (vm->host != f.from || vm->ramMb <= 0) continue; /* moved, or deleted */
        char why[160];
        snprintf(why, sizeof(why), "%.40s stayed on %.20s (%.80s)", vm->name, v->hosts[f.from].name,
                 v->lastMigrationError[0] ? v->lastMigrationError : "its migration did not land");
        evacFail(ctl, f.from, why, v->now);
    }
    ctl->nflights = keep;
}

/* Enable again the hosts whose evacuation failed and that still hold VMs
 * (an empty one may go off as planned); the policy saw them disabled. */
static void planReenable(Controller *ctl, const CloudView *v) {
    for (int h = 0; h < ctl->nEvacFailed && h < v->nhosts; h++) {
        if (!ctl->evacFailed[h][0]) continue;
        const Host *host = &v->hosts[h];
        if (host->enabled || !host->disabledByGeyser || host->nvms == 0) {
            ctl->evacFailed[h][0] = '\0'; /* resolved, by us or by the cloud */
            continue;
        }
        bool planned = false;
        for (size_t i = 0; i < ctl->plan.n; i++)
            planned |= ctl->plan.actions[i].type == ACT_ENABLE && ctl->plan.actions[i].host == h;
        if (!planned)
            planAdd(&ctl->plan, ACT_ENABLE, h, -1, -1, "evacuation failed: %s", ctl->evacFailed[h]);
    }
}

/* A host that failed its power-on but is still enabled (the policy enabled
 * it with the power-on, as the wake asks) is disabled again, once. */
static void planDisableFailed(Controller *ctl, Cloud *cloud) {
    const CloudView *v = &cloud->view;
    if (v->nhosts > ctl->nFailDisabled) {
        ctl->failDisabled = xrealloc(ctl->failDisabled, (size_t)v->nhosts);
        memset(ctl->failDisabled + ctl->nFailDisabled, 0, (size_t)(v->nhosts - ctl->nFailDisabled));
        ctl->nFailDisabled = v->nhosts;
    }
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        if (!host->failed) {
            ctl->failDisabled[h] = 0;
            continue;
        }
        if (ctl->failDisabled[h] || !host->enabled || host->state != HOST_OFF) continue;
        const char *err = cloudPowerError(cloud, h);
        planAdd(&ctl->plan, ACT_DISABLE, h, -1, -1, "power-on failed, host excluded: %s",
                err ? err : "no reason given");
        ctl->failDisabled[h] = 1;
    }
}

static int migrationsInFlight(const CloudView *v) {
    int n = 0;
    for (int h = 0; h < v->nhosts; h++)
        n += v->hosts[h].outgoing;
    return n;
}

static int hostsUp(const CloudView *v) {
    int n = 0;
    for (int h = 0; h < v->nhosts; h++)
        n += hostIsUp(&v->hosts[h]);
    return n;
}

static void refuse(Controller *ctl, Action *a, const char *why) {
    a->outcome = OUTCOME_REFUSED;
    snprintf(a->detail, sizeof(a->detail), "%s", why);
    ctl->stats.refused++;
}

/* Returns NULL when the migration is safe, else the reason it is not. */
static const char *checkMigrate(const Controller *ctl, const CloudView *v, const Action *a,
                                int inFlight) {
    const CtlConfig *cfg = &ctl->cfg;
    if (!cfg->allowMigrate) return "migrations are not allowed now";
    if (a->vm < 0 || a->vm >= v->nvms) return "no such VM";
    if (a->target < 0 || a->target >= v->nhosts) return "no such target host";
    const Vm *vm = &v->vms[a->vm];
    const Host *t = &v->hosts[a->target];
    if (vm->finished) return "the VM has finished";
    const Host *src = &v->hosts[vm->host];
    if (!src->enabled && !src->disabledByGeyser) return "the VM's host was disabled by an operator";
    /* CloudSim may send a VM twice in one plan; its mode of the simulated
     * cloud takes the second as CloudSim does (simcloud.c, retarget). */
    if (vm->target >= 0 && !cfg->cloudsim) return "the VM is already migrating";
    if (vm->host == a->target) return "the VM is already on the target";
    if (t->state != HOST_ON) return "the target host is not on";
    if (!t->enabled || t->failed) return "the target host is disabled";
    if (cfg->maxParallelMigrations > 0 && inFlight >= cfg->maxParallelMigrations)
        return "too many migrations in flight";
    if ((ctl->demand[a->target] + vm->util * vm->cpu) > cfg->high * t->capacity * (1 + UTIL_EPS))
        return "it would push the target above the high threshold";
    /* CloudSim's running VMs ask for no RAM (policy.h, CtlConfig.cloudsim). */
    if (!cfg->cloudsim && ctl->ram[a->target] + vm->ramMb > t->ramMb)
        return "its RAM does not fit on the target";
    /* An evacuation: the plan moves every VM off the host. The scheduler
     * must not place new VMs there meanwhile, so the host is disabled
     * first (an earlier action of the plan may have done it). CloudSim
     * has no scheduler to keep off the host. */
    if (!cfg->cloudsim && src->enabled && ctl->leaving[vm->host] >= src->nvms)
        return "the plan empties its host, which is not disabled first";
    return NULL;
}

/* Whether the capacity that stays up once host `off` is down still keeps
 * the configured spare capacity over the projected demand. Hosts geyser is
 * draining and failed hosts do not count, as in the policies. */
static bool spareCapacityKept(const Controller *ctl, const CloudView *v, int off) {
    double have = 0, demand = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *x = &v->hosts[h];
        demand += ctl->demand[h];
        if (h == off || !hostIsUp(x) || x->failed) continue;
        if (!x->enabled) continue; /* draining, or an operator's */
        have += x->capacity;
    }
    return have * ctl->cfg.high >= (1 + ctl->cfg.headroom) * demand * (1 - UTIL_EPS);
}

static const char *checkPowerOff(const Controller *ctl, const CloudView *v, const Action *a) {
    const Host *h = &v->hosts[a->host];
    if (!ctl->cfg.allowPowerOff) return "powering off is not allowed now";
    if (h->state != HOST_ON) return "the host is not on";
    if (!h->disabledByGeyser) return "the host was not disabled by geyser";
    if (h->nvms > 0 || h->incoming > 0 || h->outgoing > 0) return "the host still holds VMs";
    if (hostsUp(v) - 1 < ctl->cfg.minHostsOn) return "it would leave fewer than min_hosts_on up";
    if (!spareCapacityKept(ctl, v, a->host))
        return "it would leave less than the configured spare capacity up";
    return NULL;
}

static const char *checkAction(const Controller *ctl, const CloudView *v, const Action *a,
                               int inFlight) {
    if (a->type != ACT_MIGRATE && (a->host < 0 || a->host >= v->nhosts)) return "no such host";
    const Host *h = a->type == ACT_MIGRATE ? NULL : &v->hosts[a->host];
    switch (a->type) {
    case ACT_MIGRATE: return checkMigrate(ctl, v, a, inFlight);
    case ACT_DISABLE:
        if (!h->enabled) return "the host is already disabled";
        return NULL;
    case ACT_ENABLE:
        if (h->enabled) return "the host is already enabled";
        if (!h->disabledByGeyser) return "the host was disabled by an operator";
        return NULL;
    case ACT_POWER_OFF: return checkPowerOff(ctl, v, a);
    case ACT_POWER_ON:
        if (!ctl->cfg.allowPowerOn) return "powering on is not allowed now";
        if (h->state != HOST_OFF) return "the host is not off";
        if (h->failed) return "the host failed a power-on before";
        if (!h->enabled && !h->disabledByGeyser) return "the host was disabled by an operator";
        return NULL;
    }
    return "unknown action";
}

static int executeAction(Cloud *cloud, const Action *a) {
    const CloudDriver *d = cloud->drv;
    switch (a->type) {
    case ACT_MIGRATE: return d->migrate(cloud, a->vm, a->target, a->mode);
    case ACT_DISABLE: return d->setEnabled(cloud, a->host, false, a->reason);
    case ACT_ENABLE: return d->setEnabled(cloud, a->host, true, a->reason);
    case ACT_POWER_OFF: return d->powerOff(cloud, a->host);
    case ACT_POWER_ON: return d->powerOn(cloud, a->host);
    }
    return ERR("unknown action type %d", (int)a->type);
}

/* Move a VM's projected demand from one host to another; its RAM is taken
 * on the target at once but freed on the source only when it lands. */
static void projectMove(Controller *ctl, const Vm *vm, int from, int to) {
    ctl->demand[from] -= vm->util * vm->cpu;
    ctl->demand[to] += vm->util * vm->cpu;
    ctl->ram[to] += vm->ramMb;
}

static double nowSeconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void audit(Controller *ctl, size_t i, double seconds) {
    if (ctl->audit) ctl->audit(ctl->auditArg, &ctl->plan, i, AUDIT_OUTCOME, seconds);
}

static void fail(Controller *ctl, Action *a, const char *why) {
    a->outcome = OUTCOME_FAILED;
    snprintf(a->detail, sizeof(a->detail), "%.95s", why);
    ctl->stats.failed++;
}

/* A failed migration off a host geyser is draining: that evacuation has
 * failed, so the host is enabled again (the policy may try later) rather
 * than left disabled, holding VMs, out of the scheduler's reach. */
static void reenableAfterFailure(Controller *ctl, Cloud *cloud, int host) {
    const Host *h = &cloud->view.hosts[host];
    if (h->enabled || !h->disabledByGeyser || h->state != HOST_ON) return;
    for (size_t i = 0; i < ctl->plan.n; i++) /* once per host */
        if (ctl->plan.actions[i].type == ACT_ENABLE && ctl->plan.actions[i].host == host &&
            ctl->plan.actions[i].outcome == OUTCOME_PLANNED)
            return;
    /* Executed by the loop that called us: it runs to ctl->plan.n. */
    planAdd(&ctl->plan, ACT_ENABLE, host, -1, -1, "evacuation failed: %s",
            host < ctl->nEvacFailed ? ctl->evacFailed[host] : "a migration off it failed");
}

static void executePlan(Controller *ctl, Cloud *cloud) {
    int inFlight = migrationsInFlight(&cloud->view);
    const CloudView *v = &cloud->view;
    for (int h = 0; h < v->nhosts; h++)
        ctl->leaving[h] = 0;
    for (size_t i = 0; i < ctl->plan.n; i++) {
        const Action *a = &ctl->plan.actions[i];
        if (a->type == ACT_MIGRATE && a->vm >= 0 && a->vm < v->nvms)
            ctl->leaving[v->vms[a->vm].host]++;
    }
    /* ctl->plan.n may grow: a failed evacuation appends its host's enable. */
    /* Hosts whose evacuation this plan may not start (evacHeld). */
    unsigned char *held = xcalloc((size_t)cloud->view.nhosts + 1, 1);
    for (size_t i = 0; i < ctl->plan.n; i++) {
        Action *a = &ctl->plan.actions[i];
        if (a->outcome == OUTCOME_REFUSED) { /* held by the power cap */
            ctl->stats.refused++;
            audit(ctl, i, 0);
            continue;
        }
        /* The configured mode, or hybrid where the migration model says
         * pre-copy would not converge for this VM (migcost.h). */
        if (a->type == ACT_MIGRATE)
            a->mode = a->vm >= 0 && a->vm < cloud->view.nvms
                          ? migCostChooseMode(&cloud->view.vms[a->vm], 0, ctl->cfg.mode)
                          : ctl->cfg.mode;
        /* Power-off is re-checked against a fresh view: the cloud may have
         * changed since the plan was made (a VM booted, an operator acted). */
        if (a->type == ACT_POWER_OFF && cloudRefresh(cloud) != 0) {
            fail(ctl, a, errLast());
            audit(ctl, i, 0);
            continue;
        }
        const char *why = checkAction(ctl, &cloud->view, a, inFlight);
        if (!why && a->type == ACT_DISABLE && evacHeld(ctl, &cloud->view, a->host)) {
            why = "its evacuation failed within the cooldown";
            held[a->host] = 1;
        }
        if (!why && a->type == ACT_MIGRATE && held[cloud->view.vms[a->vm].host])
            why = "its host's evacuation failed within the cooldown";
        if (why) {
            refuse(ctl, a, why);
            audit(ctl, i, 0);
            continue;
        }
        /* The intent is on record before the action runs, or the action
         * does not run: after a crash, what was maybe done must be known. */
        if (ctl->audit && ctl->audit(ctl->auditArg, &ctl->plan, i, AUDIT_INTENT, 0) != 0) {
            refuse(ctl, a, "the audit log could not record the intent");
            snprintf(a->detail, sizeof(a->detail), "audit log: %.80s", errLast());
            continue;
        }
        /* Remember the source: the backend updates the view. */
        int vmHost = a->type == ACT_MIGRATE ? cloud->view.vms[a->vm].host : -1;
        double t0 = nowSeconds();
        int rc = executeAction(cloud, a);
        double took = nowSeconds() - t0;
        a = &ctl->plan.actions[i];
        if (rc != 0) {
            fail(ctl, a, errLast());
            audit(ctl, i, took);
            if (a->type == ACT_MIGRATE) {
                char msg[160];
                snprintf(msg, sizeof(msg), "migrating %.30s failed: %.95s",
                         cloud->view.vms[a->vm].name, a->detail);
                evacFail(ctl, vmHost, msg, cloud->view.now);
                reenableAfterFailure(ctl, cloud, vmHost);
            }
            continue;
        }
        a->outcome = OUTCOME_DONE;
        audit(ctl, i, took);
        if (a->type == ACT_ENABLE && a->host < ctl->nEvacFailed) ctl->evacFailed[a->host][0] = '\0';
        if (a->type == ACT_MIGRATE) {
            growArray((void **)&ctl->flights, sizeof(*ctl->flights), &ctl->capFlights,
                      ctl->nflights + 1);
            ctl->flights[ctl->nflights++] = (CtlFlight){a->vm, vmHost, a->target};
            inFlight++;
            ctl->leaving[vmHost]--;
            projectMove(ctl, &cloud->view.vms[a->vm], vmHost, a->target);
            ctl->stats.migrations++;
        } else if (a->type == ACT_POWER_OFF) {
            ctl->stats.powerOffs++;
        } else if (a->type == ACT_POWER_ON) {
            ctl->stats.powerOns++;
        }
    }
    ctl->applied = true;
    free(held);
}

/* Under a cap, the policy and the safety rules both pack up to CAP_HIGH
 * and keep no headroom: a policy that saw an overload at its own
 * threshold, or wanted spare capacity, would undo the consolidation the
 * cap asks for. Returns the configuration to restore. */
static CtlConfig capConfig(Controller *ctl) {
    CtlConfig saved = ctl->cfg;
    if (ctl->capW >= 0) {
        if (ctl->cfg.high < CAP_HIGH) ctl->cfg.high = CAP_HIGH;
        ctl->cfg.headroom = 0;
    }
    return saved;
}

static int makePlan(Controller *ctl, Cloud *cloud) {
    if (cloudRefresh(cloud) != 0) return -1;
    ctl->stats.ticks++;
    planClear(&ctl->plan);
    ctl->plan.id = ctl->nextPlanId++;
    ctl->applied = false;
    projectHosts(ctl, &cloud->view);
    memset(&ctl->cap, 0, sizeof(ctl->cap));
    checkFlights(ctl, &cloud->view);
    const PolicyDriver *pd = ctl->policy->drv;
    int rc = pd->plan(ctl->policy->state, &cloud->view, &ctl->cfg, &ctl->plan);
    if (rc != 0) {
        errPrefix("policy %s", pd->name);
        return -1;
    }
    planReenable(ctl, &cloud->view);
    planDisableFailed(ctl, cloud);
    if (ctl->capW >= 0)
        capPlan(&cloud->view, &ctl->cfg, ctl->capW, ctl->demand, ctl->ram, &ctl->plan, &ctl->cap);
    return 0;
}

int ctlTick(Controller *ctl, Cloud *cloud, bool execute) {
    CtlConfig saved = capConfig(ctl);
    int rc = makePlan(ctl, cloud);
    if (rc == 0 && execute) executePlan(ctl, cloud);
    ctl->cfg.high = saved.high;
    ctl->cfg.headroom = saved.headroom;
    return rc;
}

int ctlPlan(Controller *ctl, Cloud *cloud) {
    return ctlTick(ctl, cloud, false);
}

int ctlApply(Controller *ctl, Cloud *cloud) {
    if (ctl->applied)
        return ERR("plan %ld was already applied or discarded, or replaced", ctl->plan.id);
    if (cloudRefresh(cloud) != 0) {
        errPrefix("plan %ld", ctl->plan.id);
        return -1;
    }
    CtlConfig saved = capConfig(ctl);
    projectHosts(ctl, &cloud->view);
    executePlan(ctl, cloud);
    ctl->cfg.high = saved.high;
    ctl->cfg.headroom = saved.headroom;
    return 0;
}

void ctlDiscard(Controller *ctl) {
    for (size_t i = 0; i < ctl->plan.n; i++)
        if (ctl->plan.actions[i].outcome == OUTCOME_PLANNED)
            ctl->plan.actions[i].outcome = OUTCOME_DISCARDED;
    ctl->applied = true;
}
