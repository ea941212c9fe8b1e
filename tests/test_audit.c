/* test_audit.c - the audit log and reconciliation (src/daemon/audit.h):
 * intents and outcomes reach the store; after a "crash" (an intent with no
 * outcome), a fresh audit settles each pending action against the cloud:
 * done where its effect is visible, abandoned where not; hosts the log
 * shows geyser disabled are geyser's again, an operator's are left alone;
 * plan ids resume above the log's; on a backend whose marks live only in
 * memory (libvirt), hosts geyser disabled are disabled again at start. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "controller.h"
#include "err.h"
#include "simcloud.h"
#include "simfixture.h"
#include "testing.h"
#include "util.h"

static ServerType T;
static char tmpDir[] = "/tmp/geyser-audit-XXXXXX";

static Cloud *makeCloud(Workload **wl) {
    static SimHostSpec hs[4] = {{"h0", NULL}, {"h1", NULL}, {"h2", NULL}, {"h3", NULL}};
    for (int h = 0; h < 4; h++)
        hs[h].type = &T;
    SimVmSpec vs[3] = {{.name = "a", .vcpus = 1, .cpu = 100, .ramMb = 100, .series = 0, .host = 0},
                       {.name = "b", .vcpus = 1, .cpu = 100, .ramMb = 100, .series = 1, .host = 1},
                       {.name = "c", .vcpus = 1, .cpu = 100, .ramMb = 100, .series = 2, .host = 2}};
    *wl = workloadConstant(3, 4, 60, 0.2);
    return simCloudCreate(hs, 4, vs, 3, *wl, NULL);
}

typedef struct Counts {
    int intents, outcomes, reconciled;
} Counts;

static int countEvents(void *ctx, const StoreRow *r) {
    Counts *c = ctx;
    c->intents += strcmp(r->text, "intent") == 0;
    c->outcomes += strcmp(r->text, "outcome") == 0;
    c->reconciled += r->detail && strstr(r->detail, "reconciled:") != NULL;
    return 0;
}

static void testCrashThenReconcile(void) {
    char uri[256];
    snprintf(uri, sizeof(uri), "sqlite:%s/audit.db", tmpDir);
    Store *st = storeOpen(uri);
    CHECK(st != NULL);
    if (!st) return;
    Workload *wl;
    Cloud *c = makeCloud(&wl);
    /* Plan 7: disable h0, migrate a h0 -> h3 (both recorded in full);
     * disable h1 and migrate b h1 -> h3 whose outcomes were lost; migrate c
     * h2 -> h3 whose intent was written but which never ran. */
    Plan p;
    planInit(&p);
    p.id = 7;
    planAdd(&p, ACT_DISABLE, 0, -1, -1, "drain h0");
    planAdd(&p, ACT_MIGRATE, 0, 0, 3, "empty h0");
    planAdd(&p, ACT_DISABLE, 1, -1, -1, "drain h1");
    planAdd(&p, ACT_MIGRATE, 1, 1, 3, "empty h1");
    planAdd(&p, ACT_MIGRATE, 2, 2, 3, "empty h2");
    Audit *a = auditCreate(st);
    for (size_t i = 0; i < p.n; i++) {
        Action *x = &p.actions[i];
        CHECK(auditIntent(a, &c->view, &p, i, "auto", 1000 + (double)i) == 0);
        if (i == 4) break; /* killed before running it */
        int rc = x->type == ACT_MIGRATE ? c->drv->migrate(c, x->vm, x->target, MIGRATE_PRECOPY)
                                        : c->drv->setEnabled(c, x->host, false, "geyser");
        CHECK(rc == 0);
        x->outcome = OUTCOME_DONE;
        if (i < 2) CHECK(auditOutcome(a, &c->view, &p, i, 0.01, 1000 + (double)i) == 0);
    }
    auditFree(a);
    /* The cloud after the crash: migrations landed; the disabled hosts are
     * disabled, but the new process does not know by whom; an operator
     * disabled h2 meanwhile. */
    simAdvance(c, 3600);
    for (int h = 0; h < 4; h++)
        c->view.hosts[h].disabledByGeyser = false;
    CHECK(simOperatorDisable(c, 2) == 0);
    CHECK(c->view.vms[1].host == 3 && c->view.vms[2].host == 2);

    a = auditCreate(st);
    ReconcileStats rs;
    CHECK(auditReconcile(a, c, 5000, &rs) == 0);
    CHECK(rs.pending == 3);   /* disable h1, migrate b, migrate c */
    CHECK(rs.done == 2);      /* h1 is disabled, b is on h3 */
    CHECK(rs.abandoned == 1); /* c never moved */
    CHECK(rs.maxPlan == 7);
    CHECK(rs.retracked == 2); /* h0 and h1: geyser's, by the log */
    CHECK(c->view.hosts[0].disabledByGeyser && c->view.hosts[1].disabledByGeyser);
    CHECK(!c->view.hosts[2].disabledByGeyser && !c->view.hosts[2].enabled); /* the operator's */
    json_t *j = auditJson(a, 7, 10);
    json_t *recs = json_object_get(j, "records");
    CHECK(json_array_size(recs) == 3);
    const char *o = json_string_value(json_object_get(json_array_get(recs, 0), "outcome"));
    CHECK(o && strcmp(o, "abandoned") == 0); /* newest first: migrate c */
    json_decref(j);

    /* Settled once: a second start finds nothing pending. */
    CHECK(auditReconcile(a, c, 6000, &rs) == 0);
    CHECK(rs.pending == 0 && rs.maxPlan == 7);
    Counts n = {0};
    CHECK(storeScan(st, STORE_EVENTS, -1e300, 1e300, countEvents, &n) == 0);
    CHECK(n.intents == 5 && n.outcomes == 5 && n.reconciled == 3);

    /* Plan 9 was shown (made, waiting for approval) but never ran: its id
     * is not given again after a restart. An empty plan is not recorded. */
    p.id = 9;
    CHECK(auditPlanMade(a, &p, "manual", 6100) == 0);
    Plan empty;
    planInit(&empty);
    empty.id = 12;
    CHECK(auditPlanMade(a, &empty, "manual", 6200) == 0);
    CHECK(auditReconcile(a, c, 6300, &rs) == 0);
    CHECK(rs.pending == 0 && rs.maxPlan == 9);

    auditFree(a);
    planFree(&p);
    storeClose(st);
    cloudClose(c);
    workloadFree(wl);
}

/* A backend that keeps enable/disable marks only in memory starts with
 * every host enabled: reconciliation disables again, through the driver,
 * each host whose last completed mark in the log is a disable; a later
 * enable, or an intent without outcome, restores nothing. A backend that
 * keeps the marks itself is left as it reports. */
static void testRestoreVolatileMarks(void) {
    char uri[256];
    snprintf(uri, sizeof(uri), "sqlite:%s/marks.db", tmpDir);
    Store *st = storeOpen(uri);
    CHECK(st != NULL);
    if (!st) return;
    Workload *wl;
    Cloud *c = makeCloud(&wl);
    /* Plan 3: disable h0 and h1 (done), enable h1 (done), disable h2
     * (intent only: killed before it ran). */
    Plan p;
    planInit(&p);
    p.id = 3;
    planAdd(&p, ACT_DISABLE, 0, -1, -1, "drain h0");
    planAdd(&p, ACT_DISABLE, 1, -1, -1, "drain h1");
    planAdd(&p, ACT_ENABLE, 1, -1, -1, "h1 needed again");
    planAdd(&p, ACT_DISABLE, 2, -1, -1, "drain h2");
    Audit *a = auditCreate(st);
    for (size_t i = 0; i < p.n; i++) {
        CHECK(auditIntent(a, &c->view, &p, i, "auto", 100 + (double)i) == 0);
        if (i == 3) break;
        p.actions[i].outcome = OUTCOME_DONE;
        CHECK(auditOutcome(a, &c->view, &p, i, 0.01, 100 + (double)i) == 0);
    }
    auditFree(a);

    /* The sim cloud keeps its marks: nothing to restore (all enabled, as
     * this cloud reports). */
    a = auditCreate(st);
    ReconcileStats rs;
    CHECK(auditReconcile(a, c, 200, &rs) == 0);
    CHECK(rs.restored == 0 && c->view.hosts[0].enabled);
    CHECK(rs.pending == 1 && rs.abandoned == 1); /* disable h2: not seen */
    auditFree(a);

    /* The same cloud as a backend whose marks were lost with the process. */
    CloudDriver volatileDrv = *c->drv;
    volatileDrv.volatileMarks = true;
    const CloudDriver *saved = c->drv;
    c->drv = &volatileDrv;
    a = auditCreate(st);
    CHECK(auditReconcile(a, c, 300, &rs) == 0);
    CHECK(rs.restored == 1 && rs.pending == 0);
    CHECK(!c->view.hosts[0].enabled && c->view.hosts[0].disabledByGeyser);
    CHECK(c->view.hosts[1].enabled && !c->view.hosts[1].disabledByGeyser); /* enabled last */
    CHECK(c->view.hosts[2].enabled); /* its disable never completed */
    CHECK(c->view.hosts[3].enabled);
    /* Restored once: a second start finds the host already disabled. */
    CHECK(auditReconcile(a, c, 400, &rs) == 0);
    CHECK(rs.restored == 0 && !c->view.hosts[0].enabled);
    c->drv = saved;
    auditFree(a);
    planFree(&p);
    storeClose(st);
    cloudClose(c);
    workloadFree(wl);
}

/* The controller holds back an action whose intent cannot be logged
 * (the store is down): it is refused, and the cloud is untouched. */
static int failingHook(void *arg, const Plan *plan, size_t i, AuditPhase phase, double seconds) {
    (void)arg, (void)plan, (void)i, (void)seconds;
    return phase == AUDIT_INTENT ? ERR("the store is down") : 0;
}

static int drainPlan(void *state, const CloudView *v, const CtlConfig *cfg, Plan *out) {
    (void)state, (void)v, (void)cfg;
    planAdd(out, ACT_DISABLE, 0, -1, -1, "drain h0");
    return 0;
}

static const PolicyDriver drainDriver = {.name = "drain", .plan = drainPlan};

static void testIntentMustBeLogged(void) {
    Workload *wl;
    Cloud *c = makeCloud(&wl);
    Policy *pol = xcalloc(1, sizeof(Policy));
    pol->drv = &drainDriver;
    CtlConfig cfg = ctlConfigDefaults();
    Controller *ctl = ctlCreate(pol, &cfg);
    ctl->audit = failingHook;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->plan.actions[0].outcome == OUTCOME_REFUSED);
    CHECK_STR_CONTAINS(ctl->plan.actions[0].detail, "the store is down");
    CHECK(c->view.hosts[0].enabled);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

int main(void) {
    T = fixtureType();
    if (!mkdtemp(tmpDir)) return 1;
    RUN(testCrashThenReconcile);
    RUN(testIntentMustBeLogged);
    RUN(testRestoreVolatileMarks);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpDir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpDir);
    return testSummary("test_audit");
}
