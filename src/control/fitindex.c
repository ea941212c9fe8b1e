/* fitindex.c - hosts sorted by free CPU, for best-fit placement. */
#include "fitindex.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void fitInit(FitIndex *fi, int nhosts) {
    fi->order = xmalloc((size_t)(nhosts ? nhosts : 1) * sizeof(int));
    fi->pos = xmalloc((size_t)(nhosts ? nhosts : 1) * sizeof(int));
    fi->free = xcalloc((size_t)(nhosts ? nhosts : 1), sizeof(double));
    fi->nhosts = nhosts;
    fi->n = 0;
    for (int h = 0; h < nhosts; h++) fi->pos[h] = -1;
}

void fitFree(FitIndex *fi) {
    free(fi->order);
    free(fi->pos);
    free(fi->free);
    memset(fi, 0, sizeof(*fi));
}

void fitClear(FitIndex *fi) {
    for (int i = 0; i < fi->n; i++) fi->pos[fi->order[i]] = -1;
    fi->n = 0;
}

/* First index whose free CPU is >= x. */
static int lowerBound(const FitIndex *fi, double x) {
    int lo = 0, hi = fi->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (fi->free[fi->order[mid]] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void placeAt(FitIndex *fi, int i, int host) {
    fi->order[i] = host;
    fi->pos[host] = i;
}

void fitInsert(FitIndex *fi, int host, double freeCpu) {
    fi->free[host] = freeCpu;
    int at = lowerBound(fi, freeCpu);
    memmove(&fi->order[at + 1], &fi->order[at], (size_t)(fi->n - at) * sizeof(int));
    fi->n++;
    placeAt(fi, at, host);
    for (int i = at + 1; i < fi->n; i++) fi->pos[fi->order[i]] = i;
}

void fitRemove(FitIndex *fi, int host) {
    int at = fi->pos[host];
    if (at < 0) return;
    memmove(&fi->order[at], &fi->order[at + 1], (size_t)(fi->n - at - 1) * sizeof(int));
    fi->n--;
    fi->pos[host] = -1;
    for (int i = at; i < fi->n; i++) fi->pos[fi->order[i]] = i;
}

/* Move one host to its new place by shifting only the hosts in between. */
void fitUpdate(FitIndex *fi, int host, double freeCpu) {
    int at = fi->pos[host];
    if (at < 0) {
        fitInsert(fi, host, freeCpu);
        return;
    }
    fi->free[host] = freeCpu;
    while (at > 0 && fi->free[fi->order[at - 1]] > freeCpu) {
        placeAt(fi, at, fi->order[at - 1]);
        at--;
    }
    while (at + 1 < fi->n && fi->free[fi->order[at + 1]] < freeCpu) {
        placeAt(fi, at, fi->order[at + 1]);
        at++;
    }
    placeAt(fi, at, host);
}

int fitFind(const FitIndex *fi, double cpu, double ram, const double *freeRam) {
    for (int i = lowerBound(fi, cpu); i < fi->n; i++) {
        int h = fi->order[i];
        if (freeRam[h] >= ram) return h;
    }
    return -1;
}
