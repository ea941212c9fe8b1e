/* attribution.h - split a host's energy among the VMs that caused it, so
 * that an operator can report or bill energy per VM and per project.
 *
 * The dynamic part (power above the host's idle draw) goes to each VM in
 * proportion to the CPU it used (u_vm x cpu_vm, the paper's formula); the
 * idle part in proportion to vCPUs (what a VM reserves keeps the host on),
 * or equally per VM. The parts always add up to the host's total: a host
 * drawing less than its modelled idle power has no dynamic part, and a
 * host with no VM keeps all of its energy as host overhead. */
#ifndef GEYSER_ATTRIBUTION_H
#define GEYSER_ATTRIBUTION_H

typedef enum {
    IDLE_BY_VCPU = 0,
    IDLE_EQUAL,
} IdleSplit;

/* hostW: measured or modelled power; idleW: the host's idle power;
 * usedCpu[i] = u_vm x cpu_vm; vcpus[i]. Writes n shares to outW and returns
 * the unattributed overhead (non-zero only when n == 0). */
double attributePower(double hostW, double idleW, const double *usedCpu, const int *vcpus, int n,
                      IdleSplit split, double *outW);

int idleSplitParse(const char *s, IdleSplit *out);

#endif
