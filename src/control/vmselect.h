/* vmselect.h - which VM leaves an overloaded host, after Beloglazov & Buyya
 * (CCPE 2012): minimum migration time (MMT: least RAM), maximum correlation
 * (MC: the VM whose utilization the others' explain best, R^2 of a multiple
 * regression, as CloudSim), minimum utilization (MU) and random selection
 * (RS, seeded so that runs are reproducible). */
#ifndef GEYSER_VMSELECT_H
#define GEYSER_VMSELECT_H

#include <stddef.h>
#include <stdint.h>

typedef enum { SEL_MMT = 0, SEL_MC, SEL_MU, SEL_RS } VmSelectKind;

/* One candidate VM of the host. */
typedef struct VmCand {
    double ramMb;
    double util;        /* present CPU utilization, [0, 1] */
    const double *hist; /* utilization history, oldest first */
    int histLen;
} VmCand;

/* "mmt" -> SEL_MMT. Returns -1 (no error recorded) for an unknown name. */
int vmSelectParseKind(const char *name, size_t len, VmSelectKind *out);
const char *vmSelectKindName(VmSelectKind k);

/* Index of the chosen candidate in c[0..n), or -1 when n is 0. Ties go to
 * the lowest index. *rng is the state of RS's generator (advanced). MC falls
 * back to MMT when the histories are too short for the regression. */
int vmSelect(VmSelectKind k, const VmCand *c, int n, uint64_t *rng);

/* R^2 of the least-squares fit of y (m values) on the columns x[j][0..m),
 * j < p, with an intercept. Returns -1 when m <= p + 1 or the system is
 * singular. Exposed for tests. */
int vmSelectRSquared(const double *y, const double *const *x, int p, int m, double *r2);

#endif
