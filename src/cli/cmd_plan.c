/* cmd_plan.c - `geyser plan`: what the controller would do next, and why,
 * without doing it. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "controller.h"
#include "err.h"
#include "openstack.h"
#include "scenario.h"
#include "servertype.h"
#include "simcloud.h"
#include "util.h"

/* libvirt reports no hardware model: hosts are taken as this type, as
 * geyser serve does by default. */
#define PLAN_LIBVIRT_SERVER_TYPE "HpProLiantMl110G5Xeon3075"

void cmdPlanHelp(FILE *f) {
    fprintf(
        f,
        "NAME\n"
        "    geyser plan - show the controller's next plan without acting\n\n"
        "SYNOPSIS\n"
        "    geyser plan [--scenario NAME] [--trace DIR] [--hosts MIX] [--policy SPEC]\n"
        "                [--at SECONDS] [--json]\n"
        "    geyser plan --os-cloud NAME | --openstack [--policy SPEC] [--json]\n"
        "    geyser plan --libvirt [NAME=]URI[,...] [--policy SPEC] [--json]\n\n"
        "DESCRIPTION\n"
        "    Builds the cloud's present state and asks the controller for a plan, in observe\n"
        "    mode: every action is listed with the reason the policy chose it, and none is\n"
        "    executed. With no configuration it plans on the embedded simulated cloud.\n\n"
        "OPTIONS\n"
        "    --scenario NAME   synthetic (default), paper-3node, planetlab (with --trace)\n"
        "    --trace DIR       a PlanetLab day\n"
        "    --hosts MIX       COUNT:TYPE[,COUNT:TYPE...]\n"
        "    --policy SPEC     consolidation policy (default: the scenario's)\n"
        "    --at SECONDS      plan on the workload as it is at this time (default 0)\n"
        "    --os-cloud NAME   plan on this OpenStack cloud of clouds.yaml (see "
        "docs/openstack.md)\n"
        "    --openstack       plan on the OpenStack cloud of $OS_CLOUD or the OS_* variables\n"
        "    --libvirt LIST    plan on these libvirt hosts (comma-separated [NAME=]URI; their\n"
        "                      CPU use is measured over 2 s; hosts are taken as\n"
        "                      " PLAN_LIBVIRT_SERVER_TYPE ")\n"
        "    --json            {\"actions\": [{\"type\", \"vm\", \"host\", \"target\", \"mode\",\n"
        "                      \"reason\"}], ...}\n");
}

static json_t *planJson(const Controller *ctl, const CloudView *v, const char *scenario) {
    json_t *actions = json_array();
    for (size_t i = 0; i < ctl->plan.n; i++) {
        const Action *a = &ctl->plan.actions[i];
        json_t *o = json_pack("{s:s, s:s, s:s}", "type", actionTypeName(a->type), "host",
                              v->hosts[a->host].name, "reason", a->reason);
        if (a->type == ACT_MIGRATE) {
            json_object_set_new(o, "vm", json_string(v->vms[a->vm].name));
            json_object_set_new(o, "target", json_string(v->hosts[a->target].name));
            json_object_set_new(o, "mode", json_string(migrationModeName(ctl->cfg.mode)));
        }
        json_array_append_new(actions, o);
    }
    return json_pack("{s:s, s:s, s:f, s:o}", "scenario", scenario, "policy", ctl->policy->spec,
                     "time_s", v->now, "actions", actions);
}

static void planTable(const Controller *ctl, const CloudView *v) {
    printf("plan at t=%.0f s, policy %s: %zu action(s)\n", v->now, ctl->policy->spec, ctl->plan.n);
    if (ctl->plan.n == 0) return;
    printf("\n  %-9s %-28s %-12s %-12s %s\n", "action", "vm", "host", "target", "reason");
    for (size_t i = 0; i < ctl->plan.n; i++) {
        const Action *a = &ctl->plan.actions[i];
        bool mig = a->type == ACT_MIGRATE;
        printf("  %-9s %-28.28s %-12s %-12s %s\n", actionTypeName(a->type),
               mig ? v->vms[a->vm].name : "-", v->hosts[a->host].name,
               mig ? v->hosts[a->target].name : "-", a->reason);
    }
}

/* Plan on a real cloud (OpenStack or libvirt): read its inventory, act on
 * nothing. libvirt gives utilization as the CPU-time delta between two
 * reads, so its hosts are read twice, LIBVIRT_SAMPLE_S apart. */
#define LIBVIRT_SAMPLE_S 2
static int planReal(const CliCloudOpts *real, const char *policy, bool json) {
    OsConfig oc = {0};
    CtlConfig cfg = ctlConfigDefaults();
    UtilFile *util = NULL; /* none: plan reads no utilization file */
    const ServerType *type = real->libvirt ? serverTypeFind(PLAN_LIBVIRT_SERVER_TYPE) : NULL;
    Cloud *cloud = cliOpenCloud(real, type, &oc, &util);
    if (cloud && real->libvirt) {
        if (cloudRefresh(cloud) != 0) {
            cloudClose(cloud);
            cloud = NULL;
        } else {
            sleep(LIBVIRT_SAMPLE_S);
        }
    }
    Policy *p = cloud ? policyCreate(policy ? policy : "paper", &cfg) : NULL;
    Controller *ctl = p ? ctlCreate(p, &cfg) : NULL;
    if (!ctl) policyFree(p);
    int rc = ctl ? ctlTick(ctl, cloud, false) : -1;
    if (rc == 0 && json) {
        json_t *o = planJson(ctl, &cloud->view, real->libvirt ? "libvirt" : "openstack");
        if (!real->libvirt)
            json_object_set_new(o, "cloud", json_string(oc.cloud ? oc.cloud : "environment"));
        json_object_set_new(o, "hosts", json_integer(cloud->view.nhosts));
        json_object_set_new(o, "vms", json_integer(cloud->view.nvms));
        json_dumpf(o, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(o);
    } else if (rc == 0) {
        planTable(ctl, &cloud->view);
    } else {
        cliError("plan");
    }
    ctlFree(ctl);
    cloudClose(cloud);
    osConfigFree(&oc);
    return rc == 0 ? 0 : 1;
}

int cmdPlan(int argc, char **argv) {
    static const struct option opts[] = {{"scenario", required_argument, NULL, 'S'},
                                         {"trace", required_argument, NULL, 'T'},
                                         {"hosts", required_argument, NULL, 'H'},
                                         {"policy", required_argument, NULL, 'p'},
                                         {"at", required_argument, NULL, 'a'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"os-cloud", required_argument, NULL, 'C'},
                                         {"openstack", no_argument, NULL, 'O'},
                                         {"libvirt", required_argument, NULL, 'L'},
                                         {NULL, 0, NULL, 0}};
    const char *scenario = NULL, *trace = NULL, *hosts = NULL, *policy = NULL;
    double at = 0;
    bool json = false, openstack = false;
    const char *osCloud = NULL, *libvirt = NULL;
    optind = 1;
    opterr = 0;
    int ch, rc = 0;
    while (rc == 0 && (ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'S': scenario = optarg; break;
        case 'T': trace = optarg; break;
        case 'H': hosts = optarg; break;
        case 'p': policy = optarg; break;
        case 'a':
            if (parseDouble(optarg, &at) != 0 || at < 0)
                rc = ERR("--at: '%s' is not a non-negative number of seconds", optarg);
            break;
        case 'j': json = true; break;
        case 'C': osCloud = optarg, openstack = true; break;
        case 'O': openstack = true; break;
        case 'L': libvirt = optarg; break;
        case 'h': cmdPlanHelp(stdout); return 0;
        default:
            rc = ERR("unknown or incomplete option '%s'; see 'geyser plan --help'",
                     argv[optind - 1]);
        }
    }
    if (rc == 0 && optind < argc) rc = ERR("unexpected argument '%s'", argv[optind]);
    if (rc == 0 && openstack && libvirt)
        rc = ERR("--libvirt and --os-cloud/--openstack name two clouds: give one");
    if (rc != 0) {
        cliError("plan");
        return EXIT_USAGE;
    }
    if (openstack || libvirt) {
        CliCloudOpts real = {.openstack = openstack, .osCloud = osCloud, .libvirt = libvirt};
        return planReal(&real, policy, json);
    }
    Scenario *sc = cliScenario(scenario, trace, hosts);
    CtlConfig cfg = ctlConfigDefaults();
    Policy *p = sc ? policyCreate(policy ? policy : sc->defaultPolicy, &cfg) : NULL;
    Cloud *cloud =
        p ? simCloudCreate(sc->hosts, sc->nhosts, sc->vms, sc->nvms, sc->wl, NULL) : NULL;
    Controller *ctl = cloud ? ctlCreate(p, &cfg) : NULL;
    if (!ctl) policyFree(p);
    rc = ctl ? 0 : -1;
    if (ctl) {
        simSetTime(cloud, at);
        rc = ctlTick(ctl, cloud, false);
    }
    if (rc == 0 && json) {
        json_t *o = planJson(ctl, &cloud->view, sc->name);
        json_dumpf(o, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(o);
    } else if (rc == 0) {
        planTable(ctl, &cloud->view);
    } else {
        cliError("plan");
    }
    ctlFree(ctl);
    cloudClose(cloud);
    scenarioFree(sc);
    return rc == 0 ? 0 : 1;
}
