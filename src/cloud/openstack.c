/* openstack.c - the OpenStack backend of the cloud interface (Nova API with
 * an explicit microversion, through keystone.c's session).
 *
 * Hosts are nova-compute services, with the capacity of their hypervisor
 * (vCPUs, RAM in MB); VMs are the servers of all projects (cpu = flavour
 * vCPUs). Nova reports no per-VM CPU utilization: util stays 0 unless a
 * utilization provider is set. Indices stay stable: a host or server seen
 * once keeps its index; a server that disappears keeps its slot with no
 * size and cannot be migrated. Live migrations are asynchronous in Nova;
 * refresh() reads their outcome from the server and /os-migrations. */
#include "openstack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudpower.h"
#include "err.h"
#include "lazy_curl.h"
#include "util.h"

#define MV OS_COMPUTE_MICROVERSION

typedef struct OsCloud {
    Cloud base;
    OsSession *sess;
    char **hostSvc;  /* compute service UUID per host */
    bool *svcUp;     /* Nova's own "up" for the service, before power overrides */
    char **beat;     /* the service's updated_at (its last heartbeat) */
    char **beatAtOn; /* the heartbeat when geyser sent power-on */
    size_t capHosts;
    char **vmId; /* server UUID per VM */
    bool *vmGone;
    size_t capVms;
    double t0;
    OsUtilProvider util;
    void *utilArg;
} OsCloud;

static const CloudDriver osDriver;

static OsCloud *osc(Cloud *c) {
    return (OsCloud *)c;
}

bool osIsOpenStack(const Cloud *c) {
    return c && c->drv == &osDriver;
}

OsSession *osCloudSession(Cloud *c) {
    return osc(c)->sess;
}

void osCloudSetUtilProvider(Cloud *c, OsUtilProvider fn, void *arg) {
    osc(c)->util = fn;
    osc(c)->utilArg = arg;
}

const char *osVmId(const Cloud *c, int vm) {
    return vm >= 0 && vm < c->view.nvms ? ((const OsCloud *)c)->vmId[vm] : NULL;
}

const char *osHostServiceId(const Cloud *c, int host) {
    return host >= 0 && host < c->view.nhosts ? ((const OsCloud *)c)->hostSvc[host] : NULL;
}

/* ---- reading Nova's JSON, with errors that name the field ---- */

static json_t *listOf(json_t *root, const char *key, const char *what) {
    json_t *a = json_object_get(root, key);
    if (!json_is_array(a)) ERR("%s: '%s' is missing or not an array", what, key);
    return json_is_array(a) ? a : NULL;
}

static const char *strField(json_t *o, const char *key, const char *list, size_t i,
                            const char *what) {
    const char *s = json_string_value(json_object_get(o, key));
    if (!s) ERR("%s: '%s[%zu].%s' is missing or not a string", what, list, i, key);
    return s;
}

static int numField(json_t *o, const char *key, const char *list, size_t i, const char *what,
                    double *out) {
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        return ERR("%s: '%s[%zu].%s' is missing or not a number", what, list, i, key);
    *out = json_number_value(v);
    return 0;
}

/* ---- inventory ---- */

static int hostFind(const CloudView *v, const char *name) {
    for (int h = 0; h < v->nhosts; h++)
        if (strcmp(v->hosts[h].name, name) == 0) return h;
    return -1;
}

static int hostAdd(OsCloud *o, const char *name) {
    CloudView *v = &o->base.view;
    growArray((void **)&v->hosts, sizeof(Host), &o->capHosts, (size_t)v->nhosts + 1);
    o->hostSvc = xrealloc(o->hostSvc, o->capHosts * sizeof(char *));
    o->svcUp = xrealloc(o->svcUp, o->capHosts * sizeof(bool));
    o->beat = xrealloc(o->beat, o->capHosts * sizeof(char *));
    o->beatAtOn = xrealloc(o->beatAtOn, o->capHosts * sizeof(char *));
    int h = v->nhosts++;
    memset(&v->hosts[h], 0, sizeof(Host));
    v->hosts[h].name = xstrdup(name);
    v->hosts[h].stateSince = v->now;
    o->hostSvc[h] = NULL;
    o->svcUp[h] = false;
    o->beat[h] = o->beatAtOn[h] = NULL;
    return h;
}

static int readServices(OsCloud *o) {
    const char *what = "GET /os-services?binary=nova-compute";
    json_t *root = NULL;
    if (osRequest(o->sess, "compute", "GET", "/os-services?binary=nova-compute", MV, NULL, NULL,
                  &root) != 0)
        return -1;
    int rc = -1;
    json_t *list = listOf(root, "services", what), *s;
    size_t i;
    if (!list) goto done;
    json_array_foreach(list, i, s) {
        const char *host = strField(s, "host", "services", i, what);
        const char *id = host ? strField(s, "id", "services", i, what) : NULL;
        const char *status = id ? strField(s, "status", "services", i, what) : NULL;
        const char *state = status ? strField(s, "state", "services", i, what) : NULL;
        if (!state) goto done;
        const char *reason = json_string_value(json_object_get(s, "disabled_reason"));
        int h = hostFind(&o->base.view, host);
        if (h < 0) h = hostAdd(o, host);
        Host *hp = &o->base.view.hosts[h];
        free(o->hostSvc[h]);
        o->hostSvc[h] = xstrdup(id);
        hp->enabled = strcmp(status, "enabled") == 0;
        hp->disabledByGeyser =
            !hp->enabled && reason && strStartsWith(reason, OS_GEYSER_REASON_PREFIX);
        const char *beat = json_string_value(json_object_get(s, "updated_at"));
        free(o->beat[h]);
        o->beat[h] = beat ? xstrdup(beat) : NULL;
        o->svcUp[h] = strcmp(state, "up") == 0;
        HostPowerState st = o->svcUp[h] ? HOST_ON : HOST_OFF;
        if (st != hp->state) hp->stateSince = o->base.view.now;
        hp->state = st;
    }
    rc = 0;
done:
    json_decref(root);
    return rc;
}

static int readHypervisors(OsCloud *o) {
    const char *what = "GET /os-hypervisors/detail";
    json_t *root = NULL;
    if (osRequest(o->sess, "compute", "GET", "/os-hypervisors/detail", MV, NULL, NULL, &root) != 0)
        return -1;
    int rc = -1;
    json_t *list = listOf(root, "hypervisors", what), *hv;
    size_t i;
    if (!list) goto done;
    json_array_foreach(list, i, hv) {
        const char *name =
            json_string_value(json_object_get(json_object_get(hv, "service"), "host"));
        if (!name) name = strField(hv, "hypervisor_hostname", "hypervisors", i, what);
        if (!name) goto done;
        double vcpus, ram;
        if (numField(hv, "vcpus", "hypervisors", i, what, &vcpus) != 0 ||
            numField(hv, "memory_mb", "hypervisors", i, what, &ram) != 0)
            goto done;
        int h = hostFind(&o->base.view, name);
        if (h < 0) continue; /* not a nova-compute service we know: not schedulable */
        o->base.view.hosts[h].capacity = vcpus;
        o->base.view.hosts[h].ramMb = ram;
    }
    rc = 0;
done:
    json_decref(root);
    return rc;
}

static int vmFind(const OsCloud *o, const char *id) {
    for (int i = 0; i < o->base.view.nvms; i++)
        if (strcmp(o->vmId[i], id) == 0) return i;
    return -1;
}

static int vmAdd(OsCloud *o, const char *id, const char *name) {
    CloudView *v = &o->base.view;
    growArray((void **)&v->vms, sizeof(Vm), &o->capVms, (size_t)v->nvms + 1);
    o->vmId = xrealloc(o->vmId, o->capVms * sizeof(char *));
    o->vmGone = xrealloc(o->vmGone, o->capVms * sizeof(bool));
    int i = v->nvms++;
    memset(&v->vms[i], 0, sizeof(Vm));
    v->vms[i].name = xstrdup(name);
    v->vms[i].target = -1;
    o->vmId[i] = xstrdup(id);
    o->vmGone[i] = false;
    return i;
}

/* A live migration ended with the server not on its target: Nova accepted
 * it (202) and failed it later. Its record says how it ended. */
static void migrationFailed(OsCloud *o, int k) {
    CloudView *v = &o->base.view;
    Vm *vm = &v->vms[k];
    char *st = NULL;
    if (osMigrationStatus(&o->base, k, &st) != 0) st = xstrdup("unknown: os-migrations unread");
    v->migrationFailures++;
    snprintf(v->lastMigrationError, sizeof(v->lastMigrationError),
             "live migration of %s to %s ended '%s'", vm->name, v->hosts[vm->target].name,
             st ? st : "no record");
    free(st);
}

/* One server of a /servers/detail page into the view; -1 with an error
 * naming the field. */
static int readServer(OsCloud *o, json_t *s, size_t i, const char *what) {
    CloudView *v = &o->base.view;
    const char *id = strField(s, "id", "servers", i, what);
    const char *name = id ? strField(s, "name", "servers", i, what) : NULL;
    if (!name) return -1;
    const char *host = json_string_value(json_object_get(s, "OS-EXT-SRV-ATTR:host"));
    int h = host ? hostFind(v, host) : -1;
    if (h < 0) return 0; /* not placed (building, shelved) or on an unknown host */
    json_t *flavor = json_object_get(s, "flavor");
    double vcpus, ram;
    if (!json_is_object(flavor))
        return ERR("%s: 'servers[%zu].flavor' is missing or not an object (microversion < 2.47?)",
                   what, i);
    if (numField(flavor, "vcpus", "servers.flavor", i, what, &vcpus) != 0 ||
        numField(flavor, "ram", "servers.flavor", i, what, &ram) != 0)
        return -1;
    int k = vmFind(o, id);
    if (k < 0) k = vmAdd(o, id, name);
    Vm *vm = &v->vms[k];
    o->vmGone[k] = false;
    vm->vcpus = (int)vcpus;
    vm->cpu = vcpus;
    vm->ramMb = ram;
    vm->host = h;
    const char *status = json_string_value(json_object_get(s, "status"));
    bool migrating = status && strcmp(status, "MIGRATING") == 0;
    if (!migrating && vm->target >= 0 && vm->target != h) migrationFailed(o, k);
    if (!migrating) vm->target = -1; /* landed, or failed: the host says which */
    double u = 0;
    if (o->util && o->util(o->utilArg, id, name, &u) == 0) vm->util = u < 0 ? 0 : u > 1 ? 1 : u;
    return 0;
}

/* Whether a page of servers says another follows (Nova lists at most
 * osapi_max_limit servers a page, 1000 by default, with a "next" link). */
static bool hasNextPage(json_t *root) {
    json_t *links = json_object_get(root, "servers_links"), *l;
    size_t i;
    json_array_foreach(links, i, l) {
        const char *rel = json_string_value(json_object_get(l, "rel"));
        if (rel && strcmp(rel, "next") == 0) return true;
    }
    return false;
}

#define OS_MAX_SERVER_PAGES 1000 /* a million servers at Nova's default page size */

/* Every server of every project, page by page: a VM missed here would be a
 * host that looks emptier than it is. */
static int readServers(OsCloud *o) {
    CloudView *v = &o->base.view;
    for (int i = 0; i < v->nvms; i++)
        o->vmGone[i] = true;
    char path[300] = "/servers/detail?all_tenants=1", marker[128] = "";
    for (int page = 0; page < OS_MAX_SERVER_PAGES; page++) {
        if (marker[0])
            snprintf(path, sizeof(path), "/servers/detail?all_tenants=1&marker=%s", marker);
        char what[340];
        snprintf(what, sizeof(what), "GET %s", path);
        json_t *root = NULL;
        if (osRequest(o->sess, "compute", "GET", path, MV, NULL, NULL, &root) != 0) return -1;
        json_t *list = listOf(root, "servers", what), *s;
        size_t i;
        int rc = list ? 0 : -1;
        json_array_foreach(list, i, s) {
            if (rc == 0) rc = readServer(o, s, i, what);
        }
        const char *last = NULL;
        if (rc == 0 && list && json_array_size(list) > 0)
            last = json_string_value(
                json_object_get(json_array_get(list, json_array_size(list) - 1), "id"));
        bool more = rc == 0 && hasNextPage(root);
        if (more && (!last || strlen(last) >= sizeof(marker) || strcmp(last, marker) == 0 ||
                     strspn(last, "0123456789abcdefABCDEF-") != strlen(last)))
            rc = ERR("%s: a next page is announced but its marker (the last server's id) is "
                     "missing, repeated or not a UUID",
                     what);
        if (rc == 0 && more) snprintf(marker, sizeof(marker), "%s", last);
        json_decref(root);
        if (rc != 0) return -1;
        if (!more) return 0;
    }
    return ERR("GET /servers/detail: more than %d pages of servers", OS_MAX_SERVER_PAGES);
}

/* Sums over the VMs, as the controller expects them. */
static void derive(OsCloud *o) {
    CloudView *v = &o->base.view;
    for (int h = 0; h < v->nhosts; h++) {
        Host *hp = &v->hosts[h];
        hp->demand = hp->ramUsed = 0;
        hp->nvms = hp->incoming = hp->outgoing = 0;
        hp->powerW = 0;
    }
    for (int i = 0; i < v->nvms; i++) {
        Vm *vm = &v->vms[i];
        if (o->vmGone[i]) {
            vm->cpu = vm->ramMb = vm->util = 0;
            vm->target = -1;
            continue;
        }
        Host *hp = &v->hosts[vm->host];
        hp->demand += vm->util * vm->cpu;
        hp->ramUsed += vm->ramMb;
        hp->nvms++;
        if (vm->target >= 0) {
            hp->outgoing++;
            v->hosts[vm->target].incoming++;
            v->hosts[vm->target].ramUsed += vm->ramMb;
        }
    }
}

/* ---- power (cloudpower.c does the rest) ---- */

/* Up after a power-on: Nova says up and the service has sent a heartbeat
 * since the command. Nova alone would not do: it reports a dead service up
 * until service_down_time has passed since its last heartbeat. */
static bool osAlive(Cloud *c, int h) {
    OsCloud *o = osc(c);
    if (!o->svcUp[h] || !o->beat[h]) return false;
    return !o->beatAtOn[h] || strcmp(o->beat[h], o->beatAtOn[h]) != 0;
}

/* Servers of any project on the host (any state), and the hypervisor's own
 * count of running VMs where the microversion still reports it; the larger. */
static int osCountInstances(Cloud *c, int h, int *n) {
    OsCloud *o = osc(c);
    const char *name = c->view.hosts[h].name;
    char *esc = lazyCurl.curl_easy_escape(NULL, name, 0);
    char path[512];
    snprintf(path, sizeof(path), "/servers?all_tenants=1&host=%s", esc ? esc : name);
    lazyCurl.curl_free(esc);
    json_t *root = NULL;
    if (osRequest(o->sess, "compute", "GET", path, MV, NULL, NULL, &root) != 0) return -1;
    char what[600];
    snprintf(what, sizeof(what), "GET %s", path);
    json_t *list = listOf(root, "servers", what);
    int servers = list ? (int)json_array_size(list) : -1;
    json_decref(root);
    if (servers < 0) return -1;
    root = NULL;
    if (osRequest(o->sess, "compute", "GET", "/os-hypervisors/detail", MV, NULL, NULL, &root) != 0)
        return -1;
    list = listOf(root, "hypervisors", "GET /os-hypervisors/detail");
    int running = 0;
    json_t *hv;
    size_t i;
    json_array_foreach(list, i, hv) {
        const char *hn = json_string_value(json_object_get(json_object_get(hv, "service"), "host"));
        json_t *rv = json_object_get(hv, "running_vms");
        if (hn && strcmp(hn, name) == 0 && json_is_integer(rv))
            running += (int)json_integer_value(rv);
    }
    json_decref(root);
    if (!list) return -1;
    *n = servers > running ? servers : running;
    return 0;
}

static int osRefresh(Cloud *c) {
    OsCloud *o = osc(c);
    c->view.now = nowMonotonic() - o->t0;
    if (readServices(o) != 0 || readHypervisors(o) != 0 || readServers(o) != 0) return -1;
    cloudPowerStep(c, osAlive);
    derive(o);
    return 0;
}

/* ---- actions ---- */

static int osMigrate(Cloud *c, int vmi, int target, MigrationMode mode) {
    OsCloud *o = osc(c);
    CloudView *v = &c->view;
    (void)mode; /* Nova chooses pre-copy or post-copy from its own configuration */
    if (vmi < 0 || vmi >= v->nvms || target < 0 || target >= v->nhosts)
        return ERR("migration names VM %d or host %d, which do not exist", vmi, target);
    Vm *vm = &v->vms[vmi];
    if (o->vmGone[vmi]) return ERR("server %s (%s) no longer exists", vm->name, o->vmId[vmi]);
    if (vm->target >= 0) return ERR("server %s is already migrating", vm->name);
    char path[256];
    snprintf(path, sizeof(path), "/servers/%s/action", o->vmId[vmi]);
    json_t *body = json_pack("{s:{s:s, s:s}}", "os-migrateLive", "host", v->hosts[target].name,
                             "block_migration", "auto");
    int rc = osRequest(o->sess, "compute", "POST", path, MV, body, NULL, NULL);
    json_decref(body);
    if (rc != 0) {
        errPrefix("live migration of %s to %s", vm->name, v->hosts[target].name);
        return -1;
    }
    /* Accepted (202) says nothing about the outcome: refresh() reads it. */
    vm->target = target;
    derive(o);
    return 0;
}

static int osSetEnabled(Cloud *c, int h, bool enabled, const char *reason) {
    OsCloud *o = osc(c);
    if (h < 0 || h >= c->view.nhosts) return ERR("no host with index %d", h);
    Host *hp = &c->view.hosts[h];
    if (!o->hostSvc[h]) return ERR("host %s has no nova-compute service", hp->name);
    char path[256], why[512];
    snprintf(path, sizeof(path), "/os-services/%s", o->hostSvc[h]);
    snprintf(why, sizeof(why), "%s%s", OS_GEYSER_REASON_PREFIX,
             reason && *reason ? reason : "consolidation");
    json_t *body = enabled ? json_pack("{s:s}", "status", "enabled")
                           : json_pack("{s:s, s:s}", "status", "disabled", "disabled_reason", why);
    json_t *ans = NULL;
    int rc = osRequest(o->sess, "compute", "PUT", path, MV, body, NULL, &ans);
    json_decref(body);
    const char *st = json_string_value(json_object_get(json_object_get(ans, "service"), "status"));
    if (rc == 0 && (!st || strcmp(st, enabled ? "enabled" : "disabled") != 0))
        rc = ERR("PUT %s: 'service.status' is missing or not '%s'", path,
                 enabled ? "enabled" : "disabled");
    json_decref(ans);
    if (rc != 0) {
        errPrefix("%s host %s", enabled ? "enabling" : "disabling", hp->name);
        return -1;
    }
    hp->enabled = enabled;
    hp->disabledByGeyser = !enabled;
    return 0;
}

static int osPowerOn(Cloud *c, int h) {
    OsCloud *o = osc(c);
    if (h >= 0 && h < c->view.nhosts) {
        free(o->beatAtOn[h]);
        o->beatAtOn[h] = o->beat[h] ? xstrdup(o->beat[h]) : NULL;
    }
    return cloudPowerOn(c, h);
}

static int osPowerOff(Cloud *c, int h) {
    return cloudPowerOff(c, h, osCountInstances);
}

int osMigrationStatus(Cloud *c, int vm, char **status) {
    OsCloud *o = osc(c);
    *status = NULL;
    if (vm < 0 || vm >= c->view.nvms) return ERR("no VM with index %d", vm);
    char path[256];
    snprintf(path, sizeof(path), "/os-migrations?instance_uuid=%s", o->vmId[vm]);
    json_t *root = NULL;
    if (osRequest(o->sess, "compute", "GET", path, MV, NULL, NULL, &root) != 0) return -1;
    char what[300];
    snprintf(what, sizeof(what), "GET %s", path);
    int rc = -1;
    json_t *list = listOf(root, "migrations", what);
    if (!list) goto done;
    /* Newest first by Nova's order; pick the highest id to be sure. */
    json_t *best = NULL, *m;
    size_t i;
    json_array_foreach(list, i, m) {
        if (!json_is_integer(json_object_get(m, "id"))) {
            ERR("%s: 'migrations[%zu].id' is missing or not an integer", what, i);
            goto done;
        }
        if (!best || json_integer_value(json_object_get(m, "id")) >
                         json_integer_value(json_object_get(best, "id")))
            best = m;
    }
    if (best) {
        const char *s = strField(best, "status", "migrations", 0, what);
        if (!s) goto done;
        *status = xstrdup(s);
    }
    rc = 0;
done:
    json_decref(root);
    return rc;
}

/* The id of the VM's live migration in progress (GET /servers/{id}/migrations). */
static int inProgress(OsCloud *o, int vm, long long *mid) {
    char path[256], what[300];
    snprintf(path, sizeof(path), "/servers/%s/migrations", o->vmId[vm]);
    snprintf(what, sizeof(what), "GET %s", path);
    json_t *root = NULL;
    if (osRequest(o->sess, "compute", "GET", path, MV, NULL, NULL, &root) != 0) return -1;
    json_t *list = listOf(root, "migrations", what);
    json_t *first = list ? json_array_get(list, 0) : NULL;
    int rc = -1;
    if (list && !first)
        ERR("server %s has no live migration in progress", o->base.view.vms[vm].name);
    else if (first && !json_is_integer(json_object_get(first, "id")))
        ERR("%s: 'migrations[0].id' is missing or not an integer", what);
    else if (first) {
        *mid = json_integer_value(json_object_get(first, "id"));
        rc = 0;
    }
    json_decref(root);
    return rc;
}

int osMigrationForceComplete(Cloud *c, int vm) {
    OsCloud *o = osc(c);
    long long mid;
    if (vm < 0 || vm >= c->view.nvms) return ERR("no VM with index %d", vm);
    if (inProgress(o, vm, &mid) != 0) return -1;
    char path[256];
    snprintf(path, sizeof(path), "/servers/%s/migrations/%lld/action", o->vmId[vm], mid);
    json_t *body = json_pack("{s:n}", "force_complete");
    int rc = osRequest(o->sess, "compute", "POST", path, MV, body, NULL, NULL);
    json_decref(body);
    return rc;
}

int osMigrationAbort(Cloud *c, int vm) {
    OsCloud *o = osc(c);
    long long mid;
    if (vm < 0 || vm >= c->view.nvms) return ERR("no VM with index %d", vm);
    if (inProgress(o, vm, &mid) != 0) return -1;
    char path[256];
    snprintf(path, sizeof(path), "/servers/%s/migrations/%lld", o->vmId[vm], mid);
    return osRequest(o->sess, "compute", "DELETE", path, MV, NULL, NULL, NULL);
}

static void osClose(Cloud *c) {
    OsCloud *o = osc(c);
    for (int h = 0; h < c->view.nhosts; h++) {
        free(c->view.hosts[h].name);
        free(o->hostSvc[h]);
        free(o->beat[h]);
        free(o->beatAtOn[h]);
    }
    for (int i = 0; i < c->view.nvms; i++) {
        free(c->view.vms[i].name);
        free(o->vmId[i]);
    }
    free(c->view.hosts);
    free(c->view.vms);
    free(o->hostSvc);
    free(o->svcUp);
    free(o->beat);
    free(o->beatAtOn);
    free(o->vmId);
    free(o->vmGone);
    osSessionFree(o->sess);
    free(o);
}

static const CloudDriver osDriver = {
    .name = "openstack",
    .refresh = osRefresh,
    .migrate = osMigrate,
    .setEnabled = osSetEnabled,
    .powerOn = osPowerOn,
    .powerOff = osPowerOff,
    .close = osClose,
    .actuators = true,
};

Cloud *osCloudCreate(const OsConfig *cfg) {
    OsCloud *o = xcalloc(1, sizeof(*o));
    o->base.drv = &osDriver;
    o->base.priv = o;
    o->t0 = nowMonotonic();
    o->sess = osSessionCreate(cfg);
    if (!o->sess || osRefresh(&o->base) != 0) {
        osClose(&o->base);
        return NULL;
    }
    return &o->base;
}
