/* cli.h - the subcommands of the geyser executable and what they share:
 * the command table, help text and the progress bar. */
#ifndef GEYSER_CLI_H
#define GEYSER_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "cloud.h"
#include "openstack.h"
#include "simulate.h"
#include "utilfile.h"

typedef struct CliCommand {
    const char *name;
    const char *summary;               /* one line for `geyser --help` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    void (*help)(FILE *f);             /* the man-page-style `geyser CMD --help` */
} CliCommand;

extern const CliCommand cliCommands[];

int cmdSimulate(int argc, char **argv);
void cmdSimulateHelp(FILE *f);
int cmdCollect(int argc, char **argv);
void cmdCollectHelp(FILE *f);
int cmdServe(int argc, char **argv);
void cmdServeHelp(FILE *f);
int cmdPlan(int argc, char **argv);
void cmdPlanHelp(FILE *f);
int cmdApply(int argc, char **argv);
void cmdApplyHelp(FILE *f);
int cmdShift(int argc, char **argv);
void cmdShiftHelp(FILE *f);

struct Scenario;
/* The scenario named on the command line (NULL name: synthetic, or
 * planetlab when a trace is given). NULL with an error. */
struct Scenario *cliScenario(const char *name, const char *trace, const char *hosts);
/* The real cloud of the command line: OpenStack (--os-cloud NAME sets
 * osCloud, --openstack alone the OS_* environment) or libvirt (--libvirt
 * [NAME=]URI[,...]), with the actuators of a power file (--power) and an
 * OpenStack utilization file (--vm-util). */
typedef struct CliCloudOpts {
    bool openstack;
    const char *osCloud, *power, *vmUtil;
    const char *libvirt;    /* [NAME=]URI[,[NAME=]URI...], or NULL */
    const char *serverType; /* NULL: the default (cmd_serve.c) */
    double intervalS;       /* serve's control interval: not used to open */
    bool intervalGiven;
} CliCloudOpts;
/* Open it. The files are read before the cloud is, so that their errors
 * come first. *oc (zeroed by the caller) must outlive the cloud (the
 * OpenStack session keeps its strings) and is the caller's to free with
 * osConfigFree; *util (or NULL) is the cloud's utilization provider, the
 * caller's to free after the cloud. type is the libvirt hosts' server
 * type (may be NULL). NULL with an error. */
Cloud *cliOpenCloud(const CliCloudOpts *o, const ServerType *type, OsConfig *oc, UtilFile **util);
int cmdMigration(int argc, char **argv);
void cmdMigrationHelp(FILE *f);
int cmdMigbench(int argc, char **argv);
void cmdMigbenchHelp(FILE *f);
int cmdFit(int argc, char **argv);
void cmdFitHelp(FILE *f);
int cmdCompare(int argc, char **argv);
void cmdCompareHelp(FILE *f);

/* The scenario and controller options that simulate and compare share
 * (cmd_simulate.c). */
typedef struct SimArgs {
    const char *command;  /* for messages: "simulate" */
    void (*help)(FILE *); /* what --help prints */
    const char *scenario, *trace, *order, *csv, *hosts, *timeline, *placement, *compat;
    long vms, seed, scale;
    bool json, progress, list;
    double low, high, bandwidthMbit;
    const char *signals, *deferrable, *sites, *objective; /* energy inputs, or NULL */
    EnergySetup energy;                                   /* loaded by cliLoadEnergy */
    SimOptions opt;
} SimArgs;

extern const struct option cliSimOptions[];
/* Parse simulate's options into *a (command and help are kept). Returns 0,
 * 1 when --help was handled, or -1 on a usage error. */
int cliParseSimArgs(int argc, char **argv, SimArgs *a);
/* The scenario the options name, or NULL with an error. */
Scenario *cliBuildScenario(const SimArgs *a);
/* Load --signals (with --jobs/--deferrable, else DIR/jobs.csv) and
 * --sites into a->energy and point a->opt.energy at it; nothing without
 * --signals. Free with energySetupFree(&a->energy). */
int cliLoadEnergy(SimArgs *a);
/* The energy part of a run, under its JSON names. */
json_t *cliEnergyJson(const EnergyResult *e);
/* A run's metrics under their JSON names. */
json_t *cliResultJson(const SimResult *r);

/* Exit codes: 0 success, 1 the work failed, 2 bad usage. */
#define EXIT_USAGE 2

/* Print "geyser: <message>" for the last error. */
void cliError(const char *context);

/* A progress bar on stderr when it is a terminal; silent otherwise. */
typedef struct Progress {
    bool enabled;
    int lastPercent;
    const char *label;
    double started;
} Progress;

void progressStart(Progress *p, const char *label, bool allowed);
void progressUpdate(void *arg, double fraction);
void progressEnd(Progress *p);

#endif
