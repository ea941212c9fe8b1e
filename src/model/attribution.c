/* attribution.c - per-VM shares of a host's power. */
#include "attribution.h"

#include <string.h>

#include "err.h"

double attributePower(double hostW, double idleW, const double *usedCpu, const int *vcpus, int n,
                      IdleSplit split, double *outW) {
    if (n <= 0) return hostW;
    double dynamicW = hostW > idleW ? hostW - idleW : 0;
    double baseW = hostW - dynamicW;
    double cpuSum = 0, vcpuSum = 0;
    for (int i = 0; i < n; i++) {
        cpuSum += usedCpu[i] > 0 ? usedCpu[i] : 0;
        vcpuSum += vcpus[i] > 0 ? vcpus[i] : 0;
    }
    for (int i = 0; i < n; i++) {
        double idleShare = split == IDLE_BY_VCPU && vcpuSum > 0
                               ? (vcpus[i] > 0 ? vcpus[i] : 0) / vcpuSum
                               : 1.0 / n;
        /* With no CPU used at all, the dynamic part (noise above idle)
         * follows the idle split rather than vanishing. */
        double dynShare = cpuSum > 0 ? (usedCpu[i] > 0 ? usedCpu[i] : 0) / cpuSum : idleShare;
        outW[i] = baseW * idleShare + dynamicW * dynShare;
    }
    return 0;
}

int idleSplitParse(const char *s, IdleSplit *out) {
    if (strcmp(s, "vcpu") == 0)
        *out = IDLE_BY_VCPU;
    else if (strcmp(s, "equal") == 0)
        *out = IDLE_EQUAL;
    else
        return ERR("unknown idle split '%s' (expected vcpu or equal)", s);
    return 0;
}
