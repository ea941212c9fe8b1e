/* policy_geyser.c - geyser's own consolidation policy: move a VM only when
 * it pays, power a host down only when it will stay down long enough.
 *
 * Each interval, on what the policy has seen so far (never the future):
 *  - Forecast: a VM's peak over the horizon is the largest of its last
 *    GEYSER_WINDOW utilizations (15 minutes); a host's peak is the sum over
 *    its VMs. Placement keeps every receiver's peak within its capacity
 *    (best fit), so that a VM that moves does not make the next overload.
 *  - Overload: a host whose demand now is above HIGH (default 1: really
 *    saturated) sheds VMs, each time the one that clears the excess and is
 *    cheapest to move (the CPU it would lose, from the migration model,
 *    migcost.h), else the busiest. A VM with no room for its peak goes
 *    where its demand now fits. Only when a host has stayed saturated for
 *    GEYSER_SATURATED intervals with nowhere to shed is a host woken: a
 *    boot and the hour it then stays up cost more than a short overload.
 *  - Consolidation: a host is emptied when its 15-minute peak is under LOW
 *    (the band LOW..HIGH is the hysteresis: a host is neither emptied nor
 *    relieved inside it), when all its VMs fit elsewhere at their peaks,
 *    when the idle energy saved over GEYSER_HORIZON_S after the break-even
 *    time exceeds GEYSER_MARGIN times the price of its migrations (energy
 *    and lost CPU, migcost.h), and when it is expected to stay off longer
 *    than its break-even time. Hosts that save the most idle watts per
 *    migration go first. No host is emptied within a forecast window of a
 *    capacity shortage: the peak that caused it is still in view.
 *  - Break-even: (shutdown + boot energy - off energy) / idle power. A host
 *    taken down now stays down as long as the spare capacity left after it
 *    lasts at the trend of the cloud's peak demand over the window; it goes
 *    down only when that exceeds its break-even (or demand is not rising).
 *    Empty hosts go down under the same rule.
 *  - Capacity: up capacity x HIGH stays >= (1 + headroom) x the peak
 *    demand; below that, draining hosts are re-enabled, then off hosts
 *    woken, most efficient first. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fitindex.h"
#include "migcost.h"
#include "policy.h"
#include "util.h"

#define GEYSER_WINDOW    3      /* intervals in the forecast window */
#define GEYSER_SATURATED 2      /* intervals of saturation before a host is woken */
#define GEYSER_HORIZON_S 3600.0 /* savings are counted over an hour */
#define GEYSER_MARGIN    3.0    /* savings must exceed the price this many times */
#define GEYSER_LINK_MBPS 125.0  /* link assumed by the price (1 Gbit/s) */
#define GEYSER_DEGRADE   0.1    /* CPU share a migrating VM loses */

typedef struct GeyserState {
    int nhosts, nvms;
    double *hist; /* nvms x GEYSER_WINDOW utilizations, ring */
    int filled, pos;
    bool started;
    double lastNow;
    double cloudPeak[GEYSER_WINDOW]; /* the cloud's peak demand, ring */
    double *peak, *cur;              /* per host: forecast peak and demand now */
    double *saving;                  /* per host: savingPerMove, for the sort */
    double *freeRam, *fitFree;
    double *vmPeak;
    int *satFor; /* intervals each host's demand has stayed above its capacity */
    unsigned char *busy;
    int *vmStart, *vmList, *order, *placed;
    FitIndex fit;
    double trendPerS; /* growth of the cloud's peak demand, capacity units per s */
    double lastWakeS; /* when capacity last ran short */
    double intervalS; /* between the last two instants seen */
} GeyserState;

static int geyserConfigure(const char *args, CtlConfig *cfg, void **state) {
    cfg->low = 0.3;
    cfg->high = 1.0;
    if (args && *args && policyParseThresholds(args, &cfg->low, &cfg->high) != 0) return -1;
    GeyserState *s = xcalloc(1, sizeof(GeyserState));
    s->lastWakeS = -1e30;
    *state = s;
    return 0;
}

static void releaseArrays(GeyserState *s) {
    free(s->hist);
    free(s->peak);
    free(s->saving);
    free(s->cur);
    free(s->freeRam);
    free(s->fitFree);
    free(s->vmPeak);
    free(s->satFor);
    free(s->busy);
    free(s->vmStart);
    free(s->vmList);
    free(s->order);
    free(s->placed);
    fitFree(&s->fit);
}

static void geyserFree(void *state) {
    GeyserState *s = state;
    if (!s) return;
    releaseArrays(s);
    free(s);
}

static void resize(GeyserState *s, const CloudView *v) {
    if (s->nhosts == v->nhosts && s->nvms == v->nvms && s->hist) return;
    releaseArrays(s);
    size_t nh = (size_t)v->nhosts + 1, nv = (size_t)v->nvms + 1;
    s->hist = xcalloc(nv * GEYSER_WINDOW, sizeof(double));
    s->peak = xcalloc(nh, sizeof(double));
    s->saving = xcalloc(nh, sizeof(double));
    s->cur = xcalloc(nh, sizeof(double));
    s->freeRam = xcalloc(nh, sizeof(double));
    s->fitFree = xcalloc(nh, sizeof(double));
    s->vmPeak = xcalloc(nv, sizeof(double));
    s->satFor = xcalloc(nh, sizeof(int));
    s->busy = xcalloc(nh, 1);
    s->vmStart = xcalloc(nh + 1, sizeof(int));
    s->vmList = xcalloc(nv, sizeof(int));
    s->order = xcalloc(nh, sizeof(int));
    s->placed = xcalloc(nv, sizeof(int));
    fitInit(&s->fit, v->nhosts);
    s->nhosts = v->nhosts;
    s->nvms = v->nvms;
    s->filled = s->pos = 0;
    s->started = false;
}

/* Append this interval's utilizations (once per instant) and refresh each
 * VM's forecast peak. Returns whether the instant is a new one. */
static bool observe(GeyserState *s, const CloudView *v) {
    bool fresh = !s->started || v->now != s->lastNow;
    if (fresh) {
        for (int i = 0; i < v->nvms; i++)
            s->hist[(size_t)i * GEYSER_WINDOW + s->pos] = v->vms[i].util;
    }
    double total = 0;
    for (int i = 0; i < v->nvms; i++) {
        double m = 0;
        int n = fresh ? (s->filled < GEYSER_WINDOW ? s->filled + 1 : GEYSER_WINDOW) : s->filled;
        for (int k = 0; k < n; k++) {
            int at = ((s->pos - k) % GEYSER_WINDOW + GEYSER_WINDOW) % GEYSER_WINDOW;
            double u = s->hist[(size_t)i * GEYSER_WINDOW + at];
            if (u > m) m = u;
        }
        if (v->vms[i].util > m) m = v->vms[i].util;
        s->vmPeak[i] = m * v->vms[i].cpu;
        total += s->vmPeak[i];
    }
    if (!fresh) return false;
    double dt = s->started ? v->now - s->lastNow : 0;
    if (dt > 0) s->intervalS = dt;
    int oldest = s->filled < GEYSER_WINDOW ? 0 : (s->pos + 1) % GEYSER_WINDOW;
    double then = s->filled > 0 ? s->cloudPeak[oldest] : total;
    int span = s->filled < GEYSER_WINDOW ? s->filled : GEYSER_WINDOW - 1;
    s->trendPerS = span > 0 && dt > 0 ? (total - then) / (span * dt) : 0;
    s->cloudPeak[s->pos] = total;
    s->pos = (s->pos + 1) % GEYSER_WINDOW;
    if (s->filled < GEYSER_WINDOW) s->filled++;
    s->started = true;
    s->lastNow = v->now;
    return true;
}

/* Each host's demand now and forecast peak as if migrations in flight had
 * landed; its movable VMs (CSR lists). */
static void project(GeyserState *s, const CloudView *v) {
    for (int h = 0; h <= v->nhosts; h++)
        s->vmStart[h] = 0;
    for (int h = 0; h < v->nhosts; h++) {
        s->peak[h] = s->cur[h] = 0;
        s->freeRam[h] = v->hosts[h].ramMb;
        s->busy[h] = v->hosts[h].incoming > 0 || v->hosts[h].outgoing > 0;
    }
    for (int i = 0; i < v->nvms; i++) {
        const Vm *vm = &v->vms[i];
        int at = vm->target >= 0 ? vm->target : vm->host;
        s->cur[at] += vm->util * vm->cpu;
        s->peak[at] += s->vmPeak[i];
        s->freeRam[at] -= vm->ramMb;
        if (vm->target >= 0)
            s->freeRam[vm->host] -= vm->ramMb;
        else
            s->vmStart[vm->host + 1]++;
    }
    for (int h = 0; h < v->nhosts; h++)
        s->vmStart[h + 1] += s->vmStart[h];
    for (int h = 0; h < v->nhosts; h++)
        s->order[h] = s->vmStart[h];
    for (int i = 0; i < v->nvms; i++)
        if (v->vms[i].target < 0) s->vmList[s->order[v->vms[i].host]++] = i;
}

static bool isReceiver(const Host *h) {
    return h->state == HOST_ON && h->enabled && !h->failed;
}

/* Room for a VM: its peak within the host's capacity and its demand now
 * within HIGH (the controller's check). One key for the best-fit index. */
static double room(const GeyserState *s, const CloudView *v, const CtlConfig *cfg, int h) {
    double cap = v->hosts[h].capacity;
    double a = cap - s->peak[h], b = cfg->high * cap - s->cur[h];
    return a < b ? a : b;
}

static double need(const GeyserState *s, const Vm *vm, int i) {
    double d = vm->util * vm->cpu;
    return s->vmPeak[i] > d ? s->vmPeak[i] : d;
}

static void buildFit(GeyserState *s, const CloudView *v, const CtlConfig *cfg) {
    int n = 0;
    for (int h = 0; h < v->nhosts; h++) {
        if (!isReceiver(&v->hosts[h])) continue;
        s->order[n++] = h;
        s->fitFree[h] = room(s, v, cfg, h);
    }
    fitBuild(&s->fit, s->order, n, s->fitFree, s->freeRam);
}

static void refit(GeyserState *s, const CloudView *v, const CtlConfig *cfg, int h) {
    if (fitContains(&s->fit, h)) fitUpdate(&s->fit, h, room(s, v, cfg, h), s->freeRam[h]);
}

static void moveLoad(GeyserState *s, const CloudView *v, const CtlConfig *cfg, int i, int from,
                     int to) {
    const Vm *vm = &v->vms[i];
    s->cur[from] -= vm->util * vm->cpu;
    s->peak[from] -= s->vmPeak[i];
    s->cur[to] += vm->util * vm->cpu;
    s->peak[to] += s->vmPeak[i];
    s->freeRam[to] -= vm->ramMb;
    refit(s, v, cfg, from);
    refit(s, v, cfg, to);
}

static void unmoveLoad(GeyserState *s, const CloudView *v, const CtlConfig *cfg, int i, int from,
                       int to) {
    moveLoad(s, v, cfg, i, to, from);
    s->freeRam[from] += v->vms[i].ramMb;
    s->freeRam[to] += v->vms[i].ramMb;
    refit(s, v, cfg, from);
    refit(s, v, cfg, to);
}

/* A receiver for VM i other than host `not`, or -1. */
static int findHome(GeyserState *s, const CloudView *v, int i, int not ) {
    bool had = fitContains(&s->fit, not );
    double keepCpu = had ? s->fit.cpu[not ] : 0, keepRam = had ? s->fit.ram[not ] : 0;
    if (had) fitRemove(&s->fit, not );
    int t = fitFind(&s->fit, need(s, &v->vms[i], i), v->vms[i].ramMb);
    if (had) fitInsert(&s->fit, not, keepCpu, keepRam);
    return t;
}

/* When no host has room for VM i's peak: the host with RAM and room for
 * its demand now whose peak would overshoot least, or -1. Rare (a RAM-full
 * cloud), so a scan; better than waking a host for one VM. */
static int findHomeNow(const GeyserState *s, const CloudView *v, const CtlConfig *cfg, int i,
                       int not ) {
    const Vm *vm = &v->vms[i];
    double d = vm->util * vm->cpu;
    int best = -1;
    double bestOver = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        if (h == not || !isReceiver(host) || s->freeRam[h] < vm->ramMb ||
            s->cur[h] + d > cfg->high * host->capacity)
            continue;
        double over = (s->peak[h] + s->vmPeak[i]) / host->capacity;
        if (best < 0 || over < bestOver) best = h, bestOver = over;
    }
    return best;
}

static double lostCpu(const Vm *vm) {
    MigCost mc;
    migCostPredict(vm, GEYSER_LINK_MBPS, MIGRATE_PRECOPY, GEYSER_DEGRADE, &mc);
    return mc.lossCpuS + 1e-9 * vm->ramMb; /* idle VMs: the smaller moves faster */
}

/* The VM of host h to shed: among those whose leaving brings the host
 * under HIGH, the cheapest to move; else the busiest. */
static int pickToShed(const GeyserState *s, const CloudView *v, int h, double excess) {
    int best = -1, busiest = -1;
    double bestCost = 0;
    for (int k = s->vmStart[h]; k < s->vmStart[h + 1]; k++) {
        int i = s->vmList[k];
        if (i < 0) continue;
        const Vm *vm = &v->vms[i];
        double d = vm->util * vm->cpu;
        if (busiest < 0 || d > v->vms[s->vmList[busiest]].util * v->vms[s->vmList[busiest]].cpu)
            busiest = k;
        if (d < excess) continue;
        double c = lostCpu(vm);
        if (best < 0 || c < bestCost) best = k, bestCost = c;
    }
    return best >= 0 ? best : busiest;
}

/* Overload relief. Returns how many VMs found no home on a host whose
 * demand is above its capacity. */
static int relieve(GeyserState *s, const CloudView *v, const CtlConfig *cfg, int *budget,
                   Plan *out) {
    int homeless = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        if (host->state != HOST_ON || (!host->enabled && !host->disabledByGeyser)) continue;
        while (s->cur[h] > cfg->high * host->capacity) {
            int k = pickToShed(s, v, h, s->cur[h] - cfg->high * host->capacity);
            if (k < 0) break;
            int i = s->vmList[k];
            s->vmList[k] = -1;
            s->busy[h] = 1;
            int t = *budget > 0 ? findHome(s, v, i, h) : -1;
            if (t < 0 && *budget > 0) t = findHomeNow(s, v, cfg, i, h);
            if (t < 0) {
                /* Waking a host costs its boot and an hour up; only demand
                 * going unserved (above capacity, not just HIGH) is worth it. */
                if (s->cur[h] > host->capacity && s->satFor[h] >= GEYSER_SATURATED) homeless++;
                continue;
            }
            double before = s->cur[h];
            moveLoad(s, v, cfg, i, h, t);
            s->busy[t] = 1;
            (*budget)--;
            planAdd(out, ACT_MIGRATE, h, i, t, "host %s at %.0f%% is above %.0f%%", host->name,
                    100 * before / host->capacity, 100 * cfg->high);
        }
    }
    return homeless;
}

static double breakEvenS(const ServerType *t) {
    double idleW = powerAt(&t->power, 0);
    if (idleW <= 0) return 1e30;
    double e =
        t->shutdownS * t->shutdownW + t->bootS * t->bootW - (t->shutdownS + t->bootS) * t->offW;
    return e > 0 ? e / idleW : 0;
}

/* The capacity the forecast asks for. */
static double capacityNeeded(const GeyserState *s, const CloudView *v, const CtlConfig *cfg) {
    double d = 0;
    for (int h = 0; h < v->nhosts; h++)
        d += s->peak[h];
    return (1 + cfg->headroom) * d / cfg->high;
}

/* Will a host taken down now stay down past its break-even? The spare
 * capacity left after it goes lasts spare / trend seconds. */
static bool staysDownLongEnough(const GeyserState *s, const CloudView *v, const CtlConfig *cfg,
                                int h, double have, double needCap) {
    const Host *host = &v->hosts[h];
    double spare = (have - host->capacity) - needCap;
    if (spare < 0) return false;
    if (!host->type || s->trendPerS <= 0) return true;
    return spare / (s->trendPerS * (1 + cfg->headroom) / cfg->high) > breakEvenS(host->type);
}

/* Is emptying host h (its VMs' prices in hand) worth it? */
static bool pays(const CloudView *v, int h, double priceJ) {
    const ServerType *t = v->hosts[h].type;
    if (!t) return true;
    double savedJ = (powerAt(&t->power, 0) - t->offW) * (GEYSER_HORIZON_S - breakEvenS(t));
    return savedJ > GEYSER_MARGIN * priceJ;
}

/* Idle watts saved per migration: the hosts that pay most for each move go
 * first (then the least loaded). */
static double savingPerMove(const GeyserState *s, const CloudView *v, int h) {
    const ServerType *t = v->hosts[h].type;
    double w = t ? powerAt(&t->power, 0) - t->offW : 1;
    int nv = s->vmStart[h + 1] - s->vmStart[h];
    return w / (nv > 0 ? nv : 0.5);
}

static int cmpCandidate(const void *a, const void *b, void *arg) {
    const GeyserState *s = ((void **)arg)[0];
    const CloudView *v = ((void **)arg)[1];
    int x = *(const int *)a, y = *(const int *)b;
    double sx = s->saving[x], sy = s->saving[y];
    if (sx != sy) return sx > sy ? -1 : 1;
    double ux = s->peak[x] / v->hosts[x].capacity, uy = s->peak[y] / v->hosts[y].capacity;
    return ux < uy ? -1 : ux > uy ? 1 : x - y;
}

/* Place every VM of h elsewhere, or undo and return -1. */
static int evacuate(GeyserState *s, const CloudView *v, const CtlConfig *cfg, int h,
                    double *priceJ) {
    int n = 0;
    *priceJ = 0;
    for (int k = s->vmStart[h]; k < s->vmStart[h + 1]; k++) {
        int i = s->vmList[k];
        int t = findHome(s, v, i, h);
        if (t < 0) {
            for (int j = n - 1; j >= 0; j--)
                unmoveLoad(s, v, cfg, s->vmList[s->vmStart[h] + j], h, s->placed[j]);
            return -1;
        }
        *priceJ += migrationCostJ(&v->vms[i], &v->hosts[h], GEYSER_LINK_MBPS, GEYSER_DEGRADE);
        moveLoad(s, v, cfg, i, h, t);
        s->placed[n++] = t;
    }
    return n;
}

static bool isCandidate(const GeyserState *s, const CloudView *v, const CtlConfig *cfg, int h) {
    const Host *host = &v->hosts[h];
    bool empty = s->vmStart[h + 1] == s->vmStart[h] && s->cur[h] == 0;
    return host->state == HOST_ON && host->enabled && !host->failed && !s->busy[h] &&
           (empty || s->peak[h] < cfg->low * host->capacity) &&
           v->now - host->stateSince >= cfg->cooldownS;
}

static void consolidate(GeyserState *s, const CloudView *v, const CtlConfig *cfg, double have,
                        double needCap, int hostsUp, int budget, Plan *out) {
    int n = 0;
    for (int h = 0; h < v->nhosts; h++)
        if (isCandidate(s, v, cfg, h)) {
            s->order[n++] = h;
            /* Once per host, not per comparison (80,000 hosts at scale). */
            s->saving[h] = savingPerMove(s, v, h);
        }
    void *ctx[2] = {s, (void *)v};
    qsort_r(s->order, (size_t)n, sizeof(int), cmpCandidate, ctx);
    for (int k = 0; k < n && hostsUp - 1 >= cfg->minHostsOn; k++) {
        int h = s->order[k];
        int nv = s->vmStart[h + 1] - s->vmStart[h];
        if (s->busy[h] || nv > budget || !staysDownLongEnough(s, v, cfg, h, have, needCap))
            continue;
        /* Capacity ran short within the forecast window: the peak that
         * caused it is still in view, so a host emptied now would likely
         * be woken again before its migrations paid. */
        if (nv > 0 && v->now - s->lastWakeS < GEYSER_WINDOW * s->intervalS) continue;
        bool wasIn = fitContains(&s->fit, h);
        if (wasIn) fitRemove(&s->fit, h);
        double priceJ = 0;
        if (evacuate(s, v, cfg, h, &priceJ) < 0) {
            if (wasIn) fitInsert(&s->fit, h, room(s, v, cfg, h), s->freeRam[h]);
            continue;
        }
        if (!pays(v, h, priceJ)) {
            for (int j = nv - 1; j >= 0; j--)
                unmoveLoad(s, v, cfg, s->vmList[s->vmStart[h] + j], h, s->placed[j]);
            if (wasIn) fitInsert(&s->fit, h, room(s, v, cfg, h), s->freeRam[h]);
            continue;
        }
        s->busy[h] = 1;
        planAdd(out, ACT_DISABLE, h, -1, -1, "15-minute peak %.1f%% is under %.0f%%",
                100 * s->peak[h] / v->hosts[h].capacity, 100 * cfg->low);
        for (int j = 0; j < nv; j++) {
            int i = s->vmList[s->vmStart[h] + j], t = s->placed[j];
            s->busy[t] = 1;
            planAdd(out, ACT_MIGRATE, h, i, t, "emptying %s: saves more than it costs",
                    v->hosts[h].name);
        }
        if (nv == 0) planAdd(out, ACT_POWER_OFF, h, -1, -1, "empty, and spare past break-even");
        budget -= nv;
        have -= v->hosts[h].capacity;
        hostsUp--;
    }
}

static int cmpEfficiency(const void *a, const void *b, void *arg) {
    const CloudView *v = arg;
    const Host *x = &v->hosts[*(const int *)a], *y = &v->hosts[*(const int *)b];
    double ex = x->type ? powerAt(&x->type->power, 1) / x->capacity : 0;
    double ey = y->type ? powerAt(&y->type->power, 1) / y->capacity : 0;
    return ex < ey ? -1 : ex > ey ? 1 : (*(const int *)a - *(const int *)b);
}

/* Bring capacity back: re-enable draining hosts, then wake the most
 * efficient off hosts, until `have` covers `needCap` (at least one when
 * VMs found no home). */
/* Lowest idle draw first: a host woken for a few homeless VMs runs nearly
 * idle, so its idle watts are what it costs. */
static int cmpIdle(const void *a, const void *b, void *arg) {
    const CloudView *v = arg;
    const Host *x = &v->hosts[*(const int *)a], *y = &v->hosts[*(const int *)b];
    double ix = x->type ? powerAt(&x->type->power, 0) : 0;
    double iy = y->type ? powerAt(&y->type->power, 0) : 0;
    return ix < iy ? -1 : ix > iy ? 1 : (*(const int *)a - *(const int *)b);
}

static void addCapacity(GeyserState *s, const CloudView *v, double have, double needCap,
                        bool urgent, Plan *out) {
    for (int h = 0; h < v->nhosts && (have < needCap || urgent); h++) {
        const Host *host = &v->hosts[h];
        if (host->state != HOST_ON || !host->disabledByGeyser || host->failed) continue;
        if (have < needCap)
            planAdd(out, ACT_ENABLE, h, -1, -1, "capacity short: %.0f of %.0f", have, needCap);
        else
            planAdd(out, ACT_ENABLE, h, -1, -1, "a saturated host's VMs found no room");
        have += host->capacity;
        urgent = false;
    }
    int n = 0;
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        if (host->state == HOST_OFF && !host->failed && (host->disabledByGeyser || host->enabled))
            s->order[n++] = h;
    }
    bool forFew = urgent && have >= needCap;
    qsort_r(s->order, (size_t)n, sizeof(int), forFew ? cmpIdle : cmpEfficiency, (void *)v);
    for (int k = 0; k < n && (have < needCap || urgent); k++) {
        int h = s->order[k];
        if (have < needCap)
            planAdd(out, ACT_POWER_ON, h, -1, -1, "capacity short: %.0f of %.0f", have, needCap);
        else
            planAdd(out, ACT_POWER_ON, h, -1, -1, "a saturated host's VMs found no room");
        if (v->hosts[h].disabledByGeyser) planAdd(out, ACT_ENABLE, h, -1, -1, "woken for load");
        have += v->hosts[h].capacity;
        urgent = false;
    }
}

static void countSaturation(GeyserState *s, const CloudView *v) {
    for (int h = 0; h < v->nhosts; h++) {
        const Host *host = &v->hosts[h];
        bool sat = host->state == HOST_ON && s->cur[h] > host->capacity;
        s->satFor[h] = sat ? s->satFor[h] + 1 : 0;
    }
}

static int geyserPlan(void *state, const CloudView *v, const CtlConfig *cfg, Plan *out) {
    GeyserState *s = state;
    resize(s, v);
    bool fresh = observe(s, v);
    project(s, v);
    if (fresh) countSaturation(s, v);
    buildFit(s, v, cfg);
    int hostsUp;
    int budget = policyMigrationBudget(v, cfg, &hostsUp);
    int homeless = relieve(s, v, cfg, &budget, out);
    double needCap = capacityNeeded(s, v, cfg), have = policyCapacityStaying(v);
    if (homeless > 0 || have < needCap) {
        if (cfg->allowPowerOn) addCapacity(s, v, have, needCap, homeless > 0, out);
        s->lastWakeS = v->now;
        return 0;
    }
    if (cfg->allowMigrate || cfg->allowPowerOff)
        consolidate(s, v, cfg, have, needCap, hostsUp, cfg->allowMigrate ? budget : 0, out);
    if (cfg->allowPowerOff) policyPowerOffEmpty(v, cfg, hostsUp, out);
    return 0;
}

const PolicyDriver policyGeyser = {
    .name = "geyser",
    .synopsis = "geyser[:LOW,HIGH]",
    .summary = "geyser's own: sheds load above HIGH, empties hosts whose 15-minute peak is\n"
               "under LOW when it pays, powers down past break-even (default 0.3,1)",
    .configure = geyserConfigure,
    .plan = geyserPlan,
    .free = geyserFree,
};
