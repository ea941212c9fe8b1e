/* cmd_collect.c - `geyser collect`: read the configured power meters and
 * print their samples, or (agent mode, --store) write them with this
 * host's and its VMs' CPU utilization to a store, printing each sample
 * only once it is committed (src/store/collector.h). */
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "meter/meter.h"
#include "meter/meterconf.h"
#include "meter/poller.h"
#include "store/collector.h"
#include "util.h"

/* With no --config: the simulated cloud's hosts, so that the command shows
 * live data out of the box. */
static const char collectDefaultConf[] = "[meter \"sim\"]\n"
                                         "driver = sim\n"
                                         "interval = 1\n";

void cmdCollectHelp(FILE *f) {
    fprintf(f, "NAME\n"
               "    geyser collect - read power meters and print their samples\n\n"
               "SYNOPSIS\n"
               "    geyser collect [--config FILE] [--once | --count N | --duration S]\n"
               "                   [--workers N] [--json]\n"
               "                   [--store URI [--host NAME] [--server-type TYPE]\n"
               "                    [--libvirt URI] [--flush S] [--batch N]]\n\n"
               "DESCRIPTION\n"
               "    Builds every [meter \"name\"] (or [meter:name]) section of FILE, reads them\n"
               "    with the poller (each on its own interval, failing meters retried with\n"
               "    backoff) and prints each sample: a table for people, or one JSON object a\n"
               "    line with --json. Then it prints each meter's state (up or down, last error).\n"
               "    With no --config, the hosts of a small simulated cloud (the sim driver) are\n"
               "    the meter.\n\n"
               "    With --store (or store = URI in a [store] section of FILE), the agent mode:\n"
               "    samples go to the store in batches (one transaction each, at least every\n"
               "    --flush seconds), with this host's CPU utilization from /proc/stat and, with\n"
               "    --libvirt (or uri = in a [libvirt] section), each running VM's CPU\n"
               "    utilization and vCPUs. A sample is printed only once it is committed (raw\n"
               "    energy counters are not stored: their watts are). [store] keys: store,\n"
               "    host, server_type, flush, batch, proc.\n\n"
               "DRIVERS\n");
    for (int i = 0; meterDrivers[i]; i++)
        fprintf(f, "    %-10s %s\n", meterDrivers[i]->name, meterDrivers[i]->summary);
    fprintf(f, "\nOPTIONS\n"
               "    --config FILE   meter configuration (INI; see docs/monitoring.md)\n"
               "    --once          one round: every meter read once (the default)\n"
               "    --count N       N rounds, the shortest interval apart (counter meters such\n"
               "                    as rapl report watts from their second read)\n"
               "    --duration S    poll on schedule for S seconds\n"
               "    --workers N     reader threads (default 4)\n"
               "    --json          JSON lines: {\"type\":\"sample\",...} then "
               "{\"type\":\"status\",...}\n"
               "    --store URI     sqlite:PATH, postgres:CONNINFO or postgresql://...\n"
               "    --host NAME     this host's name in the store (default: the hostname); name\n"
               "                    the meters' host the same (host = NAME) to fit them\n"
               "    --server-type T this host's server type, recorded for geyser fit --store\n"
               "    --libvirt URI   per-VM CPU utilization from libvirt (e.g. qemu:///system)\n"
               "    --flush S       commit at least every S seconds, and read utilization\n"
               "                    at most that often (default 1)\n"
               "    --batch N       commit when N samples are pending (default 5000)\n"
               "    --proc DIR      read DIR/stat instead of /proc/stat (tests, containers)\n\n"
               "EXIT STATUS\n"
               "    0 every meter up at the end, 1 a meter is down or the configuration is\n"
               "    wrong, 2 bad usage.\n");
}

typedef struct CollectOut {
    bool json;
    long printed;
    Collector *coll; /* agent mode */
    pthread_mutex_t lock;
    double flushEvery, lastFlush;
    long storeErrors;
} CollectOut;

static void collectPrint(void *arg, const MeterSample *s) {
    CollectOut *o = arg;
    o->printed++;
    if (!o->json) {
        if (s->isCounter)
            printf("%-17.3f %-16s %-36s %12.3f J  %s\n", s->time, s->host, s->meter, s->joules,
                   s->source);
        else
            printf("%-17.3f %-16s %-36s %12.3f W  %s\n", s->time, s->host, s->meter, s->watts,
                   s->source);
        fflush(stdout);
        return;
    }
    json_t *j = json_pack("{s:s, s:f, s:s, s:s, s:s}", "type", "sample", "time", s->time, "host",
                          s->host, "meter", s->meter, "source", s->source);
    if (s->isCounter) {
        json_object_set_new(j, "joules", json_real(s->joules));
        json_object_set_new(j, "counter", json_true());
    } else {
        json_object_set_new(j, "watts", json_real(s->watts));
    }
    char *line = json_dumps(j, JSON_COMPACT);
    printf("%s\n", line);
    fflush(stdout);
    free(line);
    json_decref(j);
}

static void collectJsonLine(json_t *j) {
    char *line = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
    printf("%s\n", line);
    free(line);
    json_decref(j);
}

/* What a flush committed: each sample (the promise: printed = stored), then
 * a summary line. */
static void collectAck(void *arg, const CollectorAck *a) {
    CollectOut *o = arg;
    for (size_t i = 0; i < a->nPower; i++) {
        const PowerSample *s = &a->power[i];
        MeterSample m = {.time = s->t,
                         .host = s->host,
                         .meter = s->meter,
                         .watts = s->watts,
                         .source = sampleSourceName(s->source)};
        if (!o->json) {
            collectPrint(o, &m);
            continue;
        }
        o->printed++;
        collectJsonLine(json_pack("{s:s, s:b, s:f, s:s, s:s, s:f, s:s}", "type", "sample",
                                  "committed", 1, "time", s->t, "host", s->host, "meter", s->meter,
                                  "watts", s->watts, "source", sampleSourceName(s->source)));
    }
    for (size_t i = 0; o->json && i < a->nHostUtil; i++)
        collectJsonLine(json_pack("{s:s, s:f, s:s, s:f}", "type", "host_util", "time",
                                  a->hostUtil[i].t, "host", a->hostUtil[i].host, "util",
                                  a->hostUtil[i].util));
    for (size_t i = 0; o->json && i < a->nVmUtil; i++)
        collectJsonLine(json_pack("{s:s, s:f, s:s, s:s, s:i, s:f}", "type", "vm_util", "time",
                                  a->vmUtil[i].t, "vm", a->vmUtil[i].vm, "host", a->vmUtil[i].host,
                                  "vcpus", a->vmUtil[i].vcpus, "util", a->vmUtil[i].util));
    if (o->json)
        collectJsonLine(json_pack("{s:s, s:I, s:I, s:I}", "type", "commit", "samples",
                                  (json_int_t)a->nPower, "host_util", (json_int_t)a->nHostUtil,
                                  "vm_util", (json_int_t)a->nVmUtil));
    else
        fprintf(stderr, "committed %zu samples, %zu host and %zu VM utilization samples\n",
                a->nPower, a->nHostUtil, a->nVmUtil);
    fflush(stdout);
}

static void collectFlushLocked(CollectOut *o) {
    o->lastFlush = nowMonotonic();
    if (collectorFlush(o->coll) < 0) {
        o->storeErrors++;
        cliError("collect");
    }
}

/* Agent mode's sink: into the batch, committed at least every flushEvery. */
static void collectStore(void *arg, const MeterSample *s) {
    CollectOut *o = arg;
    pthread_mutex_lock(&o->lock);
    if (collectorAdd(o->coll, s) < 0) {
        o->storeErrors++;
        cliError("collect");
    } else if (nowMonotonic() - o->lastFlush >= o->flushEvery) {
        collectFlushLocked(o);
    }
    pthread_mutex_unlock(&o->lock);
}

static void collectFlush(CollectOut *o) {
    pthread_mutex_lock(&o->lock);
    collectFlushLocked(o);
    pthread_mutex_unlock(&o->lock);
}

static void collectReport(Poller *p, Meter **m, int n, bool json) {
    for (int i = 0; i < n; i++) {
        MeterStatus st;
        pollerStatus(p, i, &st);
        if (json) {
            json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "type", "status",
                                  "meter", m[i]->name, "driver", m[i]->drv->name, "state",
                                  st.up ? "up" : "down", "reads", (json_int_t)st.reads, "failures",
                                  (json_int_t)st.failures, "consecutive_failures",
                                  (json_int_t)st.consecutive, "samples", (json_int_t)st.samples,
                                  "rejected", (json_int_t)st.rejected);
            if (st.lastError[0]) json_object_set_new(j, "error", json_string(st.lastError));
            char *line = json_dumps(j, JSON_COMPACT);
            printf("%s\n", line);
            free(line);
            json_decref(j);
        } else {
            fprintf(stderr, "meter %-16s %-8s %-4s reads %ld, failures %ld, samples %ld%s%s\n",
                    m[i]->name, m[i]->drv->name, st.up ? "up" : "down", st.reads, st.failures,
                    st.samples, st.lastError[0] ? "; " : "", st.lastError);
        }
    }
}

static void collectSleep(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) < 0) {
    }
}

typedef struct CollectArgs {
    const char *config;
    long count, workers, batch;
    double duration, flush;
    bool json;
    CollectorConfig store;
    char hostname[256];
} CollectArgs;

enum {
    OPT_STORE = 256,
    OPT_HOST,
    OPT_TYPE,
    OPT_LIBVIRT,
    OPT_FLUSH,
    OPT_BATCH,
    OPT_PROC,
};

/* 1: help printed; -1: bad usage (message printed). */
static int collectParseArgs(int argc, char **argv, CollectArgs *a) {
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"once", no_argument, NULL, 'o'},
        {"count", required_argument, NULL, 'n'},
        {"duration", required_argument, NULL, 'd'},
        {"workers", required_argument, NULL, 'w'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {"store", required_argument, NULL, OPT_STORE},
        {"host", required_argument, NULL, OPT_HOST},
        {"server-type", required_argument, NULL, OPT_TYPE},
        {"libvirt", required_argument, NULL, OPT_LIBVIRT},
        {"flush", required_argument, NULL, OPT_FLUSH},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"proc", required_argument, NULL, OPT_PROC},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': a->config = optarg; break;
        case 'o': a->count = 1; break;
        case 'n':
            if (parseLong(optarg, &a->count) < 0 || a->count < 1 || a->count > 1000000) {
                fprintf(stderr, "geyser collect: --count needs a positive integer\n");
                return -1;
            }
            break;
        case 'd':
            if (parseDouble(optarg, &a->duration) < 0 || a->duration <= 0) {
                fprintf(stderr, "geyser collect: --duration needs a positive number of seconds\n");
                return -1;
            }
            break;
        case 'w':
            if (parseLong(optarg, &a->workers) < 0 || a->workers < 1 || a->workers > 64) {
                fprintf(stderr, "geyser collect: --workers needs an integer in [1, 64]\n");
                return -1;
            }
            break;
        case 'j': a->json = true; break;
        case 'h': cmdCollectHelp(stdout); return 1;
        case OPT_STORE: a->store.uri = optarg; break;
        case OPT_HOST: a->store.host = optarg; break;
        case OPT_TYPE: a->store.serverType = optarg; break;
        case OPT_LIBVIRT: a->store.libvirtUri = optarg; break;
        case OPT_PROC: a->store.procRoot = optarg; break;
        case OPT_FLUSH:
            if (parseDouble(optarg, &a->flush) < 0 || a->flush < 0.01 || a->flush > 3600) {
                fprintf(stderr, "geyser collect: --flush needs seconds in [0.01, 3600]\n");
                return -1;
            }
            break;
        case OPT_BATCH:
            if (parseLong(optarg, &a->batch) < 0 || a->batch < 1 || a->batch > 1000000) {
                fprintf(stderr, "geyser collect: --batch needs an integer in [1, 1000000]\n");
                return -1;
            }
            break;
        default: return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "geyser collect: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* A [section] key, unless the command line gave it already. */
static void collectKey(MeterConf *c, const char *key, const char **dst) {
    const char *v = c ? meterConfGet(c, key) : NULL;
    if (v && *v && !*dst) *dst = v;
}

static int collectNumberKey(MeterConf *c, const char *key, double lo, double hi, double *dst) {
    if (!c || !meterConfGet(c, key)) return 0;
    double v;
    if (meterConfDouble(c, key, 0, lo, hi, &v) < 0) return -1;
    if (*dst == 0) *dst = v;
    return 0;
}

/* The [store] and [libvirt] sections under the command line's options. */
static int collectStoreConf(MeterConfSet *set, CollectArgs *a) {
    MeterConf *st = meterConfSection(set, "store"), *lv = meterConfSection(set, "libvirt");
    collectKey(st, "store", &a->store.uri);
    collectKey(st, "host", &a->store.host);
    collectKey(st, "server_type", &a->store.serverType);
    collectKey(st, "proc", &a->store.procRoot);
    double batch = (double)a->batch;
    if (collectNumberKey(st, "flush", 0.01, 3600, &a->flush) < 0 ||
        collectNumberKey(st, "batch", 1, 1000000, &batch) < 0)
        return -1;
    a->batch = (long)batch;
    collectKey(lv, "uri", &a->store.libvirtUri);
    if ((st && meterConfCheckTaken(st) < 0) || (lv && meterConfCheckTaken(lv) < 0)) return -1;
    if (!a->store.uri && (a->store.libvirtUri || a->store.serverType))
        return ERR("--libvirt and --server-type (or a [libvirt] section) need a store: "
                   "--store URI or store = URI in [store]");
    if (!a->store.host) {
        if (gethostname(a->hostname, sizeof(a->hostname) - 1) < 0)
            return ERR("cannot get this host's name: %m; give --host NAME");
        a->store.host = a->hostname;
    }
    a->store.batch = a->batch > 0 ? (size_t)a->batch : 5000;
    if (a->flush == 0) a->flush = 1;
    a->store.utilEvery = a->flush;
    return 0;
}

static int collectPoll(Poller *p, Meter **m, int n, const CollectArgs *a, CollectOut *out) {
    double gap = m[0]->interval;
    for (int i = 1; i < n; i++)
        if (m[i]->interval < gap) gap = m[i]->interval;
    int down = 0;
    if (a->duration > 0) {
        pollerRun(p, a->duration);
        for (int i = 0; i < n; i++) {
            MeterStatus st;
            pollerStatus(p, i, &st);
            if (!st.up) down++;
        }
    } else {
        for (long r = 0; r < a->count; r++) {
            if (r) collectSleep(gap);
            down = pollerRound(p);
            if (out->coll) collectFlush(out);
        }
    }
    return down;
}

int cmdCollect(int argc, char **argv) {
    CollectArgs a = {.count = 1, .workers = 4};
    CollectOut out = {.lock = PTHREAD_MUTEX_INITIALIZER};
    int rc = collectParseArgs(argc, argv, &a);
    if (rc != 0) return rc > 0 ? 0 : EXIT_USAGE;
    out.json = a.json;
    MeterConfSet set;
    rc = a.config ? meterConfLoad(a.config, &set)
                  : meterConfParse(collectDefaultConf, "(built-in)", &set);
    if (rc < 0) {
        cliError(NULL);
        return 1;
    }
    if (collectStoreConf(&set, &a) < 0) {
        cliError("collect");
        meterConfSetFree(&set);
        return 1;
    }
    int n = 0;
    Meter **m = meterConfBuild(&set, &n);
    if (!m) {
        cliError(NULL);
        meterConfSetFree(&set);
        return 1;
    }
    if (n == 0) {
        fprintf(stderr, "geyser: %s defines no [meter \"name\"] section\n", a.config);
        meterListFree(m, n);
        meterConfSetFree(&set);
        return 1;
    }
    if (a.store.uri) {
        out.coll = collectorOpen(&a.store, m, n, collectAck, &out);
        out.flushEvery = a.flush;
        out.lastFlush = nowMonotonic();
    }
    Poller *p =
        (!a.store.uri || out.coll)
            ? pollerCreate(m, n, (int)a.workers, out.coll ? collectStore : collectPrint, &out)
            : NULL;
    meterConfSetFree(&set); /* after collectorOpen: the store keys live in the set */
    if (!p) {
        cliError("collect");
        collectorClose(out.coll);
        meterListFree(m, n);
        return 1;
    }
    int down = collectPoll(p, m, n, &a, &out);
    collectReport(p, m, n, out.json);
    pollerFree(p);
    if (out.coll) {
        collectFlush(&out);
        if (collectorPending(out.coll))
            fprintf(stderr, "geyser collect: %zu samples were not committed\n",
                    collectorPending(out.coll));
    }
    bool storeFailed = out.coll && (out.storeErrors || collectorPending(out.coll));
    collectorClose(out.coll);
    meterListFree(m, n);
    return down || storeFailed ? 1 : 0;
}
