/* test_planestimate.c - a plan's expected saving and migration cost on
 * hand-made views, with figures worked out from the fixture server type
 * (100 W idle, 5 W off) and from the migration model itself. */
#include <math.h>
#include <string.h>

#include "migcost.h"
#include "planestimate.h"
#include "simfixture.h"
#include "testing.h"

static ServerType T;

static void makeView(CloudView *v, Host *hosts, int nhosts, Vm *vms, int nvms) {
    memset(v, 0, sizeof(*v));
    for (int h = 0; h < nhosts; h++) {
        memset(&hosts[h], 0, sizeof(hosts[h]));
        hosts[h].name = "h";
        hosts[h].type = &T;
        hosts[h].capacity = 1000;
        hosts[h].ramMb = 4096;
        hosts[h].state = HOST_ON;
        hosts[h].enabled = true;
    }
    for (int i = 0; i < nvms; i++) {
        memset(&vms[i], 0, sizeof(vms[i]));
        vms[i].name = "vm";
        vms[i].vcpus = 1;
        vms[i].cpu = 1000;
        vms[i].ramMb = 1024;
        vms[i].util = 0.2;
        vms[i].host = 0;
        vms[i].target = -1;
    }
    v->hosts = hosts;
    v->nhosts = nhosts;
    v->vms = vms;
    v->nvms = nvms;
}

static void testEmptyPlan(void) {
    Host hosts[1];
    Vm vms[1];
    CloudView v;
    makeView(&v, hosts, 1, vms, 1);
    Plan p;
    planInit(&p);
    PlanEstimate e;
    planEstimate(&v, &p, 0, &e, NULL);
    CHECK(e.savingW == 0 && e.migrations == 0 && e.hostsEmptied == 0 && e.paybackS == 0);
    planFree(&p);
}

static void testEvacuationPaysBack(void) {
    Host hosts[3];
    Vm vms[2];
    CloudView v;
    makeView(&v, hosts, 3, vms, 2);
    Plan p;
    planInit(&p);
    planAdd(&p, ACT_DISABLE, 0, -1, -1, "below the low threshold");
    planAdd(&p, ACT_MIGRATE, 0, 0, 1, "evacuating");
    planAdd(&p, ACT_MIGRATE, 0, 1, 1, "evacuating");
    planAdd(&p, ACT_POWER_OFF, 0, -1, -1, "empty"); /* the same host: saved once */
    planAdd(&p, ACT_POWER_OFF, 2, -1, -1, "empty");
    ActionEstimate per[5];
    PlanEstimate e;
    planEstimate(&v, &p, 125, &e, per);
    CHECK_NEAR(e.savingW, 2 * 95, 1e-9);
    CHECK(e.hostsEmptied == 2 && e.hostsWoken == 0);
    CHECK(e.migrations == 2);
    /* Each move is what the model says for this VM and link. */
    MigCost c;
    migCostPredict(&vms[0], 125, MIGRATE_PRECOPY, 0.1, &c);
    CHECK_NEAR(per[1].timeS, c.timeS, 1e-9);
    CHECK_NEAR(per[1].dataMb, c.pred.bytes / 1048576.0, 1e-9);
    CHECK(per[1].dataMb >= 1024); /* at least the RAM crosses once */
    CHECK_NEAR(e.dataMb, 2 * per[1].dataMb, 1e-6);
    CHECK_NEAR(e.migrationS, 2 * c.timeS, 1e-9);
    double j = migrationCostJ(&vms[0], &hosts[0], 125, 0.1);
    CHECK(j > 0);
    CHECK_NEAR(e.energyJ, 2 * j, 1e-6);
    CHECK_NEAR(e.paybackS, e.energyJ / e.savingW, 1e-9);
    CHECK_NEAR(per[0].savingW, 95, 1e-9);
    CHECK_NEAR(per[4].savingW, 95, 1e-9);
    planFree(&p);
}

static void testWakeCostsPower(void) {
    Host hosts[2];
    Vm vms[1];
    CloudView v;
    makeView(&v, hosts, 2, vms, 1);
    hosts[1].state = HOST_OFF;
    Plan p;
    planInit(&p);
    planAdd(&p, ACT_POWER_ON, 1, -1, -1, "capacity short");
    planAdd(&p, ACT_ENABLE, 1, -1, -1, "woken");
    planAdd(&p, ACT_MIGRATE, 0, 0, 1, "overloaded");
    PlanEstimate e;
    planEstimate(&v, &p, 125, &e, NULL);
    CHECK_NEAR(e.savingW, -95, 1e-9);
    CHECK(e.hostsWoken == 1 && e.migrations == 1);
    CHECK(e.paybackS == -1); /* a plan that costs power never pays back */
    planFree(&p);
}

/* Out-of-range indices (a view that shrank) are skipped, not read. */
static void testBadIndicesSkipped(void) {
    Host hosts[1];
    Vm vms[1];
    CloudView v;
    makeView(&v, hosts, 1, vms, 1);
    Plan p;
    planInit(&p);
    planAdd(&p, ACT_MIGRATE, 0, 7, 0, "gone");
    planAdd(&p, ACT_POWER_OFF, 5, -1, -1, "gone");
    PlanEstimate e;
    planEstimate(&v, &p, 0, &e, NULL);
    CHECK(e.migrations == 0 && e.savingW == 0);
    planFree(&p);
}

int main(void) {
    T = fixtureType();
    RUN(testEmptyPlan);
    RUN(testEvacuationPaysBack);
    RUN(testWakeCostsPower);
    RUN(testBadIndicesSkipped);
    return testSummary("test_planestimate");
}
