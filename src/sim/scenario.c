/* scenario.c - the built-in scenarios and the standard research setup. */
#include "scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "flavor.h"
#include "util.h"

const char *const scenarioBuiltinNames[] = {"paper-3node", "synthetic", "planetlab", NULL};

/* Beloglazov & Buyya (2012): EC2-like instance types, in MIPS and MB. */
const VmType vmTypesStandard[4] = {{"ec2-high-cpu-medium", 2500, 870},
                                   {"ec2-extra-large", 2000, 1740},
                                   {"ec2-small", 1000, 1740},
                                   {"ec2-micro", 500, 613}};

HostMix hostMixStandard(void) {
    HostMix m = {.ngroups = 2};
    m.types[0] = serverTypeFind("HpProLiantMl110G4Xeon3040");
    m.types[1] = serverTypeFind("HpProLiantMl110G5Xeon3075");
    m.counts[0] = m.counts[1] = 400;
    return m;
}

static int parseMixGroup(const char *group, HostMix *out) {
    const char *colon = strchr(group, ':');
    if (!colon) return ERR("host group '%s' is not COUNT:SERVER_TYPE", group);
    char count[32];
    snprintf(count, sizeof(count), "%.*s", (int)(colon - group), group);
    long n;
    if (parseLong(count, &n) != 0 || n < 1 || n > 10000000)
        return ERR("host group '%s': '%s' is not a host count from 1 to 10000000", group, count);
    const ServerType *t = serverTypeFind(colon + 1);
    if (!t) {
        errPrefix("host group '%s'", group);
        return -1;
    }
    if (out->ngroups >= 16) return ERR("a host mix has at most 16 groups");
    out->types[out->ngroups] = t;
    out->counts[out->ngroups++] = (int)n;
    return 0;
}

int hostMixParse(const char *text, HostMix *out) {
    memset(out, 0, sizeof(*out));
    char *copy = xstrdup(text), *save = NULL;
    int rc = 0;
    for (char *g = strtok_r(copy, ",", &save); g && rc == 0; g = strtok_r(NULL, ",", &save))
        rc = parseMixGroup(strTrim(g), out);
    free(copy);
    if (rc == 0 && out->ngroups == 0) rc = ERR("the host mix '%s' names no hosts", text);
    return rc;
}

static Scenario *scenarioNew(const char *name) {
    Scenario *sc = xcalloc(1, sizeof(*sc));
    snprintf(sc->name, sizeof(sc->name), "%s", name);
    sc->savingFrom = sc->savingTo = -1;
    snprintf(sc->defaultPolicy, sizeof(sc->defaultPolicy), "geyser");
    return sc;
}

void scenarioFree(Scenario *sc) {
    if (!sc) return;
    for (int h = 0; h < sc->nhosts; h++)
        free((char *)sc->hosts[h].name);
    for (int i = 0; i < sc->nvms; i++)
        free((char *)sc->vms[i].name);
    free(sc->hosts);
    free(sc->vms);
    workloadFree(sc->wl);
    free(sc);
}

static char *formatName(const char *prefix, int i, int width) {
    char buf[64];
    snprintf(buf, sizeof(buf), "%s%0*d", prefix, width, i);
    return xstrdup(buf);
}

/* Interleave the groups: one host of each group in turn while they last. */
static void addHosts(Scenario *sc, const HostMix *mix) {
    int total = 0;
    for (int g = 0; g < mix->ngroups; g++)
        total += mix->counts[g];
    sc->hosts = xcalloc((size_t)total, sizeof(SimHostSpec));
    int left[16];
    memcpy(left, mix->counts, sizeof(left));
    int width = total >= 100000 ? 6 : total >= 10000 ? 5 : 4;
    while (sc->nhosts < total) {
        for (int g = 0; g < mix->ngroups; g++) {
            if (left[g] == 0) continue;
            left[g]--;
            sc->hosts[sc->nhosts].type = mix->types[g];
            sc->hosts[sc->nhosts].name = formatName("host-", sc->nhosts, width);
            sc->nhosts++;
        }
    }
}

/* Max-heap of hosts by free RAM, ties to the lower index: the host Nova's
 * spreading picks is always on top. */
static bool roomier(const double *freeRam, int a, int b) {
    if (freeRam[a] != freeRam[b]) return freeRam[a] > freeRam[b];
    return a < b; /* the lower index first, as the scan it replaces */
}

static void siftDown(int *heap, int n, const double *freeRam, int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && roomier(freeRam, heap[l], heap[m])) m = l;
        if (r < n && roomier(freeRam, heap[r], heap[m])) m = r;
        if (m == i) return;
        int t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
}

/* Place VMs as Nova's default scheduler would: spread, each VM to the host
 * with the most free RAM (the lowest index on ties). Fails when a VM fits
 * nowhere. A heap, since the scale runs place 100,000 VMs on 80,000 hosts. */
static int placeSpread(Scenario *sc) {
    double *freeRam = xmalloc((size_t)sc->nhosts * sizeof(double));
    int *heap = xmalloc((size_t)sc->nhosts * sizeof(int));
    for (int h = 0; h < sc->nhosts; h++) {
        freeRam[h] = sc->hosts[h].type->ramMb;
        heap[h] = h;
    }
    for (int i = sc->nhosts / 2 - 1; i >= 0; i--)
        siftDown(heap, sc->nhosts, freeRam, i);
    int rc = 0;
    for (int i = 0; i < sc->nvms && rc == 0; i++) {
        int best = heap[0];
        if (freeRam[best] < sc->vms[i].ramMb) {
            rc = ERR("VM %s (%.0f MB) fits on no host: the cloud is too small for the workload",
                     sc->vms[i].name, sc->vms[i].ramMb);
            break;
        }
        freeRam[best] -= sc->vms[i].ramMb;
        sc->vms[i].host = best;
        siftDown(heap, sc->nhosts, freeRam, 0);
    }
    free(freeRam);
    free(heap);
    return rc;
}

/* Place VMs as Nova does when told to stack (ram_weight_multiplier < 0):
 * each VM, in order, to the host with the least free RAM that still holds
 * it (best fit), so that the cloud starts on as few hosts as RAM allows. */
static int placeStack(Scenario *sc) {
    double *freeRam = xmalloc((size_t)sc->nhosts * sizeof(double));
    for (int h = 0; h < sc->nhosts; h++)
        freeRam[h] = sc->hosts[h].type->ramMb;
    int rc = 0;
    for (int i = 0; i < sc->nvms && rc == 0; i++) {
        int best = -1;
        for (int h = 0; h < sc->nhosts; h++)
            if (freeRam[h] >= sc->vms[i].ramMb && (best < 0 || freeRam[h] < freeRam[best]))
                best = h;
        if (best < 0) {
            rc = ERR("VM %s (%.0f MB) fits on no host: the cloud is too small for the workload",
                     sc->vms[i].name, sc->vms[i].ramMb);
            break;
        }
        freeRam[best] -= sc->vms[i].ramMb;
        sc->vms[i].host = best;
    }
    free(freeRam);
    return rc;
}

int scenarioPlace(Scenario *sc, const char *how) {
    if (strcmp(how, "spread") == 0) return placeSpread(sc);
    if (strcmp(how, "stack") == 0) return placeStack(sc);
    return ERR("placement '%s': expected spread or stack", how);
}

/* Trace VMs take the standard types, VM i of n getting i / ceil(n/4). */
static void addTraceVms(Scenario *sc) {
    int n = sc->wl->nseries;
    int block = (n + 3) / 4;
    sc->vms = xcalloc((size_t)(n ? n : 1), sizeof(SimVmSpec));
    sc->nvms = n;
    for (int i = 0; i < n; i++) {
        const VmType *t = &vmTypesStandard[i / block];
        sc->vms[i] = (SimVmSpec){.name = xstrdup(sc->wl->series[i].name),
                                 .flavor = t->name,
                                 .vcpus = 1,
                                 .cpu = t->mips,
                                 .ramMb = t->ramMb,
                                 .series = i};
    }
}

Scenario *scenarioFromTrace(const char *name, Workload *wl, const HostMix *mix) {
    Scenario *sc = scenarioNew(name);
    sc->wl = wl;
    sc->intervalS = wl->stepS;
    sc->durationS = wl->nsamples * wl->stepS;
    addHosts(sc, mix);
    addTraceVms(sc);
    if (placeSpread(sc) != 0) {
        scenarioFree(sc);
        return NULL;
    }
    return sc;
}

Scenario *scenarioSynthetic(const HostMix *mix, int nvms, uint64_t seed) {
    /* A day at 5-minute steps whose mean utilization (about 12 %) is that
     * of the PlanetLab days; the shape is a seeded random walk. */
    Workload *wl = workloadRandomWalk(nvms, 288, 300, 0.12, 0.05, seed);
    if (!wl) return NULL;
    return scenarioFromTrace("synthetic", wl, mix);
}

static void addPhase(Scenario *sc, const char *name, double start, double end, bool migrate,
                     bool powerOff) {
    ScenarioPhase *p = &sc->phases[sc->nphases++];
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->startS = start;
    p->endS = end;
    p->allowMigrate = migrate;
    p->allowPowerOff = powerOff;
    p->allowPowerOn = migrate;
}

/* The paper's 3-node experiment (Sec. III.C, Fig. 15-16): three servers
 * drawing 150-300 W, two VMs on each (m1.medium and m1.large), in four
 * half-hour phases: no load; load spread evenly; consolidation (migrations
 * allowed); powering down the emptied hosts. */
Scenario *scenarioPaper3Node(void) {
    const ServerType *t = serverTypeFind("PaperX3550M4");
    const Flavor *medium = flavorFind("medium"), *large = flavorFind("large");
    if (!t || !medium || !large) return NULL;
    Scenario *sc = scenarioNew("paper-3node");
    const double phaseS = 1800, load = 0.6;
    const int lens[4] = {30, 30, 30, 30};
    const double utils[4] = {0, load, load, load};
    sc->wl = workloadPhases(6, lens, utils, 4, 60);
    sc->intervalS = 60;
    sc->durationS = 4 * phaseS;
    sc->nhosts = 3;
    sc->hosts = xcalloc(3, sizeof(SimHostSpec));
    for (int h = 0; h < 3; h++) {
        sc->hosts[h].type = t;
        sc->hosts[h].name = formatName("compute-", h + 1, 1);
    }
    sc->nvms = 6;
    sc->vms = xcalloc(6, sizeof(SimVmSpec));
    for (int i = 0; i < 6; i++) {
        const Flavor *f = i % 2 ? large : medium;
        char name[32];
        snprintf(name, sizeof(name), "vm-%d-%s", i + 1, f->name + 3);
        /* One vCPU is one core of the host: the paper's formula exactly. */
        sc->vms[i] = (SimVmSpec){.name = xstrdup(name),
                                 .flavor = f->name,
                                 .vcpus = f->vcpus,
                                 .cpu = f->vcpus * t->coreMips,
                                 .ramMb = f->ramMb,
                                 .series = i,
                                 .host = i / 2};
    }
    addPhase(sc, "no-load", 0, phaseS, false, false);
    addPhase(sc, "load-spread", phaseS, 2 * phaseS, false, false);
    addPhase(sc, "consolidation", 2 * phaseS, 3 * phaseS, true, false);
    addPhase(sc, "power-down", 3 * phaseS, 4 * phaseS, true, true);
    sc->savingFrom = 1;
    sc->savingTo = 3;
    snprintf(sc->defaultPolicy, sizeof(sc->defaultPolicy), "paper:0.3,0.8");
    return sc;
}
