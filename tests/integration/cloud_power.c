/* cloud_power.c - power actuation through the libvirt backend with IPMI
 * actuators against OpenIPMI's ipmi_sim (tests/cli/power_cloud.sh starts
 * it with its emulated host on): a host of libvirt's test:///default driver
 * refused while it runs a domain, then soft-off first, off and on again,
 * each verified by the BMC's chassis status and by the libvirt connection;
 * and a BMC that does not answer, for power-off (the host stays on) and for
 * power-on (the host is marked failed).
 * Usage: cloud_power ADDRESS:PORT SILENT_ADDRESS:PORT */
#include <libvirt/libvirt.h>
#include <unistd.h>

#include "actuator.h"
#include "cloudpower.h"
#include "err.h"
#include "libvirtcloud.h"
#include "testing.h"
#include "util.h"

static PowerActuator *bmc(const char *addr, const char *name) {
    ActuatorKey keys[] = {{"address", addr, 1},
                          {"user", "admin", 2},
                          {"password", "password", 3},
                          {"timeout", "1", 4}};
    PowerActuator *a = actuatorCreate("ipmi", keys, 4, name);
    if (!a) fprintf(stderr, "%s\n", errLast());
    return a;
}

static PowerStatus bmcSays(const char *addr) {
    PowerActuator *a = bmc(addr, "probe");
    PowerStatus st = POWER_STATUS_UNKNOWN;
    if (a && actuatorStatus(a, &st) != 0) fprintf(stderr, "status: %s\n", errLast());
    actuatorFree(a);
    return st;
}

/* Refresh while host h shows st, 30 s at most; returns the seconds taken. */
static double refreshWhile(Cloud *c, int h, HostPowerState st) {
    double t0 = nowMonotonic();
    while (c->view.hosts[h].state == st && nowMonotonic() - t0 < 30) {
        usleep(100000);
        if (cloudRefresh(c) != 0) fprintf(stderr, "refresh: %s\n", errLast());
    }
    return nowMonotonic() - t0;
}

static void setTestDomain(virConnectPtr conn, bool running) {
    virDomainPtr d = virDomainLookupByName(conn, "test");
    if (!d) return;
    if (running && virDomainIsActive(d) == 0) CHECK(virDomainCreate(d) == 0);
    if (!running && virDomainIsActive(d) == 1) CHECK(virDomainDestroy(d) == 0);
    virDomainFree(d);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: cloud_power ADDRESS:PORT SILENT_ADDRESS:PORT\n");
        return 2;
    }
    const char *addr = argv[1], *silent = argv[2];
    virConnectPtr conn = virConnectOpen("test:///default");
    if (conn) setTestDomain(conn, false);
    LibvirtHostSpec hosts[2] = {{.name = "a", .uri = "test:///default"},
                                {.name = "gone", .uri = "test:///no/such/file.xml"}};
    Cloud *c = libvirtCloudOpen(hosts, 2);
    CHECK(conn && c);
    if (!conn || !c) return testSummary("cloud_power");
    PowerOpConfig cfg = {
        .bmcTimeoutS = 5, .serviceTimeoutS = 5, .maxAttempts = 2, .softOffFirst = true};
    CHECK(cloudSetPowerConfig(c, &cfg) == 0);
    CHECK(cloudAttachPower(c, 0, bmc(addr, "bmc-a")) == 0);
    CHECK(bmcSays(addr) == POWER_STATUS_ON);

    /* A domain starts after the refresh: the fresh listing refuses, and the
     * BMC is never asked. */
    setTestDomain(conn, true);
    CHECK(c->view.hosts[0].nvms == 0);
    CHECK(c->drv->powerOff(c, 0) != 0);
    CHECK_STR_CONTAINS(errLast(), "the cloud reports 1 instance(s)");
    CHECK(bmcSays(addr) == POWER_STATUS_ON);

    setTestDomain(conn, false);
    CHECK(c->drv->powerOff(c, 0) == 0);
    CHECK(c->view.hosts[0].state == HOST_SHUTTING_DOWN);
    double s = refreshWhile(c, 0, HOST_SHUTTING_DOWN);
    CHECK(c->view.hosts[0].state == HOST_OFF);
    CHECK(bmcSays(addr) == POWER_STATUS_OFF);
    printf("soft-off to HOST_OFF: %.1f s\n", s);

    CHECK(c->drv->powerOn(c, 0) == 0);
    s = refreshWhile(c, 0, HOST_BOOTING);
    CHECK(c->view.hosts[0].state == HOST_ON && !c->view.hosts[0].failed);
    CHECK(bmcSays(addr) == POWER_STATUS_ON);
    printf("power-on to HOST_ON: %.1f s\n", s);

    /* A BMC that does not answer, for power-off: it fails, the host stays on. */
    CHECK(cloudAttachPower(c, 0, bmc(silent, "silent-a")) == 0);
    CHECK(c->drv->powerOff(c, 0) == 0); /* the first send failed; retried at the next step */
    s = refreshWhile(c, 0, HOST_SHUTTING_DOWN);
    CHECK(c->view.hosts[0].state == HOST_ON && !c->view.hosts[0].failed);
    CHECK(cloudPowerState(c, 0) == POWEROP_FAILED);
    CHECK(cloudPowerError(c, 0) != NULL);
    printf("silent BMC, power-off given up after %.1f s: %s\n", s, cloudPowerError(c, 0));

    /* ... and for power-on: the host is marked failed. */
    CHECK(cloudAttachPower(c, 1, bmc(silent, "silent-gone")) == 0);
    CHECK(c->drv->powerOn(c, 1) == 0);
    s = refreshWhile(c, 1, HOST_BOOTING);
    CHECK(c->view.hosts[1].state == HOST_OFF && c->view.hosts[1].failed);
    CHECK(cloudPowerState(c, 1) == POWEROP_FAILED);
    printf("silent BMC, power-on given up after %.1f s: %s\n", s, cloudPowerError(c, 1));

    cloudClose(c);
    setTestDomain(conn, true);
    virConnectClose(conn);
    return testSummary("cloud_power");
}
