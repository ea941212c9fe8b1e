/* migcost.c - the price of one live migration (see migcost.h). */
#include "migcost.h"

#define MB_PER_MIB 1.048576

MigInput migCostInput(const Vm *vm, double linkMBps) {
    MigInput in = migInputDefaults();
    in.memMb = vm->ramMb > 0 ? vm->ramMb : 1;
    in.usedMb = in.memMb;
    in.wwsMb = MIGCOST_WWS_SHARE * in.memMb;
    double util = vm->util < 0 ? 0 : vm->util > 1 ? 1 : vm->util;
    in.mcrMbps = vm->dirtyMbps > 0 ? vm->dirtyMbps : MIGCOST_DIRTY_AT_FULL * util;
    in.bandwidthMbps = (linkMBps > 0 ? linkMBps : 125) / MB_PER_MIB;
    return in;
}

void migCostPredict(const Vm *vm, double linkMBps, MigrationMode asked, double degradation,
                    MigCost *out) {
    MigInput in = migCostInput(vm, linkMBps);
    out->mode = asked;
    migPredict(&in, asked, &out->pred);
    if (asked == MIGRATE_PRECOPY && !out->pred.converged) {
        out->mode = MIGRATE_HYBRID;
        migPredict(&in, MIGRATE_HYBRID, &out->pred);
    }
    out->timeS = out->pred.timeS;
    double demand = vm->util * vm->cpu;
    double pausedS = out->pred.downtimeMs / 1000 + out->pred.faultStallS;
    if (pausedS > out->timeS) pausedS = out->timeS;
    out->lossCpuS = demand * (degradation * (out->timeS - pausedS) + pausedS);
    out->lossShare = demand > 0 && out->timeS > 0 ? out->lossCpuS / (demand * out->timeS) : 0;
}

MigrationMode migCostChooseMode(const Vm *vm, double linkMBps, MigrationMode asked) {
    MigCost mc;
    migCostPredict(vm, linkMBps, asked, 0, &mc);
    return mc.mode;
}

double migrationCostJ(const Vm *vm, const Host *src, double linkMBps, double degradation) {
    MigCost mc;
    migCostPredict(vm, linkMBps, MIGRATE_PRECOPY, degradation, &mc);
    double marginalW = 0;
    if (src->type) marginalW = powerAt(&src->type->power, 1) - powerAt(&src->type->power, 0);
    double cpuShare = src->capacity > 0 ? vm->util * vm->cpu / src->capacity : 0;
    double lossJ = src->capacity > 0 ? mc.lossCpuS / src->capacity * marginalW : 0;
    return 2 * mc.timeS * marginalW * cpuShare + 10 * lossJ;
}
