/* fitindex.h - best-fit search over hosts: the host with the least free CPU
 * that still fits a VM (and its RAM), in O(log n) plus a short scan.
 *
 * Hosts are kept sorted by free CPU; placing a VM moves its host a few
 * places down the order. Used by every placement in the policies, so that a
 * plan for 10,000 hosts takes milliseconds, not seconds. */
#ifndef GEYSER_FITINDEX_H
#define GEYSER_FITINDEX_H

typedef struct FitIndex {
    int *order;    /* host ids, by ascending free CPU */
    int *pos;      /* pos[host] = index in order, or -1 when absent */
    double *free;  /* free CPU of each host (by host id) */
    int n;         /* hosts in the index */
    int nhosts;    /* size of pos/free */
} FitIndex;

void fitInit(FitIndex *fi, int nhosts);
void fitFree(FitIndex *fi);
/* Empty the index (keeps memory). */
void fitClear(FitIndex *fi);
void fitInsert(FitIndex *fi, int host, double freeCpu);
void fitRemove(FitIndex *fi, int host);
void fitUpdate(FitIndex *fi, int host, double freeCpu);
static inline int fitContains(const FitIndex *fi, int host) { return fi->pos[host] >= 0; }

/* The host with the least free CPU >= cpu whose freeRam[host] >= ram, or -1. */
int fitFind(const FitIndex *fi, double cpu, double ram, const double *freeRam);

#endif
