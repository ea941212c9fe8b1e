/* audit.c - intents and outcomes of actions, in memory and in the store,
 * and reconciliation of intents left without outcome by a crash
 * (audit.h). */
#include "audit.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

struct Audit {
    Store *st;
    AuditRecord *ring; /* AUDIT_KEEP records, oldest overwritten */
    size_t head, n;
};

Audit *auditCreate(Store *st) {
    Audit *a = xcalloc(1, sizeof(*a));
    a->st = st;
    a->ring = xcalloc(AUDIT_KEEP, sizeof(AuditRecord));
    return a;
}

void auditFree(Audit *a) {
    if (!a) return;
    free(a->ring);
    free(a);
}

static AuditRecord *ringAdd(Audit *a) {
    AuditRecord *r = &a->ring[a->head];
    a->head = (a->head + 1) % AUDIT_KEEP;
    if (a->n < AUDIT_KEEP) a->n++;
    memset(r, 0, sizeof(*r));
    return r;
}

/* The in-memory record of (plan, action), newest first; NULL if gone. */
static AuditRecord *ringFind(Audit *a, long plan, int action) {
    for (size_t k = 0; k < a->n; k++) {
        AuditRecord *r = &a->ring[(a->head + AUDIT_KEEP - 1 - k) % AUDIT_KEEP];
        if (r->plan == plan && r->action == action) return r;
    }
    return NULL;
}

static const char *hostName(const CloudView *v, int h) {
    return h >= 0 && h < v->nhosts ? v->hosts[h].name : "";
}

static void describe(AuditRecord *r, const CloudView *v, const Plan *plan, size_t i) {
    const Action *x = &plan->actions[i];
    r->plan = plan->id;
    r->action = (int)i;
    snprintf(r->type, sizeof(r->type), "%s", actionTypeName(x->type));
    snprintf(r->host, sizeof(r->host), "%s", hostName(v, x->host));
    if (x->type == ACT_MIGRATE) {
        snprintf(r->vm, sizeof(r->vm), "%s",
                 x->vm >= 0 && x->vm < v->nvms ? v->vms[x->vm].name : "");
        snprintf(r->target, sizeof(r->target), "%s", hostName(v, x->target));
        snprintf(r->mode, sizeof(r->mode), "%s", migrationModeName(x->mode));
    }
    snprintf(r->reason, sizeof(r->reason), "%s", x->reason);
}

static int writeEvent(Audit *a, const char *kind, const AuditRecord *r, json_t *detail) {
    if (!a->st) {
        json_decref(detail);
        return 0;
    }
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    StoreEvent ev = {.t = r->t,
                     .kind = kind,
                     .host = r->host[0] ? r->host : NULL,
                     .vm = r->vm[0] ? r->vm : NULL,
                     .detail = text};
    int rc = storeWriteEvents(a->st, &ev, 1);
    free(text);
    if (rc != 0) errPrefix("audit log, plan %ld action %d (%s)", r->plan, r->action, kind);
    return rc;
}

static int writeIntent(Audit *a, const AuditRecord *r) {
    json_t *d =
        json_pack("{s:I, s:i, s:s, s:s, s:s}", "plan", (json_int_t)r->plan, "action", r->action,
                  "type", r->type, "daemon_mode", r->daemonMode, "reason", r->reason);
    if (r->target[0]) json_object_set_new(d, "target", json_string(r->target));
    if (r->mode[0]) json_object_set_new(d, "mode", json_string(r->mode));
    return writeEvent(a, "intent", r, d);
}

static int writeOutcome(Audit *a, const AuditRecord *r) {
    json_t *d =
        json_pack("{s:I, s:i, s:s, s:s, s:f}", "plan", (json_int_t)r->plan, "action", r->action,
                  "type", r->type, "outcome", r->outcome, "duration_s", r->durationS);
    if (r->detail[0]) json_object_set_new(d, "detail", json_string(r->detail));
    return writeEvent(a, "outcome", r, d);
}

int auditIntent(Audit *a, const CloudView *v, const Plan *plan, size_t i, const char *daemonMode,
                double t) {
    AuditRecord *r = ringAdd(a);
    describe(r, v, plan, i);
    r->t = t;
    snprintf(r->daemonMode, sizeof(r->daemonMode), "%s", daemonMode);
    if (writeIntent(a, r) == 0) return 0;
    snprintf(r->outcome, sizeof(r->outcome), "refused");
    snprintf(r->detail, sizeof(r->detail), "intent not recorded: %.100s", errLast());
    return -1;
}

int auditOutcome(Audit *a, const CloudView *v, const Plan *plan, size_t i, double seconds,
                 double t) {
    const Action *x = &plan->actions[i];
    AuditRecord *r = ringFind(a, plan->id, (int)i);
    if (!r) { /* refused before its intent: one record says both */
        r = ringAdd(a);
        describe(r, v, plan, i);
        r->t = t;
    }
    snprintf(r->outcome, sizeof(r->outcome), "%s", actionOutcomeName(x->outcome));
    r->durationS = seconds;
    snprintf(r->detail, sizeof(r->detail), "%s", x->detail);
    /* Refusals ran nothing: they need no intent, and no outcome in the
     * store to be matched after a crash; they are kept in memory only. */
    if (x->outcome == OUTCOME_REFUSED) return 0;
    return writeOutcome(a, r);
}

int auditPlanMade(Audit *a, const Plan *plan, const char *daemonMode, double t) {
    if (!a->st || plan->n == 0) return 0;
    AuditRecord r = {.plan = plan->id, .action = -1, .t = t};
    json_t *d = json_pack("{s:I, s:I, s:s}", "plan", (json_int_t)plan->id, "actions",
                          (json_int_t)plan->n, "daemon_mode", daemonMode);
    return writeEvent(a, "plan", &r, d);
}

static json_t *recordJson(const AuditRecord *r) {
    json_t *o = json_pack("{s:I, s:i, s:f, s:s, s:s, s:s, s:s}", "plan", (json_int_t)r->plan,
                          "action", r->action, "t", r->t, "type", r->type, "host", r->host,
                          "daemon_mode", r->daemonMode, "reason", r->reason);
    if (r->vm[0]) json_object_set_new(o, "vm", json_string(r->vm));
    if (r->target[0]) json_object_set_new(o, "target", json_string(r->target));
    if (r->mode[0]) json_object_set_new(o, "mode", json_string(r->mode));
    json_object_set_new(o, "outcome", r->outcome[0] ? json_string(r->outcome) : json_null());
    if (r->outcome[0]) json_object_set_new(o, "duration_s", json_real(r->durationS));
    if (r->detail[0]) json_object_set_new(o, "detail", json_string(r->detail));
    return o;
}

json_t *auditJson(const Audit *a, long plan, size_t limit) {
    json_t *arr = json_array();
    for (size_t k = 0; k < a->n && json_array_size(arr) < limit; k++) {
        const AuditRecord *r = &a->ring[(a->head + AUDIT_KEEP - 1 - k) % AUDIT_KEEP];
        if (plan > 0 && r->plan != plan) continue;
        json_array_append_new(arr, recordJson(r));
    }
    return json_pack("{s:o}", "records", arr);
}

/* ---- reconciliation ---- */

typedef struct Logged {
    long plan;
    int action;
    char type[12], host[STORE_NAME_MAX + 1], vm[STORE_NAME_MAX + 1], target[STORE_NAME_MAX + 1];
    bool settled; /* an outcome was recorded */
    bool done;    /* ... and it was "done" */
    double t;
} Logged;

typedef struct LogScan {
    Logged *items;
    size_t n, cap;
    long maxPlan;
    int bad; /* events whose detail did not parse */
} LogScan;

static Logged *logFind(LogScan *s, long plan, int action) {
    for (size_t i = s->n; i-- > 0;)
        if (s->items[i].plan == plan && s->items[i].action == action) return &s->items[i];
    return NULL;
}

static void copyField(json_t *d, const char *key, char *out, size_t cap) {
    const char *v = json_string_value(json_object_get(d, key));
    snprintf(out, cap, "%s", v ? v : "");
}

static int onEvent(void *ctx, const StoreRow *row) {
    LogScan *s = ctx;
    bool intent = row->text && strcmp(row->text, "intent") == 0;
    bool outcome = row->text && strcmp(row->text, "outcome") == 0;
    bool made = row->text && strcmp(row->text, "plan") == 0;
    if (!intent && !outcome && !made) return 0;
    json_t *d = row->detail ? json_loads(row->detail, 0, NULL) : NULL;
    if (made) { /* only raises the id to resume from */
        json_t *jp = json_object_get(d, "plan");
        if (json_is_integer(jp) && json_integer_value(jp) > s->maxPlan)
            s->maxPlan = (long)json_integer_value(jp);
        json_decref(d);
        return 0;
    }
    json_t *jp = json_object_get(d, "plan"), *ja = json_object_get(d, "action");
    if (!json_is_integer(jp) || !json_is_integer(ja)) {
        s->bad++;
        json_decref(d);
        return 0;
    }
    long plan = (long)json_integer_value(jp);
    int action = (int)json_integer_value(ja);
    if (plan > s->maxPlan) s->maxPlan = plan;
    Logged *l = logFind(s, plan, action);
    if (!l) {
        growArray((void **)&s->items, sizeof(Logged), &s->cap, s->n + 1);
        l = &s->items[s->n++];
        memset(l, 0, sizeof(*l));
        l->plan = plan;
        l->action = action;
    }
    copyField(d, "type", l->type, sizeof(l->type));
    if (intent) {
        snprintf(l->host, sizeof(l->host), "%s", row->host ? row->host : "");
        snprintf(l->vm, sizeof(l->vm), "%s", row->name ? row->name : "");
        copyField(d, "target", l->target, sizeof(l->target));
        l->t = row->t;
    } else {
        const char *o = json_string_value(json_object_get(d, "outcome"));
        l->settled = true;
        l->done = o && strcmp(o, "done") == 0;
        if (!l->host[0] && row->host) snprintf(l->host, sizeof(l->host), "%s", row->host);
        if (l->t < row->t) l->t = row->t;
    }
    json_decref(d);
    return 0;
}

/* Plan ids are monotonic across restarts (the daemon resumes the series),
 * unlike the clock, which restarts with the simulated time: order by them. */
static int cmpOrder(const void *x, const void *y) {
    const Logged *a = x, *b = y;
    if (a->plan != b->plan) return a->plan < b->plan ? -1 : 1;
    return a->action - b->action;
}

static int vmIndex(const CloudView *v, const char *name) {
    for (int i = 0; i < v->nvms; i++)
        if (strcmp(v->vms[i].name, name) == 0) return i;
    return -1;
}

/* Whether the effect of a logged action is visible in the view; *why says
 * what was seen. */
static bool effectVisible(const CloudView *v, const Logged *l, char *why, size_t cap) {
    int h = -1;
    for (int k = 0; k < v->nhosts && h < 0; k++)
        if (strcmp(v->hosts[k].name, l->host) == 0) h = k;
    if (h < 0) {
        snprintf(why, cap, "host %s is no longer in the cloud", l->host);
        return false;
    }
    const Host *x = &v->hosts[h];
    if (strcmp(l->type, "migrate") == 0) {
        int i = vmIndex(v, l->vm);
        if (i < 0) {
            snprintf(why, cap, "VM %s is no longer in the cloud", l->vm);
            return false;
        }
        const Vm *vm = &v->vms[i];
        const char *at = v->hosts[vm->host].name;
        const char *to = vm->target >= 0 ? v->hosts[vm->target].name : NULL;
        if (strcmp(at, l->target) == 0 || (to && strcmp(to, l->target) == 0)) {
            snprintf(why, cap, "VM %s is %s %s", l->vm, to ? "migrating to" : "on", l->target);
            return true;
        }
        snprintf(why, cap, "VM %s is on %s, not on %s", l->vm, at, l->target);
        return false;
    }
    bool seen = false;
    if (strcmp(l->type, "disable") == 0)
        seen = !x->enabled;
    else if (strcmp(l->type, "enable") == 0)
        seen = x->enabled;
    else if (strcmp(l->type, "power_off") == 0)
        seen = x->state == HOST_OFF || x->state == HOST_SHUTTING_DOWN;
    else if (strcmp(l->type, "power_on") == 0)
        seen = x->state == HOST_ON || x->state == HOST_BOOTING;
    snprintf(why, cap, "host %s is %s and %s", l->host, hostStateName(x->state),
             x->enabled ? "enabled" : "disabled");
    return seen;
}

/* The last enable or disable of host name that the log shows done, in plan
 * order; NULL if none. */
static const Logged *lastMark(const LogScan *s, const char *name) {
    const Logged *last = NULL;
    for (size_t i = 0; i < s->n; i++) {
        const Logged *l = &s->items[i];
        if (!l->done || strcmp(l->host, name) != 0) continue;
        if (strcmp(l->type, "disable") != 0 && strcmp(l->type, "enable") != 0) continue;
        if (!last || cmpOrder(l, last) > 0) last = l;
    }
    return last;
}

/* A backend whose marks live only in memory (libvirt) starts with every
 * host enabled: disable again, through the driver, each host whose last
 * completed enable/disable in the log is a disable, so that no VM is placed
 * on a host being drained or powered off. Only completed outcomes count:
 * an intent without one is settled afterwards against this view. */
static int restoreMarks(const LogScan *s, Cloud *c, long *n) {
    if (!c->drv->volatileMarks) return 0;
    for (int h = 0; h < c->view.nhosts; h++) {
        const Host *x = &c->view.hosts[h];
        const Logged *last = lastMark(s, x->name);
        if (!last || strcmp(last->type, "disable") != 0 || !x->enabled) continue;
        char why[64];
        snprintf(why, sizeof(why), "restored from the audit log (plan %ld)", last->plan);
        if (c->drv->setEnabled(c, h, false, why) != 0) {
            errPrefix("restoring the disabled mark of host %s", x->name);
            return -1;
        }
        (*n)++;
    }
    return 0;
}

/* Hosts whose last effective enable/disable by geyser, in the log, was a
 * disable, and that the cloud reports disabled: geyser's again. */
static long retrack(LogScan *s, CloudView *v) {
    long n = 0;
    for (int h = 0; h < v->nhosts; h++) {
        Host *x = &v->hosts[h];
        if (x->enabled || x->disabledByGeyser) continue;
        const Logged *last = lastMark(s, x->name);
        if (last && strcmp(last->type, "disable") == 0) {
            x->disabledByGeyser = true;
            n++;
        }
    }
    return n;
}

int auditReconcile(Audit *a, Cloud *cloud, double t, ReconcileStats *st) {
    memset(st, 0, sizeof(*st));
    if (!a->st) return 0;
    LogScan s = {0};
    int rc = storeScan(a->st, STORE_EVENTS, -DBL_MAX, DBL_MAX, onEvent, &s);
    if (rc == 0) rc = cloudRefresh(cloud);
    if (rc != 0) {
        free(s.items);
        errPrefix("reconciling the audit log with the cloud");
        return -1;
    }
    st->maxPlan = s.maxPlan;
    if (s.n) qsort(s.items, s.n, sizeof(Logged), cmpOrder);
    rc = restoreMarks(&s, cloud, &st->restored);
    for (size_t i = 0; i < s.n && rc == 0; i++) {
        Logged *l = &s.items[i];
        if (l->settled) continue;
        st->pending++;
        char why[256];
        l->done = effectVisible(&cloud->view, l, why, sizeof(why));
        l->settled = true;
        st->done += l->done;
        st->abandoned += !l->done;
        AuditRecord *r = ringAdd(a);
        r->plan = l->plan;
        r->action = l->action;
        r->t = t;
        snprintf(r->type, sizeof(r->type), "%s", l->type);
        snprintf(r->host, sizeof(r->host), "%s", l->host);
        snprintf(r->vm, sizeof(r->vm), "%s", l->vm);
        snprintf(r->target, sizeof(r->target), "%s", l->target);
        snprintf(r->daemonMode, sizeof(r->daemonMode), "reconcile");
        snprintf(r->reason, sizeof(r->reason), "intent without outcome after a restart");
        snprintf(r->outcome, sizeof(r->outcome), "%s", l->done ? "done" : "abandoned");
        snprintf(r->detail, sizeof(r->detail), "reconciled: %.110s", why);
        rc = writeOutcome(a, r);
    }
    if (rc == 0) st->retracked = retrack(&s, &cloud->view);
    free(s.items);
    return rc;
}
