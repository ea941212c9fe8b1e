/* migcost.h - what moving one VM costs, in joules, for policies that weigh
 * a migration against the energy it saves. The one place a migration is
 * priced: a pre-copy/post-copy model replaces migcost.c, not its callers. */
#ifndef GEYSER_MIGCOST_H
#define GEYSER_MIGCOST_H

#include "cloud.h"

/* For now RAM / link bandwidth seconds, during which both ends work at
 * about the VM's share of the source's marginal power, plus the CPU the VM
 * loses (degradation, 10 % in the simulator) priced ten times as dear as
 * energy. linkMBps <= 0 means 125 MB/s (1 Gbit/s). */
double migrationCostJ(const Vm *vm, const Host *src, double linkMBps, double degradation);

#endif
