/* cmd_collect.c - `geyser collect`: read the configured power meters and
 * print their samples, with no store (the store, another module, comes
 * later and will take the same samples). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "err.h"
#include "meter/meter.h"
#include "meter/meterconf.h"
#include "meter/poller.h"
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
               "                   [--workers N] [--json]\n\n"
               "DESCRIPTION\n"
               "    Builds every [meter \"name\"] (or [meter:name]) section of FILE, reads them\n"
               "    with the poller (each on its own interval, failing meters retried with\n"
               "    backoff) and prints each sample: a table for people, or one JSON object a\n"
               "    line with --json. Then it prints each meter's state (up or down, last error).\n"
               "    Samples are not stored yet: a store is a later addition. With no --config,\n"
               "    the hosts of a small simulated cloud (the sim driver) are the meter.\n\n"
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
               "{\"type\":\"status\",...}\n\n"
               "EXIT STATUS\n"
               "    0 every meter up at the end, 1 a meter is down or the configuration is\n"
               "    wrong, 2 bad usage.\n");
}

typedef struct CollectOut {
    bool json;
    long printed;
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

int cmdCollect(int argc, char **argv) {
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},  {"once", no_argument, NULL, 'o'},
        {"count", required_argument, NULL, 'n'},   {"duration", required_argument, NULL, 'd'},
        {"workers", required_argument, NULL, 'w'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    long count = 1, workers = 4;
    double duration = 0;
    CollectOut out = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'o': count = 1; break;
        case 'n':
            if (parseLong(optarg, &count) < 0 || count < 1 || count > 1000000) {
                fprintf(stderr, "geyser collect: --count needs a positive integer\n");
                return EXIT_USAGE;
            }
            break;
        case 'd':
            if (parseDouble(optarg, &duration) < 0 || duration <= 0) {
                fprintf(stderr, "geyser collect: --duration needs a positive number of seconds\n");
                return EXIT_USAGE;
            }
            break;
        case 'w':
            if (parseLong(optarg, &workers) < 0 || workers < 1 || workers > 64) {
                fprintf(stderr, "geyser collect: --workers needs an integer in [1, 64]\n");
                return EXIT_USAGE;
            }
            break;
        case 'j': out.json = true; break;
        case 'h': cmdCollectHelp(stdout); return 0;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "geyser collect: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    MeterConfSet set;
    int rc = config ? meterConfLoad(config, &set)
                    : meterConfParse(collectDefaultConf, "(built-in)", &set);
    if (rc < 0) {
        cliError(NULL);
        return 1;
    }
    int n = 0;
    Meter **m = meterConfBuild(&set, &n);
    meterConfSetFree(&set);
    if (!m) {
        cliError(NULL);
        return 1;
    }
    if (n == 0) {
        fprintf(stderr, "geyser: %s defines no [meter \"name\"] section\n", config);
        meterListFree(m, n);
        return 1;
    }
    Poller *p = pollerCreate(m, n, (int)workers, collectPrint, &out);
    if (!p) {
        cliError(NULL);
        meterListFree(m, n);
        return 1;
    }
    double gap = m[0]->interval;
    for (int i = 1; i < n; i++)
        if (m[i]->interval < gap) gap = m[i]->interval;
    int down = 0;
    if (duration > 0) {
        pollerRun(p, duration);
        for (int i = 0; i < n; i++) {
            MeterStatus st;
            pollerStatus(p, i, &st);
            if (!st.up) down++;
        }
    } else {
        for (long r = 0; r < count; r++) {
            if (r) collectSleep(gap);
            down = pollerRound(p);
        }
    }
    collectReport(p, m, n, out.json);
    pollerFree(p);
    meterListFree(m, n);
    return down ? 1 : 0;
}
