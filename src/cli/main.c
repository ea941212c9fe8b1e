/* main.c - the geyser executable: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "err.h"

#ifndef GEYSER_VERSION
#define GEYSER_VERSION "0.1.0"
#endif

const CliCommand cliCommands[] = {
    {"simulate", "run the controller on a simulated cloud and report energy and SLA metrics",
     cmdSimulate, cmdSimulateHelp},
    {"serve", "run the daemon: cloud, controller, Prometheus metrics and JSON API", cmdServe,
     cmdServeHelp},
    {"plan", "show the controller's next plan and its reasons, without acting", cmdPlan,
     cmdPlanHelp},
    {"apply", "approve (or discard) the plan a daemon in manual mode is holding", cmdApply,
     cmdApplyHelp},
    {"shift", "place deferrable jobs in the cheapest, greenest or most renewable hours", cmdShift,
     cmdShiftHelp},
    {"collect",
     "read power meters (hwmon, RAPL, IPMI, Redfish, exec, model, sim) and print samples",
     cmdCollect, cmdCollectHelp},
    {"migration", "predict the cost of a live migration (pre-copy, post-copy, hybrid)",
     cmdMigration, cmdMigrationHelp},
    {"migbench", "measure live migrations between two local QEMUs against the model", cmdMigbench,
     cmdMigbenchHelp},
    {"fit", "fit server power models (watts against CPU utilization) from measurements", cmdFit,
     cmdFitHelp},
    {"compare", "run several policies on the same traces and tabulate their metrics", cmdCompare,
     cmdCompareHelp},
    {NULL, NULL, NULL, NULL},
};

static void mainHelp(FILE *f) {
    fprintf(f, "NAME\n"
               "    geyser - measure, model and cut the energy of OpenStack and libvirt clouds\n\n"
               "SYNOPSIS\n"
               "    geyser COMMAND [OPTIONS]\n"
               "    geyser COMMAND --help\n"
               "    geyser --version\n\n"
               "DESCRIPTION\n"
               "    geyser learns how each server's power follows its load and consolidates\n"
               "    virtual machines by live migration, so that emptied servers can be powered\n"
               "    down and woken again when load returns.\n\n"
               "COMMANDS\n");
    for (const CliCommand *c = cliCommands; c->name; c++)
        fprintf(f, "    %-12s %s\n", c->name, c->summary);
    fprintf(f, "\nEXIT STATUS\n"
               "    0 success, 1 the work failed, 2 bad usage.\n\n"
               "SEE ALSO\n"
               "    README.md, docs/architecture.md\n");
}

void cliError(const char *context) {
    if (context)
        fprintf(stderr, "geyser: %s: %s\n", context, errLast());
    else
        fprintf(stderr, "geyser: %s\n", errLast());
}

int main(int argc, char **argv) {
    if (argc < 2) {
        mainHelp(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        if (argc > 2 && strcmp(cmd, "help") == 0) {
            for (const CliCommand *c = cliCommands; c->name; c++)
                if (strcmp(c->name, argv[2]) == 0) {
                    c->help(stdout);
                    return 0;
                }
        }
        mainHelp(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("geyser %s\n", GEYSER_VERSION);
        return 0;
    }
    for (const CliCommand *c = cliCommands; c->name; c++)
        if (strcmp(c->name, cmd) == 0) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "geyser: unknown command '%s'; see 'geyser --help'\n", cmd);
    return EXIT_USAGE;
}
