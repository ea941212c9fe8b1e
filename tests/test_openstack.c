/* test_openstack.c - the OpenStack backend against recorded Keystone and Nova
 * answers (tests/data/openstack/), served by a small libmicrohttpd server on
 * 127.0.0.1: authentication, catalog selection, inventory mapping, actions,
 * and the error paths (401, 409, 5xx, timeouts, malformed JSON). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "actuator.h"
#include "buf.h"
#include "cloudpower.h"
#include "controller.h"
#include "err.h"
#include "keystone.h"
#include "openstack.h"
#include "osconfig.h"
#include "testing.h"
#include "util.h"

/* ---- the fake cloud ---- */

typedef struct Route {
    const char *method, *path; /* path without the query */
    int status;
    const char *file; /* under tests/data/openstack, or NULL: empty body */
    int delayMs;
    int hits;
} Route;

#define MAXROUTES        32
#define SERVICE_AS_ASKED "(service as asked)"
static Route routes[MAXROUTES];
static int nroutes;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char base[64];
static int tokenSerial;        /* tokens issued */
static int minValidToken;      /* tokens with a lower serial are refused (401) */
static long tokenLifeS = 3600; /* expires_at of new tokens, from now */
static char lastBody[8192];    /* the last request body */
static char lastPath[512];
static char tmpDir[256];

static char *readData(const char *name) {
    char path[512];
    snprintf(path, sizeof(path), "%s/openstack/%s", GEYSER_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    if (!f) return xstrdup("");
    Buf b;
    bufInit(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        bufAppend(&b, chunk, n);
    fclose(f);
    return b.data ? bufDetach(&b, NULL) : xstrdup("");
}

/* Replace every @KEY@ in text by value. */
static char *subst(char *text, const char *key, const char *value) {
    Buf b;
    bufInit(&b);
    const char *p = text, *q;
    while ((q = strstr(p, key)) != NULL) {
        bufAppend(&b, p, (size_t)(q - p));
        bufAppend(&b, value, strlen(value));
        p = q + strlen(key);
    }
    bufAppend(&b, p, strlen(p));
    free(text);
    return bufDetach(&b, NULL);
}

static void routeSet(const char *method, const char *path, int status, const char *file) {
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nroutes; i++) {
        if (strcmp(routes[i].method, method) == 0 && strcmp(routes[i].path, path) == 0) {
            routes[i].status = status;
            routes[i].file = file;
            routes[i].delayMs = 0;
            pthread_mutex_unlock(&mu);
            return;
        }
    }
    routes[nroutes++] = (Route){method, path, status, file, 0, 0};
    pthread_mutex_unlock(&mu);
}

static Route *routeGet(const char *method, const char *path) {
    for (int i = 0; i < nroutes; i++)
        if (strcmp(routes[i].method, method) == 0 && strcmp(routes[i].path, path) == 0)
            return &routes[i];
    return NULL;
}

static int hits(const char *method, const char *path) {
    pthread_mutex_lock(&mu);
    Route *r = routeGet(method, path);
    int n = r ? r->hits : 0;
    pthread_mutex_unlock(&mu);
    return n;
}

static void routeDelay(const char *method, const char *path, int ms) {
    pthread_mutex_lock(&mu);
    Route *r = routeGet(method, path);
    if (r) r->delayMs = ms;
    pthread_mutex_unlock(&mu);
}

static enum MHD_Result answer(struct MHD_Connection *conn, int status, char *body,
                              const char *token) {
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (token) MHD_add_response_header(resp, "X-Subject-Token", token);
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *uploadSize, void **state) {
    (void)cls, (void)version;
    if (!*state) {
        *state = xcalloc(1, sizeof(Buf));
        return MHD_YES;
    }
    Buf *in = *state;
    if (*uploadSize > 0) {
        bufAppend(in, upload, *uploadSize);
        *uploadSize = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&mu);
    snprintf(lastBody, sizeof(lastBody), "%s", in->data ? in->data : "");
    snprintf(lastPath, sizeof(lastPath), "%s %s", method, url);
    bool asksEnabled = strstr(lastBody, "\"enabled\"") != NULL;
    /* A page of a list: the route "PATH?marker=ID" when one is set. */
    const char *marker = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "marker");
    char paged[600];
    snprintf(paged, sizeof(paged), "%s?marker=%s", url, marker ? marker : "");
    Route *r = marker && routeGet(method, paged) ? routeGet(method, paged) : routeGet(method, url);
    Route copy = r ? *r : (Route){0};
    if (r) r->hits++;
    bool isToken = strcmp(url, "/v3/auth/tokens") == 0;
    char tok[32] = "";
    if (isToken && r && r->status == 201) snprintf(tok, sizeof(tok), "tok-%d", ++tokenSerial);
    int minTok = minValidToken;
    long life = tokenLifeS;
    pthread_mutex_unlock(&mu);
    bufFree(in);
    free(in);
    *state = NULL;
    if (copy.delayMs > 0) usleep((useconds_t)copy.delayMs * 1000);
    if (!r)
        return answer(conn, 404, xstrdup("{\"itemNotFound\": {\"message\": \"no route\"}}"), NULL);
    if (!isToken) {
        const char *t = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Auth-Token");
        long serial = -1;
        if (!t || !strStartsWith(t, "tok-") || parseLong(t + 4, &serial) != 0 || serial < minTok)
            return answer(conn, 401, readData("unauthorized.json"), NULL);
    }
    /* SERVICE_AS_ASKED: a compute service answers with the status the
     * request asked for, as Nova does, for plans that disable and enable. */
    if (copy.file && strcmp(copy.file, SERVICE_AS_ASKED) == 0)
        copy.file = asksEnabled ? "service-enabled.json" : "service-disabled.json";
    char *body = copy.file ? readData(copy.file) : xstrdup("");
    body = subst(body, "@BASE@", base);
    char exp[64];
    time_t e = time(NULL) + life;
    strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%S.000000Z", gmtime(&e));
    body = subst(body, "@EXPIRES@", exp);
    return answer(conn, copy.status, body, tok[0] ? tok : NULL);
}

static struct MHD_Daemon *fakeStart(void) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                MHD_USE_ERROR_LOG,
                            0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
}

static void routesDefault(void) {
    nroutes = 0;
    minValidToken = 0;
    tokenLifeS = 3600;
    routeSet("POST", "/v3/auth/tokens", 201, "token.json");
    routeSet("GET", "/v2.1/os-services", 200, "services.json");
    routeSet("GET", "/v2.1/os-hypervisors/detail", 200, "hypervisors.json");
    routeSet("GET", "/v2.1/servers/detail", 200, "servers.json");
    routeSet("GET", "/v2.1/os-migrations", 200, "migrations.json");
}

static OsConfig cfgPassword(void) {
    char url[128];
    snprintf(url, sizeof(url), "%s/v3", base);
    OsConfig c = {0};
    c.authType = xstrdup("password");
    c.authUrl = xstrdup(url);
    c.username = xstrdup("admin");
    c.password = xstrdup("s3cret-pw");
    c.projectName = xstrdup("admin");
    c.interface = xstrdup("public");
    c.timeoutMs = 5000;
    return c;
}

static Cloud *openCloud(void) {
    OsConfig c = cfgPassword();
    Cloud *cl = osCloudCreate(&c);
    if (cl) osSessionSetRetry(osCloudSession(cl), 3, 0.01);
    osConfigFree(&c);
    return cl;
}

/* ---- tests ---- */

static void testPasswordAuth(void) {
    routesDefault();
    OsConfig c = cfgPassword();
    OsSession *s = osSessionCreate(&c);
    CHECK(osAuthenticate(s) == 0);
    CHECK_STR_CONTAINS(lastBody, "\"password\"");
    CHECK_STR_CONTAINS(lastBody, "\"admin\"");
    CHECK_STR_CONTAINS(lastBody, "\"scope\"");
    CHECK(osTokenCount(s) == 1);
    const char *ep = osEndpoint(s, "compute");
    CHECK(ep && strStartsWith(ep, base) && strstr(ep, "/v2.1") && !strstr(ep, "internal"));
    /* Refused credentials: the message names the request, not the password. */
    routeSet("POST", "/v3/auth/tokens", 401, "unauthorized.json");
    CHECK(osAuthenticate(s) == -1);
    CHECK_STR_CONTAINS(errLast(), "POST ");
    CHECK_STR_CONTAINS(errLast(), "/v3/auth/tokens");
    CHECK_STR_CONTAINS(errLast(), "401");
    CHECK(!strstr(errLast(), "s3cret-pw"));
    osSessionFree(s);
    osConfigFree(&c);
}

static void testAppCredentialAuth(void) {
    routesDefault();
    OsConfig c = {0};
    char url[128];
    snprintf(url, sizeof(url), "%s/v3/", base);
    c.authType = xstrdup("v3applicationcredential");
    c.authUrl = xstrdup(url);
    c.appCredId = xstrdup("ac-123");
    c.appCredSecret = xstrdup("ac-secret");
    OsSession *s = osSessionCreate(&c);
    CHECK(osAuthenticate(s) == 0);
    CHECK_STR_CONTAINS(lastBody, "\"application_credential\"");
    CHECK_STR_CONTAINS(lastBody, "\"ac-123\"");
    CHECK(!strstr(lastBody, "scope")); /* the credential carries its project */
    CHECK_STR_CONTAINS(lastPath, "POST /v3/auth/tokens");
    osSessionFree(s);
    osConfigFree(&c);
}

static void testCatalogSelection(void) {
    routesDefault();
    OsConfig c = cfgPassword();
    free(c.interface);
    c.interface = xstrdup("internal");
    OsSession *s = osSessionCreate(&c);
    CHECK_STR_CONTAINS(osEndpoint(s, "compute"), "/internal/v2.1");
    osSessionFree(s);
    free(c.interface);
    c.interface = xstrdup("public");
    c.regionName = xstrdup("RegionTwo");
    s = osSessionCreate(&c);
    const char *ep = osEndpoint(s, "compute");
    CHECK(ep && strstr(ep, "/r2/v2.1") && ep[strlen(ep) - 1] != '/');
    CHECK(osEndpoint(s, "placement") == NULL);
    CHECK_STR_CONTAINS(errLast(), "no 'placement' endpoint");
    osSessionFree(s);
    free(c.regionName);
    c.regionName = xstrdup("Nowhere");
    s = osSessionCreate(&c);
    CHECK(osEndpoint(s, "compute") == NULL);
    CHECK_STR_CONTAINS(errLast(), "region Nowhere");
    osSessionFree(s);
    osConfigFree(&c);
}

static void testTokenRenewal(void) {
    routesDefault();
    tokenLifeS = 60; /* inside the renewal margin: every use renews */
    OsConfig c = cfgPassword();
    OsSession *s = osSessionCreate(&c);
    osSessionSetRenewMargin(s, 120);
    json_t *out = NULL;
    CHECK(osRequest(s, "compute", "GET", "/os-services", "2.79", NULL, NULL, &out) == 0);
    json_decref(out);
    int before = osTokenCount(s);
    CHECK(osRequest(s, "compute", "GET", "/os-services", "2.79", NULL, NULL, &out) == 0);
    json_decref(out);
    CHECK(osTokenCount(s) > before);
    /* A long-lived token is kept. */
    tokenLifeS = 3600;
    CHECK(osAuthenticate(s) == 0);
    before = osTokenCount(s);
    CHECK(osRequest(s, "compute", "GET", "/os-services", "2.79", NULL, NULL, &out) == 0);
    json_decref(out);
    CHECK(osTokenCount(s) == before);
    osSessionFree(s);
    osConfigFree(&c);
}

static void testReauthOn401(void) {
    routesDefault();
    OsConfig c = cfgPassword();
    OsSession *s = osSessionCreate(&c);
    osSessionSetRetry(s, 2, 0.01);
    CHECK(osAuthenticate(s) == 0);
    minValidToken = tokenSerial + 1; /* the token is revoked */
    json_t *out = NULL;
    CHECK(osRequest(s, "compute", "GET", "/os-services", "2.79", NULL, NULL, &out) == 0);
    CHECK(json_is_array(json_object_get(out, "services")));
    json_decref(out);
    CHECK(osTokenCount(s) == 2);
    /* Refused even with a fresh token: one re-authentication, then failure. */
    routeSet("GET", "/v2.1/os-services", 401, "unauthorized.json");
    CHECK(osRequest(s, "compute", "GET", "/os-services", "2.79", NULL, NULL, &out) == -1);
    CHECK_STR_CONTAINS(errLast(), "GET /os-services");
    CHECK_STR_CONTAINS(errLast(), "HTTP 401");
    CHECK(osTokenCount(s) == 3);
    CHECK(!strstr(errLast(), "tok-"));
    osSessionFree(s);
    osConfigFree(&c);
}

static void testInventory(void) {
    routesDefault();
    Cloud *c = openCloud();
    CHECK(c != NULL);
    if (!c) {
        fprintf(stderr, "%s\n", errLast());
        return;
    }
    CloudView *v = &c->view;
    CHECK(v->nhosts == 4);
    CHECK(strcmp(v->hosts[0].name, "compute1") == 0);
    CHECK_NEAR(v->hosts[0].capacity, 10, 0);
    CHECK_NEAR(v->hosts[0].ramMb, 8192, 0);
    CHECK(v->hosts[0].enabled && v->hosts[0].state == HOST_ON);
    CHECK(!v->hosts[1].enabled && !v->hosts[1].disabledByGeyser); /* operator's */
    CHECK(!v->hosts[2].enabled && v->hosts[2].disabledByGeyser);  /* geyser's, before a restart */
    CHECK(v->hosts[3].state == HOST_OFF);                         /* service down */
    CHECK(strcmp(osHostServiceId(c, 1), "svc-2") == 0);
    CHECK(v->nvms == 4); /* the server still building has no host yet */
    CHECK(strcmp(v->vms[0].name, "web-1") == 0 && v->vms[0].host == 0);
    CHECK(v->vms[0].vcpus == 1 && v->vms[0].cpu == 1 && v->vms[0].ramMb == 512);
    CHECK(v->vms[0].util == 0 && v->vms[0].target == -1);
    CHECK(v->vms[3].host == 2);
    CHECK(v->hosts[0].nvms == 3 && v->hosts[0].ramUsed == 1536);
    CHECK(strcmp(osVmId(c, 3), "vm-4") == 0);
    /* Indices stay: a new server is appended, a deleted one keeps its slot. */
    routeSet("GET", "/v2.1/servers/detail", 200, "servers-later.json");
    CHECK(cloudRefresh(c) == 0);
    CHECK(v->nvms == 5);
    CHECK(strcmp(v->vms[4].name, "new-1") == 0 && v->vms[4].host == 1 && v->vms[4].cpu == 2);
    CHECK(strcmp(v->vms[3].name, "batch-1") == 0 && v->vms[3].host == 2);
    CHECK(v->vms[1].ramMb == 0 && v->hosts[0].nvms == 1);
    CHECK(c->drv->migrate(c, 1, 1, MIGRATE_PRECOPY) == -1);
    CHECK_STR_CONTAINS(errLast(), "no longer exists");
    cloudClose(c);
}

static int fakeUtil(void *arg, const char *id, const char *name, double *u) {
    (void)arg, (void)name;
    *u = strcmp(id, "vm-1") == 0 ? 0.5 : 0.25;
    return 0;
}

static void testUtilProvider(void) {
    routesDefault();
    Cloud *c = openCloud();
    CHECK(c != NULL);
    if (!c) return;
    osCloudSetUtilProvider(c, fakeUtil, NULL);
    CHECK(cloudRefresh(c) == 0);
    CHECK_NEAR(c->view.vms[0].util, 0.5, 1e-12);
    CHECK_NEAR(c->view.hosts[0].demand, 1.0, 1e-12);
    cloudClose(c);
}

static void testMigrate(void) {
    routesDefault();
    routeSet("POST", "/v2.1/servers/vm-1/action", 202, NULL);
    Cloud *c = openCloud();
    CHECK(c != NULL);
    if (!c) return;
    CHECK(c->drv->migrate(c, 0, 1, MIGRATE_PRECOPY) == 0);
    CHECK_STR_CONTAINS(lastBody, "\"os-migrateLive\"");
    CHECK_STR_CONTAINS(lastBody, "\"host\":\"compute2\"");
    CHECK_STR_CONTAINS(lastBody, "\"block_migration\":\"auto\"");
    CHECK(c->view.vms[0].target == 1 && c->view.hosts[1].incoming == 1);
    CHECK(c->drv->migrate(c, 0, 2, MIGRATE_PRECOPY) == -1);
    CHECK_STR_CONTAINS(errLast(), "already migrating");
    char *st = NULL;
    CHECK(osMigrationStatus(c, 0, &st) == 0);
    CHECK(st && strcmp(st, "completed") == 0); /* the newest record */
    free(st);
    /* Nova still shows ACTIVE on compute1: the migration failed; target cleared. */
    CHECK(cloudRefresh(c) == 0);
    CHECK(c->view.vms[0].target == -1 && c->view.vms[0].host == 0);
    /* 409: Nova's message, no retry. */
    routeSet("POST", "/v2.1/servers/vm-2/action", 409, "conflict.json");
    CHECK(c->drv->migrate(c, 1, 1, MIGRATE_PRECOPY) == -1);
    CHECK_STR_CONTAINS(errLast(), "POST /servers/vm-2/action");
    CHECK_STR_CONTAINS(errLast(), "HTTP 409");
    CHECK_STR_CONTAINS(errLast(), "task_state migrating");
    CHECK(hits("POST", "/v2.1/servers/vm-2/action") == 1);
    /* Force-complete and abort act on the migration in progress. */
    routeSet("GET", "/v2.1/servers/vm-1/migrations", 200, "server-migrations.json");
    routeSet("POST", "/v2.1/servers/vm-1/migrations/7/action", 202, NULL);
    routeSet("DELETE", "/v2.1/servers/vm-1/migrations/7", 202, NULL);
    CHECK(osMigrationForceComplete(c, 0) == 0);
    CHECK_STR_CONTAINS(lastBody, "force_complete");
    CHECK(osMigrationAbort(c, 0) == 0);
    CHECK_STR_CONTAINS(lastPath, "DELETE /v2.1/servers/vm-1/migrations/7");
    cloudClose(c);
}

static void testEnableDisable(void) {
    routesDefault();
    routeSet("PUT", "/v2.1/os-services/svc-1", 200, "service-disabled.json");
    routeSet("PUT", "/v2.1/os-services/svc-3", 200, "service-enabled.json");
    Cloud *c = openCloud();
    CHECK(c != NULL);
    if (!c) return;
    CHECK(c->drv->setEnabled(c, 0, false, "test") == 0);
    CHECK_STR_CONTAINS(lastBody, "\"disabled_reason\":\"geyser: test\"");
    CHECK(!c->view.hosts[0].enabled && c->view.hosts[0].disabledByGeyser);
    CHECK(c->drv->setEnabled(c, 2, true, NULL) == 0);
    CHECK_STR_CONTAINS(lastBody, "\"status\":\"enabled\"");
    CHECK(c->view.hosts[2].enabled && !c->view.hosts[2].disabledByGeyser);
    /* The answer must say what was asked. */
    CHECK(c->drv->setEnabled(c, 2, false, NULL) == -1);
    CHECK_STR_CONTAINS(errLast(), "service.status");
    CHECK(c->drv->powerOn(c, 1) == -1);
    CHECK_STR_CONTAINS(errLast(), "host compute2 has no power actuator: it cannot be powered on");
    CHECK(c->drv->powerOff(c, 3) == -1);
    CHECK_STR_CONTAINS(errLast(), "host compute4 has no power actuator: it cannot be powered off");
    cloudClose(c);
}

/* An exec actuator whose power state is a file in tmpDir. */
static PowerActuator *fileActuator(const char *name) {
    char on[600], off[600], status[600];
    snprintf(on, sizeof(on), "echo on > %s/%s", tmpDir, name);
    snprintf(off, sizeof(off), "echo off > %s/%s", tmpDir, name);
    snprintf(status, sizeof(status), "cat %s/%s", tmpDir, name);
    ActuatorKey keys[] = {{"on", on, 1}, {"off", off, 2}, {"status", status, 3}};
    return actuatorCreate("exec", keys, 3, name);
}

static void refreshWhile(Cloud *c, int h, HostPowerState st, int times) {
    for (int k = 0; k < times && c->view.hosts[h].state == st; k++) {
        usleep(20000);
        CHECK(cloudRefresh(c) == 0);
    }
}

/* Power-off re-reads the host's servers and the hypervisor's running_vms
 * right before the command; power-on waits for a heartbeat newer than the
 * command, since Nova reports a dead service up for service_down_time. */
static void testPower(void) {
    routesDefault();
    Cloud *c = openCloud();
    CHECK(c != NULL);
    if (!c) return;
    Host *h2 = &c->view.hosts[1]; /* compute2: no server in the view, running_vms 0 */
    CHECK(c->drv->powerOff(c, 1) != 0);
    CHECK_STR_CONTAINS(errLast(), "host compute2 has no power actuator: it cannot be powered off");
    char path[600];
    snprintf(path, sizeof(path), "%s/c2", tmpDir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("on\n", f);
        fclose(f);
    }
    CHECK(cloudAttachPower(c, 1, fileActuator("c2")) == 0);
    PowerOpConfig cfg = {.bmcTimeoutS = 1, .serviceTimeoutS = 0.3, .maxAttempts = 2};
    CHECK(cloudSetPowerConfig(c, &cfg) == 0);

    /* A server placed there since the last refresh. */
    routeSet("GET", "/v2.1/servers", 200, "servers-host.json");
    CHECK(c->drv->powerOff(c, 1) != 0);
    CHECK_STR_CONTAINS(errLast(), "refusing to power off host compute2: the cloud reports 1");
    CHECK(hits("GET", "/v2.1/servers") == 1);
    /* The server list is empty but the hypervisor still runs one. */
    routeSet("GET", "/v2.1/servers", 200, "servers-none.json");
    routeSet("GET", "/v2.1/os-hypervisors/detail", 200, "hypervisors-busy.json");
    CHECK(c->drv->powerOff(c, 1) != 0);
    CHECK_STR_CONTAINS(errLast(), "the cloud reports 1 instance(s)");
    /* Nova cannot answer: no power-off without a fresh count. */
    routeSet("GET", "/v2.1/servers", 500, "fault.json");
    CHECK(c->drv->powerOff(c, 1) != 0);
    CHECK_STR_CONTAINS(errLast(), "refusing to power off host compute2: cannot re-read");
    /* compute1 holds servers in the view: refused before asking. */
    CHECK(cloudAttachPower(c, 0, fileActuator("c1")) == 0);
    CHECK(c->drv->powerOff(c, 0) != 0);
    CHECK_STR_CONTAINS(errLast(), "it holds 3 VM(s)");
    f = fopen(path, "r");
    char buf[16] = "";
    if (f) {
        CHECK(fgets(buf, sizeof(buf), f) != NULL);
        fclose(f);
    }
    CHECK(strcmp(buf, "on\n") == 0); /* the actuator was never called */

    routeSet("GET", "/v2.1/servers", 200, "servers-none.json");
    routeSet("GET", "/v2.1/os-hypervisors/detail", 200, "hypervisors.json");
    CHECK(c->drv->powerOff(c, 1) == 0);
    CHECK(h2->state == HOST_SHUTTING_DOWN);
    refreshWhile(c, 1, HOST_SHUTTING_DOWN, 50);
    CHECK(h2->state == HOST_OFF); /* though Nova still says up */

    /* On: the BMC says on at once, but the heartbeat is the old one. */
    CHECK(c->drv->powerOn(c, 1) == 0);
    CHECK(h2->state == HOST_BOOTING);
    CHECK(cloudRefresh(c) == 0 && cloudRefresh(c) == 0);
    CHECK(h2->state == HOST_BOOTING && cloudPowerState(c, 1) == POWEROP_WAIT_SERVICE);
    routeSet("GET", "/v2.1/os-services", 200, "services-beat.json");
    refreshWhile(c, 1, HOST_BOOTING, 50);
    CHECK(h2->state == HOST_ON && !h2->failed);

    /* Off again, then a power-on whose service never reports: failed. */
    CHECK(c->drv->powerOff(c, 1) == 0);
    refreshWhile(c, 1, HOST_SHUTTING_DOWN, 50);
    CHECK(h2->state == HOST_OFF);
    CHECK(c->drv->powerOn(c, 1) == 0);
    refreshWhile(c, 1, HOST_BOOTING, 200);
    CHECK(h2->state == HOST_OFF && h2->failed);
    CHECK_STR_CONTAINS(cloudPowerError(c, 1), "did not come up in time after 2 attempt");
    cloudClose(c);
}

static char *readState(const char *name) {
    char path[600], buf[16] = "";
    snprintf(path, sizeof(path), "%s/%s", tmpDir, name);
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(buf, sizeof(buf), f)) buf[0] = '\0';
        fclose(f);
    }
    return xstrdup(buf);
}

static void evacRoutes(void) {
    routesDefault();
    routeSet("GET", "/v2.1/os-services", 200, "evac-services.json");
    routeSet("GET", "/v2.1/os-hypervisors/detail", 200, "evac-hypervisors.json");
    routeSet("GET", "/v2.1/servers/detail", 200, "evac-servers.json");
    routeSet("GET", "/v2.1/os-migrations", 200, "evac-migrations.json");
    routeSet("GET", "/v2.1/servers", 200, "servers-none.json");
    routeSet("PUT", "/v2.1/os-services/svc-a", 200, SERVICE_AS_ASKED);
}

/* The controller (paper policy) on a cloud whose evacuation fails, in the
 * two ways Nova fails it: a live migration accepted (202) that ends in
 * 'error' (read from os-migrations), and one refused at once (409). The
 * source host must be enabled again and never powered off. */
static void testEvacuationFails(void) {
    for (int refused = 0; refused <= 1; refused++) {
        evacRoutes();
        routeSet("POST", "/v2.1/servers/vm-a/action", refused ? 409 : 202,
                 refused ? "conflict.json" : NULL);
        Cloud *c = openCloud();
        CHECK(c != NULL);
        if (!c) return;
        char path[600];
        snprintf(path, sizeof(path), "%s/e1", tmpDir);
        FILE *f = fopen(path, "w");
        if (f) {
            fputs("on\n", f);
            fclose(f);
        }
        CHECK(cloudAttachPower(c, 0, fileActuator("e1")) == 0);
        CtlConfig cfg = ctlConfigDefaults();
        cfg.cooldownS = 0;
        Controller *ctl = ctlCreate(policyCreate("paper", &cfg), &cfg);
        /* Tick 1: compute1 (one VM) is disabled and evacuated to compute2. */
        CHECK(ctlTick(ctl, c, true) == 0);
        /* A migration refused at once re-enables the host in the same plan. */
        CHECK(ctl->plan.n == (refused ? 3u : 2u));
        if (ctl->plan.n >= 2) {
            CHECK(ctl->plan.actions[0].type == ACT_DISABLE &&
                  ctl->plan.actions[0].outcome == OUTCOME_DONE);
            CHECK(ctl->plan.actions[1].type == ACT_MIGRATE);
            CHECK(ctl->plan.actions[1].outcome == (refused ? OUTCOME_FAILED : OUTCOME_DONE));
            if (refused) CHECK_STR_CONTAINS(ctl->plan.actions[1].detail, "HTTP 409");
        }
        CHECK(hits("POST", "/v2.1/servers/vm-a/action") == 1); /* a 409 is not retried */
        if (!refused) {
            /* Tick 2: Nova shows compute1 disabled by geyser, web-1 still on
             * it and ACTIVE (the migration failed). compute1 is enabled again. */
            routeSet("GET", "/v2.1/os-services", 200, "evac-services-disabled.json");
            CHECK(ctlTick(ctl, c, true) == 0);
        }
        const Action *en = NULL;
        for (size_t i = 0; i < ctl->plan.n; i++) {
            const Action *a = &ctl->plan.actions[i];
            CHECK(a->type != ACT_POWER_OFF);
            if (a->type == ACT_ENABLE && a->host == 0) en = a;
        }
        CHECK(en != NULL);
        if (en) {
            CHECK(en->outcome == OUTCOME_DONE);
            CHECK_STR_CONTAINS(en->reason, "evacuation failed");
            CHECK_STR_CONTAINS(en->reason, refused ? "migrating web-1 failed" : "web-1 stayed on");
            if (!refused) CHECK_STR_CONTAINS(en->reason, "ended 'error'");
        }
        CHECK_STR_CONTAINS(lastBody, "\"status\":\"enabled\"");
        CHECK(hits("PUT", "/v2.1/os-services/svc-a") == 2);
        CHECK(c->view.migrationFailures == (refused ? 0 : 1));
        CHECK(c->view.hosts[0].enabled && !c->view.hosts[0].disabledByGeyser);
        CHECK(ctl->stats.powerOffs == 0);
        /* Tick 3: compute1 would be picked again (its power changed long
         * ago); within the cooldown its evacuation is held back. */
        routeSet("GET", "/v2.1/os-services", 200, "evac-services.json");
        c->view.hosts[0].stateSince = c->view.hosts[1].stateSince = -1e6;
        ctl->cfg.cooldownS = 600;
        int posts = hits("POST", "/v2.1/servers/vm-a/action");
        CHECK(ctlTick(ctl, c, true) == 0);
        bool heldBack = false;
        for (size_t i = 0; i < ctl->plan.n; i++) {
            const Action *a = &ctl->plan.actions[i];
            if (a->host != 0) continue;
            CHECK(a->outcome == OUTCOME_REFUSED);
            heldBack |= strstr(a->detail, "evacuation failed within the cooldown") != NULL;
        }
        CHECK(heldBack);
        CHECK(hits("POST", "/v2.1/servers/vm-a/action") == posts);
        CHECK(hits("PUT", "/v2.1/os-services/svc-a") == 2);
        char *st = readState("e1");
        CHECK(strcmp(st, "on\n") == 0); /* the actuator was never called */
        free(st);
        ctlFree(ctl);
        cloudClose(c);
    }
}

/* Nova lists servers a page at a time: every page is read (following the
 * last id as the marker), and a next link that repeats its marker is an
 * error rather than a loop. */
static void testServerPages(void) {
    routesDefault();
    routeSet("GET", "/v2.1/servers/detail", 200, "servers-page1.json");
    routeSet("GET", "/v2.1/servers/detail?marker=1f0c6a4e-0000-4000-8000-000000000002", 200,
             "servers-page2.json");
    Cloud *c = openCloud();
    CHECK(c != NULL);
    if (!c) return;
    CHECK(c->view.nvms == 3);
    int onHost3 = 0;
    for (int i = 0; i < c->view.nvms; i++)
        onHost3 += strcmp(c->view.vms[i].name, "page-3") == 0 && c->view.vms[i].host == 2;
    CHECK(onHost3 == 1);
    CHECK(hits("GET", "/v2.1/servers/detail?marker=1f0c6a4e-0000-4000-8000-000000000002") == 1);
    /* The second page announces itself again with the same marker. */
    routeSet("GET", "/v2.1/servers/detail?marker=1f0c6a4e-0000-4000-8000-000000000002", 200,
             "servers-page1.json");
    CHECK(cloudRefresh(c) == -1);
    CHECK_STR_CONTAINS(errLast(), "marker");
    cloudClose(c);
}

static void testServerErrors(void) {
    routesDefault();
    Cloud *c = openCloud();
    CHECK(c != NULL);
    if (!c) return;
    /* 5xx: retried with backoff (3 attempts here), then given up. */
    routeSet("GET", "/v2.1/os-services", 500, "fault.json");
    CHECK(cloudRefresh(c) == -1);
    CHECK_STR_CONTAINS(errLast(), "GET /os-services?binary=nova-compute");
    CHECK_STR_CONTAINS(errLast(), "HTTP 500: Unexpected API Error.");
    CHECK(hits("GET", "/v2.1/os-services") == 1 + 3);
    /* Recovers when the service does. */
    routeSet("GET", "/v2.1/os-services", 200, "services.json");
    CHECK(cloudRefresh(c) == 0);
    /* A timeout: retried, then reported with the request. */
    OsSession *s = osCloudSession(c);
    routeDelay("GET", "/v2.1/os-services", 1500);
    OsConfig cfg = cfgPassword();
    cfg.timeoutMs = 300;
    OsSession *quick = osSessionCreate(&cfg);
    osSessionSetRetry(quick, 2, 0.01);
    json_t *out = NULL;
    int before = hits("GET", "/v2.1/os-services");
    CHECK(osRequest(quick, "compute", "GET", "/os-services", "2.79", NULL, NULL, &out) == -1);
    CHECK_STR_CONTAINS(errLast(), "GET /os-services");
    CHECK_STR_CONTAINS(errLast(), "imeout");
    CHECK(hits("GET", "/v2.1/os-services") == before + 2);
    routeDelay("GET", "/v2.1/os-services", 0);
    osSessionFree(quick);
    osConfigFree(&cfg);
    (void)s;
    cloudClose(c);
}

static void testMalformed(void) {
    routesDefault();
    routeSet("GET", "/v2.1/os-hypervisors/detail", 200, "malformed-hypervisors.json");
    CHECK(openCloud() == NULL);
    CHECK_STR_CONTAINS(errLast(), "GET /os-hypervisors/detail");
    CHECK_STR_CONTAINS(errLast(), "'hypervisors[0].vcpus'");
    routesDefault();
    routeSet("GET", "/v2.1/servers/detail", 200, "truncated-servers.json");
    CHECK(openCloud() == NULL);
    CHECK_STR_CONTAINS(errLast(), "GET /servers/detail?all_tenants=1");
    CHECK_STR_CONTAINS(errLast(), "not JSON");
    routesDefault();
    routeSet("GET", "/v2.1/os-services", 200, "malformed-services.json");
    CHECK(openCloud() == NULL);
    CHECK_STR_CONTAINS(errLast(), "'services' is missing or not an array");
    routesDefault();
    routeSet("POST", "/v3/auth/tokens", 201, "services.json");
    CHECK(openCloud() == NULL);
    CHECK_STR_CONTAINS(errLast(), "'token'");
}

/* Answers captured from the real control plane (tests/openstack/start.sh,
 * three fake compute hosts, four servers; token URLs replaced by @BASE@). */
static void testRecorded(void) {
    routesDefault();
    routeSet("POST", "/v3/auth/tokens", 201, "real-token.json");
    routeSet("GET", "/v2.1/os-services", 200, "real-services.json");
    routeSet("GET", "/v2.1/os-hypervisors/detail", 200, "real-hypervisors.json");
    routeSet("GET", "/v2.1/servers/detail", 200, "real-servers.json");
    routeSet("GET", "/v2.1/os-migrations", 200, "real-migrations.json");
    Cloud *c = openCloud();
    CHECK(c != NULL);
    if (!c) {
        fprintf(stderr, "%s\n", errLast());
        return;
    }
    CHECK(c->view.nhosts == 3);
    for (int h = 0; h < c->view.nhosts; h++) {
        CHECK_NEAR(c->view.hosts[h].capacity, 10, 0);
        CHECK_NEAR(c->view.hosts[h].ramMb, 8192, 0);
        CHECK(c->view.hosts[h].state == HOST_ON);
    }
    CHECK(c->view.nvms >= 4);
    int placed = 0;
    for (int i = 0; i < c->view.nvms; i++)
        placed += c->view.hosts[c->view.vms[i].host].nvms > 0 && c->view.vms[i].ramMb > 0;
    CHECK(placed == c->view.nvms);
    char *st = NULL;
    CHECK(osMigrationStatus(c, 0, &st) == 0);
    CHECK(st != NULL);
    free(st);
    cloudClose(c);
}

/* ---- configuration ---- */

static void writeFile(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static const char *const envNames[] = {"OS_CLOUD",
                                       "OS_CLIENT_CONFIG_FILE",
                                       "OS_AUTH_URL",
                                       "OS_AUTH_TYPE",
                                       "OS_USERNAME",
                                       "OS_PASSWORD",
                                       "OS_PROJECT_NAME",
                                       "OS_APPLICATION_CREDENTIAL_ID",
                                       "OS_APPLICATION_CREDENTIAL_SECRET",
                                       "OS_REGION_NAME",
                                       "OS_INTERFACE",
                                       "OS_CACERT",
                                       "OS_INSECURE",
                                       "OS_USER_DOMAIN_NAME",
                                       "OS_PROJECT_DOMAIN_NAME"};

static void envClear(void) {
    for (size_t i = 0; i < sizeof(envNames) / sizeof(envNames[0]); i++)
        unsetenv(envNames[i]);
}

static void testCloudsYaml(void) {
    envClear();
    char path[512];
    snprintf(path, sizeof(path), "%s/clouds.yaml", tmpDir);
    writeFile(path, "clouds:\n"
                    "  lab:\n"
                    "    auth:\n"
                    "      auth_url: https://keystone.example:5000/v3\n"
                    "      username: geyser\n"
                    "      password: pw\n"
                    "      project_name: ops\n"
                    "      user_domain_name: Default\n"
                    "    region_name: RegionTwo\n"
                    "    interface: internal\n"
                    "    cacert: /etc/ssl/lab-ca.pem\n"
                    "    identity_api_version: 3\n"
                    "  appcred:\n"
                    "    auth_type: v3applicationcredential\n"
                    "    auth:\n"
                    "      auth_url: http://127.0.0.1:5000/v3\n"
                    "      application_credential_id: ac1\n"
                    "      application_credential_secret: sec\n"
                    "    verify: false\n"
                    "  broken:\n"
                    "    auth:\n"
                    "      username: x\n");
    setenv("OS_CLIENT_CONFIG_FILE", path, 1);
    OsConfig c;
    CHECK(osConfigLoad(&c, "lab") == 0);
    CHECK(c.authUrl && strcmp(c.authUrl, "https://keystone.example:5000/v3") == 0);
    CHECK(c.username && strcmp(c.username, "geyser") == 0);
    CHECK(strcmp(c.authType, "password") == 0 && strcmp(c.interface, "internal") == 0);
    CHECK(c.regionName && strcmp(c.regionName, "RegionTwo") == 0);
    CHECK(c.cacert && strcmp(c.cacert, "/etc/ssl/lab-ca.pem") == 0 && !c.insecure);
    osConfigFree(&c);
    setenv("OS_CLOUD", "appcred", 1);
    CHECK(osConfigLoad(&c, NULL) == 0);
    CHECK(strcmp(c.authType, "v3applicationcredential") == 0 && c.insecure);
    CHECK(c.appCredId && strcmp(c.appCredId, "ac1") == 0);
    CHECK(strcmp(c.interface, "public") == 0);
    osConfigFree(&c);
    CHECK(osConfigLoad(&c, "broken") == -1);
    CHECK_STR_CONTAINS(errLast(), "cloud 'broken'");
    CHECK_STR_CONTAINS(errLast(), "auth_url");
    CHECK(osConfigLoad(&c, "nosuch") == -1);
    CHECK_STR_CONTAINS(errLast(), "no cloud named 'nosuch'");
    writeFile(path, "clouds:\n  lab: [\n");
    CHECK(osConfigLoad(&c, "lab") == -1);
    CHECK_STR_CONTAINS(errLast(), "YAML error");
    /* ./clouds.yaml is found without OS_CLIENT_CONFIG_FILE. */
    unsetenv("OS_CLIENT_CONFIG_FILE");
    unsetenv("OS_CLOUD");
    char cwd[512];
    if (getcwd(cwd, sizeof(cwd)) && chdir(tmpDir) == 0) {
        writeFile("clouds.yaml", "clouds:\n  here:\n    auth:\n      auth_url: http://x/v3\n"
                                 "      username: u\n      password: p\n");
        CHECK(osConfigLoad(&c, "here") == 0);
        CHECK(c.authUrl && strcmp(c.authUrl, "http://x/v3") == 0);
        osConfigFree(&c);
        CHECK(chdir(cwd) == 0);
    }
}

static void testEnvConfig(void) {
    envClear();
    OsConfig c;
    CHECK(osConfigLoad(&c, NULL) == -1);
    CHECK_STR_CONTAINS(errLast(), "OS_AUTH_URL");
    setenv("OS_AUTH_URL", "http://127.0.0.1:5000/v3", 1);
    setenv("OS_USERNAME", "admin", 1);
    setenv("OS_PASSWORD", "admin", 1);
    setenv("OS_PROJECT_NAME", "admin", 1);
    setenv("OS_REGION_NAME", "RegionOne", 1);
    setenv("OS_INSECURE", "true", 1);
    CHECK(osConfigLoad(&c, NULL) == 0);
    CHECK(strcmp(c.authType, "password") == 0 && c.insecure);
    CHECK(c.regionName && strcmp(c.regionName, "RegionOne") == 0);
    osConfigFree(&c);
    setenv("OS_AUTH_TYPE", "token", 1);
    CHECK(osConfigLoad(&c, NULL) == -1);
    CHECK_STR_CONTAINS(errLast(), "unsupported auth_type 'token'");
    envClear();
}

int main(void) {
    struct MHD_Daemon *d = fakeStart();
    if (!d) {
        fprintf(stderr, "cannot start the fake cloud on 127.0.0.1\n");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(base, sizeof(base), "http://127.0.0.1:%u", (unsigned)info->port);
    snprintf(tmpDir, sizeof(tmpDir), "/tmp/geyser-test-openstack.XXXXXX");
    if (!mkdtemp(tmpDir)) return 1;
    RUN(testPasswordAuth);
    RUN(testAppCredentialAuth);
    RUN(testCatalogSelection);
    RUN(testTokenRenewal);
    RUN(testReauthOn401);
    RUN(testInventory);
    RUN(testUtilProvider);
    RUN(testMigrate);
    RUN(testEnableDisable);
    RUN(testPower);
    RUN(testEvacuationFails);
    RUN(testServerPages);
    RUN(testServerErrors);
    RUN(testMalformed);
    RUN(testRecorded);
    RUN(testCloudsYaml);
    RUN(testEnvConfig);
    MHD_stop_daemon(d);
    char path[512];
    snprintf(path, sizeof(path), "%s/clouds.yaml", tmpDir);
    unlink(path);
    rmdir(tmpDir);
    return testSummary("test_openstack");
}
