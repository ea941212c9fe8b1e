/* test_controller.c - the controller's invariants, under randomized
 * workloads and against a policy that proposes unsafe actions:
 *   - no host is powered off while it holds a VM or a migration;
 *   - no VM is placed where it pushes a host above the high threshold;
 *   - a host disabled by an operator is never touched;
 *   - fewer than min_hosts_on hosts are never up;
 *   - every VM always runs on a host that is on;
 *   - energy is never below the lower bound.
 * A checking backend wraps the simulated cloud and verifies each call
 * before letting it through, so a violation is caught where it happens. */
#include "controller.h"
#include "err.h"
#include "simcloud.h"
#include "simfixture.h"
#include "simulate.h"
#include "testing.h"
#include "util.h"

static ServerType T;
static double checkHigh;
static int operatorHost = -1;
static const CloudDriver *inner;
static long violations;
static long totalMigrations, totalShutdowns, totalBoots;

static void violation(const char *what) {
    violations++;
    if (violations < 5) fprintf(stderr, "invariant violated: %s\n", what);
}

static double projectedDemand(const CloudView *v, int h) {
    double d = 0;
    for (int i = 0; i < v->nvms; i++) {
        int at = v->vms[i].target >= 0 ? v->vms[i].target : v->vms[i].host;
        if (at == h) d += v->vms[i].util * v->vms[i].cpu;
    }
    return d;
}

static int checkedMigrate(Cloud *c, int vm, int target, MigrationMode m) {
    const Vm *x = &c->view.vms[vm];
    const Host *t = &c->view.hosts[target];
    if (projectedDemand(&c->view, target) + x->util * x->cpu > checkHigh * t->capacity * (1 + 1e-9))
        violation("a VM placed above the high threshold");
    if (target == operatorHost || x->host == operatorHost) violation("operator host touched");
    return inner->migrate(c, vm, target, m);
}

static int checkedPowerOff(Cloud *c, int h) {
    const Host *x = &c->view.hosts[h];
    if (x->nvms || x->incoming || x->outgoing) violation("power off of a host with VMs");
    if (h == operatorHost) violation("operator host powered off");
    return inner->powerOff(c, h);
}

static int checkedPowerOn(Cloud *c, int h) {
    if (h == operatorHost) violation("operator host powered on");
    return inner->powerOn(c, h);
}

static int checkedSetEnabled(Cloud *c, int h, bool enabled, const char *why) {
    if (h == operatorHost) violation("operator host enabled or disabled");
    return inner->setEnabled(c, h, enabled, why);
}

static CloudDriver checking;

static void wrap(Cloud *c) {
    inner = c->drv;
    checking = *inner;
    checking.migrate = checkedMigrate;
    checking.powerOff = checkedPowerOff;
    checking.powerOn = checkedPowerOn;
    checking.setEnabled = checkedSetEnabled;
    c->drv = &checking;
}

static void unwrap(Cloud *c) {
    c->drv = inner;
}

static unsigned long long rng = 88172645463325252ULL;
static double uniform(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void checkState(const CloudView *v, int minOn) {
    int up = 0;
    for (int h = 0; h < v->nhosts; h++)
        up += hostIsUp(&v->hosts[h]);
    if (up < minOn) violation("fewer hosts up than min_hosts_on");
    for (int i = 0; i < v->nvms; i++)
        if (v->hosts[v->vms[i].host].state != HOST_ON) violation("a VM on a host that is not on");
}

static void runRandomCloud(int trial) {
    int nhosts = 4 + (int)(uniform() * 30), nvms = nhosts + (int)(uniform() * nhosts);
    Workload *wl =
        workloadRandomWalk(nvms, 96, 300, 0.1 + 0.3 * uniform(), 0.15, (uint64_t)trial + 1);
    SimHostSpec *hs = xcalloc((size_t)nhosts, sizeof(SimHostSpec));
    SimVmSpec *vs = xcalloc((size_t)nvms, sizeof(SimVmSpec));
    char names[64][16];
    for (int h = 0; h < nhosts; h++) {
        snprintf(names[h], sizeof(names[h]), "h%d", h);
        hs[h] = (SimHostSpec){names[h], &T};
    }
    for (int i = 0; i < nvms; i++)
        vs[i] = (SimVmSpec){.name = "vm",
                            .vcpus = 1,
                            .cpu = 100 + 500 * uniform(),
                            .ramMb = 200 + 1500 * uniform(),
                            .series = i,
                            .host = i % nhosts};
    Cloud *c = simCloudCreate(hs, nhosts, vs, nvms, wl, NULL);
    CHECK(c != NULL);
    if (!c) return;
    CtlConfig cfg = ctlConfigDefaults();
    cfg.low = 0.1 + 0.3 * uniform();
    cfg.high = cfg.low + 0.2 + (0.95 - cfg.low - 0.2) * uniform();
    cfg.maxParallelMigrations = (int)(uniform() * 8);
    cfg.minHostsOn = 1 + (int)(uniform() * 3);
    cfg.cooldownS = uniform() < 0.5 ? 0 : 900;
    cfg.headroom = uniform() * 0.3;
    checkHigh = cfg.high;
    operatorHost = trial % 3 == 0 ? (int)(uniform() * nhosts) : -1;
    if (operatorHost >= 0) simOperatorDisable(c, operatorHost);
    char spec[64];
    snprintf(spec, sizeof(spec), "paper:%g,%g", cfg.low, cfg.high);
    Policy *p = policyCreate(spec, &cfg);
    CHECK(p != NULL);
    Controller *ctl = ctlCreate(p, &cfg);
    wrap(c);
    double lower = 0;
    Scenario sc = {.hosts = hs, .nhosts = nhosts};
    for (int k = 0; k < 96; k++) {
        simSetTime(c, k * 300.0);
        double demand = 0, ram = 0;
        for (int i = 0; i < nvms; i++) {
            demand += c->view.vms[i].util * c->view.vms[i].cpu;
            ram += c->view.vms[i].ramMb;
        }
        lower += lowerBoundPower(&sc, demand, ram) * 300;
        CHECK(ctlTick(ctl, c, true) == 0);
        simAdvance(c, (k + 1) * 300.0);
        checkState(&c->view, cfg.minHostsOn);
    }
    CHECK(simTotals(c)->energyJ >= lower * (1 - 1e-9));
    totalMigrations += simTotals(c)->migrationsStarted;
    totalShutdowns += simTotals(c)->shutdowns;
    totalBoots += simTotals(c)->boots;
    unwrap(c);
    ctlFree(ctl);
    cloudClose(c);
    free(hs);
    free(vs);
    workloadFree(wl);
}

static void testRandomizedInvariants(void) {
    violations = 0;
    for (int trial = 0; trial < 200; trial++)
        runRandomCloud(trial);
    CHECK(violations == 0);
    /* The invariants held while the controller really acted. */
    fprintf(stderr, "randomized: %ld migrations, %ld shutdowns, %ld boots\n", totalMigrations,
            totalShutdowns, totalBoots);
    CHECK(totalMigrations > 1000 && totalShutdowns > 100 && totalBoots > 10);
}

/* A policy that proposes everything the safety rules must stop. */
static int evilPlan(void *state, const CloudView *v, const CtlConfig *cfg, Plan *out) {
    (void)state, (void)cfg;
    planAdd(out, ACT_POWER_OFF, 0, -1, -1, "host 0 holds a VM");
    planAdd(out, ACT_MIGRATE, 0, 0, 1, "would overload host 1");
    planAdd(out, ACT_ENABLE, 2, -1, -1, "operator disabled it");
    planAdd(out, ACT_POWER_OFF, 3, -1, -1, "not disabled by geyser");
    planAdd(out, ACT_MIGRATE, 0, 0, 0, "to its own host");
    planAdd(out, ACT_MIGRATE, 0, 99, 1, "no such VM");
    planAdd(out, ACT_POWER_ON, 1, -1, -1, "already on");
    (void)v;
    return 0;
}

static const PolicyDriver evilDriver = {.name = "evil", .plan = evilPlan};

static void testUnsafePlanIsRefused(void) {
    Workload *wl = workloadConstant(2, 4, 60, 0.7);
    SimHostSpec hs[4] = {{"h0", &T}, {"h1", &T}, {"h2", &T}, {"h3", &T}};
    SimVmSpec vs[2] = {
        {.name = "a", .vcpus = 1, .cpu = 1000, .ramMb = 100, .series = 0, .host = 0},
        {.name = "b", .vcpus = 1, .cpu = 1000, .ramMb = 100, .series = 1, .host = 1}};
    Cloud *c = simCloudCreate(hs, 4, vs, 2, wl, NULL);
    simOperatorDisable(c, 2);
    Policy *p = xcalloc(1, sizeof(Policy));
    p->drv = &evilDriver;
    CtlConfig cfg = ctlConfigDefaults();
    Controller *ctl = ctlCreate(p, &cfg);
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->plan.n == 7);
    for (size_t i = 0; i < ctl->plan.n; i++) {
        CHECK(ctl->plan.actions[i].outcome == OUTCOME_REFUSED);
        CHECK(ctl->plan.actions[i].detail[0] != '\0');
    }
    CHECK_STR_CONTAINS(ctl->plan.actions[0].detail, "not disabled by geyser");
    CHECK_STR_CONTAINS(ctl->plan.actions[1].detail, "above the high threshold");
    CHECK_STR_CONTAINS(ctl->plan.actions[2].detail, "operator");
    CHECK(ctl->stats.refused == 7);
    CHECK(c->view.hosts[0].state == HOST_ON && c->view.vms[0].host == 0 &&
          c->view.vms[0].target < 0);
    CHECK(!c->view.hosts[2].enabled);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

static void testObserveModeDoesNothing(void) {
    Workload *wl = workloadConstant(2, 4, 60, 0.05);
    SimHostSpec hs[2] = {{"h0", &T}, {"h1", &T}};
    SimVmSpec vs[2] = {
        {.name = "a", .vcpus = 1, .cpu = 1000, .ramMb = 100, .series = 0, .host = 0},
        {.name = "b", .vcpus = 1, .cpu = 1000, .ramMb = 100, .series = 1, .host = 1}};
    Cloud *c = simCloudCreate(hs, 2, vs, 2, wl, NULL);
    CtlConfig cfg = ctlConfigDefaults();
    cfg.cooldownS = 0;
    Controller *ctl = ctlCreate(policyCreate("paper:0.2,0.8", &cfg), &cfg);
    CHECK(ctlTick(ctl, c, false) == 0);
    CHECK(ctl->plan.n >= 2); /* disable one host and migrate its VM */
    CHECK(ctl->plan.actions[0].type == ACT_DISABLE);
    CHECK(ctl->plan.actions[1].type == ACT_MIGRATE);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_PLANNED);
    CHECK(c->view.hosts[0].enabled && c->view.hosts[1].enabled);
    CHECK(c->view.vms[0].target < 0 && c->view.vms[1].target < 0);
    /* Executed, the same plan consolidates onto one host and then powers
     * the emptied one off. */
    CHECK(ctlTick(ctl, c, true) == 0);
    simAdvance(c, 60);
    simSetTime(c, 60);
    CHECK(ctlTick(ctl, c, true) == 0);
    int off = 0;
    for (int h = 0; h < 2; h++)
        off += c->view.hosts[h].state == HOST_SHUTTING_DOWN;
    CHECK(off == 1);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

static void testWakeWhenLoadReturns(void) {
    /* Load low for an hour, then high: hosts go off, then come back. */
    int lens[2] = {12, 12};
    double utils[2] = {0.05, 0.6};
    Workload *wl = workloadPhases(4, lens, utils, 2, 300);
    SimHostSpec hs[4] = {{"h0", &T}, {"h1", &T}, {"h2", &T}, {"h3", &T}};
    SimVmSpec vs[4];
    for (int i = 0; i < 4; i++)
        vs[i] = (SimVmSpec){
            .name = "vm", .vcpus = 1, .cpu = 1000, .ramMb = 500, .series = i, .host = i};
    Cloud *c = simCloudCreate(hs, 4, vs, 4, wl, NULL);
    CtlConfig cfg = ctlConfigDefaults();
    cfg.cooldownS = 0;
    Controller *ctl = ctlCreate(policyCreate("paper:0.2,0.8", &cfg), &cfg);
    int minUp = 4, maxUpLate = 0;
    for (int k = 0; k < 24; k++) {
        simSetTime(c, k * 300.0);
        CHECK(ctlTick(ctl, c, true) == 0);
        simAdvance(c, (k + 1) * 300.0);
        int up = 0;
        for (int h = 0; h < 4; h++)
            up += c->view.hosts[h].state == HOST_ON;
        if (k < 12 && up < minUp) minUp = up;
        if (k >= 20 && up > maxUpLate) maxUpLate = up;
        checkState(&c->view, 1);
    }
    CHECK(minUp == 1);     /* 4 x 50 MIPS fits on one host */
    CHECK(maxUpLate >= 3); /* 4 x 600 MIPS at high 0.8 needs at least 3 */
    CHECK(simTotals(c)->boots >= 2);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

/* An overloaded host whose VMs fit nowhere although the up capacity covers
 * the need: the policy wakes a host, and says why without the contradiction
 * "capacity short: 2000 of 1750 needed" it once printed. */
static void testWakeReasonWhenVmsFindNoRoom(void) {
    Workload *wl = workloadConstant(3, 4, 60, 0.5);
    SimHostSpec hs[3] = {{"h0", &T}, {"h1", &T}, {"h2", &T}};
    SimVmSpec vs[3] = {
        {.name = "a", .vcpus = 1, .cpu = 1000, .ramMb = 100, .series = 0, .host = 0},
        {.name = "b", .vcpus = 1, .cpu = 800, .ramMb = 100, .series = 1, .host = 0},
        {.name = "c", .vcpus = 1, .cpu = 1000, .ramMb = 100, .series = 2, .host = 1}};
    Cloud *c = simCloudCreate(hs, 3, vs, 3, wl, NULL);
    CHECK(c->drv->setEnabled(c, 2, false, "test: geyser drained it") == 0);
    c->view.hosts[2].disabledByGeyser = true;
    CHECK(c->drv->powerOff(c, 2) == 0);
    simAdvance(c, 60);
    simSetTime(c, 60);
    CHECK(c->view.hosts[2].state == HOST_OFF);
    CtlConfig cfg = ctlConfigDefaults();
    cfg.cooldownS = 0;
    Controller *ctl = ctlCreate(policyCreate("paper:0.2,0.8", &cfg), &cfg);
    CHECK(ctlTick(ctl, c, false) == 0);
    int wakes = 0;
    for (size_t i = 0; i < ctl->plan.n; i++) {
        const Action *a = &ctl->plan.actions[i];
        if (a->type != ACT_POWER_ON) continue;
        wakes++;
        CHECK(a->host == 2);
        CHECK_STR_CONTAINS(a->reason, "found no room");
    }
    CHECK(wakes == 1);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

int main(void) {
    T = fixtureType();
    RUN(testUnsafePlanIsRefused);
    RUN(testObserveModeDoesNothing);
    RUN(testWakeWhenLoadReturns);
    RUN(testWakeReasonWhenVmsFindNoRoom);
    RUN(testRandomizedInvariants);
    return testSummary("test_controller");
}
