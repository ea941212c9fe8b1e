/* poller.c - the meter scheduler and its worker pool (see poller.h). */
#include "poller.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "util.h"

/* A read is declared failed this long after its own timeout. */
#define POLLER_GRACE_S 0.5

typedef struct PollSlot {
    Meter *m;
    MeterStatus st;
    bool busy;    /* queued or being read */
    bool running; /* a worker is reading it */
    bool overdue; /* the scheduler gave up on the read in progress */
    double started;
} PollSlot;

typedef struct PollJob {
    Poller *p;
    PollSlot *slot;
} PollJob;

struct Poller {
    PollSlot *slots;
    int n;
    MeterEmitFn emit;
    void *emitCtx;
    pthread_mutex_t lock;
    pthread_cond_t work;      /* workers wait for a queued read */
    pthread_cond_t done;      /* the scheduler waits for a finished read */
    pthread_mutex_t emitLock; /* serialises the sink */
    int *queue;               /* ring of slot indices; each slot at most once */
    int qhead, qlen;
    pthread_t *threads;
    int nthreads;
    bool quit;
    volatile int stop;
};

double pollerBackoff(double interval, long consecutive) {
    double cap = interval > 300 ? interval : 300;
    double d = interval * ldexp(1.0, consecutive > 20 ? 20 : (int)consecutive);
    return d < cap ? d : cap;
}

static void pollerSink(void *arg, const MeterSample *s) {
    PollJob *job = arg;
    Poller *p = job->p;
    PollSlot *sl = job->slot;
    const char *why = NULL;
    if (!s->host || !s->meter || !s->source)
        why = "a sample without host, meter or source";
    else if (!s->isCounter && (!isfinite(s->watts) || s->watts < 0))
        why = "a negative or non-finite power";
    else if (s->isCounter && (!isfinite(s->joules) || s->joules < 0))
        why = "a negative or non-finite energy counter";
    pthread_mutex_lock(&p->lock);
    if (!why && sl->overdue) why = "a sample after its read had timed out";
    if (why) {
        sl->st.rejected++;
        snprintf(sl->st.lastError, sizeof(sl->st.lastError), "meter %s emitted %s (rejected)",
                 sl->m->name, why);
        pthread_mutex_unlock(&p->lock);
        return;
    }
    sl->st.samples++;
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_lock(&p->emitLock);
    p->emit(p->emitCtx, s);
    pthread_mutex_unlock(&p->emitLock);
}

static void slotFinish(PollSlot *sl, bool ok, const char *error, double now) {
    sl->st.reads++;
    if (ok) {
        sl->st.up = true;
        sl->st.consecutive = 0;
        sl->st.nextDue = sl->started + sl->m->interval;
        if (sl->st.nextDue < now) sl->st.nextDue = now; /* never catch up in bursts */
        return;
    }
    sl->st.up = false;
    sl->st.failures++;
    sl->st.consecutive++;
    snprintf(sl->st.lastError, sizeof(sl->st.lastError), "%s", error);
    sl->st.nextDue = now + pollerBackoff(sl->m->interval, sl->st.consecutive);
}

static void *pollerWorker(void *arg) {
    Poller *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->quit && p->qlen == 0)
            pthread_cond_wait(&p->work, &p->lock);
        if (p->quit && p->qlen == 0) break;
        PollSlot *sl = &p->slots[p->queue[p->qhead]];
        p->qhead = (p->qhead + 1) % p->n;
        p->qlen--;
        if (sl->overdue) { /* given up while it waited for a worker: do not read late */
            sl->busy = false;
            sl->overdue = false;
            pthread_cond_broadcast(&p->done);
            continue;
        }
        sl->started = nowMonotonic();
        sl->running = true;
        pthread_mutex_unlock(&p->lock);

        PollJob job = {p, sl};
        MeterCtx ctx = {.instance = sl->m->name,
                        .host = sl->m->host,
                        .timeout = sl->m->timeout,
                        .emit = pollerSink,
                        .emitCtx = &job};
        errClear();
        int rc = sl->m->drv->read(sl->m->state, &ctx);
        char msg[512] = "";
        if (rc < 0) snprintf(msg, sizeof(msg), "meter %s: %s", sl->m->name, errLast());

        pthread_mutex_lock(&p->lock);
        if (!sl->overdue) slotFinish(sl, rc == 0, msg, nowMonotonic());
        sl->busy = false;
        sl->running = false;
        sl->overdue = false;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

Poller *pollerCreate(Meter **meters, int n, int workers, MeterEmitFn emit, void *ctx) {
    Poller *p = xcalloc(1, sizeof(*p));
    p->n = n;
    p->slots = xcalloc((size_t)(n ? n : 1), sizeof(*p->slots));
    p->queue = xcalloc((size_t)(n ? n : 1), sizeof(*p->queue));
    p->emit = emit;
    p->emitCtx = ctx;
    double now = nowMonotonic();
    for (int i = 0; i < n; i++) {
        p->slots[i].m = meters[i];
        p->slots[i].st.nextDue = now;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->emitLock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->done, &ca);
    pthread_condattr_destroy(&ca);
    if (workers <= 0) workers = 4;
    if (workers > n) workers = n;
    p->threads = xcalloc((size_t)(workers ? workers : 1), sizeof(*p->threads));
    for (int i = 0; i < workers; i++) {
        if (pthread_create(&p->threads[i], NULL, pollerWorker, p) != 0) {
            ERR("cannot start a meter worker thread");
            pollerFree(p);
            return NULL;
        }
        p->nthreads++;
    }
    return p;
}

/* Called with the lock held. */
static void pollerEnqueue(Poller *p, int i, double now) {
    PollSlot *sl = &p->slots[i];
    sl->busy = true;
    sl->overdue = false;
    sl->started = now; /* until a worker takes it: queueing time counts */
    p->queue[(p->qhead + p->qlen) % p->n] = i;
    p->qlen++;
    pthread_cond_signal(&p->work);
}

/* Fail reads that overran their timeout; returns the earliest deadline of
 * the reads still running (or `horizon`). Called with the lock held. */
static double pollerCheckOverdue(Poller *p, double now, double horizon) {
    for (int i = 0; i < p->n; i++) {
        PollSlot *sl = &p->slots[i];
        if (!sl->busy || sl->overdue) continue;
        double deadline = sl->started + sl->m->timeout + POLLER_GRACE_S;
        if (now >= deadline) {
            char msg[512];
            if (sl->running)
                snprintf(msg, sizeof(msg), "meter %s: read timed out after %.3g s", sl->m->name,
                         sl->m->timeout);
            else
                snprintf(msg, sizeof(msg),
                         "meter %s: no free reader within %.3g s (all %d busy with slower "
                         "meters; raise --workers)",
                         sl->m->name, sl->m->timeout, p->nthreads);
            slotFinish(sl, false, msg, now);
            sl->overdue = true;
        } else if (deadline < horizon) {
            horizon = deadline;
        }
    }
    return horizon;
}

static void pollerWait(Poller *p, double until) {
    struct timespec ts;
    double now = nowMonotonic();
    if (until <= now) return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 + (until - now);
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    pthread_cond_timedwait(&p->done, &p->lock, &ts);
}

int pollerRound(Poller *p) {
    pthread_mutex_lock(&p->lock);
    double now = nowMonotonic();
    for (int i = 0; i < p->n; i++) {
        PollSlot *sl = &p->slots[i];
        if (!sl->busy) {
            pollerEnqueue(p, i, now);
        } else {
            slotFinish(sl, false, "previous read still running", now);
        }
    }
    for (;;) {
        now = nowMonotonic();
        double horizon = pollerCheckOverdue(p, now, now + 3600);
        bool pending = false;
        for (int i = 0; i < p->n; i++)
            if (p->slots[i].busy && !p->slots[i].overdue) pending = true;
        if (!pending) break;
        pollerWait(p, horizon);
    }
    int down = 0;
    for (int i = 0; i < p->n; i++)
        if (!p->slots[i].st.up) down++;
    pthread_mutex_unlock(&p->lock);
    return down;
}

void pollerRun(Poller *p, double seconds) {
    double end = nowMonotonic() + seconds;
    pthread_mutex_lock(&p->lock);
    while (!__atomic_load_n(&p->stop, __ATOMIC_RELAXED)) {
        double now = nowMonotonic();
        if (now >= end) break;
        double wake = pollerCheckOverdue(p, now, end);
        for (int i = 0; i < p->n; i++) {
            PollSlot *sl = &p->slots[i];
            if (sl->busy) continue;
            if (sl->st.nextDue <= now) {
                pollerEnqueue(p, i, now);
                double deadline = now + sl->m->timeout + POLLER_GRACE_S; /* to check it */
                if (deadline < wake) wake = deadline;
            } else if (sl->st.nextDue < wake)
                wake = sl->st.nextDue;
        }
        pollerWait(p, wake); /* a finished read or pollerStop wakes it early */
    }
    __atomic_store_n(&p->stop, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&p->lock);
}

void pollerStop(Poller *p) {
    pthread_mutex_lock(&p->lock);
    __atomic_store_n(&p->stop, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&p->done);
    pthread_mutex_unlock(&p->lock);
}

void pollerStatus(Poller *p, int i, MeterStatus *out) {
    pthread_mutex_lock(&p->lock);
    *out = p->slots[i].st;
    pthread_mutex_unlock(&p->lock);
}

void pollerFree(Poller *p) {
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->quit = true;
    p->qlen = 0; /* reads not started yet are abandoned */
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->emitLock);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p->threads);
    free(p->queue);
    free(p->slots);
    free(p);
}
