/* fitindex.c - a treap of hosts keyed by free CPU, augmented with the most
 * free RAM of each subtree, for best-fit placement. Nodes are host ids, so
 * the index allocates nothing after fitInit. */
#include "fitindex.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void fitInit(FitIndex *fi, int nhosts) {
    size_t n = (size_t)(nhosts > 0 ? nhosts : 1);
    fi->nhosts = nhosts;
    fi->left = xmalloc(n * sizeof(int));
    fi->right = xmalloc(n * sizeof(int));
    fi->prio = xmalloc(n * sizeof(unsigned));
    fi->cpu = xcalloc(n, sizeof(double));
    fi->ram = xcalloc(n, sizeof(double));
    fi->maxRam = xcalloc(n, sizeof(double));
    fi->in = xcalloc(n, 1);
    /* Fixed pseudo-random priorities: the same index shape on every run. */
    unsigned x = 2463534242u;
    for (int h = 0; h < nhosts; h++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        fi->prio[h] = x;
    }
    fi->root = -1;
    fi->n = 0;
}

void fitFree(FitIndex *fi) {
    free(fi->left);
    free(fi->right);
    free(fi->prio);
    free(fi->cpu);
    free(fi->ram);
    free(fi->maxRam);
    free(fi->in);
    memset(fi, 0, sizeof(*fi));
    fi->root = -1;
}

void fitClear(FitIndex *fi) {
    memset(fi->in, 0, (size_t)(fi->nhosts > 0 ? fi->nhosts : 1));
    fi->root = -1;
    fi->n = 0;
}

/* Strict order on (free CPU, id). */
static int keyLess(const FitIndex *fi, int a, int b) {
    if (fi->cpu[a] != fi->cpu[b]) return fi->cpu[a] < fi->cpu[b];
    return a < b;
}

static void pull(FitIndex *fi, int t) {
    double m = fi->ram[t];
    if (fi->left[t] >= 0 && fi->maxRam[fi->left[t]] > m) m = fi->maxRam[fi->left[t]];
    if (fi->right[t] >= 0 && fi->maxRam[fi->right[t]] > m) m = fi->maxRam[fi->right[t]];
    fi->maxRam[t] = m;
}

/* Split t into keys < k (*l) and keys >= k (*r). */
static void split(FitIndex *fi, int t, int k, int *l, int *r) {
    if (t < 0) {
        *l = *r = -1;
        return;
    }
    if (keyLess(fi, t, k)) {
        split(fi, fi->right[t], k, &fi->right[t], r);
        *l = t;
    } else {
        split(fi, fi->left[t], k, l, &fi->left[t]);
        *r = t;
    }
    pull(fi, t);
}

/* Join l and r, every key of l below every key of r. */
static int merge(FitIndex *fi, int l, int r) {
    if (l < 0) return r;
    if (r < 0) return l;
    if (fi->prio[l] > fi->prio[r]) {
        fi->right[l] = merge(fi, fi->right[l], r);
        pull(fi, l);
        return l;
    }
    fi->left[r] = merge(fi, l, fi->left[r]);
    pull(fi, r);
    return r;
}

static int insertNode(FitIndex *fi, int t, int h) {
    if (t < 0) return h;
    if (fi->prio[h] > fi->prio[t]) {
        split(fi, t, h, &fi->left[h], &fi->right[h]);
        pull(fi, h);
        return h;
    }
    if (keyLess(fi, h, t))
        fi->left[t] = insertNode(fi, fi->left[t], h);
    else
        fi->right[t] = insertNode(fi, fi->right[t], h);
    pull(fi, t);
    return t;
}

static int eraseNode(FitIndex *fi, int t, int h) {
    if (t == h) return merge(fi, fi->left[t], fi->right[t]);
    if (keyLess(fi, h, t))
        fi->left[t] = eraseNode(fi, fi->left[t], h);
    else
        fi->right[t] = eraseNode(fi, fi->right[t], h);
    pull(fi, t);
    return t;
}

void fitInsert(FitIndex *fi, int host, double freeCpu, double freeRam) {
    if (fi->in[host]) fitRemove(fi, host);
    fi->cpu[host] = freeCpu;
    fi->ram[host] = freeRam;
    fi->maxRam[host] = freeRam;
    fi->left[host] = fi->right[host] = -1;
    fi->root = insertNode(fi, fi->root, host);
    fi->in[host] = 1;
    fi->n++;
}

void fitRemove(FitIndex *fi, int host) {
    if (!fi->in[host]) return;
    fi->root = eraseNode(fi, fi->root, host);
    fi->in[host] = 0;
    fi->n--;
}

static const FitIndex *sortIndex;

static int cmpKey(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return keyLess(sortIndex, x, y) ? -1 : keyLess(sortIndex, y, x) ? 1 : 0;
}

/* Sorted keys to a treap in one pass: the classic Cartesian-tree build,
 * keeping the right spine on a stack. */
void fitBuild(FitIndex *fi, int *hosts, int n, const double *freeCpu, const double *freeRam) {
    fitClear(fi);
    for (int i = 0; i < n; i++) {
        int h = hosts[i];
        fi->cpu[h] = freeCpu[h];
        fi->ram[h] = freeRam[h];
        fi->left[h] = fi->right[h] = -1;
        fi->in[h] = 1;
    }
    sortIndex = fi;
    qsort(hosts, (size_t)n, sizeof(int), cmpKey);
    int *stack = xmalloc((size_t)(n > 0 ? n : 1) * sizeof(int));
    int top = 0;
    for (int i = 0; i < n; i++) {
        int h = hosts[i], last = -1;
        while (top > 0 && fi->prio[stack[top - 1]] < fi->prio[h])
            last = stack[--top];
        fi->left[h] = last;
        if (top > 0) fi->right[stack[top - 1]] = h;
        stack[top++] = h;
    }
    fi->root = top > 0 ? stack[0] : -1;
    fi->n = n;
    /* Subtree maxima, children before parents: reverse of a preorder. */
    int *order = hosts, k = 0;
    top = 0;
    if (fi->root >= 0) stack[top++] = fi->root;
    while (top > 0) {
        int t = stack[--top];
        order[k++] = t;
        if (fi->left[t] >= 0) stack[top++] = fi->left[t];
        if (fi->right[t] >= 0) stack[top++] = fi->right[t];
    }
    for (int i = k - 1; i >= 0; i--)
        pull(fi, order[i]);
    free(stack);
}

void fitUpdate(FitIndex *fi, int host, double freeCpu, double freeRam) {
    fitInsert(fi, host, freeCpu, freeRam);
}

/* Leftmost node of subtree t with key cpu >= need and ram >= ramNeed. */
static int findIn(const FitIndex *fi, int t, double need, double ramNeed) {
    while (t >= 0) {
        if (fi->maxRam[t] < ramNeed) return -1;
        if (fi->cpu[t] < need) {
            t = fi->right[t];
            continue;
        }
        /* t qualifies on CPU: anything better lies to its left. */
        int l = findIn(fi, fi->left[t], need, ramNeed);
        if (l >= 0) return l;
        if (fi->ram[t] >= ramNeed) return t;
        t = fi->right[t];
    }
    return -1;
}

int fitFind(const FitIndex *fi, double cpu, double ram) {
    return findIn(fi, fi->root, cpu, ram);
}
