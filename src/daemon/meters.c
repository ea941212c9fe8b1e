/* meters.c - the collector inside `geyser serve` (meters.h). */
#include "meters.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "err.h"
#include "meter/meterconf.h"
#include "meter/poller.h"
#include "util.h"

/* A sample as the sink copied it (the driver's strings live for the call). */
typedef struct QueuedSample {
    MeterSample s;
    char *host, *meter, *source;
} QueuedSample;

/* The latest power of one meter. */
typedef struct Latest {
    bool have;
    double watts, at; /* at: monotonic seconds of the drain that took it */
    const char *source;
} Latest;

struct DaemonMeters {
    Meter **meters;
    int n;
    Latest *latest; /* per meter */
    Poller *poller;
    Collector *coll;
    pthread_t thread;
    bool running;
    pthread_mutex_t lock; /* guards queue */
    QueuedSample *queue;
    size_t nqueue, capQueue;
    long storeFailures;
};

/* The poller's sink, on a worker thread: queue a copy, nothing else. */
static void sink(void *ctx, const MeterSample *s) {
    DaemonMeters *m = ctx;
    pthread_mutex_lock(&m->lock);
    growArray((void **)&m->queue, sizeof(*m->queue), &m->capQueue, m->nqueue + 1);
    QueuedSample *q = &m->queue[m->nqueue++];
    q->s = *s;
    q->host = xstrdup(s->host);
    q->meter = xstrdup(s->meter);
    q->source = xstrdup(s->source ? s->source : METER_MEASURED);
    q->s.host = q->host;
    q->s.meter = q->meter;
    q->s.source = q->source;
    pthread_mutex_unlock(&m->lock);
}

DaemonMeters *daemonMetersOpen(const char *path, const char *storeUri, const CloudView *v) {
    MeterConfSet set = {0};
    if (meterConfLoad(path, &set) != 0) return NULL;
    DaemonMeters *m = xcalloc(1, sizeof(*m));
    pthread_mutex_init(&m->lock, NULL);
    if (set.nExtra > 0) {
        ERR("%s: section [%s] is for geyser collect; geyser serve stores with --store", path,
            set.extra[0].name);
        goto fail;
    }
    if (set.n == 0) {
        ERR("%s: no [meter \"NAME\"] section", path);
        goto fail;
    }
    if (!(m->meters = meterConfBuild(&set, &m->n))) goto fail;
    for (int i = 0; i < m->n; i++) {
        bool found = false;
        for (int h = 0; h < v->nhosts && !found; h++)
            found = strcmp(v->hosts[h].name, m->meters[i]->host) == 0;
        if (!found) {
            ERR("%s: meter '%s' measures host '%s', which the cloud does not have (set its "
                "'host =' to one of the cloud's host names)",
                path, m->meters[i]->name, m->meters[i]->host);
            goto fail;
        }
    }
    m->latest = xcalloc((size_t)m->n, sizeof(Latest));
    if (storeUri) {
        /* The collector records "its" host with a server type: the first
         * meter's, which the recorder describes the same way. Utilization
         * is the cloud's to report (the recorder's), not this machine's
         * /proc/stat: the collector's reading of it is pushed out of reach. */
        CollectorConfig cc = {.uri = storeUri, .host = m->meters[0]->host, .utilEvery = 1e18};
        for (int h = 0; h < v->nhosts; h++)
            if (strcmp(v->hosts[h].name, cc.host) == 0 && v->hosts[h].type)
                cc.serverType = v->hosts[h].type->name;
        if (!(m->coll = collectorOpen(&cc, m->meters, m->n, NULL, NULL))) goto fail;
    }
    if (!(m->poller = pollerCreate(m->meters, m->n, 0, sink, m))) goto fail;
    meterConfSetFree(&set);
    return m;
fail:
    errPrefix("--meters");
    meterConfSetFree(&set);
    daemonMetersFree(m);
    return NULL;
}

static void *pollThread(void *arg) {
    DaemonMeters *m = arg;
    pollerRun(m->poller, 1e18); /* until pollerStop */
    return NULL;
}

int daemonMetersStart(DaemonMeters *m) {
    if (pthread_create(&m->thread, NULL, pollThread, m) != 0)
        return ERR("--meters: cannot start the polling thread");
    m->running = true;
    return 0;
}

static int meterIndex(const DaemonMeters *m, const char *name) {
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->meters[i]->name, name) == 0) return i;
    return -1;
}

void daemonMetersDrain(DaemonMeters *m) {
    pthread_mutex_lock(&m->lock);
    QueuedSample *q = m->queue;
    size_t n = m->nqueue;
    m->queue = NULL;
    m->nqueue = m->capQueue = 0;
    pthread_mutex_unlock(&m->lock);
    double now = nowMonotonic();
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        int k = meterIndex(m, q[i].meter);
        /* A counter's reading is energy; its driver also emits the watts. */
        if (k >= 0 && !q[i].s.isCounter) {
            m->latest[k] =
                (Latest){.have = true,
                         .watts = q[i].s.watts,
                         .at = now,
                         .source = strcmp(q[i].source, METER_ESTIMATED) == 0 ? METER_ESTIMATED
                                                                             : METER_MEASURED};
        }
        if (m->coll && collectorAdd(m->coll, &q[i].s) != 0) rc = -1;
        free(q[i].host);
        free(q[i].meter);
        free(q[i].source);
    }
    free(q);
    if (m->coll && n > 0 && collectorFlush(m->coll) != 0) rc = -1;
    if (rc != 0) m->storeFailures++;
    /* Say so sparingly: at the 1st, 2nd, 4th, 8th... failure. */
    if (rc != 0 && (m->storeFailures & (m->storeFailures - 1)) == 0)
        fprintf(stderr, "geyser serve: meters: %s (%ld failures so far)\n", errLast(),
                m->storeFailures);
}

bool daemonMetersPower(const DaemonMeters *m, const char *host, double *watts, const char **meter,
                       const char **source) {
    double now = nowMonotonic();
    bool got = false;
    *watts = 0;
    /* Several meters of one host (a BMC and RAPL): the freshest wins. */
    double best = -1;
    for (int i = 0; i < m->n; i++) {
        const Meter *mt = m->meters[i];
        const Latest *l = &m->latest[i];
        if (!l->have || strcmp(mt->host, host) != 0) continue;
        if (now - l->at > 3 * mt->interval + mt->timeout + 1) continue; /* stale */
        if (l->at > best) {
            best = l->at;
            *watts = l->watts;
            *meter = mt->name;
            *source = l->source;
            got = true;
        }
    }
    return got;
}

int daemonMetersCount(const DaemonMeters *m) {
    return m ? m->n : 0;
}

void daemonMetersInfo(DaemonMeters *m, int i, const char **name, const char **host, bool *up) {
    MeterStatus st;
    pollerStatus(m->poller, i, &st);
    *name = m->meters[i]->name;
    *host = m->meters[i]->host;
    *up = st.up;
}

void daemonMetersFree(DaemonMeters *m) {
    if (!m) return;
    if (m->running) {
        pollerStop(m->poller);
        pthread_join(m->thread, NULL);
    }
    pollerFree(m->poller); /* waits for reads in progress */
    if (m->coll) {
        daemonMetersDrain(m); /* what the last reads gave */
        if (collectorPending(m->coll) > 0 && collectorFlush(m->coll) != 0)
            fprintf(stderr, "geyser serve: meters: %s\n", errLast());
        collectorClose(m->coll);
    }
    for (size_t i = 0; i < m->nqueue; i++) {
        free(m->queue[i].host);
        free(m->queue[i].meter);
        free(m->queue[i].source);
    }
    free(m->queue);
    meterListFree(m->meters, m->n);
    free(m->latest);
    pthread_mutex_destroy(&m->lock);
    free(m);
}
