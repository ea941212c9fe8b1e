/* cliscenario.c - the scenario that `geyser serve` and `geyser plan` act on
 * when no real cloud is configured: a built-in one, or a PlanetLab day. */
#include <string.h>

#include "cli.h"
#include "err.h"
#include "scenario.h"

Scenario *cliScenario(const char *name, const char *trace, const char *hosts) {
    HostMix mix = hostMixStandard();
    if (hosts && hostMixParse(hosts, &mix) != 0) return NULL;
    if (!name) name = trace ? "planetlab" : "synthetic";
    if (strcmp(name, "paper-3node") == 0) {
        if (trace || hosts) {
            ERR("the paper-3node scenario has its own hosts and load: drop --trace and --hosts");
            return NULL;
        }
        return scenarioPaper3Node();
    }
    if (strcmp(name, "synthetic") == 0 && !trace) return scenarioSynthetic(&mix, 1052, 1);
    if (strcmp(name, "planetlab") == 0 && trace) {
        Workload *wl = workloadLoadPlanetLab(trace);
        return wl ? scenarioFromTrace("planetlab", wl, &mix) : NULL;
    }
    ERR("scenario '%s'%s: expected synthetic, paper-3node, or planetlab with --trace DIR", name,
        trace ? " with --trace" : "");
    return NULL;
}
