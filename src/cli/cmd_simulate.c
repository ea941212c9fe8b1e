/* cmd_simulate.c - `geyser simulate`: build a scenario, run it, report. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "simulate.h"
#include "util.h"

void cmdSimulateHelp(FILE *f) {
    fprintf(
        f,
        "NAME\n"
        "    geyser simulate - run the consolidation controller on a simulated cloud\n\n"
        "SYNOPSIS\n"
        "    geyser simulate [--scenario NAME] [--trace DIR [--order FILE] | --csv FILE]\n"
        "                    [--hosts MIX] [--policy SPEC] [OPTIONS] [--json]\n\n"
        "DESCRIPTION\n"
        "    Replays VM CPU-utilization traces on simulated hosts, with the same controller\n"
        "    that acts on real clouds, and reports energy, migrations and SLA metrics next\n"
        "    to two references on the same workload: the baseline (every host on, no power\n"
        "    management) and the lower bound (demand packed onto the fewest, most efficient\n"
        "    hosts at every step, with no migration cost).\n\n"
        "SCENARIOS\n"
        "    synthetic     800 hosts (400 HP ML110 G4 + 400 G5), 1052 VMs with seeded random-walk\n"
        "                  utilization over a day: the default, needs no file\n"
        "    paper-3node   the paper's 3-node experiment in four phases; saving_pct compares\n"
        "                  the power-down phase with the load-spread phase\n"
        "    planetlab     the research standard setup on a PlanetLab day (needs --trace)\n\n"
        "OPTIONS\n"
        "    --scenario NAME      one of the scenarios above\n"
        "    --trace DIR          PlanetLab day directory (one file per VM); implies planetlab\n"
        "    --order FILE         take the trace files in this order (CSV, last column = file)\n"
        "    --csv FILE           CSV trace with columns time,vm,cpu_util (seconds, percent)\n"
        "    --hosts MIX          COUNT:TYPE[,COUNT:TYPE...], default\n"
        "                         400:HpProLiantMl110G4Xeon3040,400:HpProLiantMl110G5Xeon3075\n"
        "    --vms N              VMs of the synthetic scenario (default 1052)\n"
        "    --scale N            N times the hosts and VMs (trace VMs repeated N times)\n"
        "    --seed N             seed of the synthetic workload (default 1)\n"
        "    --placement HOW      where VMs start: spread (Nova's default, the default) or\n"
        "                         stack (Nova with a negative RAM weigher: fewest hosts)\n"
        "    --policy SPEC        consolidation policy (default: the scenario's)\n"
        "    --compat cloudsim    account as CloudSim 3.0.3 does, so that the DET-SEL policies\n"
        "                         and none (its Dvfs run) compare with its published figures:\n"
        "                         its initial placement, trapezoid energy at its updates, idle\n"
        "                         hosts free, migrations of RAM / (link / 2), VMs that finish\n"
        "                         at zero demand; baseline_kwh is its NonPowerAware run\n"
        "                         (docs/policies.md)\n"
        "    --low X, --high X    thresholds as fractions (override the policy's)\n"
        "    --headroom X         keep up capacity x high >= (1+X) x demand (default 0.1)\n"
        "    --max-migrations N   migrations in flight at once, 0 = no limit (default 100)\n"
        "    --min-hosts-on N     never fewer hosts up (default 1)\n"
        "    --cooldown S         no evacuation of a host S seconds after a power change (600)\n"
        "    --interval S         control interval in seconds (default: the trace step)\n"
        "    --bandwidth MBIT     migration link bandwidth per host in Mbit/s (default 1000)\n"
        "    --timeline FILE      write one CSV row per step (hosts on, power, demand, ...)\n"
        "    --signals DIR        energy signals (price.csv, carbon.csv, renewable.csv, "
        "caps.csv):\n"
        "                         plan deferrable jobs, obey demand-response caps, and report\n"
        "                         money, CO2 and non-renewable energy (docs/energy.md)\n"
        "    --jobs FILE, --deferrable FILE\n"
        "                         the deferrable jobs (default: DIR/jobs.csv when present)\n"
        "    --objective OBJ      plan the jobs for cost, carbon or renewable_share (the same\n"
        "                         as --policy SPEC+OBJ); without it, every job at arrival\n"
        "    --sites FILE         other data centres for space shifting (docs/energy.md)\n"
        "    --json               print one JSON object instead of the table\n"
        "    --no-progress        no progress bar even on a terminal\n"
        "    --list               list scenarios, policies and server types, then exit\n\n"
        "POLICIES\n");
    for (int i = 0; policyRegistry[i]; i++)
        fprintf(f, "    %-20s %s\n", policyRegistry[i]->synopsis, policyRegistry[i]->summary);
    fprintf(
        f,
        "\nMETRICS (JSON keys)\n"
        "    energy_kwh, baseline_kwh, lower_bound_kwh, saving_pct, migrations, host_shutdowns,\n"
        "    slatah_pct (active host time at 100%% CPU), pdm_pct (CPU lost to migrations),\n"
        "    slav (SLATAH x PDM as fractions), overload_pct (requested CPU not served),\n"
        "    runtime_s; vms_finished with --compat cloudsim (VMs whose demand reached 0).\n"
        "    Definitions: Beloglazov & Buyya, CCPE 24(13), 2012.\n\n"
        "EXAMPLES\n"
        "    geyser simulate\n"
        "    geyser simulate --scenario paper-3node --json\n"
        "    geyser simulate --trace ../shared/data/planetlab/20110303 --policy paper:0.2,0.8\n"
        "    geyser simulate --trace ../shared/data/planetlab/20110303 --policy geyser \\\n"
        "        --signals data/energy/planetlab-day --objective carbon\n");
}

enum {
    OPT_SCENARIO = 256,
    OPT_TRACE,
    OPT_ORDER,
    OPT_CSV,
    OPT_HOSTS,
    OPT_VMS,
    OPT_SEED,
    OPT_POLICY,
    OPT_LOW,
    OPT_HIGH,
    OPT_HEADROOM,
    OPT_MAXMIG,
    OPT_MINON,
    OPT_COOLDOWN,
    OPT_INTERVAL,
    OPT_BANDWIDTH,
    OPT_SCALE,
    OPT_PLACEMENT,
    OPT_TIMELINE,
    OPT_JSON,
    OPT_NOPROGRESS,
    OPT_LIST,
    OPT_HELP,
    OPT_SIGNALS,
    OPT_DEFERRABLE,
    OPT_OBJECTIVE,
    OPT_SITES,
    OPT_COMPAT,
};

const struct option cliSimOptions[] = {
    {"scenario", required_argument, NULL, OPT_SCENARIO},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"order", required_argument, NULL, OPT_ORDER},
    {"csv", required_argument, NULL, OPT_CSV},
    {"hosts", required_argument, NULL, OPT_HOSTS},
    {"vms", required_argument, NULL, OPT_VMS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"low", required_argument, NULL, OPT_LOW},
    {"high", required_argument, NULL, OPT_HIGH},
    {"headroom", required_argument, NULL, OPT_HEADROOM},
    {"max-migrations", required_argument, NULL, OPT_MAXMIG},
    {"min-hosts-on", required_argument, NULL, OPT_MINON},
    {"cooldown", required_argument, NULL, OPT_COOLDOWN},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"bandwidth", required_argument, NULL, OPT_BANDWIDTH},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"placement", required_argument, NULL, OPT_PLACEMENT},
    {"timeline", required_argument, NULL, OPT_TIMELINE},
    {"json", no_argument, NULL, OPT_JSON},
    {"no-progress", no_argument, NULL, OPT_NOPROGRESS},
    {"list", no_argument, NULL, OPT_LIST},
    {"help", no_argument, NULL, OPT_HELP},
    {"signals", required_argument, NULL, OPT_SIGNALS},
    {"jobs", required_argument, NULL, OPT_DEFERRABLE},
    {"deferrable", required_argument, NULL, OPT_DEFERRABLE},
    {"objective", required_argument, NULL, OPT_OBJECTIVE},
    {"sites", required_argument, NULL, OPT_SITES},
    {"compat", required_argument, NULL, OPT_COMPAT},
    {NULL, 0, NULL, 0},
};

static int numberArg(const char *opt, const char *text, double min, double max, double *out) {
    if (parseDouble(text, out) != 0 || *out < min || *out > max)
        return ERR("--%s: '%s' is not a number from %g to %g", opt, text, min, max);
    return 0;
}

static int intArg(const char *opt, const char *text, long min, long max, long *out) {
    if (parseLong(text, out) != 0 || *out < min || *out > max)
        return ERR("--%s: '%s' is not a whole number from %ld to %ld", opt, text, min, max);
    return 0;
}

int cliParseSimArgs(int argc, char **argv, SimArgs *a) {
    const char *cmd = a->command ? a->command : "simulate";
    void (*help)(FILE *) = a->help ? a->help : cmdSimulateHelp;
    memset(a, 0, sizeof(*a));
    a->command = cmd;
    a->help = help;
    a->vms = 1052;
    a->seed = 1;
    a->scale = 1;
    a->progress = true;
    a->low = a->high = -1;
    a->bandwidthMbit = 1000;
    a->opt.ctl = ctlConfigDefaults();
    a->opt.ctlSet = true;
    a->opt.sim = simConfigDefaults();
    a->opt.simSet = true;
    CtlConfig *c = &a->opt.ctl;
    optind = 1;
    opterr = 0;
    int ch;
    long n;
    while ((ch = getopt_long(argc, argv, "", cliSimOptions, NULL)) != -1) {
        int rc = 0;
        switch (ch) {
        case OPT_SCENARIO: a->scenario = optarg; break;
        case OPT_TRACE: a->trace = optarg; break;
        case OPT_ORDER: a->order = optarg; break;
        case OPT_CSV: a->csv = optarg; break;
        case OPT_HOSTS: a->hosts = optarg; break;
        case OPT_VMS: rc = intArg("vms", optarg, 1, 10000000, &a->vms); break;
        case OPT_SEED: rc = intArg("seed", optarg, 0, 0x7fffffffL, &a->seed); break;
        case OPT_POLICY: a->opt.policy = optarg; break;
        case OPT_LOW: rc = numberArg("low", optarg, 0, 1, &a->low); break;
        case OPT_HIGH: rc = numberArg("high", optarg, 0.01, 1, &a->high); break;
        case OPT_HEADROOM: rc = numberArg("headroom", optarg, 0, 10, &c->headroom); break;
        case OPT_MAXMIG:
            rc = intArg("max-migrations", optarg, 0, 1000000, &n);
            c->maxParallelMigrations = (int)n;
            break;
        case OPT_MINON:
            rc = intArg("min-hosts-on", optarg, 0, 10000000, &n);
            c->minHostsOn = (int)n;
            break;
        case OPT_COOLDOWN: rc = numberArg("cooldown", optarg, 0, 1e7, &c->cooldownS); break;
        case OPT_INTERVAL: rc = numberArg("interval", optarg, 1, 86400, &a->opt.intervalS); break;
        case OPT_BANDWIDTH: rc = numberArg("bandwidth", optarg, 1, 1e6, &a->bandwidthMbit); break;
        case OPT_SCALE: rc = intArg("scale", optarg, 1, 1000, &a->scale); break;
        case OPT_PLACEMENT: a->placement = optarg; break;
        case OPT_TIMELINE: a->timeline = optarg; break;
        case OPT_JSON: a->json = true; break;
        case OPT_NOPROGRESS: a->progress = false; break;
        case OPT_LIST: a->list = true; break;
        case OPT_HELP: help(stdout); return 1;
        case OPT_SIGNALS: a->signals = optarg; break;
        case OPT_DEFERRABLE: a->deferrable = optarg; break;
        case OPT_OBJECTIVE: a->objective = optarg; break;
        case OPT_SITES: a->sites = optarg; break;
        case OPT_COMPAT: a->compat = optarg; break;
        default:
            return ERR("unknown or incomplete option '%s'; see 'geyser %s --help'",
                       argv[optind - 1], cmd);
        }
        if (rc != 0) return -1;
    }
    if (optind < argc) return ERR("unexpected argument '%s'", argv[optind]);
    if (a->trace && a->csv) return ERR("--trace and --csv cannot be combined");
    if (a->order && !a->trace) return ERR("--order needs --trace");
    if ((a->deferrable || a->sites || a->objective) && !a->signals)
        return ERR("--jobs, --objective and --sites need --signals DIR");
    ShiftObjective o;
    if (a->objective && shiftObjectiveParse(a->objective, &o) != 0) return -1;
    if (a->placement && strcmp(a->placement, "spread") != 0 && strcmp(a->placement, "stack") != 0)
        return ERR("--placement: '%s' is not spread or stack", a->placement);
    a->opt.sim.linkMBps = a->bandwidthMbit / 8;
    if (a->compat) {
        if (strcmp(a->compat, "cloudsim") != 0)
            return ERR("--compat: '%s' is not a known simulator (cloudsim)", a->compat);
        if (a->placement)
            return ERR("--compat cloudsim places the VMs as CloudSim does: drop --placement");
        if (a->signals) return ERR("--compat cloudsim has no energy signals: drop --signals");
        if (a->opt.intervalS > 0)
            return ERR("--compat cloudsim decides at every trace step (300 s): drop --interval");
        a->opt.sim.cloudsim = true;
    }
    return 0;
}

static void listEverything(void) {
    printf("Scenarios:\n");
    for (int i = 0; scenarioBuiltinNames[i]; i++)
        printf("  %s\n", scenarioBuiltinNames[i]);
    printf("\nPolicies:\n");
    for (int i = 0; policyRegistry[i]; i++)
        printf("  %s\n", policyRegistry[i]->synopsis);
    const ServerType *types;
    int n = serverTypesBuiltin(&types);
    printf("\nServer types (cores x MIPS, RAM, idle-max W):\n");
    for (int i = 0; i < n; i++)
        printf("  %-30s %2d x %4.0f  %6.0f MB  %5.1f-%5.1f W  %s\n", types[i].name, types[i].cores,
               types[i].coreMips, types[i].ramMb, powerAt(&types[i].power, 0),
               powerAt(&types[i].power, 1), powerKindName(types[i].power.kind));
}

static Workload *loadTrace(const SimArgs *a) {
    Workload *wl;
    if (a->trace && a->order)
        wl = workloadLoadPlanetLabOrdered(a->trace, a->order);
    else if (a->trace)
        wl = workloadLoadPlanetLab(a->trace);
    else
        wl = workloadLoadCsv(a->csv);
    if (!wl || a->scale == 1) return wl;
    Workload *big = workloadRepeat(wl, (int)a->scale);
    workloadFree(wl);
    return big;
}

static Scenario *buildScenario(const SimArgs *a);

Scenario *cliBuildScenario(const SimArgs *a) {
    Scenario *sc = buildScenario(a);
    if (sc && a->placement && strcmp(sc->name, "paper-3node") == 0) {
        scenarioFree(sc);
        return ERR("the paper-3node scenario places its own VMs: drop --placement"), NULL;
    }
    if (sc && a->placement && scenarioPlace(sc, a->placement) != 0) {
        errPrefix("--placement");
        scenarioFree(sc);
        return NULL;
    }
    return sc;
}

static Scenario *buildScenario(const SimArgs *a) {
    const char *name = a->scenario ? a->scenario : (a->trace || a->csv) ? "planetlab" : "synthetic";
    HostMix mix = hostMixStandard();
    if (a->hosts && hostMixParse(a->hosts, &mix) != 0) return NULL;
    for (int g = 0; g < mix.ngroups; g++)
        mix.counts[g] *= (int)a->scale;
    if (strcmp(name, "paper-3node") == 0) {
        if (a->trace || a->csv || a->hosts || a->scale != 1)
            return ERR("the paper-3node scenario has its own hosts and load: drop --trace, --csv, "
                       "--hosts and --scale"),
                   NULL;
        return scenarioPaper3Node();
    }
    if (strcmp(name, "synthetic") == 0) {
        if (a->trace || a->csv)
            return ERR("the synthetic scenario makes its own load: drop --trace/--csv"), NULL;
        return scenarioSynthetic(&mix, (int)(a->vms * a->scale), (uint64_t)a->seed);
    }
    if (strcmp(name, "planetlab") == 0) {
        if (!a->trace && !a->csv)
            return ERR("the planetlab scenario needs a trace: --trace DIR (a PlanetLab day) or "
                       "--csv FILE"),
                   NULL;
        Workload *wl = loadTrace(a);
        if (!wl) return NULL;
        return scenarioFromTrace("planetlab", wl, &mix);
    }
    ERR("unknown scenario '%s' (known: paper-3node, synthetic, planetlab)", name);
    return NULL;
}

int cliLoadEnergy(SimArgs *a) {
    if (!a->signals) return 0;
    char def[1024];
    const char *jobs = a->deferrable;
    snprintf(def, sizeof(def), "%s/jobs.csv", a->signals);
    if (!jobs && access(def, R_OK) == 0) jobs = def;
    if (!jobs)
        return ERR("--signals %s holds no jobs.csv: give the jobs with --jobs FILE", a->signals);
    if (energySetupLoad(&a->energy, a->signals, jobs, a->sites) != 0) return -1;
    a->opt.energy = &a->energy;
    return 0;
}

static json_t *totalsJson(const EnergyTotals *t) {
    return json_pack("{s:f, s:f, s:f, s:f}", "energy_kwh", t->energyKwh, "cost_eur", t->costEur,
                     "co2_kg", t->co2Kg, "non_renewable_kwh", t->nonRenewableKwh);
}

static double cutPct(double now, double ref) {
    return ref != 0 ? 100 * (1 - now / ref) : 0;
}

static json_t *cutsJson(const EnergyTotals *t, const EnergyTotals *ref) {
    return json_pack("{s:f, s:f, s:f}", "cost_pct", cutPct(t->costEur, ref->costEur), "co2_pct",
                     cutPct(t->co2Kg, ref->co2Kg), "non_renewable_pct",
                     cutPct(t->nonRenewableKwh, ref->nonRenewableKwh));
}

json_t *cliEnergyJson(const EnergyResult *e) {
    json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:f}", "objective", e->objective, "jobs", e->jobs,
                          "deadlines_met", e->deadlinesMet, "jobs_moved", e->jobsMoved,
                          "transfer_kwh", e->transferKwh);
    json_object_set_new(o, "site", totalsJson(&e->site));
    json_object_set_new(o, "site_at_arrival", totalsJson(&e->siteAtArrival));
    json_object_set_new(o, "jobs_energy", totalsJson(&e->jobs_));
    json_object_set_new(o, "jobs_at_arrival", totalsJson(&e->jobsAtArrival));
    json_object_set_new(o, "site_cut", cutsJson(&e->site, &e->siteAtArrival));
    json_object_set_new(o, "jobs_cut", cutsJson(&e->jobs_, &e->jobsAtArrival));
    json_t *caps = json_array();
    for (int i = 0; i < e->ncaps; i++) {
        const CapResult *c = &e->caps[i];
        json_t *cj = json_pack("{s:f, s:f, s:f, s:b, s:f, s:f}", "start", c->start, "end", c->end,
                               "cap_kw", c->capKw, "met", c->met, "max_draw_kw", c->maxDrawKw,
                               "max_over_kw", c->maxOverKw);
        json_object_set_new(cj, "met_after_s", c->met ? json_real(c->metAfterS) : json_null());
        json_array_append_new(caps, cj);
    }
    json_object_set_new(o, "caps", caps);
    return o;
}

json_t *cliResultJson(const SimResult *r) {
    json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:i, s:f, s:f}", "scenario", r->scenario, "policy",
                          r->policy, "hosts", r->hosts, "vms", r->vms, "steps", r->steps,
                          "interval_s", r->intervalS, "duration_s", r->durationS);
    json_object_set_new(o, "energy_kwh", json_real(r->energyKwh));
    json_object_set_new(o, "baseline_kwh", json_real(r->baselineKwh));
    json_object_set_new(o, "lower_bound_kwh", json_real(r->lowerBoundKwh));
    json_object_set_new(o, "saving_pct", json_real(r->savingPct));
    json_object_set_new(o, "migrations", json_integer(r->migrations));
    json_object_set_new(o, "host_shutdowns", json_integer(r->hostShutdowns));
    json_object_set_new(o, "host_boots", json_integer(r->hostBoots));
    json_object_set_new(o, "slatah_pct", json_real(r->slatahPct));
    json_object_set_new(o, "pdm_pct", json_real(r->pdmPct));
    json_object_set_new(o, "slav", json_real(r->slav));
    json_object_set_new(o, "overload_pct", json_real(r->overloadPct));
    if (r->cloudsim) json_object_set_new(o, "vms_finished", json_integer(r->vmsFinished));
    json_object_set_new(o, "refused_actions", json_integer(r->refused));
    json_object_set_new(o, "failed_actions", json_integer(r->failed));
    json_object_set_new(o, "runtime_s", json_real(r->runtimeS));
    if (r->energy.on) json_object_set_new(o, "energy", cliEnergyJson(&r->energy));
    if (r->nphases > 0) {
        json_t *phases = json_array();
        for (int i = 0; i < r->nphases; i++) {
            const PhaseResult *p = &r->phases[i];
            json_array_append_new(phases, json_pack("{s:s, s:f, s:f, s:f}", "name", p->name,
                                                    "duration_s", p->durationS, "avg_power_w",
                                                    p->avgPowerW, "hosts_on", p->avgHostsOn));
        }
        json_object_set_new(o, "phases", phases);
    }
    return o;
}

static void printEnergy(const EnergyResult *e) {
    printf("\n  deferrable jobs: %d, deadlines met %d, planned for %s, %d moved to another site\n",
           e->jobs, e->deadlinesMet, e->objective, e->jobsMoved);
    printf("  %-22s %12s %12s %12s\n", "", "EUR", "kg CO2", "non-ren kWh");
    const struct {
        const char *label;
        const EnergyTotals *t;
    } rows[] = {{"site", &e->site},
                {"site, jobs at arrival", &e->siteAtArrival},
                {"jobs", &e->jobs_},
                {"jobs at arrival", &e->jobsAtArrival}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        printf("  %-22s %12.2f %12.1f %12.1f\n", rows[i].label, rows[i].t->costEur,
               rows[i].t->co2Kg, rows[i].t->nonRenewableKwh);
    for (int i = 0; i < e->ncaps; i++) {
        const CapResult *c = &e->caps[i];
        printf("  cap %.0f kW %.0f-%.0f s: ", c->capKw, c->start, c->end);
        if (c->met)
            printf("met %.0f s after its start (worst step %.1f kW)\n", c->metAfterS, c->maxDrawKw);
        else
            printf("NOT met (worst step %.1f kW)\n", c->maxDrawKw);
    }
}

static void printTable(const SimResult *r) {
    printf("scenario %s: %d hosts, %d VMs, %d steps of %.0f s; policy %s\n\n", r->scenario,
           r->hosts, r->vms, r->steps, r->intervalS, r->policy);
    printf("  %-18s %12.3f kWh\n", "energy", r->energyKwh);
    printf("  %-18s %12.3f kWh\n", "baseline (all on)", r->baselineKwh);
    printf("  %-18s %12.3f kWh\n", "lower bound", r->lowerBoundKwh);
    printf("  %-18s %12.1f %%%s\n", "saving", r->savingPct,
           r->nphases > 0 ? "  (last phase against the load-spread phase)" : "");
    printf("  %-18s %12ld\n", "migrations", r->migrations);
    printf("  %-18s %12ld\n", "host shutdowns", r->hostShutdowns);
    printf("  %-18s %12ld\n", "host boots", r->hostBoots);
    printf("  %-18s %12.3f %%\n", "SLATAH", r->slatahPct);
    printf("  %-18s %12.4f %%\n", "PDM", r->pdmPct);
    printf("  %-18s %12.3g\n", "SLAV", r->slav);
    printf("  %-18s %12.4f %%\n", "overload", r->overloadPct);
    if (r->refused || r->failed)
        printf("  %-18s %12ld refused, %ld failed; last: %s\n", "actions", r->refused, r->failed,
               r->lastProblem);
    printf("  %-18s %12.3f s\n", "runtime", r->runtimeS);
    if (r->energy.on) printEnergy(&r->energy);
    if (r->nphases == 0) return;
    printf("\n  %-16s %10s %12s %9s\n", "phase", "minutes", "avg power W", "hosts on");
    for (int i = 0; i < r->nphases; i++)
        printf("  %-16s %10.1f %12.1f %9.2f\n", r->phases[i].name, r->phases[i].durationS / 60,
               r->phases[i].avgPowerW, r->phases[i].avgHostsOn);
}

static int simulateWith(SimArgs *a) {
    if (a->low >= 0 || a->high >= 0) {
        /* Thresholds given apart from the policy spec: apply after it. */
        static char spec[160];
        const char *base = a->opt.policy ? a->opt.policy : "paper";
        if (strchr(base, ':'))
            return ERR("give thresholds either in --policy or with --low/--high, not both");
        snprintf(spec, sizeof(spec), "%s:%g,%g", base, a->low >= 0 ? a->low : 0.2,
                 a->high >= 0 ? a->high : 0.8);
        a->opt.policy = spec;
    }
    if (a->objective) {
        static char spec[160];
        int n = snprintf(spec, sizeof(spec), "%s+%s", a->opt.policy ? a->opt.policy : "geyser",
                         a->objective);
        if (n < 0 || (size_t)n >= sizeof(spec))
            return ERR("--policy and --objective make a spec longer than %zu characters",
                       sizeof(spec) - 1);
        a->opt.policy = spec;
    }
    if (cliLoadEnergy(a) != 0) return -1;
    Scenario *sc = cliBuildScenario(a);
    if (!sc) return -1;
    FILE *tl = NULL;
    if (a->timeline && !(tl = fopen(a->timeline, "w"))) {
        scenarioFree(sc);
        return ERR("cannot write the timeline to %s: %m", a->timeline);
    }
    a->opt.timeline = tl;
    Progress prog;
    progressStart(&prog, "simulating", a->progress);
    a->opt.progress = progressUpdate;
    a->opt.progressArg = &prog;
    SimResult r;
    int rc = simulateRun(sc, &a->opt, &r);
    progressEnd(&prog);
    scenarioFree(sc);
    if (tl && fclose(tl) != 0 && rc == 0)
        rc = ERR("cannot write the timeline to %s: %m", a->timeline);
    if (rc != 0) return -1;
    if (a->json) {
        json_t *o = cliResultJson(&r);
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        fputc('\n', stdout);
        json_decref(o);
    } else {
        printTable(&r);
    }
    return 0;
}

int cmdSimulate(int argc, char **argv) {
    SimArgs a = {.command = "simulate", .help = cmdSimulateHelp};
    int rc = cliParseSimArgs(argc, argv, &a);
    if (rc == 1) return 0;
    if (rc < 0) {
        cliError("simulate");
        return EXIT_USAGE;
    }
    if (a.list) {
        listEverything();
        return 0;
    }
    rc = simulateWith(&a);
    energySetupFree(&a.energy);
    if (rc != 0) {
        cliError("simulate");
        return 1;
    }
    return 0;
}
