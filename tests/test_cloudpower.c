/* test_cloudpower.c - power actuators attached to the libvirt backend
 * (libvirt's test:///default driver), driven through the cloud interface:
 * no actuator, power-off refused while the hypervisor runs a domain (read
 * afresh, not from the view), off and on verified through the exec
 * actuator's status, soft-off first, a power-on that never comes up and a
 * Wake-on-LAN packet that wakes nothing (the host is marked failed), and the
 * controller refusing to power a failed host on again. */
#include <arpa/inet.h>
#include <libvirt/libvirt.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "actuator.h"
#include "cloudpower.h"
#include "controller.h"
#include "err.h"
#include "libvirtcloud.h"
#include "testing.h"

static char dir[] = "/tmp/geyser-cloudpower-XXXXXX";

/* An exec actuator whose power state is a file: `on` writes on, `off` off,
 * `soft_off` soft (and off); `on` can be told to do nothing. */
static PowerActuator *fileActuator(const char *name, bool wakes) {
    char on[300], off[300], soft[300], status[300];
    snprintf(on, sizeof(on), wakes ? "echo on > %s/%s" : "true", dir, name);
    snprintf(off, sizeof(off), "echo off > %s/%s", dir, name);
    snprintf(soft, sizeof(soft), "echo soft >> %s/%s.log; echo off > %s/%s", dir, name, dir, name);
    snprintf(status, sizeof(status), "cat %s/%s", dir, name);
    ActuatorKey keys[] = {{"on", on, 1},
                          {"off", off, 2},
                          {"soft_off", soft, 3},
                          {"status", status, 4},
                          {"timeout", "5", 5}};
    return actuatorCreate("exec", keys, 5, name);
}

static void setFile(const char *name, const char *text) {
    char path[300];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "%s\n", text);
    fclose(f);
}

static bool fileSays(const char *name, const char *text) {
    char path[300], buf[64] = "";
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    bool ok = fgets(buf, sizeof(buf), f) && strncmp(buf, text, strlen(text)) == 0;
    fclose(f);
    return ok;
}

/* Host "a" is libvirt's shared test:///default (one running domain,
 * "test"); host "gone" never answers. */
static Cloud *openCloud(void) {
    LibvirtHostSpec hosts[2] = {{.name = "a", .uri = "test:///default"},
                                {.name = "gone", .uri = "test:///no/such/file.xml"}};
    return libvirtCloudOpen(hosts, 2);
}

static PowerOpConfig fast(void) {
    PowerOpConfig cfg = powerOpDefaults();
    cfg.bmcTimeoutS = 0.2;
    cfg.serviceTimeoutS = 0.2;
    cfg.maxAttempts = 2;
    return cfg;
}

/* Refresh until host h leaves st (or 5 s pass). */
static void refreshWhile(Cloud *c, int h, HostPowerState st) {
    for (int k = 0; k < 100 && c->view.hosts[h].state == st; k++) {
        usleep(50000);
        CHECK(cloudRefresh(c) == 0);
    }
}

/* The domain "test" of test:///default, through a connection of our own
 * (the test driver shares that hypervisor within the process). */
static void setTestDomain(virConnectPtr conn, bool running) {
    virDomainPtr d = virDomainLookupByName(conn, "test");
    CHECK(d != NULL);
    if (!d) return;
    int active = virDomainIsActive(d);
    if (running && active == 0) CHECK(virDomainCreate(d) == 0);
    if (!running && active == 1) CHECK(virDomainDestroy(d) == 0);
    virDomainFree(d);
}

static void testNoActuator(void) {
    Cloud *c = openCloud();
    CHECK(c != NULL);
    if (!c) return;
    CHECK(c->drv->powerOff(c, 0) != 0);
    CHECK_STR_CONTAINS(errLast(), "host a has no power actuator: it cannot be powered off");
    CHECK(c->drv->powerOn(c, 1) != 0);
    CHECK_STR_CONTAINS(errLast(), "host gone has no power actuator: it cannot be powered on");
    CHECK(!cloudHasPower(c, 0));
    CHECK(cloudAttachPower(c, 7, fileActuator("x", true)) != 0); /* freed: no leak under ASan */
    CHECK_STR_CONTAINS(errLast(), "no host with index 7");
    CHECK(cloudHostIndex(c, "gone") == 1 && cloudHostIndex(c, "b") == -1);
    cloudClose(c);
}

static void testOffRefusedThenDoneThenOn(void) {
    virConnectPtr conn = virConnectOpen("test:///default");
    CHECK(conn != NULL);
    if (!conn) return;
    setTestDomain(conn, false);
    Cloud *c = openCloud();
    if (!c) return;
    setFile("a", "on");
    CHECK(cloudAttachPower(c, 0, fileActuator("a", true)) == 0);
    PowerOpConfig cfg = fast();
    CHECK(cloudSetPowerConfig(c, &cfg) == 0);
    CHECK(c->view.hosts[0].nvms == 0 && c->view.hosts[0].state == HOST_ON);
    /* A domain starts after the refresh: the view still says empty, the
     * backend's fresh listing does not. */
    setTestDomain(conn, true);
    CHECK(c->view.hosts[0].nvms == 0);
    CHECK(c->drv->powerOff(c, 0) != 0);
    CHECK_STR_CONTAINS(errLast(), "refusing to power off host a: the cloud reports 1 instance(s)");
    CHECK(fileSays("a", "on"));
    CHECK(c->view.hosts[0].state == HOST_ON);

    setTestDomain(conn, false);
    CHECK(c->drv->powerOff(c, 0) == 0);
    CHECK(c->view.hosts[0].state == HOST_SHUTTING_DOWN);
    CHECK(fileSays("a", "off"));
    CHECK(c->drv->powerOff(c, 0) != 0);
    CHECK_STR_CONTAINS(errLast(), "power off is already in progress");
    refreshWhile(c, 0, HOST_SHUTTING_DOWN);
    /* The test driver still answers, as Nova still reports a dead service
     * up for a while: the host stays off until geyser powers it on. */
    CHECK(c->view.hosts[0].state == HOST_OFF);
    CHECK(cloudPowerState(c, 0) == POWEROP_DONE && !cloudPowerError(c, 0));
    CHECK(cloudRefresh(c) == 0 && c->view.hosts[0].state == HOST_OFF);
    CHECK(c->drv->powerOff(c, 0) != 0);
    CHECK_STR_CONTAINS(errLast(), "host a is off: only a host that is on can be powered off");

    CHECK(c->drv->powerOn(c, 0) == 0);
    CHECK(c->view.hosts[0].state == HOST_BOOTING);
    CHECK(fileSays("a", "on"));
    refreshWhile(c, 0, HOST_BOOTING);
    CHECK(c->view.hosts[0].state == HOST_ON && !c->view.hosts[0].failed);
    CHECK(cloudPowerState(c, 0) == POWEROP_DONE);
    cloudClose(c);
    setTestDomain(conn, true); /* as libvirt's default has it */
    virConnectClose(conn);
}

static void testSoftOffFirst(void) {
    virConnectPtr conn = virConnectOpen("test:///default");
    if (!conn) return;
    setTestDomain(conn, false);
    Cloud *c = openCloud();
    if (!c) return;
    setFile("s", "on");
    CHECK(cloudAttachPower(c, 0, fileActuator("s", true)) == 0);
    PowerOpConfig cfg = fast();
    cfg.softOffFirst = true;
    CHECK(cloudSetPowerConfig(c, &cfg) == 0);
    CHECK(c->drv->powerOff(c, 0) == 0);
    CHECK(fileSays("s.log", "soft") && fileSays("s", "off"));
    refreshWhile(c, 0, HOST_SHUTTING_DOWN);
    CHECK(c->view.hosts[0].state == HOST_OFF);
    cloudClose(c);
    setTestDomain(conn, true);
    virConnectClose(conn);
}

/* The BMC takes the command but the host never comes on: resent, then
 * the host is marked failed and the controller will not try it again. */
static void testPowerOnNeverComesUp(void) {
    Cloud *c = openCloud();
    if (!c) return;
    setFile("g", "off");
    CHECK(cloudAttachPower(c, 1, fileActuator("g", false)) == 0);
    PowerOpConfig cfg = fast();
    CHECK(cloudSetPowerConfig(c, &cfg) == 0);
    CHECK(c->view.hosts[1].state == HOST_OFF);
    CHECK(c->drv->powerOn(c, 1) == 0);
    refreshWhile(c, 1, HOST_BOOTING);
    CHECK(c->view.hosts[1].state == HOST_OFF && c->view.hosts[1].failed);
    CHECK(cloudPowerState(c, 1) == POWEROP_FAILED);
    CHECK_STR_CONTAINS(cloudPowerError(c, 1), "the BMC still reports the host off after 2 attempt");
    /* The controller disables it, once, so that nothing is placed on a host
     * that is off, and never powers it on again. */
    CtlConfig cc = ctlConfigDefaults();
    Controller *ctl = ctlCreate(policyCreate("paper", &cc), &cc);
    CHECK(c->view.hosts[1].enabled);
    int disables = 0;
    for (int tick = 0; tick < 3; tick++) {
        CHECK(ctlTick(ctl, c, true) == 0);
        for (size_t i = 0; i < ctl->plan.n; i++) {
            const Action *a = &ctl->plan.actions[i];
            if (a->host != 1) continue;
            CHECK(a->type == ACT_DISABLE && a->outcome == OUTCOME_DONE);
            CHECK_STR_CONTAINS(a->reason, "power-on failed, host excluded");
            disables++;
        }
    }
    CHECK(disables == 1);
    CHECK(!c->view.hosts[1].enabled && c->view.hosts[1].failed);
    ctlFree(ctl);
    cloudClose(c);
}

/* Wake-on-LAN to a socket of ours: the packets go out (two attempts of
 * `repeat` packets each) but the host's libvirt never answers. */
static void testWolWakesNothing(void) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    char port[16];
    snprintf(port, sizeof(port), "%d", ntohs(a.sin_port));
    ActuatorKey keys[] = {
        {"mac", "52:54:00:12:34:56", 1}, {"address", "127.0.0.1", 2}, {"port", port, 3}};
    Cloud *c = openCloud();
    if (!c) return;
    CHECK(cloudAttachPower(c, 1, actuatorCreate("wol", keys, 3, "gone-wol")) == 0);
    PowerOpConfig cfg = fast();
    CHECK(cloudSetPowerConfig(c, &cfg) == 0);
    CHECK(c->drv->powerOff(c, 1) != 0); /* it is off already */
    CHECK(c->drv->powerOn(c, 1) == 0);
    refreshWhile(c, 1, HOST_BOOTING);
    CHECK(c->view.hosts[1].state == HOST_OFF && c->view.hosts[1].failed);
    CHECK_STR_CONTAINS(cloudPowerError(c, 1), "service did not come up in time after 2 attempt");
    struct timeval tv = {0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    unsigned char buf[256];
    int packets = 0;
    while (recv(fd, buf, sizeof(buf), 0) == 102)
        packets++;
    CHECK(packets == 6); /* 2 attempts x repeat 3 */
    cloudClose(c);
    close(fd);
}

static void testSimulatedCloudRefuses(void) {
    /* Any driver without actuators: the same rule as the simulated cloud. */
    CloudDriver drv = {.name = "sim"};
    Host h = {.name = "h0"};
    Cloud c = {.drv = &drv, .view = {.hosts = &h, .nhosts = 1}};
    CHECK(cloudAttachPower(&c, 0, fileActuator("z", true)) != 0);
    CHECK_STR_CONTAINS(errLast(), "the sim cloud simulates power itself");
    CHECK(c.power == NULL);
}

int main(void) {
    CHECK(mkdtemp(dir) != NULL);
    RUN(testNoActuator);
    RUN(testOffRefusedThenDoneThenOn);
    RUN(testSoftOffFirst);
    RUN(testPowerOnNeverComesUp);
    RUN(testWolWakesNothing);
    RUN(testSimulatedCloudRefuses);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return testSummary("test_cloudpower");
}
