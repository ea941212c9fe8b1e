/* migcost.c - the price of one live migration (see migcost.h). */
#include "migcost.h"

double migrationCostJ(const Vm *vm, const Host *src, double linkMBps, double degradation) {
    double seconds = vm->ramMb / (linkMBps > 0 ? linkMBps : 125);
    double marginalW = 0;
    if (src->type) marginalW = powerAt(&src->type->power, 1) - powerAt(&src->type->power, 0);
    double cpuShare = src->capacity > 0 ? vm->util * vm->cpu / src->capacity : 0;
    return seconds * marginalW * cpuShare * (2 + degradation * 10);
}
