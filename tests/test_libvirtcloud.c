/* test_libvirtcloud.c - the libvirt backend against libvirt's own test
 * driver: inventory, utilization from CPU-time deltas, a host that does not
 * answer, a migration the driver refuses (the VM stays where it was), and
 * the controller planning on it. */
#include <unistd.h>

#include "controller.h"
#include "err.h"
#include "libvirtcloud.h"
#include "testing.h"

static char uriA[512], uriB[512];

static Cloud *openTwo(bool withDeadHost) {
    snprintf(uriA, sizeof(uriA), "test://%s/libvirt/host-a.xml", GEYSER_TEST_DATA);
    snprintf(uriB, sizeof(uriB), "test://%s/libvirt/host-b.xml", GEYSER_TEST_DATA);
    LibvirtHostSpec hosts[3] = {{.name = "a", .uri = uriA},
                                {.name = "b", .uri = uriB},
                                {.name = "gone", .uri = "test:///no/such/file.xml"}};
    return libvirtCloudOpen(hosts, withDeadHost ? 3 : 2);
}

static int vmNamed(const CloudView *v, const char *name) {
    for (int i = 0; i < v->nvms; i++)
        if (strcmp(v->vms[i].name, name) == 0) return i;
    return -1;
}

static void testInventory(void) {
    Cloud *c = openTwo(true);
    CHECK(c != NULL);
    if (!c) return;
    const CloudView *v = &c->view;
    CHECK(v->nhosts == 3 && v->nvms == 3);
    CHECK(v->hosts[0].state == HOST_ON && v->hosts[0].capacity == 4);
    CHECK_NEAR(v->hosts[1].ramMb, 16384, 1e-9);
    CHECK(v->hosts[2].state == HOST_OFF); /* does not answer */
    int web = vmNamed(v, "web-1"), batch = vmNamed(v, "batch-1");
    CHECK(web >= 0 && batch >= 0);
    if (web < 0 || batch < 0) return;
    CHECK(v->vms[web].host == 0 && v->vms[web].vcpus == 2 && v->vms[web].cpu == 2);
    CHECK_NEAR(v->vms[web].ramMb, 1024, 1e-9);
    CHECK(v->vms[batch].host == 1 && v->vms[batch].vcpus == 4);
    CHECK(v->hosts[0].nvms == 2 && v->hosts[1].nvms == 1 && v->hosts[2].nvms == 0);
    cloudClose(c);
}

static void testUtilizationFromCpuTime(void) {
    Cloud *c = openTwo(false);
    if (!c) return;
    usleep(300000);
    CHECK(cloudRefresh(c) == 0);
    /* The test driver's CPU time advances one second per second of wall
     * time, whatever the vCPUs: u = 1 / vcpus. */
    const CloudView *v = &c->view;
    int web = vmNamed(v, "web-1"), db = vmNamed(v, "db-1"), batch = vmNamed(v, "batch-1");
    CHECK_NEAR(v->vms[web].util, 0.5, 0.15);
    CHECK_NEAR(v->vms[db].util, 1.0, 0.15);
    CHECK_NEAR(v->vms[batch].util, 0.25, 0.1);
    /* The paper's formula: host a = (0.5 x 2 + 1 x 1) / 4. */
    CHECK_NEAR(hostUtil(&v->hosts[0]), 0.5, 0.15);
    cloudClose(c);
}

static void testMarkingAndPower(void) {
    Cloud *c = openTwo(false);
    if (!c) return;
    CHECK(c->drv->setEnabled(c, 0, false, "geyser: test") == 0);
    CHECK(!c->view.hosts[0].enabled && c->view.hosts[0].disabledByGeyser);
    CHECK(c->drv->powerOff(c, 1) != 0);
    CHECK_STR_CONTAINS(errLast(), "host b has no power actuator: it cannot be powered off");
    cloudClose(c);
}

static void testRefusedMigrationLeavesVm(void) {
    Cloud *c = openTwo(false);
    if (!c) return;
    int web = vmNamed(&c->view, "web-1");
    CHECK(c->drv->migrate(c, web, 1, MIGRATE_PRECOPY) == 0);
    CHECK(c->view.vms[web].target == 1);
    CHECK(c->drv->migrate(c, web, 1, MIGRATE_PRECOPY) != 0); /* already migrating */
    /* The test driver cannot migrate: the thread fails, the VM stays. */
    for (int k = 0; k < 100 && c->view.vms[web].target >= 0; k++) {
        usleep(20000);
        CHECK(cloudRefresh(c) == 0);
        web = vmNamed(&c->view, "web-1");
    }
    CHECK(c->view.vms[web].target == -1 && c->view.vms[web].host == 0);
    CHECK(c->view.migrationFailures == 1);
    CHECK_STR_CONTAINS(c->view.lastMigrationError,
                       "migration of aaaaaaaa-0000-4000-8000-000000000001 failed");
    cloudClose(c);
}

static void testControllerPlansOnIt(void) {
    Cloud *c = openTwo(false);
    if (!c) return;
    usleep(200000);
    CtlConfig cfg = ctlConfigDefaults();
    /* Everything is busy in the test driver: a high low-threshold makes
     * host b (4 of 8 CPUs) a candidate to evacuate onto a. */
    Controller *ctl = ctlCreate(policyCreate("paper:0.6,0.95", &cfg), &cfg);
    CHECK(ctlTick(ctl, c, false) == 0);
    bool migrates = false;
    for (size_t i = 0; i < ctl->plan.n; i++)
        migrates |= ctl->plan.actions[i].type == ACT_MIGRATE;
    CHECK(migrates);
    ctlFree(ctl);
    cloudClose(c);
}

static void testNoHostAnswers(void) {
    LibvirtHostSpec h = {.name = "x", .uri = "test:///no/such/file.xml"};
    CHECK(libvirtCloudOpen(&h, 1) == NULL);
    CHECK_STR_CONTAINS(errLast(), "no libvirt host answers");
}

int main(void) {
    RUN(testInventory);
    RUN(testUtilizationFromCpuTime);
    RUN(testMarkingAndPower);
    RUN(testRefusedMigrationLeavesVm);
    RUN(testControllerPlansOnIt);
    RUN(testNoHostAnswers);
    return testSummary("test_libvirtcloud");
}
