/* test_daemon.c - the daemon's tick on the simulated cloud: the controller
 * acts at control-interval boundaries, and the energy attributed to VMs plus
 * the hosts' overhead adds up to the energy the hosts used. */
#include "daemon.h"
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

int main(void) {
    RUN(testTickAndAttribution);
    RUN(testModeObserveNeverActs);
    RUN(testBadListenAddress);
    return testSummary("test_daemon");
}
