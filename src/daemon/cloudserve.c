/* cloudserve.c - the control loop of `geyser serve` on a real cloud
 * (cloudserve.h). */
#include "cloudserve.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "http.h"
#include "loop.h"
#include "util.h"

typedef struct CloudServe {
    CloudServeConfig cfg;
    Cloud *cloud;
    UtilFile *util;
    Controller *ctl;
    Loop *loop;
    HttpServer *http;
    long long startedMs;
    long ticks, tickErrors;
    char lastError[256]; /* the last tick that could not read the cloud */
    /* What each host showed at the previous tick, to log changes. */
    HostPowerState *prevState;
    bool *prevEnabled, *prevFailed;
    int prevN;
} CloudServe;

static const char *hostWord(const Host *h) {
    return h->failed ? "failed" : hostStateName(h->state);
}

/* One line per executed (or refused, or failed) action. */
static void logPlan(CloudServe *s) {
    const CloudView *v = &s->cloud->view;
    for (size_t i = 0; i < s->ctl->plan.n; i++) {
        const Action *a = &s->ctl->plan.actions[i];
        if (a->type == ACT_MIGRATE)
            fprintf(s->cfg.log, "geyser serve: t=%.0f %s %s: %s -> %s: %s (%s%s%s)\n", v->now,
                    actionTypeName(a->type), v->vms[a->vm].name, v->hosts[a->host].name,
                    v->hosts[a->target].name, actionOutcomeName(a->outcome), a->reason,
                    a->detail[0] ? "; " : "", a->detail);
        else
            fprintf(s->cfg.log, "geyser serve: t=%.0f %s %s: %s (%s%s%s)\n", v->now,
                    actionTypeName(a->type), v->hosts[a->host].name, actionOutcomeName(a->outcome),
                    a->reason, a->detail[0] ? "; " : "", a->detail);
    }
}

/* Power states and scheduling as the cloud now shows them, when changed. */
static void logHosts(CloudServe *s) {
    const CloudView *v = &s->cloud->view;
    if (v->nhosts > s->prevN) {
        s->prevState = xrealloc(s->prevState, (size_t)v->nhosts * sizeof(*s->prevState));
        s->prevEnabled = xrealloc(s->prevEnabled, (size_t)v->nhosts * sizeof(bool));
        s->prevFailed = xrealloc(s->prevFailed, (size_t)v->nhosts * sizeof(bool));
        for (int h = s->prevN; h < v->nhosts; h++) {
            s->prevState[h] = v->hosts[h].state;
            s->prevEnabled[h] = v->hosts[h].enabled;
            s->prevFailed[h] = v->hosts[h].failed;
        }
        s->prevN = v->nhosts;
    }
    for (int h = 0; h < v->nhosts; h++) {
        const Host *hp = &v->hosts[h];
        if (hp->state == s->prevState[h] && hp->enabled == s->prevEnabled[h] &&
            hp->failed == s->prevFailed[h])
            continue;
        const char *err = cloudPowerError(s->cloud, h);
        fprintf(s->cfg.log, "geyser serve: t=%.0f host %s: %s, %s, %d VM(s)%s%s\n", v->now,
                hp->name, hostWord(hp), hp->enabled ? "enabled" : "disabled", hp->nvms,
                err ? ": " : "", err ? err : "");
        s->prevState[h] = hp->state;
        s->prevEnabled[h] = hp->enabled;
        s->prevFailed[h] = hp->failed;
    }
    fflush(s->cfg.log);
}

static long onTick(Loop *l, void *arg) {
    (void)l;
    CloudServe *s = arg;
    bool changed = false;
    if (s->util && utilFileReload(s->util, &changed) != 0)
        fprintf(s->cfg.log, "geyser serve: %s (the previous utilization stays)\n", errLast());
    else if (changed)
        fprintf(s->cfg.log, "geyser serve: utilization file re-read\n");
    s->ticks++;
    if (ctlTick(s->ctl, s->cloud, s->cfg.mode == MODE_AUTO) != 0) {
        /* A cloud that cannot be read this interval (Keystone or Nova down,
         * retries spent) is not a reason to stop: nothing was done. */
        s->tickErrors++;
        snprintf(s->lastError, sizeof(s->lastError), "%s", errLast());
        fprintf(s->cfg.log, "geyser serve: tick %ld: cannot read the cloud: %s\n", s->ticks,
                s->lastError);
    } else {
        s->lastError[0] = '\0';
        logPlan(s);
    }
    logHosts(s);
    if (s->cfg.runForS > 0 && loopNowMs() - s->startedMs >= (long long)(s->cfg.runForS * 1000))
        return -1;
    return (long)(s->cfg.intervalS * 1000);
}

static json_t *hostsJson(CloudServe *s) {
    const CloudView *v = &s->cloud->view;
    json_t *a = json_array();
    for (int h = 0; h < v->nhosts; h++) {
        const Host *hp = &v->hosts[h];
        const char *err = cloudPowerError(s->cloud, h);
        json_t *o =
            json_pack("{s:s, s:s, s:b, s:b, s:b, s:i, s:f, s:b, s:s}", "name", hp->name, "state",
                      hostStateName(hp->state), "enabled", hp->enabled, "disabled_by_geyser",
                      hp->disabledByGeyser, "failed", hp->failed, "vms", hp->nvms, "util",
                      hostUtil(hp), "power_actuator", cloudHasPower(s->cloud, h), "power_op",
                      powerOpStateName(cloudPowerState(s->cloud, h)));
        json_object_set_new(o, "power_error", err ? json_string(err) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *planJson(CloudServe *s) {
    const CloudView *v = &s->cloud->view;
    json_t *a = json_array();
    for (size_t i = 0; i < s->ctl->plan.n; i++) {
        const Action *x = &s->ctl->plan.actions[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", actionTypeName(x->type), "host",
                              v->hosts[x->host].name, "outcome", actionOutcomeName(x->outcome),
                              "reason", x->reason, "detail", x->detail);
        if (x->type == ACT_MIGRATE) {
            json_object_set_new(o, "vm", json_string(v->vms[x->vm].name));
            json_object_set_new(o, "target", json_string(v->hosts[x->target].name));
        }
        json_array_append_new(a, o);
    }
    return a;
}

static int sendJson(HttpResponse *resp, json_t *o) {
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text) return ERR("cannot encode the status as JSON");
    bufAppend(&resp->body, text, strlen(text));
    free(text);
    return 0;
}

static int onStatus(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    CloudServe *s = arg;
    const CtlStats *st = &s->ctl->stats;
    json_t *o = json_pack("{s:s, s:s, s:s, s:f, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}}", "cloud",
                          s->cloud->drv->name, "mode", daemonModeName(s->cfg.mode), "policy",
                          s->ctl->policy->spec, "interval_s", s->cfg.intervalS, "ticks",
                          (json_int_t)s->ticks, "tick_errors", (json_int_t)s->tickErrors, "stats",
                          "migrations", (json_int_t)st->migrations, "power_offs",
                          (json_int_t)st->powerOffs, "power_ons", (json_int_t)st->powerOns,
                          "refused", (json_int_t)st->refused, "failed", (json_int_t)st->failed);
    json_object_set_new(o, "last_error", s->lastError[0] ? json_string(s->lastError) : json_null());
    json_object_set_new(o, "time_s", json_real(s->cloud->view.now));
    json_object_set_new(o, "hosts", hostsJson(s));
    json_object_set_new(o, "plan", planJson(s));
    return sendJson(resp, o);
}

static int onHealth(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)arg;
    (void)req;
    return sendJson(resp, json_pack("{s:s}", "status", "ok"));
}

int cloudServeRun(const CloudServeConfig *cfg, Cloud *cloud, UtilFile *util) {
    CloudServe s = {.cfg = *cfg, .cloud = cloud, .util = util};
    if (!s.cfg.log) s.cfg.log = stderr;
    int rc = -1;
    CtlConfig ctlCfg = cfg->ctl;
    Policy *p = policyCreate(cfg->policy ? cfg->policy : "paper", &ctlCfg);
    s.ctl = p ? ctlCreate(p, &ctlCfg) : NULL;
    if (!s.ctl) {
        policyFree(p);
        goto done;
    }
    s.loop = loopCreate();
    if (!s.loop) goto done;
    HttpConfig hc = {.listen = cfg->listen,
                     .tlsCert = cfg->tlsCert,
                     .tlsKey = cfg->tlsKey,
                     .tokenFile = cfg->tokenFile};
    s.http = httpStart(s.loop, &hc);
    if (!s.http || httpRoute(s.http, "GET", "/api/v1/status", onStatus, &s) != 0 ||
        httpRoute(s.http, "GET", "/healthz", onHealth, &s) != 0)
        goto done;
    const char *colon = strrchr(cfg->listen, ':');
    fprintf(s.cfg.log,
            "geyser serve: %s cloud (%d hosts, %d VMs), mode %s, policy %s, interval %g s, "
            "status at %s://%.*s:%d/api/v1/status (port %d)\n",
            cloud->drv->name, cloud->view.nhosts, cloud->view.nvms, daemonModeName(cfg->mode),
            s.ctl->policy->spec, cfg->intervalS, cfg->tlsCert ? "https" : "http",
            colon ? (int)(colon - cfg->listen) : 0, cfg->listen, httpPort(s.http),
            httpPort(s.http));
    fflush(s.cfg.log);
    s.startedMs = loopNowMs();
    loopAddTimer(s.loop, 0, onTick, &s);
    rc = loopRun(s.loop);
done:
    httpStop(s.http);
    loopFree(s.loop);
    ctlFree(s.ctl);
    cloudClose(cloud);
    utilFileFree(util);
    free(s.prevState);
    free(s.prevEnabled);
    free(s.prevFailed);
    return rc;
}
