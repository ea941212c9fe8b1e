/* test_daemon.c - the daemon's tick on the simulated cloud: the controller
 * acts at control-interval boundaries, and the energy attributed to VMs plus
 * the hosts' overhead adds up to the energy the hosts used. And the same
 * daemon on a real backend (libvirt's test driver): wall-clock ticks,
 * estimated power from a default type, energy integrated, the baseline. */
#include <unistd.h>

#include "daemon.h"
#include "libvirtcloud.h"
#include "simcloud.h"
#include "testing.h"

static void testTickAndAttribution(void) {
    DaemonConfig cfg = {.listen = "127.0.0.1:0",
                        .mode = MODE_AUTO,
                        .speed = 60,
                        .tickMs = 1000,
                        .ctl = ctlConfigDefaults()};
    Daemon *d = daemonCreate(&cfg, scenarioPaper3Node());
    CHECK(d != NULL);
    if (!d) return;
    CHECK(httpPort(d->http) > 0);
    /* 2 hours of the 3-node scenario at 60 s per tick. */
    for (int k = 0; k < 120; k++)
        CHECK(daemonTick(d, 1.0) == 0);
    CHECK_NEAR(d->simTime, 7200, 1e-9);
    CHECK(d->ctl->stats.ticks == 121); /* at 0, 60, ..., 7200 */
    double hosts = 0, parts = 0;
    for (int h = 0; h < d->cloud->view.nhosts; h++) {
        hosts += simHostEnergy(d->cloud, h);
        parts += d->overheadJ[h];
    }
    for (int i = 0; i < d->cloud->view.nvms; i++) {
        CHECK(d->vmEnergyJ[i] > 0);
        parts += d->vmEnergyJ[i];
    }
    CHECK_NEAR(parts, hosts, 1e-6 * hosts);
    CHECK(hosts > 0);
    /* Hosts the controller powered off keep their standby energy as
     * overhead; the large VMs carry more energy than the medium ones. */
    CHECK(d->vmEnergyJ[1] > d->vmEnergyJ[0]);
    daemonFree(d);
}

static void testModeObserveNeverActs(void) {
    DaemonConfig cfg = {.listen = "127.0.0.1:0",
                        .mode = MODE_OBSERVE,
                        .speed = 300,
                        .tickMs = 1000,
                        .ctl = ctlConfigDefaults()};
    HostMix mix = hostMixStandard();
    mix.counts[0] = mix.counts[1] = 20;
    Daemon *d = daemonCreate(&cfg, scenarioSynthetic(&mix, 30, 3));
    CHECK(d != NULL);
    if (!d) return;
    for (int k = 0; k < 20; k++)
        CHECK(daemonTick(d, 1.0) == 0);
    /* The plan still proposes the consolidation it was never allowed. */
    CHECK(d->ctl->plan.n > 0);
    for (size_t i = 0; i < d->ctl->plan.n; i++)
        CHECK(d->ctl->plan.actions[i].outcome == OUTCOME_PLANNED);
    CHECK(simTotals(d->cloud)->migrationsStarted == 0);
    CHECK(simTotals(d->cloud)->shutdowns == 0);
    daemonFree(d);
}

static void testBadListenAddress(void) {
    DaemonConfig cfg = {
        .listen = "127.0.0.1:99999", .speed = 1, .tickMs = 1000, .ctl = ctlConfigDefaults()};
    CHECK(daemonCreate(&cfg, scenarioPaper3Node()) == NULL);
}

static void testRealCloud(void) {
    char uriA[512], uriB[512];
    snprintf(uriA, sizeof(uriA), "test://%s/libvirt/host-a.xml", GEYSER_TEST_DATA);
    snprintf(uriB, sizeof(uriB), "test://%s/libvirt/host-b.xml", GEYSER_TEST_DATA);
    /* No type, as Nova's hosts: the daemon gives them serverType's. */
    LibvirtHostSpec spec[2] = {{.name = "a", .uri = uriA}, {.name = "b", .uri = uriB}};
    const ServerType *type = serverTypeFind("HpProLiantMl110G5Xeon3075");
    DaemonConfig cfg = {.listen = "127.0.0.1:0",
                        .mode = MODE_OBSERVE,
                        .tickMs = 100,
                        .ctl = ctlConfigDefaults(),
                        .realCloud = libvirtCloudOpen(spec, 2),
                        .intervalS = 0.25,
                        .serverType = type};
    CHECK(cfg.realCloud != NULL && type != NULL);
    if (!cfg.realCloud || !type) return;
    Daemon *d = daemonCreate(&cfg, NULL);
    CHECK(d != NULL);
    if (!d) return;
    CHECK(d->real && strcmp(daemonCloudName(d), "libvirt") == 0);
    for (int k = 0; k < 6; k++) {
        usleep(125000);
        CHECK(daemonTick(d, 0.125) == 0);
    }
    CHECK_NEAR(d->simTime, 0.75, 1e-9);
    CHECK(d->ctl->stats.ticks == 3); /* at 0.25, 0.5, 0.75 (binary fractions: exact) */
    CHECK(d->tickErrors == 0);
    const CloudView *v = &d->cloud->view;
    double hosts = 0, parts = 0;
    for (int h = 0; h < v->nhosts; h++) {
        CHECK(v->hosts[h].type == type);
        CHECK_NEAR(v->hosts[h].powerW, powerAt(&type->power, hostUtil(&v->hosts[h])), 1e-9);
        CHECK(v->hosts[h].powerW > 0);
        hosts += daemonHostEnergyJ(d, h);
        parts += d->overheadJ[h];
    }
    for (int i = 0; i < v->nvms; i++)
        parts += d->vmEnergyJ[i];
    CHECK(hosts > 0);
    CHECK_NEAR(daemonEnergyJ(d), hosts, 1e-9 * hosts);
    CHECK_NEAR(parts, hosts, 1e-6 * hosts);
    /* Every host on: the baseline is what was drawn. */
    CHECK_NEAR(daemonBaselineJ(d), daemonEnergyJ(d), 1e-9 * hosts);
    CHECK_NEAR(daemonBaselineW(d), v->hosts[0].powerW + v->hosts[1].powerW, 1e-9);
    /* A host geyser powered off counts, in the baseline, its idle draw; one
     * an operator powered off does not. */
    Host *b = &d->cloud->view.hosts[1];
    b->state = HOST_OFF;
    b->powerW = 0;
    CHECK_NEAR(daemonBaselineW(d), v->hosts[0].powerW, 1e-9);
    b->disabledByGeyser = true;
    CHECK_NEAR(daemonBaselineW(d), v->hosts[0].powerW + powerAt(&type->power, 0), 1e-9);
    daemonFree(d);
}

int main(void) {
    RUN(testTickAndAttribution);
    RUN(testModeObserveNeverActs);
    RUN(testBadListenAddress);
    RUN(testRealCloud);
    return testSummary("test_daemon");
}
