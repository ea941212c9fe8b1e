/* cmd_serve.c - `geyser serve`: run the daemon. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"
#include "err.h"
#include "util.h"

/* The power model of hosts whose backend knows no server type (Nova says
 * nothing of hardware): the paper's server, until --server-type says. */
#define DEFAULT_SERVER_TYPE "HpProLiantMl110G5Xeon3075"

void cmdServeHelp(FILE *f) {
    fprintf(
        f,
        "NAME\n"
        "    geyser serve - the geyser daemon: cloud, controller and HTTP API in one process\n\n"
        "SYNOPSIS\n"
        "    geyser serve [--listen ADDR:PORT] [--mode observe|manual|auto] [--speed X]\n"
        "                 [--scenario NAME] [--trace DIR] [--hosts MIX] [--policy SPEC]\n"
        "                 [--tls-cert FILE --tls-key FILE] [--token-file FILE] [--store URI]\n"
        "                 [--sim-state FILE] [--batch-cpu N]\n"
        "                 [--signals DIR] [--signals-url URL [--poll S]] [--objective OBJ]\n"
        "    geyser serve --os-cloud NAME | --openstack | --libvirt [NAME=]URI[,...]\n"
        "                 [--power FILE] [--vm-util FILE] [--server-type TYPE] [--meters FILE]\n"
        "                 [--interval S] [--cooldown S] [--min-hosts-on N] [--mode MODE]\n"
        "                 [--store URI] [--policy SPEC] [--listen ADDR:PORT] [--run-for S] ...\n\n"
        "DESCRIPTION\n"
        "    Runs one event loop with a single periodic tick: each tick advances the cloud and,\n"
        "    at the end of every control interval, runs the controller (observe: plan only;\n"
        "    auto: act). The HTTP server shares the loop and serves Prometheus metrics and a\n"
        "    JSON API. With no configuration the cloud is the embedded simulated one (the\n"
        "    synthetic scenario), replaying its day in a loop at --speed; with --os-cloud,\n"
        "    --openstack or --libvirt it is a real one, served by the same daemon.\n\n"
        "OPTIONS\n"
        "    --listen ADDR:PORT   where to listen (default 127.0.0.1:8080; port 0 picks one)\n"
        "    --mode MODE          observe (plan, never act), manual (each plan waits for\n"
        "                         approval: POST /api/v1/plan/ID/apply or `geyser apply ID`)\n"
        "                         or auto (default auto on the simulated cloud)\n"
        "    --speed X            simulated seconds per second (default 300: a 5-minute\n"
        "                         control interval every second, a day in under 5 minutes)\n"
        "    --tick-ms N          the periodic tick in milliseconds (default 1000)\n"
        "    --scenario NAME      synthetic (default), paper-3node, planetlab (with --trace)\n"
        "    --trace DIR          a PlanetLab day to replay\n"
        "    --hosts MIX          COUNT:TYPE[,COUNT:TYPE...]\n"
        "    --policy SPEC        consolidation policy (default: the scenario's)\n"
        "    --run-for S          stop after S seconds (for scripts and tests)\n"
        "    --tls-cert FILE      serve HTTPS with this PEM certificate (and --tls-key)\n"
        "    --tls-key FILE       the certificate's PEM private key\n"
        "    --token-file FILE    a bearer token (16+ printable characters): every request\n"
        "                         that changes anything (not GET/HEAD) must send\n"
        "                         'Authorization: Bearer TOKEN'; without it changes are refused\n"
        "    --sim-state FILE     keep the simulated cloud's placement and hosts' power and\n"
        "                         enabled states in FILE, saved after every action and tick and\n"
        "                         read at start, so that the simulated cloud outlives the daemon\n"
        "                         as a real one does (for restart and crash tests)\n"
        "    --store URI          record every tick into a store (sqlite:PATH, postgres:CONNINFO,\n"
        "                         postgresql://...): hosts' power and utilization, VMs'\n"
        "                         utilization and attributed energy, events; times are the\n"
        "                         simulated clock from the daemon's start\n"
        "    --signals DIR        energy signals (price, carbon, renewable forecasts), demand-\n"
        "                         response caps and deferrable jobs (jobs.csv) as CSV files,\n"
        "                         times in seconds of the simulated clock (docs/energy.md)\n"
        "    --signals-url URL    poll a JSON document {\"time\": S, \"price_eur_per_mwh\": X,\n"
        "                         \"carbon_g_per_kwh\": Y, \"renewable_kw\": Z} (any subset),\n"
        "                         with an optional \"forecast\": {\"price_eur_per_mwh\": [[T, X],\n"
        "                         ...], ...} that replaces the series over its span\n"
        "    --poll S             seconds between polls (default 60)\n"
        "    --signal-max-age S   a pushed or polled value older than S simulated seconds is\n"
        "                         stale and the file forecast is used again (default 3600)\n"
        "    --objective OBJ      plan the deferrable jobs for cost (default), carbon or\n"
        "                         renewable_share; a forecast that changes the objective's\n"
        "                         signal re-plans the jobs not started (once per interval)\n"
        "    --batch-cpu N        cores lent to deferrable jobs at any time (default: no limit);\n"
        "                         new jobs (POST /api/v1/jobs) are refused when none is left\n"
        "    Signals are also pushed with POST /api/v1/signals (a value) and\n"
        "    POST /api/v1/signals/forecast (a forecast), jobs admitted with POST /api/v1/jobs\n"
        "    and caps set with POST /api/v1/caps (all need the bearer token).\n"
        "    In manual mode the waiting plan is approved with POST /api/v1/plan/ID/apply\n"
        "    (or discarded: .../discard; bearer token) or `geyser apply ID`; every action\n"
        "    is logged before and after it runs (GET /api/v1/audit, and the store's events)\n"
        "    and, with --store, a restart reconciles actions a crash left half done.\n\n"
        "REAL CLOUD\n"
        "    --os-cloud NAME      control this OpenStack cloud of clouds.yaml instead of the\n"
        "                         simulated one (docs/openstack.md)\n"
        "    --openstack          the OpenStack cloud of $OS_CLOUD or the OS_* variables\n"
        "    --libvirt LIST       plain libvirt hosts: comma-separated [NAME=]URI (a host is\n"
        "                         named by its URI's host part without NAME; test:///default\n"
        "                         is libvirt's test driver)\n"
        "    --power FILE         which actuator powers which host ([host \"NAME\"] sections)\n"
        "                         and the power-on timeouts ([power]); docs/power.md\n"
        "    --vm-util FILE       per-VM CPU utilization ('SERVER UTIL' lines, re-read when it\n"
        "                         changes): Nova reports none (libvirt measures it itself)\n"
        "    --server-type TYPE   the power model of hosts the backend gives no type (default\n"
        "                         " DEFAULT_SERVER_TYPE ")\n"
        "    --meters FILE        poll these power meters inside the daemon (the INI file of\n"
        "                         geyser collect --config; a meter's 'host =' names the cloud\n"
        "                         host it measures): a host's power is its meter's latest\n"
        "                         reading (source \"measured\"), else the model's estimate;\n"
        "                         with --store the samples are stored as geyser collect does\n"
        "    --interval S         the control interval in seconds (default 300)\n"
        "    --cooldown S         a host is not evacuated this long after its power changed\n"
        "                         (default 600)\n"
        "    --min-hosts-on N     never fewer hosts up (default 1)\n"
        "    On a real cloud the mode defaults to observe; the clock is wall seconds since\n"
        "    start (the store's times are epoch seconds), the view is refreshed every\n"
        "    --tick-ms (default: the interval, at most 10 s), hosts' power is their server\n"
        "    type's model at their measured utilization (source \"estimated\"), and the\n"
        "    baseline is the cloud's draw plus the idle draw of every host geyser powered\n"
        "    off. The dashboard, API, metrics, --store, audit log and manual approval work\n"
        "    as on the simulated cloud; every action and host change is also logged on\n"
        "    stderr.\n\n"
        "RESOURCES\n"
        "    /  the dashboard;  /api/v1/  the JSON API index;  /metrics  /healthz  "
        "(docs/api.md)\n\n"
        "SIGNALS\n"
        "    SIGINT and SIGTERM stop the daemon cleanly.\n");
}

int cmdServe(int argc, char **argv) {
    static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
                                         {"mode", required_argument, NULL, 'm'},
                                         {"speed", required_argument, NULL, 's'},
                                         {"tick-ms", required_argument, NULL, 't'},
                                         {"scenario", required_argument, NULL, 'S'},
                                         {"trace", required_argument, NULL, 'T'},
                                         {"hosts", required_argument, NULL, 'H'},
                                         {"policy", required_argument, NULL, 'p'},
                                         {"run-for", required_argument, NULL, 'r'},
                                         {"tls-cert", required_argument, NULL, 'C'},
                                         {"tls-key", required_argument, NULL, 'K'},
                                         {"token-file", required_argument, NULL, 'k'},
                                         {"store", required_argument, NULL, 'D'},
                                         {"sim-state", required_argument, NULL, 'Z'},
                                         {"signals", required_argument, NULL, 'g'},
                                         {"signals-url", required_argument, NULL, 'u'},
                                         {"poll", required_argument, NULL, 'P'},
                                         {"objective", required_argument, NULL, 'o'},
                                         {"signal-max-age", required_argument, NULL, 'a'},
                                         {"batch-cpu", required_argument, NULL, 'B'},
                                         {"os-cloud", required_argument, NULL, 'c'},
                                         {"openstack", no_argument, NULL, 'O'},
                                         {"power", required_argument, NULL, 'W'},
                                         {"vm-util", required_argument, NULL, 'U'},
                                         {"interval", required_argument, NULL, 'i'},
                                         {"cooldown", required_argument, NULL, 'd'},
                                         {"min-hosts-on", required_argument, NULL, 'n'},
                                         {"libvirt", required_argument, NULL, 'L'},
                                         {"server-type", required_argument, NULL, 'y'},
                                         {"meters", required_argument, NULL, 'M'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    DaemonConfig cfg = {.listen = "127.0.0.1:8080",
                        .mode = MODE_AUTO,
                        .speed = 300,
                        .tickMs = 1000,
                        .ctl = ctlConfigDefaults()};
    const char *scenario = NULL, *trace = NULL, *hosts = NULL;
    CliCloudOpts real = {.intervalS = 300};
    bool modeGiven = false, tickGiven = false;
    optind = 1;
    opterr = 0;
    int ch, rc = 0;
    long n;
    while (rc == 0 && (ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'l': cfg.listen = optarg; break;
        case 'm':
            rc = daemonParseMode(optarg, &cfg.mode);
            modeGiven = true;
            break;
        case 's':
            if (parseDouble(optarg, &cfg.speed) != 0 || cfg.speed <= 0 || cfg.speed > 1e6)
                rc = ERR("--speed: '%s' is not a number from 0 to 1000000", optarg);
            break;
        case 't':
            if (parseLong(optarg, &n) != 0 || n < 10 || n > 60000)
                rc = ERR("--tick-ms: '%s' is not a whole number from 10 to 60000", optarg);
            cfg.tickMs = n;
            tickGiven = true;
            break;
        case 'S': scenario = optarg; break;
        case 'T': trace = optarg; break;
        case 'H': hosts = optarg; break;
        case 'p': cfg.policy = optarg; break;
        case 'r':
            if (parseDouble(optarg, &cfg.runForS) != 0 || cfg.runForS <= 0)
                rc = ERR("--run-for: '%s' is not a positive number of seconds", optarg);
            break;
        case 'C': cfg.tlsCert = optarg; break;
        case 'K': cfg.tlsKey = optarg; break;
        case 'k': cfg.tokenFile = optarg; break;
        case 'D': cfg.store = optarg; break;
        case 'Z': cfg.simState = optarg; break;
        case 'g': cfg.energy.signalsDir = optarg; break;
        case 'u': cfg.energy.url = optarg; break;
        case 'P':
            if (parseDouble(optarg, &cfg.energy.pollS) != 0 || cfg.energy.pollS < 0.1 ||
                cfg.energy.pollS > 86400)
                rc = ERR("--poll: '%s' is not a number of seconds from 0.1 to 86400", optarg);
            break;
        case 'a':
            if (parseDouble(optarg, &cfg.energy.maxAgeS) != 0 || cfg.energy.maxAgeS <= 0)
                rc = ERR("--signal-max-age: '%s' is not a positive number of seconds", optarg);
            break;
        case 'o': rc = shiftObjectiveParse(optarg, &cfg.energy.objective); break;
        case 'B':
            if (parseDouble(optarg, &cfg.energy.batchCpu) != 0 || !(cfg.energy.batchCpu > 0))
                rc = ERR("--batch-cpu: '%s' is not a positive number of cores", optarg);
            break;
        case 'c': real.osCloud = optarg, real.openstack = true; break;
        case 'O': real.openstack = true; break;
        case 'W': real.power = optarg; break;
        case 'U': real.vmUtil = optarg; break;
        case 'L': real.libvirt = optarg; break;
        case 'y': real.serverType = optarg; break;
        case 'M': cfg.meters = optarg; break;
        case 'i':
            if (parseDouble(optarg, &real.intervalS) != 0 || real.intervalS < 0.1 ||
                real.intervalS > 86400)
                rc = ERR("--interval: '%s' is not a number of seconds from 0.1 to 86400", optarg);
            real.intervalGiven = true;
            break;
        case 'd':
            if (parseDouble(optarg, &cfg.ctl.cooldownS) != 0 || cfg.ctl.cooldownS < 0)
                rc = ERR("--cooldown: '%s' is not a non-negative number of seconds", optarg);
            break;
        case 'n':
            if (parseLong(optarg, &n) != 0 || n < 0 || n > 1000000)
                rc = ERR("--min-hosts-on: '%s' is not a whole number from 0", optarg);
            cfg.ctl.minHostsOn = (int)n;
            break;
        case 'h': cmdServeHelp(stdout); return 0;
        default:
            rc = ERR("unknown or incomplete option '%s'; see 'geyser serve --help'",
                     argv[optind - 1]);
        }
    }
    if (rc == 0 && optind < argc) rc = ERR("unexpected argument '%s'", argv[optind]);
    bool isReal = real.openstack || real.libvirt;
    if (rc == 0 && !isReal &&
        (real.power || real.vmUtil || real.intervalGiven || real.serverType || cfg.meters))
        rc = ERR("--power, --vm-util, --interval, --server-type and --meters need a real cloud "
                 "(--os-cloud NAME, --openstack or --libvirt URI); the simulated cloud's interval "
                 "is its scenario's, its power simulated");
    if (rc == 0 && real.openstack && real.libvirt)
        rc = ERR("--libvirt and --os-cloud/--openstack: one cloud at a time");
    if (rc == 0 && real.libvirt && real.vmUtil)
        rc = ERR("--vm-util is for OpenStack: libvirt measures each VM's CPU itself");
    if (rc == 0 && isReal && (scenario || trace || hosts || cfg.simState))
        rc = ERR("--scenario, --trace, --hosts and --sim-state are for the simulated cloud");
    if (rc != 0) {
        cliError("serve");
        return EXIT_USAGE;
    }
    Scenario *sc = NULL;
    OsConfig oc = {0};
    if (isReal) {
        if (!modeGiven) cfg.mode = MODE_OBSERVE; /* acting on a real cloud is asked for */
        cfg.serverType = serverTypeFind(real.serverType ? real.serverType : DEFAULT_SERVER_TYPE);
        cfg.intervalS = real.intervalS;
        /* Refresh the view often enough for the dashboard, not more often
         * than the controller needs it on a slow interval's cloud. */
        if (!tickGiven) cfg.tickMs = (long)(1000 * (real.intervalS < 10 ? real.intervalS : 10));
        cfg.cloudName = real.openstack ? "openstack" : "libvirt";
        if (!cfg.serverType ||
            !(cfg.realCloud = cliOpenCloud(&real, cfg.serverType, &oc, &cfg.util))) {
            cliError("serve");
            osConfigFree(&oc);
            return 1;
        }
    } else {
        sc = cliScenario(scenario, trace, hosts);
    }
    Daemon *d = sc || isReal ? daemonCreate(&cfg, sc) : NULL;
    if (!d) {
        cliError("serve"); /* daemonCreate freed the scenario, or the cloud */
        osConfigFree(&oc);
        return 1;
    }
    const CloudView *v = &d->cloud->view;
    if (isReal)
        fprintf(stderr,
                "geyser serve: %s cloud (%d hosts, %d VMs), mode %s, policy %s, interval %g s, "
                "listening on %s (port %d)\n",
                cfg.cloudName, v->nhosts, v->nvms, daemonModeName(cfg.mode), d->ctl->policy->spec,
                d->intervalS, cfg.listen, httpPort(d->http));
    else
        fprintf(stderr,
                "geyser serve: simulated cloud '%s' (%d hosts, %d VMs), mode %s, "
                "listening on %s (port %d)\n",
                sc->name, v->nhosts, v->nvms, daemonModeName(cfg.mode), cfg.listen,
                httpPort(d->http));
    const char *colon = strrchr(cfg.listen, ':');
    fprintf(stderr, "geyser serve: dashboard at %s://%.*s:%d/\n", cfg.tlsCert ? "https" : "http",
            (int)(colon - cfg.listen), cfg.listen, httpPort(d->http));
    rc = daemonRun(d);
    if (rc != 0) cliError("serve");
    daemonFree(d);
    osConfigFree(&oc);
    return rc == 0 ? 0 : 1;
}
