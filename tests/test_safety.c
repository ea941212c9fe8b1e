/* test_safety.c - each of the controller's safety rules on its own, with a
 * scripted policy that proposes exactly the actions under test, and the
 * manual mode's plan ids, approval and re-check (controller.h). */
#include "controller.h"
#include "err.h"
#include "simcloud.h"
#include "simfixture.h"
#include "testing.h"
#include "util.h"

static ServerType T;

/* The scripted policy: plans what script() adds. */
static void (*script)(const CloudView *v, Plan *out);

static int scriptedPlan(void *state, const CloudView *v, const CtlConfig *cfg, Plan *out) {
    (void)state, (void)cfg;
    if (script) script(v, out);
    return 0;
}

static const PolicyDriver scripted = {.name = "scripted", .plan = scriptedPlan};

static Controller *scriptedController(const CtlConfig *cfg) {
    Policy *p = xcalloc(1, sizeof(Policy));
    p->drv = &scripted;
    return ctlCreate(p, cfg);
}

/* n hosts of 1000 MIPS; VM i (cpu MIPS at utilization u) on host at[i]. */
static Cloud *makeCloud(int nhosts, int nvms, const int *at, double cpu, double u, Workload **wl) {
    static char names[8][16];
    SimHostSpec hs[8];
    SimVmSpec vs[8];
    for (int h = 0; h < nhosts; h++) {
        snprintf(names[h], sizeof(names[h]), "h%d", h);
        hs[h] = (SimHostSpec){names[h], &T};
    }
    for (int i = 0; i < nvms; i++)
        vs[i] = (SimVmSpec){
            .name = "vm", .vcpus = 1, .cpu = cpu, .ramMb = 100, .series = i, .host = at[i]};
    *wl = workloadConstant(nvms, 4, 60, u);
    return simCloudCreate(hs, nhosts, vs, nvms, *wl, NULL);
}

static void done(Controller *ctl, Cloud *c, Workload *wl) {
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

/* ---- disable before evacuating ---- */

static void evacuateWithoutDisable(const CloudView *v, Plan *out) {
    (void)v;
    planAdd(out, ACT_MIGRATE, 0, 0, 1, "empty h0");
}

static void evacuateAfterDisable(const CloudView *v, Plan *out) {
    (void)v;
    planAdd(out, ACT_DISABLE, 0, -1, -1, "drain h0");
    planAdd(out, ACT_MIGRATE, 0, 0, 1, "empty h0");
}

static void testDisableBeforeEvacuating(void) {
    Workload *wl;
    int at[] = {0, 1};
    Cloud *c = makeCloud(2, 2, at, 100, 0.5, &wl);
    CtlConfig cfg = ctlConfigDefaults();
    Controller *ctl = scriptedController(&cfg);
    script = evacuateWithoutDisable;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_REFUSED);
    CHECK_STR_CONTAINS(ctl->plan.actions[0].detail, "not disabled first");
    CHECK(c->view.vms[0].target < 0);
    script = evacuateAfterDisable;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_DONE);
    CHECK(ctl->plan.actions[1].outcome == OUTCOME_DONE);
    CHECK(c->view.vms[0].target == 1 && !c->view.hosts[0].enabled);
    done(ctl, c, wl);
}

/* ---- power off: zero instances, re-checked; min_hosts_on; spare ---- */

static void powerOffH0(const CloudView *v, Plan *out) {
    (void)v;
    planAdd(out, ACT_POWER_OFF, 0, -1, -1, "evacuated: holds no VM");
}

/* A plan approved late: a VM landed on the host between the plan and its
 * approval, so the power-off, checked against the cloud as it is at
 * approval, is refused. */
static void testPowerOffRecheckedBeforeTheCommand(void) {
    Workload *wl;
    int at[] = {1, 1};
    Cloud *c = makeCloud(3, 2, at, 100, 0.2, &wl);
    CHECK(c->drv->setEnabled(c, 0, false, "geyser: drained") == 0);
    CtlConfig cfg = ctlConfigDefaults();
    Controller *ctl = scriptedController(&cfg);
    script = powerOffH0;
    CHECK(ctlPlan(ctl, c) == 0);
    long id = ctl->plan.id;
    CHECK(id >= 1 && ctl->plan.actions[0].outcome == OUTCOME_PLANNED);
    /* Someone (the scheduler, an operator) starts a migration onto it. */
    CHECK(c->drv->migrate(c, 0, 0, MIGRATE_PRECOPY) == 0);
    CHECK(ctlApply(ctl, c) == 0);
    CHECK(ctl->plan.id == id);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_REFUSED);
    CHECK_STR_CONTAINS(ctl->plan.actions[0].detail, "still holds VMs");
    CHECK(c->view.hosts[0].state == HOST_ON);
    /* An applied plan cannot be applied twice. */
    CHECK(ctlApply(ctl, c) == -1);
    CHECK_STR_CONTAINS(errLast(), "already applied");
    done(ctl, c, wl);
}

static void testMinHostsOn(void) {
    Workload *wl;
    int at[] = {1};
    Cloud *c = makeCloud(2, 1, at, 100, 0.1, &wl);
    CHECK(c->drv->setEnabled(c, 0, false, "geyser: drained") == 0);
    CtlConfig cfg = ctlConfigDefaults();
    cfg.minHostsOn = 2;
    Controller *ctl = scriptedController(&cfg);
    script = powerOffH0;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_REFUSED);
    CHECK_STR_CONTAINS(ctl->plan.actions[0].detail, "min_hosts_on");
    ctl->cfg.minHostsOn = 1;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_DONE);
    CHECK(c->view.hosts[0].state == HOST_SHUTTING_DOWN);
    done(ctl, c, wl);
}

/* Two VMs of 1000 MIPS at 40 % on h1 and h2 (800 MIPS in all). With h0 down,
 * h1 and h2 stay: 2000 x 0.8 = 1600 >= 1.1 x 800 = 880. With headroom
 * 1.5 the same power-off would leave less than 2.5 x 800 = 2000. */
static void testSpareCapacity(void) {
    Workload *wl;
    int at[] = {1, 2};
    Cloud *c = makeCloud(3, 2, at, 1000, 0.4, &wl);
    CHECK(c->drv->setEnabled(c, 0, false, "geyser: drained") == 0);
    CtlConfig cfg = ctlConfigDefaults();
    cfg.headroom = 1.5;
    Controller *ctl = scriptedController(&cfg);
    script = powerOffH0;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_REFUSED);
    CHECK_STR_CONTAINS(ctl->plan.actions[0].detail, "spare capacity");
    ctl->cfg.headroom = 0.1;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_DONE);
    done(ctl, c, wl);
}

/* ---- at most max_parallel_migrations ---- */

static void threeMoves(const CloudView *v, Plan *out) {
    (void)v;
    for (int i = 0; i < 3; i++)
        planAdd(out, ACT_MIGRATE, 0, i, 1, "move %d", i);
}

static void testMaxParallelMigrations(void) {
    Workload *wl;
    int at[] = {0, 0, 0, 0};
    Cloud *c = makeCloud(2, 4, at, 100, 0.2, &wl);
    CtlConfig cfg = ctlConfigDefaults();
    cfg.maxParallelMigrations = 2;
    Controller *ctl = scriptedController(&cfg);
    script = threeMoves;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_DONE);
    CHECK(ctl->plan.actions[1].outcome == OUTCOME_DONE);
    CHECK(ctl->plan.actions[2].outcome == OUTCOME_REFUSED);
    CHECK_STR_CONTAINS(ctl->plan.actions[2].detail, "too many migrations");
    /* The two in flight still count at the next tick. */
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->plan.actions[2].outcome == OUTCOME_REFUSED);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_REFUSED); /* already migrating */
    done(ctl, c, wl);
}

/* ---- a failed evacuation re-enables the host ---- */

static const CloudDriver *inner;
static CloudDriver failing;
static bool acceptThenFail; /* accept the call, then the VM stays */

static int failingMigrate(Cloud *c, int vm, int target, MigrationMode m) {
    (void)target, (void)m;
    if (acceptThenFail) return 0; /* as os-migrateLive's 202, then nothing */
    return ERR("migration of %s failed: injected", c->view.vms[vm].name);
}

static void drainH0(const CloudView *v, Plan *out) {
    (void)v;
    planAdd(out, ACT_DISABLE, 0, -1, -1, "drain h0");
    planAdd(out, ACT_MIGRATE, 0, 0, 1, "empty h0");
}

static void nothing(const CloudView *v, Plan *out) {
    (void)v, (void)out;
}

static void testFailedEvacuationReenables(void) {
    for (int async = 0; async < 2; async++) {
        Workload *wl;
        int at[] = {0, 1};
        Cloud *c = makeCloud(2, 2, at, 100, 0.2, &wl);
        inner = c->drv;
        failing = *inner;
        failing.migrate = failingMigrate;
        c->drv = &failing;
        acceptThenFail = async;
        CtlConfig cfg = ctlConfigDefaults();
        Controller *ctl = scriptedController(&cfg);
        script = drainH0;
        CHECK(ctlTick(ctl, c, true) == 0);
        CHECK(ctl->plan.actions[0].outcome == OUTCOME_DONE);
        if (!async) {
            CHECK(ctl->plan.actions[1].outcome == OUTCOME_FAILED);
            CHECK(ctl->plan.n == 3);
        } else {
            CHECK(ctl->plan.actions[1].outcome == OUTCOME_DONE);
            CHECK(!c->view.hosts[0].enabled);
            script = nothing; /* the next plan sees the VM still there */
            CHECK(ctlTick(ctl, c, true) == 0);
            CHECK(ctl->plan.n == 1);
        }
        const Action *e = &ctl->plan.actions[ctl->plan.n - 1];
        CHECK(e->type == ACT_ENABLE && e->host == 0 && e->outcome == OUTCOME_DONE);
        CHECK_STR_CONTAINS(e->reason, "evacuation failed");
        CHECK(c->view.hosts[0].enabled);
        c->drv = inner;
        done(ctl, c, wl);
    }
}

/* ---- operator-disabled hosts are left alone ---- */

static void touchOperatorHost(const CloudView *v, Plan *out) {
    (void)v;
    planAdd(out, ACT_MIGRATE, 0, 0, 1, "move off the operator's host");
    planAdd(out, ACT_ENABLE, 0, -1, -1, "enable the operator's host");
    planAdd(out, ACT_DISABLE, 0, -1, -1, "disable it again");
    planAdd(out, ACT_POWER_OFF, 0, -1, -1, "power it off");
}

static void testOperatorHostLeftAlone(void) {
    Workload *wl;
    int at[] = {0, 1};
    Cloud *c = makeCloud(2, 2, at, 100, 0.2, &wl);
    CHECK(simOperatorDisable(c, 0) == 0);
    CtlConfig cfg = ctlConfigDefaults();
    Controller *ctl = scriptedController(&cfg);
    script = touchOperatorHost;
    CHECK(ctlTick(ctl, c, true) == 0);
    for (size_t i = 0; i < ctl->plan.n; i++)
        CHECK(ctl->plan.actions[i].outcome == OUTCOME_REFUSED);
    CHECK_STR_CONTAINS(ctl->plan.actions[0].detail, "operator");
    CHECK_STR_CONTAINS(ctl->plan.actions[1].detail, "operator");
    CHECK(!c->view.hosts[0].enabled && !c->view.hosts[0].disabledByGeyser);
    CHECK(c->view.vms[0].host == 0 && c->view.vms[0].target < 0);
    done(ctl, c, wl);
}

/* ---- manual mode: ids, discard ---- */

static void testPlanIdsAndDiscard(void) {
    Workload *wl;
    int at[] = {0, 1};
    Cloud *c = makeCloud(2, 2, at, 100, 0.2, &wl);
    CtlConfig cfg = ctlConfigDefaults();
    Controller *ctl = scriptedController(&cfg);
    script = drainH0;
    CHECK(ctlPlan(ctl, c) == 0);
    long first = ctl->plan.id;
    CHECK(ctlPlan(ctl, c) == 0);
    CHECK(ctl->plan.id == first + 1);
    ctlDiscard(ctl);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_DISCARDED);
    CHECK(ctlApply(ctl, c) == -1);
    CHECK(c->view.hosts[0].enabled && c->view.vms[0].target < 0);
    /* Resuming a series (after a restart) continues from the id given. */
    ctl->nextPlanId = 41;
    CHECK(ctlPlan(ctl, c) == 0 && ctl->plan.id == 41);
    done(ctl, c, wl);
}

int main(void) {
    T = fixtureType();
    RUN(testDisableBeforeEvacuating);
    RUN(testPowerOffRecheckedBeforeTheCommand);
    RUN(testMinHostsOn);
    RUN(testSpareCapacity);
    RUN(testMaxParallelMigrations);
    RUN(testFailedEvacuationReenables);
    RUN(testOperatorHostLeftAlone);
    RUN(testPlanIdsAndDiscard);
    return testSummary("test_safety");
}
