/* migexec.c - the QMP migration executor of migexec.h: a small state machine
 * (configure, start, pre-copy, post-copy, then completed, cancelled or
 * failed) driven by polling query-migrate on the source, as libvirt's
 * qemuMigrationSrcWaitForCompletion does. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "migexec.h"
#include "util.h"

static const char *const outcomeNames[] = {"completed", "cancelled", "failed", "failed-postcopy"};

const char *migOutcomeName(MigOutcome o) {
    return (unsigned)o < 4 ? outcomeNames[o] : "unknown";
}

static long long intField(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : (long long)json_number_value(v);
}

void migProgressParse(const json_t *reply, MigProgress *p) {
    double elapsed = p->elapsedS;
    memset(p, 0, sizeof(*p));
    p->elapsedS = elapsed;
    const char *st = json_string_value(json_object_get(reply, "status"));
    snprintf(p->status, sizeof(p->status), "%s", st ? st : "none");
    const json_t *ram = json_object_get(reply, "ram");
    p->transferred = intField(ram, "transferred");
    p->remaining = intField(ram, "remaining");
    p->total = intField(ram, "total");
    p->dirtyPagesRate = json_number_value(json_object_get(ram, "dirty-pages-rate"));
    p->dirtySyncCount = intField(ram, "dirty-sync-count");
    p->mbps = json_number_value(json_object_get(ram, "mbps"));
    p->expectedDowntimeMs = json_number_value(json_object_get(reply, "expected-downtime"));
    p->downtimeMs = json_number_value(json_object_get(reply, "downtime"));
    p->totalTimeMs = json_number_value(json_object_get(reply, "total-time"));
    p->setupTimeMs = json_number_value(json_object_get(reply, "setup-time"));
}

static void sleepS(double s) {
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)(fmod(s, 1.0) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static int enablePostcopy(Qmp *q) {
    json_t *args =
        json_pack("{s:[{s:s, s:b}]}", "capabilities", "capability", "postcopy-ram", "state", 1);
    if (qmpRun(q, "migrate-set-capabilities", args) != 0) {
        errPrefix("cannot enable post-copy on %s: ", qmpPath(q));
        return -1;
    }
    return 0;
}

static int configure(Qmp *src, Qmp *dst, const MigExecOptions *o) {
    if (o->mode != MIGRATE_PRECOPY) {
        if (!dst) return ERR("post-copy and hybrid migration need the destination's QMP socket");
        if (enablePostcopy(src) != 0 || enablePostcopy(dst) != 0) return -1;
    }
    json_t *params = json_object();
    if (o->maxBandwidthMBps > 0)
        json_object_set_new(params, "max-bandwidth",
                            json_integer((json_int_t)(o->maxBandwidthMBps * 1048576.0)));
    /* max-bandwidth binds pre-copy only: after the switch QEMU pushes the
     * rest at max-postcopy-bandwidth, unlimited by default, which would
     * leave the link's cap (and the model's post-copy time) behind. */
    if (o->maxBandwidthMBps > 0 && o->mode != MIGRATE_PRECOPY)
        json_object_set_new(params, "max-postcopy-bandwidth",
                            json_integer((json_int_t)(o->maxBandwidthMBps * 1048576.0)));
    if (o->downtimeMs > 0)
        json_object_set_new(params, "downtime-limit", json_integer((json_int_t)o->downtimeMs));
    if (json_object_size(params) == 0) {
        json_decref(params);
        return 0;
    }
    return qmpRun(src, "migrate-set-parameters", params);
}

/* Hybrid switches after hybridRounds dirty-sync rounds, or once a round
 * leaves no less remaining than the one before; post-copy at once. */
typedef struct Switcher {
    long long lastSync, lastRemaining;
} Switcher;

static bool timeToSwitch(const MigExecOptions *o, const MigProgress *p, Switcher *s) {
    if (strcmp(p->status, "active") != 0) return false;
    if (o->mode == MIGRATE_POSTCOPY) return true;
    if (o->mode != MIGRATE_HYBRID || p->dirtySyncCount < 1) return false;
    if (p->dirtySyncCount > o->hybridRounds) return true;
    bool stalled = false;
    if (p->dirtySyncCount != s->lastSync) {
        stalled = s->lastSync >= 2 && p->remaining >= s->lastRemaining;
        s->lastSync = p->dirtySyncCount;
        s->lastRemaining = p->remaining;
    }
    return stalled;
}

/* After a cancel or failure: is the guest still running on the source? */
static void checkSource(Qmp *src, MigResult *r) {
    json_t *st = qmpCommand(src, "query-status", NULL);
    r->sourceRunning = st && json_is_true(json_object_get(st, "running"));
    json_decref(st);
}

/* In post-copy the source cannot tell that the destination died (it stays
 * postcopy-active with nothing left to push), so ask the destination. */
static bool destinationAlive(Qmp *dst, MigResult *r) {
    json_t *st = qmpCommand(dst, "query-status", NULL);
    if (st) {
        json_decref(st);
        return true;
    }
    r->outcome = MIG_FAILED_POSTCOPY;
    snprintf(r->detail, sizeof(r->detail), "destination lost during post-copy: %s", errLast());
    return false;
}

static bool isEnd(const char *status) {
    return strcmp(status, "completed") == 0 || strcmp(status, "failed") == 0 ||
           strcmp(status, "cancelled") == 0 || strcmp(status, "postcopy-paused") == 0;
}

static int finish(Qmp *src, const json_t *reply, MigResult *r) {
    const char *st = r->last.status;
    const char *desc = json_string_value(json_object_get(reply, "error-desc"));
    if (desc) snprintf(r->detail, sizeof(r->detail), "%s", desc);
    if (strcmp(st, "completed") == 0) {
        r->outcome = MIG_COMPLETED;
        return 0;
    }
    if (r->postcopyStarted) {
        r->outcome = MIG_FAILED_POSTCOPY;
    } else {
        r->outcome = strcmp(st, "cancelled") == 0 ? MIG_CANCELLED : MIG_FAILED;
        checkSource(src, r);
    }
    return 0;
}

int migExecute(Qmp *src, Qmp *dst, const MigExecOptions *o, MigResult *r) {
    memset(r, 0, sizeof(*r));
    if (!src || !o || !o->uri) return ERR("migration: no source or destination URI given");
    double pollS = o->pollS > 0 ? o->pollS : 0.05;
    double t0 = nowMonotonic();
    if (configure(src, dst, o) != 0) return -1;
    if (qmpRun(src, "migrate", json_pack("{s:s}", "uri", o->uri)) != 0) return -1;
    Switcher sw = {0};
    bool cancelSent = false;
    for (;;) {
        json_t *reply = qmpCommand(src, "query-migrate", NULL);
        if (!reply) return -1;
        MigProgress before = r->last;
        r->last.elapsedS = nowMonotonic() - t0;
        migProgressParse(reply, &r->last);
        /* A cancelled or failed migration's last answer has no RAM section:
         * keep what the one before said was sent (in vain) and in how many
         * rounds. */
        if (!json_object_get(reply, "ram") && before.total > 0) {
            r->last.transferred = before.transferred;
            r->last.remaining = before.remaining;
            r->last.total = before.total;
            r->last.dirtySyncCount = before.dirtySyncCount;
        }
        if (o->onProgress) o->onProgress(o->progressArg, &r->last);
        if (isEnd(r->last.status)) {
            int rc = finish(src, reply, r);
            json_decref(reply);
            return rc;
        }
        json_decref(reply);
        if (r->postcopyStarted && dst && !destinationAlive(dst, r)) return 0;
        if (!r->postcopyStarted && !cancelSent && timeToSwitch(o, &r->last, &sw)) {
            if (qmpRun(src, "migrate-start-postcopy", NULL) != 0) return -1;
            r->postcopyStarted = true;
            r->switchS = r->last.elapsedS;
        }
        /* Only pre-copy can be cancelled safely: after the switch the
         * destination already runs the guest. */
        if (!r->postcopyStarted && !cancelSent && o->timeLimitS > 0 &&
            r->last.elapsedS >= o->timeLimitS) {
            if (qmpRun(src, "migrate_cancel", NULL) != 0) return -1;
            cancelSent = true;
            continue;
        }
        sleepS(pollS);
    }
}
