/* migcost.h - what moving one VM costs, for the simulator that carries the
 * move out and for policies that weigh it against the energy it saves. The
 * one place a migration is priced: it feeds what the cloud view knows of a
 * VM (RAM, dirty rate, utilization) and the link bandwidth to the
 * pre-copy/post-copy model (src/migration/migmodel.h) and turns the
 * model's time, downtime and page-fault stall into CPU the VM loses. */
#ifndef GEYSER_MIGCOST_H
#define GEYSER_MIGCOST_H

#include "cloud.h"
#include "migration/migmodel.h"

/* A VM whose dirty rate is unknown (Vm.dirtyMbps 0, as for trace VMs) is
 * taken to rewrite memory at this many MiB/s per unit of CPU utilization,
 * inside a writable working set of this share of its RAM. */
#define MIGCOST_DIRTY_AT_FULL 40.0
#define MIGCOST_WWS_SHARE     0.25

typedef struct MigCost {
    MigrationMode mode; /* what runs: as asked, or hybrid for a pre-copy that would not converge */
    MigPrediction pred; /* the model's figures for that mode */
    double timeS;       /* start to the VM running on the destination alone */
    double lossCpuS;    /* CPU the VM loses: degradation x demand while it moves,
                           all of it while paused or stalled on page faults */
    double lossShare;   /* lossCpuS / (demand x timeS): the share lost over the move */
} MigCost;

/* The model's input for a VM on a link of linkMBps MB/s (10^6 bytes; <= 0
 * means 125, 1 Gbit/s): all its RAM in use, the dirty rate as above. */
MigInput migCostInput(const Vm *vm, double linkMBps);

/* Price a migration the caller would start in mode `asked`. A pre-copy the
 * model says would not converge is priced (and should be run) as hybrid,
 * the switch geyser's executor makes. Never fails: the input is built here. */
void migCostPredict(const Vm *vm, double linkMBps, MigrationMode asked, double degradation,
                    MigCost *out);

/* The mode to run a migration in: `asked`, or hybrid where the model says a
 * pre-copy of this VM would not converge. What the controller requests. */
MigrationMode migCostChooseMode(const Vm *vm, double linkMBps, MigrationMode asked);

/* Joules: the move's time at about the VM's share of the source's marginal
 * power on both ends, plus the CPU the VM loses priced ten times as dear as
 * the energy the same CPU would draw. */
double migrationCostJ(const Vm *vm, const Host *src, double linkMBps, double degradation);

#endif
