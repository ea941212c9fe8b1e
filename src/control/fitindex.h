/* fitindex.h - best-fit search over hosts: the host with the least free CPU
 * that still fits a VM's CPU and RAM, in O(log n).
 *
 * A treap keyed by (free CPU, host id), each node also holding the most
 * free RAM in its subtree, so that hosts with CPU to spare but no memory
 * (the common case once a cloud is consolidated) are skipped whole
 * subtrees at a time. Used by every placement of the policies, so that a
 * plan for 10,000 hosts takes milliseconds. */
#ifndef GEYSER_FITINDEX_H
#define GEYSER_FITINDEX_H

typedef struct FitIndex {
    int nhosts;
    int root;          /* host id at the root, or -1 */
    int n;             /* hosts in the index */
    int *left, *right; /* children by host id, -1 for none */
    unsigned *prio;
    double *cpu;       /* free CPU of each host (the key) */
    double *ram;       /* free RAM of each host */
    double *maxRam;    /* most free RAM in the subtree */
    unsigned char *in; /* whether the host is in the index */
} FitIndex;

void fitInit(FitIndex *fi, int nhosts);
void fitFree(FitIndex *fi);
/* Empty the index (keeps memory). */
void fitClear(FitIndex *fi);
void fitInsert(FitIndex *fi, int host, double freeCpu, double freeRam);
void fitRemove(FitIndex *fi, int host);
/* Replace the contents with hosts[0..n) and their free CPU and RAM (arrays
 * indexed by host id): O(n log n) with a small constant, for the rebuild at
 * the start of every plan. */
void fitBuild(FitIndex *fi, int *hosts, int n, const double *freeCpu, const double *freeRam);
/* Change a host's free CPU and RAM (inserting it when absent). */
void fitUpdate(FitIndex *fi, int host, double freeCpu, double freeRam);
static inline int fitContains(const FitIndex *fi, int host) {
    return fi->in[host];
}

/* The host with the least free CPU >= cpu (ties: lowest id) whose free RAM
 * is >= ram, or -1. */
int fitFind(const FitIndex *fi, double cpu, double ram);

#endif
