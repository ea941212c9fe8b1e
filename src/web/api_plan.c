/* api_plan.c - approving plans in manual mode, and the audit log, over
 * HTTP (docs/api.md):
 *   POST /api/v1/plan/ID/apply     execute the waiting plan ID
 *   POST /api/v1/plan/ID/discard   drop it
 *   GET  /api/v1/audit[?plan=ID&limit=N]
 * The POSTs need the bearer token (http.c refuses any non-GET without it).
 * A plan id that is not the one waiting gets 409 with the reason. Kept
 * apart from api.c so that the plan's endpoints change in one place. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "daemon.h"
#include "err.h"
#include "util.h"

#define AUDIT_MAX_LIMIT AUDIT_KEEP

static int reply(HttpResponse *resp, json_t *o) {
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(o);
    if (!text) return ERR("cannot encode the response as JSON");
    bufPrintf(&resp->body, "%s\n", text);
    free(text);
    return 0;
}

static int fail(HttpResponse *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(HttpResponse *resp, int status, const char *fmt, ...) {
    char why[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    httpJsonError(resp, status, why);
    return 0;
}

/* The outcomes of the plan's actions after an apply or a discard. */
static json_t *outcomesJson(const Daemon *d) {
    const Plan *p = &d->ctl->plan;
    const CloudView *v = &d->cloud->view;
    json_t *arr = json_array();
    for (size_t i = 0; i < p->n; i++) {
        const Action *a = &p->actions[i];
        json_t *o = json_pack("{s:s, s:s, s:s}", "type", actionTypeName(a->type), "host",
                              v->hosts[a->host].name, "outcome", actionOutcomeName(a->outcome));
        if (a->type == ACT_MIGRATE) {
            json_object_set_new(o, "vm", json_string(v->vms[a->vm].name));
            json_object_set_new(o, "target", json_string(v->hosts[a->target].name));
        }
        if (a->detail[0]) json_object_set_new(o, "detail", json_string(a->detail));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* POST /api/v1/plan/ID/apply and /api/v1/plan/ID/discard */
static int onPlanPost(void *arg, const HttpRequest *req, HttpResponse *resp) {
    Daemon *d = arg;
    const char *slash = strchr(req->rest, '/');
    if (!slash) return fail(resp, 404, "expected /api/v1/plan/ID/apply or /api/v1/plan/ID/discard");
    char idText[32];
    size_t len = (size_t)(slash - req->rest);
    if (len == 0 || len >= sizeof(idText)) return fail(resp, 400, "plan id: missing or too long");
    memcpy(idText, req->rest, len);
    idText[len] = '\0';
    long id;
    if (parseLong(idText, &id) != 0 || id < 1)
        return fail(resp, 400, "plan id: '%.30s' is not a positive whole number", idText);
    const char *verb = slash + 1;
    bool apply = strcmp(verb, "apply") == 0;
    if (!apply && strcmp(verb, "discard") != 0)
        return fail(resp, 404, "no such plan action '%.40s' (apply or discard)", verb);
    bool stale = false;
    int rc = apply ? daemonApply(d, id, &stale) : daemonDiscard(d, id, &stale);
    if (rc != 0) return fail(resp, stale ? 409 : 500, "%s", errLast());
    return reply(resp, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "result",
                                 apply ? "applied" : "discarded", "actions", outcomesJson(d)));
}

static int onAudit(void *arg, const HttpRequest *req, HttpResponse *resp) {
    const Daemon *d = arg;
    long plan = 0, limit = 200;
    const char *pv = httpQuery(req, "plan"), *lv = httpQuery(req, "limit");
    if (pv && (parseLong(pv, &plan) != 0 || plan < 1))
        return fail(resp, 400, "plan: '%.60s' is not a positive whole number", pv);
    if (lv && (parseLong(lv, &limit) != 0 || limit < 1 || limit > AUDIT_MAX_LIMIT))
        return fail(resp, 400, "limit: '%.60s' is not a whole number from 1 to %d", lv,
                    AUDIT_MAX_LIMIT);
    json_t *o = auditJson(d->audit, plan, (size_t)limit);
    const ReconcileStats *r = &d->reconciled;
    json_object_set_new(o, "reconciled",
                        json_pack("{s:I, s:I, s:I, s:I}", "pending", (json_int_t)r->pending, "done",
                                  (json_int_t)r->done, "abandoned", (json_int_t)r->abandoned,
                                  "retracked", (json_int_t)r->retracked));
    json_object_set_new(o, "stored", json_boolean(d->rec != NULL));
    return reply(resp, o);
}

int apiPlanRegister(Daemon *d) {
    if (httpRoute(d->http, "POST", "/api/v1/plan/*", onPlanPost, d) != 0) return -1;
    return httpRoute(d->http, "GET", "/api/v1/audit", onAudit, d);
}
