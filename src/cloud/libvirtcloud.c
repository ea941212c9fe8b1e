/* libvirtcloud.c - the libvirt backend of the cloud interface.
 *
 * Migrations run in their own threads (virDomainMigrateToURI3 blocks until
 * the VM has moved); refresh() collects finished ones, so the controller
 * sees a VM as migrating, then on its new host, exactly as with Nova. */
#include "libvirtcloud.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloudpower.h"
#include "err.h"
#include "lazy_virt.h"
#include "util.h"

typedef struct LvHost {
    LibvirtHostSpec spec;
    virConnectPtr conn;
    bool contacted; /* tried at least once */
} LvHost;

typedef struct LvVm {
    char uuid[VIR_UUID_STRING_BUFLEN];
    unsigned long long cpuTimeNs; /* at the last refresh */
    double seenAt;
    bool seen; /* present in this refresh */
} LvVm;

typedef struct LvMigration {
    pthread_t thread;
    int vm, target;
    MigrationMode mode;
    char uuid[VIR_UUID_STRING_BUFLEN];
    virConnectPtr src;
    char destUri[256], migUri[256];
    unsigned long bandwidthMiBs;
    int done;      /* 1 when the thread has finished (atomic) */
    bool switched; /* post-copy requested */
    int rc;
    char error[256];
    struct LvMigration *next;
} LvMigration;

typedef struct LvCloud {
    Cloud base;
    LvHost *hosts;
    LvVm *vms; /* parallel to base.view.vms */
    size_t capVms;
    LvMigration *migrations;
    long postcopySwitches;
} LvCloud;

static LvCloud *lv(Cloud *c) {
    return (LvCloud *)c;
}

static const char *lvError(void) {
    const virError *e = lazyVirt.virGetLastError();
    return e && e->message ? e->message : "unknown libvirt error";
}

/* libvirt prints errors to stderr by default; geyser reports them itself. */
static void quietErrors(void *data, virErrorPtr err) {
    (void)data, (void)err;
}

static void connectHost(LvCloud *s, int h) {
    LvHost *host = &s->hosts[h];
    Host *view = &s->base.view.hosts[h];
    if (host->conn && lazyVirt.virConnectIsAlive(host->conn) == 1) {
        /* A power operation may have shown it otherwise (cloudpower.c). */
        if (view->state != HOST_ON) view->stateSince = s->base.view.now;
        view->state = HOST_ON;
        return;
    }
    if (host->conn) lazyVirt.virConnectClose(host->conn);
    host->conn = lazyVirt.virConnectOpen(host->spec.uri);
    HostPowerState st = host->conn ? HOST_ON : HOST_OFF;
    /* Found at start-up, a host has been in its state for a long while. */
    if (view->state != st) view->stateSince = host->contacted ? s->base.view.now : -1e12;
    view->state = st;
    host->contacted = true;
    if (!host->conn) return;
    virNodeInfo info;
    if (lazyVirt.virNodeGetInfo(host->conn, &info) == 0) {
        view->capacity = info.cpus;
        view->ramMb = info.memory / 1024.0;
    }
}

static int findVm(const LvCloud *s, const char *uuid) {
    for (int i = 0; i < s->base.view.nvms; i++)
        if (strcmp(s->vms[i].uuid, uuid) == 0) return i;
    return -1;
}

static int addVm(LvCloud *s, const char *uuid, const char *name) {
    CloudView *v = &s->base.view;
    if ((size_t)v->nvms == s->capVms) {
        s->capVms = s->capVms ? 2 * s->capVms : 16;
        v->vms = xrealloc(v->vms, s->capVms * sizeof(Vm));
        s->vms = xrealloc(s->vms, s->capVms * sizeof(LvVm));
    }
    int i = v->nvms++;
    memset(&v->vms[i], 0, sizeof(Vm));
    memset(&s->vms[i], 0, sizeof(LvVm));
    v->vms[i].name = xstrdup(name);
    v->vms[i].target = -1;
    snprintf(s->vms[i].uuid, sizeof(s->vms[i].uuid), "%s", uuid);
    return i;
}

static void readRecord(LvCloud *s, int h, virDomainStatsRecordPtr rec, double now) {
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (lazyVirt.virDomainGetUUIDString(rec->dom, uuid) != 0) return;
    int i = findVm(s, uuid);
    if (i < 0) i = addVm(s, uuid, lazyVirt.virDomainGetName(rec->dom));
    Vm *vm = &s->base.view.vms[i];
    LvVm *lvm = &s->vms[i];
    unsigned long long cpu = 0;
    unsigned int vcpus = 0;
    unsigned long long balloon = 0;
    bool haveCpu =
        lazyVirt.virTypedParamsGetULLong(rec->params, rec->nparams, "cpu.time", &cpu) == 1;
    lazyVirt.virTypedParamsGetUInt(rec->params, rec->nparams, "vcpu.current", &vcpus);
    lazyVirt.virTypedParamsGetULLong(rec->params, rec->nparams, "balloon.maximum", &balloon);
    virDomainInfo info;
    /* Drivers without the bulk stats (the test driver) still answer this,
     * but a domain in a migration job would make it wait for the job: keep
     * what is known until the migration is over. */
    bool migrating = vm->target >= 0;
    if (!haveCpu && migrating) {
        lvm->seen = true;
        return;
    }
    if (!migrating && (!haveCpu || !vcpus || !balloon) &&
        lazyVirt.virDomainGetInfo(rec->dom, &info) == 0) {
        if (!haveCpu) cpu = info.cpuTime;
        if (!vcpus) vcpus = info.nrVirtCpu;
        if (!balloon) balloon = info.maxMem;
    }
    if (!vcpus) vcpus = (unsigned)vm->vcpus;
    if (!balloon) balloon = (unsigned long long)(vm->ramMb * 1024);
    vm->vcpus = vcpus ? (int)vcpus : 1;
    vm->cpu = vm->vcpus;
    vm->ramMb = balloon / 1024.0;
    if (lvm->seenAt > 0 && now > lvm->seenAt && cpu >= lvm->cpuTimeNs) {
        double u = (cpu - lvm->cpuTimeNs) / 1e9 / (now - lvm->seenAt) / vm->vcpus;
        vm->util = u > 1 ? 1 : u;
    }
    lvm->cpuTimeNs = cpu;
    lvm->seenAt = now;
    lvm->seen = true;
    if (vm->target < 0) vm->host = h;
}

static void readHost(LvCloud *s, int h, double now) {
    LvHost *host = &s->hosts[h];
    if (!host->conn) return;
    virDomainStatsRecordPtr *recs = NULL;
    unsigned stats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_VCPU |
                     VIR_DOMAIN_STATS_BALLOON;
    /* NOWAIT: a domain busy in a migration job reports what it can now,
     * instead of blocking the daemon's loop until the job ends. */
    int n = lazyVirt.virConnectGetAllDomainStats(host->conn, stats, &recs,
                                                 VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE |
                                                     VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
    for (int k = 0; k < n; k++)
        readRecord(s, h, recs[k], now);
    if (recs) lazyVirt.virDomainStatsRecordListFree(recs);
}

static void dropVm(LvCloud *s, int i) {
    CloudView *v = &s->base.view;
    free(v->vms[i].name);
    free(v->vms[i].project);
    v->vms[i] = v->vms[v->nvms - 1];
    s->vms[i] = s->vms[v->nvms - 1];
    v->nvms--;
}

/* Hybrid switches to post-copy once pre-copy has had this many passes over
 * memory without finishing: the first pass moves the bulk, the next ones
 * show whether the dirty set shrinks. */
#define HYBRID_PRECOPY_ROUNDS 3

/* Post-copy and hybrid modes: ask QEMU to switch to post-copy while the
 * migration thread waits in virDomainMigrateToURI3. */
static void steerPostcopy(LvMigration *m) {
    virDomainPtr dom = lazyVirt.virDomainLookupByUUIDString(m->src, m->uuid);
    if (!dom) return;
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = VIR_DOMAIN_JOB_NONE;
    unsigned long long rounds = 0;
    if (lazyVirt.virDomainGetJobStats(dom, &type, &params, &nparams, 0) == 0 &&
        type == VIR_DOMAIN_JOB_UNBOUNDED) {
        lazyVirt.virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_ITERATION, &rounds);
        /* QEMU accepts the switch only once the migration is under way:
         * after the first pass over memory has begun. */
        bool now = rounds >= (m->mode == MIGRATE_POSTCOPY ? 1 : HYBRID_PRECOPY_ROUNDS);
        if (now && lazyVirt.virDomainMigrateStartPostCopy(dom, 0) == 0) m->switched = true;
    }
    lazyVirt.virTypedParamsFree(params, nparams);
    lazyVirt.virDomainFree(dom);
}

static void collectMigrations(LvCloud *s) {
    for (LvMigration **p = &s->migrations; *p;) {
        LvMigration *m = *p;
        if (!__atomic_load_n(&m->done, __ATOMIC_ACQUIRE)) {
            p = &m->next;
            continue;
        }
        pthread_join(m->thread, NULL);
        s->postcopySwitches += m->switched;
        int i = findVm(s, m->uuid);
        if (i >= 0) {
            s->base.view.vms[i].target = -1;
            if (m->rc == 0) s->base.view.vms[i].host = m->target;
        }
        if (m->rc != 0) {
            s->base.view.migrationFailures++;
            snprintf(s->base.view.lastMigrationError, sizeof(s->base.view.lastMigrationError),
                     "migration of %s failed: %.150s", m->uuid, m->error);
        }
        *p = m->next;
        free(m);
    }
}

static void deriveHosts(LvCloud *s) {
    CloudView *v = &s->base.view;
    for (int h = 0; h < v->nhosts; h++) {
        Host *host = &v->hosts[h];
        host->demand = host->ramUsed = 0;
        host->nvms = host->incoming = host->outgoing = 0;
    }
    for (int i = 0; i < v->nvms; i++) {
        Vm *vm = &v->vms[i];
        Host *host = &v->hosts[vm->host];
        host->demand += vm->util * vm->cpu;
        host->ramUsed += vm->ramMb;
        host->nvms++;
        if (vm->target >= 0) {
            host->outgoing++;
            v->hosts[vm->target].incoming++;
            v->hosts[vm->target].ramUsed += vm->ramMb;
        }
    }
    for (int h = 0; h < v->nhosts; h++) {
        Host *host = &v->hosts[h];
        host->powerW =
            host->type && host->state == HOST_ON ? powerAt(&host->type->power, hostUtil(host)) : 0;
    }
}

/* Up means its libvirt daemon answers (refresh has just tried). */
static bool lvAlive(Cloud *c, int h) {
    return lv(c)->hosts[h].conn != NULL;
}

static int lvRefresh(Cloud *c) {
    LvCloud *s = lv(c);
    CloudView *v = &c->view;
    v->now = nowMonotonic();
    collectMigrations(s);
    for (int i = 0; i < v->nvms; i++)
        s->vms[i].seen = false;
    int up = 0;
    for (int h = 0; h < v->nhosts; h++) {
        connectHost(s, h);
        readHost(s, h, v->now);
        up += s->hosts[h].conn != NULL;
    }
    /* A VM no host reports any more has gone (deleted, or shut off). */
    for (int i = v->nvms - 1; i >= 0; i--)
        if (!s->vms[i].seen && v->vms[i].target < 0) dropVm(s, i);
    cloudPowerStep(c, lvAlive);
    deriveHosts(s);
    if (up == 0)
        return ERR("no libvirt host answers (first: %s): %s", s->hosts[0].spec.uri, lvError());
    return 0;
}

/* Post-copy and hybrid: watch the job while the migration thread waits in
 * virDomainMigrateToURI3, and switch when it is time. */
static void *steerThread(void *arg) {
    LvMigration *m = arg;
    while (!__atomic_load_n(&m->done, __ATOMIC_ACQUIRE) && !m->switched) {
        steerPostcopy(m);
        usleep(100000);
    }
    return NULL;
}

static void *migrationThread(void *arg) {
    LvMigration *m = arg;
    pthread_t steer;
    bool steering = m->mode != MIGRATE_PRECOPY && pthread_create(&steer, NULL, steerThread, m) == 0;
    virDomainPtr dom = lazyVirt.virDomainLookupByUUIDString(m->src, m->uuid);
    if (!dom) {
        m->rc = -1;
        snprintf(m->error, sizeof(m->error), "%s", lvError());
        __atomic_store_n(&m->done, 1, __ATOMIC_RELEASE);
        if (steering) pthread_join(steer, NULL);
        return NULL;
    }
    virTypedParameterPtr params = NULL;
    int nparams = 0, maxparams = 0;
    if (m->migUri[0])
        lazyVirt.virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_URI,
                                         m->migUri);
    if (m->bandwidthMiBs)
        lazyVirt.virTypedParamsAddULLong(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_BANDWIDTH,
                                         m->bandwidthMiBs);
    /* QEMU applies max-bandwidth to pre-copy only; post-copy's push has its
     * own limit (max-postcopy-bandwidth, unlimited by default), which libvirt
     * takes in MiB/s as well. */
    if (m->bandwidthMiBs && m->mode != MIGRATE_PRECOPY)
        lazyVirt.virTypedParamsAddULLong(&params, &nparams, &maxparams,
                                         VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, m->bandwidthMiBs);
    unsigned flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_PERSIST_DEST |
                     VIR_MIGRATE_UNDEFINE_SOURCE;
    if (m->mode != MIGRATE_PRECOPY) flags |= VIR_MIGRATE_POSTCOPY;
    m->rc = lazyVirt.virDomainMigrateToURI3(dom, m->destUri, params, (unsigned)nparams, flags);
    if (m->rc != 0) snprintf(m->error, sizeof(m->error), "%s", lvError());
    lazyVirt.virTypedParamsFree(params, nparams);
    lazyVirt.virDomainFree(dom);
    __atomic_store_n(&m->done, 1, __ATOMIC_RELEASE);
    if (steering) pthread_join(steer, NULL);
    return NULL;
}

static int lvMigrate(Cloud *c, int vmi, int target, MigrationMode mode) {
    LvCloud *s = lv(c);
    CloudView *v = &c->view;
    if (vmi < 0 || vmi >= v->nvms || target < 0 || target >= v->nhosts)
        return ERR("migration names VM %d or host %d, which do not exist", vmi, target);
    Vm *vm = &v->vms[vmi];
    if (vm->target >= 0) return ERR("VM %s is already migrating", vm->name);
    if (!s->hosts[vm->host].conn || !s->hosts[target].conn)
        return ERR("cannot migrate VM %s: host %s or %s does not answer", vm->name,
                   v->hosts[vm->host].name, v->hosts[target].name);
    LvMigration *m = xcalloc(1, sizeof(*m));
    m->vm = vmi;
    m->target = target;
    m->mode = mode;
    m->src = s->hosts[vm->host].conn;
    snprintf(m->uuid, sizeof(m->uuid), "%s", s->vms[vmi].uuid);
    snprintf(m->destUri, sizeof(m->destUri), "%s", s->hosts[target].spec.uri);
    m->bandwidthMiBs = s->hosts[vm->host].spec.bandwidthMiBs;
    if (s->hosts[target].spec.migrationUri)
        snprintf(m->migUri, sizeof(m->migUri), "%s", s->hosts[target].spec.migrationUri);
    if (pthread_create(&m->thread, NULL, migrationThread, m) != 0) {
        free(m);
        return ERR("cannot start a thread to migrate VM %s", vm->name);
    }
    m->next = s->migrations;
    s->migrations = m;
    vm->target = target;
    return 0;
}

static int lvSetEnabled(Cloud *c, int h, bool enabled, const char *reason) {
    (void)reason;
    if (h < 0 || h >= c->view.nhosts) return ERR("no host with index %d", h);
    c->view.hosts[h].enabled = enabled;
    c->view.hosts[h].disabledByGeyser = !enabled;
    return 0;
}

/* Running domains on host h, listed afresh on its URI. */
static int lvCountDomains(Cloud *c, int h, int *n) {
    LvCloud *s = lv(c);
    connectHost(s, h);
    if (!s->hosts[h].conn)
        return ERR("libvirt host %s (%s) does not answer: %s", c->view.hosts[h].name,
                   s->hosts[h].spec.uri, lvError());
    virDomainPtr *doms = NULL;
    int k =
        lazyVirt.virConnectListAllDomains(s->hosts[h].conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    if (k < 0) return ERR("listing the domains of %s: %s", s->hosts[h].spec.uri, lvError());
    for (int i = 0; i < k; i++)
        lazyVirt.virDomainFree(doms[i]);
    free(doms);
    *n = k;
    return 0;
}

static int lvPowerOff(Cloud *c, int h) {
    return cloudPowerOff(c, h, lvCountDomains);
}

static int lvPowerOn(Cloud *c, int h) {
    return cloudPowerOn(c, h);
}

static void lvClose(Cloud *c) {
    LvCloud *s = lv(c);
    for (LvMigration *m = s->migrations, *next; m; m = next) {
        next = m->next;
        pthread_join(m->thread, NULL);
        free(m);
    }
    for (int h = 0; h < c->view.nhosts; h++) {
        if (s->hosts[h].conn) lazyVirt.virConnectClose(s->hosts[h].conn);
        free((char *)s->hosts[h].spec.uri);
        free((char *)s->hosts[h].spec.migrationUri);
    }
    cloudViewRelease(&c->view);
    free(s->hosts);
    free(s->vms);
    free(s);
}

static const CloudDriver libvirtDriver = {
    .name = "libvirt",
    .refresh = lvRefresh,
    .migrate = lvMigrate,
    .setEnabled = lvSetEnabled,
    .powerOn = lvPowerOn,
    .powerOff = lvPowerOff,
    .close = lvClose,
    .actuators = true,
    .volatileMarks = true,
};

long libvirtCloudPostcopySwitches(const Cloud *c) {
    return ((const LvCloud *)c)->postcopySwitches;
}

Cloud *libvirtCloudOpen(const LibvirtHostSpec *hosts, int n) {
    if (n < 1) {
        ERR("a libvirt cloud needs at least one host");
        return NULL;
    }
    if (lazyVirtLoad() < 0) return NULL;
    lazyVirt.virSetErrorFunc(NULL, quietErrors);
    LvCloud *s = xcalloc(1, sizeof(*s));
    s->base.drv = &libvirtDriver;
    s->base.priv = s;
    s->hosts = xcalloc((size_t)n, sizeof(LvHost));
    s->base.view.hosts = xcalloc((size_t)n, sizeof(Host));
    s->base.view.nhosts = n;
    for (int h = 0; h < n; h++) {
        /* The URIs are kept (copied): a caller's spec may be gone by the
         * time a migration needs its target's URI. */
        s->hosts[h].spec = hosts[h];
        s->hosts[h].spec.name = NULL; /* the view's name is the one kept */
        s->hosts[h].spec.uri = xstrdup(hosts[h].uri);
        s->hosts[h].spec.migrationUri =
            hosts[h].migrationUri ? xstrdup(hosts[h].migrationUri) : NULL;
        Host *host = &s->base.view.hosts[h];
        host->name = xstrdup(hosts[h].name);
        host->type = hosts[h].type;
        host->enabled = true;
        host->state = HOST_OFF;
        host->stateSince = -1e12;
    }
    if (lvRefresh(&s->base) != 0) {
        lvClose(&s->base);
        return NULL;
    }
    return &s->base;
}
